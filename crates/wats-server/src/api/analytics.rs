//! The analytics calls of `/api/App/*` (and the internal `TopFailed`): yield, top failures,
//! step analysis and measurements. Each reads in one transaction; the computations are in
//! `store::analytics` (definitions in docs/sdk/analytics.md).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::Json;
use chrono::Utc;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{json_body, Params};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::store::analytics::reports::Kind;
use crate::store::analytics::{lists, measurements, reports, steps, yields};
use crate::store::product::ProductTx;
use crate::AppState;
use wats_types::analytics::{
    AggregatedMeasurement, AlarmLog, MeasurementData, MeasurementListItem, StepAnalysisRow,
    StepStatusItem, TopFailedStep, WatsFilter, YieldData,
};

/// Adds the analytics routes.
pub fn routes(router: OpenApiRouter<Arc<AppState>>) -> OpenApiRouter<Arc<AppState>> {
    router
        .routes(routes!(dynamic_yield))
        .routes(routes!(volume_yield_post, volume_yield_get))
        .routes(routes!(high_volume_post, high_volume_get))
        .routes(routes!(high_volume_by_group))
        .routes(routes!(worst_yield_post, worst_yield_get))
        .routes(routes!(worst_yield_by_group))
        .routes(routes!(top_failed_post, top_failed_get))
        .routes(routes!(internal_top_failed_post, internal_top_failed_get))
        .routes(routes!(test_step_analysis))
        .routes(routes!(measurements_post))
        .routes(routes!(aggregated_measurements))
        .routes(routes!(uut_report_post, uut_report_get))
        .routes(routes!(uur_report))
        .routes(routes!(serial_number_history))
        .routes(routes!(measurement_list_post, measurement_list_get))
        .routes(routes!(step_status_list_post, step_status_list_get))
        .routes(routes!(alarm_logs))
}

/// How long an analytics call may run before it is answered with a 400 naming the limit
/// (a filter that broad is the client's to narrow); PostgreSQL also stops the statement.
pub const QUERY_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The 400 of a call that ran past [`QUERY_LIMIT`].
pub fn over_limit() -> ApiError {
    ApiError::bad_request(format!(
        "The query ran past the limit of {} s: narrow the filter (dates, part number, \
         test operation).",
        QUERY_LIMIT.as_secs()
    ))
}

/// A read transaction for one analytics call, with the statement limit set on PostgreSQL.
pub async fn open_read(state: &AppState) -> ApiResult<ProductTx<'_>> {
    let mut tx = state.store.product_read().await?;
    // A second past ours, so our answer (naming the limit) comes first.
    tx.limit_statements(QUERY_LIMIT + std::time::Duration::from_secs(1))
        .await?;
    Ok(tx)
}

/// Runs `$body` (which uses `$tx` and `$backend`) in one read transaction, within
/// [`QUERY_LIMIT`].
macro_rules! bounded {
    ($state:expr, |$tx:ident, $backend:ident| $body:expr) => {{
        let state: &AppState = $state;
        let work = async {
            let mut $tx = crate::api::analytics::open_read(state).await?;
            let $backend = state.store.backend();
            let out = $body;
            $tx.commit().await?;
            Ok::<_, crate::error::ApiError>(out)
        };
        match tokio::time::timeout(crate::api::analytics::QUERY_LIMIT, work).await {
            Ok(r) => r,
            Err(_) => Err(crate::api::analytics::over_limit()),
        }
    }};
}
pub(crate) use bounded;

/// The filter in a request body; an empty body is the empty filter.
fn filter_body(body: &[u8]) -> ApiResult<WatsFilter> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(WatsFilter::default());
    }
    json_body(body, "filter")
}

