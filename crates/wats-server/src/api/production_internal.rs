//! `/api/internal/Production/*` and `/api/internal/Mes/GetUnitPhases`: the internal MES
//! endpoints pyWATS calls for units (info, hierarchy, contents, state history, phase,
//! process, creation), validated assembly, sites and `isConnected`. Serial numbers are in
//! [`super::serial_numbers`].
//!
//! The internal assembly calls name the parent `serialNumber`/`partNumber`
//! (`CheckChildUnits`: `ParentSerialNumber`/`ParentPartNumber`); `cultureCode` is accepted and
//! messages are in English.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::Json;
use wats_types::production::{
    phase, AssemblyCheck, Site, Unit, UnitContent, UnitInfo, UnitPhase, UnitProcess,
    UnitStateChange,
};

use super::production::{add_child, answer, check_children, either, remove_child};
use super::{required_param, Params};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::store::production::{check_phase, micros_text};
use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

fn unit_phase(id: i32) -> UnitPhase {
    let (id, code, name) = phase::ALL
        .iter()
        .copied()
        .find(|p| p.0 == id)
        .unwrap_or((id, "Unknown", "Unknown"));
    UnitPhase {
        unit_phase_id: Some(id),
        code: Some(code.to_owned()),
        name: Some(name.to_owned()),
        description: Some(format!("Unit phase {name}")),
        ..UnitPhase::default()
    }
}

/// Every unit phase: ids are powers of two (`UnitPhaseFlag`).
#[utoipa::path(get, path = "/api/internal/Mes/GetUnitPhases", tag = "Production (internal)",
    responses((status = 200, body = Vec<UnitPhase>)))]
pub async fn get_unit_phases() -> Json<Vec<UnitPhase>> {
    Json(phase::ALL.iter().map(|p| unit_phase(p.0)).collect())
}

/// Whether the Production module answers (always `true` here).
#[utoipa::path(get, path = "/api/internal/Production/isConnected", tag = "Production (internal)",
    responses((status = 200, body = bool)))]
pub async fn is_connected() -> Json<bool> {
    Json(true)
}

/// Sites: the locations reports were made at (`{"name": …}`).
#[utoipa::path(get, path = "/api/internal/Production/GetSites", tag = "Production (internal)",
    responses((status = 200, body = Vec<Site>)))]
pub async fn get_sites(State(state): State<Arc<AppState>>) -> ApiResult<Json<Vec<Site>>> {
    let mut tx = state.store.production_read().await?;
    Ok(Json(
        tx.sites()
            .await?
            .into_iter()
            .map(|s| Site {
                name: Some(s),
                ..Site::default()
            })
            .collect(),
    ))
}

fn sn_pn(params: &Params) -> ApiResult<(&str, &str)> {
    Ok((
        required_param(params, "serialNumber")?,
        required_param(params, "partNumber")?,
    ))
}

/// A unit by serial number, and part number when given.
#[utoipa::path(get, path = "/api/internal/Production/GetUnit", tag = "Production (internal)",
    params(("serialNumber" = String, Query, description = "Serial number"),
           ("partNumber" = Option<String>, Query, description = "Part number")),
    responses((status = 200, body = Unit), (status = 404, body = ErrorBody)))]
pub async fn get_unit(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Unit>> {
    let params = Params::parse(query.as_deref())?;
    let sn = required_param(&params, "serialNumber")?;
    let mut tx = state.store.production_read().await?;
    let pn = match either(&params, &["partNumber"]) {
        Some(pn) => pn.to_owned(),
        None => tx
            .unit_by_serial(sn)
            .await?
            .and_then(|u| u.part_number)
            .ok_or_else(|| {
                ApiError::not_found(format!("Unit with serial number '{sn}' was not found"))
            })?,
    };
    Ok(Json(answer(&mut tx, sn, &pn).await?))
}

/// A unit with its current process, report counts and verification status.
#[utoipa::path(get, path = "/api/internal/Production/GetUnitInfo", tag = "Production (internal)",
    params(("serialNumber" = String, Query, description = "Serial number"),
           ("partNumber" = String, Query, description = "Part number")),
    responses((status = 200, body = UnitInfo), (status = 404, body = ErrorBody)))]
pub async fn get_unit_info(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<UnitInfo>> {
    let params = Params::parse(query.as_deref())?;
    let (sn, pn) = sn_pn(&params)?;
    let processes = state.store.processes().await?;
    let mut tx = state.store.production_read().await?;
    let unit = answer(&mut tx, sn, pn).await?;
    let (tests, repairs, last) = tx.report_summary(sn, pn).await?;
    let grade = tx.verify(sn, pn, None, &processes).await?;
    let process_name = unit
        .process_code
        .as_deref()
        .and_then(|c| c.parse::<i64>().ok())
        .and_then(|c| processes.iter().find(|p| p.code == c))
        .map(|p| p.name.clone());
    Ok(Json(UnitInfo {
        unit,
        process_name,
        test_count: tests,
        repair_count: repairs,
        last_test_utc: last.map(micros_text),
        status: grade.status.unwrap_or_default(),
    }))
}

/// A unit with its children, theirs, and so on (`subUnits`).
#[utoipa::path(get, path = "/api/internal/Production/GetUnitHierarchy", tag = "Production (internal)",
    params(("serialNumber" = String, Query, description = "Serial number"),
           ("partNumber" = String, Query, description = "Part number")),
    responses((status = 200, body = Unit), (status = 404, body = ErrorBody)))]
