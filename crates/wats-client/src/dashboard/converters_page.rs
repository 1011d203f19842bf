//! The Converters page: the configured watch folders with their patterns, what lies in them
//! (waiting, converted into the done folder, refused into the error folder), the last error
//! (the newest `.error` note); enable and disable (saved, then the pipeline restarts); and
//! "try a file": which converter would take an uploaded file, with every converter's
//! confidence, and the WSJF it gives or the error. Nothing is queued.

use std::path::Path;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{Extension, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;
use wats_convert::{Registry, Source};

use super::layout::{ago, csrf_field, frame};
use super::security::Caller;
use super::setup_page::{check_and_save, document};
use super::{home, Ui};
use crate::config::{Config, ConverterConfig};
use crate::intake;

/// Files counted per folder at most (the page stays quick on a folder of a million files).
const COUNT_LIMIT: usize = 100_000;
/// Characters of the last error note shown.
const NOTE_CHARS: usize = 400;

/// What a folder holds, as far as the page counts.
struct Folder {
    files: usize,
    capped: bool,
}

fn count(dir: &Path, skip_notes: bool) -> Option<Folder> {
    let rd = std::fs::read_dir(dir).ok()?;
    let mut files = 0;
    for e in rd.flatten().take(COUNT_LIMIT) {
        let name = e.file_name();
        if skip_notes && name.to_string_lossy().ends_with(".error") {
            continue;
        }
        if e.file_type().map(|t| t.is_file()).unwrap_or(false) {
            files += 1;
        }
    }
    Some(Folder {
        files,
        capped: files >= COUNT_LIMIT,
    })
}

/// The newest `.error` note in the error folder: when, and its text (cut).
fn last_error(dir: &Path) -> Option<(SystemTime, String)> {
    let newest = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .take(COUNT_LIMIT)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".error"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max_by_key(|(t, _)| *t)?;
    let text = std::fs::read_to_string(&newest.1).ok()?;
    let name = newest
        .1
        .file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".error").to_string())
        .unwrap_or_default();
    let text: String = text.chars().take(NOTE_CHARS).collect();
    Some((newest.0, format!("{name}: {}", text.trim())))
}

fn shown(folder: Option<Folder>) -> String {
    match folder {
        Some(f) if f.capped => format!("{}+", f.files),
        Some(f) => f.files.to_string(),
        None => "–".into(),
    }
}

/// The configured converters (the file's, so a change shows before the restart finishes); a
/// station without converters shows its inbox.
fn configured(ui: &Ui) -> Vec<ConverterConfig> {
    let config = ui
        .shared
        .home
        .load_without_token()
        .ok()
        .or_else(|| serde_json::from_value::<Config>(ui.shared.config.clone()).ok())
        .unwrap_or_default();
    if config.converters.is_empty() {
        if let Some(inbox) = &ui.shared.inbox {
            return vec![ConverterConfig {
                name: "inbox".into(),
                converter: "auto".into(),
                watch_folder: inbox.display().to_string(),
                file_patterns: vec!["*".into()],
                ..ConverterConfig::default()
            }];
        }
    }
    config.converters
}

#[derive(Deserialize)]
pub struct PageQuery {
    msg: Option<String>,
}

