//! `/api/internal/Product/*`: the Product endpoints of WATS's internal API that pyWATS calls
//! (JSON BOM, hierarchy, box-build relations, categories, tags, groups for a product).
//!
//! WATS's OpenAPI spells the BOM path `Bom` for GET and `BOM` for PUT; WATS matches paths
//! without regard to case, and so does this server, so both are one route here.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::Json;
use wats_types::product::{
    BomItem, Product, ProductCategory, ProductGroup, ProductInfo, ProductRevisionRelation,
};
use wats_types::{wsbf, Setting};

use super::{json_body, parse_uuid, part_and_revision, required_param, Params};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A revision's BOM.
#[utoipa::path(get, path = "/api/internal/Product/BOM", tag = "Product (internal)",
    params(("partNumber" = String, Query, description = "Part number"),
           ("revision" = String, Query, description = "Revision")),
    responses((status = 200, body = Vec<BomItem>), (status = 404, body = ErrorBody)))]
pub async fn get_bom(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<BomItem>>> {
    let (pn, rev) = part_and_revision(query.as_deref())?;
    let (pn, rev) = (pn.as_str(), rev.as_str());
    let mut tx = state.store.product_read().await?;
    let r = tx.existing_revision(pn, rev).await?;
    Ok(Json(
        tx.bom(r.product_revision_id.unwrap_or_default()).await?,
    ))
}

/// Replaces a revision's BOM: a JSON list of BOM items (`format=json`, the default) or a
/// WSBF document (`format=xml`). The revision must exist. Answers the items as stored.
#[utoipa::path(put, path = "/api/internal/Product/BOM", tag = "Product (internal)",
    params(("partNumber" = String, Query, description = "Part number"),
           ("revision" = String, Query, description = "Revision"),
           ("format" = Option<String>, Query, description = "json (default) or xml")),
    request_body = Vec<BomItem>,
    responses((status = 200, body = Vec<BomItem>), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_bom(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<Json<Vec<BomItem>>> {
    let params = Params::parse(query.as_deref())?;
    let pn = required_param(&params, "partNumber")?;
    let rev = required_param(&params, "revision")?;
    let items: Vec<BomItem> = match params.get("format").unwrap_or("json") {
        f if f.eq_ignore_ascii_case("json") => json_body(&body, "BOM")?,
        f if f.eq_ignore_ascii_case("xml") || f.eq_ignore_ascii_case("wsbf") => {
            let text = std::str::from_utf8(&body)
                .map_err(|_| ApiError::bad_request("the WSBF document is not UTF-8"))?;
            let bom =
                wsbf::Bom::from_xml(text).map_err(|e| ApiError::bad_request(e.to_string()))?;
            if bom.part_number.to_uppercase() != pn.to_uppercase()
                || bom.revision.to_uppercase() != rev.to_uppercase()
            {
                return Err(ApiError::bad_request(format!(
                    "the WSBF document is for {}/{}, not {pn}/{rev}",
                    bom.part_number, bom.revision
                )));
            }
            bom.components
                .iter()
                .map(wsbf::Component::to_bom_item)
                .collect()
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "format '{other}' is not supported: json or xml"
            )))
        }
    };
    let mut tx = state.store.product_write().await?;
    let r = tx.existing_revision(pn, rev).await?;
    let saved = tx.replace_bom(&r, items).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// The revision and its box-build children, depth first.
#[utoipa::path(get, path = "/api/internal/Product/GetProductInfo", tag = "Product (internal)",
    params(("partNumber" = String, Query, description = "Part number"),
           ("revision" = String, Query, description = "Revision")),
    responses((status = 200, body = Vec<ProductInfo>), (status = 404, body = ErrorBody)))]
