//! `wats`: an async Rust SDK for the WATS manufacturing test-data REST API, with a blocking
//! facade for scripts.
//!
//! ```no_run
//! # async fn run() -> wats::Result<()> {
//! use wats::{Wats, Require};
//! use wats::report::{fields, FetchOptions, HeaderQuery};
//!
//! // WATS_BASE_URL / WATS_AUTH_TOKEN (or pyWATS's PYWATS_SERVER_URL / PYWATS_API_TOKEN).
//! let wats = Wats::from_env()?;
//! println!("WATS {}", wats.app().version().await?);
//!
//! let headers = wats
//!     .report()
//!     .headers(HeaderQuery::uut().filter(fields::PART_NUMBER.eq("PCB-1")).top(10))
//!     .send()
//!     .await?;
//! if let Some(id) = headers.first().and_then(|h| h.uuid) {
//!     let report = wats.report().get_wsjf(id, &FetchOptions::default()).await.require()?;
//!     println!("{} steps", report.steps().len());
//! }
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! * [`Wats`] / [`WatsBuilder`]: configuration (base URL, token, timeouts, proxy, CA
//!   certificates) and the request pipeline.
//! * [`layers`]: retry, rate limit, circuit breaker and GET cache, each configurable and
//!   each can be turned off on the builder.
//! * One module per WATS domain: [`analytics`], [`app`], [`process`], [`product`], [`report`],
//!   [`production`], [`asset`], [`software`], [`manual_inspection`], [`rootcause`], [`scim`].
//! * [`Wats::request`]: any other endpoint, typed or as `serde_json::Value`, through the
//!   same pipeline.
//! * [`odata`]: a typed `$filter` builder; [`paging`]: `$top`/`$skip` pages as a `Stream`.
//! * [`blocking`]: the same API without async.
//!
//! # Errors
//!
//! Every call returns [`Result`] with the one [`Error`] enum. Lookups return
//! `Result<Option<T>>`: `Ok(None)` means "does not exist", `Err` means the call failed.
//! `.require()` ([`Require`]) turns absence into [`Error::NotFound`] when absence is an error
//! for you.

#![warn(missing_docs)]

pub mod analytics;
pub mod app;
pub mod blocking;
mod client;
pub mod error;
pub mod layers;
pub mod odata;
pub mod paging;
pub mod process;
pub mod product;
mod raw;
pub mod report;

// Asset and Software (issue 18).
pub mod asset;
pub mod software;
// Users (SCIM), root-cause tickets, manual inspection (issue 19).
pub mod manual_inspection;
pub mod production;
pub mod rootcause;
pub mod scim;

pub use client::{Async, Blocking, Wats, WatsBuilder, ENV_BASE_URL, ENV_TOKEN};
pub use error::{Error, Require, Result};
pub use layers::{BreakerConfig, BreakerState, CacheConfig, RateLimit, RetryConfig};
pub use raw::RawRequest;
pub use reqwest::Method;
pub use wats_report;
pub use wats_types;
