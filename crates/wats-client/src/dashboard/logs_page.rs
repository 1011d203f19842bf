//! The Logs page: the end of the station's log file with a level filter and a search, new lines
//! as they are written (`/ui/logs/events`), and the file to download. It reads the file the
//! station writes (`<data>/logs/wats-client.log`, see `logging`), in either format.

use std::convert::Infallible;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::Duration;

use axum::extract::{Extension, Query, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::frame;
use super::security::Caller;
use super::{home, Ui};
use crate::logging::LOG_FILE;

/// How much of the file's end the page reads.
const TAIL_BYTES: u64 = 512 * 1024;
/// Lines shown at most.
const TAIL_LINES: usize = 500;
/// How often the live tail looks at the file.
const POLL: Duration = Duration::from_millis(500);
/// New bytes read per look at most (a burst is shown in parts).
const READ_AT_ONCE: u64 = 256 * 1024;

const LEVELS: [&str; 5] = ["ERROR", "WARN", "INFO", "DEBUG", "TRACE"];

#[derive(Deserialize, Default, Clone)]
pub struct Filter {
    /// The least severe level shown (`WARN` shows ERROR and WARN).
    level: Option<String>,
    /// Lines containing this text (any case).
    q: Option<String>,
}

impl Filter {
    fn rank(&self) -> usize {
        let wanted = self
            .level
            .as_deref()
            .unwrap_or("TRACE")
            .to_ascii_uppercase();
        LEVELS.iter().position(|l| *l == wanted).unwrap_or(4)
    }

    fn keeps(&self, line: &str) -> bool {
        if line.trim().is_empty() {
            return false;
        }
        if let Some(level) = level_of(line) {
            if level > self.rank() {
                return false;
            }
        }
        match self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => line.to_lowercase().contains(&q.to_lowercase()),
            None => true,
        }
    }
}

/// The level of a line, as an index into [`LEVELS`]: the text format puts it after the time,
/// the JSON one in `"level"`.
fn level_of(line: &str) -> Option<usize> {
    let head: String = line.chars().take(80).collect();
    LEVELS.iter().position(|l| {
        head.split(|c: char| !c.is_ascii_alphabetic())
            .any(|word| word == *l)
    })
}

fn log_path(ui: &Ui) -> PathBuf {
    ui.shared.home.log_dir().join(LOG_FILE)
}

/// The end of the file: the lines the filter keeps (at most [`TAIL_LINES`]) and the length read.
fn tail(path: &std::path::Path, filter: &Filter) -> std::io::Result<(Vec<String>, u64)> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let start = len.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.take(len - start).read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut lines: Vec<&str> = text.lines().collect();
    if start > 0 && !lines.is_empty() {
        lines.remove(0); // cut in the middle
    }
    let kept: Vec<String> = lines
        .into_iter()
        .filter(|l| filter.keeps(l))
        .map(str::to_string)
        .collect();
    let skip = kept.len().saturating_sub(TAIL_LINES);
    Ok((kept.into_iter().skip(skip).collect(), len))
}

fn line(text: &str) -> Markup {
    let class = match level_of(text) {
        Some(0) => "l-error",
        Some(1) => "l-warn",
        Some(2) => "l-info",
        _ => "l-debug",
    };
    html! { div.line.(class) { (text) } }
}

/// `GET /ui/logs`.
pub async fn page(
    State(ui): State<Ui>,
    Extension(caller): Extension<Caller>,
    Query(filter): Query<Filter>,
) -> Markup {
    let ctx = ui.ctx(caller);
    let path = log_path(&ui);
    let rank = filter.rank();
    let q = filter.q.clone().unwrap_or_default();
    let result = tail(&path, &filter);
    let events = serde_urlencoded::to_string([("level", LEVELS[rank]), ("q", q.as_str())])
        .unwrap_or_default();
    let body = html! {
        form.filters method="get" action="/ui/logs" {
            label for="level" { "Level" }
            select #level name="level" {
                @for (i, l) in LEVELS.iter().enumerate() {
                    option value=(l) selected[i == rank] { (l) @if i < 4 { " and above" } }
                }
            }
            label for="q" { "Search" }
            input #q type="search" name="q" value=(q);
            button type="submit" { "Filter" }
            a.button href="/ui/logs/download" download { "Download the log file" }
        }
        @match result {
            Ok((lines, len)) => {
                div.log #log role="log" aria-live="polite" tabindex="0"
                    data-events={"/ui/logs/events?" (events) "&from=" (len)} {
                    @for l in &lines { (line(l)) }
                }
            }
            Err(e) => {
                p.muted #log-missing { "No log file at " code { (path.display()) } " yet (" (e) ")." }
            }
        }
        p.muted { code { (path.display()) } "; older files beside it end in .1, .2 …" }
    };
    frame(&ctx, "/ui/logs", "Logs", home::badge(&ui.shared), body)
}

#[derive(Deserialize)]
pub struct EventsQuery {
    #[serde(flatten)]
    filter: Filter,
    /// The file length the page has read to.
    from: Option<u64>,
}

/// `GET /ui/logs/events`: new lines the filter keeps, as they are written.
pub async fn events(
    State(ui): State<Ui>,
    Query(q): Query<EventsQuery>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let path = log_path(&ui);
    let exit = ui.shared.exit.subscribe();
    let state = (path, q.filter, q.from.unwrap_or(0), String::new(), exit);
    let stream = futures_util::stream::unfold(
        state,
        |(path, filter, mut offset, mut partial, mut exit)| async move {
            if !super::pause_unless_exiting(&mut exit, POLL).await {
                return None;
            }
            let mut events = Vec::new();
            if let Ok(mut file) = std::fs::File::open(&path) {
                let len = file.metadata().map(|m| m.len()).unwrap_or(0);
                if len < offset {
                    // Rotated: the new file from its start.
                    offset = 0;
                    partial.clear();
                }
                if len > offset && file.seek(SeekFrom::Start(offset)).is_ok() {
                    let mut bytes = Vec::new();
                    let n = (&mut file)
                        .take((len - offset).min(READ_AT_ONCE))
                        .read_to_end(&mut bytes)
                        .unwrap_or(0);
                    offset += n as u64;
                    partial.push_str(&String::from_utf8_lossy(&bytes));
                    while let Some(end) = partial.find('\n') {
                        let l: String = partial.drain(..=end).collect();
                        let l = l.trim_end();
                        if filter.keeps(l) {
                            events.push(Ok(Event::default()
                                .event("line")
                                .data(line(l).into_string())));
                        }
                    }
                }
            }
            Some((
                futures_util::stream::iter(events),
                (path, filter, offset, partial, exit),
            ))
        },
    );
    Sse::new(futures_util::StreamExt::flatten(stream)).keep_alive(KeepAlive::default())
}

/// `GET /ui/logs/download`: the active log file.
pub async fn download(State(ui): State<Ui>) -> Response {
    let path = log_path(&ui);
    match tokio::fs::read(&path).await {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "text/plain; charset=utf-8".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}-{LOG_FILE}\"", ui.shared.instance),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => (
            StatusCode::NOT_FOUND,
            super::layout::message_page("Logs", &format!("No log file at {}: {e}", path.display())),
        )
            .into_response(),
    }
}