pub async fn get_unit_hierarchy(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Unit>> {
    let params = Params::parse(query.as_deref())?;
    let (sn, pn) = sn_pn(&params)?;
    let mut tx = state.store.production_read().await?;
    Ok(Json(tx.hierarchy(sn, pn).await?))
}

/// Every state change of a unit, oldest first.
#[utoipa::path(get, path = "/api/internal/Production/GetUnitStateHistory", tag = "Production (internal)",
    params(("serialNumber" = String, Query, description = "Serial number"),
           ("partNumber" = String, Query, description = "Part number")),
    responses((status = 200, body = Vec<UnitStateChange>), (status = 404, body = ErrorBody)))]
pub async fn get_unit_state_history(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<UnitStateChange>>> {
    let params = Params::parse(query.as_deref())?;
    let (sn, pn) = sn_pn(&params)?;
    let mut tx = state.store.production_read().await?;
    tx.existing_unit(sn, pn).await?;
    Ok(Json(tx.history(sn, pn).await?))
}

/// A unit's current phase.
#[utoipa::path(get, path = "/api/internal/Production/GetUnitPhase", tag = "Production (internal)",
    params(("serialNumber" = String, Query, description = "Serial number"),
           ("partNumber" = String, Query, description = "Part number")),
    responses((status = 200, body = UnitPhase), (status = 404, body = ErrorBody)))]
pub async fn get_unit_phase(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<UnitPhase>> {
    let params = Params::parse(query.as_deref())?;
    let (sn, pn) = sn_pn(&params)?;
    let mut tx = state.store.production_read().await?;
    let u = tx.existing_unit(sn, pn).await?;
    Ok(Json(unit_phase(u.unit_phase_id.unwrap_or(phase::UNKNOWN))))
}

/// A unit's current process (`processCode`, `processName`; empty without one).
#[utoipa::path(get, path = "/api/internal/Production/GetUnitProcess", tag = "Production (internal)",
    params(("serialNumber" = String, Query, description = "Serial number"),
           ("partNumber" = String, Query, description = "Part number")),
    responses((status = 200, body = UnitProcess), (status = 404, body = ErrorBody)))]
pub async fn get_unit_process(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<UnitProcess>> {
    let params = Params::parse(query.as_deref())?;
    let (sn, pn) = sn_pn(&params)?;
    let processes = state.store.processes().await?;
    let mut tx = state.store.production_read().await?;
    let u = tx.existing_unit(sn, pn).await?;
    let code = u
        .process_code
        .as_deref()
        .and_then(|c| c.parse::<i64>().ok());
    let name = code
        .and_then(|c| processes.iter().find(|p| p.code == c))
        .map(|p| p.name.clone());
    Ok(Json(UnitProcess {
        process_code: code,
        process_name: name,
    }))
}

/// A unit's revision and box-build lines with the units on them.
#[utoipa::path(get, path = "/api/internal/Production/GetUnitContents", tag = "Production (internal)",
    params(("serialNumber" = String, Query, description = "Serial number"),
           ("partNumber" = String, Query, description = "Part number"),
           ("revision" = Option<String>, Query, description = "Revision (default: the unit's)")),
    responses((status = 200, body = UnitContent), (status = 404, body = ErrorBody)))]
