//! Reports: submit (WSJF, WSXF, UUR), fetch by id, query headers, download attachments and
//! certificates.
//!
//! ```no_run
//! # async fn run(wats: wats::Wats, report: wats_report::Report) -> wats::Result<()> {
//! use wats::odata::field;
//! use wats::report::{fields, FetchOptions, HeaderQuery};
//!
//! // Submitting is retried safely: the report's own id makes a replay overwrite, not duplicate.
//! let result = wats.report().submit(&report).await?;
//! let id = result.id.expect("WATS echoes the id");
//!
//! // `Ok(None)` when there is no such report.
//! let back = wats.report().get_wsjf(id, &FetchOptions::default()).await?;
//!
//! let filter = fields::SERIAL_NUMBER.eq("O'Brien-17").and(fields::START.ge(chrono::Utc::now() - chrono::Duration::days(7)));
//! let headers = wats.report().headers(HeaderQuery::uut().filter(filter).top(100)).send().await?;
//! # Ok(()) }
//! ```

use bytes::Bytes;
use futures_util::stream::StreamExt;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use wats_report::{Report, Timestamp};

use crate::app::Extra;
use crate::client::{decode_json, segment, Request, Wats};
use crate::error::{optional, Error, Result};
use crate::odata::{Field, Filter};
use crate::paging::{paged, Paged, MAX_TOP};

/// Header fields for [`HeaderQuery::filter`] and [`HeaderQuery::order_by`], with WATS's
/// names (OData `ReportHeader`).
pub mod fields {
    use crate::odata::Field;

    /// `uuid` (guid; orderable).
    pub const UUID: Field = Field::new("uuid");
    /// `serialNumber` (orderable).
    pub const SERIAL_NUMBER: Field = Field::new("serialNumber");
    /// `partNumber`.
    pub const PART_NUMBER: Field = Field::new("partNumber");
    /// `revision`.
    pub const REVISION: Field = Field::new("revision");
    /// `batchNumber`.
    pub const BATCH_NUMBER: Field = Field::new("batchNumber");
    /// `start` (datetime; orderable, default order `start desc`).
    pub const START: Field = Field::new("start");
    /// `result`: `Passed`, `Failed`, `Error`, `Terminated`.
    pub const RESULT: Field = Field::new("result");
    /// `reportType`: `T` or `R`.
    pub const REPORT_TYPE: Field = Field::new("reportType");
    /// `stationName`.
    pub const STATION_NAME: Field = Field::new("stationName");
    /// `location`.
    pub const LOCATION: Field = Field::new("location");
    /// `purpose`.
    pub const PURPOSE: Field = Field::new("purpose");
    /// `processCode`.
    pub const PROCESS_CODE: Field = Field::new("processCode");
    /// `processName`.
    pub const PROCESS_NAME: Field = Field::new("processName");
    /// `userName` (the operator).
    pub const USER_NAME: Field = Field::new("userName");
    /// `timeStamp` (processing order; orderable).
    pub const TIME_STAMP: Field = Field::new("timeStamp");
    /// `subUnits` (collection, for `any`).
    pub const SUB_UNITS: Field = Field::new("subUnits");
    /// `uurSubUnits` (collection, for `any`).
    pub const UUR_SUB_UNITS: Field = Field::new("uurSubUnits");
    /// `miscInfo` (collection, for `any`).
    pub const MISC_INFO: Field = Field::new("miscInfo");
}

/// The answer to a report submission (`InsertReportResult`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SubmitResult {
    /// The report's id as submitted (`ID`).
    #[serde(rename = "ID", alias = "id", skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// The id the server stored it under (`uuid`), normally the same.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<Uuid>,
    /// Legacy numeric id (`Report_ID`).
    #[serde(rename = "Report_ID", skip_serializing_if = "Option::is_none")]
    pub report_id: Option<i64>,
    /// Other keys the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