/// The filter of a GET form: `productGroup`/`productGroupId`, `level`/`levelId`, `days`,
/// `dateFrom`, `dateTo`, `partNumber`, `revision`, `serialNumber`, `batchNumber`,
/// `stationName`, `testOperation`, `status`, `processCode`, `topCount`/`count`.
/// `None` when an id names nothing, so the answer is empty.
async fn filter_query(state: &AppState, query: Option<&str>) -> ApiResult<Option<WatsFilter>> {
    let p = Params::parse(query)?;
    let text = |n: &str| p.get(n).filter(|v| !v.trim().is_empty()).map(str::to_owned);
    let mut f = WatsFilter {
        part_number: text("partNumber"),
        revision: text("revision"),
        serial_number: text("serialNumber"),
        status: text("status"),
        product_group: text("productGroup"),
        level: text("level"),
        batch_number: text("batchNumber"),
        station_name: text("stationName"),
        test_operation: text("testOperation"),
        date_from: text("dateFrom"),
        date_to: text("dateTo"),
        ..Default::default()
    };
    for name in ["topCount", "count"] {
        if let Some(n) = p.int(name)? {
            f.top_count = Some(i32::try_from(n).map_err(|_| {
                ApiError::bad_request(format!("The value {n} is out of range for {name}."))
            })?);
        }
    }
    if let Some(days) = p.int("days")? {
        if !(1..=36_600).contains(&days) {
            return Err(ApiError::bad_request(format!(
                "Impossible period: days is {days}, expected 1..36600."
            )));
        }
        f.date_from = Some((Utc::now() - chrono::Duration::days(days)).to_rfc3339());
    }
    if let Some(id) = text("productGroupId") {
        let mut tx = state.store.product_read().await?;
        // Only a name lookup: no statement limit needed.
        match tx.group_named(&id).await {
            Ok(g) => f.product_group = g.product_group_name,
            Err(ApiError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    if let Some(id) = p.int("levelId")? {
        match state.store.levels().await?.into_iter().find(|l| l.0 == id) {
            Some((_, name)) => f.level = Some(name),
            None => return Ok(None),
        }
    }
    if let Some(code) = p.int("processCode")? {
        match state.store.process_by_code(code).await? {
            Some(proc_) => f.test_operation = Some(proc_.name),
            None => return Ok(None),
        }
    }
    Ok(Some(f))
}

async fn yield_rows(state: &AppState, f: &WatsFilter) -> ApiResult<Vec<YieldData>> {
    let rows = bounded!(state, |tx, backend| yields::dynamic_yield(
        &mut tx,
        backend,
        f,
        Utc::now()
    )
    .await?)?;
    Ok(rows)
}

/// A yield list with fixed dimensions (the volume/worst lists): only rows with units.
async fn preset(
    state: &AppState,
    f: Option<WatsFilter>,
    dimensions: &str,
    top: Option<i32>,
) -> ApiResult<Json<Vec<YieldData>>> {
    let Some(mut f) = f else {
        return Ok(Json(Vec::new()));
    };
    f.dimensions = Some(dimensions.to_owned());
    f.top_count = f.top_count.filter(|n| *n != 0).or(top);
    f.min_count = Some(f.min_count.unwrap_or(1).max(1));
    Ok(Json(yield_rows(state, &f).await?))
}

/// Yield by custom dimensions (`dimensions` in the query, else in the filter).
#[utoipa::path(post, path = "/api/App/DynamicYield", tag = "App", request_body = WatsFilter,
    params(("dimensions" = Option<String>, Query, description = "`;`-separated dimensions and KPIs, each optionally `asc`/`desc`")),
    responses((status = 200, body = Vec<YieldData>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub async fn dynamic_yield(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<Json<Vec<YieldData>>> {
    let mut f = filter_body(&body)?;
    let params = Params::parse(query.as_deref())?;
    if let Some(d) = params.get("dimensions").filter(|d| !d.trim().is_empty()) {
        f.dimensions = Some(d.to_owned());
    }
    Ok(Json(yield_rows(&state, &f).await?))
}

const VOLUME: &str = "unitCount desc;partNumber;testOperation";
const VOLUME_BY_GROUP: &str = "unitCount desc;productGroup;testOperation";
const WORST: &str = "fpy asc;unitCount desc;partNumber;testOperation";
const WORST_BY_GROUP: &str = "fpy asc;unitCount desc;productGroup;testOperation";

/// Declares a handler taking the filter as a POST body (`post`) or as GET query
/// parameters (`get`, see [`filter_query`]), answering `$answer(&state, filter)`.
macro_rules! handler {
    ($(#[$doc:meta])* post $name:ident, $path:tt, $out:ident, $answer:expr) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "App", request_body = WatsFilter,
            responses((status = 200, body = Vec<$out>), (status = 400, body = ErrorBody),
                      (status = 401, body = ErrorBody)))]
        pub async fn $name(
            State(state): State<Arc<AppState>>,
            body: Bytes,
        ) -> ApiResult<Json<Vec<$out>>> {
            ($answer)(&state, Some(filter_body(&body)?)).await
        }
    };
    ($(#[$doc:meta])* get $name:ident, $path:tt, $out:ident, $answer:expr) => {
        $(#[$doc])*
        #[utoipa::path(get, path = $path, tag = "App",
            params(("partNumber" = Option<String>, Query, description = "Part number"),
                   ("revision" = Option<String>, Query, description = "Revision"),
                   ("productGroup" = Option<String>, Query, description = "Product group name"),
                   ("productGroupId" = Option<String>, Query, description = "Product group id"),
                   ("level" = Option<String>, Query, description = "Level name"),
                   ("levelId" = Option<i32>, Query, description = "Level id"),
                   ("processCode" = Option<i32>, Query, description = "Process code"),
                   ("days" = Option<i32>, Query, description = "Days back from now"),
                   ("topCount" = Option<i32>, Query, description = "Rows (also `count`)")),
            responses((status = 200, body = Vec<$out>), (status = 400, body = ErrorBody),
                      (status = 401, body = ErrorBody)))]
        pub async fn $name(
            State(state): State<Arc<AppState>>,
            RawQuery(query): RawQuery,
        ) -> ApiResult<Json<Vec<$out>>> {
            let f = filter_query(&state, query.as_deref()).await?;
            ($answer)(&state, f).await
        }
    };
}

handler!(
    /// Yield and volume per part number and process, by volume.
    post volume_yield_post, "/api/App/VolumeYield", YieldData,
    async |s: &AppState, f| preset(s, f, VOLUME, None).await);
handler!(
    /// [`volume_yield_post`] with query parameters.
    get volume_yield_get, "/api/App/VolumeYield", YieldData,
    async |s: &AppState, f| preset(s, f, VOLUME, None).await);
handler!(
    /// The highest-volume part numbers and processes (`topCount`, default 10).
    post high_volume_post, "/api/App/HighVolume", YieldData,
    async |s: &AppState, f| preset(s, f, VOLUME, Some(10)).await);
handler!(
    /// [`high_volume_post`] with query parameters.
    get high_volume_get, "/api/App/HighVolume", YieldData,
    async |s: &AppState, f| preset(s, f, VOLUME, Some(10)).await);
handler!(
    /// The highest-volume product groups and processes.
    post high_volume_by_group, "/api/App/HighVolumeByProductGroup", YieldData,
    async |s: &AppState, f| preset(s, f, VOLUME_BY_GROUP, Some(10)).await);
handler!(
    /// The lowest first-pass yields (`topCount`, default 10).
    post worst_yield_post, "/api/App/WorstYield", YieldData,
    async |s: &AppState, f| preset(s, f, WORST, Some(10)).await);
handler!(
    /// [`worst_yield_post`] with query parameters.
    get worst_yield_get, "/api/App/WorstYield", YieldData,
    async |s: &AppState, f| preset(s, f, WORST, Some(10)).await);
handler!(
    /// The lowest first-pass yields per product group and process.
    post worst_yield_by_group, "/api/App/WorstYieldByProductGroup", YieldData,
    async |s: &AppState, f| preset(s, f, WORST_BY_GROUP, Some(10)).await);

async fn top_failed(
    state: &AppState,
    f: Option<WatsFilter>,
) -> ApiResult<Json<Vec<TopFailedStep>>> {
    let Some(f) = f else {
        return Ok(Json(Vec::new()));
    };
    let rows = bounded!(state, |tx, backend| steps::top_failed(
        &mut tx,
        backend,
        &f,
        Utc::now()
    )
    .await?)?;
    Ok(Json(rows))
}

handler!(
    /// The steps that failed in most reports (`topCount`, default 10).
    post top_failed_post, "/api/App/TopFailed", TopFailedStep, top_failed);
handler!(
    /// [`top_failed_post`] with query parameters.
    get top_failed_get, "/api/App/TopFailed", TopFailedStep, top_failed);
handler!(
    /// The internal `TopFailed` (a filter with `topCount`).
    post internal_top_failed_post, "/api/internal/App/TopFailed", TopFailedStep, top_failed);
handler!(
    /// The internal `TopFailed` with query parameters (`processCode`, `productGroupId`,
    /// `levelId`, `days`, `count`).
    get internal_top_failed_get, "/api/internal/App/TopFailed", TopFailedStep, top_failed);

/// Step and measurement statistics for one part number and test operation.
#[utoipa::path(post, path = "/api/App/TestStepAnalysis", tag = "App", request_body = WatsFilter,
    responses((status = 200, body = Vec<StepAnalysisRow>), (status = 400, body = ErrorBody)))]
pub async fn test_step_analysis(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<Vec<StepAnalysisRow>>> {
    let f = filter_body(&body)?;
    let rows = bounded!(&state, |tx, backend| steps::step_analysis(
        &mut tx,
        backend,
        &f,
        Utc::now()
    )
    .await?)?;
    Ok(Json(rows))
}

/// Numeric measurements at the given paths, newest first (at most 10000).
#[utoipa::path(post, path = "/api/App/Measurements", tag = "App", request_body = WatsFilter,
    params(("measurementPaths" = Option<String>, Query, description = "`;`-separated paths")),
    responses((status = 200, body = Vec<MeasurementData>), (status = 400, body = ErrorBody)))]
pub async fn measurements_post(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<Json<Vec<MeasurementData>>> {
    let f = filter_body(&body)?;
    let params = Params::parse(query.as_deref())?;
    let paths = params.get("measurementPaths");
    let rows = bounded!(&state, |tx, backend| {
        measurements::measurements(&mut tx, backend, &f, paths, Utc::now()).await?
    })?;
    Ok(Json(rows))
}

/// Statistics of the numeric measurements at the given paths, one row per path.
#[utoipa::path(post, path = "/api/App/AggregatedMeasurements", tag = "App",
    request_body = WatsFilter,
    params(("measurementPaths" = Option<String>, Query, description = "`;`-separated paths")),
    responses((status = 200, body = Vec<AggregatedMeasurement>), (status = 400, body = ErrorBody)))]
pub async fn aggregated_measurements(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<Json<Vec<AggregatedMeasurement>>> {
    let f = filter_body(&body)?;
    let params = Params::parse(query.as_deref())?;
    let paths = params.get("measurementPaths");
    let rows = bounded!(&state, |tx, backend| {
        measurements::aggregated(&mut tx, backend, &f, paths, Utc::now()).await?
    })?;
    Ok(Json(rows))
}

async fn report_list(
    state: &AppState,
    f: Option<WatsFilter>,
    kind: Kind,
) -> ApiResult<Json<Vec<serde_json::Value>>> {
    let Some(f) = f else {
        return Ok(Json(Vec::new()));
    };
    let rows = bounded!(state, |tx, backend| reports::report_list(
        &mut tx,
        backend,
        &f,
        kind,
        Utc::now()
    )
    .await?)?;
    Ok(Json(rows))
}

handler!(
    /// UUT report headers, newest first (`topCount`, default 1000).
    post uut_report_post, "/api/App/UutReport", Value,
    async |s: &AppState, f| report_list(s, f, Kind::Uut).await);
handler!(
    /// [`uut_report_post`] with query parameters.
    get uut_report_get, "/api/App/UutReport", Value,
    async |s: &AppState, f| report_list(s, f, Kind::Uut).await);
handler!(
    /// UUR (repair) report headers, newest first.
    post uur_report, "/api/App/UurReport", Value,
    async |s: &AppState, f| report_list(s, f, Kind::Uur).await);
handler!(
    /// Every report (UUT and UUR) of the matching units, oldest first; the date range only
    /// when the filter gives one.
    post serial_number_history, "/api/App/SerialNumberHistory", Value,
    async |s: &AppState, f| report_list(s, f, Kind::History).await);

/// Declares the POST (filter body) and GET (query parameters, see [`filter_query`]) forms of
/// an internal list taking `stepFilters`/`sequenceFilters`, answering `$list(tx, backend,
/// filter, now)`.
macro_rules! internal_list {
    ($(#[$doc:meta])* $post:ident, $get:ident, $path:tt, $out:ident, $list:path) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "App", request_body = WatsFilter,
            params(("stepFilters" = Option<String>, Query, description = "Must be empty (WATS's XML format is not published)"),
                   ("sequenceFilters" = Option<String>, Query, description = "Must be empty")),
            responses((status = 200, body = Vec<$out>), (status = 400, body = ErrorBody),
                      (status = 401, body = ErrorBody)))]
        pub async fn $post(
            State(state): State<Arc<AppState>>,
            RawQuery(query): RawQuery,
            body: Bytes,
        ) -> ApiResult<Json<Vec<$out>>> {
            let params = Params::parse(query.as_deref())?;
            lists::refuse_xml_filters(params.get("stepFilters"), params.get("sequenceFilters"))?;
            let f = filter_body(&body)?;
            let rows = bounded!(&state, |tx, backend| $list(&mut tx, backend, &f, Utc::now())
                .await?)?;
            Ok(Json(rows))
        }

        $(#[$doc])*
        #[utoipa::path(get, path = $path, tag = "App",
            params(("productGroupId" = Option<String>, Query, description = "Product group id"),
                   ("levelId" = Option<i32>, Query, description = "Level id"),
                   ("days" = Option<i32>, Query, description = "Days back from now"),
                   ("stepFilters" = Option<String>, Query, description = "Must be empty (WATS's XML format is not published)"),
                   ("sequenceFilters" = Option<String>, Query, description = "Must be empty")),
            responses((status = 200, body = Vec<$out>), (status = 400, body = ErrorBody),
                      (status = 401, body = ErrorBody)))]
        pub async fn $get(
            State(state): State<Arc<AppState>>,
            RawQuery(query): RawQuery,
        ) -> ApiResult<Json<Vec<$out>>> {
            let params = Params::parse(query.as_deref())?;
            lists::refuse_xml_filters(params.get("stepFilters"), params.get("sequenceFilters"))?;
            let Some(f) = filter_query(&state, query.as_deref()).await? else {
                return Ok(Json(Vec::new()));
            };
            let rows = bounded!(&state, |tx, backend| $list(&mut tx, backend, &f, Utc::now())
                .await?)?;
            Ok(Json(rows))
        }
    };
}

