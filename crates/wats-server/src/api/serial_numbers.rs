//! Serial numbers: `/api/Production/SerialNumbers*` (types, take, by range, by reference,
//! import, export) and `/api/internal/Production/SerialNumbers*` (list, count, free, ranges,
//! statistics, generate). The rules are in [`crate::store::serial_numbers`], the file formats
//! in [`crate::store::serial_files`].
//!
//! pyWATS names the type `typeName` and the range `from`/`to`, and the reference
//! `referenceSerialNumber`/`referencePartNumber`, where WATS's OpenAPI has
//! `serialNumberType`, `startAddress`/`endAddress` and `refSN`/`refPN`: both are accepted.
//!
//! WATS configures serial-number types in its web UI; this server takes them through
//! `PUT /api/internal/Production/SerialNumbers/Types` (ours), and their numbers through
//! `PUT …/SerialNumbers/Generate` (an address range) or an import.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use wats_types::production::{SerialNumberRange, SerialNumberRecord, SerialNumberType};

use super::production::{either, either_required};
use super::{json_body, Params};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::store::analytics::filter::parse_date;
use crate::store::production::ProductionTx;
use crate::store::serial_files;
use crate::store::serial_numbers::{parse_state, Selection, Take};
use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const TYPE: &[&str] = &["serialNumberType", "typeName"];
const FROM: &[&str] = &["startAddress", "from"];
const TO: &[&str] = &["endAddress", "to"];

/// Every serial-number type, by name.
#[utoipa::path(get, path = "/api/Production/SerialNumbers/Types", tag = "Production",
    responses((status = 200, body = Vec<SerialNumberType>)))]
pub async fn get_types(
    State(state): State<Arc<AppState>>,
) -> ApiResult<Json<Vec<SerialNumberType>>> {
    let mut tx = state.store.production_read().await?;
    Ok(Json(tx.sn_types().await?))
}

/// Every serial-number type (the internal spelling of the public call).
#[utoipa::path(get, path = "/api/internal/Production/SerialNumbers/Types", tag = "Production (internal)",
    responses((status = 200, body = Vec<SerialNumberType>)))]
pub async fn get_types_internal(
    state: State<Arc<AppState>>,
) -> ApiResult<Json<Vec<SerialNumberType>>> {
    get_types(state).await
}

/// Creates or replaces serial-number types, all or none (this server's; WATS sets them up in
/// its web UI). `format`: `#` for each digit of the address, e.g. `SN-######`.
#[utoipa::path(put, path = "/api/internal/Production/SerialNumbers/Types", tag = "Production (internal)",
    request_body = Vec<SerialNumberType>,
    responses((status = 200, body = Vec<SerialNumberType>), (status = 400, body = ErrorBody)))]
