//! The security of the control address (the JSON API and the dashboard alike): the page is a
//! remote control for the station.
//!
//! - **Host header** checked on every route against the bound address (and the configured
//!   `dashboard_origin`), so a web page on another name cannot reach the station through DNS
//!   rebinding. IP literals with the bound port are taken when the address is unspecified
//!   (`0.0.0.0`): an IP literal cannot be rebound.
//! - **Who calls**: the instance's secret (`Authorization: Bearer`, the CLI), or a session
//!   (the cookie `wats_session_<port>`, HttpOnly, SameSite=Strict) that a one-time login token
//!   (`wats-client dashboard`) or the secret typed into the login page created. Sessions live
//!   in the process, so they survive a `restart` of the pipeline but not of the service.
//! - **Reading** needs nothing on a loopback address; when the station is exposed (a
//!   non-loopback address, or a `dashboard_origin` behind a TLS proxy) every route but the
//!   login page and the static assets needs a caller.
//! - **Changing** (any method but GET/HEAD) needs a caller; a session's change must also come
//!   from the station's own origin (`Origin` header) and carry the session's form token (a
//!   `csrf` form field or the `X-CSRF-Token` header). The secret's calls carry no cookie, so
//!   CSRF cannot ride on them.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::control::{constant_time_eq, ControlState};

/// How long a session lasts without use.
pub const SESSION_IDLE: Duration = Duration::from_secs(8 * 3600);
/// How long a one-time login token can be exchanged.
pub const LOGIN_TOKEN_TTL: Duration = Duration::from_secs(5 * 60);
/// The largest form body read for its CSRF token (the forms are a few fields).
const MAX_FORM_BYTES: usize = 64 * 1024;
/// The configuration key naming the public origin of a TLS proxy in front of the dashboard.
pub const ORIGIN_KEY: &str = "dashboard_origin";

/// Where the station listens and who may call it.
#[derive(Debug, Clone)]
pub struct Policy {
    bound: SocketAddr,
    /// `https://station-12.example.com` (no path), from the configuration.
    public_origin: Option<String>,
    secret: String,
    /// Set when this run of the station ends (stop, restart).
    ending: Option<tokio::sync::watch::Receiver<Option<crate::control::Exit>>>,
}

impl Policy {
    /// The policy of a control API bound to `bound`, with the station's secret and its
    /// configured `dashboard_origin`.
    pub fn new(bound: SocketAddr, shared: &ControlState) -> anyhow::Result<Policy> {
        let public_origin = match shared.config.get(ORIGIN_KEY).and_then(|v| v.as_str()) {
            Some(o) if !o.trim().is_empty() => Some(parse_origin(o).map_err(anyhow::Error::msg)?),
            _ => None,
        };
        Ok(Policy {
            bound,
            public_origin,
            secret: shared.secret.clone(),
            ending: Some(shared.exit.subscribe()),
        })
    }

    /// A policy from its parts (tests).
    pub fn from_parts(bound: SocketAddr, public_origin: Option<&str>, secret: &str) -> Policy {
        Policy {
            bound,
            public_origin: public_origin.map(|o| o.trim_end_matches('/').to_string()),
            secret: secret.to_string(),
            ending: None,
        }
    }

    /// Every route needs a caller: the address is reachable from other machines, or a proxy
    /// publishes it.
    pub fn exposed(&self) -> bool {
        !self.bound.ip().is_loopback() || self.public_origin.is_some()
    }

    /// The session cookie's name: one per port, so two instances on one machine do not
    /// overwrite each other's.
    pub fn cookie_name(&self) -> String {
        format!("wats_session_{}", self.bound.port())
    }

    /// Is `host` (a Host header) a name of this station?
    pub fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        if let Some(origin) = &self.public_origin {
            if origin_authority(origin).is_some_and(|a| a == host) {
                return true;
            }
        }
        let (name, port) = split_authority(&host);
        if port != self.bound.port() {
            return false;
        }
        let ip = match name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            Ok(ip) => ip,
            Err(_) => return name == "localhost" && self.bound.ip().is_loopback(),
        };
        let bound = self.bound.ip();
        if bound.is_unspecified() {
            true
        } else if bound.is_loopback() {
            ip.is_loopback()
        } else {
            ip == bound
        }
    }

    /// Is `origin` (an Origin header) the station's own, for a request to `host`?
    pub fn origin_allowed(&self, origin: &str, host: &str) -> bool {
        let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
        if self.public_origin.as_deref() == Some(origin.as_str()) {
            return true;
        }
        origin == format!("http://{}", host.trim().to_ascii_lowercase())
    }

    /// The cookie that carries `token`.
    pub fn session_cookie(&self, token: &str) -> String {
        let secure = if self
            .public_origin
            .as_deref()
            .is_some_and(|o| o.starts_with("https://"))
        {
            "; Secure"
        } else {
            ""
        };
        format!(
            "{}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
            self.cookie_name(),
            SESSION_IDLE.as_secs()
        )
    }
}

