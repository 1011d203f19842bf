//! The client: configuration ([`WatsBuilder`]), the handle ([`Wats`]) and the request pipeline.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::layers::{
    cache_key, retry_after, Attempt, Breaker, BreakerConfig, BreakerState, CacheConfig, RateLimit,
    RateLimiter, ResponseCache, RetryConfig, Verdict,
};
use crate::process::ProcessCache;

/// Environment variables [`Wats::from_env`] reads, in order of precedence.
pub const ENV_BASE_URL: [&str; 2] = ["WATS_BASE_URL", "PYWATS_SERVER_URL"];
/// Environment variables holding the token, in order of precedence.
pub const ENV_TOKEN: [&str; 2] = ["WATS_AUTH_TOKEN", "PYWATS_API_TOKEN"];

/// A WATS client. Cheap to clone: clones share the connection pool, cache, rate limit and
/// circuit breaker.
///
/// ```no_run
/// # async fn run() -> wats::Result<()> {
/// let wats = wats::Wats::builder()
///     .base_url("https://acme.wats.com")
///     .token("dXNlcjpwYXNzd29yZA==")
///     .build()?;
/// println!("server {}", wats.app().version().await?);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Wats {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    http: reqwest::Client,
    base_url: String,
    retry: RetryConfig,
    limiter: Option<RateLimiter>,
    breaker: Option<Breaker>,
    cache: Option<ResponseCache>,
    pub(crate) processes: ProcessCache,
}

/// Configures a [`Wats`] client. Start with [`Wats::builder`].
///
/// Defaults follow pyWATS: 30 s timeout, 3 attempts with jittered backoff, 500 requests per
/// 60 s, a breaker opening after 5 failures for 60 s, a 300 s GET cache, HTTP/2 when the
/// server offers it, gzip, TLS checked against the system's roots plus any CA added here, and
/// the system's proxy settings (`HTTPS_PROXY`…) unless [`proxy`](Self::proxy) or
/// [`no_proxy`](Self::no_proxy) says otherwise.
///
/// The type parameter says what [`build`](WatsBuilder::build) makes: [`Async`] (a [`Wats`],
/// from [`Wats::builder`]) or [`Blocking`] (a [`blocking::Wats`](crate::blocking::Wats), from
/// [`blocking::Wats::builder`](crate::blocking::Wats::builder)).
#[derive(Debug, Clone)]
#[must_use]
pub struct WatsBuilder<K = Async> {
    kind: std::marker::PhantomData<K>,
    base_url: Option<String>,
    token: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    proxy: Option<String>,
    no_proxy: bool,
    ca_files: Vec<PathBuf>,
    accept_invalid_certs: bool,
    http2_prior_knowledge: bool,
    retry: RetryConfig,
    rate_limit: Option<RateLimit>,
    breaker: Option<BreakerConfig>,
    cache: Option<CacheConfig>,
    process_ttl: Duration,
}

/// Marks a [`WatsBuilder`] that builds the async [`Wats`].
#[derive(Debug, Clone, Copy)]
pub struct Async;

/// Marks a [`WatsBuilder`] that builds the [`blocking::Wats`](crate::blocking::Wats).
#[derive(Debug, Clone, Copy)]
pub struct Blocking;

impl<K> Default for WatsBuilder<K> {
    fn default() -> Self {
        WatsBuilder {
            kind: std::marker::PhantomData,
            base_url: None,
            token: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            proxy: None,
            no_proxy: false,
            ca_files: Vec::new(),
            accept_invalid_certs: false,
            http2_prior_knowledge: false,
            retry: RetryConfig::default(),
            rate_limit: Some(RateLimit::default()),
            breaker: Some(BreakerConfig::default()),
            cache: Some(CacheConfig::default()),
            process_ttl: Duration::from_secs(300),
        }
    }
}

