//! `/api/internal/ManualInspection/*`: test-sequence definitions (global or not, copies,
//! status), their relations and the conflicts between them, the sequence list, and the
//! definition's XAML, stored and returned as given (it is also the workflow content
//! `GetWatswwfContent` answers: WATS's inspections are Windows Workflow XAML).
//!
//! Kept opaque: the XAML, and every definition or relation key this server does not type
//! (`VirtualFolderId`, `LogOperator`, `RepairProcessId`, `TestSequenceProcessRelations`, ...).
//! Validated: names and required ids, `OnFailRequireRepair` 0..2, and the life cycle pyWATS
//! documents for WATS: draft (0) ↔ pending (1) → released (2) → revoked (3); only a draft is
//! edited (its fields and XAML); releasing revokes the released definition of the same name;
//! a new definition or copy takes the next version of its name. The release and revoke
//! stamps are the server's.
//! Not served: `GetMiDetails(New)`, `ValidateMiscInfo` and `PutStringTest`: they concern
//! inspections being run (instances), which this server does not run, and their rules are not
//! in the sources. `GetInstancesCount` answers 0 for the same reason.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wats_types::manual_inspection::{
    DefinitionStatus, MiSequence, RelationConflict, TestSequenceDefinition, TestSequenceRelation,
};

use super::{json_body, parse_uuid, required_param, Params};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::AppState;

