//! The SDK's one error type, and how WATS error bodies become it.
//!
//! Every call returns [`Result<T>`](Result). The variants follow the HTTP status the server
//! answered with (401, 403, 404, 400, 409, 5xx), then the ways a call fails before a status
//! exists (connection, timeout), then what can go wrong on our side (decode, configuration,
//! an open circuit breaker).
//!
//! [`Error::is_transient`] says whether trying again later can help; a durable upload queue
//! parks an entry on a non-transient error and backs off on a transient one.

use std::time::Duration;

use reqwest::StatusCode;

/// The result of every SDK call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to a WATS server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 401: the token is missing or wrong.
    #[error("unauthorized (401): {message}")]
    Unauthorized {
        /// The server's message.
        message: String,
    },
    /// 403: the token is valid but lacks the permission.
    #[error("forbidden (403): {message}")]
    Forbidden {
        /// The server's message.
        message: String,
    },
    /// 404: the resource does not exist (lookups turn this into `Ok(None)`).
    #[error("not found (404): {message}")]
    NotFound {
        /// The server's message, or the path that was looked up.
        message: String,
    },
    /// 400: the server rejected the request, e.g. a report that fails validation.
    #[error("validation failed (400): {message}{}", field.as_deref().map(|f| format!(" (field {f})")).unwrap_or_default())]
    Validation {
        /// The server's message (WATS prefixes report errors with a path such as
        /// `root -> step Loops -> …`).
        message: String,
        /// The offending field, when the server names one.
        field: Option<String>,
    },
    /// 409: the request conflicts with the resource's state.
    #[error("conflict (409): {message}")]
    Conflict {
        /// The server's message.
        message: String,
    },
    /// Any other non-2xx status (5xx, and also 429 or 405 etc. once retries are exhausted).
    #[error("server error ({status}): {}", summary(body))]
    Server {
        /// The HTTP status.
        status: StatusCode,
        /// The response body as text (cut at 64 KiB).
        body: String,
        /// The `Retry-After` the server asked for, if any.
        retry_after: Option<Duration>,
    },
    /// The connection could not be made or broke before a response arrived.
    #[error("connection failed: {0}")]
    Connection(#[source] reqwest::Error),
    /// The request timed out.
    #[error("request timed out: {0}")]
    Timeout(#[source] reqwest::Error),
    /// The response body is not what the endpoint returns.
    #[error("could not decode the response of {path}: {message}")]
    Decode {
        /// The request path.
        path: String,
        /// What did not fit, with the JSON path when there is one.
        message: String,
    },
    /// The circuit breaker is open: recent calls failed, so this one was not sent.
    #[error("circuit breaker open; next attempt allowed in {retry_in:?}")]
    CircuitOpen {
        /// Time until the breaker lets a probe request through.
        retry_in: Duration,
    },
    /// The client is misconfigured (bad base URL, unreadable CA file, missing token…), or an
    /// argument is invalid before anything is sent.
    #[error("invalid configuration or argument: {0}")]
    Config(String),
}

impl Error {
    /// Whether the same request may succeed later: connection problems, timeouts, 429, 5xx,
    /// and an open circuit breaker. Authorization and validation errors are not transient.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Connection(_) | Error::Timeout(_) | Error::CircuitOpen { .. } => true,
            Error::Server { status, .. } => {
                status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS
            }
            _ => false,
        }
    }

    /// The HTTP status of the response that caused this error, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        Some(match self {
            Error::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Error::Forbidden { .. } => StatusCode::FORBIDDEN,
            Error::NotFound { .. } => StatusCode::NOT_FOUND,
            Error::Validation { .. } => StatusCode::BAD_REQUEST,
            Error::Conflict { .. } => StatusCode::CONFLICT,
            Error::Server { status, .. } => *status,
            _ => return None,
        })
    }

    /// Maps a transport error from reqwest.
    pub(crate) fn from_reqwest(e: reqwest::Error) -> Error {
        if e.is_timeout() {
            Error::Timeout(e)
        } else if e.is_builder() {
            Error::Config(e.to_string())
        } else {
            Error::Connection(e)
        }
    }

    /// Maps a non-2xx response to the matching variant, reading a WATS error body.
    pub(crate) fn from_response(
        status: StatusCode,
        body: &[u8],
        path: &str,
        retry_after: Option<Duration>,
    ) -> Error {
        let parsed = ErrorBody::parse(body);
        let message = parsed
            .message
            .clone()
            .unwrap_or_else(|| format!("HTTP {} for {path}", status.as_u16()));
        match status.as_u16() {
            400 => Error::Validation {
                message,
                field: parsed.field,
            },
            401 => Error::Unauthorized { message },
            403 => Error::Forbidden { message },
            404 => Error::NotFound { message },
            409 => Error::Conflict { message },
            _ => {
                const MAX: usize = 64 * 1024;
                let text = String::from_utf8_lossy(&body[..body.len().min(MAX)]).into_owned();
                Error::Server {
                    status,
                    body: text,
                    retry_after,
                }
            }
        }
    }
}

fn summary(body: &str) -> String {
    match ErrorBody::parse(body.as_bytes()).message {
        Some(m) => m,
        None if body.trim().is_empty() => "(empty body)".to_owned(),
        None => body.chars().take(200).collect(),
    }
}

/// What the SDK reads from a WATS error body.
///
/// WATS (ASP.NET) answers errors in several shapes; all of these are understood:
/// `{"message": …}` / `{"Message": …}` / `{"error": …}` (pyWATS's order), ASP.NET Core problem
/// details `{"title": …, "detail": …, "errors": {"Field": ["…"]}}`, Web API 2 model state
/// `{"Message": …, "ModelState": {"report.sn": ["…"]}}`, an explicit `field`, and a plain
/// text body.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ErrorBody {
    pub message: Option<String>,
    pub field: Option<String>,
}

