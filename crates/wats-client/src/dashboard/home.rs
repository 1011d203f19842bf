//! The Dashboard page: connection state, queue counts, throughput over the last hour, the last
//! uploads, alarms and disk space; and the live stream (`/ui/events`) that keeps it, and every
//! page's connection badge, current.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Extension, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, ago, bytes, frame, time};
use super::security::Caller;
use super::Ui;
use crate::control::ControlState;
use crate::queue::State as EntryState;
use crate::uploader::Connectivity;

/// One sample of the counters every [`SAMPLE_EVERY`].
const SAMPLE_EVERY: Duration = Duration::from_secs(10);
/// Samples kept: one hour.
const SAMPLES: usize = 360;
/// How often the live stream looks for changes.
const LIVE_EVERY: Duration = Duration::from_secs(1);
/// Uploads listed.
const LAST_UPLOADS: usize = 8;

/// The counters over the last hour (files seen, reports uploaded), sampled while the station
/// runs. A restart starts a new hour: the counters are the run's.
pub struct History {
    samples: Mutex<VecDeque<(SystemTime, u64, u64)>>,
}

impl History {
    /// Starts sampling `shared` (the task ends with the run).
    pub fn start(shared: &Arc<ControlState>) -> Arc<History> {
        let history = Arc::new(History {
            samples: Mutex::new(VecDeque::with_capacity(SAMPLES + 1)),
        });
        history.sample(shared);
        let (weak_state, weak_history): (Weak<ControlState>, Weak<History>) =
            (Arc::downgrade(shared), Arc::downgrade(&history));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SAMPLE_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                match (weak_state.upgrade(), weak_history.upgrade()) {
                    (Some(s), Some(h)) => h.sample(&s),
                    _ => break,
                }
            }
        });
        history
    }

    fn sample(&self, shared: &ControlState) {
        let now = counters(shared);
        let mut s = self.samples.lock().unwrap_or_else(|p| p.into_inner());
        s.push_back(now);
        while s.len() > SAMPLES + 1 {
            s.pop_front();
        }
    }

    /// Rates between consecutive samples, the last one up to now: (files/s, uploads/s).
    fn rates(&self, shared: &ControlState) -> Vec<(f64, f64)> {
        let mut points: Vec<_> = self
            .samples
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .copied()
            .collect();
        points.push(counters(shared));
        points
            .windows(2)
            .map(|w| {
                let secs = w[1]
                    .0
                    .duration_since(w[0].0)
                    .unwrap_or_default()
                    .as_secs_f64()
                    .max(1.0);
                (
                    w[1].1.saturating_sub(w[0].1) as f64 / secs,
                    w[1].2.saturating_sub(w[0].2) as f64 / secs,
                )
            })
            .collect()
    }
}

fn counters(shared: &ControlState) -> (SystemTime, u64, u64) {
    (
        SystemTime::now(),
        shared.metrics.files_seen.load(Ordering::Relaxed),
        shared.uploader.status().uploaded,
    )
}

