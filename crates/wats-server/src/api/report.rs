//! `/api/Report/*`: submit and fetch reports, query headers, attachments, certificate.

use std::io::Write as _;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine as _;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use wats_report::{Report, ReportType, Step, StepKind, Timestamp, UurReference};

use super::{parse_uuid, Params};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::odata::{QueryOptions, MAX_TOP};
use crate::store::query::QueryError;
use crate::AppState;

/// What `POST /api/Report/WSJF` and `WSXF` answer.
#[derive(Serialize, ToSchema)]
pub struct InsertReportResult {
    /// Source id of the report.
    #[serde(rename = "ID")]
    pub id: uuid::Uuid,
    /// Destination id (the same: ids are kept).
    pub uuid: uuid::Uuid,
    /// Legacy numeric report id (the processing order).
    #[serde(rename = "Report_ID")]
    pub report_id: i64,
}

async fn insert(
    state: &AppState,
    report: Report,
    user: &str,
    counter: &std::sync::atomic::AtomicU64,
) -> ApiResult<Json<InsertReportResult>> {
    let processes = state.store.processes().await?;
    let prepared = crate::ingest::prepare(report, &processes, user)?;
    super::repair::check_uur(state, &prepared.report).await?;
    let document = wats_report::wsjf::to_string(&prepared.report);
    let id = prepared.report.id.unwrap_or_default();
    let measurements = prepared.measurements.len();
    let counted_assets = (prepared.header.report_type == "T" && !prepared.assets.is_empty())
        .then(|| (prepared.assets.clone(), prepared.header.start_utc));
    let inserted = state.store.save_report(prepared, &document).await?;
    if let Some((assets, start)) = counted_assets {
        // A report counts its assets once per id (the store remembers which were counted),
        // so a resubmission adds nothing, and one after a crash between the two writes still
        // counts. A failure here is logged and answered as the server's error, so the station
        // sends the report again and the count is retried.
        if let Err(e) = state
            .store
            .count_report_assets(&assets, start, user, &id.to_string())
            .await
        {
            tracing::error!(%id, error = %e, "the report's asset counts were not updated");
            return Err(e);
        }
    }
    counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tracing::info!(%id, replaced = inserted.replaced, measurements, "report stored");
    Ok(Json(InsertReportResult {
        id,
        uuid: id,
        report_id: inserted.seq,
    }))
}

fn read_error(e: wats_report::ReadError) -> ApiError {
    ApiError::bad_request(format!("Invalid report: {e}"))
}

/// Submits one report in WSJF (JSON). A report with an existing id replaces it.
#[utoipa::path(post, path = "/api/Report/WSJF", tag = "Report",
    request_body(content = Object, description = "One WSJF report (UUT or UUR)", content_type = "application/json"),
    responses((status = 200, body = InsertReportResult), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub async fn post_wsjf(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    body: Bytes,
) -> ApiResult<Json<InsertReportResult>> {
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::bad_request(
            "Invalid report: expected one report (a JSON object), not an array",
        ));
    }
    let report = wats_report::wsjf::from_slice(&body).map_err(read_error)?;
    insert(&state, report, &user, &state.metrics.reports_wsjf).await
}

