//! `/api/Product/*`: WATS's public Product controller (products, revisions, groups, vendors,
//! the WSBF BOM upload). The internal endpoints are in [`super::product_internal`]; the
//! queries and rules in [`crate::store::product`].
//!
//! pyWATS and WATS's OpenAPI name some of these differently; both spellings are served
//! (`PUT /api/Product/Products` and `/api/Products`, `…/Revisions` likewise, the revision by
//! path and by query, vendors deleted by id in the path or by name in the body).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wats_types::product::{Product, ProductRevision, ProductState, ProductView, Vendor};
use wats_types::wsbf;

use super::{json_body, parse_uuid, part_and_revision, Params};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::odata::eval::{self, Fields};
use crate::odata::QueryOptions;
use crate::store::product::{required, to_object};
use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `GET /api/Product/Query` answers this many products when `$top` is absent (pyWATS's
/// documentation of WATS: "Default page size: 1000").
pub const QUERY_DEFAULT_TOP: i64 = 1000;

/// The largest `$top` of `GET /api/Product/Query` (pyWATS's documentation of WATS: "Maximum:
/// 100,000").
pub const QUERY_MAX_TOP: i64 = 100_000;

/// The properties `GET /api/Product/Query` filters and sorts on.
const QUERY_FIELDS: Fields = Fields(&[
    "partNumber",
    "name",
    "description",
    "category",
    "productCategoryName",
    "productCategoryId",
    "nonSerial",
    "state",
]);

/// Products in the list view, filtered (`$filter`: text compared without regard to case),
/// sorted (`$orderby`, default part number) and paged (`$top`, default 1000; `$skip`).
#[utoipa::path(get, path = "/api/Product/Query", tag = "Product",
    params(("$filter" = Option<String>, Query, description = "OData filter over partNumber, name, description, category, productCategoryName, productCategoryId, nonSerial, state"),
           ("$orderby" = Option<String>, Query, description = "Sort order"),
           ("$top" = Option<i64>, Query, description = "At most this many (default 1000)"),
           ("$skip" = Option<i64>, Query, description = "Skip this many first")),
    responses((status = 200, body = Vec<ProductView>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub async fn query(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<ProductView>>> {
    let params = Params::parse(query.as_deref())?;
    let pairs = params.0.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let options = QueryOptions::from_params_up_to(pairs, QUERY_MAX_TOP)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    if !options.select.is_empty() || !options.expand.is_empty() {
        return Err(ApiError::bad_request(
            "$select and $expand are not supported on /api/Product/Query",
        ));
    }
    QUERY_FIELDS
        .check_order(&options.order_by)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let mut tx = state.store.product_read().await?;
    let mut rows = Vec::new();
    for p in tx.products().await? {
        let mut row = to_object(&p)?;
        row.insert("category".into(), p.product_category_name.clone().into());
        let keep = match &options.filter {
            Some(f) => eval::test(f, &row, &QUERY_FIELDS)
                .map_err(|e| ApiError::bad_request(format!("invalid $filter: {e}")))?,
            None => true,
        };
        if keep {
            rows.push(row);
        }
    }
    eval::sort(&mut rows, &options.order_by, &QUERY_FIELDS);
    let skip = options.skip.unwrap_or(0).max(0) as usize;
    let top = options.top.unwrap_or(QUERY_DEFAULT_TOP).max(0) as usize;
    let text = |row: &serde_json::Map<String, serde_json::Value>, k: &str| {
        row.get(k).and_then(|v| v.as_str()).map(str::to_owned)
    };
    Ok(Json(
        rows.into_iter()
            .skip(skip)
            .take(top)
            .map(|row| ProductView {
                part_number: text(&row, "partNumber"),
                name: text(&row, "name"),
                category: text(&row, "category"),
                non_serial: row.get("nonSerial").and_then(|v| v.as_bool()),
                state: row
                    .get("state")
                    .and_then(|v| v.as_i64())
                    .map(|s| ProductState(s as i32)),
                extra: Default::default(),
            })
            .collect(),
    ))
}

/// A product with its revisions and tags.
#[utoipa::path(get, path = "/api/Product/{partNumber}", tag = "Product",
    params(("partNumber" = String, Path, description = "Part number")),
    responses((status = 200, body = Product), (status = 404, body = ErrorBody)))]
pub async fn get_product(
    State(state): State<Arc<AppState>>,
    Path(part_number): Path<String>,
) -> ApiResult<Json<Product>> {
    let mut tx = state.store.product_read().await?;
    Ok(Json(tx.existing_product(&part_number).await?))
}

/// Deletes a product, its revisions, their BOMs and box-build templates (204). Refused while
/// a revision of it is a child in another product's template.
#[utoipa::path(delete, path = "/api/Product/{partNumber}", tag = "Product",
    params(("partNumber" = String, Path, description = "Part number")),
    responses((status = 204, description = "Deleted"), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete_product(
    State(state): State<Arc<AppState>>,
    Path(part_number): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = state.store.product_write().await?;
    tx.delete_product(&part_number).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a revision, its BOM and box-build template (204). Refused while it is a child in
/// a template.
#[utoipa::path(delete, path = "/api/Product/{partNumber}/{revision}", tag = "Product",
    params(("partNumber" = String, Path, description = "Part number"),
           ("revision" = String, Path, description = "Revision")),
    responses((status = 204, description = "Deleted"), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete_revision(
    State(state): State<Arc<AppState>>,
    Path((part_number, revision)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let mut tx = state.store.product_write().await?;
    tx.delete_revision(&part_number, &revision).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A revision by part number and revision in the path.
#[utoipa::path(get, path = "/api/Product/{partNumber}/{revision}", tag = "Product",
    params(("partNumber" = String, Path, description = "Part number"),
           ("revision" = String, Path, description = "Revision")),
    responses((status = 200, body = ProductRevision), (status = 404, body = ErrorBody)))]
pub async fn get_revision(
    State(state): State<Arc<AppState>>,
    Path((part_number, revision)): Path<(String, String)>,
) -> ApiResult<Json<ProductRevision>> {
    let mut tx = state.store.product_read().await?;
    Ok(Json(tx.existing_revision(&part_number, &revision).await?))
}

/// A revision by part number and revision in the query (the form pyWATS's repository uses).
#[utoipa::path(get, path = "/api/Product", tag = "Product",
    params(("partNumber" = String, Query, description = "Part number"),
           ("revision" = String, Query, description = "Revision")),
    responses((status = 200, body = ProductRevision), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn get_revision_by_query(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ProductRevision>> {
    let (pn, rev) = part_and_revision(query.as_deref())?;
    let (pn, rev) = (pn.as_str(), rev.as_str());
    let mut tx = state.store.product_read().await?;
    Ok(Json(tx.existing_revision(pn, rev).await?))
}

/// Creates or updates a product (by `productId`, else by part number) and the revisions it
/// carries. `tags`, when present, replace the product's tags.
#[utoipa::path(put, path = "/api/Product", tag = "Product", request_body = Product,
    responses((status = 200, body = Product), (status = 400, body = ErrorBody)))]
pub async fn put_product(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<Product>> {
    let p: Product = json_body(&body, "product")?;
    let mut tx = state.store.product_write().await?;
    let saved = tx.save_product(p, "product").await?;
    tx.commit().await?;
    Ok(Json(saved))
}

async fn save_products(state: &AppState, body: &[u8]) -> ApiResult<Json<Vec<Product>>> {
    let list: Vec<Product> = json_body(body, "products")?;
    let mut tx = state.store.product_write().await?;
    let mut out = Vec::with_capacity(list.len());
    for (i, p) in list.into_iter().enumerate() {
        out.push(tx.save_product(p, &format!("products[{i}]")).await?);
    }
    tx.commit().await?;
    Ok(Json(out))
}

/// Creates or updates several products at once: all or none.
#[utoipa::path(put, path = "/api/Product/Products", tag = "Product", request_body = Vec<Product>,
    responses((status = 200, body = Vec<Product>), (status = 400, body = ErrorBody)))]
pub async fn put_products(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<Vec<Product>>> {
    save_products(&state, &body).await
}

/// `PUT /api/Product/Products` as WATS's OpenAPI spells it.
#[utoipa::path(put, path = "/api/Products", tag = "Product", request_body = Vec<Product>,
    responses((status = 200, body = Vec<Product>), (status = 400, body = ErrorBody)))]
pub async fn put_products_odata(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<Vec<Product>>> {
    save_products(&state, &body).await
}

/// Creates or updates a revision: its product by `productId`, else by part number.
#[utoipa::path(put, path = "/api/Product/Revision", tag = "Product", request_body = ProductRevision,
    responses((status = 200, body = ProductRevision), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_revision(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<ProductRevision>> {
    let r: ProductRevision = json_body(&body, "revision")?;
    let mut tx = state.store.product_write().await?;
    let saved = tx.save_revision(r, "revision").await?;
    tx.commit().await?;
    Ok(Json(saved))
}

async fn save_revisions(state: &AppState, body: &[u8]) -> ApiResult<Json<Vec<ProductRevision>>> {
    let list: Vec<ProductRevision> = json_body(body, "revisions")?;
    let mut tx = state.store.product_write().await?;
    let mut out = Vec::with_capacity(list.len());
    for (i, r) in list.into_iter().enumerate() {
        out.push(tx.save_revision(r, &format!("revisions[{i}]")).await?);
    }
    tx.commit().await?;
    Ok(Json(out))
}

/// Creates or updates several revisions at once: all or none.
#[utoipa::path(put, path = "/api/Product/Revisions", tag = "Product",
    request_body = Vec<ProductRevision>,
    responses((status = 200, body = Vec<ProductRevision>), (status = 400, body = ErrorBody)))]
pub async fn put_revisions(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<Vec<ProductRevision>>> {
    save_revisions(&state, &body).await
}

/// `PUT /api/Product/Revisions` as WATS's OpenAPI spells it.
#[utoipa::path(put, path = "/api/Products/Revisions", tag = "Product",
    request_body = Vec<ProductRevision>,
    responses((status = 200, body = Vec<ProductRevision>), (status = 400, body = ErrorBody)))]
pub async fn put_revisions_odata(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<Vec<ProductRevision>>> {
    save_revisions(&state, &body).await
}

/// Replaces a revision's BOM from a WSBF document (`Content-Type: application/xml`) or the
/// same document as JSON (`application/json`, as pyWATS's `upload_bom_json` sends it). The
/// product revision must exist.
#[utoipa::path(put, path = "/api/Product/BOM", tag = "Product",
    request_body(description = "WSBF XML, or the same document as JSON",
        content((String = "application/xml"), (wsbf::Bom = "application/json"))),
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_bom(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<bool>> {
    let ct = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let bom: wsbf::Bom = if ct.contains("json") {
        json_body(&body, "BOM")?
    } else {
        let text = std::str::from_utf8(&body)
            .map_err(|_| ApiError::bad_request("the WSBF document is not UTF-8"))?;
        wsbf::Bom::from_xml(text).map_err(|e| ApiError::bad_request(e.to_string()))?
    };
    let pn = required(Some(&bom.part_number), "partNumber")?;
    let rev = required(Some(&bom.revision), "revision")?;
    let mut tx = state.store.product_write().await?;
    let r = tx.existing_revision(pn, rev).await?;
    let items = bom
        .components
        .iter()
        .map(wsbf::Component::to_bom_item)
        .collect();
    tx.replace_bom(&r, items).await?;
    tx.commit().await?;
    Ok(Json(true))
}

/// A revision's BOM as the public JSON document.
#[utoipa::path(get, path = "/api/Product/BOM", tag = "Product",
    params(("partNumber" = String, Query, description = "Part number"),
           ("revision" = String, Query, description = "Revision")),
    responses((status = 200, body = wsbf::Bom), (status = 404, body = ErrorBody)))]
pub async fn get_bom(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<wsbf::Bom>> {
    let (pn, rev) = part_and_revision(query.as_deref())?;
    let mut tx = state.store.product_read().await?;
    let r = tx.existing_revision(&pn, &rev).await?;
    let items = tx.bom(r.product_revision_id.unwrap_or_default()).await?;
    Ok(Json(wsbf::Bom {
        part_number: r.part_number.unwrap_or(pn),
        revision: r.revision.unwrap_or(rev),
        components: items.iter().map(wsbf::Component::from_bom_item).collect(),
        ..wsbf::Bom::default()
    }))
}

/// Every vendor.
#[utoipa::path(get, path = "/api/Product/Vendors", tag = "Product",
    responses((status = 200, body = Vec<Vendor>), (status = 401, body = ErrorBody)))]
pub async fn get_vendors(State(state): State<Arc<AppState>>) -> ApiResult<Json<Vec<Vendor>>> {
    let mut tx = state.store.product_read().await?;
    Ok(Json(tx.vendors().await?))
}

/// One vendor or a list: pyWATS sends one object, WATS's OpenAPI a list.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A list of vendors.
    Many(Vec<Vendor>),
    /// One vendor.
    One(Vendor),
}

/// Creates or updates vendors (by `vendorId`, else by name); answers in the shape sent.
#[utoipa::path(put, path = "/api/Product/Vendors", tag = "Product", request_body = OneOrMany,
    responses((status = 200, body = OneOrMany), (status = 400, body = ErrorBody)))]