/// The manual-inspection routes.
pub fn routes(router: OpenApiRouter<Arc<AppState>>) -> OpenApiRouter<Arc<AppState>> {
    router
        .routes(routes!(get_definitions))
        .routes(routes!(get_definition))
        .routes(routes!(get_definition_copy))
        .routes(routes!(get_instances_count))
        .routes(routes!(post_definition))
        .routes(routes!(put_definition))
        .routes(routes!(get_relations))
        .routes(routes!(get_relation_conflicts))
        .routes(routes!(get_relation_conflicts_new))
        .routes(routes!(post_relation))
        .routes(routes!(put_relation))
        .routes(routes!(delete_relation))
        .routes(routes!(get_sequences))
        .routes(routes!(put_sequence))
        .routes(routes!(delete_sequence))
        .routes(routes!(get_xaml))
        .routes(routes!(put_xaml))
        .routes(routes!(get_wwf_content))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Keys the server keeps: a request's values for them are ignored.
const SERVER_KEPT: &[&str] = &[
    "TestSequenceDefinitionId",
    "Created",
    "CreatedBy",
    "Modified",
    "ModifiedBy",
    "Released",
    "ReleasedBy",
    "Revoked",
    "RevokedBy",
    "Relations",
    "InstancesCount",
    "XAML",
];

async fn definition(
    state: &AppState,
    id: &str,
) -> ApiResult<(TestSequenceDefinition, Option<String>)> {
    state
        .store
        .mi_definition(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No test sequence definition {id}")))
}

fn check(d: &TestSequenceDefinition) -> ApiResult<()> {
    if d.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(ApiError::bad_request("Name is required"));
    }
    if d.name.as_deref().is_some_and(|n| n.chars().count() > 256) {
        return Err(ApiError::bad_request("Name is longer than 256 characters"));
    }
    if let Some(s) = d.status.filter(|s| !(0..=3).contains(&s.0)) {
        return Err(ApiError::bad_request(format!(
            "Status {} is not 0 (draft), 1 (pending), 2 (released) or 3 (revoked)",
            s.0
        )));
    }
    if let Some(r) = d.on_fail_require_repair.filter(|r| !(0..=2).contains(r)) {
        return Err(ApiError::bad_request(format!(
            "OnFailRequireRepair {r} is not 0 (disabled), 1 (optional) or 2 (required)"
        )));
    }
    Ok(())
}

/// Whether a definition may go from `from` to `to`.
fn allowed(from: DefinitionStatus, to: DefinitionStatus) -> bool {
    use DefinitionStatus as S;
    from == to
        || matches!(
            (from, to),
            (S::DRAFT, S::PENDING)
                | (S::PENDING, S::DRAFT)
                | (S::PENDING, S::RELEASED)
                | (S::RELEASED, S::REVOKED)
        )
}

fn status_name(s: DefinitionStatus) -> String {
    match s.0 {
        0 => "draft".into(),
        1 => "pending".into(),
        2 => "released".into(),
        3 => "revoked".into(),
        n => n.to_string(),
    }
}

/// Checks a change from `stored` to `changed`: the status transition, and that only a draft
/// has its fields (or XAML, `xaml_changes`) edited.
fn check_change(
    stored: &TestSequenceDefinition,
    changed: &TestSequenceDefinition,
    xaml_changes: bool,
) -> ApiResult<()> {
    let from = stored.status.unwrap_or_default();
    let to = changed.status.unwrap_or_default();
    if !allowed(from, to) {
        return Err(ApiError::bad_request(format!(
            "Status cannot change from {} to {} (draft ↔ pending → released → revoked)",
            status_name(from),
            status_name(to)
        )));
    }
    let fields_change = TestSequenceDefinition {
        status: stored.status,
        ..changed.clone()
    } != *stored;
    if (fields_change || xaml_changes) && from != DefinitionStatus::DRAFT {
        return Err(ApiError::bad_request(format!(
            "Only a draft can be edited; this definition is {} (copy it to edit)",
            status_name(from)
        )));
    }
    Ok(())
}

/// The version a new definition named `name` takes: one more than the highest of that name.
async fn next_version(state: &AppState, name: &str) -> ApiResult<i32> {
    let key = name.trim().to_lowercase();
    Ok(state
        .store
        .mi_definitions(None)
        .await?
        .iter()
        .filter(|d| {
            d.name
                .as_deref()
                .is_some_and(|n| n.trim().to_lowercase() == key)
        })
        .filter_map(|d| d.version)
        .max()
        .unwrap_or(0)
        + 1)
}

/// Saves a definition; a release revokes the released definition of the same name.
async fn save(
    state: &AppState,
    d: &TestSequenceDefinition,
    before: Option<DefinitionStatus>,
    xaml: Option<&str>,
    user: &str,
) -> ApiResult<()> {
    if d.status == Some(DefinitionStatus::RELEASED) && before != d.status {
        let key = d.name.as_deref().unwrap_or_default().trim().to_lowercase();
        for mut other in state.store.mi_definitions(None).await? {
            let same = other
                .name
                .as_deref()
                .is_some_and(|n| n.trim().to_lowercase() == key);
            if same
                && other.status == Some(DefinitionStatus::RELEASED)
                && other.test_sequence_definition_id != d.test_sequence_definition_id
            {
                other.status = Some(DefinitionStatus::REVOKED);
                stamp(&mut other, Some(DefinitionStatus::RELEASED), user);
                state.store.put_mi_definition(&other, None).await?;
            }
        }
    }
    state.store.put_mi_definition(d, xaml).await?;
    Ok(())
}

/// Sets the stamps a status change brings.
fn stamp(d: &mut TestSequenceDefinition, before: Option<DefinitionStatus>, user: &str) {
    let when = now();
    if d.status != before {
        match d.status {
            Some(DefinitionStatus::RELEASED) => {
                d.released = Some(when.clone());
                d.released_by = Some(user.to_owned());
            }
            Some(DefinitionStatus::REVOKED) => {
                d.revoked = Some(when.clone());
                d.revoked_by = Some(user.to_owned());
            }
            _ => {}
        }
    }
    d.modified = Some(when);
    d.modified_by = Some(user.to_owned());
}

/// Definitions, global (`isGlobalDefinitions=true`) or not (`false`), by name; all when the
/// parameter is absent. Without relations and XAML.
#[utoipa::path(get, path = "/api/internal/ManualInspection/GetTestSequenceDefinitions",
    tag = "ManualInspection",
    params(("isGlobalDefinitions" = Option<bool>, Query, description = "Global definitions or not")),
    responses((status = 200, body = Vec<TestSequenceDefinition>), (status = 400, body = ErrorBody)))]
pub async fn get_definitions(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<TestSequenceDefinition>>> {
    let global = Params::parse(query.as_deref())?.bool("isGlobalDefinitions")?;
    Ok(Json(state.store.mi_definitions(global).await?))
}

async fn full(state: &AppState, id: &str) -> ApiResult<TestSequenceDefinition> {
    let (mut d, xaml) = definition(state, id).await?;
    d.relations = state.store.mi_relations(Some(id)).await?;
    d.instances_count = Some(0);
    d.xaml = xaml;
    Ok(d)
}

/// One definition with its relations and XAML.
#[utoipa::path(get, path = "/api/internal/ManualInspection/GetTestSequenceDefinition",
    tag = "ManualInspection",
    params(("definitionId" = uuid::Uuid, Query, description = "The definition")),
    responses((status = 200, body = TestSequenceDefinition), (status = 404, body = ErrorBody)))]