/// When this run started, in milliseconds (the "restarting" page waits for it to change).
pub fn started_millis(shared: &ControlState) -> u128 {
    shared
        .started
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// `GET /ui/started`.
pub async fn started(State(ui): State<Ui>) -> String {
    started_millis(&ui.shared).to_string()
}

/// The connection state in a few words, for the header of every page.
pub fn badge(shared: &ControlState) -> Markup {
    let up = shared.uploader.status();
    let (class, text) = match up.connectivity {
        Connectivity::Online => ("online", "Online".to_string()),
        Connectivity::Offline => ("offline", "Offline: server unreachable".to_string()),
        Connectivity::AuthFailed => ("paused", "Authorization paused".to_string()),
        Connectivity::Unknown => ("unknown", "Server not contacted yet".to_string()),
    };
    html! { span.badge.(class) data-state=(up.connectivity.as_str()) { (text) } }
}

/// `GET /ui/`.
pub async fn page(State(ui): State<Ui>, Extension(caller): Extension<Caller>) -> Markup {
    let ctx = ui.ctx(caller);
    page_body(&ui, &ctx)
}

fn page_body(ui: &Ui, ctx: &layout::Ctx) -> Markup {
    frame(
        ctx,
        "/ui/",
        "Dashboard",
        badge(&ui.shared),
        html! { div #live data-live="dashboard" { (live(ui)) } },
    )
}

/// The part of the page the stream replaces.
fn live(ui: &Ui) -> Markup {
    let shared = &ui.shared;
    let up = shared.uploader.status();
    let stats = shared.queue.stats();
    html! {
        div.cards {
            section.card #connection aria-labelledby="h-conn" {
                h2 #h-conn { "Connection" }
                @match up.connectivity {
                    Connectivity::Online => {
                        p.state.online { "Online" }
                        p { "Server " code { (shared.server_url) } }
                        @if let Some(t) = up.last_success { p { "Last upload " (ago(t)) } }
                    }
                    Connectivity::Offline => {
                        p.state.offline { "Offline" }
                        p #reason { "The server does not answer: "
                            (up.probe_error.clone().or(up.last_error.clone()).unwrap_or_else(|| "no answer".into())) }
                        p { "Server " code { (shared.server_url) } }
                        @if let Some(t) = up.since { p { "Since " (time(t)) } }
                        p { "Reports wait in the queue and are sent when it answers again." }
                    }
                    Connectivity::AuthFailed => {
                        p.state.paused { "Authorization paused" }
                        p #reason { "The server refused the token: "
                            (up.probe_error.clone().or(up.last_error.clone()).unwrap_or_default()) }
                        p { "Uploads wait until the token is fixed on " a href="/ui/setup" { "Setup" } "." }
                    }
                    Connectivity::Unknown => {
                        p.state.unknown { "Not contacted yet" }
                        p.muted { "The first upload (or a probe) tells." }
                        p { "Server " code { (shared.server_url) } }
                    }
                }
                p.muted { (if shared.local_mode { "Local mode: embedded WATS server" } else { "Remote WATS server" }) }
            }
            section.card #queue-counts aria-labelledby="h-queue" {
                h2 #h-queue { a href="/ui/queue" { "Queue" } }
                @match &stats {
                    Ok(s) => {
                        dl.counts {
                            dt { "Pending" } dd #count-pending { (s.pending) }
                            dt { "Uploading" } dd #count-uploading { (s.uploading) }
                            dt { "Parked" } dd #count-parked { (s.parked) }
                            dt { "Delivered (kept)" } dd #count-done { (s.done) }
                        }
                        p.muted { (bytes(s.bytes)) " waiting" }
                    }
                    Err(e) => { p.error { "The queue cannot be read: " (e) } }
                }
            }
            section.card #alarms aria-labelledby="h-alarms" {
                h2 #h-alarms { "Alarms" }
                (alarms(ui))
            }
            section.card #disk aria-labelledby="h-disk" {
                h2 #h-disk { "Disk" }
                (disk(shared))
            }
        }
        section.card.wide #throughput aria-labelledby="h-rate" {
            h2 #h-rate { "Last hour" }
            (chart(&ui.history.rates(shared)))
        }
        section.card.wide #uploads aria-labelledby="h-uploads" {
            h2 #h-uploads { "Last uploads" }
            @match shared.queue.page(EntryState::Done, None, true, 0, LAST_UPLOADS) {
                Ok(list) if list.is_empty() => { p.muted { "Nothing delivered yet." } }
                Ok(list) => {
                    table {
                        thead { tr { th { "Delivered" } th { "File" } th { "Report" } } }
                        tbody {
                            @for e in &list {
                                tr {
                                    td { (time(e.updated_at)) }
                                    td.file { (e.source.as_ref().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()) }
                                    td { code { (e.id) } }
                                }
                            }
                        }
                    }
                }
                Err(e) => { p.error { (e) } }
            }
        }
    }
}

