//! `/api/SCIM/v2/*`: users and their tokens, as SCIM 2.0 (RFC 7644) provisions them.
//!
//! Every change to a user forgets the user's verified credentials at once
//! ([`crate::auth::TokenCache::forget_user`]): a deactivated, deleted or demoted user's next
//! request is checked against the database. The last active admin cannot be deactivated,
//! demoted or deleted (the server would have no one left to manage it).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wats_types::scim::{
    ScimListResponse, ScimName, ScimPatchOperation, ScimPatchRequest, ScimToken, ScimUser,
    ScimValue, LIST_SCHEMA, USER_SCHEMA,
};

use super::{json_body, Params};
use crate::auth::{mint_token, Principal, DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS};
use crate::authz::Role;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::store::users::User;
use crate::AppState;

/// The most users one page lists.
const MAX_PAGE: i64 = 1000;
/// Users per page when `count` is not given.
const DEFAULT_PAGE: i64 = 100;
/// Longest user name and text attribute.
const MAX_TEXT: usize = 256;

/// The SCIM routes.
pub fn routes(router: OpenApiRouter<Arc<AppState>>) -> OpenApiRouter<Arc<AppState>> {
    router
        .routes(routes!(token))
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, delete_user, patch_user))
}

fn iso(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A stored user as SCIM shows it.
pub fn to_scim(u: &User) -> ScimUser {
    let formatted = u.display_name.clone();
    let name =
        (formatted.is_some() || u.given_name.is_some() || u.family_name.is_some()).then(|| {
            ScimName {
                formatted,
                given_name: u.given_name.clone(),
                family_name: u.family_name.clone(),
                extra: Default::default(),
            }
        });
    ScimUser {
        schemas: vec![USER_SCHEMA.to_owned()],
        id: Some(u.user_id.clone()),
        user_name: Some(u.username.clone()),
        display_name: u.display_name.clone(),
        active: Some(u.active),
        external_id: u.external_id.clone(),
        name,
        emails: u
            .email
            .iter()
            .map(|e| ScimValue {
                kind: Some("work".into()),
                ..ScimValue::primary(e.clone())
            })
            .collect(),
        roles: vec![ScimValue::primary(u.role.as_str())],
        meta: Some(serde_json::json!({
            "resourceType": "User",
            "created": iso(u.created_utc),
            "lastModified": iso(u.modified_utc),
        })),
        extra: Default::default(),
    }
}

fn text(value: Option<String>, field: &str) -> ApiResult<Option<String>> {
    match value {
        Some(v) if v.chars().count() > MAX_TEXT => Err(ApiError::bad_request(format!(
            "{field} is longer than {MAX_TEXT} characters"
        ))),
        Some(v) if v.trim().is_empty() => Ok(None),
        v => Ok(v),
    }
}

fn role(name: &str, field: &str) -> ApiResult<Role> {
    Role::parse(name).ok_or_else(|| {
        ApiError::bad_request(format!(
            "{field}: the role '{name}' does not exist (admin, engineer, operator, station)"
        ))
    })
}

fn user_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_TEXT || name.contains(':') {
        return Err(ApiError::bad_request(format!(
            "userName must be 1 to {MAX_TEXT} characters without ':' (it is the user part of \
             HTTP Basic)"
        )));
    }
    Ok(name.to_owned())
}

/// The primary e-mail of a list, else the first.
fn primary_email(emails: &[ScimValue]) -> Option<String> {
    emails
        .iter()
        .find(|e| e.primary == Some(true))
        .or(emails.first())
        .and_then(|e| e.value.clone())
}

/// Refuses a change that would leave no active admin.
async fn keep_an_admin(state: &AppState, before: &User, after: Option<&User>) -> ApiResult<()> {
    let was = before.active && before.role == Role::Admin;
    let stays = after.is_some_and(|u| u.active && u.role == Role::Admin);
    if was && !stays && state.store.active_admin_count().await? <= 1 {
        return Err(ApiError::bad_request(
            "This is the last active admin: make another user an admin first",
        ));
    }
    Ok(())
}

