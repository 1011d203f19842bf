//! `/api/SystemManager/Level`: creating and finding levels (client groups) by their
//! hierarchy of names, as WATS's public API does. `GET /api/App/Levels` lists them.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::Json;

use super::{json_body, Params};
use crate::error::{ApiResult, ErrorBody};
use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The id of the last level of a hierarchy (`hierarchy` repeated, top level first), or
/// `null` when some level is missing.
#[utoipa::path(get, path = "/api/SystemManager/Level", tag = "SystemManager",
    params(("hierarchy" = Vec<String>, Query, description = "Level names, top first (repeated)")),
    responses((status = 200, body = Option<i64>), (status = 400, body = ErrorBody)))]
pub async fn get_level(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Option<i64>>> {
    let params = Params::parse(query.as_deref())?;
    let hierarchy: Vec<String> = params
        .0
        .into_iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("hierarchy"))
        .map(|(_, v)| v)
        .collect();
    Ok(Json(state.store.level_id(&hierarchy).await?))
}

/// Creates the levels of a hierarchy (a JSON list of names, top first) that do not exist yet;
/// answers the last level's id.
#[utoipa::path(post, path = "/api/SystemManager/Level", tag = "SystemManager",
    request_body = Vec<String>,
    responses((status = 200, body = i64), (status = 400, body = ErrorBody)))]
pub async fn post_level(State(state): State<Arc<AppState>>, body: Bytes) -> ApiResult<Json<i64>> {
    let hierarchy: Vec<String> = json_body(&body, "hierarchy")?;
    Ok(Json(state.store.create_levels(&hierarchy).await?))
}

/// Adds this module's routes (declared for the OpenAPI document).
pub fn routes(router: OpenApiRouter<Arc<AppState>>) -> OpenApiRouter<Arc<AppState>> {
    router.routes(routes!(get_level, post_level))
}