impl SubmitResult {
    /// Reads the forms WATS servers answer with: the object, a list holding it, a bare id
    /// string, or nothing (then the submitted id is assumed).
    fn parse(path: &str, body: &[u8], submitted: Option<Uuid>) -> Result<SubmitResult> {
        let text = String::from_utf8_lossy(body);
        let value: serde_json::Value = if text.trim().is_empty() {
            serde_json::Value::Null
        } else {
            match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(_) => serde_json::Value::String(text.trim().to_owned()),
            }
        };
        let value = match value {
            serde_json::Value::Array(mut items) if !items.is_empty() => items.swap_remove(0),
            v => v,
        };
        let mut result = match value {
            serde_json::Value::Object(_) => decode_json(path, value.to_string().as_bytes())?,
            serde_json::Value::String(s) => SubmitResult {
                id: Uuid::parse_str(s.trim_matches('"')).ok(),
                ..Default::default()
            },
            _ => SubmitResult::default(),
        };
        if result.id.is_none() {
            result.id = result.uuid.or(submitted);
        }
        Ok(result)
    }
}

/// How much of a report to fetch (`GET /api/Report/Wsjf/{id}`, `/Wsxf/{id}`). Unset options
/// are not sent, so the server's defaults apply (full report).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FetchOptions {
    /// `detailLevel` 0 (identifying data only) ..= 7 (full report).
    pub detail_level: Option<u8>,
    /// `includeChartdata` (matters at detail level 6 and 7).
    pub include_chartdata: Option<bool>,
    /// `includeAttachments` (matters at detail levels 4–7).
    pub include_attachments: Option<bool>,
    /// `includeIndexes` (WSXF only).
    pub include_indexes: Option<bool>,
}

impl FetchOptions {
    /// Options with a detail level.
    pub fn detail(level: u8) -> Self {
        FetchOptions {
            detail_level: Some(level),
            ..Default::default()
        }
    }

    fn apply(&self, req: Request, xml: bool) -> Result<Request> {
        if let Some(level) = self.detail_level.filter(|l| *l > 7) {
            return Err(Error::Config(format!(
                "detailLevel {level} is not in 0..=7"
            )));
        }
        let req = req
            .query_opt("detailLevel", self.detail_level)
            .query_opt("includeChartdata", self.include_chartdata)
            .query_opt("includeAttachments", self.include_attachments);
        Ok(if xml {
            req.query_opt("includeIndexes", self.include_indexes)
        } else {
            req
        })
    }
}

/// Which kind of report headers to query (the `reportType` parameter).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HeaderType {
    /// Test reports: `reportType=U`.
    #[default]
    Uut,
    /// Repair reports: `reportType=R`.
    Uur,
}

/// A report-header query: `GET /api/Report/Query/Header` with `reportType`, `$filter`,
/// `$orderby`, `$expand`, `$top` and `$skip`.
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use]
pub struct HeaderQuery {
    report_type: HeaderType,
    filter: Option<Filter>,
    order_by: Option<String>,
    expand: Vec<String>,
    top: Option<u64>,
    skip: Option<u64>,
    page_size: Option<u32>,
}

impl HeaderQuery {
    /// Test-report (UUT) headers.
    pub fn uut() -> Self {
        HeaderQuery::default()
    }

    /// Repair-report (UUR) headers.
    pub fn uur() -> Self {
        HeaderQuery {
            report_type: HeaderType::Uur,
            ..Default::default()
        }
    }

    /// The `$filter` (replaces any earlier one; combine with [`Filter::and`]).
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// `$orderby`, e.g. `"start desc"` or `"uuid"` (WATS orders by `start`, `uuid`,
    /// `serialNumber` and `timeStamp` only).
    pub fn order_by(mut self, order: impl Into<String>) -> Self {
        self.order_by = Some(order.into());
        self
    }

    /// Adds a `$expand` collection: `subUnits`, `miscInfo`, `assets`, `attachments` (UUT) or
    /// `uurSubUnits`, `uurMiscInfo`, `uurAttachments` (UUR).
    pub fn expand(mut self, collection: impl Into<String>) -> Self {
        self.expand.push(collection.into());
        self
    }

