//! A blocking client for scripts and non-async programs, like `reqwest::blocking`: the same
//! handlers and methods as the async [`Wats`](crate::Wats), each waiting for its answer.
//!
//! The client owns a small tokio runtime (one worker thread) that drives the connections, the
//! rate limit and the retries. It may be shared between threads (it is `Clone + Send + Sync`),
//! but must not be used from inside an async runtime: there, use the async client.
//!
//! ```no_run
//! # fn run() -> wats::Result<()> {
//! use wats::report::{fields, HeaderQuery};
//! let wats = wats::blocking::Wats::builder()
//!     .base_url("https://acme.wats.com")
//!     .token("dXNlcjpwYXNzd29yZA==")
//!     .build()?;
//! println!("WATS {}", wats.app().version()?);
//! for header in wats.report().headers(HeaderQuery::uut().filter(fields::PART_NUMBER.eq("PCB-1"))).iter() {
//!     println!("{:?}", header?.serial_number);
//! }
//! # Ok(()) }
//! ```

mod analytics;
mod product;
// Issue 19.
mod manual_inspection;
mod process_repair;
mod rootcause;
mod scim;

// Asset and Software (issue 18).
mod asset;
mod software;
pub use asset::AssetHandler;
pub use software::SoftwareHandler;

mod production;

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use uuid::Uuid;
use wats_report::Report;

use crate::app::{Level, Process, ProcessFilter, ProductGroup};
use crate::client::{builder_from_env, Blocking, WatsBuilder};
use crate::error::{Error, Result};
use crate::paging::Paged;
use crate::process::{ProcessKind, ProcessRef};
use crate::report::{AttachmentRef, FetchOptions, HeaderQuery, ReportHeader, SubmitResult};
use crate::BreakerState;

pub use analytics::AnalyticsHandler;
pub use manual_inspection::ManualInspectionHandler;
pub use product::{BoxBuildTemplate, ProductHandler};
pub use rootcause::RootCauseHandler;
pub use scim::ScimHandler;

pub use production::ProductionHandler;

/// The blocking WATS client. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Wats {
    inner: crate::Wats,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl WatsBuilder<Blocking> {
    /// Builds the blocking client and its runtime.
    pub fn build(self) -> Result<Wats> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("wats-blocking")
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("cannot start the runtime: {e}")))?;
        Ok(Wats {
            inner: self.build_async()?,
            runtime: Arc::new(runtime),
        })
    }
}

impl Wats {
    /// Starts configuring a blocking client (the same settings as
    /// [`crate::Wats::builder`]).
    pub fn builder() -> WatsBuilder<Blocking> {
        WatsBuilder::default()
    }

    /// A client configured from the environment, as [`crate::Wats::from_env`].
    pub fn from_env() -> Result<Wats> {
        Self::builder_from_env()?.build()
    }

    /// A builder preset from the environment.
    pub fn builder_from_env() -> Result<WatsBuilder<Blocking>> {
        builder_from_env()
    }

    /// The async client inside, sharing pool, cache, limits and breaker.
    pub fn async_client(&self) -> &crate::Wats {
        &self.inner
    }

    /// The normalized base URL.
    pub fn base_url(&self) -> &str {
        self.inner.base_url()
    }

    /// The circuit breaker's state.
    pub fn breaker_state(&self) -> Option<BreakerState> {
        self.inner.breaker_state()
    }

    /// Empties the GET cache.
    pub fn clear_cache(&self) {
        self.inner.clear_cache()
    }

    fn wait<T>(&self, future: impl Future<Output = T>) -> T {
        self.runtime.block_on(future)
    }

    /// Server metadata.
    pub fn app(&self) -> AppHandler<'_> {
        AppHandler { wats: self }
    }

    /// Cached process lookups.
    pub fn process(&self) -> ProcessHandler<'_> {
        ProcessHandler { wats: self }
    }

    /// Products, revisions, groups, categories, vendors, tags, BOMs and box builds.
    pub fn product(&self) -> ProductHandler<'_> {
        ProductHandler { wats: self }
    }

    /// Units, phases, verification, assembly, serial numbers, batches.
    pub fn production(&self) -> ProductionHandler<'_> {
        ProductionHandler { wats: self }
    }

    /// Yield, failures, step analysis and measurements.
    pub fn analytics(&self) -> AnalyticsHandler<'_> {
        AnalyticsHandler { wats: self }
    }

    /// Assets, asset types, counts, calibration, maintenance, the log and files.
    pub fn asset(&self) -> AssetHandler<'_> {
        AssetHandler { wats: self }
    }

    /// Software packages: the release flow, files and distribution.
    pub fn software(&self) -> SoftwareHandler<'_> {
        SoftwareHandler { wats: self }
    }

    /// Users and tokens (SCIM).
    pub fn scim(&self) -> ScimHandler<'_> {
        ScimHandler { wats: self }
    }

    /// Root-cause tickets.
    pub fn rootcause(&self) -> RootCauseHandler<'_> {
        RootCauseHandler { wats: self }
    }

    /// Manual inspection: definitions, relations, sequences, XAML.
    pub fn manual_inspection(&self) -> ManualInspectionHandler<'_> {
        ManualInspectionHandler { wats: self }
    }

    /// Any endpoint; see [`crate::Wats::request`]. Send it with [`Wats::send`].
    pub fn request(&self, method: crate::Method, path: &str) -> crate::RawRequest<'_> {
        self.inner.request(method, path)
    }

    /// Waits for a request built with [`request`](Self::request) and decodes its JSON answer.
    pub fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: crate::RawRequest<'_>,
    ) -> Result<T> {
        self.wait(request.json())
    }

    /// Reports.
    pub fn report(&self) -> ReportHandler<'_> {
        ReportHandler { wats: self }
    }
}

