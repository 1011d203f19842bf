//! The Setup page: server URL, token (write-only: never rendered, blank keeps it), station
//! name, location and purpose; test the connection; apply. A change is checked as
//! `config validate` checks the file (schema, then the station's own checks with the
//! environment's overrides), each problem shown next to its field, and applying it restarts the
//! pipeline as `wats-client restart` does.

use std::collections::BTreeMap;

use axum::extract::{Extension, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::layout::{csrf_field, frame, Ctx};
use super::security::{exposure_warning, Caller};
use super::{home, Ui};
use crate::config::{self, Config, ConfigError, Problem};
use crate::durations;

/// The fields of the form: (key, label, input type, hint).
const FIELDS: [(&str, &str, &str, &str); 4] = [
    (
        "service_address",
        "Server URL",
        "url",
        "https://your-wats-server.example.com; empty runs the embedded server (local mode)",
    ),
    (
        "station_name",
        "Station name",
        "text",
        "Stamped on reports that do not name their station",
    ),
    ("location", "Location", "text", ""),
    ("purpose", "Purpose", "text", ""),
];

/// The form as sent.
#[derive(Deserialize, Default, Clone)]
pub struct SetupForm {
    service_address: String,
    #[serde(default)]
    api_token: String,
    #[serde(default)]
    clear_token: Option<String>,
    station_name: String,
    location: String,
    purpose: String,
}

impl SetupForm {
    fn value(&self, key: &str) -> &str {
        match key {
            "service_address" => &self.service_address,
            "station_name" => &self.station_name,
            "location" => &self.location,
            _ => &self.purpose,
        }
    }
}

/// The instance's configuration document as stored, or the defaults' when there is none.
pub fn document(ui: &Ui) -> Result<Value, ConfigError> {
    match ui.shared.home.read_document() {
        Err(ConfigError::Missing(_)) => Config::default().to_document(&ui.shared.home.sealer()?),
        other => other,
    }
}

/// Checks a changed document as `config validate` would, and saves it when it passes.
pub fn check_and_save(ui: &Ui, doc: Value) -> Result<(), Vec<Problem>> {
    let general = |e: ConfigError| {
        vec![Problem {
            path: "(configuration)".into(),
            message: e.to_string(),
        }]
    };
    let sealer = ui.shared.home.sealer().map_err(general)?;
    let config = match Config::from_document(doc, &sealer) {
        Ok(c) => c,
        Err(ConfigError::Invalid(problems)) => return Err(problems),
        Err(e) => return Err(general(e)),
    };
    let mut effective = config.clone();
    effective.apply_process_env();
    let problems = effective.problems();
    if !problems.is_empty() {
        return Err(problems);
    }
    ui.shared.home.save(&config).map_err(general)
}

#[derive(Deserialize)]
pub struct SetupQuery {
    saved: Option<String>,
}

/// `GET /ui/setup`.
pub async fn page(
    State(ui): State<Ui>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<SetupQuery>,
) -> Response {
    let ctx = ui.ctx(caller);
    let form = match ui.shared.home.load_without_token() {
        Ok(c) => SetupForm {
            service_address: c.service_address,
            station_name: c.station_name,
            location: c.location,
            purpose: c.purpose,
            ..SetupForm::default()
        },
        Err(_) => SetupForm::default(),
    };
    let notice = q.saved.map(|_| {
        html! { p.flash #saved role="status" { "Saved. The station restarted with the new settings." } }
    });
    render(&ui, &ctx, &form, has_token(&ui), &[], notice).into_response()
}

fn render(
    ui: &Ui,
    ctx: &Ctx,
    form: &SetupForm,
    has_token: bool,
    problems: &[Problem],
    notice: Option<Markup>,
) -> Markup {
    let mut by_field: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut other = Vec::new();
    for p in problems {
        match FIELDS
            .iter()
            .map(|f| f.0)
            .chain(["api_token"])
            .find(|k| *k == p.path)
        {
            Some(k) => by_field.entry(k).or_default().push(&p.message),
            None => other.push(p),
        }
    }
    let address = ui
        .shared
        .config
        .get("control_address")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let body = html! {
        @if let Some(n) = notice { (n) }
        @if let Some(w) = exposure_warning(&address) { p.warning { (w) } }
        @if !problems.is_empty() {
            div.error #problems role="alert" {
                p { "Not saved: " (problems.len()) " problem(s)." }
                @if !other.is_empty() {
                    ul { @for p in &other { li { code { (p.path) } ": " (p.message) } } }
                }
            }
        }
        form.setup method="post" action="/ui/setup" novalidate {
            (csrf_field(ctx))
            @for (key, label, kind, hint) in FIELDS {
                @let errors = by_field.get(key);
                div.field.invalid[errors.is_some()] {
                    label for=(key) { (label) }
                    input id=(key) name=(key) type=(kind) value=(form.value(key))
                        aria-invalid=[errors.map(|_| "true")]
                        aria-describedby={(key) "-hint " (key) "-error"};
                    @if !hint.is_empty() { small id={(key) "-hint"} { (hint) } }
                    @if let Some(errs) = errors {
                        @for e in errs { span.field-error id={(key) "-error"} { (e) } }
                    }
                }
            }
            div.field {
                label for="api_token" { "API token" }
                input #api_token name="api_token" type="password" value="" autocomplete="off"
                    placeholder=(if has_token { "(set — leave blank to keep it)" } else { "(none)" });
                small { "Write-only: the stored token is never shown. It is stored encrypted." }
                @if has_token {
                    label.inline { input type="checkbox" name="clear_token" value="1"; " Remove the stored token" }
                }
            }
            div.buttons {
                button #apply type="submit" { "Apply and restart" }
                button #test type="submit" formaction="/ui/setup/test" { "Test connection" }
            }
        }
        p.muted { "Applying saves " code { (ui.shared.home.config_path().display()) }
            " (the previous file is kept as .bak) and restarts the pipeline; queued reports stay queued." }
    };
    frame(ctx, "/ui/setup", "Setup", home::badge(&ui.shared), body)
}

/// The document with the form's values applied.
fn changed(ui: &Ui, form: &SetupForm) -> Result<Value, Vec<Problem>> {
    let mut doc = document(ui).map_err(|e| {
        vec![Problem {
            path: "(configuration)".into(),
            message: e.to_string(),
        }]
    })?;
    for (key, ..) in FIELDS {
        config::set_path(
            &mut doc,
            key,
            Value::String(form.value(key).trim().to_string()),
        )
        .map_err(|e| {
            vec![Problem {
                path: key.into(),
                message: e.to_string(),
            }]
        })?;
    }
    if let Some(obj) = doc.as_object_mut() {
        if form.clear_token.is_some() {
            obj.remove("api_token");
            obj.remove(config::TOKEN_KEY);
        } else if !form.api_token.trim().is_empty() {
            // A plain token in the document wins over the sealed one; saving seals it.
            obj.insert(
                "api_token".into(),
                Value::String(form.api_token.trim().into()),
            );
        }
    }
    Ok(doc)
}

fn has_token(ui: &Ui) -> bool {
    document(ui)
        .ok()
        .is_some_and(|d| d.get(config::TOKEN_KEY).is_some() || d.get("api_token").is_some())
}

/// `POST /ui/setup`: validate, save, restart.
pub async fn apply(
    State(ui): State<Ui>,
    Extension(caller): Extension<Caller>,
    Form(form): Form<SetupForm>,
) -> Response {
    let ctx = ui.ctx(caller);
    let result = changed(&ui, &form).and_then(|doc| check_and_save(&ui, doc));
    match result {
        Ok(()) => ui.restart("/ui/setup?saved=1", "Saved."),
        Err(problems) => (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            render(&ui, &ctx, &form, has_token(&ui), &problems, None),
        )
            .into_response(),
    }
}

/// `POST /ui/setup/test`: does the server in the form answer, and take the token (the form's,
/// else the stored one)? Nothing is saved.
pub async fn test_connection(
    State(ui): State<Ui>,
    Extension(caller): Extension<Caller>,
    Form(form): Form<SetupForm>,
) -> Response {
    let ctx = ui.ctx(caller);
    let address = form.service_address.trim().to_string();
    let outcome: Result<String, String> = if address.is_empty() {
        match ui.shared.probe.app().version().await {
            Ok(v) if ui.shared.local_mode => {
                Ok(format!("The embedded server answers (version {v})."))
            }
            Ok(_) | Err(_) => {
                Err("No server URL: the station runs in local mode after applying.".into())
            }
        }
    } else {
        let token = if form.api_token.trim().is_empty() {
            ui.shared.home.load().ok().and_then(|c| c.api_token)
        } else {
            Some(config::Secret::new(form.api_token.trim()))
        };
        let mut builder = wats::Wats::builder()
            .base_url(&address)
            .timeout(durations::READY_PROBE_TIMEOUT)
            .no_retry()
            .no_circuit_breaker();
        if let Some(t) = &token {
            builder = builder.token(t.expose());
        }
        match builder.build() {
            Err(e) => Err(e.to_string()),
            Ok(client) => match client.app().version().await {
                Err(e) => Err(format!("The server does not answer: {e}")),
                Ok(v) => match client
                    .report()
                    .headers(wats::report::HeaderQuery::uut().top(1))
                    .send()
                    .await
                {
                    Ok(_) => Ok(format!(
                        "Online: the server answers (version {v}) and takes the token."
                    )),
                    Err(e) => Err(format!(
                        "The server answers (version {v}) but refuses the token: {e}"
                    )),
                },
            },
        }
    };
    let notice = html! {
        @match &outcome {
            Ok(m) => { p.flash #test-result data-ok="true" role="status" { (m) } }
            Err(m) => { p.error #test-result data-ok="false" role="alert" { (m) } }
        }
    };
    render(&ui, &ctx, &form, has_token(&ui), &[], Some(notice)).into_response()
}