    /// How many headers: `$top` for [`send`](HeaderRequest::send) (at most 10 000; the server
    /// returns 10 when unset), the total for [`stream`](HeaderRequest::stream) (unlimited when
    /// unset).
    pub fn top(mut self, top: u64) -> Self {
        self.top = Some(top);
        self
    }

    /// Headers to skip first (`$skip`).
    pub fn skip(mut self, skip: u64) -> Self {
        self.skip = Some(skip);
        self
    }

    /// Page size for [`stream`](HeaderRequest::stream) (default 1000, at most 10 000).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    fn request(&self, top: Option<u64>, skip: Option<u64>) -> Request {
        let report_type = match self.report_type {
            HeaderType::Uut => "U",
            HeaderType::Uur => "R",
        };
        let expand = (!self.expand.is_empty()).then(|| self.expand.join(","));
        Request::get("/api/Report/Query/Header")
            .query("reportType", report_type)
            .query_opt("$filter", self.filter.as_ref())
            .query_opt("$orderby", self.order_by.as_ref())
            .query_opt("$expand", expand)
            .query_opt("$top", top)
            .query_opt("$skip", skip)
    }
}

/// A sub unit in an expanded header (`subUnits` / `uurSubUnits`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeaderSubUnit {
    /// `serialNumber`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// `partNumber`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_number: Option<String>,
    /// `revision`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// `partType` (UUT only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_type: Option<String>,
    /// Other keys the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A misc-info entry in an expanded header (`miscInfo` / `uurMiscInfo`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HeaderMiscInfo {
    /// `description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `value`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Other keys the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An asset in an expanded header (`assets`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeaderAsset {
    /// `serialNumber`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// `runningCount`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running_count: Option<i64>,
    /// `totalCount`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count: Option<i64>,
    /// `daysSinceCalibration`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_since_calibration: Option<f64>,
    /// `calibrationDaysOverdue`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibration_days_overdue: Option<f64>,
    /// Other keys (`runningCountExceeded`, `daysSinceMaintenance`…).
    #[serde(flatten)]
    pub extra: Extra,
}

/// An attachment in an expanded header (`attachments`: `stepId`; `uurAttachments`: `id`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeaderAttachment {
    /// The step holding it (UUT).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_id: Option<i64>,
    /// The attachment id (UUR).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// `filename`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Other keys the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A report header, as `GET /api/Report/Query/Header` returns it.
///
/// Field names are WATS's OData `ReportHeader`. pyWATS also reads `startUtc` and `operator`;
/// those are typed too, since servers differ ([`start`](Self::start) and
/// [`operator`](Self::operator) pick whichever is present).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ReportHeader {
    /// Report id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<Uuid>,
    /// `T` (UUT) or `R` (UUR).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_number: Option<String>,
    /// Start time (WATS: `start`).
    #[serde(rename = "start", skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Timestamp>,
    /// Start time in UTC (pyWATS's name: `startUtc`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_utc: Option<Timestamp>,
    /// `Passed`, `Failed`, `Error` or `Terminated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// Operator (WATS: `userName`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// Operator (pyWATS's name: `operator`).
    #[serde(rename = "operator", skip_serializing_if = "Option::is_none")]
    pub operator_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub station_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sw_filename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sw_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_socket_index: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixture_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passed_in_run: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receive_count: Option<i64>,
    /// Size in KB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_size: Option<i64>,
    /// Processing order (not a time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_stamp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measures_deleted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caused_uut_failure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caused_uut_failure_path: Option<String>,
    /// For a UUR: the test report it repairs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referenced_uut: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_units: Option<Vec<HeaderSubUnit>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub misc_info: Option<Vec<HeaderMiscInfo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assets: Option<Vec<HeaderAsset>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<HeaderAttachment>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uur_sub_units: Option<Vec<HeaderSubUnit>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uur_misc_info: Option<Vec<HeaderMiscInfo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uur_attachments: Option<Vec<HeaderAttachment>>,
    /// Other keys the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ReportHeader {
    /// The start time, from `start` or else `startUtc`.
    pub fn start(&self) -> Option<Timestamp> {
        self.start_time.or(self.start_utc)
    }

    /// The operator, from `userName` or else `operator`.
    pub fn operator(&self) -> Option<&str> {
        self.user_name.as_deref().or(self.operator_name.as_deref())
    }
}