/// Submits one report in WSXF (XML). A report with an existing id replaces it.
#[utoipa::path(post, path = "/api/Report/WSXF", tag = "Report",
    request_body(content = String, description = "One WSXF report", content_type = "application/xml"),
    responses((status = 200, body = InsertReportResult), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub async fn post_wsxf(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    body: Bytes,
) -> ApiResult<Json<InsertReportResult>> {
    let report = wats_report::wsxf::from_slice(&body).map_err(read_error)?;
    insert(&state, report, &user, &state.metrics.reports_wsxf).await
}

/// The detail options of a report fetch.
#[derive(Clone, Copy, Debug)]
pub struct Detail {
    /// 0 (identifying data) … 7 (full report).
    pub level: i64,
    /// Keep chart series.
    pub charts: bool,
    /// Keep attachment content.
    pub attachments: bool,
}

impl Detail {
    fn from_params(p: &Params) -> ApiResult<Detail> {
        let level = p.int("detailLevel")?.unwrap_or(7);
        if !(0..=7).contains(&level) {
            return Err(ApiError::bad_request(format!(
                "detailLevel must be 0 to 7, not {level}"
            )));
        }
        Ok(Detail {
            level,
            charts: p.bool("includeChartdata")?.unwrap_or(true),
            attachments: p.bool("includeAttachments")?.unwrap_or(true),
        })
    }
}

/// Trims a report to a detail level:
///
/// * 0: identifying header (ids, part, serial, process, result, station, times);
/// * 1: + the `uut`/`uur` header, misc infos, sub units, assets, additional data;
/// * 2: + the sequence-call skeleton of the step tree;
/// * 3: + every step, without measurements;
/// * 4: + measurements and attachments;
/// * 5: + additional results and the call-executable / message-popup payloads;
/// * 6–7: + charts (7 is the full report).
///
/// `attachments == false` drops attachment content (levels 4–7), `charts == false` drops
/// chart series.
pub fn apply_detail(report: &mut Report, d: Detail) {
    if d.level < 1 {
        report.uut = None;
        report.uur = None;
        report.misc_infos = None;
        report.sub_units = None;
        report.assets = None;
        report.asset_stats = None;
        report.additional_data = None;
    }
    if d.level < 2 {
        report.root = None;
    }
    if d.level < 4 {
        report.binary_data = None;
    } else if !d.attachments {
        for b in report.binary_data.iter_mut().flatten() {
            b.data = None;
        }
    }
    if let Some(root) = &mut report.root {
        trim_step(root, d);
    }
}

fn trim_step(step: &mut Step, d: Detail) {
    if d.level < 3 {
        if let Some(children) = &mut step.steps {
            children.retain(|c| c.kind() == StepKind::Sequence);
        }
    }
    if d.level < 4 {
        step.numeric_meas = None;
        step.boolean_meas = None;
        step.string_meas = None;
        step.attachment = None;
    } else if !d.attachments {
        if let Some(a) = &mut step.attachment {
            a.data = None;
        }
    }
    if d.level < 5 {
        step.additional_results = None;
        step.call_exe = None;
        step.message_popup = None;
    }
    if d.level < 6 {
        step.chart = None;
    } else if !d.charts {
        if let Some(c) = &mut step.chart {
            c.series = None;
        }
    }
    for child in step.steps.iter_mut().flatten() {
        trim_step(child, d);
    }
}

/// A stored report, read back, with its share of the memory budget (held until the answer is
/// built: reading a report back costs about as much as storing it).
async fn load<'s>(
    state: &'s AppState,
    id: &str,
) -> ApiResult<(uuid::Uuid, Report, crate::budget::Held<'s>)> {
    let id = parse_uuid(id, "id")?;
    let key = id.hyphenated().to_string();
    let doc = state
        .store
        .report_document(&key)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Report {id} not found")))?;
    let held = state.budget.hold(doc.len()).await?;
    let mut report = wats_report::wsjf::from_str(&doc).map_err(|e| {
        ApiError::Internal(anyhow::anyhow!("stored report {id} is unreadable: {e}"))
    })?;
    if report.report_type == Some(ReportType::Uut) {
        let refs = state.store.referencing_uurs(&key).await?;
        if !refs.is_empty() {
            if let Some(uut) = &mut report.uut {
                uut.referenced_by_uurs = Some(
                    refs.into_iter()
                        .map(|(rid, start)| UurReference {
                            id: uuid::Uuid::parse_str(&rid).ok(),
                            start: Timestamp::parse(&start).ok(),
                            ..Default::default()
                        })
                        .collect(),
                );
            }
        }
    }
    Ok((id, report, held))
}

