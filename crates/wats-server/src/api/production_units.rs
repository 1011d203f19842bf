//! The single-unit calls of WATS's public Production API that pyWATS 0.6 uses beside
//! `PUT /api/Production/Units`: `Unit/Query` (OData), `POST`/`PUT`/`DELETE Unit`,
//! `ChangeUnit`, `UnitTag`. The rules are in [`crate::store::unit_edits`].

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use wats_types::production::{phase, Unit};

use super::production::answer;
use super::{json_body, required_param, Params};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::odata::eval::{self, Fields};
use crate::odata::QueryOptions;
use crate::store::product::{required, to_object};
use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `Unit/Query` answers this many units when `$top` is absent (pyWATS's documentation of WATS).
pub const QUERY_DEFAULT_TOP: i64 = 100;
/// The largest `$top` of `Unit/Query`.
pub const QUERY_MAX_TOP: i64 = 1000;

const QUERY_FIELDS: Fields = Fields(&[
    "serialNumber",
    "partNumber",
    "revision",
    "batchNumber",
    "serialDate",
    "currentLocation",
    "unitPhaseId",
    "processCode",
]);

/// Units filtered (`$filter` over serialNumber, partNumber, revision, batchNumber, serialDate,
/// currentLocation, unitPhaseId, processCode), sorted (`$orderby`) and paged (`$top`, default
/// 100, at most 1000).
#[utoipa::path(get, path = "/api/Production/Unit/Query", tag = "Production",
    params(("$filter" = Option<String>, Query, description = "OData filter"),
           ("$orderby" = Option<String>, Query, description = "Sort order"),
           ("$top" = Option<i64>, Query, description = "At most this many (default 100, max 1000)"),
           ("$skip" = Option<i64>, Query, description = "Skip this many")),
    responses((status = 200, body = Vec<Unit>), (status = 400, body = ErrorBody)))]
