//! `/api/Software/*`: WATS's public Software controller (packages, the release flow, zip
//! upload, files, virtual folders). The internal endpoints are in
//! [`super::software_internal`]; storage and rules in [`crate::store::software`] and
//! [`crate::store::software_zip`].

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use uuid::Uuid;
use wats_types::software::{Package, PackageFile, PackageStatus, VirtualFolder};

use super::{json_body, parse_uuid, required_param, Params};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::store::software::SoftwareTx;
use crate::store::software_zip;
use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A `status` parameter, if given.
pub fn status_param(p: &Params, name: &str) -> ApiResult<Option<PackageStatus>> {
    match p.get(name).filter(|v| !v.trim().is_empty()) {
        None => Ok(None),
        Some(v) => PackageStatus::parse(v).map(Some).ok_or_else(|| {
            ApiError::bad_request(format!(
                "The value '{v}' is not valid for {name}: expected Draft, Pending, Released or \
                 Revoked."
            ))
        }),
    }
}

/// The newest version of `name` with the status and version asked for, if any.
pub async fn newest(
    tx: &mut SoftwareTx<'_>,
    name: &str,
    status: Option<PackageStatus>,
    version: Option<i64>,
) -> ApiResult<Option<Package>> {
    Ok(tx.versions(name).await?.into_iter().rev().find(|p| {
        status.is_none_or(|s| p.status == Some(s)) && version.is_none_or(|v| p.version == Some(v))
    }))
}

/// Every package, every version.
#[utoipa::path(get, path = "/api/Software/Packages", tag = "Software",
    responses((status = 200, body = Vec<Package>)))]
pub async fn packages(State(state): State<Arc<AppState>>) -> ApiResult<Json<Vec<Package>>> {
    let mut tx = state.store.software_read().await?;
    Ok(Json(tx.packages().await?))
}

/// One package.
#[utoipa::path(get, path = "/api/Software/Package/{id}", tag = "Software",
    params(("id" = String, Path, description = "Package id")),
    responses((status = 200, body = Package), (status = 404, body = ErrorBody)))]
pub async fn get_package(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Package>> {
    let id = parse_uuid(&id, "id")?;
    let mut tx = state.store.software_read().await?;
    Ok(Json(tx.existing(id).await?))
}

/// The newest version of a package by name, optionally of a status or a version.
#[utoipa::path(get, path = "/api/Software/PackageByName", tag = "Software",
    params(("name" = String, Query, description = "Package name"),
           ("status" = Option<String>, Query, description = "Draft, Pending, Released, Revoked"),
           ("version" = Option<i64>, Query, description = "Version")),
    responses((status = 200, body = Package), (status = 404, body = ErrorBody)))]
pub async fn by_name(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Package>> {
    let p = Params::parse(query.as_deref())?;
    let name = required_param(&p, "name")?;
    let (status, version) = (status_param(&p, "status")?, p.int("version")?);
    let mut tx = state.store.software_read().await?;
    newest(&mut tx, name, status, version)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("Software package not found: {name}")))
}

/// Packages carrying a tag with a value (case-insensitive), optionally of a status.
#[utoipa::path(get, path = "/api/Software/PackagesByTag", tag = "Software",
    params(("tag" = String, Query, description = "Tag key"),
           ("value" = Option<String>, Query, description = "Tag value (any when absent)"),
           ("status" = Option<String>, Query, description = "Status")),
    responses((status = 200, body = Vec<Package>), (status = 400, body = ErrorBody)))]