/// A report in WSJF.
#[utoipa::path(get, path = "/api/Report/Wsjf/{id}", tag = "Report",
    params(("id" = uuid::Uuid, Path, description = "Report id"),
           ("detailLevel" = Option<i32>, Query, description = "0 (identifying data) to 7 (full report, the default)"),
           ("includeChartdata" = Option<bool>, Query, description = "Include chart data (default true)"),
           ("includeAttachments" = Option<bool>, Query, description = "Include attachment data (default true)")),
    responses((status = 200, description = "The report", body = Object),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_wsjf(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let detail = Detail::from_params(&Params::parse(query.as_deref())?)?;
    let (_, mut report, _held) = load(&state, &id).await?;
    apply_detail(&mut report, detail);
    Ok((
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        wats_report::wsjf::to_string(&report),
    )
        .into_response())
}

/// A report in WSXF.
#[utoipa::path(get, path = "/api/Report/Wsxf/{id}", tag = "Report",
    params(("id" = uuid::Uuid, Path, description = "Report id"),
           ("detailLevel" = Option<i32>, Query, description = "0 (identifying data) to 7 (full report, the default)"),
           ("includeAttachments" = Option<bool>, Query, description = "Include attachment data (default true)"),
           ("includeChartdata" = Option<bool>, Query, description = "Include chart data (default true)"),
           ("includeIndexes" = Option<bool>, Query, description = "Accepted; indexes are always written")),
    responses((status = 200, description = "The report", body = String, content_type = "application/xml"),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_wsxf(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let params = Params::parse(query.as_deref())?;
    params.bool("includeIndexes")?;
    let detail = Detail::from_params(&params)?;
    let (_, mut report, _held) = load(&state, &id).await?;
    apply_detail(&mut report, detail);
    Ok((
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        wats_report::wsxf::to_string(&report),
    )
        .into_response())
}

fn query_error(e: QueryError) -> ApiError {
    match e {
        QueryError::OData(e) => ApiError::bad_request(e.to_string()),
        QueryError::Db(e) => e.into(),
    }
}

/// Report headers matching OData options (default: the 10 most recent).
#[utoipa::path(get, path = "/api/Report/Query/Header", tag = "Report",
    params(("reportType" = Option<String>, Query, description = "U (test reports) or R (repair reports)"),
           ("$filter" = Option<String>, Query, description = "OData filter: eq ne gt ge lt le in, and or not, contains startswith endswith, any/all on subUnits and miscInfo"),
           ("$top" = Option<i64>, Query, description = "At most 10000 (default 10)"),
           ("$skip" = Option<i64>, Query, description = "Rows to skip"),
           ("$orderby" = Option<String>, Query, description = "e.g. start desc (the default)"),
           ("$select" = Option<String>, Query, description = "Properties to return"),
           ("$expand" = Option<String>, Query, description = "subUnits, miscInfo, assets, attachments, uurSubUnits, uurMiscInfo, uurAttachments")),
    responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub async fn query_header(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<Value>>> {
    let params = Params::parse(query.as_deref())?;
    let options = QueryOptions::from_params(params.0.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let report_type = match params.get("reportType").map(str::trim) {
        None | Some("") => None,
        Some(t)
            if t.eq_ignore_ascii_case("U")
                || t.eq_ignore_ascii_case("T")
                || t.eq_ignore_ascii_case("UUT") =>
        {
            Some("T")
        }
        Some(t) if t.eq_ignore_ascii_case("R") || t.eq_ignore_ascii_case("UUR") => Some("R"),
        Some(t) => {
            return Err(ApiError::bad_request(format!(
                "reportType must be U or R, not '{t}'"
            )))
        }
    };
    let rows = state
        .store
        .query_headers(&options, report_type)
        .await
        .map_err(query_error)?;
    Ok(Json(rows))
}

/// Report headers by misc info.
#[utoipa::path(get, path = "/api/Report/Query/HeaderByMiscInfo", tag = "Report",
    params(("processCode" = Option<i32>, Query, description = "Report's process code"),
           ("serialNumber" = Option<String>, Query, description = "Report serial number"),
           ("description" = Option<String>, Query, description = "Misc info description"),
           ("data" = Option<String>, Query, description = "Misc info value (pyWATS sends it as stringValue)"),
           ("$top" = Option<i64>, Query, description = "At most 10000 (default 1000)")),
    responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub async fn header_by_misc_info(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<Value>>> {
    let p = Params::parse(query.as_deref())?;
    let description = p.get("description");
    let value = p.get("data").or_else(|| p.get("stringValue"));
    if description.is_none() && value.is_none() {
        return Err(ApiError::bad_request("description or data is required"));
    }
    let top = p.int("$top")?.unwrap_or(1000);
    if !(0..=MAX_TOP).contains(&top) {
        return Err(ApiError::bad_request(format!(
            "$top must be 0 to {MAX_TOP}"
        )));
    }
    let rows = state
        .store
        .headers_by_misc_info(
            description,
            value,
            p.get("serialNumber"),
            p.int("processCode")?,
            top,
        )
        .await?;
    Ok(Json(rows))
}

/// An attachment's bytes, name and type.
struct File {
    name: String,
    content_type: String,
    data: Vec<u8>,
}

fn decode(data: Option<&str>, what: &str) -> ApiResult<Vec<u8>> {
    let text: String = data
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    // Lenient on the unused bits, as .NET is: reports stored before submissions were checked
    // for canonical base64 must stay readable.
    const LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    );
    LENIENT
        .decode(text)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{what}: stored data is not base64: {e}")))
}

/// The stored content type, or `application/octet-stream` when it cannot be a header (stored
/// before content types were checked on submit).
fn content_type(stored: Option<&str>) -> String {
    stored
        .filter(|ct| crate::content::is_media_type(ct))
        .unwrap_or("application/octet-stream")
        .to_owned()
}

/// An attachment with the step id (test report) or the attachment id (repair report) it is
/// found by.
type Located = (Option<i64>, Option<uuid::Uuid>, File);

fn files(report: &Report) -> ApiResult<Vec<Located>> {
    let mut out = Vec::new();
    for b in report.binary_data.iter().flatten() {
        out.push((
            None,
            b.id,
            File {
                name: b.name.clone().unwrap_or_else(|| "attachment".into()),
                content_type: content_type(b.content_type.as_deref()),
                data: decode(b.data.as_deref(), "binaryData")?,
            },
        ));
    }
    for step in report.steps() {
        if let Some(a) = step.attachment.as_deref() {
            out.push((
                step.id,
                None,
                File {
                    name: a.name.clone().unwrap_or_else(|| "attachment".into()),
                    content_type: content_type(a.content_type.as_deref()),
                    data: decode(a.data.as_deref(), "attachment")?,
                },
            ));
        }
    }
    Ok(out)
}

fn content_disposition(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("attachment; filename=\"{safe}\"")
}

/// One attachment: of a repair report by `attachmentId`, of a test report by `stepId`.
#[utoipa::path(get, path = "/api/Report/Attachment", tag = "Report",
    params(("reportId" = uuid::Uuid, Query, description = "Report id"),
           ("attachmentId" = Option<uuid::Uuid>, Query, description = "Repair report: binaryData id"),
           ("stepId" = Option<i32>, Query, description = "Test report: id of the step holding the attachment")),
    responses((status = 200, description = "The attachment's content", body = Vec<u8>, content_type = "application/octet-stream"),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn attachment(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let p = Params::parse(query.as_deref())?;
    let report_id = p
        .get("reportId")
        .ok_or_else(|| ApiError::bad_request("reportId is required"))?
        .to_owned();
    let attachment_id = p.uuid("attachmentId")?;
    let step_id = p.int("stepId")?;
    if attachment_id.is_none() && step_id.is_none() {
        return Err(ApiError::bad_request("attachmentId or stepId is required"));
    }
    let (id, report, _held) = load(&state, &report_id).await?;
    let found = files(&report)?.into_iter().find(|(s, a, _)| {
        (step_id.is_some() && *s == step_id) || (attachment_id.is_some() && *a == attachment_id)
    });
    let (_, _, file) =
        found.ok_or_else(|| ApiError::not_found(format!("Report {id} has no such attachment")))?;
    Ok((
        [
            (header::CONTENT_TYPE, file.content_type),
            (header::CONTENT_DISPOSITION, content_disposition(&file.name)),
        ],
        file.data,
    )
        .into_response())
}

/// All attachments of a report as a zip archive.
#[utoipa::path(get, path = "/api/Report/Attachments/{id}", tag = "Report",
    params(("id" = uuid::Uuid, Path, description = "Report id")),
    responses((status = 200, description = "A zip archive", body = Vec<u8>, content_type = "application/zip"),
              (status = 404, body = ErrorBody)))]
pub async fn attachments_zip(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (id, report, _held) = load(&state, &id).await?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut used = std::collections::HashSet::new();
    let zerr = |e: zip::result::ZipError| ApiError::Internal(e.into());
    for (step, _, file) in files(&report)? {
        let base = file.name.replace(['/', '\\'], "_");
        let mut name = match step {
            Some(s) => format!("{s}_{base}"),
            None => base.clone(),
        };
        let mut n = 1;
        while !used.insert(name.clone()) {
            n += 1;
            name = format!("{n}_{base}");
        }
        zip.start_file(name, options).map_err(zerr)?;
        zip.write_all(&file.data)
            .map_err(|e| ApiError::Internal(e.into()))?;
    }
    let bytes = zip.finish().map_err(zerr)?.into_inner();
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(&format!("{id}.zip")),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A plain-text test certificate of a report: the unit, the operation, the verdict and the
/// top-level results.
#[utoipa::path(get, path = "/api/Report/Certificate/{id}", tag = "Report",
    params(("id" = uuid::Uuid, Path, description = "Report id")),
    responses((status = 200, description = "The certificate", body = String, content_type = "text/plain"),
              (status = 404, body = ErrorBody)))]
pub async fn certificate(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (id, report, _held) = load(&state, &id).await?;
    let text = certificate_text(id, &report);
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(&format!("{id}.txt")),
            ),
        ],
        text,
    )
        .into_response())
}