/// Which attachment of a report to download.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachmentRef {
    /// A UUT step's attachment, by step id (`stepId`).
    Step(i64),
    /// A UUR attachment, by its id (`attachmentId`, `binaryData[].id`).
    Id(Uuid),
}

/// Report endpoints. Get one with [`Wats::report`].
#[derive(Clone, Copy, Debug)]
pub struct ReportHandler<'a> {
    wats: &'a Wats,
}

impl Wats {
    /// Report submission, retrieval and queries.
    pub fn report(&self) -> ReportHandler<'_> {
        ReportHandler { wats: self }
    }
}

/// A header query ready to send, from [`ReportHandler::headers`].
#[derive(Debug)]
#[must_use]
pub struct HeaderRequest<'a> {
    wats: &'a Wats,
    query: HeaderQuery,
}

impl HeaderRequest<'_> {
    /// One request: the query's `$top` (at most 10 000) and `$skip`.
    pub async fn send(self) -> Result<Vec<ReportHeader>> {
        if let Some(top) = self.query.top.filter(|t| *t > u64::from(MAX_TOP)) {
            return Err(Error::Config(format!(
                "$top {top} is over WATS's maximum of {MAX_TOP}; use stream() to page"
            )));
        }
        let req = self.query.request(self.query.top, self.query.skip);
        self.wats.send_json(req).await
    }

    /// Every matching header, page by page (see [`paging`](crate::paging)).
    pub fn stream(self) -> Paged<ReportHeader> {
        let wats = self.wats.clone();
        let query = self.query;
        let page_size = query.page_size.unwrap_or(1000);
        let (skip, limit) = (query.skip.unwrap_or(0), query.top);
        paged(
            move |skip, top| {
                let wats = wats.clone();
                let req = query.request(Some(u64::from(top)), Some(skip));
                async move { wats.send_json(req).await }
            },
            skip,
            page_size,
            limit,
        )
    }

    /// Collects [`stream`](Self::stream) into a vector.
    pub async fn all(self) -> Result<Vec<ReportHeader>> {
        let mut out = Vec::new();
        let mut stream = self.stream();
        while let Some(item) = stream.next().await {
            out.push(item?);
        }
        Ok(out)
    }
}

impl<'a> ReportHandler<'a> {
    /// Submits a report as WSJF (`POST /api/Report/WSJF`): a UUT or a UUR.
    ///
    /// Server-only fields (`startUTC`, `assetStats`, …) are left out. With an `id` the call is
    /// idempotent (a replay overwrites), so it is retried like a GET; a report without one is
    /// retried only when it certainly never reached the server.
    pub async fn submit(&self, report: &Report) -> Result<SubmitResult> {
        let body = wats_report::wsjf::to_string(&report.for_submission());
        let mut req =
            Request::new(reqwest::Method::POST, "/api/Report/WSJF").body(body, "application/json");
        if report.id.is_some() {
            req = req.idempotent();
        }
        let path = req.path.clone();
        let bytes = self.wats.send(req).await?;
        SubmitResult::parse(&path, &bytes, report.id)
    }

    /// Submits a report already serialized as WSJF (the submission form), as is: no parse, no
    /// copy. `id` is the report's id (it makes the request safe to retry).
    pub async fn submit_wsjf(&self, id: Uuid, document: impl Into<String>) -> Result<SubmitResult> {
        let req = Request::new(reqwest::Method::POST, "/api/Report/WSJF")
            .body(document.into(), "application/json")
            .idempotent();
        let path = req.path.clone();
        let bytes = self.wats.send(req).await?;
        SubmitResult::parse(&path, &bytes, Some(id))
    }

