//! Product groups: `/api/Product/Groups` and `/Group` (the short form pyWATS's `get_groups`
//! and `create_group` use), `/api/Product/ProductGroup` (the full form with description,
//! visibility and filters: pyWATS's `get_product_groups`, `create_product_group`, …), the
//! filters (`/api/Product/ProductGroupFilter`) and membership (`ProductGroupsByProduct`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::Json;
use wats_types::product::{ProductGroup, ProductGroupDefinition, ProductGroupFilter};

use super::{json_body, required_param, Params};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::store::product::not_found_product;
use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every product group (short form).
#[utoipa::path(get, path = "/api/Product/Groups", tag = "Product",
    responses((status = 200, body = Vec<ProductGroup>), (status = 401, body = ErrorBody)))]
pub async fn get_groups(State(state): State<Arc<AppState>>) -> ApiResult<Json<Vec<ProductGroup>>> {
    let mut tx = state.store.product_read().await?;
    Ok(Json(tx.groups().await?))
}

/// Creates a product group (no `productGroupId`) or renames one (short form).
#[utoipa::path(put, path = "/api/Product/Group", tag = "Product", request_body = ProductGroup,
    responses((status = 200, body = ProductGroup), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_group(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<ProductGroup>> {
    let g: ProductGroup = json_body(&body, "product group")?;
    let mut tx = state.store.product_write().await?;
    let saved = tx.save_group(g).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// Product groups in full (`id` for one), with their filters when `includeFilters=true`.
#[utoipa::path(get, path = "/api/Product/ProductGroup", tag = "Product",
    params(("id" = Option<i32>, Query, description = "One group"),
           ("includeFilters" = Option<bool>, Query, description = "Include the filters")),
    responses((status = 200, body = Vec<ProductGroupDefinition>), (status = 400, body = ErrorBody)))]
pub async fn get_group_definitions(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<ProductGroupDefinition>>> {
    let params = Params::parse(query.as_deref())?;
    let id = int32(params.int("id")?, "id")?;
    let filters = params.bool("includeFilters")?.unwrap_or(false);
    let mut tx = state.store.product_read().await?;
    Ok(Json(tx.group_definitions(id, filters).await?))
}

fn int32(v: Option<i64>, name: &str) -> ApiResult<Option<i32>> {
    v.map(|n| {
        i32::try_from(n).map_err(|_| ApiError::bad_request(format!("{name} {n} is out of range")))
    })
    .transpose()
}

/// Creates a product group (`name`, `description`, `isPublic`).
#[utoipa::path(post, path = "/api/Product/ProductGroup", tag = "Product",
    request_body = ProductGroupDefinition,
    responses((status = 200, body = ProductGroupDefinition), (status = 400, body = ErrorBody)))]
pub async fn post_group_definition(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<ProductGroupDefinition>> {
    let g: ProductGroupDefinition = json_body(&body, "product group")?;
    let mut tx = state.store.product_write().await?;
    let saved = tx.save_group_definition(g, true).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// Updates a product group by `id`; fields left out keep their values.
#[utoipa::path(put, path = "/api/Product/ProductGroup", tag = "Product",
    request_body = ProductGroupDefinition,
    responses((status = 200, body = ProductGroupDefinition), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_group_definition(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> ApiResult<Json<ProductGroupDefinition>> {
    let g: ProductGroupDefinition = json_body(&body, "product group")?;
    let mut tx = state.store.product_write().await?;
    let saved = tx.save_group_definition(g, false).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// Deletes a product group and its filters.
#[utoipa::path(delete, path = "/api/Product/ProductGroup/{id}", tag = "Product",
    params(("id" = i32, Path, description = "Group id")),
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete_group_definition(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<bool>> {
    let id: i32 = id.trim().parse().map_err(|_| {
        ApiError::bad_request(format!(
            "The value '{id}' is not valid for id: expected an integer."
        ))
    })?;
    let mut tx = state.store.product_write().await?;
    if !tx.delete_group(id).await? {
        return Err(ApiError::not_found(format!("No product group {id}")));
    }
    tx.commit().await?;
    Ok(Json(true))
}

/// Adds a filter to a product group: the part number (a trailing `%` matches a prefix),
/// optionally a revision, included or (`exclude=true`) excluded. Answers the filter.
#[utoipa::path(post, path = "/api/Product/ProductGroupFilter", tag = "Product",
    params(("productGroup" = String, Query, description = "The group's name (or id)"),
           ("partNumber" = String, Query, description = "Part number pattern"),
           ("revision" = Option<String>, Query, description = "Revision pattern"),
           ("exclude" = Option<bool>, Query, description = "Exclude instead of include")),
    responses((status = 200, body = ProductGroupFilter), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn post_group_filter(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ProductGroupFilter>> {
    let params = Params::parse(query.as_deref())?;
    let group = required_param(&params, "productGroup")?;
    let filter = ProductGroupFilter {
        part_number: Some(required_param(&params, "partNumber")?.to_owned()),
        revision: params.get("revision").map(str::to_owned),
        exclude: params.bool("exclude")?,
        ..ProductGroupFilter::default()
    };
    let mut tx = state.store.product_write().await?;
    let g = tx.group_named(group).await?;
    let saved = tx
        .add_group_filter(g.product_group_id.unwrap_or_default(), &filter)
        .await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// Product group filters, of one group (`productGroupId`) and/or one filter (`id`).
#[utoipa::path(get, path = "/api/Product/ProductGroupFilter", tag = "Product",
    params(("productGroupId" = Option<i32>, Query, description = "One group's filters"),
           ("id" = Option<i32>, Query, description = "One filter")),
    responses((status = 200, body = Vec<ProductGroupFilter>), (status = 400, body = ErrorBody)))]
pub async fn get_group_filters(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<ProductGroupFilter>>> {
    let params = Params::parse(query.as_deref())?;
    let group = int32(params.int("productGroupId")?, "productGroupId")?;
    let id = int32(params.int("id")?, "id")?;
    let mut tx = state.store.product_read().await?;
    Ok(Json(tx.group_filters(group, id).await?))
}

/// The product groups holding a product (and revision).
#[utoipa::path(get, path = "/api/Product/ProductGroupsByProduct", tag = "Product",
    params(("partNumber" = String, Query, description = "Part number"),
           ("revision" = Option<String>, Query, description = "Revision")),
    responses((status = 200, body = Vec<ProductGroup>), (status = 404, body = ErrorBody)))]
pub async fn groups_by_product(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<ProductGroup>>> {
    let params = Params::parse(query.as_deref())?;
    let pn = required_param(&params, "partNumber")?;
    let rev = params.get("revision").filter(|r| !r.is_empty());
    let mut tx = state.store.product_read().await?;
    if tx.product_row(pn).await?.is_none() {
        return Err(not_found_product(pn));
    }
    Ok(Json(tx.groups_for(pn, rev).await?))
}

/// Adds this module's routes (declared for the OpenAPI document).
pub fn routes(router: OpenApiRouter<Arc<AppState>>) -> OpenApiRouter<Arc<AppState>> {
    router
        .routes(routes!(get_groups))
        .routes(routes!(put_group))
        .routes(routes!(
            get_group_definitions,
            post_group_definition,
            put_group_definition
        ))
        .routes(routes!(delete_group_definition))
        .routes(routes!(post_group_filter, get_group_filters))
        .routes(routes!(groups_by_product))
}
