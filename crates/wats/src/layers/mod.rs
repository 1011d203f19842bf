//! The resilience layers around every HTTP call, outermost first:
//!
//! ```text
//! cache ─▶ circuit breaker ─▶ retry loop ─▶ rate limit ─▶ reqwest (timeouts, HTTP/2, gzip)
//! ```
//!
//! * [`cache`](CacheConfig): a hit never reaches the network, so it costs no rate-limit slot
//!   and cannot trip the breaker.
//! * [`breaker`](BreakerConfig): one *logical* request (all its retries) is one breaker
//!   event; retries absorb blips, the breaker reacts to a server that stays down.
//! * [`retry`](RetryConfig): decides per attempt whether to try again and how long to wait.
//! * [`rate limit`](RateLimit): every attempt, retries included, takes a slot, because every
//!   attempt costs the server.
//!
//! # Why not tower
//!
//! These are plain structs with a narrow interface (`acquire`, `permit`/`record`,
//! `next_delay`, `get`/`insert`/`invalidate_resource`) composed in one fixed order in
//! `client.rs`, not `tower::Layer`s. Tower would make each concern a `Service` with
//! `poll_ready`, boxed futures and cloneable requests, and an optional layer a type-level
//! `Either`; the builder's "configure or turn off each one" would leak into the client's type.
//! Our pipeline is fixed and small, the order matters (see above), and each piece is tested on
//! its own with tokio's paused clock. If users need to add their own middleware later, the
//! send step is the one place to open up.

mod breaker;
mod cache;
mod rate_limit;
mod retry;

pub use breaker::{BreakerConfig, BreakerState};
pub use cache::CacheConfig;
pub use rate_limit::RateLimit;
pub use retry::RetryConfig;

pub(crate) use breaker::{Breaker, Verdict};
pub(crate) use cache::{key as cache_key, ResponseCache};
pub(crate) use rate_limit::RateLimiter;
pub(crate) use retry::{retry_after, Attempt};