/// What is wrong with a configured `dashboard_origin`, for `config validate` and the start.
pub fn origin_problem(
    extra: &serde_json::Map<String, serde_json::Value>,
) -> Option<crate::config::Problem> {
    let message = match extra.get(ORIGIN_KEY)? {
        serde_json::Value::String(o) if o.trim().is_empty() => return None,
        serde_json::Value::String(o) => parse_origin(o).err()?,
        other => {
            format!("expected a string like \"https://station-12.example.com\", found {other}")
        }
    };
    Some(crate::config::Problem {
        path: ORIGIN_KEY.into(),
        message,
    })
}

/// `https://name[:port]` without a path, or why not.
fn parse_origin(text: &str) -> Result<String, String> {
    let o = text.trim().trim_end_matches('/').to_ascii_lowercase();
    let rest = o
        .strip_prefix("https://")
        .or_else(|| o.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.contains('/') => Ok(o),
        _ => Err(format!(
            "{ORIGIN_KEY} {text:?} is not an origin like https://station-12.example.com"
        )),
    }
}

fn origin_authority(origin: &str) -> Option<String> {
    let (scheme, rest) = origin.split_once("://")?;
    let default = if scheme == "https" { ":443" } else { ":80" };
    // A browser leaves the default port out of Host.
    Some(rest.strip_suffix(default).unwrap_or(rest).to_string())
}

/// `name:port` (IPv6 in brackets); port 80 when absent.
fn split_authority(authority: &str) -> (&str, u16) {
    if let Some(end) = authority.rfind(']') {
        let (name, rest) = authority.split_at(end + 1);
        return (
            name,
            rest.strip_prefix(':')
                .and_then(|p| p.parse().ok())
                .unwrap_or(80),
        );
    }
    match authority.rsplit_once(':') {
        Some((name, port)) => (name, port.parse().unwrap_or(0)),
        None => (authority, 80),
    }
}

/// The warning `config set`/`validate` and the station give for a control address other
/// machines can reach (every route then needs a login), or `None` on loopback.
pub fn exposure_warning(control_address: &str) -> Option<String> {
    let addr: SocketAddr = control_address.parse().ok()?;
    (!addr.ip().is_loopback()).then(|| {
        format!(
            "control_address {control_address} is reachable from other machines: every page and \
             API call needs a login there, and it is plain HTTP; put a TLS proxy in front \
             (docs/station.md, Dashboard) or keep it on 127.0.0.1"
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Sessions

struct Session {
    csrf: String,
    last_used: Instant,
}

#[derive(Default)]
struct Sessions {
    live: HashMap<String, Session>,
    login_tokens: HashMap<String, Instant>,
}

/// The process's sessions (they outlive a pipeline restart, which rebuilds the router).
fn sessions() -> &'static Mutex<Sessions> {
    static SESSIONS: OnceLock<Mutex<Sessions>> = OnceLock::new();
    SESSIONS.get_or_init(Mutex::default)
}

fn lock() -> std::sync::MutexGuard<'static, Sessions> {
    sessions().lock().unwrap_or_else(|p| p.into_inner())
}

/// 32 random bytes, hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the system's random source");
    crate::source::hex(&bytes)
}

/// A new one-time login token (for `wats-client dashboard`).
pub fn new_login_token() -> String {
    let token = random_token();
    let mut s = lock();
    let now = Instant::now();
    s.login_tokens
        .retain(|_, at| now.duration_since(*at) < LOGIN_TOKEN_TTL);
    s.login_tokens.insert(token.clone(), now);
    token
}

/// Exchanges a one-time login token for a session token (once).
pub fn redeem_login_token(token: &str) -> Option<String> {
    let mut s = lock();
    let at = s.login_tokens.remove(token)?;
    (at.elapsed() < LOGIN_TOKEN_TTL).then(|| open_session(&mut s))
}

/// A session for a caller that gave the secret.
pub fn session_for_secret(policy: &Policy, given: &str) -> Option<String> {
    constant_time_eq(given.trim().as_bytes(), policy.secret.as_bytes())
        .then(|| open_session(&mut lock()))
}

fn open_session(s: &mut Sessions) -> String {
    let now = Instant::now();
    s.live
        .retain(|_, v| now.duration_since(v.last_used) < SESSION_IDLE);
    let token = random_token();
    s.live.insert(
        token.clone(),
        Session {
            csrf: random_token(),
            last_used: now,
        },
    );
    token
}

/// Ends a session.
pub fn close_session(token: &str) {
    lock().live.remove(token);
}

/// The form token of a live session (touching it).
fn session_csrf(token: &str) -> Option<String> {
    let mut s = lock();
    let session = s.live.get_mut(token)?;
    if session.last_used.elapsed() >= SESSION_IDLE {
        s.live.remove(token);
        return None;
    }
    session.last_used = Instant::now();
    Some(session.csrf.clone())
}

// ---------------------------------------------------------------------------------------------
// The guard

/// Who is calling, as the guard found out (a request extension the pages read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// Gave the instance's secret.
    Secret,
    /// Has a session; its form token, to put in forms.
    Session {
        /// The session cookie's value.
        token: String,
        /// The form token.
        csrf: String,
    },
    /// Nobody known.
    Anonymous,
}