pub async fn by_tag(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<Package>>> {
    let p = Params::parse(query.as_deref())?;
    let tag = required_param(&p, "tag")?;
    let value = p.get("value");
    let status = status_param(&p, "status")?;
    let mut tx = state.store.software_read().await?;
    let all = tx.packages().await?;
    Ok(Json(
        all.into_iter()
            .filter(|pkg| status.is_none_or(|s| pkg.status == Some(s)))
            .filter(|pkg| {
                pkg.tags.iter().flatten().any(|t| {
                    t.key
                        .as_deref()
                        .is_some_and(|k| k.eq_ignore_ascii_case(tag))
                        && value.is_none_or(|v| {
                            t.value
                                .as_deref()
                                .is_some_and(|x| x.eq_ignore_ascii_case(v))
                        })
                })
            })
            .collect(),
    ))
}

/// Creates a package in Draft: version 1 of its name, else the highest so far + 1.
#[utoipa::path(post, path = "/api/Software/Package", tag = "Software", request_body = Package,
    responses((status = 200, body = Package), (status = 400, body = ErrorBody)))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    body: Bytes,
) -> ApiResult<Json<Package>> {
    let p: Package = json_body(&body, "package")?;
    let mut tx = state.store.software_write(&user).await?;
    let saved = tx.create(p).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// Updates a Draft package's fields.
#[utoipa::path(put, path = "/api/Software/Package/{id}", tag = "Software", request_body = Package,
    params(("id" = String, Path, description = "Package id")),
    responses((status = 200, body = Package), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Package>> {
    let id = parse_uuid(&id, "id")?;
    let p: Package = json_body(&body, "package")?;
    let mut tx = state.store.software_write(&user).await?;
    let saved = tx.update(id, p).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// Deletes a package (not a Released one: revoke it first).
#[utoipa::path(delete, path = "/api/Software/Package/{id}", tag = "Software",
    params(("id" = String, Path, description = "Package id")),
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Path(id): Path<String>,
) -> ApiResult<Json<bool>> {
    let id = parse_uuid(&id, "id")?;
    let mut tx = state.store.software_write(&user).await?;
    let p = tx.existing(id).await?;
    tx.delete(&p).await?;
    tx.commit().await?;
    Ok(Json(true))
}

/// Deletes a package by name: one `version`, or every version (all or none).
#[utoipa::path(delete, path = "/api/Software/PackageByName", tag = "Software",
    params(("name" = String, Query, description = "Package name"),
           ("version" = Option<i64>, Query, description = "Version (default: all)")),
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete_by_name(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<bool>> {
    let p = Params::parse(query.as_deref())?;
    let name = required_param(&p, "name")?;
    let version = p.int("version")?;
    let mut tx = state.store.software_write(&user).await?;
    let list: Vec<Package> = tx
        .versions(name)
        .await?
        .into_iter()
        .filter(|x| version.is_none_or(|v| x.version == Some(v)))
        .collect();
    if list.is_empty() {
        return Err(ApiError::not_found(format!(
            "Software package not found: {name}"
        )));
    }
    for pkg in &list {
        tx.delete(pkg).await?;
    }
    tx.commit().await?;
    Ok(Json(true))
}

/// Moves a package along the release flow: Draft → Pending, Pending → Draft or Released,
/// Released → Revoked. Anything else is refused with WATS's message.
#[utoipa::path(post, path = "/api/Software/PackageStatus/{id}", tag = "Software",
    params(("id" = String, Path, description = "Package id"),
           ("status" = String, Query, description = "Draft, Pending, Released or Revoked")),
    responses((status = 200, body = Package), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn set_status(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Package>> {
    let id = parse_uuid(&id, "id")?;
    let p = Params::parse(query.as_deref())?;
    let status = status_param(&p, "status")?
        .ok_or_else(|| ApiError::bad_request("The query parameter status is required."))?;
    let mut tx = state.store.software_write(&user).await?;
    let saved = tx.set_status(id, status).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// A package's files (path, size, SHA-256, attributes).
#[utoipa::path(get, path = "/api/Software/PackageFiles/{id}", tag = "Software",
    params(("id" = String, Path, description = "Package id")),
    responses((status = 200, body = Vec<PackageFile>), (status = 404, body = ErrorBody)))]
pub async fn files(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<PackageFile>>> {
    let id = parse_uuid(&id, "id")?;
    let mut tx = state.store.software_read().await?;
    tx.existing(id).await?;
    Ok(Json(tx.files(id).await?))
}

/// Uploads a zip (the body, `application/zip`) into a Draft package: merged with its files,
/// or replacing them all with `cleanInstall=true`. Every file must be in a folder. Unsafe
/// zips (`..`, absolute paths, links, bombs, over the size bounds) are refused whole.
#[utoipa::path(post, path = "/api/Software/Package/UploadZip/{id}", tag = "Software",
    params(("id" = String, Path, description = "Package id"),
           ("cleanInstall" = Option<bool>, Query, description = "Remove every file first")),
    request_body(content = Vec<u8>, content_type = "application/zip"),
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn upload_zip(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<Json<bool>> {
    let id = parse_uuid(&id, "id")?;
    let p = Params::parse(query.as_deref())?;
    let clean = p.bool("cleanInstall")?.unwrap_or(false);
    if body.starts_with(b"--") {
        return Err(ApiError::bad_request(
            "multipart/form-data is not accepted: send the zip's bytes as the body \
             (Content-Type: application/zip)",
        ));
    }
    // Unpacked before the transaction: a refused zip touches nothing, and the writer lock is
    // not held while inflating.
    let unpacked = {
        let body = body.clone();
        tokio::task::spawn_blocking(move || software_zip::unpack(&body))
            .await
            .map_err(|e| ApiError::Internal(e.into()))??
    };
    let mut tx = state.store.software_write(&user).await?;
    let pkg = tx.existing(id).await?;
    tx.upload(&pkg, &unpacked, clean).await?;
    tx.commit().await?;
    Ok(Json(true))
}

/// The body pyWATS sends to set a file attribute.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct AttributeBody {
    /// The attribute names, comma-separated.
    pub attributes: Option<String>,
}

/// Sets a file's attributes (`attribute` in the query, WATS; or `{"attributes": …}` in the
/// body, pyWATS): None, ExecuteOnce, ExecuteAlways, TopLevelFile, OverwriteNever,
/// OverwriteOnNewPackageVersion, ExecuteOncePerVersion (any case, comma-separated).
#[utoipa::path(post, path = "/api/Software/Package/FileAttribute/{id}", tag = "Software",
    params(("id" = String, Path, description = "File id"),
           ("attribute" = Option<String>, Query, description = "Attribute names")),
    request_body = AttributeBody,
    responses((status = 200, body = PackageFile), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn file_attribute(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<Json<PackageFile>> {
    let id = parse_uuid(&id, "id")?;
    let p = Params::parse(query.as_deref())?;
    let from_body = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        json_body::<AttributeBody>(&body, "attributes")?.attributes
    };
    let attrs = p
        .get("attribute")
        .map(str::to_owned)
        .or(from_body)
        .ok_or_else(|| ApiError::bad_request("The query parameter attribute is required."))?;
    let mut tx = state.store.software_write(&user).await?;
    let f = tx.set_attributes(id, &attrs).await?;
    tx.commit().await?;
    Ok(Json(f))
}

/// Every virtual folder, with its path.
#[utoipa::path(get, path = "/api/Software/VirtualFolders", tag = "Software",
    responses((status = 200, body = Vec<VirtualFolder>)))]
pub async fn virtual_folders(
    State(state): State<Arc<AppState>>,
) -> ApiResult<Json<Vec<VirtualFolder>>> {
    let mut tx = state.store.software_read().await?;
    Ok(Json(tx.virtual_folders().await?))
}

async fn save_folder(state: &AppState, user: &str, body: &[u8]) -> ApiResult<Json<VirtualFolder>> {
    let f: VirtualFolder = json_body(body, "virtual folder")?;
    let mut tx = state.store.software_write(user).await?;
    let saved = tx.save_virtual_folder(f).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// Creates a virtual folder.
#[utoipa::path(post, path = "/api/Software/VirtualFolder", tag = "Software",
    request_body = VirtualFolder,
    responses((status = 200, body = VirtualFolder), (status = 400, body = ErrorBody)))]
pub async fn create_virtual_folder(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    body: Bytes,
) -> ApiResult<Json<VirtualFolder>> {
    save_folder(&state, &user, &body).await
}

/// Updates a virtual folder (by `id`).
#[utoipa::path(put, path = "/api/Software/VirtualFolder", tag = "Software",
    request_body = VirtualFolder,
    responses((status = 200, body = VirtualFolder), (status = 400, body = ErrorBody)))]
pub async fn update_virtual_folder(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    body: Bytes,
) -> ApiResult<Json<VirtualFolder>> {
    save_folder(&state, &user, &body).await
}

/// Deletes a virtual folder; its sub-folders move up.
#[utoipa::path(delete, path = "/api/Software/VirtualFolder/{id}", tag = "Software",
    params(("id" = String, Path, description = "Virtual folder id")),
    responses((status = 200, body = bool), (status = 404, body = ErrorBody)))]
pub async fn delete_virtual_folder(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Path(id): Path<String>,
) -> ApiResult<Json<bool>> {
    let id: Uuid = parse_uuid(&id, "id")?;
    let mut tx = state.store.software_write(&user).await?;
    tx.delete_virtual_folder(id).await?;
    tx.commit().await?;
    Ok(Json(true))
}

/// Adds this module's routes.
pub fn routes(router: OpenApiRouter<Arc<AppState>>) -> OpenApiRouter<Arc<AppState>> {
    router
        .routes(routes!(packages))
        .routes(routes!(get_package, update, delete))
        .routes(routes!(by_name, delete_by_name))
        .routes(routes!(by_tag))
        .routes(routes!(create))
        .routes(routes!(set_status))
        .routes(routes!(files))
        .routes(routes!(upload_zip))
        .routes(routes!(file_attribute))
        .routes(routes!(virtual_folders))
        .routes(routes!(create_virtual_folder, update_virtual_folder))
        .routes(routes!(delete_virtual_folder))
}