impl<K> WatsBuilder<K> {
    /// The server, e.g. `https://acme.wats.com`. A trailing `/` and a trailing `/api` are
    /// removed; a URL without a scheme gets `https://`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API token as WATS issues it: `base64("user:password")`, sent as
    /// `Authorization: Basic <token>`.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into().trim().to_owned());
        self
    }

    /// Builds the token from a user name and password.
    pub fn credentials(self, user: &str, password: &str) -> Self {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        self.token(token)
    }

    /// Total time allowed for one attempt, body included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed to open a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sends every request through this proxy (`http://`, `https://`; credentials may be in
    /// the URL).
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// Ignores proxy settings from the environment.
    pub fn no_proxy(mut self) -> Self {
        self.no_proxy = true;
        self
    }

    /// Trusts the CA certificate(s) in this PEM file in addition to the system's roots
    /// (a corporate TLS-inspecting proxy, a self-hosted server's private CA).
    pub fn ca_certificate_pem(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_files.push(path.into());
        self
    }

    /// Skips TLS certificate checks. Only for testing against a server with a throw-away
    /// certificate: anyone on the path can read the token.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
        self
    }

    /// Speaks HTTP/2 without negotiation (for `http://` servers that support h2c). Over
    /// `https://` HTTP/2 is negotiated automatically.
    pub fn http2_prior_knowledge(mut self) -> Self {
        self.http2_prior_knowledge = true;
        self
    }

    /// Retry settings.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Turns retrying off.
    pub fn no_retry(self) -> Self {
        self.retry(RetryConfig::disabled())
    }

    /// Client-side rate limit.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Turns the client-side rate limit off.
    pub fn no_rate_limit(mut self) -> Self {
        self.rate_limit = None;
        self
    }

    /// Circuit-breaker settings.
    pub fn circuit_breaker(mut self, breaker: BreakerConfig) -> Self {
        self.breaker = Some(breaker);
        self
    }

    /// Turns the circuit breaker off.
    pub fn no_circuit_breaker(mut self) -> Self {
        self.breaker = None;
        self
    }

    /// GET-cache settings.
    pub fn cache(mut self, cache: CacheConfig) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Turns the GET cache off.
    pub fn no_cache(mut self) -> Self {
        self.cache = None;
        self
    }

    /// How long [`process`](Wats::process) lookups reuse the process list (default 300 s).
    pub fn process_cache_ttl(mut self, ttl: Duration) -> Self {
        self.process_ttl = ttl;
        self
    }

    pub(crate) fn build_async(self) -> Result<Wats> {
        let base_url = normalize_base_url(
            self.base_url
                .as_deref()
                .ok_or_else(|| Error::Config("no base URL given".into()))?,
        )?;
        let token = self
            .token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::Config("no token given".into()))?;
        let mut auth = HeaderValue::from_str(&format!("Basic {token}")).map_err(|_| {
            Error::Config("the token contains characters not allowed in a header".into())
        })?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("wats-rs/", env!("CARGO_PKG_VERSION"))),
        );

        let mut http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .pool_max_idle_per_host(20)
            .pool_idle_timeout(Duration::from_secs(30))
            .gzip(true)
            .danger_accept_invalid_certs(self.accept_invalid_certs);
        if self.http2_prior_knowledge {
            http = http.http2_prior_knowledge();
        }
        if self.no_proxy {
            http = http.no_proxy();
        }
        if let Some(proxy) = &self.proxy {
            let proxy = reqwest::Proxy::all(proxy)
                .map_err(|e| Error::Config(format!("proxy {proxy}: {e}")))?;
            http = http.proxy(proxy);
        }
        for file in &self.ca_files {
            let pem = std::fs::read(file)
                .map_err(|e| Error::Config(format!("CA file {}: {e}", file.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| Error::Config(format!("CA file {}: {e}", file.display())))?;
            if certs.is_empty() {
                return Err(Error::Config(format!(
                    "CA file {}: no PEM certificate in it",
                    file.display()
                )));
            }
            for cert in certs {
                http = http.add_root_certificate(cert);
            }
        }
        let http = http
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(Wats {
            inner: Arc::new(Inner {
                http,
                base_url,
                retry: self.retry,
                limiter: self.rate_limit.map(RateLimiter::new),
                breaker: self.breaker.map(Breaker::new),
                cache: self.cache.as_ref().map(ResponseCache::new),
                processes: ProcessCache::new(self.process_ttl),
            }),
        })
    }
}