pub async fn get_unit_contents(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<UnitContent>> {
    let params = Params::parse(query.as_deref())?;
    let (sn, pn) = sn_pn(&params)?;
    let rev = either(&params, &["revision"]);
    let mut tx = state.store.production_read().await?;
    Ok(Json(tx.contents(sn, pn, rev).await?))
}

/// Creates a unit of an existing product revision; 400 when it exists.
#[utoipa::path(post, path = "/api/internal/Production/CreateUnit", tag = "Production (internal)",
    params(("serialNumber" = String, Query, description = "Serial number"),
           ("partNumber" = String, Query, description = "Part number"),
           ("revision" = String, Query, description = "Revision"),
           ("batchNumber" = Option<String>, Query, description = "An existing batch"),
           ("unitPhase" = Option<i32>, Query, description = "Phase id (default 2, under production)")),
    responses((status = 200, body = Unit), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn create_unit(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Unit>> {
    let params = Params::parse(query.as_deref())?;
    let (sn, pn) = sn_pn(&params)?;
    let rev = required_param(&params, "revision")?;
    let phase_id = match params.int("unitPhase")? {
        Some(p) => Some(check_phase(
            i32::try_from(p)
                .map_err(|_| ApiError::bad_request(format!("unitPhase: unknown unit phase {p}")))?,
            "unitPhase",
        )?),
        None => None,
    };
    let unit = Unit {
        batch_number: either(&params, &["batchNumber"]).map(str::to_owned),
        unit_phase_id: phase_id,
        ..Unit::new(sn, pn, rev)
    };
    let mut tx = state.store.production_write().await?;
    tx.create_unit(unit).await?;
    let u = answer(&mut tx, sn, pn).await?;
    tx.commit().await?;
    Ok(Json(u))
}

/// Builds a child into a unit, checked against the template, the part number and revision
/// (or mask) the caller expects (`checkPartNumber`, `checkRevision`) and, with `checkPhase`,
/// the child's phase (Finalized).
#[utoipa::path(post, path = "/api/internal/Production/AddChildUnit", tag = "Production (internal)",
    params(("serialNumber" = String, Query, description = "Parent serial number"),
           ("partNumber" = String, Query, description = "Parent part number"),
           ("childSerialNumber" = String, Query, description = "Child serial number"),
           ("childPartNumber" = String, Query, description = "Child part number"),
           ("checkPartNumber" = Option<String>, Query, description = "The part number the child must have"),
           ("checkRevision" = Option<String>, Query, description = "The revision (or mask) the child must have"),
           ("checkPhase" = Option<bool>, Query, description = "The child must be Finalized"),
           ("cultureCode" = Option<String>, Query, description = "Accepted; messages are English")),
    responses((status = 200, body = Unit), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn add_child_unit(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Unit>> {
    let params = Params::parse(query.as_deref())?;
    add_child(&state, &params, &["serialNumber"], &["partNumber"], true)
        .await
        .map(Json)
}

/// Takes a child out of a unit.
#[utoipa::path(post, path = "/api/internal/Production/RemoveChildUnit", tag = "Production (internal)",
    params(("serialNumber" = String, Query, description = "Parent serial number"),
           ("partNumber" = String, Query, description = "Parent part number"),
           ("childSerialNumber" = String, Query, description = "Child serial number"),
           ("childPartNumber" = String, Query, description = "Child part number"),
           ("cultureCode" = Option<String>, Query, description = "Accepted; messages are English")),
    responses((status = 200, body = Unit), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn remove_child_unit(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Unit>> {
    let params = Params::parse(query.as_deref())?;
    remove_child(&state, &params, &["serialNumber"], &["partNumber"])
        .await
        .map(Json)
}

/// Takes every child out of a unit. Answers the unit.
#[utoipa::path(post, path = "/api/internal/Production/RemoveAllChildUnits", tag = "Production (internal)",
    params(("serialNumber" = String, Query, description = "Serial number"),
           ("partNumber" = String, Query, description = "Part number"),
           ("cultureCode" = Option<String>, Query, description = "Accepted; messages are English")),
    responses((status = 200, body = Unit), (status = 404, body = ErrorBody)))]
pub async fn remove_all_child_units(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Unit>> {
    let params = Params::parse(query.as_deref())?;
    let (sn, pn) = sn_pn(&params)?;
    let mut tx = state.store.production_write().await?;
    tx.remove_all_children(sn, pn).await?;
    let u = answer(&mut tx, sn, pn).await?;
    tx.commit().await?;
    Ok(Json(u))
}

/// Whether a unit's children fulfil its revision's template (PascalCase parameters).
#[utoipa::path(get, path = "/api/internal/Production/CheckChildUnits", tag = "Production (internal)",
    params(("ParentSerialNumber" = String, Query, description = "Parent serial number"),
           ("ParentPartNumber" = String, Query, description = "Parent part number"),
           ("CultureCode" = Option<String>, Query, description = "Accepted; messages are English")),
    responses((status = 200, body = AssemblyCheck), (status = 404, body = ErrorBody)))]
pub async fn check_child_units(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<AssemblyCheck>> {
    let params = Params::parse(query.as_deref())?;
    check_children(&state, &params).await.map(Json)
}

/// The routes of this module.
pub fn routes(router: OpenApiRouter<Arc<AppState>>) -> OpenApiRouter<Arc<AppState>> {
    router
        .routes(routes!(get_unit_phases))
        .routes(routes!(is_connected))
        .routes(routes!(get_sites))
        .routes(routes!(get_unit))
        .routes(routes!(get_unit_info))
        .routes(routes!(get_unit_hierarchy))
        .routes(routes!(get_unit_state_history))
        .routes(routes!(get_unit_phase))
        .routes(routes!(get_unit_process))
        .routes(routes!(get_unit_contents))
        .routes(routes!(create_unit))
        .routes(routes!(add_child_unit))
        .routes(routes!(remove_child_unit))
        .routes(routes!(remove_all_child_units))
        .routes(routes!(check_child_units))
}