/// Blocking [`crate::app::AppHandler`].
#[derive(Clone, Copy, Debug)]
pub struct AppHandler<'a> {
    wats: &'a Wats,
}

impl AppHandler<'_> {
    /// See [`crate::app::AppHandler::version`].
    pub fn version(&self) -> Result<String> {
        self.wats.wait(self.wats.inner.app().version())
    }
    /// See [`crate::app::AppHandler::processes`].
    pub fn processes(&self, filter: &ProcessFilter) -> Result<Vec<Process>> {
        self.wats.wait(self.wats.inner.app().processes(filter))
    }
    /// See [`crate::app::AppHandler::levels`].
    pub fn levels(&self) -> Result<Vec<Level>> {
        self.wats.wait(self.wats.inner.app().levels())
    }
    /// See [`crate::app::AppHandler::create_level`].
    pub fn create_level(&self, hierarchy: &[&str]) -> Result<i64> {
        self.wats
            .wait(self.wats.inner.app().create_level(hierarchy))
    }
    /// See [`crate::app::AppHandler::level_id`].
    pub fn level_id(&self, hierarchy: &[&str]) -> Result<Option<i64>> {
        self.wats.wait(self.wats.inner.app().level_id(hierarchy))
    }
    /// See [`crate::app::AppHandler::product_groups`].
    pub fn product_groups(&self, include_filters: Option<bool>) -> Result<Vec<ProductGroup>> {
        self.wats
            .wait(self.wats.inner.app().product_groups(include_filters))
    }
}

/// Blocking [`crate::process::ProcessHandler`].
#[derive(Clone, Copy, Debug)]
pub struct ProcessHandler<'a> {
    wats: &'a Wats,
}

impl ProcessHandler<'_> {
    /// See [`crate::process::ProcessHandler::list`].
    pub fn list(&self) -> Result<Arc<Vec<Process>>> {
        self.wats.wait(self.wats.inner.process().list())
    }
    /// See [`crate::process::ProcessHandler::refresh`].
    pub fn refresh(&self) -> Result<Arc<Vec<Process>>> {
        self.wats.wait(self.wats.inner.process().refresh())
    }
    /// See [`crate::process::ProcessHandler::clear`].
    pub fn clear(&self) {
        self.wats.wait(self.wats.inner.process().clear())
    }
    /// See [`crate::process::ProcessHandler::get`].
    pub fn get(&self, process: impl Into<ProcessRef>) -> Result<Option<Process>> {
        self.wats.wait(self.wats.inner.process().get(process))
    }
    /// See [`crate::process::ProcessHandler::by_code`].
    pub fn by_code(&self, code: i32) -> Result<Option<Process>> {
        self.wats.wait(self.wats.inner.process().by_code(code))
    }
    /// See [`crate::process::ProcessHandler::by_name`].
    pub fn by_name(&self, name: &str) -> Result<Option<Process>> {
        self.wats.wait(self.wats.inner.process().by_name(name))
    }
    /// See [`crate::process::ProcessHandler::get_kind`].
    pub fn get_kind(
        &self,
        kind: ProcessKind,
        process: impl Into<ProcessRef>,
    ) -> Result<Option<Process>> {
        self.wats
            .wait(self.wats.inner.process().get_kind(kind, process))
    }
    /// See [`crate::process::ProcessHandler::test_operation`].
    pub fn test_operation(&self, process: impl Into<ProcessRef>) -> Result<Option<Process>> {
        self.wats
            .wait(self.wats.inner.process().test_operation(process))
    }
    /// See [`crate::process::ProcessHandler::repair_operation`].
    pub fn repair_operation(&self, process: impl Into<ProcessRef>) -> Result<Option<Process>> {
        self.wats
            .wait(self.wats.inner.process().repair_operation(process))
    }
    /// See [`crate::process::ProcessHandler::wip_operation`].
    pub fn wip_operation(&self, process: impl Into<ProcessRef>) -> Result<Option<Process>> {
        self.wats
            .wait(self.wats.inner.process().wip_operation(process))
    }
    /// See [`crate::process::ProcessHandler::of_kind`].
    pub fn of_kind(&self, kind: ProcessKind) -> Result<Vec<Process>> {
        self.wats.wait(self.wats.inner.process().of_kind(kind))
    }
    /// See [`crate::process::ProcessHandler::default_test_operation`].
    pub fn default_test_operation(&self) -> Result<Option<Process>> {
        self.wats
            .wait(self.wats.inner.process().default_test_operation())
    }
    /// See [`crate::process::ProcessHandler::default_repair_operation`].
    pub fn default_repair_operation(&self) -> Result<Option<Process>> {
        self.wats
            .wait(self.wats.inner.process().default_repair_operation())
    }
}