fn alarms(ui: &Ui) -> Markup {
    let shared = &ui.shared;
    let up = shared.uploader.status();
    let mut items: Vec<Markup> = Vec::new();
    if let Some(why) = &up.stopped_by {
        items.push(html! { "Uploads stopped: " (why) });
    }
    if shared.intake.is_paused() {
        items.push(html! { "Intake paused: " (shared.intake.reason().unwrap_or_default()) });
    }
    if let Ok(s) = shared.queue.stats() {
        if s.parked > 0 {
            items.push(html! { (s.parked) " report(s) parked: the server refused them. " a href="/ui/queue?state=parked" { "Review" } });
        }
    }
    let skipped = shared.skipped.list(5);
    if !skipped.is_empty() {
        items.push(html! {
            "Files the watch folders do not take:"
            ul { @for (path, reason) in &skipped { li { code { (path.display()) } ": " (reason) } } }
        });
    }
    html! {
        @if items.is_empty() { p.muted #no-alarms { "None." } }
        @else { ul.alarms { @for i in items { li { (i) } } } }
    }
}

fn disk(shared: &ControlState) -> Markup {
    let path = shared.queue.path();
    let dir = path.parent().unwrap_or(path);
    let free = fs4::available_space(dir).ok();
    let total = fs4::total_space(dir).ok();
    let file = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    html! {
        dl.counts {
            dt { "Free" } dd #disk-free { (free.map(bytes).unwrap_or_else(|| "?".into()))
                @if let Some(t) = total { " of " (bytes(t)) } }
            dt { "Queue file" } dd { (bytes(file)) }
        }
        p.muted { code { (dir.display()) } }
    }
}

/// Files/s and uploads/s as a small SVG line chart.
fn chart(rates: &[(f64, f64)]) -> Markup {
    const W: f64 = 600.0;
    const H: f64 = 120.0;
    let max = rates
        .iter()
        .flat_map(|(a, b)| [*a, *b])
        .fold(0.0f64, f64::max)
        .max(0.1);
    let n = SAMPLES as f64;
    let line = |pick: fn(&(f64, f64)) -> f64| {
        let offset = SAMPLES.saturating_sub(rates.len()) as f64;
        rates
            .iter()
            .enumerate()
            .map(|(i, r)| {
                // A step per interval, so one interval already draws a line.
                let (x0, x1) = (
                    (offset + i as f64) / n * W,
                    (offset + i as f64 + 1.0) / n * W,
                );
                let y = H - 2.0 - pick(r) / max * (H - 12.0);
                format!("{x0:.1},{y:.1} {x1:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (files, uploads) = rates.last().copied().unwrap_or_default();
    html! {
        svg.chart viewBox={"0 0 " (W) " " (H)} preserveAspectRatio="none" role="img"
            aria-label={"Files per second and uploads per second over the last hour; now "
                (format!("{files:.2}")) " files/s, " (format!("{uploads:.2}")) " uploads/s"} {
            polyline.files points=(line(|r| r.0)) {}
            polyline.uploads points=(line(|r| r.1)) {}
        }
        p.legend {
            span.files { "files/s " (format!("{files:.2}")) } " · "
            span.uploads { "uploads/s " (format!("{uploads:.2}")) }
            " · peak " (format!("{max:.2}")) "/s"
        }
    }
}

#[derive(Deserialize)]
pub struct EventsQuery {
    /// `dashboard` to stream the page's live part too.
    page: Option<String>,
}

/// `GET /ui/events`: the badge (and the dashboard's live part) when they change.
pub async fn events(
    State(ui): State<Ui>,
    Query(q): Query<EventsQuery>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let with_live = q.page.as_deref() == Some("dashboard");
    let exit = ui.shared.exit.subscribe();
    let state = (ui, exit, String::new(), String::new(), true);
    let stream = futures_util::stream::unfold(
        state,
        move |(ui, mut exit, badge, live_html, first)| async move {
            if !first && !super::pause_unless_exiting(&mut exit, LIVE_EVERY).await {
                return None;
            }
            let new_badge = self::badge(&ui.shared).into_string();
            let new_live = if with_live {
                live(&ui).into_string()
            } else {
                String::new()
            };
            let mut events = Vec::new();
            if new_badge != badge {
                events.push(Event::default().event("badge").data(new_badge.clone()));
            }
            if with_live && new_live != live_html {
                events.push(Event::default().event("live").data(new_live.clone()));
            }
            Some((
                futures_util::stream::iter(events.into_iter().map(Ok)),
                (ui, exit, new_badge, new_live, false),
            ))
        },
    );
    Sse::new(futures_util::StreamExt::flatten(stream)).keep_alive(KeepAlive::default())
}
