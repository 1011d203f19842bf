//! `/api/internal/Software/*`: what a station's software client calls (available and revoked
//! packages, the download log, file downloads) and the package-folder editing calls.
//!
//! A file is served as `application/octet-stream`, as an attachment, with `nosniff`: the
//! server never runs or renders package content.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Value};
use uuid::Uuid;
use wats_types::software::{Package, PackageDownload, PackageFile, PackageFolder, PackageStatus};

use super::software::status_param;
use super::{json_body, parse_uuid, required_param, Params};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Always `true`: the software service is here.
#[utoipa::path(get, path = "/api/internal/Software/isConnected", tag = "Software",
    responses((status = 200, body = bool)))]
pub async fn is_connected() -> Json<bool> {
    Json(true)
}

async fn file_meta(state: &AppState, id: &str) -> ApiResult<Json<PackageFile>> {
    let id = parse_uuid(id, "id")?;
    let mut tx = state.store.software_read().await?;
    Ok(Json(tx.file(id).await?.0))
}

/// A file's details.
#[utoipa::path(get, path = "/api/internal/Software/File/{id}", tag = "Software",
    params(("id" = String, Path, description = "File id")),
    responses((status = 200, body = PackageFile), (status = 404, body = ErrorBody)))]
pub async fn file(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<PackageFile>> {
    file_meta(&state, &id).await
}

/// A file's details (`?id=`).
#[utoipa::path(get, path = "/api/internal/Software/File", tag = "Software",
    params(("id" = String, Query, description = "File id")),
    responses((status = 200, body = PackageFile), (status = 404, body = ErrorBody)))]
pub async fn file_by_query(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<PackageFile>> {
    let p = Params::parse(query.as_deref())?;
    file_meta(&state, required_param(&p, "id")?).await
}

/// A file's bytes (`repositoryFolderFileId`: the file id).
#[utoipa::path(get, path = "/api/internal/Software/DownloadFile", tag = "Software",
    params(("repositoryFolderFileId" = String, Query, description = "File id")),
    responses((status = 200, body = Vec<u8>, content_type = "application/octet-stream"),
              (status = 404, body = ErrorBody)))]