impl Caller {
    /// The form token to render, when the caller has a session.
    pub fn csrf(&self) -> Option<&str> {
        match self {
            Caller::Session { csrf, .. } => Some(csrf),
            _ => None,
        }
    }

    /// May change things.
    pub fn signed_in(&self) -> bool {
        !matches!(self, Caller::Anonymous)
    }
}

/// The request's session cookie value, if any.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Paths that anyone who reaches the station may load: how to log in, and the page's style
/// and script (no data in them).
fn open_path(path: &str) -> bool {
    path == "/ui/login" || path.starts_with("/ui/assets/")
}

fn refuse(status: StatusCode, path: &str, message: &str) -> Response {
    if path == "/" || path.starts_with("/ui") {
        let page = super::layout::message_page("Refused", message);
        (status, page).into_response()
    } else {
        crate::control::error(status, message)
    }
}

/// The middleware in front of every route of the control address.
pub async fn guard(State(policy): State<Arc<Policy>>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    // A kept-alive connection to a run that is ending (a restart rebinds the address with a
    // new state): nothing from the old state (the style and script are no state), and the
    // connection closed, so the client reconnects to the new run.
    let ending = policy.ending.as_ref().is_some_and(|e| e.borrow().is_some());
    if ending && !path.starts_with("/ui/assets/") {
        let mut r = crate::control::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the station is restarting or stopping",
        );
        r.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return r;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if !policy.host_allowed(&host) {
        return refuse(
            StatusCode::MISDIRECTED_REQUEST,
            &path,
            &format!(
                "the Host header {host:?} is not this station's address ({}): refused, as a \
                 page reached through another name could be DNS rebinding",
                policy.bound
            ),
        );
    }
    let caller = if bearer(req.headers())
        .is_some_and(|g| constant_time_eq(g.as_bytes(), policy.secret.as_bytes()))
    {
        Caller::Secret
    } else {
        match cookie(req.headers(), &policy.cookie_name())
            .and_then(|t| session_csrf(&t).map(|csrf| (t, csrf)))
        {
            Some((token, csrf)) => Caller::Session { token, csrf },
            None => Caller::Anonymous,
        }
    };
    let reading = matches!(*req.method(), Method::GET | Method::HEAD);
    if !open_path(&path) && caller == Caller::Anonymous && (policy.exposed() || !reading) {
        if reading && (path == "/" || path.starts_with("/ui")) {
            return Redirect::to("/ui/login").into_response();
        }
        let message = if reading {
            "this station's control address is reachable from other machines: every call \
             needs a login (a session, or Authorization: Bearer <control.secret>)"
        } else {
            "this change needs a session (`wats-client dashboard` prints a login link) or the \
             instance's secret (Authorization: Bearer <control.secret>)"
        };
        return refuse(StatusCode::UNAUTHORIZED, &path, message);
    }
    if !reading && !matches!(caller, Caller::Secret) {
        // A browser's change: from this station's own page only.
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !policy.origin_allowed(origin, &host) {
            return refuse(
                StatusCode::FORBIDDEN,
                &path,
                &format!("cross-origin request refused (Origin {origin:?})"),
            );
        }
        if let Caller::Session { csrf, .. } = &caller {
            let (parts, body) = req.into_parts();
            let (given, body) = match parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
            {
                Some(t) => (Some(t.to_string()), body),
                None => match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
                    Ok(bytes) => (form_field(&bytes, "csrf"), Body::from(bytes)),
                    Err(_) => (None, Body::empty()),
                },
            };
            if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), csrf.as_bytes())) {
                return refuse(
                    StatusCode::FORBIDDEN,
                    &path,
                    "the form's token is missing or stale: reload the page and try again",
                );
            }
            req = Request::from_parts(parts, body);
        }
    }
    req.extensions_mut().insert(caller);
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    // The pages are not to be framed (clickjacking) nor sniffed.
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    // `same-origin`, not `no-referrer`: with no referrer at all, Chromium sends `Origin: null`
    // on the page's own form posts, which the origin check must refuse.
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    if ending {
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        // Pages carry the session's form token and the station's state of the moment: not
        // to be stored, nor kept in a back/forward cache with their live streams open.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// One field of a URL-encoded form.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(bound: &str, origin: Option<&str>) -> Policy {
        Policy::from_parts(bound.parse().unwrap(), origin, "s3cret")
    }

    #[test]
    fn loopback_takes_loopback_names_with_its_port() {
        let p = policy("127.0.0.1:8765", None);
        assert!(p.host_allowed("127.0.0.1:8765"));
        assert!(p.host_allowed("localhost:8765"));
        assert!(p.host_allowed("[::1]:8765"));
        assert!(!p.host_allowed("127.0.0.1:8766"));
        assert!(!p.host_allowed("evil.example.com:8765"));
        assert!(!p.host_allowed(""));
        assert!(!p.exposed());
    }

    #[test]
    fn unspecified_takes_ip_literals_only() {
        let p = policy("0.0.0.0:8765", None);
        assert!(p.host_allowed("192.0.2.7:8765"));
        assert!(!p.host_allowed("rebound.example.com:8765"));
        assert!(!p.host_allowed("localhost:8765"));
        assert!(p.exposed());
        let p = policy("192.0.2.7:8765", None);
        assert!(p.host_allowed("192.0.2.7:8765"));
        assert!(!p.host_allowed("192.0.2.8:8765"));
    }

    #[test]
    fn a_public_origin_adds_its_name_and_exposes() {
        let p = policy("127.0.0.1:8765", Some("https://station-12.example.com"));
        assert!(p.host_allowed("station-12.example.com"));
        assert!(!p.host_allowed("station-12.example.com:8443"));
        assert!(p.exposed());
        assert!(p.origin_allowed("https://station-12.example.com", "x"));
        assert!(p.session_cookie("t").contains("; Secure"));
    }

    #[test]
    fn origin_must_be_the_hosts_own() {
        let p = policy("127.0.0.1:8765", None);
        assert!(p.origin_allowed("http://127.0.0.1:8765", "127.0.0.1:8765"));
        assert!(!p.origin_allowed("null", "127.0.0.1:8765"));
        assert!(!p.origin_allowed("", "127.0.0.1:8765"));
        assert!(!p.origin_allowed("http://evil.example.com", "127.0.0.1:8765"));
        assert!(!p.session_cookie("t").contains("Secure"));
    }

    #[test]
    fn login_tokens_are_single_use() {
        let t = new_login_token();
        let session = redeem_login_token(&t).unwrap();
        assert!(redeem_login_token(&t).is_none());
        assert!(session_csrf(&session).is_some());
        close_session(&session);
        assert!(session_csrf(&session).is_none());
    }

    #[test]
    fn exposure_is_warned_about_off_loopback_only() {
        assert!(exposure_warning("127.0.0.1:8765").is_none());
        assert!(exposure_warning("0.0.0.0:8765").unwrap().contains("TLS"));
    }

    #[test]
    fn a_bad_origin_is_a_configuration_problem() {
        let mut extra = serde_json::Map::new();
        assert!(origin_problem(&extra).is_none());
        extra.insert(ORIGIN_KEY.into(), "https://a.example.com/ui".into());
        assert_eq!(origin_problem(&extra).unwrap().path, ORIGIN_KEY);
        extra.insert(ORIGIN_KEY.into(), 7.into());
        assert!(origin_problem(&extra).is_some());
        extra.insert(ORIGIN_KEY.into(), "https://a.example.com".into());
        assert!(origin_problem(&extra).is_none());
    }

    #[test]
    fn parse_origin_wants_no_path() {
        assert!(parse_origin("https://a.example.com/").is_ok());
        assert!(parse_origin("https://a.example.com/ui").is_err());
        assert!(parse_origin("a.example.com").is_err());
    }

    #[test]
    fn cookies_and_form_fields_are_found() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; wats_session_1=xyz".parse().unwrap());
        assert_eq!(cookie(&h, "wats_session_1").as_deref(), Some("xyz"));
        assert_eq!(
            form_field(b"x=1&csrf=ab%2Bc", "csrf").as_deref(),
            Some("ab+c")
        );
    }
}