    /// Submits a repair report (UUR); refuses a report that is not one (`type` must be `R`).
    pub async fn submit_uur(&self, report: &Report) -> Result<SubmitResult> {
        if !report.is_uur() {
            return Err(Error::Config(
                "submit_uur needs a repair report (type \"R\")".into(),
            ));
        }
        self.submit(report).await
    }

    /// Submits a report converted to WSXF (`POST /api/Report/WSXF`, `application/xml`).
    pub async fn submit_as_wsxf(&self, report: &Report) -> Result<SubmitResult> {
        let xml = wats_report::wsxf::to_string(&report.for_submission());
        self.post_wsxf(xml, report.id).await
    }

    /// Submits WSXF text as is (`POST /api/Report/WSXF`). Not retried once it may have reached
    /// the server (the SDK does not read the id out of the XML).
    pub async fn submit_wsxf(&self, xml: impl Into<String>) -> Result<SubmitResult> {
        self.post_wsxf(xml.into(), None).await
    }

    async fn post_wsxf(&self, xml: String, id: Option<Uuid>) -> Result<SubmitResult> {
        let mut req =
            Request::new(reqwest::Method::POST, "/api/Report/WSXF").body(xml, "application/xml");
        if id.is_some() {
            req = req.idempotent();
        }
        let path = req.path.clone();
        let bytes = self.wats.send(req).await?;
        SubmitResult::parse(&path, &bytes, id)
    }

    /// A report as WSJF (`GET /api/Report/Wsjf/{id}`); `Ok(None)` when there is none.
    pub async fn get_wsjf(&self, id: Uuid, options: &FetchOptions) -> Result<Option<Report>> {
        optional(self.get_wsjf_strict(id, options).await)
    }

    /// Like [`get_wsjf`](Self::get_wsjf), but a missing report is [`Error::NotFound`].
    pub async fn get_wsjf_strict(&self, id: Uuid, options: &FetchOptions) -> Result<Report> {
        let req = options.apply(
            Request::get(format!("/api/Report/Wsjf/{}", segment(&id.to_string()))),
            false,
        )?;
        let path = req.path.clone();
        let bytes = self.wats.send(req).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::Decode {
                path,
                message: "empty body where a report was expected".into(),
            });
        }
        wats_report::wsjf::from_slice(&bytes).map_err(|e| Error::Decode {
            path,
            message: e.to_string(),
        })
    }

    /// A report as WSXF bytes (`GET /api/Report/Wsxf/{id}`); `Ok(None)` when there is none.
    /// Read it with [`wats_report::wsxf::from_slice`].
    pub async fn get_wsxf(&self, id: Uuid, options: &FetchOptions) -> Result<Option<Bytes>> {
        optional(self.get_wsxf_strict(id, options).await)
    }

    /// Like [`get_wsxf`](Self::get_wsxf), but a missing report is [`Error::NotFound`].
    pub async fn get_wsxf_strict(&self, id: Uuid, options: &FetchOptions) -> Result<Bytes> {
        let req = options.apply(
            Request::get(format!("/api/Report/Wsxf/{}", segment(&id.to_string())))
                .accept("application/xml"),
            true,
        )?;
        self.wats.send(req).await
    }

    /// A header query; finish with [`send`](HeaderRequest::send) or
    /// [`stream`](HeaderRequest::stream).
    pub fn headers(&self, query: HeaderQuery) -> HeaderRequest<'a> {
        HeaderRequest {
            wats: self.wats,
            query,
        }
    }

    /// Headers of reports with a misc-info entry (`GET /api/Report/Query/HeaderByMiscInfo`).
    ///
    /// The value is sent as `stringValue` (what pyWATS sends) and as `data` (what WATS's API
    /// description names), so either server reads it.
    pub async fn headers_by_misc_info(
        &self,
        description: &str,
        value: &str,
        top: Option<u32>,
    ) -> Result<Vec<ReportHeader>> {
        let req = Request::get("/api/Report/Query/HeaderByMiscInfo")
            .query("description", description)
            .query("stringValue", value)
            .query("data", value)
            .query_opt("$top", top);
        self.wats.send_json(req).await
    }

    /// One attachment's bytes (`GET /api/Report/Attachment`); `Ok(None)` when there is none.
    pub async fn attachment(&self, report: Uuid, which: AttachmentRef) -> Result<Option<Bytes>> {
        let req = Request::get("/api/Report/Attachment").query("reportId", report);
        let req = match which {
            AttachmentRef::Step(step) => req.query("stepId", step),
            AttachmentRef::Id(id) => req.query("attachmentId", id),
        };
        optional(self.wats.send(req.accept("*/*").no_cache()).await)
    }

    /// Every attachment of a report as a zip archive (`GET /api/Report/Attachments/{id}`).
    pub async fn attachments_zip(&self, report: Uuid) -> Result<Option<Bytes>> {
        let req = Request::get(format!("/api/Report/Attachments/{report}"));
        optional(self.wats.send(req.accept("*/*").no_cache()).await)
    }

    /// The report's certificate document (`GET /api/Report/Certificate/{id}`).
    pub async fn certificate(&self, report: Uuid) -> Result<Option<Bytes>> {
        let req = Request::get(format!("/api/Report/Certificate/{report}"));
        optional(self.wats.send(req.accept("*/*").no_cache()).await)
    }
}

