//! [`Wats::request`]: any endpoint, typed or as JSON, through the same pipeline (auth, retry,
//! rate limit, circuit breaker, cache, error mapping) as the typed methods. For endpoints this
//! SDK does not type yet.

use bytes::Bytes;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::client::{decode_json, Request, Wats};
use crate::error::{Error, Result};

/// A request being built. Get one with [`Wats::request`].
///
/// ```no_run
/// # async fn run(wats: wats::Wats) -> wats::Result<()> {
/// use wats::Method;
/// let groups: serde_json::Value = wats
///     .request(Method::GET, "/api/App/ProductGroups")
///     .query("includeFilters", true)
///     .json()
///     .await?;
/// println!("{groups}");
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct RawRequest<'a> {
    wats: &'a Wats,
    req: Result<Request>,
}

impl Wats {
    /// A request to any path of the server (`/api/...`), with the client's auth, retry and
    /// error mapping. PUT, DELETE and GET are retried when they fail in transit; POST only on
    /// a refused connection, as with the typed methods.
    pub fn request(&self, method: Method, path: &str) -> RawRequest<'_> {
        let req = if path.starts_with('/') {
            Ok(Request::new(method, path))
        } else {
            Err(Error::Config(format!(
                "the path must start with '/': {path}"
            )))
        };
        RawRequest { wats: self, req }
    }
}

impl<'a> RawRequest<'a> {
    /// Adds a query parameter (escaped).
    pub fn query(mut self, key: &str, value: impl ToString) -> Self {
        self.req = self.req.map(|r| r.query(key, value));
        self
    }

    /// Sends `body` as JSON.
    pub fn json_body(mut self, body: &impl Serialize) -> Self {
        self.req = self.req.and_then(|r| {
            let bytes = serde_json::to_vec(body)
                .map_err(|e| Error::Config(format!("cannot encode the request body: {e}")))?;
            Ok(r.body(bytes, "application/json"))
        });
        self
    }

    /// Sends raw bytes with a content type (`"application/xml"`).
    pub fn body(mut self, bytes: impl Into<Bytes>, content_type: &'static str) -> Self {
        self.req = self.req.map(|r| r.body(bytes, content_type));
        self
    }

    /// Marks a POST (or PATCH) as safe to send twice, so it is retried like a PUT after a
    /// broken connection or a 5xx.
    pub fn idempotent(mut self) -> Self {
        self.req = self.req.map(Request::idempotent);
        self
    }

    /// Bypasses the GET cache.
    pub fn no_cache(mut self) -> Self {
        self.req = self.req.map(Request::no_cache);
        self
    }

    /// Sends it; the body of a 2xx answer, or the mapped [`Error`].
    pub async fn send(self) -> Result<Bytes> {
        self.wats.send(self.req?).await
    }

    /// Sends it and decodes the JSON answer as `T` (`serde_json::Value` for any JSON; an
    /// empty answer is `null`).
    pub async fn json<T: DeserializeOwned>(self) -> Result<T> {
        let req = self.req?;
        let path = req.path.clone();
        let body = self.wats.send(req).await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return decode_json(&path, b"null");
        }
        decode_json(&path, &body)
    }
}