pub async fn put_types(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<Vec<SerialNumberType>>> {
    let types: Vec<SerialNumberType> = json_body(&body, "serial number types")?;
    let mut tx = state.store.production_write().await?;
    let mut out = Vec::with_capacity(types.len());
    for (i, t) in types.into_iter().enumerate() {
        out.push(tx.save_sn_type(t, &format!("types[{i}]")).await?);
    }
    tx.commit().await?;
    Ok(Json(out))
}

/// Adds the free numbers of an address range to a type (those it has are kept). Answers
/// `{"count": added}`.
#[utoipa::path(put, path = "/api/internal/Production/SerialNumbers/Generate", tag = "Production (internal)",
    params(("serialNumberType" = String, Query, description = "Type name"),
           ("startAddress" = String, Query, description = "First address (or serial number)"),
           ("endAddress" = String, Query, description = "Last address (or serial number), inclusive")),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn generate(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let params = Params::parse(query.as_deref())?;
    let name = either_required(&params, TYPE)?;
    let mut tx = state.store.production_write().await?;
    let t = tx.existing_sn_type(name).await?;
    let start = serial_files::address(&t, either_required(&params, FROM)?, "startAddress")?;
    let end = serial_files::address(&t, either_required(&params, TO)?, "endAddress")?;
    let added = tx.generate(name, start, end).await?;
    tx.commit().await?;
    Ok(Json(json!({ "count": added })))
}

/// Takes the lowest free numbers of a type for a unit (`refSN`, `refPN`) and station: all or
/// none. Answers `<SerialNumbers serialNumberType="…"><SN id="…"/>…</SerialNumbers>`, or a
/// JSON list with `format=json`.
#[utoipa::path(post, path = "/api/Production/SerialNumbers/Take", tag = "Production",
    params(("serialNumberType" = String, Query, description = "Type name"),
           ("quantity" = Option<i64>, Query, description = "How many (default 1)"),
           ("refSN" = Option<String>, Query, description = "For this unit serial number"),
           ("refPN" = Option<String>, Query, description = "For this part number"),
           ("stationName" = Option<String>, Query, description = "By this station"),
           ("onlyInSequence" = Option<bool>, Query, description = "Accepted; numbers are always the lowest free"),
           ("format" = Option<String>, Query, description = "xml (default) or json")),
    responses((status = 200, body = String, content_type = "application/xml"),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn take(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let params = Params::parse(query.as_deref())?;
    params.bool("onlyInSequence")?;
    let req = Take {
        type_name: either_required(&params, TYPE)?.to_owned(),
        quantity: params.int("quantity")?.unwrap_or(1),
        ref_sn: either(&params, &["refSN"]).map(str::to_owned),
        ref_pn: either(&params, &["refPN"]).map(str::to_owned),
        station: either(&params, &["stationName"]).map(str::to_owned),
    };
    let json_out = match params.get("format").map(str::trim) {
        None | Some("") => false,
        Some(f) if f.eq_ignore_ascii_case("xml") => false,
        Some(f) if f.eq_ignore_ascii_case("json") => true,
        Some(f) => {
            return Err(ApiError::bad_request(format!(
                "format: expected xml or json, not '{f}'"
            )))
        }
    };
    let mut tx = state.store.production_write().await?;
    let numbers = tx.take(&req).await?;
    tx.commit().await?;
    Ok(if json_out {
        Json(numbers).into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
            serial_files::take_xml(&req.type_name, &numbers),
        )
            .into_response()
    })
}

/// The taken-date bounds of a request (`startDate`/`fromDate`, `endDate`/`toDate`).
fn dates(params: &Params, sel: &mut Selection) -> ApiResult<()> {
    if let Some(d) = either(params, &["startDate", "fromDate"]) {
        sel.taken_from = Some(parse_date(d, "startDate")?.timestamp_micros());
    }
    if let Some(d) = either(params, &["endDate", "toDate"]) {
        sel.taken_to = Some(parse_date(d, "endDate")?.timestamp_micros());
    }
    Ok(())
}

/// The selection of a request: address range, dates, references, state.
async fn selection(tx: &mut ProductionTx<'_>, name: &str, params: &Params) -> ApiResult<Selection> {
    let t = tx.existing_sn_type(name).await?;
    let mut sel = Selection::default();
    if let Some(a) = either(params, FROM) {
        sel.from = Some(serial_files::address(&t, a, "startAddress")?);
    }
    if let Some(a) = either(params, TO) {
        sel.to = Some(serial_files::address(&t, a, "endAddress")?);
    }
    dates(params, &mut sel)?;
    sel.ref_sn = either(params, &["refSN", "referenceSerialNumber"]).map(str::to_owned);
    sel.ref_pn = either(params, &["refPN", "referencePartNumber"]).map(str::to_owned);
    if let Some(s) = either(params, &["state"]) {
        sel.state = Some(parse_state(s, "state")?);
    }
    Ok(sel)
}

async fn records(state: &AppState, query: Option<&str>) -> ApiResult<Vec<SerialNumberRecord>> {
    let params = Params::parse(query)?;
    let name = either_required(&params, TYPE)?;
    let mut tx = state.store.production_read().await?;
    let sel = selection(&mut tx, name, &params).await?;
    tx.sn_records(name, &sel).await
}

/// The numbers of a type in an address range (and taken between dates), by address.
#[utoipa::path(get, path = "/api/Production/SerialNumbers/ByRange", tag = "Production",
    params(("serialNumberType" = String, Query, description = "Type name (or typeName)"),
           ("startAddress" = Option<String>, Query, description = "From (or from)"),
           ("endAddress" = Option<String>, Query, description = "To, inclusive (or to)"),
           ("startDate" = Option<String>, Query, description = "Taken at or after"),
           ("endDate" = Option<String>, Query, description = "Taken before")),
    responses((status = 200, body = Vec<SerialNumberRecord>), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn by_range(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<SerialNumberRecord>>> {
    Ok(Json(records(&state, query.as_deref()).await?))
}

/// The numbers of a type taken for a unit serial number and/or part number.
#[utoipa::path(get, path = "/api/Production/SerialNumbers/ByReference", tag = "Production",
    params(("serialNumberType" = String, Query, description = "Type name (or typeName)"),
           ("refSN" = Option<String>, Query, description = "Unit serial number (or referenceSerialNumber)"),
           ("refPN" = Option<String>, Query, description = "Part number (or referencePartNumber)"),
           ("startDate" = Option<String>, Query, description = "Taken at or after"),
           ("endDate" = Option<String>, Query, description = "Taken before")),
    responses((status = 200, body = Vec<SerialNumberRecord>), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn by_reference(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<SerialNumberRecord>>> {
    let params = Params::parse(query.as_deref())?;
    if either(
        &params,
        &[
            "refSN",
            "referenceSerialNumber",
            "refPN",
            "referencePartNumber",
        ],
    )
    .is_none()
    {
        return Err(ApiError::bad_request(
            "The query parameter refSN (or refPN) is required.",
        ));
    }
    Ok(Json(records(&state, query.as_deref()).await?))
}

/// The numbers of a type in an address range (and taken between dates) (internal).
#[utoipa::path(get, path = "/api/internal/Production/SerialNumbers", tag = "Production (internal)",
    params(("serialNumberType" = String, Query, description = "Type name"),
           ("startAddress" = Option<String>, Query, description = "From"),
           ("endAddress" = Option<String>, Query, description = "To, inclusive"),
           ("startDate" = Option<String>, Query, description = "Taken at or after"),
           ("endDate" = Option<String>, Query, description = "Taken before")),
    responses((status = 200, body = Vec<SerialNumberRecord>), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn find(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<SerialNumberRecord>>> {
    Ok(Json(records(&state, query.as_deref()).await?))
}

/// How many numbers of a type were taken (in an address range, between dates).
#[utoipa::path(get, path = "/api/internal/Production/SerialNumbers/Count", tag = "Production (internal)",
    params(("serialNumberType" = String, Query, description = "Type name"),
           ("startAddress" = Option<String>, Query, description = "From"),
           ("endAddress" = Option<String>, Query, description = "To, inclusive"),
           ("fromDate" = Option<String>, Query, description = "Taken at or after"),
           ("toDate" = Option<String>, Query, description = "Taken before")),
    responses((status = 200, body = i64), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn count(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<i64>> {
    let params = Params::parse(query.as_deref())?;
    let name = either_required(&params, TYPE)?;
    let mut tx = state.store.production_read().await?;
    let sel = selection(&mut tx, name, &params).await?;
    Ok(Json(tx.sn_count(name, &sel).await?))
}

/// Imports serial numbers (CSV, or XML by `Content-Type` or `format=xml`), all or none: a
/// bad line is a 400 naming it. Answers `{"count": imported}`.
#[utoipa::path(put, path = "/api/Production/SerialNumbers", tag = "Production",
    params(("serialNumberType" = Option<String>, Query, description = "Type of lines that name none"),
           ("format" = Option<String>, Query, description = "csv or xml (default: by Content-Type)")),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody)))]
pub async fn import(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let params = Params::parse(query.as_deref())?;
    let text = std::str::from_utf8(&body)
        .map_err(|e| ApiError::bad_request(format!("the file is not UTF-8: {e}")))?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let xml = match params.get("format") {
        Some(f) => f.eq_ignore_ascii_case("xml"),
        None => content_type.contains("xml"),
    };
    let type_name = either(&params, TYPE);
    let rows = if xml {
        serial_files::read_xml(text, type_name)?
    } else {
        serial_files::read_csv(text, type_name)?
    };
    let mut tx = state.store.production_write().await?;
    let n = tx.import(&rows).await?;
    tx.commit().await?;
    Ok(Json(json!({ "count": n })))
}

/// Exports the numbers of a type (optionally in one `state`), as CSV (default) or XML; the
/// files import again.
#[utoipa::path(get, path = "/api/Production/SerialNumbers", tag = "Production",
    params(("serialNumberType" = String, Query, description = "Type name (or typeName)"),
           ("state" = Option<String>, Query, description = "Free, Reserved or Taken"),
           ("format" = Option<String>, Query, description = "csv (default) or xml"),
           ("startAddress" = Option<String>, Query, description = "From"),
           ("endAddress" = Option<String>, Query, description = "To, inclusive"),
           ("startDate" = Option<String>, Query, description = "Taken at or after"),
           ("endDate" = Option<String>, Query, description = "Taken before")),
    responses((status = 200, body = String, content_type = "text/csv"),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let params = Params::parse(query.as_deref())?;
    let xml = match params.get("format").map(str::trim) {
        None | Some("") => false,
        Some(f) if f.eq_ignore_ascii_case("csv") => false,
        Some(f) if f.eq_ignore_ascii_case("xml") => true,
        Some(f) => {
            return Err(ApiError::bad_request(format!(
                "format: expected csv or xml, not '{f}'"
            )))
        }
    };
    let list = records(&state, query.as_deref()).await?;
    Ok(if xml {
        (
            [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
            serial_files::write_xml(&list),
        )
            .into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            serial_files::write_csv(&list),
        )
            .into_response()
    })
}

/// Frees the numbers of address ranges (taken or reserved become free, references cleared):
/// they are handed out again first. Answers `{"count": freed}`.
#[utoipa::path(put, path = "/api/internal/Production/SerialNumbers/Free", tag = "Production (internal)",
    request_body = Vec<SerialNumberRange>,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn free(State(state): State<Arc<AppState>>, body: Bytes) -> ApiResult<Json<Value>> {
    let ranges: Vec<SerialNumberRange> = json_body(&body, "ranges")?;
    let mut tx = state.store.production_write().await?;
    let n = tx.free(&ranges).await?;
    tx.commit().await?;
    Ok(Json(json!({ "count": n })))
}

/// Deletes the free numbers of address ranges; with no body (pyWATS drops it), every free
/// number. Answers `{"count": deleted}`.
#[utoipa::path(delete, path = "/api/internal/Production/SerialNumbers/Free", tag = "Production (internal)",
    request_body = Vec<SerialNumberRange>,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody)))]
pub async fn delete_free(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let ranges: Vec<SerialNumberRange> = if body.iter().all(u8::is_ascii_whitespace) {
        Vec::new()
    } else {
        json_body(&body, "ranges")?
    };
    let mut tx = state.store.production_write().await?;
    let n = tx.delete_free(&ranges).await?;
    tx.commit().await?;
    Ok(Json(json!({ "count": n })))
}

/// The contiguous address ranges of a type (or all), with their numbers' states.
#[utoipa::path(get, path = "/api/internal/Production/SerialNumbers/Ranges", tag = "Production (internal)",
    params(("serialNumberType" = Option<String>, Query, description = "Type name (default: all)")),
    responses((status = 200, body = Vec<SerialNumberRange>), (status = 404, body = ErrorBody)))]
