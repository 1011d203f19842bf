//! `/api/App/*`: version, processes, levels, product groups.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::Json;

use super::Params;
use crate::error::{ApiResult, ErrorBody};
use crate::store::Process;
use crate::AppState;
use wats_types::level::Level;
use wats_types::process::Process as ProcessInfo;
use wats_types::product::ProductGroup;

/// The version string this server answers.
pub fn version_string() -> String {
    format!("{} (wats-server)", env!("CARGO_PKG_VERSION"))
}

/// Server/API version.
#[utoipa::path(get, path = "/api/App/Version", tag = "App",
    responses((status = 200, description = "The server version", body = String),
              (status = 401, body = ErrorBody)))]
pub async fn version() -> Json<String> {
    Json(version_string())
}

impl From<Process> for ProcessInfo {
    fn from(p: Process) -> Self {
        ProcessInfo {
            code: i32::try_from(p.code).ok(),
            name: Some(p.name),
            description: p.description,
            is_test_operation: Some(p.is_test_operation),
            is_repair_operation: Some(p.is_repair_operation),
            is_wip_operation: Some(p.is_wip_operation),
            process_index: i32::try_from(p.process_index).ok(),
            state: i32::try_from(p.state).ok(),
            process_id: uuid::Uuid::parse_str(&p.process_id).ok(),
            extra: Default::default(),
        }
    }
}

/// Processes. Without filters: the active test, repair and WIP operations.
#[utoipa::path(get, path = "/api/App/Processes", tag = "App",
    params(
        ("includeTestOperations" = Option<bool>, Query, description = "Include test operations"),
        ("includeRepairOperations" = Option<bool>, Query, description = "Include repair operations"),
        ("includeWipOperations" = Option<bool>, Query, description = "Include WIP operations"),
        ("includeInactiveProcesses" = Option<bool>, Query, description = "Include inactive processes"),
    ),
    responses((status = 200, body = Vec<ProcessInfo>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub async fn processes(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<ProcessInfo>>> {
    let params = Params::parse(query.as_deref())?;
    let test = params.bool("includeTestOperations")?;
    let repair = params.bool("includeRepairOperations")?;
    let wip = params.bool("includeWipOperations")?;
    let inactive = params.bool("includeInactiveProcesses")?.unwrap_or(false);
    let any_kind = test.is_some() || repair.is_some() || wip.is_some();
    let list = state
        .store
        .processes()
        .await?
        .into_iter()
        .filter(|p| inactive || p.state == 1)
        .filter(|p| {
            if any_kind {
                (test == Some(true) && p.is_test_operation)
                    || (repair == Some(true) && p.is_repair_operation)
                    || (wip == Some(true) && p.is_wip_operation)
            } else {
                p.is_test_operation || p.is_repair_operation || p.is_wip_operation
            }
        })
        .map(ProcessInfo::from)
        .collect();
    Ok(Json(list))
}

/// Levels (client groups).
#[utoipa::path(get, path = "/api/App/Levels", tag = "App",
    responses((status = 200, body = Vec<Level>), (status = 401, body = ErrorBody)))]
pub async fn levels(State(state): State<Arc<AppState>>) -> ApiResult<Json<Vec<Level>>> {
    Ok(Json(
        state
            .store
            .levels()
            .await?
            .into_iter()
            .map(|(level_id, level_name)| Level {
                level_id: Some(level_id as i32),
                level_name: Some(level_name),
                extra: Default::default(),
            })
            .collect(),
    ))
}

/// Product groups; with `includeFilters=true` each carries its `filters` (as
/// `GET /api/Product/ProductGroupFilter` lists them).
#[utoipa::path(get, path = "/api/App/ProductGroups", tag = "App",
    params(("includeFilters" = Option<bool>, Query, description = "Include product group filters")),
    responses((status = 200, body = Vec<ProductGroup>), (status = 401, body = ErrorBody)))]
pub async fn product_groups(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<ProductGroup>>> {
    let filters = Params::parse(query.as_deref())?
        .bool("includeFilters")?
        .unwrap_or(false);
    let mut tx = state.store.product_read().await?;
    let mut out = Vec::new();
    for g in tx.group_definitions(None, filters).await? {
        let mut extra = serde_json::Map::new();
        if let Some(f) = g.filters {
            extra.insert(
                "filters".into(),
                serde_json::to_value(f).map_err(anyhow::Error::from)?,
            );
        }
        out.push(ProductGroup {
            product_group_id: g.id,
            product_group_name: g.name,
            extra,
        });
    }
    Ok(Json(out))
}