internal_list!(
    /// Every measurement of the matching UUT reports, newest first (internal; at most
    /// `maxCount`, default 10000).
    measurement_list_post, measurement_list_get, "/api/internal/App/MeasurementList",
    MeasurementListItem, lists::measurement_list);
internal_list!(
    /// Per step path, its executions by status in the newest matching UUT reports and its
    /// newest execution (internal).
    step_status_list_post, step_status_list_get, "/api/internal/App/StepStatusList",
    StepStatusItem, lists::step_status_list);

/// Alarm and notification logs (internal). This server has no triggers (alarms are
/// configured in WATS's web application), so it has logged none: the answer is the empty
/// list WATS gives when no alarm fired. The filter (`dateFrom`, `dateTo`, `topCount`,
/// `productGroup`, `level`) and `includeTypes` are still checked.
#[utoipa::path(post, path = "/api/internal/Trigger/GetAlarmAndNotificationLogs", tag = "App",
    request_body = WatsFilter,
    params(("includeTypes" = Option<String>, Query, description = "`;`-separated alarm types 1..5"),
           ("includeCalculationString" = Option<bool>, Query, description = "Include the calculation string")),
    responses((status = 200, body = Vec<AlarmLog>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub async fn alarm_logs(RawQuery(query): RawQuery, body: Bytes) -> ApiResult<Json<Vec<AlarmLog>>> {
    let params = Params::parse(query.as_deref())?;
    for t in params
        .get("includeTypes")
        .unwrap_or_default()
        .split(';')
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if !matches!(t.parse::<i32>(), Ok(1..=5)) {
            return Err(ApiError::bad_request(format!(
                "includeTypes has an unknown alarm type '{t}': expected 1 (report), 2 (yield \
                 and volume), 3 (serial number), 4 (measurement) or 5 (asset)."
            )));
        }
    }
    params.bool("includeCalculationString")?;
    let f = filter_body(&body)?;
    yields::row_limit(f.top_count, None)?;
    crate::store::analytics::filter::Criteria::parse(&f, Utc::now())?;
    Ok(Json(Vec::new()))
}
