//! The Queue page: entries by state and age, one page at a time (the queue's index does the
//! paging, so 100,000 entries cost what 100 do); retry, bulk retry, drop after a confirmation;
//! an entry's WSJF to view or download.

use std::time::{Duration, SystemTime};

use axum::extract::{Extension, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;
use uuid::Uuid;

use super::layout::{bytes, csrf_field, frame, time};
use super::security::Caller;
use super::{home, Ui};
use crate::queue::{State as EntryState, Which};

/// Entries on one page.
pub const PAGE_SIZE: usize = 50;

const STATES: [(EntryState, &str); 4] = [
    (EntryState::Pending, "Pending"),
    (EntryState::Uploading, "Uploading"),
    (EntryState::Parked, "Parked"),
    (EntryState::Done, "Delivered"),
];

const AGES: [(&str, &str, u64); 4] = [
    ("all", "Any time", 0),
    ("1h", "Last hour", 3600),
    ("24h", "Last 24 hours", 86_400),
    ("7d", "Last 7 days", 7 * 86_400),
];

#[derive(Deserialize, Default)]
pub struct PageQuery {
    state: Option<String>,
    since: Option<String>,
    page: Option<usize>,
    msg: Option<String>,
}

fn parse_state(s: Option<&str>) -> EntryState {
    match s {
        Some("parked") => EntryState::Parked,
        Some("uploading") => EntryState::Uploading,
        Some("done") => EntryState::Done,
        _ => EntryState::Pending,
    }
}

fn since(key: &str) -> Option<SystemTime> {
    AGES.iter()
        .find(|(k, _, secs)| *k == key && *secs > 0)
        .map(|(_, _, secs)| SystemTime::now() - Duration::from_secs(*secs))
}

fn query(state: EntryState, age: &str, page: usize) -> String {
    format!("state={}&since={age}&page={page}", state.as_str())
}

/// `GET /ui/queue`.
pub async fn page(
    State(ui): State<Ui>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<PageQuery>,
) -> Markup {
    let ctx = ui.ctx(caller);
    let state = parse_state(q.state.as_deref());
    let age = q.since.as_deref().unwrap_or("all");
    let age = if AGES.iter().any(|(k, ..)| *k == age) {
        age
    } else {
        "all"
    };
    let number = q.page.unwrap_or(0);
    let stats = ui.shared.queue.stats().ok();
    let list = ui
        .shared
        .queue
        .page(
            state,
            since(age),
            false,
            number.saturating_mul(PAGE_SIZE),
            PAGE_SIZE + 1,
        )
        .map(|mut entries| {
            let more = entries.len() > PAGE_SIZE;
            entries.truncate(PAGE_SIZE);
            (entries, more)
        });
    let body = html! {
        @if let Some(msg) = &q.msg { p.flash #flash role="status" { (msg) } }
        form.filters method="get" action="/ui/queue" {
            label for="state" { "State" }
            select #state name="state" {
                @for (s, label) in STATES {
                    option value=(s.as_str()) selected[s == state] {
                        (label) @if let Some(st) = &stats { " (" (st.count(s)) ")" }
                    }
                }
            }
            label for="since" { "Queued" }
            select #since name="since" {
                @for (k, label, _) in AGES { option value=(k) selected[k == age] { (label) } }
            }
            button type="submit" { "Show" }
        }
        @match list {
            Err(e) => { p.error { "The queue cannot be read: " (e) } }
            Ok((entries, more)) => {
                form #entries method="post" action="/ui/queue/action" {
                    (csrf_field(&ctx))
                    input type="hidden" name="back" value=(query(state, age, number));
                    @if entries.is_empty() {
                        p.muted #empty { "No " (state.as_str()) " entries" @if age != "all" { " in this time" } "." }
                    } @else {
                        div.bulk {
                            @if state == EntryState::Parked {
                                button type="submit" name="action" value="retry" { "Retry selected" }
                                button type="submit" name="action" value="retry-all" { "Retry all parked" }
                            }
                            @if state != EntryState::Done {
                                button.danger type="submit" name="action" value="drop" { "Drop selected…" }
                            }
                        }
                        div.scroll {
                            table.entries {
                                thead { tr {
                                    th { span.sr { "Select" } }
                                    th { "Queued" } th { "File" } th { "Attempts" }
                                    th { "Reason" } th { "Size" } th { "" }
                                } }
                                tbody {
                                    @for e in &entries {
                                        tr data-id=(e.id) {
                                            td { input type="checkbox" name="id" value=(e.id)
                                                 aria-label={"Select " (e.id)}; }
                                            td { (time(e.created_at)) }
                                            td.file title=(e.source.as_ref().map(|p| p.display().to_string()).unwrap_or_default()) {
                                                (e.source.as_ref().and_then(|p| p.file_name())
                                                    .map(|n| n.to_string_lossy().into_owned())
                                                    .unwrap_or_else(|| "(submitted)".into()))
                                            }
                                            td { (e.attempts) }
                                            td.reason {
                                                @if let Some(l) = &e.last_error {
                                                    span.kind { (l.kind.as_str()) } " " (l.text)
                                                }
                                            }
                                            td { (bytes(e.bytes)) }
                                            td.actions {
                                                a href={"/ui/queue/" (e.id)} { "View" }
                                                @if state == EntryState::Parked {
                                                    button type="submit" name="row" value={"retry:" (e.id)} { "Retry" }
                                                }
                                                @if state != EntryState::Done {
                                                    button.danger type="submit" name="row" value={"drop:" (e.id)} { "Drop…" }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                nav.pager aria-label="Pages of entries" {
                    @if number > 0 {
                        a rel="prev" href={"/ui/queue?" (query(state, age, number - 1))} { "← Previous" }
                    }
                    span { "Page " (number + 1) }
                    @if more {
                        a rel="next" href={"/ui/queue?" (query(state, age, number + 1))} { "Next →" }
                    }
                }
                p.muted { "In the order the uploader takes them; " (PAGE_SIZE) " a page." }
            }
        }
    };
    frame(&ctx, "/ui/queue", "Queue", home::badge(&ui.shared), body)
}

/// `POST /ui/queue/action`: `action` (retry, retry-all, drop, drop-confirmed) on the `id`s,
/// or `row` = `retry:<id>` / `drop:<id>` for one row.
pub async fn action(State(ui): State<Ui>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let back = get("back")
        .filter(|b| !b.contains(['/', ':']))
        .unwrap_or("")
        .to_string();
    let csrf = get("csrf").unwrap_or("").to_string();
    let (action, ids): (String, Vec<String>) = match get("row").and_then(|r| r.split_once(':')) {
        Some((a, id)) => (a.to_string(), vec![id.to_string()]),
        None => (
            get("action").unwrap_or("").to_string(),
            fields
                .iter()
                .filter(|(k, _)| k == "id")
                .map(|(_, v)| v.clone())
                .collect(),
        ),
    };
    let mut parsed = Vec::new();
    for id in &ids {
        match Uuid::parse_str(id) {
            Ok(u) => parsed.push(u),
            Err(_) => return not_an_id(id),
        }
    }
    let queue = &ui.shared.queue;
    let message = match action.as_str() {
        "retry-all" => match queue.retry_parked(Which::All) {
            Ok(n) => format!("{n} parked entr{} sent back to pending", plural(n)),
            Err(e) => format!("Retry failed: {e}"),
        },
        "retry" => {
            let mut n = 0;
            for id in &parsed {
                n += queue.retry_parked(Which::One(*id)).unwrap_or(0);
            }
            format!("{n} entr{} sent back to pending", plural(n))
        }
        "drop" if !parsed.is_empty() => return confirm_drop(&parsed, &back, &csrf),
        "drop-confirmed" => {
            let mut dropped = 0u64;
            let mut errors = Vec::new();
            for id in &parsed {
                match queue.drop_entry(*id) {
                    Ok(()) => dropped += 1,
                    Err(e) => errors.push(e.to_string()),
                }
            }
            let mut m = format!("{dropped} entr{} dropped", plural(dropped));
            if !errors.is_empty() {
                m.push_str(&format!("; {}", errors.join("; ")));
            }
            m
        }
        _ => "Nothing selected".to_string(),
    };
    let msg: String = serde_urlencoded::to_string([("msg", message)]).unwrap_or_default();
    Redirect::to(&format!("/ui/queue?{back}&{msg}")).into_response()
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        "y"
    } else {
        "ies"
    }
}

fn confirm_drop(ids: &[Uuid], back: &str, csrf: &str) -> Response {
    super::layout::bare_page(
        "Drop entries?",
        html! {
            p { "These reports will not be sent. This cannot be undone." }
            ul { @for id in ids { li { code { (id) } } } }
            form method="post" action="/ui/queue/action" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="back" value=(back);
                @for id in ids { input type="hidden" name="id" value=(id); }
                button.danger #confirm-drop type="submit" name="action" value="drop-confirmed" {
                    "Drop " (ids.len()) " entr" (plural(ids.len() as u64))
                }
                " "
                a href={"/ui/queue?" (back)} { "Cancel" }
            }
        },
    )
    .into_response()
}

fn not_an_id(id: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        super::layout::message_page("Queue", &format!("{id:?} is not a report id")),
    )
        .into_response()
}

/// `GET /ui/queue/{id}`: the entry and its WSJF.
pub async fn entry(
    State(ui): State<Ui>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_an_id(&id);
    };
    let ctx = ui.ctx(caller);
    let info = ui.shared.queue.get(id);
    let doc = ui.shared.queue.document(id);
    let body = html! {
        @match info {
            Ok(Some(e)) => {
                dl.meta {
                    dt { "Id" } dd { code { (e.id) } }
                    dt { "State" } dd { (e.state.as_str()) }
                    dt { "File" } dd { (e.source.as_ref().map(|p| p.display().to_string()).unwrap_or_default()) }
                    dt { "Queued" } dd { (time(e.created_at)) }
                    dt { "Attempts" } dd { (e.attempts) }
                    @if let Some(l) = &e.last_error { dt { "Reason" } dd { (l.kind.as_str()) ": " (l.text) } }
                }
                @match doc {
                    Ok(Some(text)) => {
                        p { a #download href={"/ui/queue/" (id) "/wsjf"} download { "Download the WSJF" } }
                        pre.doc { (pretty(&text)) }
                    }
                    Ok(None) => { p.muted { "Delivered: the document is no longer kept." } }
                    Err(e) => { p.error { (e) } }
                }
            }
            Ok(None) => { p.error { "No entry with this id." } }
            Err(e) => { p.error { (e) } }
        }
        p { a href="/ui/queue" { "Back to the queue" } }
    };
    frame(
        &ctx,
        "/ui/queue",
        "Queue entry",
        home::badge(&ui.shared),
        body,
    )
    .into_response()
}

fn pretty(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| text.to_string())
}

/// `GET /ui/queue/{id}/wsjf`: the document as a file.
pub async fn download(State(ui): State<Ui>, Path(id): Path<String>) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_an_id(&id);
    };
    match ui.shared.queue.document(id) {
        Ok(Some(text)) => (
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{id}.wsjf.json\""),
                ),
            ],
            text,
        )
            .into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            super::layout::message_page("Queue", "No undelivered entry with this id."),
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            super::layout::message_page("Queue", &e.to_string()),
        )
            .into_response(),
    }
}
