//! The repair configuration: `/api/internal/Process/GetRepairOperations` and
//! `GetRepairOperation/{id}` (what pyWATS reads), `PutRepairOperation/{processCode}` (this
//! server's addition, to edit it), and the check UUR submission makes against it: each
//! failure's `category` and `code` must be a selectable fail code of the report's repair
//! operation. A repair operation without a configuration accepts any fail code.
//!
//! `CompRefMask`, when set, is a regular expression each failure's `comRef` must match (the
//! reference: "repair type may impose a regex mask"); a mask that does not compile is refused
//! when saved. Kept and returned as given, not enforced: `UUTRequired`, `BOMRequired`,
//! `VendorRequired`, `BomConstraint` and `MiscInfos` (their semantics are not in the sources).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wats_report::Report;
use wats_types::process::{RepairCategory, RepairOperationConfig};

use super::{json_body, parse_uuid, Params};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::AppState;

/// The repair-configuration routes.
pub fn routes(router: OpenApiRouter<Arc<AppState>>) -> OpenApiRouter<Arc<AppState>> {
    router
        .routes(routes!(get_repair_operations))
        .routes(routes!(get_repair_operation))
        .routes(routes!(put_repair_operation))
}

/// Every repair configuration, keyed by repair process code (`{"500": {...}}`).
#[utoipa::path(get, path = "/api/internal/Process/GetRepairOperations", tag = "Process",
    responses((status = 200, body = BTreeMap<String, RepairOperationConfig>),
              (status = 401, body = ErrorBody)))]
pub async fn get_repair_operations(
    State(state): State<Arc<AppState>>,
) -> ApiResult<Json<BTreeMap<String, RepairOperationConfig>>> {
    Ok(Json(
        state
            .store
            .repair_configs()
            .await?
            .into_iter()
            .map(|(code, c)| (code.to_string(), c))
            .collect(),
    ))
}