pub async fn get_product_info(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<ProductInfo>>> {
    let (pn, rev) = part_and_revision(query.as_deref())?;
    let (pn, rev) = (pn.as_str(), rev.as_str());
    let mut tx = state.store.product_read().await?;
    let r = tx.existing_revision(pn, rev).await?;
    Ok(Json(tx.hierarchy(&r).await?))
}

/// A product by part number (`PN`), as `GET /api/Product/{partNumber}`.
#[utoipa::path(get, path = "/api/internal/Product/GetProductByPN", tag = "Product (internal)",
    params(("PN" = String, Query, description = "Part number")),
    responses((status = 200, body = Product), (status = 404, body = ErrorBody)))]
pub async fn get_product_by_pn(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Product>> {
    let params = Params::parse(query.as_deref())?;
    let pn = required_param(&params, "PN")?;
    let mut tx = state.store.product_read().await?;
    Ok(Json(tx.existing_product(pn).await?))
}

/// Adds a box-build relation; answers the parent's relations (pyWATS picks the new one).
#[utoipa::path(post, path = "/api/internal/Product/PostProductRevisionRelation",
    tag = "Product (internal)", request_body = ProductRevisionRelation,
    responses((status = 200, body = Vec<ProductRevisionRelation>), (status = 400, body = ErrorBody)))]
pub async fn post_relation(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<Vec<ProductRevisionRelation>>> {
    let rel: ProductRevisionRelation = json_body(&body, "relation")?;
    let mut tx = state.store.product_write().await?;
    let saved = tx.save_relation(rel, true).await?;
    let all = tx
        .relations_of(saved.parent_product_revision_id.unwrap_or_default())
        .await?;
    tx.commit().await?;
    Ok(Json(all))
}

/// Updates a box-build relation (by `ProductRevisionRelationId`).
#[utoipa::path(put, path = "/api/internal/Product/PutProductRevisionRelation",
    tag = "Product (internal)", request_body = ProductRevisionRelation,
    responses((status = 200, body = ProductRevisionRelation), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_relation(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<ProductRevisionRelation>> {
    let rel: ProductRevisionRelation = json_body(&body, "relation")?;
    let mut tx = state.store.product_write().await?;
    let saved = tx.save_relation(rel, false).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// Deletes a box-build relation.
#[utoipa::path(delete, path = "/api/internal/Product/DeleteProductRevisionRelation",
    tag = "Product (internal)",
    params(("productRevisionRelationId" = uuid::Uuid, Query, description = "Relation id")),
    responses((status = 200, body = bool), (status = 404, body = ErrorBody)))]
pub async fn delete_relation(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<bool>> {
    let params = Params::parse(query.as_deref())?;
    let id = parse_uuid(
        required_param(&params, "productRevisionRelationId")?,
        "productRevisionRelationId",
    )?;
    let mut tx = state.store.product_write().await?;
    if !tx.delete_relation(id).await? {
        return Err(ApiError::not_found(format!(
            "No product revision relation {id}"
        )));
    }
    tx.commit().await?;
    Ok(Json(true))
}

/// The product groups holding a product.
#[utoipa::path(get, path = "/api/internal/Product/GetGroupsForProduct", tag = "Product (internal)",
    params(("partNumber" = String, Query, description = "Part number")),
    responses((status = 200, body = Vec<ProductGroup>), (status = 404, body = ErrorBody)))]
pub async fn groups_for_product(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<ProductGroup>>> {
    let params = Params::parse(query.as_deref())?;
    let pn = required_param(&params, "partNumber")?;
    let mut tx = state.store.product_read().await?;
    let p = tx.existing_product(pn).await?;
    let pn = p.part_number.as_deref().unwrap_or(pn);
    Ok(Json(tx.groups_for(pn, None).await?))
}

/// Every product category.
#[utoipa::path(get, path = "/api/internal/Product/GetProductCategories",
    tag = "Product (internal)",
    responses((status = 200, body = Vec<ProductCategory>), (status = 401, body = ErrorBody)))]
pub async fn get_categories(
    State(state): State<Arc<AppState>>,
) -> ApiResult<Json<Vec<ProductCategory>>> {
    let mut tx = state.store.product_read().await?;
    Ok(Json(tx.categories().await?))
}

