//! `/api/internal/Blob/Asset*`: files stored with an asset (certificates, configurations).
//!
//! A file is answered with the content type it was uploaded with, as an attachment and with
//! `X-Content-Type-Options: nosniff`, so a browser never runs it. A client asking for JSON
//! (`Accept: application/json`, as pyWATS does) gets `{filename, contentType, size, content}`
//! with the content in base64, which is what pyWATS's `download_file` decodes.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine as _;
use wats_types::asset::AssetFile;

use super::{json_body, required_param, Params};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::store::asset::{StoredFile, MAX_ASSET_FILE_BYTES};
use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The longest file name.
const MAX_NAME_CHARS: usize = 255;

/// Checks a file name: one path segment, no control characters, not too long.
fn check_name(name: &str) -> ApiResult<&str> {
    let n = name.trim();
    if n.is_empty() || n == "." || n == ".." {
        return Err(ApiError::bad_request("filename is required"));
    }
    if n.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::bad_request(format!(
            "filename is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    if n.contains(['/', '\\']) || n.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "filename must be a plain file name (no '/', '\\' or control characters)",
        ));
    }
    Ok(n)
}

/// Stores a file with an asset (the body is the content), replacing one of the same name.
#[utoipa::path(post, path = "/api/internal/Blob/Asset", tag = "Asset",
    params(("assetId" = String, Query, description = "Asset id"),
           ("filename" = String, Query, description = "File name")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn upload(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<bool>> {
    let p = Params::parse(query.as_deref())?;
    let id = required_param(&p, "assetId")?;
    let name = check_name(required_param(&p, "filename")?)?.to_owned();
    if body.len() > MAX_ASSET_FILE_BYTES {
        return Err(ApiError::Limited {
            status: axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            message: format!(
                "The file is {} bytes; an asset file may have at most {MAX_ASSET_FILE_BYTES} \
                 bytes (MAX_ASSET_FILE_BYTES)",
                body.len()
            ),
            retry_after: None,
        });
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
        .unwrap_or("application/octet-stream")
        .to_owned();
    let mut tx = state.store.asset_write(&user).await?;
    let a = tx.existing(Some(id), None).await?;
    tx.put_file(
        &a,
        &StoredFile {
            name,
            content_type,
            content: body.to_vec(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(true))
}

/// A file of an asset: its bytes with its content type, or JSON with base64 content when
/// the client accepts only JSON.
#[utoipa::path(get, path = "/api/internal/Blob/Asset", tag = "Asset",
    params(("assetId" = String, Query, description = "Asset id"),
           ("filename" = String, Query, description = "File name")),
    responses((status = 200, body = AssetFile), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let p = Params::parse(query.as_deref())?;
    let id = required_param(&p, "assetId")?;
    let name = required_param(&p, "filename")?;
    let mut tx = state.store.asset_read().await?;
    let a = tx.existing(Some(id), None).await?;
    let f = tx
        .file(a.asset_id.as_deref().unwrap_or(""), name)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("The asset has no file '{name}'")))?;
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // pyWATS always sends `Accept: application/json` and decodes only this form, whatever
    // the file is; anything else (a browser, the SDK) gets the bytes.
    if accept.contains("application/json") {
        return Ok(Json(AssetFile {
            filename: Some(f.name),
            content_type: Some(f.content_type),
            size: Some(f.content.len() as i64),
            content: Some(base64::engine::general_purpose::STANDARD.encode(&f.content)),
            extra: Default::default(),
        })
        .into_response());
    }
    let ct = HeaderValue::from_str(&f.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    // The name is checked at upload (no quotes or controls can reach here unescaped).
    let disposition = format!(
        "attachment; filename=\"{}\"",
        f.name.replace(['"', '\\'], "_")
    );
    let mut response = f.content.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, ct);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// The names of an asset's files.
#[utoipa::path(get, path = "/api/internal/Blob/Asset/List/{assetId}", tag = "Asset",
    params(("assetId" = String, Path, description = "Asset id")),
    responses((status = 200, body = Vec<String>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<String>>> {
    let mut tx = state.store.asset_read().await?;
    let a = tx.existing(Some(&id), None).await?;
    Ok(Json(
        tx.file_names(a.asset_id.as_deref().unwrap_or("")).await?,
    ))
}

/// Deletes files of an asset, named in the body (a JSON list) or by `filename` parameters:
/// all or none. A request naming no file is refused rather than read as "all files" (pyWATS's
/// `delete_files` drops its list, so it gets this 400).
#[utoipa::path(delete, path = "/api/internal/Blob/Assets", tag = "Asset",
    params(("assetId" = String, Query, description = "Asset id"),
           ("filename" = Option<String>, Query, description = "A file name (repeatable)")),
    request_body = Vec<String>,
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<Json<bool>> {
    let p = Params::parse(query.as_deref())?;
    let id = required_param(&p, "assetId")?;
    let mut names: Vec<String> = if body.iter().all(u8::is_ascii_whitespace) {
        Vec::new()
    } else {
        json_body(&body, "file names")?
    };
    names.extend(
        p.0.iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("filename"))
            .map(|(_, v)| v.clone()),
    );
    if names.is_empty() {
        return Err(ApiError::bad_request(
            "Name the files to delete: a JSON list of file names in the body, or filename \
             parameters",
        ));
    }
    let mut tx = state.store.asset_write(&user).await?;
    let a = tx.existing(Some(id), None).await?;
    tx.delete_files(&a, &names).await?;
    tx.commit().await?;
    Ok(Json(true))
}

/// Adds this module's routes.
pub fn routes(router: OpenApiRouter<Arc<AppState>>) -> OpenApiRouter<Arc<AppState>> {
    router
        .routes(routes!(upload, download))
        .routes(routes!(list))
        .routes(routes!(delete))
}