/// `GET /ui/converters`.
pub async fn page(
    State(ui): State<Ui>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<PageQuery>,
) -> Markup {
    let ctx = ui.ctx(caller);
    let converters = configured(&ui);
    let registry = Registry::builtin();
    let body = html! {
        @if let Some(m) = &q.msg { p.flash #flash role="status" { (m) } }
        div.scroll {
            table.converters {
                thead { tr {
                    th { "Name" } th { "Converter" } th { "Watch folder" } th { "Patterns" }
                    th { "Waiting" } th { "Converted" } th { "Refused" } th { "Last error" } th { "State" }
                } }
                tbody {
                    @for c in &converters {
                        @let watch = Path::new(&c.watch_folder);
                        tr data-name=(c.name) {
                            td { (c.name) }
                            td { (if c.converter.is_empty() { "auto" } else { &c.converter }) }
                            td { code { (c.watch_folder) } }
                            td { (c.file_patterns.join(", ")) }
                            td { (shown(count(watch, false))) }
                            td { (shown(count(&c.done_path(), false))) }
                            td { (shown(count(&c.error_path(), true))) }
                            td.reason {
                                @if let Some((t, text)) = last_error(&c.error_path()) {
                                    (text) " " span.muted { "(" (ago(t)) ")" }
                                }
                            }
                            td {
                                form method="post" action="/ui/converters/toggle" {
                                    (csrf_field(&ctx))
                                    input type="hidden" name="name" value=(c.name);
                                    @if c.enabled {
                                        span.state.online { "Enabled" } " "
                                        button type="submit" name="enabled" value="false"
                                            aria-label={"Disable " (c.name)} { "Disable" }
                                    } @else {
                                        span.state.unknown { "Disabled" } " "
                                        button type="submit" name="enabled" value="true"
                                            aria-label={"Enable " (c.name)} { "Enable" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.card.wide #try aria-labelledby="h-try" {
            h2 #h-try { "Try a file" }
            p { "Which converter would take a file, and what it gives. Nothing is queued or sent." }
            form #try-form {
                label for="try-file" { "File" }
                input #try-file type="file" name="file" required;
                label for="try-converter" { "Converter" }
                select #try-converter name="converter" {
                    option value="" { "Detect from the content" }
                    @for name in registry.names() { option value=(name) { (name) } }
                }
                button #try-button type="submit" { "Try" }
            }
            div #try-result aria-live="polite" {}
        }
    };
    frame(
        &ctx,
        "/ui/converters",
        "Converters",
        home::badge(&ui.shared),
        body,
    )
}

#[derive(Deserialize)]
pub struct ToggleForm {
    name: String,
    enabled: bool,
}

/// `POST /ui/converters/toggle`: enable or disable a configured converter, then restart.
pub async fn toggle(State(ui): State<Ui>, Form(form): Form<ToggleForm>) -> Response {
    let fail = |status: StatusCode, m: String| {
        (status, super::layout::message_page("Converters", &m)).into_response()
    };
    let mut doc = match document(&ui) {
        Ok(d) => d,
        Err(e) => return fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    let index = doc
        .get("converters")
        .and_then(Value::as_array)
        .and_then(|list| {
            list.iter()
                .position(|c| c.get("name").and_then(Value::as_str) == Some(form.name.as_str()))
        });
    let Some(i) = index else {
        return fail(
            StatusCode::NOT_FOUND,
            format!("no converter named {:?} is configured", form.name),
        );
    };
    doc["converters"][i]["enabled"] = Value::Bool(form.enabled);
    if let Err(problems) = check_and_save(&ui, doc) {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        return fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Not changed: {}", list.join("; ")),
        );
    }
    let what = format!(
        "{} {}.",
        form.name,
        if form.enabled { "enabled" } else { "disabled" }
    );
    let back = serde_urlencoded::to_string([("msg", &what)]).unwrap_or_default();
    ui.restart(&format!("/ui/converters?{back}"), &what)
}

#[derive(Deserialize)]
pub struct TryQuery {
    /// The file's name (its extension helps detection).
    name: Option<String>,
    /// A converter to use instead of detection.
    converter: Option<String>,
}

/// `POST /ui/converters/try?name=…`: the body is the file. Answers an HTML fragment.
pub async fn try_file(State(ui): State<Ui>, Query(q): Query<TryQuery>, body: Bytes) -> Response {
    let name = q
        .name
        .as_deref()
        .and_then(|n| Path::new(n).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "upload".into());
    let registry = Registry::builtin();
    let forced = match q.converter.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => match registry.get(c) {
            Some(conv) => Some(conv),
            None => {
                return (
                    StatusCode::BAD_REQUEST,
                    html! { p.error { "Unknown converter " (c) } },
                )
                    .into_response()
            }
        },
        None => None,
    };
    let path = Path::new(&name).to_path_buf();
    let scores = registry.detect(&Source::new(&path, &body));
    let config = ui.shared.home.load_effective().ok().map(|(c, _)| c);
    let context = intake::context(serde_json::Map::new(), config.as_ref());
    let validator = intake::Rules::for_config(config.as_ref()).validator();
    let recipe = intake::Recipe {
        registry: &registry,
        converter: forced.as_ref(),
        context: &context,
        validator: &validator,
        auto_truncate: None,
    };
    let result = intake::convert(&path, &path, &body, &intake::content_hash(&body), &recipe);
    html! {
        table.scores #scores {
            caption { "Confidence per converter for " code { (name) } }
            thead { tr { th { "Converter" } th { "Confidence" } } }
            tbody {
                @for d in &scores {
                    tr { td { (d.name) } td { meter min="0" max="1" value=(d.confidence) {} " " (format!("{:.2}", d.confidence)) } }
                }
            }
        }
        @match &result {
            Ok(converted) => {
                p.flash #try-ok {
                    "Taken by " strong #try-converter-name { (converted.converter.name()) } ": "
                    (converted.reports.len()) " report(s), valid."
                }
                @for cut in &converted.truncated { p.warning { "Cut to WATS's limit: " (cut) } }
                pre.doc #try-wsjf { (wsjf(&converted.reports)) }
            }
            Err(e) => {
                p.error #try-error role="alert" {
                    @if let Some(c) = e.converter() { "Converter " strong { (c) } ": " }
                    (e.describe(&path))
                }
            }
        }
    }
    .into_response()
}

fn wsjf(reports: &[wats_report::Report]) -> String {
    let submitted: Vec<_> = reports.iter().map(|r| r.for_submission()).collect();
    match submitted.as_slice() {
        [one] => serde_json::to_string_pretty(one),
        many => serde_json::to_string_pretty(many),
    }
    .unwrap_or_default()
}
