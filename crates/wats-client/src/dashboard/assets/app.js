// The station dashboard's script: live updates over server-sent events, "try a file", local
// times. The pages work without it (they are server-rendered);
// this only keeps them current.
"use strict";

// Every live stream of the page. A browser allows about six connections to one host over
// HTTP/1.1, and a page kept in the back/forward cache would keep its streams open: they are
// closed when the page is left, and the page reloaded if it is shown from that cache.
const streams = [];
function stream(url) {
  const es = new EventSource(url);
  streams.push(es);
  return es;
}
window.addEventListener("pagehide", () => { for (const es of streams) es.close(); });
window.addEventListener("pageshow", (e) => { if (e.persisted) location.reload(); });

function csrf() {
  const m = document.querySelector('meta[name="csrf"]');
  return m ? m.content : "";
}

// Times are rendered in UTC; show them in the reader's time zone.
function localTimes(root) {
  for (const t of root.querySelectorAll("time[datetime]")) {
    const d = new Date(t.getAttribute("datetime"));
    if (!isNaN(d)) { t.title = t.textContent; t.textContent = d.toLocaleString(); }
  }
}

// The connection badge on every page, and the dashboard's live part.
function live() {
  const badge = document.getElementById("badge");
  if (!badge || !window.EventSource) return;
  const panel = document.querySelector("[data-live]");
  const url = "/ui/events" + (panel ? "?page=" + panel.dataset.live : "");
  const es = stream(url);
  es.addEventListener("badge", (e) => { badge.innerHTML = e.data; });
  es.addEventListener("live", (e) => {
    if (!panel) return;
    // Keep the keyboard focus where it was when the panel is replaced.
    const focused = document.activeElement && document.activeElement.id;
    panel.innerHTML = e.data;
    localTimes(panel);
    if (focused) { const el = document.getElementById(focused); if (el) el.focus(); }
  });
  es.onerror = () => {
    badge.innerHTML = '<span class="badge unknown" data-state="station">Station not answering</span>';
  };
}

// New log lines as they are written.
function logTail() {
  const log = document.getElementById("log");
  if (!log || !log.dataset.events || !window.EventSource) return;
  const es = stream(log.dataset.events);
  es.addEventListener("line", (e) => {
    const atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 20;
    log.insertAdjacentHTML("beforeend", e.data);
    while (log.childElementCount > 2000) log.firstElementChild.remove();
    if (atEnd) log.scrollTop = log.scrollHeight;
  });
  log.scrollTop = log.scrollHeight;
}

// "Try a file" on the Converters page: the file goes as the request body; the answer is HTML.
function tryFile() {
  const form = document.getElementById("try-form");
  if (!form) return;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = document.getElementById("try-file");
    const out = document.getElementById("try-result");
    const file = input.files[0];
    if (!file) { out.textContent = "Choose a file first."; return; }
    const q = new URLSearchParams({ name: file.name, converter: document.getElementById("try-converter").value });
    out.textContent = "Converting…";
    try {
      const r = await fetch("/ui/converters/try?" + q, {
        method: "POST", body: file, credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf(), "Content-Type": "application/octet-stream" },
      });
      out.innerHTML = await r.text();
      if (!r.ok && !out.querySelector(".error")) out.insertAdjacentHTML("afterbegin", '<p class="error">Refused (' + r.status + ")</p>");
    } catch (err) {
      out.textContent = "The station did not answer: " + err;
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  localTimes(document);
  live();
  logTail();
  tryFile();
});
