//! `/api/Production/*`: WATS's public Production controller, except serial numbers
//! ([`super::serial_numbers`]): units, verification, phase and process, the change feed,
//! assembly, batches. The internal MES endpoints are in [`super::production_internal`]; the
//! rules in [`crate::store::production`], [`crate::store::assembly`] and
//! [`crate::store::verification`].
//!
//! pyWATS and WATS's OpenAPI name some parameters differently; both are accepted:
//! `CheckChildUnits` takes `serialNumber`/`partNumber`/`revision` (pyWATS) or
//! `parentSerialNumber`/`parentPartNumber` (OpenAPI); `SetUnitProcess` takes `processCode`
//! (pyWATS) or `processName` (OpenAPI); `Units/Changes` takes `$top` or `maxCount`.
//! Calls that change a unit answer the unit as it is afterwards (pyWATS only looks at the
//! status).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use wats_types::production::{
    AssemblyCheck, ProductionBatch, Unit, UnitChange, UnitVerificationGrade,
};

use super::{json_body, required_param, Params};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::store::assembly::AddChild;
use crate::store::production::{unit_not_found, ProductionTx};
use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The largest page of `Units/Changes`.
const CHANGES_MAX_TOP: i64 = 10_000;

/// The first of several spellings of a parameter that is given.
pub(super) fn either<'p>(params: &'p Params, names: &[&str]) -> Option<&'p str> {
    names
        .iter()
        .find_map(|n| params.get(n))
        .filter(|v| !v.trim().is_empty())
}

/// A required parameter under one of several spellings; 400 naming the first.
pub(super) fn either_required<'p>(params: &'p Params, names: &[&str]) -> ApiResult<&'p str> {
    either(params, names).ok_or_else(|| {
        ApiError::bad_request(format!("The query parameter {} is required.", names[0]))
    })
}

/// A unit with its read-only fields, for answers.
pub(super) async fn answer(tx: &mut ProductionTx<'_>, sn: &str, pn: &str) -> ApiResult<Unit> {
    let mut u = tx.existing_unit(sn, pn).await?;
    tx.complete(&mut u, true).await?;
    Ok(u)
}

/// A unit with its product, revision and child units.
#[utoipa::path(get, path = "/api/Production/Unit/{serialNumber}/{partNumber}", tag = "Production",
    params(("serialNumber" = String, Path, description = "Serial number"),
           ("partNumber" = String, Path, description = "Part number")),
    responses((status = 200, body = Unit), (status = 404, body = ErrorBody)))]
pub async fn get_unit(
    State(state): State<Arc<AppState>>,
    Path((sn, pn)): Path<(String, String)>,
) -> ApiResult<Json<Unit>> {
    let mut tx = state.store.production_read().await?;
    Ok(Json(answer(&mut tx, &sn, &pn).await?))
}