/// The repair configuration of the process `id` (or of `processCode`, when given).
#[utoipa::path(get, path = "/api/internal/Process/GetRepairOperation/{id}", tag = "Process",
    params(("id" = uuid::Uuid, Path, description = "The repair process's id"),
           ("processCode" = Option<i32>, Query, description = "The repair process's code")),
    responses((status = 200, body = RepairOperationConfig), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn get_repair_operation(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<RepairOperationConfig>> {
    let id = parse_uuid(&id, "id")?.hyphenated().to_string();
    let code = match Params::parse(query.as_deref())?.int("processCode")? {
        Some(code) => code,
        None => state
            .store
            .processes()
            .await?
            .into_iter()
            .find(|p| p.process_id == id)
            .map(|p| p.code)
            .ok_or_else(|| ApiError::not_found(format!("no process with id {id}")))?,
    };
    state
        .store
        .repair_config(code)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no repair configuration for process {code}")))
}

/// Creates or replaces the repair configuration of a repair process. Categories and fail
/// codes without a `GUID` get one; names must be given and unique within their level.
#[utoipa::path(put, path = "/api/internal/Process/PutRepairOperation/{processCode}",
    tag = "Process", request_body = RepairOperationConfig,
    params(("processCode" = i32, Path, description = "The repair process's code")),
    responses((status = 200, body = RepairOperationConfig), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_repair_operation(
    State(state): State<Arc<AppState>>,
    Path(code): Path<String>,
    body: Bytes,
) -> ApiResult<Json<RepairOperationConfig>> {
    let code: i64 = code.trim().parse().map_err(|_| {
        ApiError::bad_request(format!(
            "The value '{code}' is not valid for processCode: expected an integer."
        ))
    })?;
    let process = state
        .store
        .process_by_code(code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no process with code {code}")))?;
    if !process.is_repair_operation {
        return Err(ApiError::bad_request(format!(
            "process {code} ({}) is not a repair operation",
            process.name
        )));
    }
    let mut config: RepairOperationConfig = json_body(&body, "repair operation configuration")?;
    if config
        .description
        .as_deref()
        .is_none_or(|d| d.trim().is_empty())
    {
        config.description = Some(process.name.clone());
    }
    if let Some(mask) = config.comp_ref_mask.as_deref().filter(|m| !m.is_empty()) {
        comp_ref_mask(mask).map_err(|e| ApiError::bad_request(format!("CompRefMask: {e}")))?;
    }
    complete(&mut config.categories, "Categories")?;
    for (i, c) in config.categories.iter_mut().enumerate() {
        complete(&mut c.fail_codes, &format!("Categories[{i}].Failcodes"))?;
        if c.fail_codes.iter().any(|f| !f.fail_codes.is_empty()) {
            return Err(ApiError::bad_request(format!(
                "Categories[{i}].Failcodes: fail codes have no fail codes of their own"
            )));
        }
    }
    state.store.put_repair_config(code, &config).await?;
    Ok(Json(config))
}

/// Checks the names of one level of the tree and gives ids to those without.
fn complete(level: &mut [RepairCategory], at: &str) -> ApiResult<()> {
    let mut seen = std::collections::HashSet::new();
    for (i, c) in level.iter_mut().enumerate() {
        let name = c
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .ok_or_else(|| ApiError::bad_request(format!("{at}[{i}].Description is required")))?;
        if !seen.insert(name.to_lowercase()) {
            return Err(ApiError::bad_request(format!(
                "{at}[{i}].Description '{name}' is given twice"
            )));
        }
        c.guid.get_or_insert_with(uuid::Uuid::new_v4);
    }
    Ok(())
}

/// The longest component-reference mask.
const MAX_MASK: usize = 1000;

fn comp_ref_mask(mask: &str) -> Result<regex::Regex, String> {
    if mask.len() > MAX_MASK {
        return Err(format!("longer than {MAX_MASK} characters"));
    }
    regex::RegexBuilder::new(mask)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("not a valid regular expression: {e}"))
}

/// Refuses a UUR whose failures use a fail code its repair operation does not define, or a
/// component reference its mask does not match.
pub async fn check_uur(state: &AppState, report: &Report) -> ApiResult<()> {
    let (true, Some(code)) = (report.is_uur(), report.process_code) else {
        return Ok(());
    };
    let Some(config) = state.store.repair_config(code).await? else {
        return Ok(());
    };
    // A mask stored before it was checked, or by hand, and not valid is not applied.
    let mask = config
        .comp_ref_mask
        .as_deref()
        .filter(|m| !m.is_empty())
        .and_then(|m| comp_ref_mask(m).ok());
    for (i, unit) in report.sub_units.iter().flatten().enumerate() {
        for (j, f) in unit.failures.iter().flatten().enumerate() {
            let category = f.category.as_deref().unwrap_or_default();
            let fail_code = f.code.as_deref().unwrap_or_default();
            if config.fail_code(category, fail_code).is_none() {
                return Err(ApiError::bad_request(format!(
                    "Report validation failed: subUnits[{i}].failures[{j}]: invalid fail code: \
                     category='{category}', code='{fail_code}' is not defined for repair \
                     operation {code} ({})",
                    config.description.as_deref().unwrap_or_default()
                )));
            }
            if let (Some(mask), Some(com_ref)) = (&mask, f.com_ref.as_deref()) {
                if !mask.is_match(com_ref) {
                    return Err(ApiError::bad_request(format!(
                        "Report validation failed: subUnits[{i}].failures[{j}].comRef \
                         '{com_ref}' does not match the component-reference mask '{}' of \
                         repair operation {code}{}",
                        mask.as_str(),
                        config
                            .comp_ref_mask_description
                            .as_deref()
                            .map(|d| format!(" ({d})"))
                            .unwrap_or_default()
                    )));
                }
            }
        }
    }
    Ok(())
}
