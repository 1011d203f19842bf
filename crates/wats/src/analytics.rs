//! Analytics: unit-based yield (FPY…LPY), report-based yield (TRY), RTY, the steps that fail
//! most, step and measurement statistics with process capability (`/api/App/*`).
//!
//! A [`Filter`] says which reports (text fields take `;` alternatives and `%`/`_` wildcards);
//! [`Dimensions`] says how rows are grouped and sorted. Rows are the typed
//! [`wats_types::analytics`] shapes, re-exported here.
//!
//! ```no_run
//! # async fn run(wats: wats::Wats) -> wats::Result<()> {
//! use wats::analytics::{DateGrouping, Dimensions, Filter};
//! let filter = Filter::new()
//!     .part_number("PCB-%")
//!     .test_operation("ICT")
//!     .periods(7, DateGrouping::DAY)
//!     .dimensions(Dimensions::new().desc("unitCount").asc("partNumber").asc("period"));
//! for row in wats.analytics().dynamic_yield(&filter).await? {
//!     println!("{:?} {:?}: FPY {:?} %", row.part_number, row.period, row.fpy);
//! }
//! # Ok(()) }
//! ```
//!
//! See `docs/sdk/analytics.md` for the definitions and a guide.

/// The guide `docs/sdk/analytics.md`, whose examples are compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/sdk/analytics.md")]
pub struct AnalyticsGuide;

use reqwest::Method;

pub use wats_types::analytics::*;

use crate::client::{Request, Wats};
use crate::error::{Error, Result};

/// A `WATSFilter` built field by field. Text fields take `;`-separated alternatives and the
/// wildcards `%` (any run of characters) and `_` (one character).
///
/// ```
/// use wats::analytics::{DateGrouping, Filter};
/// let f = Filter::new().part_number("PCB-1;PCB-2").station("ST_").days(30);
/// let wire = f.wire();
/// assert_eq!(wire.part_number.as_deref(), Some("PCB-1;PCB-2"));
/// assert_eq!(wire.period_count, Some(30));
/// assert_eq!(wire.date_grouping, Some(DateGrouping::DAY));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter(WatsFilter);

macro_rules! text_setters {
    ($( $(#[$doc:meta])* $name:ident => $field:ident ),* $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: impl Into<String>) -> Self {
                self.0.$field = Some(value.into());
                self
            }
        )*
    };
}

impl Filter {
    /// Every report of the default range (the last 30 days).
    pub fn new() -> Self {
        Filter::default()
    }

    text_setters! {
        /// Part number(s).
        part_number => part_number,
        /// Revision(s).
        revision => revision,
        /// Serial number(s).
        serial_number => serial_number,
        /// Batch number(s).
        batch_number => batch_number,
        /// Station name(s).
        station => station_name,
        /// Test operation (process) name(s).
        test_operation => test_operation,
        /// Report status(es): `Passed`, `Failed`, `Error`, `Terminated`.
        status => status,
        /// Product group name(s).
        product_group => product_group,
        /// Level name(s).
        level => level,
        /// Test software file name(s).
        sw_filename => sw_filename,
        /// Test software version(s).
        sw_version => sw_version,
        /// Misc info description(s).
        misc_info_description => misc_info_description,
        /// Misc info text(s).
        misc_info_string => misc_info_string,
        /// Asset serial number(s).
        asset_serial_number => asset_serial_number,
        /// Measurement paths (`;`-separated; steps by `¶` or `/`, `¶¶` or `::` before a
        /// measurement name).
        measurement_paths => measurement_paths,
    }

    /// Reports starting at or after `from` (ISO 8601; UTC without an offset).
    pub fn from(mut self, from: chrono::DateTime<chrono::Utc>) -> Self {
        self.0.date_from = Some(from.to_rfc3339());
        self
    }

    /// Reports starting before `to`.
    pub fn to(mut self, to: chrono::DateTime<chrono::Utc>) -> Self {
        self.0.date_to = Some(to.to_rfc3339());
        self
    }

    /// The last `n` periods of `grouping`, the running one included.
    pub fn periods(mut self, n: i32, grouping: DateGrouping) -> Self {
        self.0.period_count = Some(n);
        self.0.date_grouping = Some(grouping);
        self.0.include_current_period = Some(true);
        self
    }

