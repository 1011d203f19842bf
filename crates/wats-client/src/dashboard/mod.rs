//! The station's web dashboard, served by the station itself on the control address under
//! `/ui/`: what pyWATS's Qt configurator promised, for a headless station, a supervisor's
//! tablet, or a phone.
//!
//! Server-rendered HTML ([`maud`]), live through server-sent events (`/ui/events`,
//! `/ui/logs/events`) and about two hundred lines of plain JavaScript; the style sheet and the
//! script are embedded in the binary. The pages read the station's state directly
//! ([`ControlState`]), never the WATS server, so they work while the server is unreachable,
//! which is when people look. Pages:
//!
//! - `home`: Dashboard: connection state (online, offline with the reason, authorization
//!   paused), queue counts, files/s and uploads/s over the last hour, the last uploads,
//!   alarms, disk space of the queue;
//! - `queue_page`: Queue: entries by state and age, a page at a time; retry, bulk retry, drop
//!   (confirmed), view and download an entry's WSJF;
//! - `converters_page`: Converters: the configured folders with patterns, counts and the last
//!   error; enable and disable; "try a file" (nothing queued);
//! - `setup_page`: Setup: server, token (write-only), station identity, test connection; the
//!   validation of `config validate`; applying restarts the pipeline as `restart` does;
//! - `logs_page`: Logs: a live tail with level filter and search, and the file to download.
//!
//! Who may do what is [`security`]'s job, for the JSON API as well.

mod converters_page;
mod home;
pub mod layout;
mod logs_page;
mod queue_page;
pub mod security;
mod setup_page;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Extension, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::html;
use serde::Deserialize;

use crate::control::{ControlState, Exit};
use layout::Ctx;
use security::{Caller, Policy};

const STYLE: &str = include_str!("assets/style.css");
const SCRIPT: &str = include_str!("assets/app.js");
/// Waits until the station answers with a new start time, then goes on.
const WAIT_FOR_RESTART: &str = r#"(function () {
  const p = document.getElementById("restarting");
  const poll = async () => {
    try {
      const r = await fetch("/ui/started", { cache: "no-store" });
      if (r.ok && (await r.text()) !== p.dataset.started) { location.href = p.dataset.to; return; }
    } catch (_) { /* not answering yet */ }
    setTimeout(poll, 300);
  };
  setTimeout(poll, 300);
})();"#;

/// What the pages share.
#[derive(Clone)]
struct Ui {
    shared: Arc<ControlState>,
    policy: Arc<Policy>,
    history: Arc<home::History>,
}

impl Ui {
    fn ctx(&self, caller: Caller) -> Ctx {
        Ctx {
            instance: self.shared.instance.clone(),
            caller,
            exposed: self.policy.exposed(),
        }
    }

    /// Restarts the pipeline (the configuration is read again) and answers with a page that
    /// waits for the station to come back, then goes to `to`.
    fn restart(&self, to: &str, what: &str) -> Response {
        let started = home::started_millis(&self.shared);
        self.shared.exit.send_replace(Some(Exit::Restart));
        layout::bare_page(
            "Restarting",
            html! {
                p #restarting data-started=(started) data-to=(to) {
                    (what) " The station is restarting its pipeline with the new configuration…"
                }
                noscript { p { a href=(to) { "Continue" } } }
                // Inline: the page's own script may not load while the address is rebound.
                script { (maud::PreEscaped(WAIT_FOR_RESTART)) }
            },
        )
        .into_response()
    }
}

/// The dashboard's routes (state included); the control API merges them under its guard.
pub fn routes(shared: Arc<ControlState>, policy: Arc<Policy>) -> Router {
    let history = home::History::start(&shared);
    let ui = Ui {
        shared,
        policy,
        history,
    };
    Router::new()
        .route("/", get(|| async { Redirect::to("/ui/") }))
        .route("/ui", get(|| async { Redirect::to("/ui/") }))
        .route("/ui/", get(home::page))
        .route("/ui/events", get(home::events))
        .route("/ui/started", get(home::started))
        .route("/ui/queue", get(queue_page::page))
        .route("/ui/queue/action", post(queue_page::action))
        .route("/ui/queue/{id}", get(queue_page::entry))
        .route("/ui/queue/{id}/wsjf", get(queue_page::download))
        .route("/ui/converters", get(converters_page::page))
        .route("/ui/converters/toggle", post(converters_page::toggle))
        .route(
            "/ui/converters/try",
            post(converters_page::try_file).layer(DefaultBodyLimit::max(
                wats_report::format::DEFAULT_MAX_FILE_BYTES as usize,
            )),
        )
        .route("/ui/setup", get(setup_page::page).post(setup_page::apply))
        .route("/ui/setup/test", post(setup_page::test_connection))
        .route("/ui/logs", get(logs_page::page))
        .route("/ui/logs/events", get(logs_page::events))
        .route("/ui/logs/download", get(logs_page::download))
        .route("/ui/login", get(login_page).post(login_with_secret))
        .route("/ui/logout", post(logout))
        .route("/ui/login-token", post(login_token))
        .route("/ui/assets/style.css", get(|| asset(STYLE, "text/css")))
        .route(
            "/ui/assets/app.js",
            get(|| asset(SCRIPT, "text/javascript")),
        )
        .with_state(ui)
}