pub async fn download_file(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let p = Params::parse(query.as_deref())?;
    let id = parse_uuid(
        required_param(&p, "repositoryFolderFileId")?,
        "repositoryFolderFileId",
    )?;
    let mut tx = state.store.software_read().await?;
    let (meta, _) = tx.file(id).await?;
    let bytes = tx.content(id).await?;
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let name = meta.name.unwrap_or_default().replace(['"', '\\'], "_");
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// Whether a package holds a file at a path with a checksum:
/// `{exists, checksumMatches, fileId}`.
#[utoipa::path(get, path = "/api/internal/Software/CheckFile", tag = "Software",
    params(("packageId" = String, Query, description = "Package id"),
           ("filePath" = String, Query, description = "Path inside the package"),
           ("checksum" = Option<String>, Query, description = "SHA-256, hex"),
           ("parentFolderId" = Option<String>, Query, description = "Accepted"),
           ("fileDateEpoch" = Option<i64>, Query, description = "Accepted")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn check_file(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(query.as_deref())?;
    let pid = parse_uuid(required_param(&p, "packageId")?, "packageId")?;
    let path = required_param(&p, "filePath")?.replace('\\', "/");
    p.int("fileDateEpoch")?;
    let mut tx = state.store.software_read().await?;
    tx.existing(pid).await?;
    let found = tx.files(pid).await?.into_iter().find(|f| {
        f.path
            .as_deref()
            .is_some_and(|x| x.eq_ignore_ascii_case(path.trim_matches('/')))
    });
    let matches = match (&found, p.get("checksum")) {
        (Some(f), Some(c)) => f
            .checksum
            .as_deref()
            .is_some_and(|x| x.eq_ignore_ascii_case(c)),
        _ => false,
    };
    Ok(Json(json!({
        "exists": found.is_some(),
        "checksumMatches": matches,
        "fileId": found.and_then(|f| f.package_file_id),
    })))
}

/// Creates a folder in a Draft package (body: `{name, parentFolderId?}`).
#[utoipa::path(post, path = "/api/internal/Software/PostPackageFolder", tag = "Software",
    params(("packageId" = String, Query, description = "Package id")),
    request_body = PackageFolder,
    responses((status = 200, body = PackageFolder), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn post_folder(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<Json<PackageFolder>> {
    let p = Params::parse(query.as_deref())?;
    let pid = parse_uuid(required_param(&p, "packageId")?, "packageId")?;
    let f: PackageFolder = json_body(&body, "folder")?;
    let mut tx = state.store.software_write(&user).await?;
    let pkg = tx.existing(pid).await?;
    let saved = tx.create_folder(&pkg, &f).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// Renames a folder of a Draft package (body: `{packageFolderId, name}`).
#[utoipa::path(post, path = "/api/internal/Software/UpdatePackageFolder", tag = "Software",
    request_body = PackageFolder,
    responses((status = 200, body = PackageFolder), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn update_folder(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    body: Bytes,
) -> ApiResult<Json<PackageFolder>> {
    let f: PackageFolder = json_body(&body, "folder")?;
    let id = f
        .package_folder_id
        .ok_or_else(|| ApiError::bad_request("packageFolderId is required"))?;
    let name = f
        .name
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("name is required"))?;
    let mut tx = state.store.software_write(&user).await?;
    let saved = tx.rename_folder(id, name).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// Deletes a folder of a Draft package with everything in it.
#[utoipa::path(post, path = "/api/internal/Software/DeletePackageFolder", tag = "Software",
    params(("packageFolderId" = String, Query, description = "Folder id")),
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete_folder(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<bool>> {
    let p = Params::parse(query.as_deref())?;
    let id = parse_uuid(required_param(&p, "packageFolderId")?, "packageFolderId")?;
    let mut tx = state.store.software_write(&user).await?;
    tx.delete_folder(id).await?;
    tx.commit().await?;
    Ok(Json(true))
}

/// Deletes files of Draft packages (`packageFolderFileIds`, comma-separated): all or none.
#[utoipa::path(post, path = "/api/internal/Software/DeletePackageFolderFiles", tag = "Software",
    params(("packageFolderFileIds" = String, Query, description = "File ids, comma-separated")),
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete_files(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<bool>> {
    let p = Params::parse(query.as_deref())?;
    let ids = required_param(&p, "packageFolderFileIds")?
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse_uuid(s, "packageFolderFileIds"))
        .collect::<ApiResult<Vec<Uuid>>>()?;
    let mut tx = state.store.software_write(&user).await?;
    tx.delete_files(&ids).await?;
    tx.commit().await?;
    Ok(Json(true))
}

/// `key=value` pairs separated by `;` or `,` (an empty text: no condition).
fn tag_pairs(text: &str) -> ApiResult<Vec<(String, String)>> {
    text.split([';', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "tags: '{pair}' is not key=value (pairs separated by ';')"
                    ))
                })
        })
        .collect()
}

fn has_tags(p: &Package, pairs: &[(String, String)]) -> bool {
    pairs.iter().all(|(k, v)| {
        p.tags.iter().flatten().any(|t| {
            t.key.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(k))
                && t.value
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(v))
        })
    })
}

/// Packages with tags (`key=value;…`, all must match; empty: any), of a status (0–3 or a
/// name), every version (`allVersions=true`) or the newest of each name.
#[utoipa::path(get, path = "/api/internal/Software/GetPackageHistory", tag = "Software",
    params(("tags" = Option<String>, Query, description = "key=value pairs, ';'-separated"),
           ("status" = Option<String>, Query, description = "0 Draft, 1 Pending, 2 Released, 3 Revoked"),
           ("allVersions" = Option<bool>, Query, description = "Every version, not only the newest")),
    responses((status = 200, body = Vec<Package>), (status = 400, body = ErrorBody)))]
pub async fn history(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<Package>>> {
    let p = Params::parse(query.as_deref())?;
    let pairs = tag_pairs(p.get("tags").unwrap_or(""))?;
    let status = status_param(&p, "status")?;
    let all_versions = p.bool("allVersions")?.unwrap_or(false);
    let mut tx = state.store.software_read().await?;
    let mut list: Vec<Package> = tx
        .packages()
        .await?
        .into_iter()
        .filter(|x| status.is_none_or(|s| x.status == Some(s)) && has_tags(x, &pairs))
        .collect();
    if !all_versions {
        // Sorted by name then version: keep the last of each name.
        let mut newest: Vec<Package> = Vec::new();
        for x in list {
            match newest.last_mut() {
                Some(l)
                    if l.name.as_deref().map(str::to_uppercase)
                        == x.name.as_deref().map(str::to_uppercase) =>
                {
                    *l = x
                }
                _ => newest.push(x),
            }
        }
        list = newest;
    }
    Ok(Json(list))
}

/// Downloads a client logged (`clientId`), oldest first.
#[utoipa::path(get, path = "/api/internal/Software/GetPackageDownloadHistory", tag = "Software",
    params(("clientId" = i64, Query, description = "Client id")),
    responses((status = 200, body = Vec<PackageDownload>), (status = 400, body = ErrorBody)))]
pub async fn download_history(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<PackageDownload>>> {
    let p = Params::parse(query.as_deref())?;
    let client = p.int("clientId")?;
    let mut tx = state.store.software_read().await?;
    Ok(Json(tx.downloads(client).await?))
}

fn installed(p: &Params) -> ApiResult<Vec<Uuid>> {
    p.get("installedPackages")
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse_uuid(s, "installedPackages"))
        .collect()
}