/// The certificate's text.
pub fn certificate_text(id: uuid::Uuid, r: &Report) -> String {
    let v = |s: &Option<String>| s.clone().unwrap_or_default();
    let kind = if r.is_uur() {
        "REPAIR CERTIFICATE"
    } else {
        "TEST CERTIFICATE"
    };
    let mut out = format!("{kind}\n{}\n\n", "=".repeat(kind.len()));
    let mut line = |k: &str, val: String| out.push_str(&format!("{k:<16}{val}\n"));
    line("Report", id.to_string());
    line("Part number", v(&r.pn));
    line("Revision", v(&r.rev));
    line("Serial number", v(&r.sn));
    line(
        "Operation",
        format!(
            "{} {}",
            r.process_code.unwrap_or_default(),
            v(&r.process_name)
        ),
    );
    line(
        "Result",
        r.result.map(|s| s.word().to_owned()).unwrap_or_default(),
    );
    line("Start", r.start.map(|t| t.to_string()).unwrap_or_default());
    line("Station", v(&r.machine_name));
    line("Location", v(&r.location));
    let operator = r
        .uut
        .as_ref()
        .and_then(|u| u.user.clone())
        .or_else(|| r.uur.as_ref().and_then(|u| u.user.clone()));
    line("Operator", operator.unwrap_or_default());
    if let Some(root) = &r.root {
        out.push_str("\nResults\n-------\n");
        for s in root.children() {
            out.push_str(&format!(
                "{:<60} {}\n",
                s.name.clone().unwrap_or_default(),
                s.status.map(|x| x.word()).unwrap_or("")
            ));
        }
    }
    out
}