    /// The last `n` days, today included.
    pub fn days(self, n: i32) -> Self {
        self.periods(n, DateGrouping::DAY)
    }

    /// Whether the running period counts as one of [`periods`](Self::periods).
    pub fn include_current_period(mut self, yes: bool) -> Self {
        self.0.include_current_period = Some(yes);
        self
    }

    /// How `period` rows are cut (without changing the range).
    pub fn date_grouping(mut self, grouping: DateGrouping) -> Self {
        self.0.date_grouping = Some(grouping);
        self
    }

    /// How rows are grouped and sorted.
    pub fn dimensions(mut self, d: Dimensions) -> Self {
        self.0.dimensions = Some(d.build());
        self
    }

    /// At most `n` rows.
    pub fn top(mut self, n: i32) -> Self {
        self.0.top_count = Some(n);
        self
    }

    /// Rows with at least `n` units.
    pub fn min_count(mut self, n: i32) -> Self {
        self.0.min_count = Some(n);
        self
    }

    /// At most `n` reports or measurements (step analysis, measurements).
    pub fn max_count(mut self, n: i32) -> Self {
        self.0.max_count = Some(n);
        self
    }

    /// Which run: 1, 2, 3, -1 (each unit's last) or -2 (all).
    pub fn run(mut self, run: i32) -> Self {
        self.0.run = Some(run);
        self
    }

    /// The wire form.
    pub fn wire(&self) -> &WatsFilter {
        &self.0
    }
}

impl From<WatsFilter> for Filter {
    fn from(f: WatsFilter) -> Self {
        Filter(f)
    }
}

/// The `dimensions` string: dimensions (`partNumber`, `stationName`, `period`, …) and KPIs
/// (`unitCount`, `fpy`, …), in sort order, each ascending or descending. When KPIs are named,
/// only those are returned.
///
/// ```
/// use wats::analytics::Dimensions;
/// let d = Dimensions::new().desc("unitCount").asc("fpy").asc("partNumber").asc("period");
/// assert_eq!(d.build(), "unitCount desc;fpy;partNumber;period");
/// assert_eq!(Dimensions::yield_by_station(false).build(), "unitCount desc;fpy;stationName");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dimensions(Vec<String>);

impl Dimensions {
    /// None yet.
    pub fn new() -> Self {
        Dimensions::default()
    }

    /// Adds `name`, ascending.
    pub fn asc(mut self, name: &str) -> Self {
        self.0.push(name.to_owned());
        self
    }

    /// Adds `name`, descending.
    pub fn desc(mut self, name: &str) -> Self {
        self.0.push(format!("{name} desc"));
        self
    }

    /// pyWATS's preset: `unitCount desc;fpy;partNumber[;period]`.
    pub fn yield_by_product(by_period: bool) -> Self {
        Self::preset("partNumber", by_period)
    }

    /// pyWATS's preset: `unitCount desc;fpy;stationName[;period]`.
    pub fn yield_by_station(by_period: bool) -> Self {
        Self::preset("stationName", by_period)
    }

    fn preset(by: &str, by_period: bool) -> Self {
        let d = Dimensions::new().desc("unitCount").asc("fpy").asc(by);
        if by_period {
            d.asc("period")
        } else {
            d
        }
    }

    /// The wire string.
    pub fn build(&self) -> String {
        self.0.join(";")
    }
}

/// The analytics calls; from [`Wats::analytics`].
#[derive(Clone, Copy, Debug)]
pub struct AnalyticsHandler<'a> {
    pub(crate) wats: &'a Wats,
}

impl Wats {
    /// Yield, failures, step analysis and measurements.
    pub fn analytics(&self) -> AnalyticsHandler<'_> {
        AnalyticsHandler { wats: self }
    }
}