/// Mints a token for the calling user, lasting `duration` days (default 90).
#[utoipa::path(get, path = "/api/SCIM/v2/Token", tag = "SCIM",
    params(("duration" = Option<i32>, Query, description = "Days until the token expires (default 90)")),
    responses((status = 200, description = "ScimToken: token, expiresUtc, durationDays, userName",
               body = Value),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn token(
    State(state): State<Arc<AppState>>,
    Extension(me): Extension<Principal>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ScimToken>> {
    let days = Params::parse(query.as_deref())?
        .int("duration")?
        .unwrap_or(DEFAULT_TOKEN_DAYS);
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        return Err(ApiError::bad_request(format!(
            "duration must be 1 to {MAX_TOKEN_DAYS} days, not {days}"
        )));
    }
    let (secret, expires) = mint_token(&state.store, &me.user_id, days).await?;
    Ok(Json(ScimToken {
        token: Some(secret),
        expires_utc: Some(iso(expires)),
        duration_days: Some(days),
        user_name: Some(me.username),
        extra: Default::default(),
    }))
}

/// Lists users by name: `startIndex` (1-based), `count` (default 100, at most 1000), and
/// `filter` (`userName eq "NAME"` only).
#[utoipa::path(get, path = "/api/SCIM/v2/Users", tag = "SCIM",
    params(("filter" = Option<String>, Query, description = "userName eq \"NAME\""),
           ("startIndex" = Option<i32>, Query, description = "1-based index of the first user"),
           ("count" = Option<i32>, Query, description = "Users per page (default 100, at most 1000)")),
    responses((status = 200, description = "ScimListResponse", body = Value),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_users(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ScimListResponse>> {
    let params = Params::parse(query.as_deref())?;
    // RFC 7644 §3.4.2.4: a startIndex below 1 is taken as 1, a negative count as 0.
    let start = params.int("startIndex")?.unwrap_or(1).max(1);
    let count = params
        .int("count")?
        .unwrap_or(DEFAULT_PAGE)
        .clamp(0, MAX_PAGE);
    let (total, users) = match params.get("filter").filter(|f| !f.trim().is_empty()) {
        Some(f) => {
            let name = parse_filter(f)?;
            let found: Vec<User> = state.store.user_by_name(&name).await?.into_iter().collect();
            let total = found.len() as i64;
            let page = found
                .into_iter()
                .skip((start - 1) as usize)
                .take(count as usize)
                .collect();
            (total, page)
        }
        None => state.store.users(start - 1, count).await?,
    };
    Ok(Json(ScimListResponse {
        schemas: vec![LIST_SCHEMA.to_owned()],
        total_results: total,
        items_per_page: users.len() as i64,
        start_index: start,
        resources: users.iter().map(to_scim).collect(),
        extra: Default::default(),
    }))
}

/// `userName eq "NAME"` → NAME.
fn parse_filter(filter: &str) -> ApiResult<String> {
    let bad = || {
        ApiError::bad_request(format!(
            "filter '{filter}' is not supported: use userName eq \"NAME\""
        ))
    };
    let mut parts = filter.trim().splitn(3, char::is_whitespace);
    let (Some(attr), Some(op), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    if !attr.eq_ignore_ascii_case("userName") || !op.eq_ignore_ascii_case("eq") {
        return Err(bad());
    }
    let value = value.trim();
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .map(str::to_owned)
        .ok_or_else(bad)
}

/// Creates a user (`userName` required; role from `roles`, `station` when absent). It has no
/// password: it signs in with tokens (`wats-server user token`, or its own `GET Token`).
#[utoipa::path(post, path = "/api/SCIM/v2/Users", tag = "SCIM", request_body = Value,
    responses((status = 200, description = "The ScimUser created", body = Value),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<ScimUser>> {
    let s: ScimUser = json_body(&body, "SCIM user")?;
    let name = user_name(
        s.user_name
            .as_deref()
            .ok_or_else(|| ApiError::bad_request("userName is required"))?,
    )?;
    let r = match s.role() {
        Some(r) => role(r, "roles")?,
        None => Role::Station,
    };
    if state.store.user_by_name(&name).await?.is_some() {
        return Err(ApiError::Conflict(format!(
            "A user named '{name}' exists already"
        )));
    }
    let mut u = User::new(&name, r);
    u.active = s.active.unwrap_or(true);
    u.display_name = text(
        s.display_name
            .clone()
            .or_else(|| s.name.as_ref().and_then(|n| n.formatted.clone())),
        "displayName",
    )?;
    u.given_name = text(
        s.name.as_ref().and_then(|n| n.given_name.clone()),
        "name.givenName",
    )?;
    u.family_name = text(
        s.name.as_ref().and_then(|n| n.family_name.clone()),
        "name.familyName",
    )?;
    u.email = text(primary_email(&s.emails), "emails")?;
    u.external_id = text(s.external_id.clone(), "externalId")?;
    state.store.insert_user(&u, None).await?;
    Ok(Json(to_scim(&u)))
}

/// The user `id`; `userName=NAME` finds one by name (`GET /api/SCIM/v2/Users/userName={userName}`).
async fn find(state: &AppState, id: &str) -> ApiResult<User> {
    let found = match id.strip_prefix("userName=") {
        Some(name) => state.store.user_by_name(name).await?,
        None => state.store.user(id).await?,
    };
    found.ok_or_else(|| ApiError::not_found(format!("No user '{id}'")))
}

/// A user by id, or by name as `userName=NAME`.
#[utoipa::path(get, path = "/api/SCIM/v2/Users/{id}", tag = "SCIM",
    params(("id" = String, Path, description = "The user's GUID, or userName=NAME")),
    responses((status = 200, description = "ScimUser", body = Value),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_user(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<ScimUser>> {
    Ok(Json(to_scim(&find(&state, &id).await?)))
}

/// Deletes a user and its tokens.
#[utoipa::path(delete, path = "/api/SCIM/v2/Users/{id}", tag = "SCIM",
    params(("id" = String, Path, description = "The user's GUID")),
    responses((status = 200, description = "Deleted (empty body)"),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_user(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let u = find(&state, &id).await?;
    keep_an_admin(&state, &u, None).await?;
    state.store.delete_user(&u.user_id).await?;
    state.tokens.forget_user(&u.user_id);
    Ok(StatusCode::OK)
}

/// Changes a user with a SCIM `PatchOp`: `add`/`replace`/`remove` on `active`, `displayName`,
/// `name.givenName`, `name.familyName`, `emails`, `roles`, `externalId` and `userName`
/// (WATS's spellings `fullName`, `givenName`, `familyName`, `email` too); without a `path`,
/// `value` is an object of those attributes.
#[utoipa::path(patch, path = "/api/SCIM/v2/Users/{id}", tag = "SCIM", request_body = Value,
    params(("id" = String, Path, description = "The user's GUID")),
    responses((status = 200, description = "The ScimUser changed", body = Value),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn patch_user(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<ScimUser>> {
    let patch: ScimPatchRequest = json_body(&body, "SCIM PatchOp")?;
    let before = find(&state, &id).await?;
    let mut u = before.clone();
    for (i, op) in patch.operations.iter().enumerate() {
        apply(&mut u, op).map_err(|e| match e {
            ApiError::BadRequest(m) => ApiError::bad_request(format!("Operations[{i}]: {m}")),
            other => other,
        })?;
    }
    if u.username != before.username && state.store.user_by_name(&u.username).await?.is_some() {
        return Err(ApiError::Conflict(format!(
            "A user named '{}' exists already",
            u.username
        )));
    }
    keep_an_admin(&state, &before, Some(&u)).await?;
    u.modified_utc = chrono::Utc::now().timestamp_micros();
    state.store.update_user(&u).await?;
    state.tokens.forget_user(&u.user_id);
    Ok(Json(to_scim(&u)))
}

/// Applies one operation.
fn apply(u: &mut User, op: &ScimPatchOperation) -> ApiResult<()> {
    let kind = op.op.to_ascii_lowercase();
    if !matches!(kind.as_str(), "add" | "replace" | "remove") {
        return Err(ApiError::bad_request(format!(
            "op '{}' is not add, replace or remove",
            op.op
        )));
    }
    let Some(path) = op.path.as_deref().filter(|p| !p.trim().is_empty()) else {
        // No path: the value is an object of attributes (as Azure AD sends them).
        let Some(Value::Object(map)) = &op.value else {
            return Err(ApiError::bad_request(
                "without a path, value must be an object of attributes",
            ));
        };
        for (k, v) in map {
            apply(
                u,
                &ScimPatchOperation {
                    op: op.op.clone(),
                    path: Some(k.clone()),
                    value: Some(v.clone()),
                },
            )?;
        }
        return Ok(());
    };
    let remove = kind == "remove";
    let value = if remove { None } else { op.value.as_ref() };
    if !remove && value.is_none() {
        return Err(ApiError::bad_request(format!("{path}: value is required")));
    }
    // `emails[type eq "work"].value` and the like address the one e-mail kept.
    let attr = path.split(['[', '.']).next().unwrap_or(path);
    let sub = path.rsplit('.').next().unwrap_or(path);
    let key = if attr.eq_ignore_ascii_case("name") {
        sub
    } else {
        attr
    };
    let string = |field: &str| -> ApiResult<Option<String>> {
        match value {
            None => Ok(None),
            Some(v) => text(Some(scalar(v, field)?), field),
        }
    };
    match key.to_ascii_lowercase().as_str() {
        "active" => {
            let v = value.ok_or_else(|| ApiError::bad_request("active cannot be removed"))?;
            u.active = boolean(v)?;
        }
        "displayname" | "fullname" | "formatted" => u.display_name = string(path)?,
        "givenname" => u.given_name = string(path)?,
        "familyname" => u.family_name = string(path)?,
        "externalid" => u.external_id = string(path)?,
        "emails" | "email" => {
            u.email = match value {
                None => None,
                Some(Value::Array(list)) => {
                    let list: Vec<ScimValue> =
                        serde_json::from_value(Value::Array(list.clone()))
                            .map_err(|e| ApiError::bad_request(format!("{path}: {e}")))?;
                    text(primary_email(&list), path)?
                }
                Some(v) => text(Some(scalar(v, path)?), path)?,
            }
        }
        "roles" | "role" => {
            let v = value.ok_or_else(|| {
                ApiError::bad_request("roles cannot be removed: a user has one role")
            })?;
            let name = match v {
                Value::Array(list) => {
                    let list: Vec<ScimValue> =
                        serde_json::from_value(Value::Array(list.clone()))
                            .map_err(|e| ApiError::bad_request(format!("{path}: {e}")))?;
                    let primary = list.iter().find(|r| r.primary == Some(true));
                    primary
                        .or(list.first())
                        .and_then(|r| r.value.clone())
                        .ok_or_else(|| ApiError::bad_request("roles: no role given"))?
                }
                v => scalar(v, path)?,
            };
            u.role = role(&name, "roles")?;
        }
        "username" => {
            let v = value.ok_or_else(|| ApiError::bad_request("userName cannot be removed"))?;
            u.username = user_name(&scalar(v, path)?)?;
        }
        _ => {
            return Err(ApiError::bad_request(format!(
                "path '{path}' is not supported (active, displayName, name.givenName, \
                 name.familyName, emails, roles, externalId, userName)"
            )))
        }
    }
    Ok(())
}

/// A string value, or the `value` of a `{value}` object.
fn scalar(v: &Value, field: &str) -> ApiResult<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Object(o) => match o.get("value") {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => Err(ApiError::bad_request(format!(
                "{field}: expected a string or {{\"value\": \"...\"}}"
            ))),
        },
        _ => Err(ApiError::bad_request(format!("{field}: expected a string"))),
    }
}

/// A boolean, or its text (`"False"`, as Azure AD sends it).
fn boolean(v: &Value) -> ApiResult<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(ApiError::bad_request("active: expected true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(op: &str, path: Option<&str>, value: Value) -> ScimPatchOperation {
        ScimPatchOperation {
            op: op.into(),
            path: path.map(str::to_owned),
            value: (!value.is_null()).then_some(value),
        }
    }

    #[test]
    fn patch_operations_change_what_they_name() {
        let mut u = User::new("ann", Role::Station);
        apply(&mut u, &op("Replace", Some("active"), "False".into())).unwrap();
        assert!(!u.active);
        apply(&mut u, &op("replace", Some("name.givenName"), "Ann".into())).unwrap();
        apply(
            &mut u,
            &op(
                "add",
                Some("emails"),
                serde_json::json!([{"value": "a@x", "primary": true}]),
            ),
        )
        .unwrap();
        apply(&mut u, &op("replace", Some("roles"), "Engineer".into())).unwrap();
        apply(
            &mut u,
            &op(
                "replace",
                None,
                serde_json::json!({"displayName": "Ann A", "active": true}),
            ),
        )
        .unwrap();
        assert_eq!(
            (
                u.given_name.as_deref(),
                u.email.as_deref(),
                u.role,
                u.active
            ),
            (Some("Ann"), Some("a@x"), Role::Engineer, true)
        );
        assert_eq!(u.display_name.as_deref(), Some("Ann A"));
        apply(&mut u, &op("remove", Some("emails"), Value::Null)).unwrap();
        assert_eq!(u.email, None);
    }

    #[test]
    fn bad_operations_name_their_fault() {
        let mut u = User::new("ann", Role::Station);
        let e = apply(&mut u, &op("move", Some("active"), true.into())).unwrap_err();
        assert!(e.to_string().contains("move"), "{e}");
        let e = apply(&mut u, &op("replace", Some("roles"), "root".into())).unwrap_err();
        assert!(e.to_string().contains("root"), "{e}");
        let e = apply(&mut u, &op("remove", Some("roles"), Value::Null)).unwrap_err();
        assert!(e.to_string().contains("roles"), "{e}");
        let e = apply(&mut u, &op("replace", Some("levels"), "x".into())).unwrap_err();
        assert!(e.to_string().contains("levels"), "{e}");
        let e = apply(&mut u, &op("replace", Some("active"), 3.into())).unwrap_err();
        assert!(e.to_string().contains("active"), "{e}");
        assert_eq!(
            parse_filter("userName eq \"a b\"").unwrap(),
            "a b".to_owned()
        );
        assert!(parse_filter("displayName eq \"x\"").is_err());
    }
}