/// Waits `pause`; false when the station stops or restarts meanwhile (a live stream then ends,
/// so the control API can close).
async fn pause_unless_exiting(
    exit: &mut tokio::sync::watch::Receiver<Option<Exit>>,
    pause: std::time::Duration,
) -> bool {
    if exit.borrow().is_some() {
        return false;
    }
    tokio::select! {
        _ = tokio::time::sleep(pause) => exit.borrow().is_none(),
        changed = exit.changed() => changed.is_ok() && exit.borrow().is_none(),
    }
}

async fn asset(body: &'static str, kind: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, format!("{kind}; charset=utf-8")),
            (header::CACHE_CONTROL, "no-cache".to_string()),
        ],
        body,
    )
        .into_response()
}

#[derive(Deserialize)]
struct LoginQuery {
    token: Option<String>,
}

/// `/ui/login?token=…` exchanges a one-time token for a session; without one, the form for
/// the control secret.
async fn login_page(State(ui): State<Ui>, Query(q): Query<LoginQuery>) -> Response {
    if let Some(token) = q.token {
        return match security::redeem_login_token(&token) {
            Some(session) => signed_in(&ui, &session),
            None => (
                StatusCode::UNAUTHORIZED,
                layout::message_page(
                    "Sign in",
                    "This login link was used already or has expired: run `wats-client \
                     dashboard` again for a new one.",
                ),
            )
                .into_response(),
        };
    }
    layout::bare_page(
        "Sign in",
        html! {
            p { "Run " code { "wats-client dashboard" } " on the station for a login link, or give the instance's control secret (the file "
                code { "control.secret" } " in its data folder)." }
            form method="post" action="/ui/login" {
                label for="secret" { "Control secret" }
                input #secret type="password" name="secret" autocomplete="current-password" required;
                button type="submit" { "Sign in" }
            }
        },
    )
    .into_response()
}

/// The session cookie, then on to the dashboard. A page rather than a redirect: a cookie
/// that is SameSite=Strict is sent with the next navigation from our own page.
fn signed_in(ui: &Ui, session: &str) -> Response {
    (
        [(header::SET_COOKIE, ui.policy.session_cookie(session))],
        layout::bare_page(
            "Signed in",
            html! {
                p #signed-in { "You are signed in. " a #continue href="/ui/" { "Open the dashboard" } }
                meta http-equiv="refresh" content="0; url=/ui/";
            },
        ),
    )
        .into_response()
}

#[derive(Deserialize)]
struct SecretForm {
    secret: String,
}

async fn login_with_secret(State(ui): State<Ui>, Form(form): Form<SecretForm>) -> Response {
    match security::session_for_secret(&ui.policy, &form.secret) {
        Some(session) => signed_in(&ui, &session),
        None => (
            StatusCode::UNAUTHORIZED,
            layout::message_page("Sign in", "That is not this instance's control secret."),
        )
            .into_response(),
    }
}

async fn logout(State(ui): State<Ui>, Extension(caller): Extension<Caller>) -> Response {
    if let Caller::Session { token, .. } = &caller {
        security::close_session(token);
    }
    (
        [(
            header::SET_COOKIE,
            format!("{}=; Max-Age=0; Path=/", ui.policy.cookie_name()),
        )],
        Redirect::to("/ui/"),
    )
        .into_response()
}

/// A one-time login token, for `wats-client dashboard` (which holds the secret).
async fn login_token(Extension(caller): Extension<Caller>) -> Response {
    if caller != Caller::Secret {
        return crate::control::error(
            StatusCode::FORBIDDEN,
            "login tokens are given to the instance's secret only",
        );
    }
    axum::Json(serde_json::json!({
        "token": security::new_login_token(),
        "path": "/ui/login?token=",
        "expires_in_seconds": security::LOGIN_TOKEN_TTL.as_secs(),
    }))
    .into_response()
}