impl AnalyticsHandler<'_> {
    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        filter: &Filter,
        query: &[(&str, &str)],
    ) -> Result<Vec<T>> {
        let body = serde_json::to_vec(filter.wire())
            .map_err(|e| Error::Config(format!("cannot encode the filter: {e}")))?;
        let mut req = Request::new(Method::POST, path)
            .body(body, "application/json")
            // A read: safe to send again.
            .idempotent();
        for (k, v) in query {
            req = req.query(k, v);
        }
        self.wats.send_json(req).await
    }

    /// Yield by the filter's dimensions (`POST /api/App/DynamicYield`); without dimensions,
    /// the server's default `unitCount desc;partNumber;testOperation`, top 10.
    pub async fn dynamic_yield(&self, filter: &Filter) -> Result<Vec<YieldData>> {
        self.post("/api/App/DynamicYield", filter, &[]).await
    }

    /// Yield and volume per part number and process (`POST /api/App/VolumeYield`).
    pub async fn volume_yield(&self, filter: &Filter) -> Result<Vec<YieldData>> {
        self.post("/api/App/VolumeYield", filter, &[]).await
    }

    /// The highest volumes (`POST /api/App/HighVolume`, top 10 by default).
    pub async fn high_volume(&self, filter: &Filter) -> Result<Vec<YieldData>> {
        self.post("/api/App/HighVolume", filter, &[]).await
    }

    /// The highest volumes per product group (`POST /api/App/HighVolumeByProductGroup`).
    pub async fn high_volume_by_product_group(&self, filter: &Filter) -> Result<Vec<YieldData>> {
        self.post("/api/App/HighVolumeByProductGroup", filter, &[])
            .await
    }

    /// The lowest first-pass yields (`POST /api/App/WorstYield`, top 10 by default).
    pub async fn worst_yield(&self, filter: &Filter) -> Result<Vec<YieldData>> {
        self.post("/api/App/WorstYield", filter, &[]).await
    }

    /// The lowest first-pass yields per product group.
    pub async fn worst_yield_by_product_group(&self, filter: &Filter) -> Result<Vec<YieldData>> {
        self.post("/api/App/WorstYieldByProductGroup", filter, &[])
            .await
    }

    /// The steps failing in most reports (`POST /api/App/TopFailed`, top 10 by default).
    pub async fn top_failed(&self, filter: &Filter) -> Result<Vec<TopFailedStep>> {
        self.post("/api/App/TopFailed", filter, &[]).await
    }

    /// Per-step statistics for one part number and test operation (both required; run 1
    /// unless the filter says otherwise).
    pub async fn test_step_analysis(&self, filter: &Filter) -> Result<Vec<StepAnalysisRow>> {
        self.post("/api/App/TestStepAnalysis", filter, &[]).await
    }

    /// Numeric values at `paths` (`;`-separated), newest first.
    pub async fn measurements(&self, filter: &Filter, paths: &str) -> Result<Vec<MeasurementData>> {
        self.post(
            "/api/App/Measurements",
            filter,
            &[("measurementPaths", paths)],
        )
        .await
    }

    /// Statistics (with Cp/Cpk) of the numeric values at each of `paths`.
    pub async fn aggregated_measurements(
        &self,
        filter: &Filter,
        paths: &str,
    ) -> Result<Vec<AggregatedMeasurement>> {
        self.post(
            "/api/App/AggregatedMeasurements",
            filter,
            &[("measurementPaths", paths)],
        )
        .await
    }

    /// Every measurement (numeric, string, pass/fail) of the matching UUT reports, newest
    /// first (`POST /api/internal/App/MeasurementList`, internal; the filter's
    /// `measurementPaths` narrow it, `maxCount` caps it at 10000). WATS's XML step and
    /// sequence filters are not supported.
    pub async fn measurement_list(&self, filter: &Filter) -> Result<Vec<MeasurementListItem>> {
        self.post("/api/internal/App/MeasurementList", filter, &[])
            .await
    }

    /// Per step path, its executions by status in the newest matching UUT reports and its
    /// newest execution (`POST /api/internal/App/StepStatusList`, internal).
    pub async fn step_status_list(&self, filter: &Filter) -> Result<Vec<StepStatusItem>> {
        self.post("/api/internal/App/StepStatusList", filter, &[])
            .await
    }

    /// Alarm and notification logs (`POST /api/internal/Trigger/GetAlarmAndNotificationLogs`,
    /// internal): `wats-server` configures no alarms, so it answers none; a WATS server
    /// answers its triggers' logs.
    pub async fn alarm_logs(&self, filter: &Filter) -> Result<Vec<AlarmLog>> {
        self.post(
            "/api/internal/Trigger/GetAlarmAndNotificationLogs",
            filter,
            &[],
        )
        .await
    }
}
