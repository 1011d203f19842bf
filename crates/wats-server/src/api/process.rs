//! `/api/internal/Process/*`: editing the process list, as WATS's own internal API does.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;

use super::parse_uuid;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::store::Process;
use crate::AppState;
pub use wats_types::process::MesProcess;

impl From<Process> for MesProcess {
    fn from(p: Process) -> Self {
        MesProcess {
            code: i32::try_from(p.code).ok(),
            process_id: uuid::Uuid::parse_str(&p.process_id).ok(),
            name: Some(p.name),
            description: p.description,
            process_index: i32::try_from(p.process_index).ok(),
            state: i32::try_from(p.state).ok(),
            properties: p.properties,
            is_test_operation: Some(p.is_test_operation),
            is_wip_operation: Some(p.is_wip_operation),
            is_repair_operation: Some(p.is_repair_operation),
            extra: Default::default(),
        }
    }
}

fn parse_body(body: &[u8]) -> ApiResult<MesProcess> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("invalid process: {e}")))
}

async fn save(state: &AppState, m: MesProcess, insert: bool) -> ApiResult<Json<MesProcess>> {
    let code = m
        .code
        .map(i64::from)
        .ok_or_else(|| ApiError::bad_request("Code is required"))?;
    let name = m
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::bad_request("Name is required"))?
        .to_owned();
    let existing = state.store.processes().await?;
    let id = match (m.process_id, insert) {
        (Some(id), _) => id,
        (None, true) => uuid::Uuid::new_v4(),
        (None, false) => existing
            .iter()
            .find(|p| p.code == code)
            .and_then(|p| uuid::Uuid::parse_str(&p.process_id).ok())
            .ok_or_else(|| ApiError::not_found(format!("no process with code {code}")))?,
    };
    let id_text = id.hyphenated().to_string();
    let same_id = |p: &&Process| p.process_id == id_text;
    if insert && existing.iter().any(|p| p.code == code) {
        return Err(ApiError::bad_request(format!(
            "a process with code {code} exists"
        )));
    }
    if !insert && !existing.iter().any(|p| same_id(&p)) {
        return Err(ApiError::not_found(format!("no process with id {id}")));
    }
    if let Some(other) = existing
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(&name) && p.process_id != id_text)
    {
        return Err(ApiError::bad_request(format!(
            "the name '{name}' is taken by process {}",
            other.code
        )));
    }
    if !insert
        && existing
            .iter()
            .any(|p| p.code == code && p.process_id != id_text)
    {
        return Err(ApiError::bad_request(format!(
            "a process with code {code} exists"
        )));
    }
    let p = Process {
        code,
        process_id: id_text,
        name,
        description: m.description,
        is_test_operation: m.is_test_operation.unwrap_or(false),
        is_repair_operation: m.is_repair_operation.unwrap_or(false),
        is_wip_operation: m.is_wip_operation.unwrap_or(false),
        process_index: m.process_index.map(i64::from).unwrap_or(code),
        state: m.state.map(i64::from).unwrap_or(1),
        properties: m.properties,
    };
    state.store.put_process(&p).await?;
    Ok(Json(p.into()))
}

/// All processes (active and inactive).
#[utoipa::path(get, path = "/api/internal/Process/GetProcesses", tag = "Process",
    responses((status = 200, body = Vec<MesProcess>), (status = 401, body = ErrorBody)))]
pub async fn get_processes(State(state): State<Arc<AppState>>) -> ApiResult<Json<Vec<MesProcess>>> {
    Ok(Json(
        state
            .store
            .processes()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// One process by id.
#[utoipa::path(get, path = "/api/internal/Process/GetProcess/{id}", tag = "Process",
    params(("id" = uuid::Uuid, Path, description = "Process id")),
    responses((status = 200, body = MesProcess), (status = 404, body = ErrorBody)))]
pub async fn get_process(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<MesProcess>> {
    let id = parse_uuid(&id, "id")?.hyphenated().to_string();
    state
        .store
        .processes()
        .await?
        .into_iter()
        .find(|p| p.process_id == id)
        .map(|p| Json(p.into()))
        .ok_or_else(|| ApiError::not_found(format!("no process with id {id}")))
}

/// Inserts a new process.
#[utoipa::path(post, path = "/api/internal/Process/PostProcess", tag = "Process",
    request_body = MesProcess,
    responses((status = 200, body = MesProcess), (status = 400, body = ErrorBody)))]
pub async fn post_process(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<MesProcess>> {
    save(&state, parse_body(&body)?, true).await
}

/// Updates a process (by `ProcessID`, else by `Code`).
#[utoipa::path(put, path = "/api/internal/Process/PutProcess", tag = "Process",
    request_body = MesProcess,
    responses((status = 200, body = MesProcess), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_process(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<MesProcess>> {
    save(&state, parse_body(&body)?, false).await
}

/// Deletes a process.
#[utoipa::path(delete, path = "/api/internal/Process/DeleteProcess/{id}", tag = "Process",
    params(("id" = uuid::Uuid, Path, description = "Process id")),
    responses((status = 200, body = MesProcess), (status = 404, body = ErrorBody)))]
pub async fn delete_process(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<MesProcess>> {
    let id = parse_uuid(&id, "id")?.hyphenated().to_string();
    let existing = state
        .store
        .processes()
        .await?
        .into_iter()
        .find(|p| p.process_id == id)
        .ok_or_else(|| ApiError::not_found(format!("no process with id {id}")))?;
    state.store.delete_process(&id).await?;
    Ok(Json(existing.into()))
}