/// Creates or updates units, all or none: fields given replace the stored ones; a new unit
/// needs a revision of an existing product. The parent, phase name, product and child units
/// are read-only (use the child-unit calls). Answers the units as stored.
#[utoipa::path(put, path = "/api/Production/Units", tag = "Production", request_body = Vec<Unit>,
    responses((status = 200, body = Vec<Unit>), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_units(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<Vec<Unit>>> {
    let units: Vec<Unit> = json_body(&body, "units")?;
    let mut tx = state.store.production_write().await?;
    let saved = tx.save_units(units).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// The unit's verification and grade, from its reports (of `revision`, when given).
#[utoipa::path(get, path = "/api/Production/UnitVerification", tag = "Production",
    params(("serialNumber" = String, Query, description = "Serial number"),
           ("partNumber" = String, Query, description = "Part number"),
           ("revision" = Option<String>, Query, description = "Only reports of this revision")),
    responses((status = 200, body = UnitVerificationGrade), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn unit_verification(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<UnitVerificationGrade>> {
    let params = Params::parse(query.as_deref())?;
    let sn = required_param(&params, "serialNumber")?;
    let pn = required_param(&params, "partNumber")?;
    let rev = params.get("revision").filter(|r| !r.trim().is_empty());
    let processes = state.store.processes().await?;
    let mut tx = state.store.production_read().await?;
    if tx.unit_row(sn, pn).await?.is_none() && !tx.has_reports(sn, pn).await? {
        return Err(unit_not_found(sn, pn));
    }
    Ok(Json(tx.verify(sn, pn, rev, &processes).await?))
}

/// Sets a unit's phase (an id; see `GET /api/internal/Mes/GetUnitPhases`), recorded in its
/// state history and the change feed.
#[utoipa::path(put, path = "/api/Production/SetUnitPhase", tag = "Production",
    params(("serialNumber" = String, Query, description = "Serial number"),
           ("partNumber" = String, Query, description = "Part number"),
           ("phase" = i32, Query, description = "Phase id"),
           ("comment" = Option<String>, Query, description = "Comment for the history")),
    responses((status = 200, body = Unit), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn set_unit_phase(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Unit>> {
    let params = Params::parse(query.as_deref())?;
    set_phase(&state, &params).await.map(Json)
}

/// Sets a unit's phase from `serialNumber`, `partNumber`, `phase` (an id, name or code) and
/// `comment`, any case.
pub(super) async fn set_phase(state: &AppState, params: &Params) -> ApiResult<Unit> {
    let sn = either_required(params, &["serialNumber"])?;
    let pn = either_required(params, &["partNumber"])?;
    let given = either_required(params, &["phase"])?;
    let phase = wats_types::production::phase::resolve(given)
        .ok_or_else(|| ApiError::bad_request(format!("phase: unknown unit phase '{given}'")))?;
    let comment = params.get("comment").map(str::to_owned);
    let mut tx = state.store.production_write().await?;
    tx.set_phase(sn, pn, phase, comment).await?;
    let u = answer(&mut tx, sn, pn).await?;
    tx.commit().await?;
    Ok(u)
}

/// Sets a unit's current process, by code (`processCode`) or name (`processName`).
#[utoipa::path(put, path = "/api/Production/SetUnitProcess", tag = "Production",
    params(("serialNumber" = String, Query, description = "Serial number"),
           ("partNumber" = String, Query, description = "Part number"),
           ("processCode" = Option<i64>, Query, description = "Process code"),
           ("processName" = Option<String>, Query, description = "Process name"),
           ("comment" = Option<String>, Query, description = "Comment for the history")),
    responses((status = 200, body = Unit), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn set_unit_process(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Unit>> {
    let params = Params::parse(query.as_deref())?;
    let sn = required_param(&params, "serialNumber")?;
    let pn = required_param(&params, "partNumber")?;
    let processes = state.store.processes().await?;
    let code = match (
        params.int("processCode")?,
        either(&params, &["processName"]),
    ) {
        (Some(code), _) => processes
            .iter()
            .find(|p| p.code == code)
            .map(|p| p.code)
            .ok_or_else(|| ApiError::bad_request(format!("processCode: no process {code}")))?,
        (None, Some(name)) => processes
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
            .map(|p| p.code)
            .ok_or_else(|| {
                ApiError::bad_request(format!("processName: no process named '{name}'"))
            })?,
        (None, None) => {
            return Err(ApiError::bad_request(
                "The query parameter processCode (or processName) is required.",
            ))
        }
    };
    let comment = params.get("comment").map(str::to_owned);
    let mut tx = state.store.production_write().await?;
    tx.set_process(sn, pn, code, comment).await?;
    let u = answer(&mut tx, sn, pn).await?;
    tx.commit().await?;
    Ok(Json(u))
}

/// Changes to units not yet acknowledged, oldest first (`$top`/`maxCount`, default 1000;
/// `$skip`), optionally of one serial number and part number.
#[utoipa::path(get, path = "/api/Production/Units/Changes", tag = "Production",
    params(("serialNumber" = Option<String>, Query, description = "Only this serial number"),
           ("partNumber" = Option<String>, Query, description = "Only this part number"),
           ("$top" = Option<i64>, Query, description = "At most this many (default 1000)"),
           ("maxCount" = Option<i64>, Query, description = "As $top"),
           ("$skip" = Option<i64>, Query, description = "Skip this many")),
    responses((status = 200, body = Vec<UnitChange>), (status = 400, body = ErrorBody)))]
pub async fn unit_changes(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<UnitChange>>> {
    let params = Params::parse(query.as_deref())?;
    let top = params
        .int("$top")?
        .or(params.int("maxCount")?)
        .unwrap_or(1000);
    if !(0..=CHANGES_MAX_TOP).contains(&top) {
        return Err(ApiError::bad_request(format!(
            "$top must be between 0 and {CHANGES_MAX_TOP}, not {top}"
        )));
    }
    let skip = params.int("$skip")?.unwrap_or(0).max(0);
    let mut tx = state.store.production_read().await?;
    Ok(Json(
        tx.changes(
            either(&params, &["serialNumber"]),
            either(&params, &["partNumber"]),
            skip,
            top,
        )
        .await?,
    ))
}

/// Acknowledges (deletes) a change (204); 404 when there is none.
#[utoipa::path(delete, path = "/api/Production/Units/Changes/{id}", tag = "Production",
    params(("id" = i64, Path, description = "Change id")),
    responses((status = 204, description = "Deleted"), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete_unit_change(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id: i64 = id.trim().parse().map_err(|_| {
        ApiError::bad_request(format!(
            "The value '{id}' is not valid for id: expected an integer."
        ))
    })?;
    let mut tx = state.store.production_write().await?;
    if !tx.delete_change(id).await? {
        return Err(ApiError::not_found(format!(
            "Unit change {id} was not found"
        )));
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Builds a child unit into a parent, checked against the parent revision's box-build
/// template and, when given, the part number and revision (or mask) the caller expects the
/// child to have (`checkPartNumber`, `checkRevision`). Answers the parent.
#[utoipa::path(post, path = "/api/Production/AddChildUnit", tag = "Production",
    params(("parentSerialNumber" = String, Query, description = "Parent serial number"),
           ("parentPartNumber" = String, Query, description = "Parent part number"),
           ("childSerialNumber" = String, Query, description = "Child serial number"),
           ("childPartNumber" = String, Query, description = "Child part number"),
           ("checkPartNumber" = Option<String>, Query, description = "The part number the child must have"),
           ("checkRevision" = Option<String>, Query, description = "The revision (or mask) the child must have")),
    responses((status = 200, body = Unit), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn add_child_unit(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Unit>> {
    let params = Params::parse(query.as_deref())?;
    add_child(
        &state,
        &params,
        &["parentSerialNumber"],
        &["parentPartNumber"],
        false,
    )
    .await
    .map(Json)
}

/// Adds a child from request parameters (the parent's under `sn_names`/`pn_names`).
pub(super) async fn add_child(
    state: &AppState,
    params: &Params,
    sn_names: &[&str],
    pn_names: &[&str],
    internal: bool,
) -> ApiResult<Unit> {
    let parent_sn = either_required(params, sn_names)?;
    let parent_pn = either_required(params, pn_names)?;
    let req = AddChild {
        parent_sn,
        parent_pn,
        child_sn: either_required(params, &["childSerialNumber"])?,
        child_pn: either_required(params, &["childPartNumber"])?,
        expect_part_number: either(params, &["checkPartNumber"]),
        expect_revision: either(params, &["checkRevision"]),
        check_phase: internal && params.bool("checkPhase")?.unwrap_or(false),
    };
    let mut tx = state.store.production_write().await?;
    tx.add_child(&req).await?;
    let u = answer(&mut tx, parent_sn, parent_pn).await?;
    tx.commit().await?;
    Ok(u)
}

/// Takes a child unit out of its parent. Answers the parent.
#[utoipa::path(post, path = "/api/Production/RemoveChildUnit", tag = "Production",
    params(("parentSerialNumber" = String, Query, description = "Parent serial number"),
           ("parentPartNumber" = String, Query, description = "Parent part number"),
           ("childSerialNumber" = String, Query, description = "Child serial number"),
           ("childPartNumber" = String, Query, description = "Child part number")),
    responses((status = 200, body = Unit), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn remove_child_unit(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Unit>> {
    let params = Params::parse(query.as_deref())?;
    remove_child(
        &state,
        &params,
        &["parentSerialNumber"],
        &["parentPartNumber"],
    )
    .await
    .map(Json)
}

/// Removes a child from request parameters (the parent's under `sn_names`/`pn_names`).
pub(super) async fn remove_child(
    state: &AppState,
    params: &Params,
    sn_names: &[&str],
    pn_names: &[&str],
) -> ApiResult<Unit> {
    let parent_sn = either_required(params, sn_names)?;
    let parent_pn = either_required(params, pn_names)?;
    let child_sn = either_required(params, &["childSerialNumber"])?;
    let child_pn = either_required(params, &["childPartNumber"])?;
    let mut tx = state.store.production_write().await?;
    tx.remove_child(parent_sn, parent_pn, child_sn, child_pn)
        .await?;
    let u = answer(&mut tx, parent_sn, parent_pn).await?;
    tx.commit().await?;
    Ok(u)
}

/// Whether a unit's children fulfil its revision's box-build template.
#[utoipa::path(get, path = "/api/Production/CheckChildUnits", tag = "Production",
    params(("serialNumber" = String, Query, description = "Parent serial number (or parentSerialNumber)"),
           ("partNumber" = String, Query, description = "Parent part number (or parentPartNumber)"),
           ("revision" = Option<String>, Query, description = "Template revision (default: the unit's)")),
    responses((status = 200, body = AssemblyCheck), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn check_child_units(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<AssemblyCheck>> {
    let params = Params::parse(query.as_deref())?;
    check_children(&state, &params).await.map(Json)
}

/// Checks the children from request parameters (any spelling).
pub(super) async fn check_children(state: &AppState, params: &Params) -> ApiResult<AssemblyCheck> {
    let sn = either_required(params, &["serialNumber", "parentSerialNumber"])?;
    let pn = either_required(params, &["partNumber", "parentPartNumber"])?;
    let rev = either(params, &["revision"]);
    let mut tx = state.store.production_read().await?;
    tx.check_children(sn, pn, rev).await
}

/// Batches: all, one (`batchId`), or those holding units of a part number.
#[utoipa::path(get, path = "/api/Production/Batches", tag = "Production",
    params(("partNumber" = Option<String>, Query, description = "Batches with units of this part number"),
           ("batchId" = Option<String>, Query, description = "This batch number")),
    responses((status = 200, body = Vec<ProductionBatch>)))]
pub async fn get_batches(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<ProductionBatch>>> {
    let params = Params::parse(query.as_deref())?;
    let mut tx = state.store.production_read().await?;
    Ok(Json(
        tx.batches(
            either(&params, &["partNumber"]),
            either(&params, &["batchId", "batchNumber"]),
        )
        .await?,
    ))
}

/// Creates or updates batches, all or none.
#[utoipa::path(put, path = "/api/Production/Batches", tag = "Production",
    request_body = Vec<ProductionBatch>,
    responses((status = 200, body = Vec<ProductionBatch>), (status = 400, body = ErrorBody)))]
pub async fn put_batches(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<Vec<ProductionBatch>>> {
    let batches: Vec<ProductionBatch> = json_body(&body, "batches")?;
    let mut tx = state.store.production_write().await?;
    let mut out = Vec::with_capacity(batches.len());
    for (i, b) in batches.into_iter().enumerate() {
        out.push(tx.save_batch(b, &format!("batches[{i}]")).await?);
    }
    tx.commit().await?;
    Ok(Json(out))
}

/// Creates or updates a batch.
#[utoipa::path(put, path = "/api/Production/Batch", tag = "Production",
    request_body = ProductionBatch,
    responses((status = 200, body = ProductionBatch), (status = 400, body = ErrorBody)))]
pub async fn put_batch(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<ProductionBatch>> {
    let b: ProductionBatch = json_body(&body, "batch")?;
    let mut tx = state.store.production_write().await?;
    let saved = tx.save_batch(b, "batch").await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// The routes of this module.
pub fn routes(router: OpenApiRouter<Arc<AppState>>) -> OpenApiRouter<Arc<AppState>> {
    router
        .routes(routes!(get_unit))
        .routes(routes!(put_units))
        .routes(routes!(unit_verification))
        .routes(routes!(set_unit_phase))
        .routes(routes!(set_unit_process))
        .routes(routes!(unit_changes))
        .routes(routes!(delete_unit_change))
        .routes(routes!(add_child_unit))
        .routes(routes!(remove_child_unit))
        .routes(routes!(check_child_units))
        .routes(routes!(get_batches, put_batches))
        .routes(routes!(put_batch))
}