/// Of the installed packages (ids, comma-separated): the ids that are Revoked, and unless
/// `includeRevokedOnly=true`, also those a newer Released version replaces.
#[utoipa::path(get, path = "/api/internal/Software/GetRevokedPackages", tag = "Software",
    params(("installedPackages" = String, Query, description = "Package ids, comma-separated"),
           ("includeRevokedOnly" = Option<bool>, Query, description = "Only the revoked ones")),
    responses((status = 200, body = Vec<String>), (status = 400, body = ErrorBody)))]
pub async fn revoked(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<String>>> {
    let p = Params::parse(query.as_deref())?;
    let ids = installed(&p)?;
    let only_revoked = p.bool("includeRevokedOnly")?.unwrap_or(false);
    let mut tx = state.store.software_read().await?;
    let all = tx.packages().await?;
    let mut out = Vec::new();
    for id in ids {
        let Some(pkg) = all.iter().find(|x| x.package_id == Some(id)) else {
            continue;
        };
        let superseded = all.iter().any(|x| {
            x.status == Some(PackageStatus::Released)
                && x.version > pkg.version
                && x.name.as_deref().map(str::to_uppercase)
                    == pkg.name.as_deref().map(str::to_uppercase)
        });
        if pkg.status == Some(PackageStatus::Revoked) || (!only_revoked && superseded) {
            out.push(id.to_string());
        }
    }
    Ok(Json(out))
}

/// The newest Released version of every package name, except those installed (ids,
/// comma-separated).
#[utoipa::path(get, path = "/api/internal/Software/GetAvailablePackages", tag = "Software",
    params(("installedPackages" = Option<String>, Query, description = "Package ids, comma-separated")),
    responses((status = 200, body = Vec<Package>), (status = 400, body = ErrorBody)))]
pub async fn available(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<Package>>> {
    let p = Params::parse(query.as_deref())?;
    let ids = installed(&p)?;
    let mut tx = state.store.software_read().await?;
    let mut newest: Vec<Package> = Vec::new();
    for x in tx.packages().await? {
        if x.status != Some(PackageStatus::Released) {
            continue;
        }
        match newest.last_mut() {
            Some(l)
                if l.name.as_deref().map(str::to_uppercase)
                    == x.name.as_deref().map(str::to_uppercase) =>
            {
                *l = x
            }
            _ => newest.push(x),
        }
    }
    newest.retain(|x| x.package_id.is_none_or(|id| !ids.contains(&id)));
    Ok(Json(newest))
}

/// A package with its folders and files: `{package, folders, files}`.
#[utoipa::path(get, path = "/api/internal/Software/GetSoftwareEntityDetails", tag = "Software",
    params(("packageId" = String, Query, description = "Package id")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn details(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(query.as_deref())?;
    let id = parse_uuid(required_param(&p, "packageId")?, "packageId")?;
    let mut tx = state.store.software_read().await?;
    let pkg = tx.existing(id).await?;
    let folders = tx.folders(id).await?;
    let files = tx.files(id).await?;
    Ok(Json(
        json!({ "package": pkg, "folders": folders, "files": files }),
    ))
}

/// Logs a download of a package (a GET, as WATS has it): `downloadSize` bytes, by the
/// signed-in user, for `clientId` (0 when not given). Answers the entry.
#[utoipa::path(get, path = "/api/internal/Software/Log", tag = "Software",
    params(("packageId" = String, Query, description = "Package id"),
           ("downloadSize" = i64, Query, description = "Bytes downloaded"),
           ("clientId" = Option<i64>, Query, description = "The station's client id")),
    responses((status = 200, body = PackageDownload), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn log(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<PackageDownload>> {
    let p = Params::parse(query.as_deref())?;
    let id = parse_uuid(required_param(&p, "packageId")?, "packageId")?;
    let size = p.int("downloadSize")?.unwrap_or(0);
    if size < 0 {
        return Err(ApiError::bad_request("downloadSize cannot be negative"));
    }
    // pyWATS's log_download sends no client: such downloads are logged for client 0.
    let client = p.int("clientId")?.unwrap_or(0);
    let mut tx = state.store.software_write(&user).await?;
    let pkg = tx.existing(id).await?;
    let d = tx.log_download(&pkg, size, Some(client)).await?;
    tx.commit().await?;
    Ok(Json(d))
}

/// Adds this module's routes.
pub fn routes(router: OpenApiRouter<Arc<AppState>>) -> OpenApiRouter<Arc<AppState>> {
    router
        .routes(routes!(is_connected))
        .routes(routes!(file))
        .routes(routes!(file_by_query))
        .routes(routes!(download_file))
        .routes(routes!(check_file))
        .routes(routes!(post_folder))
        .routes(routes!(update_folder))
        .routes(routes!(delete_folder))
        .routes(routes!(delete_files))
        .routes(routes!(history))
        .routes(routes!(download_history))
        .routes(routes!(revoked))
        .routes(routes!(available))
        .routes(routes!(details))
        .routes(routes!(log))
}