impl WatsBuilder<Async> {
    /// Builds the client. Fails on a missing or malformed base URL or token, or an unreadable
    /// CA file.
    pub fn build(self) -> Result<Wats> {
        self.build_async()
    }
}

/// A builder preset from `WATS_BASE_URL`/`PYWATS_SERVER_URL` and
/// `WATS_AUTH_TOKEN`/`PYWATS_API_TOKEN`.
pub(crate) fn builder_from_env<K>() -> Result<WatsBuilder<K>> {
    let read = |names: [&str; 2]| {
        names
            .iter()
            .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
            .ok_or_else(|| Error::Config(format!("set {} (or {})", names[0], names[1])))
    };
    Ok(WatsBuilder::default()
        .base_url(read(ENV_BASE_URL)?)
        .token(read(ENV_TOKEN)?))
}

/// `https://x/api/` → `https://x`; `x` → `https://x`.
pub(crate) fn normalize_base_url(url: &str) -> Result<String> {
    let mut url = url.trim().to_owned();
    if !url.contains("://") {
        url = format!("https://{url}");
    }
    loop {
        let before = url.len();
        while url.ends_with('/') {
            url.pop();
        }
        if url.len() >= 4 && url[url.len() - 4..].eq_ignore_ascii_case("/api") {
            url.truncate(url.len() - 4);
        }
        if url.len() == before {
            break;
        }
    }
    let parsed =
        url::Url::parse(&url).map_err(|e| Error::Config(format!("base URL {url:?}: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::Config(format!(
            "base URL {url:?}: must be an http:// or https:// URL with a host"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::Config(format!(
            "base URL {url:?}: must not have a query or fragment"
        )));
    }
    Ok(url)
}

/// Characters escaped in a query component: everything but unreserved characters and the few
/// OData needs readable (`$`, `'`, `(`, `)`, `,`, `:`, `/`).
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b',')
    .remove(b':')
    .remove(b'/');

/// Characters escaped in a path segment (serial numbers may hold `/`, `?`, `#`, `%`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Escapes one path segment.
pub(crate) fn segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

/// A request body with its content type.
#[derive(Clone, Debug)]
pub(crate) struct Body {
    pub bytes: Bytes,
    pub content_type: &'static str,
}

/// One logical request, before the pipeline.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Body>,
    pub accept: Option<&'static str>,
    /// Safe to send twice. Defaults from the method; report submission sets it.
    pub idempotent: bool,
    /// Allowed to be answered from the GET cache.
    pub use_cache: bool,
}

impl Request {
    pub(crate) fn new(method: Method, path: impl Into<String>) -> Self {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        Request {
            use_cache: method == Method::GET,
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            accept: None,
            idempotent,
        }
    }

    pub(crate) fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    pub(crate) fn query(mut self, key: &str, value: impl ToString) -> Self {
        self.query.push((key.to_owned(), value.to_string()));
        self
    }

    pub(crate) fn query_opt(self, key: &str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    pub(crate) fn body(mut self, bytes: impl Into<Bytes>, content_type: &'static str) -> Self {
        self.body = Some(Body {
            bytes: bytes.into(),
            content_type,
        });
        self
    }

    pub(crate) fn accept(mut self, accept: &'static str) -> Self {
        self.accept = Some(accept);
        self
    }

    pub(crate) fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    pub(crate) fn no_cache(mut self) -> Self {
        self.use_cache = false;
        self
    }
}

impl Wats {
    /// Starts configuring a client.
    pub fn builder() -> WatsBuilder {
        WatsBuilder::default()
    }