pub async fn get_definition(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<TestSequenceDefinition>> {
    let params = Params::parse(query.as_deref())?;
    let id = parse_uuid(required_param(&params, "definitionId")?, "definitionId")?;
    Ok(Json(full(&state, &id.to_string()).await?))
}

/// Copies a definition (its fields and XAML, not its relations, which would conflict): a new
/// draft, the next version of its name, created by the caller. Answers the copy.
#[utoipa::path(get, path = "/api/internal/ManualInspection/GetDefinitionCopy/{id}",
    tag = "ManualInspection", params(("id" = uuid::Uuid, Path, description = "The definition")),
    responses((status = 200, body = TestSequenceDefinition), (status = 404, body = ErrorBody)))]
pub async fn get_definition_copy(
    State(state): State<Arc<AppState>>,
    Extension(me): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<TestSequenceDefinition>> {
    let id = parse_uuid(&id, "id")?.to_string();
    let (original, xaml) = definition(&state, &id).await?;
    let when = now();
    let version = next_version(&state, original.name.as_deref().unwrap_or_default()).await?;
    let copy = TestSequenceDefinition {
        test_sequence_definition_id: Some(uuid::Uuid::new_v4()),
        version: Some(version),
        status: Some(DefinitionStatus::DRAFT),
        created: Some(when.clone()),
        created_by: Some(me.username.clone()),
        modified: Some(when),
        modified_by: Some(me.username.clone()),
        released: None,
        released_by: None,
        revoked: None,
        revoked_by: None,
        ..original
    };
    state
        .store
        .put_mi_definition(&copy, xaml.as_deref())
        .await?;
    let copy_id = copy.test_sequence_definition_id.unwrap_or_default();
    Ok(Json(full(&state, &copy_id.to_string()).await?))
}

/// Inspections run of a definition: always 0 here (this server runs none).
#[utoipa::path(get, path = "/api/internal/ManualInspection/GetInstancesCount/{id}",
    tag = "ManualInspection", params(("id" = uuid::Uuid, Path, description = "The definition")),
    responses((status = 200, body = i32), (status = 404, body = ErrorBody)))]
pub async fn get_instances_count(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<i32>> {
    let id = parse_uuid(&id, "id")?.to_string();
    definition(&state, &id).await?;
    Ok(Json(0))
}

/// Creates a definition (`Name` required): a draft, the next version of its name (1 for a new
/// name), created by the caller.
#[utoipa::path(post, path = "/api/internal/ManualInspection/PostDefinition",
    tag = "ManualInspection", request_body = TestSequenceDefinition,
    responses((status = 200, body = TestSequenceDefinition), (status = 400, body = ErrorBody)))]
pub async fn post_definition(
    State(state): State<Arc<AppState>>,
    Extension(me): Extension<Principal>,
    body: Bytes,
) -> ApiResult<Json<TestSequenceDefinition>> {
    let req: TestSequenceDefinition = json_body(&body, "test sequence definition")?;
    check(&req)?;
    if req.status.is_some_and(|s| s != DefinitionStatus::DRAFT) {
        return Err(ApiError::bad_request(
            "A new definition is a draft (Status 0)",
        ));
    }
    let when = now();
    let version = next_version(&state, req.name.as_deref().unwrap_or_default()).await?;
    let d = TestSequenceDefinition {
        test_sequence_definition_id: Some(uuid::Uuid::new_v4()),
        version: Some(version),
        status: Some(DefinitionStatus::DRAFT),
        is_global: Some(req.is_global.unwrap_or(false)),
        created: Some(when.clone()),
        created_by: Some(me.username.clone()),
        modified: Some(when),
        modified_by: Some(me.username.clone()),
        released: None,
        released_by: None,
        revoked: None,
        revoked_by: None,
        relations: Vec::new(),
        instances_count: None,
        ..req.clone()
    };
    state
        .store
        .put_mi_definition(&d, req.xaml.as_deref())
        .await?;
    let id = d.test_sequence_definition_id.unwrap_or_default();
    Ok(Json(full(&state, &id.to_string()).await?))
}

