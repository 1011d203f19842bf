//! Errors as WATS answers them: a status code and a JSON body `{"Message": "..."}`.
//!
//! WATS is an ASP.NET Web API application; its errors are `HttpError` objects whose text is
//! under `Message` (the OpenAPI documents no error schema). pyWATS reads `message`, then
//! `Message`, then `error`, so this shape is what every client already understands.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// An error answered to an HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed or the report is invalid.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no or wrong credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the credentials are right but the user's role lacks the permission (named).
    #[error("{0}")]
    Forbidden(String),
    /// 404: the resource does not exist.
    #[error("{0}")]
    NotFound(String),
    /// 409: another request changed the same record at the same moment (a unique key taken
    /// between this request's check and its write, on PostgreSQL); sending it again decides.
    #[error("{0}")]
    Conflict(String),
    /// 500: something broke on the server (details are logged, not sent).
    #[error("internal server error: {0}")]
    Internal(#[from] anyhow::Error),
    /// A server limit refused the request (408 body too slow, 413 body too large, 429 too many
    /// failed logins, 503 busy), with the seconds to wait before retrying when that is known.
    #[error("{message}")]
    Limited {
        /// 408, 413, 429 or 503.
        status: StatusCode,
        /// Which limit, and its value.
        message: String,
        /// `Retry-After`, in seconds.
        retry_after: Option<u64>,
    },
}

impl ApiError {
    /// A 400 error.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::BadRequest(message.into())
    }

    /// A 404 error.
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::NotFound(message.into())
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Limited { status, .. } => *status,
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        // The domain rules check unique names before writing; a violation can then only come
        // from a concurrent request, which is the client's race, not a server fault.
        if e.as_database_error()
            .is_some_and(|d| d.is_unique_violation())
        {
            return ApiError::Conflict(
                "Another request wrote a record with the same key at the same time; \
                 send the request again"
                    .to_owned(),
            );
        }
        ApiError::Internal(anyhow::Error::new(e))
    }
}

/// The body of every error response.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    #[serde(rename = "Message")]
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = match &self {
            ApiError::Limited { retry_after, .. } => *retry_after,
            _ => None,
        };
        let message = match &self {
            ApiError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                "An error has occurred.".to_owned()
            }
            other => other.to_string(),
        };
        let mut response = (status, Json(ErrorBody { message })).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Basic realm=\"WATS\""),
            );
        }
        response
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