    /// A client configured from the environment: the base URL from `WATS_BASE_URL` (or
    /// pyWATS's `PYWATS_SERVER_URL`), the token from `WATS_AUTH_TOKEN` (or `PYWATS_API_TOKEN`),
    /// everything else at its default.
    pub fn from_env() -> Result<Wats> {
        Self::builder_from_env()?.build()
    }

    /// A builder preset from the environment (see [`from_env`](Self::from_env)), to change
    /// more settings before building.
    pub fn builder_from_env() -> Result<WatsBuilder> {
        builder_from_env()
    }

    /// The normalized base URL, e.g. `https://acme.wats.com`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The circuit breaker's current state (`None` when it is turned off).
    pub fn breaker_state(&self) -> Option<BreakerState> {
        self.inner.breaker.as_ref().map(Breaker::state)
    }

    /// Empties the GET cache.
    pub fn clear_cache(&self) {
        if let Some(cache) = &self.inner.cache {
            cache.clear();
        }
    }

    /// Drops the cached GETs of the resource `path` belongs to (after a write that changes
    /// what another resource's GET answers).
    pub(crate) fn invalidate(&self, path: &str) {
        if let Some(cache) = &self.inner.cache {
            cache.invalidate_resource(path);
        }
    }

    /// Sends a request through the pipeline and decodes a JSON answer.
    pub(crate) async fn send_json<T: DeserializeOwned>(&self, req: Request) -> Result<T> {
        let path = req.path.clone();
        let body = self.send(req).await?;
        decode_json(&path, &body)
    }

    /// Sends a request through the pipeline: cache, breaker, retries, rate limit. Returns the
    /// body of a 2xx response; any other status becomes an [`Error`].
    pub(crate) async fn send(&self, req: Request) -> Result<Bytes> {
        let inner = &self.inner;
        let cache = inner.cache.as_ref().filter(|_| req.method == Method::GET);
        let key = cache.map(|_| cache_key(&req.path, &req.query));
        if let (Some(cache), Some(key), true) = (cache, &key, req.use_cache) {
            if let Some(hit) = cache.get(key).await {
                tracing::trace!(path = %req.path, "cache hit");
                return Ok(hit);
            }
        }

        let permit = match &inner.breaker {
            Some(b) => Some(
                b.permit()
                    .map_err(|retry_in| Error::CircuitOpen { retry_in })?,
            ),
            None => None,
        };
        let result = self.send_with_retries(&req).await;
        if let Some(permit) = permit {
            permit.record(match &result {
                Ok((status, _)) if status.is_server_error() => Verdict::Failure,
                Ok((status, _)) if *status == StatusCode::TOO_MANY_REQUESTS => Verdict::Neutral,
                Ok(_) => Verdict::Success,
                Err(Error::Config(_)) => Verdict::Neutral,
                Err(_) => Verdict::Failure,
            });
        }
        if req.method != Method::GET && req.method != Method::HEAD {
            // Even a failed write may have been applied.
            if let Some(cache) = &inner.cache {
                cache.invalidate_resource(&req.path);
            }
        }
        let (status, (headers, body)) = result?;
        if !status.is_success() {
            return Err(Error::from_response(
                status,
                &body,
                &req.path,
                retry_after(&headers),
            ));
        }
        if let (Some(cache), Some(key)) = (cache, key) {
            cache.insert(key, body.clone()).await;
        }
        Ok(body)
    }

    /// The retry loop around single attempts. Returns the last response (any status) or the
    /// last transport error.
    async fn send_with_retries(&self, req: &Request) -> Result<(StatusCode, (HeaderMap, Bytes))> {
        let inner = &self.inner;
        let mut attempts = 0;
        loop {
            if let Some(limiter) = &inner.limiter {
                limiter.acquire().await;
            }
            attempts += 1;
            let outcome = self.attempt(req).await;
            let verdict = match &outcome {
                Ok((status, (headers, _))) => Attempt::Status(*status, retry_after(headers)),
                Err(Error::Connection(e)) if e.is_connect() => Attempt::ConnectFailed,
                Err(Error::Connection(_) | Error::Timeout(_)) => Attempt::Broken,
                Err(_) => return outcome,
            };
            match inner.retry.next_delay(attempts, verdict, req.idempotent) {
                Some(wait) => {
                    tracing::debug!(
                        method = %req.method, path = %req.path, attempts, ?wait, outcome = ?verdict,
                        "retrying"
                    );
                    tokio::time::sleep(wait).await;
                }
                None => return outcome,
            }
        }
    }