/// Creates or updates categories (by `ProductCategoryId`, else by `Name`); answers all.
#[utoipa::path(put, path = "/api/internal/Product/PutProductCategories",
    tag = "Product (internal)", request_body = Vec<ProductCategory>,
    responses((status = 200, body = Vec<ProductCategory>), (status = 400, body = ErrorBody)))]
pub async fn put_categories(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<Vec<ProductCategory>>> {
    let list: Vec<ProductCategory> = json_body(&body, "categories")?;
    let mut tx = state.store.product_write().await?;
    let saved = tx.save_categories(list).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// A product's tags.
#[utoipa::path(get, path = "/api/internal/Product/GetProductTags", tag = "Product (internal)",
    params(("partNumber" = String, Query, description = "Part number")),
    responses((status = 200, body = Vec<Setting>), (status = 404, body = ErrorBody)))]
pub async fn get_product_tags(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<Setting>>> {
    let params = Params::parse(query.as_deref())?;
    let pn = required_param(&params, "partNumber")?;
    let mut tx = state.store.product_read().await?;
    Ok(Json(
        tx.existing_product(pn).await?.tags.unwrap_or_default(),
    ))
}

/// Replaces a product's tags (tags marked `change: 3` are dropped).
#[utoipa::path(put, path = "/api/internal/Product/PutProductTags", tag = "Product (internal)",
    params(("partNumber" = String, Query, description = "Part number")),
    request_body = Vec<Setting>,
    responses((status = 200, body = Vec<Setting>), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_product_tags(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<Json<Vec<Setting>>> {
    let params = Params::parse(query.as_deref())?;
    let pn = required_param(&params, "partNumber")?;
    let tags: Vec<Setting> = json_body(&body, "tags")?;
    let mut tx = state.store.product_write().await?;
    let saved = tx.set_product_tags(pn, tags).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// A revision's tags.
#[utoipa::path(get, path = "/api/internal/Product/GetRevisionTags", tag = "Product (internal)",
    params(("partNumber" = String, Query, description = "Part number"),
           ("revision" = String, Query, description = "Revision")),
    responses((status = 200, body = Vec<Setting>), (status = 404, body = ErrorBody)))]
pub async fn get_revision_tags(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<Setting>>> {
    let (pn, rev) = part_and_revision(query.as_deref())?;
    let (pn, rev) = (pn.as_str(), rev.as_str());
    let mut tx = state.store.product_read().await?;
    Ok(Json(
        tx.existing_revision(pn, rev)
            .await?
            .tags
            .unwrap_or_default(),
    ))
}

/// Replaces a revision's tags (tags marked `change: 3` are dropped).
#[utoipa::path(put, path = "/api/internal/Product/PutRevisionTags", tag = "Product (internal)",
    params(("partNumber" = String, Query, description = "Part number"),
           ("revision" = String, Query, description = "Revision")),
    request_body = Vec<Setting>,
    responses((status = 200, body = Vec<Setting>), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_revision_tags(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<Json<Vec<Setting>>> {
    let (pn, rev) = part_and_revision(query.as_deref())?;
    let (pn, rev) = (pn.as_str(), rev.as_str());
    let tags: Vec<Setting> = json_body(&body, "tags")?;
    let mut tx = state.store.product_write().await?;
    let saved = tx.set_revision_tags(pn, rev, tags).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// Adds this module's routes (declared for the OpenAPI document).
pub fn routes(router: OpenApiRouter<Arc<AppState>>) -> OpenApiRouter<Arc<AppState>> {
    router
        .routes(routes!(get_bom, put_bom))
        .routes(routes!(get_product_info))
        .routes(routes!(get_product_by_pn))
        .routes(routes!(post_relation))
        .routes(routes!(put_relation))
        .routes(routes!(delete_relation))
        .routes(routes!(groups_for_product))
        .routes(routes!(get_categories))
        .routes(routes!(put_categories))
        .routes(routes!(get_product_tags))
        .routes(routes!(put_product_tags))
        .routes(routes!(get_revision_tags))
        .routes(routes!(put_revision_tags))
}