pub async fn ranges(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<SerialNumberRange>>> {
    let params = Params::parse(query.as_deref())?;
    let mut tx = state.store.production_read().await?;
    Ok(Json(tx.sn_ranges(either(&params, TYPE)).await?))
}

/// Numbers per state, of a type (or all).
#[utoipa::path(get, path = "/api/internal/Production/SerialNumbers/Statistics", tag = "Production (internal)",
    params(("serialNumberType" = Option<String>, Query, description = "Type name (default: all)")),
    responses((status = 200, body = SerialNumberRange), (status = 404, body = ErrorBody)))]
pub async fn statistics(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<SerialNumberRange>> {
    let params = Params::parse(query.as_deref())?;
    let mut tx = state.store.production_read().await?;
    Ok(Json(tx.sn_statistics(either(&params, TYPE)).await?))
}

/// The routes of this module.
pub fn routes(router: OpenApiRouter<Arc<AppState>>) -> OpenApiRouter<Arc<AppState>> {
    router
        .routes(routes!(get_types))
        .routes(routes!(get_types_internal, put_types))
        .routes(routes!(generate))
        .routes(routes!(take))
        .routes(routes!(by_range))
        .routes(routes!(by_reference))
        .routes(routes!(find))
        .routes(routes!(count))
        .routes(routes!(import, export))
        .routes(routes!(free, delete_free))
        .routes(routes!(ranges))
        .routes(routes!(statistics))
}