/// Blocking [`crate::report::ReportHandler`].
#[derive(Clone, Copy, Debug)]
pub struct ReportHandler<'a> {
    wats: &'a Wats,
}

impl<'a> ReportHandler<'a> {
    /// See [`crate::report::ReportHandler::submit`].
    pub fn submit(&self, report: &Report) -> Result<SubmitResult> {
        self.wats.wait(self.wats.inner.report().submit(report))
    }
    /// See [`crate::report::ReportHandler::submit_uur`].
    pub fn submit_uur(&self, report: &Report) -> Result<SubmitResult> {
        self.wats.wait(self.wats.inner.report().submit_uur(report))
    }
    /// See [`crate::report::ReportHandler::submit_as_wsxf`].
    pub fn submit_as_wsxf(&self, report: &Report) -> Result<SubmitResult> {
        self.wats
            .wait(self.wats.inner.report().submit_as_wsxf(report))
    }
    /// See [`crate::report::ReportHandler::submit_wsxf`].
    pub fn submit_wsxf(&self, xml: impl Into<String>) -> Result<SubmitResult> {
        self.wats.wait(self.wats.inner.report().submit_wsxf(xml))
    }
    /// See [`crate::report::ReportHandler::get_wsjf`].
    pub fn get_wsjf(&self, id: Uuid, options: &FetchOptions) -> Result<Option<Report>> {
        self.wats
            .wait(self.wats.inner.report().get_wsjf(id, options))
    }
    /// See [`crate::report::ReportHandler::get_wsjf_strict`].
    pub fn get_wsjf_strict(&self, id: Uuid, options: &FetchOptions) -> Result<Report> {
        self.wats
            .wait(self.wats.inner.report().get_wsjf_strict(id, options))
    }
    /// See [`crate::report::ReportHandler::get_wsxf`].
    pub fn get_wsxf(&self, id: Uuid, options: &FetchOptions) -> Result<Option<Bytes>> {
        self.wats
            .wait(self.wats.inner.report().get_wsxf(id, options))
    }
    /// See [`crate::report::ReportHandler::get_wsxf_strict`].
    pub fn get_wsxf_strict(&self, id: Uuid, options: &FetchOptions) -> Result<Bytes> {
        self.wats
            .wait(self.wats.inner.report().get_wsxf_strict(id, options))
    }
    /// See [`crate::report::ReportHandler::headers`].
    pub fn headers(&self, query: HeaderQuery) -> HeaderRequest<'a> {
        HeaderRequest {
            wats: self.wats,
            query,
        }
    }
    /// See [`crate::report::ReportHandler::headers_by_misc_info`].
    pub fn headers_by_misc_info(
        &self,
        description: &str,
        value: &str,
        top: Option<u32>,
    ) -> Result<Vec<ReportHeader>> {
        self.wats.wait(
            self.wats
                .inner
                .report()
                .headers_by_misc_info(description, value, top),
        )
    }
    /// See [`crate::report::ReportHandler::attachment`].
    pub fn attachment(&self, report: Uuid, which: AttachmentRef) -> Result<Option<Bytes>> {
        self.wats
            .wait(self.wats.inner.report().attachment(report, which))
    }
    /// See [`crate::report::ReportHandler::attachments_zip`].
    pub fn attachments_zip(&self, report: Uuid) -> Result<Option<Bytes>> {
        self.wats
            .wait(self.wats.inner.report().attachments_zip(report))
    }
    /// See [`crate::report::ReportHandler::certificate`].
    pub fn certificate(&self, report: Uuid) -> Result<Option<Bytes>> {
        self.wats.wait(self.wats.inner.report().certificate(report))
    }
}

/// Blocking [`crate::report::HeaderRequest`].
#[derive(Debug)]
#[must_use]
pub struct HeaderRequest<'a> {
    wats: &'a Wats,
    query: HeaderQuery,
}

impl HeaderRequest<'_> {
    /// See [`crate::report::HeaderRequest::send`].
    pub fn send(self) -> Result<Vec<ReportHeader>> {
        self.wats
            .wait(self.wats.inner.report().headers(self.query).send())
    }

    /// Every matching header, page by page, as an iterator.
    pub fn iter(self) -> Pages<ReportHeader> {
        Pages {
            stream: self.wats.inner.report().headers(self.query).stream(),
            wats: self.wats.clone(),
        }
    }

    /// See [`crate::report::HeaderRequest::all`].
    pub fn all(self) -> Result<Vec<ReportHeader>> {
        self.iter().collect()
    }
}

/// A blocking iterator over a paged result.
pub struct Pages<T> {
    stream: Paged<T>,
    wats: Wats,
}

impl<T> std::fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages").finish_non_exhaustive()
    }
}

impl<T> Iterator for Pages<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        self.wats.wait(self.stream.next())
    }
}