/// The request's keys laid over the stored object (keys the server keeps are skipped).
fn overlay<T: serde::Serialize + serde::de::DeserializeOwned>(
    stored: &T,
    body: &Map<String, Value>,
    kept: &[&str],
    what: &str,
) -> ApiResult<T> {
    let mut v = serde_json::to_value(stored).map_err(anyhow::Error::from)?;
    if let Some(o) = v.as_object_mut() {
        for (k, val) in body {
            if !kept.contains(&k.as_str()) {
                o.insert(k.clone(), val.clone());
            }
        }
    }
    serde_json::from_value(v).map_err(|e| ApiError::bad_request(format!("invalid {what}: {e}")))
}

/// Changes a definition (`TestSequenceDefinitionId` required): the keys given replace the
/// stored ones (a draft's only); the status follows draft ↔ pending → released → revoked.
#[utoipa::path(put, path = "/api/internal/ManualInspection/PutDefinitionNew",
    tag = "ManualInspection", request_body = TestSequenceDefinition,
    responses((status = 200, body = TestSequenceDefinition), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_definition(
    State(state): State<Arc<AppState>>,
    Extension(me): Extension<Principal>,
    body: Bytes,
) -> ApiResult<Json<TestSequenceDefinition>> {
    let req: TestSequenceDefinition = json_body(&body, "test sequence definition")?;
    let keys: Map<String, Value> = json_body(&body, "test sequence definition")?;
    let id = req
        .test_sequence_definition_id
        .ok_or_else(|| ApiError::bad_request("TestSequenceDefinitionId is required"))?
        .to_string();
    let (stored, stored_xaml) = definition(&state, &id).await?;
    let mut d = overlay(&stored, &keys, SERVER_KEPT, "test sequence definition")?;
    check(&d)?;
    let xaml_changes = req.xaml.is_some() && req.xaml != stored_xaml;
    check_change(&stored, &d, xaml_changes)?;
    stamp(&mut d, stored.status, &me.username);
    save(&state, &d, stored.status, req.xaml.as_deref(), &me.username).await?;
    Ok(Json(full(&state, &id).await?))
}

/// A definition's relations.
#[utoipa::path(get, path = "/api/internal/ManualInspection/GetRelations/{id}",
    tag = "ManualInspection", params(("id" = uuid::Uuid, Path, description = "The definition")),
    responses((status = 200, body = Vec<TestSequenceRelation>), (status = 404, body = ErrorBody)))]
pub async fn get_relations(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<TestSequenceRelation>>> {
    let id = parse_uuid(&id, "id")?.to_string();
    definition(&state, &id).await?;
    Ok(Json(state.store.mi_relations(Some(&id)).await?))
}

/// Other definitions' relations to the entities this definition's relations name (same
/// schema, name and value, compared without regard to case).
async fn conflicts(state: &AppState, id: &str) -> ApiResult<Vec<RelationConflict>> {
    let id = parse_uuid(id, "id")?.to_string();
    definition(state, &id).await?;
    let mine = state.store.mi_relations(Some(&id)).await?;
    let key = |r: &TestSequenceRelation| {
        [&r.entity_schema, &r.entity_name, &r.entity_value]
            .map(|v| v.as_deref().unwrap_or_default().trim().to_lowercase())
    };
    let wanted: Vec<_> = mine.iter().map(key).collect();
    let mut out = Vec::new();
    for r in state.store.mi_relations(None).await? {
        let other = r
            .test_sequence_definition_id
            .unwrap_or_default()
            .to_string();
        if other == id || !wanted.contains(&key(&r)) {
            continue;
        }
        let Some((d, _)) = state.store.mi_definition(&other).await? else {
            continue;
        };
        out.push(RelationConflict {
            test_sequence_definition_id: r.test_sequence_definition_id,
            test_sequence_relation_id: r.test_sequence_relation_id,
            name: d.name,
            entity_name: r.entity_name,
            entity_value: r.entity_value,
            status: d.status.map(|s| s.0),
            extra: Default::default(),
        });
    }
    Ok(out)
}

/// Conflicts (legacy form; the same answer as `GetRelationConflictsNew`).
#[utoipa::path(get, path = "/api/internal/ManualInspection/GetRelationConflicts/{id}",
    tag = "ManualInspection", params(("id" = uuid::Uuid, Path, description = "The definition")),
    responses((status = 200, body = Vec<RelationConflict>), (status = 404, body = ErrorBody)))]