    /// One HTTP exchange.
    async fn attempt(&self, req: &Request) -> Result<(StatusCode, (HeaderMap, Bytes))> {
        let mut url = format!("{}{}", self.inner.base_url, req.path);
        for (i, (k, v)) in req.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.extend(utf8_percent_encode(k, QUERY));
            url.push('=');
            url.extend(utf8_percent_encode(v, QUERY));
        }
        let mut builder = self.inner.http.request(req.method.clone(), url);
        if let Some(accept) = req.accept {
            builder = builder.header(ACCEPT, accept);
        }
        if let Some(body) = &req.body {
            builder = builder
                .header(CONTENT_TYPE, body.content_type)
                .body(body.bytes.clone());
        } else if req.method != Method::GET {
            builder = builder.header(CONTENT_TYPE, "application/json");
        }
        let response = builder.send().await.map_err(Error::from_reqwest)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(Error::from_reqwest)?;
        Ok((status, (headers, body)))
    }
}

/// Decodes JSON, naming the JSON path that did not fit.
pub(crate) fn decode_json<T: DeserializeOwned>(path: &str, body: &[u8]) -> Result<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let at = e.path().to_string();
        let inner = e.into_inner();
        Error::Decode {
            path: path.to_owned(),
            message: if at == "." {
                inner.to_string()
            } else {
                format!("at {at}: {inner}")
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalized() {
        for (input, want) in [
            ("https://x.wats.com", "https://x.wats.com"),
            ("https://x.wats.com/", "https://x.wats.com"),
            ("https://x.wats.com/api", "https://x.wats.com"),
            ("https://x.wats.com/api/", "https://x.wats.com"),
            ("https://x.wats.com/API//", "https://x.wats.com"),
            (
                "http://127.0.0.1:8080/wats/api",
                "http://127.0.0.1:8080/wats",
            ),
            ("x.wats.com", "https://x.wats.com"),
            ("  https://x.wats.com/api  ", "https://x.wats.com"),
        ] {
            assert_eq!(normalize_base_url(input).unwrap(), want, "{input}");
        }
        // A host that merely ends in "api" is kept.
        assert_eq!(
            normalize_base_url("https://myapi").unwrap(),
            "https://myapi"
        );
        for bad in ["ftp://x", "https://", "https://x?q=1"] {
            assert!(normalize_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn segments_and_queries_are_escaped() {
        assert_eq!(segment("SN/1?#%"), "SN%2F1%3F%23%25");
        assert_eq!(segment("a b"), "a%20b");
        let q: String = utf8_percent_encode("serialNumber eq 'O''Brien+1&x'", QUERY).collect();
        assert_eq!(q, "serialNumber%20eq%20'O''Brien%2B1%26x'");
    }

    #[test]
    fn builder_requires_url_and_token() {
        assert!(matches!(
            Wats::builder().token("t").build(),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            Wats::builder().base_url("https://x").build(),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            Wats::builder().base_url("https://x").token("a\nb").build(),
            Err(Error::Config(_))
        ));
        let w = Wats::builder()
            .base_url("https://x/api/")
            .token("t")
            .build()
            .unwrap();
        assert_eq!(w.base_url(), "https://x");
    }

    #[test]
    fn missing_ca_file_is_a_config_error() {
        let err = Wats::builder()
            .base_url("https://x")
            .token("t")
            .ca_certificate_pem("/nonexistent/ca.pem")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
    }
}