impl ErrorBody {
    pub(crate) fn parse(body: &[u8]) -> ErrorBody {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            return ErrorBody::default();
        }
        let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
            return ErrorBody {
                message: Some(text.chars().take(2000).collect()),
                field: None,
            };
        };
        let obj = match &value {
            serde_json::Value::Object(o) => o,
            serde_json::Value::String(s) => {
                return ErrorBody {
                    message: Some(s.clone()),
                    field: None,
                }
            }
            _ => {
                return ErrorBody {
                    message: Some(text.to_owned()),
                    field: None,
                }
            }
        };
        let get_str = |k: &str| obj.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let mut message = ["message", "Message", "error", "detail", "title"]
            .iter()
            .find_map(|k| get_str(k));
        let mut field = get_str("field").or_else(|| get_str("Field"));
        // Field-level details: `errors` (problem details) or `ModelState` (Web API 2).
        for key in ["errors", "ModelState", "modelState"] {
            if let Some(serde_json::Value::Object(errs)) = obj.get(key) {
                if let Some((name, msgs)) = errs.iter().next() {
                    if field.is_none() && !name.is_empty() {
                        field = Some(name.clone());
                    }
                    let first = match msgs {
                        serde_json::Value::Array(a) => a.first().and_then(|m| m.as_str()),
                        serde_json::Value::String(s) => Some(s.as_str()),
                        _ => None,
                    };
                    if let Some(first) = first {
                        message = Some(match message {
                            Some(m) if m != first => format!("{m}: {first}"),
                            _ => first.to_owned(),
                        });
                    }
                }
                break;
            }
        }
        ErrorBody { message, field }
    }
}

/// Turns a lookup's `Ok(None)` ("absent") into [`Error::NotFound`], for callers that treat
/// absence as an error.
///
/// ```
/// use wats::{Error, Require};
/// let absent: wats::Result<Option<u32>> = Ok(None);
/// assert!(matches!(absent.require(), Err(Error::NotFound { .. })));
/// ```
pub trait Require<T> {
    /// `Ok(Some(v))` → `Ok(v)`; `Ok(None)` → `Err(NotFound)`; errors pass through.
    fn require(self) -> Result<T>;
}

impl<T> Require<T> for Result<Option<T>> {
    fn require(self) -> Result<T> {
        self?.ok_or_else(|| Error::NotFound {
            message: "the requested resource does not exist".to_owned(),
        })
    }
}

/// `Err(NotFound)` → `Ok(None)`, everything else unchanged.
pub(crate) fn optional<T>(r: Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> ErrorBody {
        ErrorBody::parse(s.as_bytes())
    }

    #[test]
    fn message_keys_in_pywats_order() {
        assert_eq!(
            parse(r#"{"Message":"a","error":"b"}"#).message.unwrap(),
            "a"
        );
        assert_eq!(
            parse(r#"{"message":"a","Message":"b"}"#).message.unwrap(),
            "a"
        );
        assert_eq!(parse(r#"{"error":"e"}"#).message.unwrap(), "e");
        assert_eq!(parse(r#"{"other":1}"#).message, None);
    }

    #[test]
    fn problem_details_and_model_state_name_the_field() {
        let b = parse(
            r#"{"title":"One or more validation errors occurred.","errors":{"sn":["The sn field is required."]}}"#,
        );
        assert_eq!(b.field.as_deref(), Some("sn"));
        assert_eq!(
            b.message.as_deref(),
            Some("One or more validation errors occurred.: The sn field is required.")
        );
        let b = parse(
            r#"{"Message":"The request is invalid.","ModelState":{"report.pn":["too long"]}}"#,
        );
        assert_eq!(b.field.as_deref(), Some("report.pn"));
        let b = parse(r#"{"message":"bad","field":"pn"}"#);
        assert_eq!(
            (b.message.as_deref(), b.field.as_deref()),
            (Some("bad"), Some("pn"))
        );
    }

    #[test]
    fn text_and_string_bodies() {
        assert_eq!(
            parse("root -> step X: bad").message.unwrap(),
            "root -> step X: bad"
        );
        assert_eq!(parse(r#""quoted""#).message.unwrap(), "quoted");
        assert_eq!(parse("  ").message, None);
    }

    #[test]
    fn status_mapping() {
        let e = |s: u16| Error::from_response(StatusCode::from_u16(s).unwrap(), b"{}", "/p", None);
        assert!(matches!(e(400), Error::Validation { .. }));
        assert!(matches!(e(401), Error::Unauthorized { .. }));
        assert!(matches!(e(403), Error::Forbidden { .. }));
        assert!(matches!(e(404), Error::NotFound { .. }));
        assert!(matches!(e(409), Error::Conflict { .. }));
        assert!(matches!(e(503), Error::Server { .. }));
        assert!(e(503).is_transient() && e(429).is_transient() && !e(400).is_transient());
        assert_eq!(e(404).to_string(), "not found (404): HTTP 404 for /p");
    }

    #[test]
    fn require_and_optional() {
        assert_eq!(Ok(Some(1)).require().unwrap(), 1);
        let nf: Result<u8> = Err(Error::NotFound {
            message: "x".into(),
        });
        assert_eq!(optional(nf).unwrap(), None);
        let v: Result<u8> = Err(Error::Config("x".into()));
        assert!(optional(v).is_err());
    }
}