pub async fn get_relation_conflicts(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<RelationConflict>>> {
    Ok(Json(conflicts(&state, &id).await?))
}

/// Other definitions related to the same entities as this one.
#[utoipa::path(get, path = "/api/internal/ManualInspection/GetRelationConflictsNew/{id}",
    tag = "ManualInspection", params(("id" = uuid::Uuid, Path, description = "The definition")),
    responses((status = 200, body = Vec<RelationConflict>), (status = 404, body = ErrorBody)))]
pub async fn get_relation_conflicts_new(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<RelationConflict>>> {
    Ok(Json(conflicts(&state, &id).await?))
}

fn check_relation(r: &TestSequenceRelation) -> ApiResult<()> {
    for (v, f) in [
        (&r.entity_schema, "EntitySchema"),
        (&r.entity_name, "EntityName"),
    ] {
        if v.as_deref().is_none_or(|v| v.trim().is_empty()) {
            return Err(ApiError::bad_request(format!("{f} is required")));
        }
    }
    Ok(())
}

/// Relates a definition to an entity (`TestSequenceDefinitionId`, `EntitySchema`,
/// `EntityName` required).
#[utoipa::path(post, path = "/api/internal/ManualInspection/PostRelation",
    tag = "ManualInspection", request_body = TestSequenceRelation,
    responses((status = 200, body = TestSequenceRelation), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn post_relation(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<TestSequenceRelation>> {
    let mut r: TestSequenceRelation = json_body(&body, "relation")?;
    let def = r
        .test_sequence_definition_id
        .ok_or_else(|| ApiError::bad_request("TestSequenceDefinitionId is required"))?;
    check_relation(&r)?;
    definition(&state, &def.to_string()).await?;
    r.test_sequence_relation_id = Some(uuid::Uuid::new_v4());
    state.store.put_mi_relation(&r).await?;
    Ok(Json(r))
}

async fn stored_relation(
    state: &AppState,
    body: &[u8],
) -> ApiResult<(TestSequenceRelation, Map<String, Value>)> {
    let r: TestSequenceRelation = json_body(body, "relation")?;
    let keys: Map<String, Value> = json_body(body, "relation")?;
    let id = r
        .test_sequence_relation_id
        .ok_or_else(|| ApiError::bad_request("TestSequenceRelationId is required"))?;
    let stored = state
        .store
        .mi_relation(&id.to_string())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No relation {id}")))?;
    Ok((stored, keys))
}

/// Changes a relation (`TestSequenceRelationId` required; the keys given replace the stored).
#[utoipa::path(put, path = "/api/internal/ManualInspection/PutRelation",
    tag = "ManualInspection", request_body = TestSequenceRelation,
    responses((status = 200, body = TestSequenceRelation), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_relation(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<TestSequenceRelation>> {
    let (stored, keys) = stored_relation(&state, &body).await?;
    let mut r = overlay(&stored, &keys, &["TestSequenceRelationId"], "relation")?;
    r.test_sequence_relation_id = stored.test_sequence_relation_id;
    check_relation(&r)?;
    let def = r
        .test_sequence_definition_id
        .ok_or_else(|| ApiError::bad_request("TestSequenceDefinitionId is required"))?;
    definition(&state, &def.to_string()).await?;
    state.store.put_mi_relation(&r).await?;
    Ok(Json(r))
}

/// Deletes a relation (`TestSequenceRelationId`; WATS takes it by PUT); answers it.
#[utoipa::path(put, path = "/api/internal/ManualInspection/DeleteRelationNew",
    tag = "ManualInspection", request_body = TestSequenceRelation,
    responses((status = 200, body = TestSequenceRelation), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete_relation(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<TestSequenceRelation>> {
    let (stored, _) = stored_relation(&state, &body).await?;
    let id = stored.test_sequence_relation_id.unwrap_or_default();
    state.store.delete_mi_relation(&id.to_string()).await?;
    Ok(Json(stored))
}

fn sequence(d: TestSequenceDefinition) -> MiSequence {
    MiSequence {
        test_sequence_definition_id: d.test_sequence_definition_id,
        name: d.name,
        version: d.version,
        status: d.status,
        extra: Default::default(),
    }
}

/// Every definition as a sequence (id, name, version, status), by name.
#[utoipa::path(get, path = "/api/internal/ManualInspection/GetSequences",
    tag = "ManualInspection", responses((status = 200, body = Vec<MiSequence>)))]
pub async fn get_sequences(State(state): State<Arc<AppState>>) -> ApiResult<Json<Vec<MiSequence>>> {
    Ok(Json(
        state
            .store
            .mi_definitions(None)
            .await?
            .into_iter()
            .map(sequence)
            .collect(),
    ))
}

/// Changes a sequence's name, version or status (`TestSequenceDefinitionId` required).
#[utoipa::path(put, path = "/api/internal/ManualInspection/PutSequence",
    tag = "ManualInspection", request_body = MiSequence,
    responses((status = 200, body = MiSequence), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_sequence(
    State(state): State<Arc<AppState>>,
    Extension(me): Extension<Principal>,
    body: Bytes,
) -> ApiResult<Json<MiSequence>> {
    let s: MiSequence = json_body(&body, "sequence")?;
    let id = s
        .test_sequence_definition_id
        .ok_or_else(|| ApiError::bad_request("TestSequenceDefinitionId is required"))?
        .to_string();
    let (stored, _) = definition(&state, &id).await?;
    let mut d = stored.clone();
    d.name = s.name.or(d.name);
    d.version = s.version.or(d.version);
    d.status = s.status.or(d.status);
    check(&d)?;
    check_change(&stored, &d, false)?;
    stamp(&mut d, stored.status, &me.username);
    save(&state, &d, stored.status, None, &me.username).await?;
    Ok(Json(sequence(d)))
}

/// Deletes a sequence: the definition, its relations and XAML. Answers `true`.
#[utoipa::path(delete, path = "/api/internal/ManualInspection/DeleteSequence/{id}",
    tag = "ManualInspection", params(("id" = uuid::Uuid, Path, description = "The definition")),
    responses((status = 200, body = bool), (status = 404, body = ErrorBody)))]
pub async fn delete_sequence(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<bool>> {
    let id = parse_uuid(&id, "id")?.to_string();
    if !state.store.delete_mi_definition(&id).await? {
        return Err(ApiError::not_found(format!(
            "No test sequence definition {id}"
        )));
    }
    Ok(Json(true))
}

async fn xaml_of(state: &AppState, id: &str) -> ApiResult<Json<String>> {
    let id = parse_uuid(id, "definitionId")?.to_string();
    let (_, xaml) = definition(state, &id).await?;
    xaml.map(Json)
        .ok_or_else(|| ApiError::not_found(format!("Definition {id} has no XAML")))
}

/// A definition's XAML, as given.
#[utoipa::path(get, path = "/api/internal/ManualInspection/GetTestSequenceDefinitionXaml",
    tag = "ManualInspection",
    params(("definitionId" = uuid::Uuid, Query, description = "The definition")),
    responses((status = 200, body = String), (status = 404, body = ErrorBody)))]
pub async fn get_xaml(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<String>> {
    let params = Params::parse(query.as_deref())?;
    xaml_of(&state, required_param(&params, "definitionId")?).await
}

/// Stores a definition's XAML (`TestSequenceDefinitionId` and `XAML` required); answers the
/// definition.
#[utoipa::path(put, path = "/api/internal/ManualInspection/PutTestSequenceDefinitionXaml",
    tag = "ManualInspection", request_body = TestSequenceDefinition,
    responses((status = 200, body = TestSequenceDefinition), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_xaml(
    State(state): State<Arc<AppState>>,
    Extension(me): Extension<Principal>,
    body: Bytes,
) -> ApiResult<Json<TestSequenceDefinition>> {
    let req: TestSequenceDefinition = json_body(&body, "XAML")?;
    let id = req
        .test_sequence_definition_id
        .ok_or_else(|| ApiError::bad_request("TestSequenceDefinitionId is required"))?
        .to_string();
    let xaml = req
        .xaml
        .ok_or_else(|| ApiError::bad_request("XAML is required"))?;
    let (mut d, stored_xaml) = definition(&state, &id).await?;
    check_change(&d, &d, stored_xaml.as_deref() != Some(xaml.as_str()))?;
    let before = d.status;
    stamp(&mut d, before, &me.username);
    state.store.put_mi_definition(&d, Some(&xaml)).await?;
    Ok(Json(full(&state, &id).await?))
}

/// The workflow content of a definition: its XAML, as given.
#[utoipa::path(get, path = "/api/internal/ManualInspection/GetWatswwfContent/{id}",
    tag = "ManualInspection", params(("id" = uuid::Uuid, Path, description = "The definition")),
    responses((status = 200, body = String), (status = 404, body = ErrorBody)))]
pub async fn get_wwf_content(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<String>> {
    xaml_of(&state, &id).await
}