pub async fn query_units(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<Unit>>> {
    let params = Params::parse(query.as_deref())?;
    let pairs = params.0.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let options = QueryOptions::from_params_up_to(pairs, QUERY_MAX_TOP)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    if !options.select.is_empty() || !options.expand.is_empty() {
        return Err(ApiError::bad_request(
            "$select and $expand are not supported on /api/Production/Unit/Query",
        ));
    }
    QUERY_FIELDS
        .check_order(&options.order_by)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let mut tx = state.store.production_read().await?;
    let mut rows = Vec::new();
    for u in tx.all_units().await? {
        let row = to_object(&u)?;
        let keep = match &options.filter {
            Some(f) => eval::test(f, &row, &QUERY_FIELDS)
                .map_err(|e| ApiError::bad_request(format!("invalid $filter: {e}")))?,
            None => true,
        };
        if keep {
            rows.push(row);
        }
    }
    eval::sort(&mut rows, &options.order_by, &QUERY_FIELDS);
    let skip = options.skip.unwrap_or(0).max(0) as usize;
    let top = options.top.unwrap_or(QUERY_DEFAULT_TOP).max(0) as usize;
    let mut out = Vec::new();
    for row in rows.into_iter().skip(skip).take(top) {
        let mut u: Unit =
            serde_json::from_value(serde_json::Value::Object(row)).map_err(anyhow::Error::from)?;
        u.unit_phase = u.unit_phase_id.and_then(phase::name).map(str::to_owned);
        out.push(u);
    }
    Ok(Json(out))
}

/// Creates one unit (a revision of an existing product); its parent cannot be set here (use
/// `AddChildUnit`). Answers the unit.
#[utoipa::path(post, path = "/api/Production/Unit", tag = "Production", request_body = Unit,
    responses((status = 200, body = Unit), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn post_unit(State(state): State<Arc<AppState>>, body: Bytes) -> ApiResult<Json<Unit>> {
    let u: Unit = json_body(&body, "unit")?;
    if u.parent_serial_number
        .as_deref()
        .is_some_and(|p| !p.is_empty())
    {
        return Err(ApiError::bad_request(
            "unit.parentSerialNumber cannot be set here; use AddChildUnit",
        ));
    }
    let sn = required(u.serial_number.as_deref(), "unit.serialNumber")?.to_owned();
    let pn = required(u.part_number.as_deref(), "unit.partNumber")?.to_owned();
    let mut tx = state.store.production_write().await?;
    tx.create_unit(u).await?;
    let u = answer(&mut tx, &sn, &pn).await?;
    tx.commit().await?;
    Ok(Json(u))
}

/// Updates one existing unit: fields given replace the stored ones. Answers the unit.
#[utoipa::path(put, path = "/api/Production/Unit", tag = "Production", request_body = Unit,
    responses((status = 200, body = Unit), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_unit(State(state): State<Arc<AppState>>, body: Bytes) -> ApiResult<Json<Unit>> {
    let u: Unit = json_body(&body, "unit")?;
    let mut tx = state.store.production_write().await?;
    let saved = tx.update_unit(u).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// Deletes a unit (204): refused while it has children; 404 when there is none.
#[utoipa::path(delete, path = "/api/Production/Unit", tag = "Production",
    params(("serialNumber" = String, Query, description = "Serial number"),
           ("partNumber" = String, Query, description = "Part number")),
    responses((status = 204, description = "Deleted"), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete_unit(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<StatusCode> {
    let params = Params::parse(query.as_deref())?;
    let sn = required_param(&params, "serialNumber")?;
    let pn = required_param(&params, "partNumber")?;
    let mut tx = state.store.production_write().await?;
    tx.delete_unit(sn, pn).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives a unit another part number and revision. Answers the unit.
#[utoipa::path(put, path = "/api/Production/ChangeUnit", tag = "Production",
    params(("serialNumber" = String, Query, description = "Serial number"),
           ("partNumber" = String, Query, description = "Current part number"),
           ("newPartNumber" = String, Query, description = "New part number"),
           ("newRevision" = String, Query, description = "New revision")),
    responses((status = 200, body = Unit), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn change_unit(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Unit>> {
    let params = Params::parse(query.as_deref())?;
    let sn = required_param(&params, "serialNumber")?;
    let pn = required_param(&params, "partNumber")?;
    let new_pn = required_param(&params, "newPartNumber")?;
    let new_rev = required_param(&params, "newRevision")?;
    let mut tx = state.store.production_write().await?;
    tx.change_unit(sn, pn, new_pn, new_rev).await?;
    let u = answer(&mut tx, sn, new_pn).await?;
    tx.commit().await?;
    Ok(Json(u))
}

/// Adds or replaces one tag of a unit. Answers the unit.
#[utoipa::path(put, path = "/api/Production/UnitTag", tag = "Production",
    params(("serialNumber" = String, Query, description = "Serial number"),
           ("partNumber" = String, Query, description = "Part number"),
           ("key" = String, Query, description = "Tag key"),
           ("value" = Option<String>, Query, description = "Tag value")),
    responses((status = 200, body = Unit), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_unit_tag(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Unit>> {
    let params = Params::parse(query.as_deref())?;
    let sn = required_param(&params, "serialNumber")?;
    let pn = required_param(&params, "partNumber")?;
    let tag = required_param(&params, "key")?;
    let value = params.get("value").unwrap_or_default();
    let mut tx = state.store.production_write().await?;
    tx.set_unit_tag(sn, pn, tag, value).await?;
    let u = answer(&mut tx, sn, pn).await?;
    tx.commit().await?;
    Ok(Json(u))
}

/// The routes of this module.
pub fn routes(router: OpenApiRouter<Arc<AppState>>) -> OpenApiRouter<Arc<AppState>> {
    router
        .routes(routes!(query_units))
        .routes(routes!(post_unit, put_unit, delete_unit))
        .routes(routes!(change_unit))
        .routes(routes!(put_unit_tag))
}