/// The field for an ad-hoc header property not in [`fields`].
pub fn header_field(name: &'static str) -> Field {
    Field::new(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submit_results_in_every_shape() {
        let id = Uuid::parse_str("33a2d408-3fc8-480b-b554-6866c77fd91c").unwrap();
        let p = |s: &str| SubmitResult::parse("/p", s.as_bytes(), Some(id)).unwrap();
        let obj = p(
            r#"{"ID":"33a2d408-3fc8-480b-b554-6866c77fd91c","uuid":"33a2d408-3fc8-480b-b554-6866c77fd91c","Report_ID":7}"#,
        );
        assert_eq!((obj.id, obj.report_id), (Some(id), Some(7)));
        assert_eq!(
            p(r#"[{"id":"33a2d408-3fc8-480b-b554-6866c77fd91c"}]"#).id,
            Some(id)
        );
        assert_eq!(p(r#""33a2d408-3fc8-480b-b554-6866c77fd91c""#).id, Some(id));
        assert_eq!(p("33a2d408-3fc8-480b-b554-6866c77fd91c").id, Some(id));
        assert_eq!(p("").id, Some(id));
        assert!(SubmitResult::parse("/p", br#"{"ID":5}"#, None).is_err());
    }

    #[test]
    fn header_query_parameters() {
        let q = HeaderQuery::uur()
            .filter(fields::SERIAL_NUMBER.eq("A'B"))
            .order_by("start desc")
            .expand("uurSubUnits")
            .expand("uurMiscInfo");
        let req = q.request(Some(5), None);
        let pairs: Vec<(&str, &str)> = req
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("reportType", "R"),
                ("$filter", "serialNumber eq 'A''B'"),
                ("$orderby", "start desc"),
                ("$expand", "uurSubUnits,uurMiscInfo"),
                ("$top", "5"),
            ]
        );
    }

    #[test]
    fn headers_read_both_spellings() {
        let h: ReportHeader = serde_json::from_str(
            r#"{"uuid":"33a2d408-3fc8-480b-b554-6866c77fd91c","start":"2026-01-30T22:01:41+01:00",
                "userName":"op","reportType":"T","result":"Passed","newKey":[1]}"#,
        )
        .unwrap();
        assert_eq!(h.operator(), Some("op"));
        assert!(h.start().is_some());
        assert_eq!(h.extra["newKey"], serde_json::json!([1]));
        let back = serde_json::to_value(&h).unwrap();
        assert_eq!(back["newKey"], serde_json::json!([1]));
        assert_eq!(back["start"], "2026-01-30T22:01:41+01:00");
        let h: ReportHeader =
            serde_json::from_str(r#"{"startUtc":"2026-01-30T21:01:41Z","operator":"py"}"#).unwrap();
        assert_eq!(h.operator(), Some("py"));
        assert!(h.start().is_some());
    }
}