pub async fn put_vendors(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<OneOrMany>> {
    let value: serde_json::Value = json_body(&body, "vendor")?;
    let mut tx = state.store.product_write().await?;
    let out = if value.is_array() {
        let list: Vec<Vendor> = json_body(&body, "vendors")?;
        let mut out = Vec::with_capacity(list.len());
        for (i, v) in list.into_iter().enumerate() {
            out.push(tx.save_vendor(v, &format!("vendors[{i}]")).await?);
        }
        OneOrMany::Many(out)
    } else {
        let v: Vendor = json_body(&body, "vendor")?;
        OneOrMany::One(tx.save_vendor(v, "vendor").await?)
    };
    tx.commit().await?;
    Ok(Json(out))
}

/// Deletes a vendor by id. A vendor a BOM line names is refused (400).
#[utoipa::path(delete, path = "/api/Product/Vendors/{vendorId}", tag = "Product",
    params(("vendorId" = uuid::Uuid, Path, description = "Vendor id")),
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete_vendor(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<bool>> {
    let id = parse_uuid(&id, "vendorId")?;
    let mut tx = state.store.product_write().await?;
    let v = tx
        .vendors()
        .await?
        .into_iter()
        .find(|v| v.vendor_id == Some(id))
        .ok_or_else(|| ApiError::not_found(format!("No vendor {id}")))?;
    tx.delete_vendor(&v).await?;
    tx.commit().await?;
    Ok(Json(true))
}

/// Deletes vendors by name (`[{"VendorName": …}]`, as WATS's OpenAPI has it): all or none.
#[utoipa::path(delete, path = "/api/Product/Vendors", tag = "Product", request_body = Vec<Vendor>,
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete_vendors(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<bool>> {
    let list: Vec<Vendor> = json_body(&body, "vendors")?;
    let mut tx = state.store.product_write().await?;
    let all = tx.vendors().await?;
    for (i, v) in list.iter().enumerate() {
        let name = v
            .vendor_name
            .as_deref()
            .ok_or_else(|| ApiError::bad_request(format!("vendors[{i}].VendorName is required")))?;
        let found = all
            .iter()
            .find(|e| {
                e.vendor_name
                    .as_deref()
                    .is_some_and(|n| n.to_uppercase() == name.to_uppercase())
            })
            .ok_or_else(|| ApiError::not_found(format!("No vendor named '{name}'")))?;
        tx.delete_vendor(found).await?;
    }
    tx.commit().await?;
    Ok(Json(true))
}

/// Adds this module's routes (declared for the OpenAPI document).
pub fn routes(router: OpenApiRouter<Arc<AppState>>) -> OpenApiRouter<Arc<AppState>> {
    router
        .routes(routes!(query))
        .routes(routes!(get_product, delete_product))
        .routes(routes!(get_revision, delete_revision))
        .routes(routes!(get_revision_by_query, put_product))
        .routes(routes!(put_products))
        .routes(routes!(put_products_odata))
        .routes(routes!(put_revision))
        .routes(routes!(put_revisions))
        .routes(routes!(put_revisions_odata))
        .routes(routes!(put_bom, get_bom))
        .routes(routes!(get_vendors, put_vendors, delete_vendors))
        .routes(routes!(delete_vendor))
}
