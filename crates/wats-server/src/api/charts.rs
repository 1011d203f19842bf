//! `GET /charts/*.svg`: the analytics as pictures, each from the same `WATSFilter` given as
//! query parameters (`?partNumber=PCB-%&testOperation=ICT&dateGrouping=DAY&periodCount=14`).

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::analytics::bounded;
use super::{json_body, Params};
use crate::charts::{self, HistogramInfo, ParetoBar, YieldPoint};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::store::analytics::{measurements, steps, yields};
use crate::AppState;
use wats_types::analytics::{DateGrouping, WatsFilter};

/// Adds the chart routes.
pub fn routes(router: OpenApiRouter<Arc<AppState>>) -> OpenApiRouter<Arc<AppState>> {
    router
        .routes(routes!(yield_chart))
        .routes(routes!(pareto_chart))
        .routes(routes!(histogram_chart))
}

/// Integer filter fields; the rest are text (booleans: `includeCurrentPeriod`).
const INT_FIELDS: [&str; 6] = [
    "yield",
    "periodCount",
    "maxCount",
    "minCount",
    "topCount",
    "run",
];

/// The filter given as query parameters (names as in the JSON filter, any case).
fn filter_from_query(query: Option<&str>) -> ApiResult<WatsFilter> {
    let params = Params::parse(query)?;
    let mut m = Map::new();
    for (k, v) in &params.0 {
        let value = if let Some(name) = INT_FIELDS.iter().find(|n| n.eq_ignore_ascii_case(k)) {
            let n: i64 = v.trim().parse().map_err(|_| {
                ApiError::bad_request(format!(
                    "The value '{v}' is not valid for {name}: expected an integer."
                ))
            })?;
            (name.to_string(), Value::from(n))
        } else if k.eq_ignore_ascii_case("includeCurrentPeriod") {
            let b = params.bool(k)?.unwrap_or(true);
            ("includeCurrentPeriod".to_owned(), Value::Bool(b))
        } else {
            (k.clone(), Value::String(v.clone()))
        };
        m.insert(value.0, value.1);
    }
    json_body(
        Value::Object(m).to_string().as_bytes(),
        "filter (query parameters)",
    )
}

fn svg(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        body,
    )
        .into_response()
}

/// The subject of a chart title: the part numbers and operation asked for.
fn subject(f: &WatsFilter) -> String {
    [
        f.part_number.as_deref(),
        f.test_operation.as_deref(),
        f.station_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ")
}

/// First-pass yield and TRY per period (`dateGrouping`, default DAY).
#[utoipa::path(get, path = "/charts/yield.svg", tag = "Charts",
    params(("dateGrouping" = Option<String>, Query, description = "HOUR…YEAR (default DAY); any WATSFilter field may be given")),
    responses((status = 200, description = "SVG", content_type = "image/svg+xml", body = String),
              (status = 400, body = ErrorBody)))]
pub async fn yield_chart(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let mut f = filter_from_query(query.as_deref())?;
    if f.date_grouping.is_none_or(|g| g == DateGrouping::NONE) {
        f.date_grouping = Some(DateGrouping::DAY);
    }
    f.dimensions = Some("period".into());
    let rows = bounded!(&state, |tx, backend| {
        yields::dynamic_yield(&mut tx, backend, &f, Utc::now()).await?
    })?;
    let points: Vec<YieldPoint> = rows
        .into_iter()
        .map(|r| YieldPoint {
            period: r.period.unwrap_or_default(),
            units: r.unit_count.unwrap_or(0),
            fpy: r.fpy,
            test_yield: r.test_yield,
        })
        .collect();
    Ok(svg(charts::yield_trend(
        &format!("Yield per period {}", subject(&f)),
        &points,
    )))
}

/// A Pareto of the steps failing most (`topCount`, default 10).
#[utoipa::path(get, path = "/charts/pareto.svg", tag = "Charts",
    params(("topCount" = Option<i32>, Query, description = "Bars (default 10); any WATSFilter field may be given")),
    responses((status = 200, description = "SVG", content_type = "image/svg+xml", body = String),
              (status = 400, body = ErrorBody)))]
pub async fn pareto_chart(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let f = filter_from_query(query.as_deref())?;
    let rows = bounded!(&state, |tx, backend| {
        steps::top_failed(&mut tx, backend, &f, Utc::now()).await?
    })?;
    let bars: Vec<ParetoBar> = rows
        .into_iter()
        .map(|r| ParetoBar {
            label: r.step_path.unwrap_or_default(),
            count: r.fail_count.unwrap_or(0),
        })
        .collect();
    Ok(svg(charts::pareto(
        &format!("Top failures {}", subject(&f)),
        &bars,
    )))
}

/// A histogram of one measurement path (`measurementPaths`), with its limits and Cpk.
#[utoipa::path(get, path = "/charts/histogram.svg", tag = "Charts",
    params(("measurementPaths" = String, Query, description = "One measurement path; any WATSFilter field may be given")),
    responses((status = 200, description = "SVG", content_type = "image/svg+xml", body = String),
              (status = 400, body = ErrorBody)))]
pub async fn histogram_chart(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let f = filter_from_query(query.as_deref())?;
    let paths = measurements::paths(None, &f)?;
    if paths.len() != 1 {
        return Err(ApiError::bad_request(format!(
            "A histogram shows one measurement path; measurementPaths names {}.",
            paths.len()
        )));
    }
    let now = Utc::now();
    let (values, agg) = bounded!(&state, |tx, backend| {
        (
            measurements::measurements(&mut tx, backend, &f, None, now).await?,
            measurements::aggregated(&mut tx, backend, &f, None, now).await?,
        )
    })?;
    let nums: Vec<f64> = values.iter().filter_map(|m| m.value).collect();
    let a = agg.into_iter().next().unwrap_or_default();
    let (low, high) = measurements::spec_limits(
        values
            .first()
            .and_then(|m| m.extra.get("compOp"))
            .and_then(Value::as_str),
        a.limit_low,
        a.limit_high,
    );
    let info = HistogramInfo {
        low,
        high,
        cpk: a.cpk,
        avg: a.avg,
    };
    Ok(svg(charts::histogram(
        &format!("{} {}", paths[0], subject(&f)),
        &nums,
        &info,
    )))
}
