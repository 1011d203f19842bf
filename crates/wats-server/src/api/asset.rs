//! `/api/Asset/*`: WATS's Asset controller (assets, types, status, counts, calibration,
//! maintenance, the log, sub-assets). Files are in [`super::asset_files`]; the storage and
//! rules in [`crate::store::asset`], [`crate::store::asset_ops`] and
//! [`crate::store::asset_rules`].
//!
//! An asset is named by `id` or `serialNumber` in the query (either; `id` wins), or by id or
//! serial number in the path. Unknown ones are a 404 `{"Message": "Asset not found: …"}`.
//! The calls that change something answer `true` (pyWATS checks only the status).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use wats_report::Timestamp;
use wats_types::asset::{Asset, AssetLog, AssetMessage, AssetStatus, AssetType};

use super::{json_body, Params};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::odata::eval::{self, Fields};
use crate::odata::{Expr, Literal, QueryOptions};
use crate::store::asset::Entry;
use crate::store::asset_ops::Service;
use crate::store::asset_rules;
use crate::store::product::to_object;
use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Assets (and log entries) a list answers when `$top` is absent (WATS: "Returns top 1000
/// assets unless the $top query parameter have been specified").
pub const DEFAULT_TOP: i64 = 1000;

/// The largest `$top`.
pub const MAX_TOP: i64 = 100_000;

const ASSET_FIELDS: Fields = Fields(&[
    "assetId",
    "parentAssetId",
    "assetName",
    "serialNumber",
    "parentSerialNumber",
    "partNumber",
    "revision",
    "typeId",
    "state",
    "description",
    "location",
    "totalCount",
    "runningCount",
    "ClientId",
    "firstSeenDate",
    "lastSeenDate",
    "lastCalibrationDate",
    "nextCalibrationDate",
    "lastMaintenanceDate",
    "nextMaintenanceDate",
]);

const LOG_FIELDS: Fields = Fields(&[
    "logId",
    "assetId",
    "serialNumber",
    "date",
    "user",
    "type",
    "property",
    "value",
    "comment",
]);

const TYPE_FIELDS: Fields = Fields(&[
    "typeId",
    "typeName",
    "runningCountLimit",
    "totalCountLimit",
    "maintenanceInterval",
    "calibrationInterval",
    "warningThreshold",
    "alarmThreshold",
    "isReadonly",
    "icon",
]);

/// The date properties of assets and log entries: compared as instants in `$filter`
/// (`nextCalibrationDate lt 2026-05-01T00:00:00Z`, or a date: its midnight UTC).
const DATE_FIELDS: [&str; 7] = [
    "firstSeenDate",
    "lastSeenDate",
    "lastCalibrationDate",
    "nextCalibrationDate",
    "lastMaintenanceDate",
    "nextMaintenanceDate",
    "date",
];

/// The key under which a row remembers its item while sorting.
const INDEX_KEY: &str = "\u{0}index";

/// Date literals as microseconds since the epoch (the rows' dates are converted alike).
fn dates_as_numbers(e: &mut Expr) {
    let micros = match e {
        Expr::Literal(Literal::DateTime(d)) => Some(d.timestamp_micros()),
        Expr::Literal(Literal::Date(d)) => d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_micros()),
        _ => None,
    };
    if let Some(m) = micros {
        *e = Expr::Literal(Literal::Int(m));
        return;
    }
    match e {
        Expr::Or(a, b) | Expr::And(a, b) | Expr::Compare(_, a, b) => {
            dates_as_numbers(a);
            dates_as_numbers(b);
        }
        Expr::Not(a) => dates_as_numbers(a),
        Expr::In(a, list) => {
            dates_as_numbers(a);
            list.iter_mut().for_each(dates_as_numbers);
        }
        Expr::Call(_, args) => args.iter_mut().for_each(dates_as_numbers),
        _ => {}
    }
}

/// Filters, sorts (default: `default_order`) and pages objects by the OData options in the
/// query.
fn odata<T: serde::Serialize>(
    query: Option<&str>,
    items: Vec<T>,
    fields: &Fields,
    default_order: &str,
) -> ApiResult<Vec<T>> {
    let params = Params::parse(query)?;
    let pairs = params.0.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let mut options = QueryOptions::from_params_up_to(pairs, MAX_TOP)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    if !options.select.is_empty() || !options.expand.is_empty() {
        return Err(ApiError::bad_request(
            "$select and $expand are not supported here",
        ));
    }
    if options.order_by.is_empty() {
        options.order_by.push(crate::odata::OrderBy {
            field: default_order.to_owned(),
            descending: false,
        });
    }
    fields
        .check_order(&options.order_by)
        .map_err(|e| ApiError::bad_request(format!("invalid $orderby: {e}")))?;
    if let Some(f) = options.filter.as_mut() {
        dates_as_numbers(f);
    }
    let mut rows: Vec<Map<String, Value>> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let mut row = to_object(item)?;
        for k in DATE_FIELDS {
            let micros = row
                .get(k)
                .and_then(|v| v.as_str())
                .and_then(|t| Timestamp::parse(t).ok())
                .map(|t| t.utc().timestamp_micros());
            if let Some(m) = micros {
                row.insert(k.into(), m.into());
            }
        }
        let keep = match &options.filter {
            Some(f) => eval::test(f, &row, fields)
                .map_err(|e| ApiError::bad_request(format!("invalid $filter: {e}")))?,
            None => true,
        };
        if keep {
            row.insert(INDEX_KEY.into(), i.into());
            rows.push(row);
        }
    }
    eval::sort(&mut rows, &options.order_by, fields);
    let skip = options.skip.unwrap_or(0).max(0) as usize;
    let top = options.top.unwrap_or(DEFAULT_TOP).max(0) as usize;
    let order: Vec<usize> = rows
        .iter()
        .skip(skip)
        .take(top)
        .filter_map(|r| r.get(INDEX_KEY).and_then(|v| v.as_u64()))
        .map(|i| i as usize)
        .collect();
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}

/// Assets, filtered (`$filter`), sorted (`$orderby`, default `assetId`) and paged (`$top`,
/// default 1000; `$skip`).
#[utoipa::path(get, path = "/api/Asset", tag = "Asset",
    params(("$filter" = Option<String>, Query, description = "OData filter"),
           ("$orderby" = Option<String>, Query, description = "Sort order"),
           ("$top" = Option<i64>, Query, description = "At most this many (default 1000)"),
           ("$skip" = Option<i64>, Query, description = "Skip this many first")),
    responses((status = 200, body = Vec<Asset>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<Asset>>> {
    let mut tx = state.store.asset_read().await?;
    let all = tx.assets().await?;
    let all = tx.with_due_dates(all).await?;
    Ok(Json(odata(
        query.as_deref(),
        all,
        &ASSET_FIELDS,
        "assetId",
    )?))
}

/// One asset by id or serial number, with its type, children and log.
#[utoipa::path(get, path = "/api/Asset/{assetIdOrSerialNumber}", tag = "Asset",
    params(("assetIdOrSerialNumber" = String, Path, description = "Asset id or serial number")),
    responses((status = 200, body = Asset), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<Arc<AppState>>,
    Path(id_or_sn): Path<String>,
) -> ApiResult<Json<Asset>> {
    let mut tx = state.store.asset_read().await?;
    let a = tx
        .find(&id_or_sn)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Asset not found: {id_or_sn}")))?;
    let id = a.asset_id.clone().unwrap_or_default();
    let mut a = tx.with_due_dates(vec![a]).await?.remove(0);
    let children = tx.children(&id).await?;
    a.asset_children = Some(tx.with_due_dates(children).await?);
    a.asset_type = match a.type_id {
        Some(t) => tx.type_by_id(t).await?,
        None => None,
    };
    a.asset_log = Some(tx.logs(Some(&id)).await?);
    Ok(Json(a))
}

/// Creates or updates an asset (by `assetId`, else serial number). Counts and the
/// calibration and maintenance dates are ignored: they have their own calls.
#[utoipa::path(put, path = "/api/Asset", tag = "Asset", request_body = Asset,
    responses((status = 200, body = Asset), (status = 400, body = ErrorBody)))]
pub async fn put_asset(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    body: Bytes,
) -> ApiResult<Json<Asset>> {
    let a: Asset = json_body(&body, "asset")?;
    let mut tx = state.store.asset_write(&user).await?;
    let saved = tx.save(a).await?;
    let saved = tx.with_due_dates(vec![saved]).await?.remove(0);
    tx.commit().await?;
    Ok(Json(saved))
}

/// Deletes an asset with its log and files; its children move to its parent.
#[utoipa::path(delete, path = "/api/Asset", tag = "Asset",
    params(("id" = Option<String>, Query, description = "Asset id"),
           ("serialNumber" = Option<String>, Query, description = "Serial number")),
    responses((status = 200, body = bool), (status = 404, body = ErrorBody)))]
pub async fn delete_asset(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<bool>> {
    let p = Params::parse(query.as_deref())?;
    let mut tx = state.store.asset_write(&user).await?;
    let a = tx.existing(p.get("id"), p.get("serialNumber")).await?;
    tx.delete(&a).await?;
    tx.commit().await?;
    Ok(Json(true))
}

/// Where an asset stands against its type's limits: the alarm state (0 OK, 1 warning,
/// 2 alarm), why, and each measure in percent.
#[utoipa::path(get, path = "/api/Asset/Status", tag = "Asset",
    params(("id" = Option<String>, Query, description = "Asset id"),
           ("serialNumber" = Option<String>, Query, description = "Serial number"),
           ("translate" = Option<bool>, Query, description = "Accepted; messages are English"),
           ("cultureCode" = Option<String>, Query, description = "Accepted; messages are English")),
    responses((status = 200, body = AssetStatus), (status = 404, body = ErrorBody)))]
pub async fn status(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<AssetStatus>> {
    let p = Params::parse(query.as_deref())?;
    p.bool("translate")?;
    let mut tx = state.store.asset_read().await?;
    let a = tx.existing(p.get("id"), p.get("serialNumber")).await?;
    let t = match a.type_id {
        Some(t) => tx.type_by_id(t).await?,
        None => None,
    };
    let a = tx.with_due_dates(vec![a]).await?.remove(0);
    Ok(Json(asset_rules::status(&a, t.as_ref(), tx.now)))
}

/// Runs `f` on the asset the query names, as the signed-in user, and commits.
async fn change<F>(state: &AppState, user: &str, query: Option<&str>, f: F) -> ApiResult<Json<bool>>
where
    F: for<'t> AsyncFnOnce(&mut crate::store::asset::AssetTx<'t>, Asset, &Params) -> ApiResult<()>,
{
    let p = Params::parse(query)?;
    let mut tx = state.store.asset_write(user).await?;
    let a = tx.existing(p.get("id"), p.get("serialNumber")).await?;
    f(&mut tx, a, &p).await?;
    tx.commit().await?;
    Ok(Json(true))
}

fn required_int(p: &Params, name: &str) -> ApiResult<i64> {
    p.int(name)?
        .ok_or_else(|| ApiError::bad_request(format!("The query parameter {name} is required.")))
}

/// Sets the operational state (`state`: 0 unknown … 6 scrapped).
#[utoipa::path(put, path = "/api/Asset/State", tag = "Asset",
    params(("state" = i64, Query, description = "0..6"),
           ("id" = Option<String>, Query, description = "Asset id"),
           ("serialNumber" = Option<String>, Query, description = "Serial number")),
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_state(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<bool>> {
    change(&state, &user, query.as_deref(), async |tx, a, p| {
        let s = required_int(p, "state")?;
        tx.set_state(a, s).await
    })
    .await
}

/// Adds uses: `incrementBy` (1 or more) to the running and total counts, or `totalCount`
/// (the new total; the difference is added to both); `incrementChildren=true` counts the
/// descendants too.
#[utoipa::path(put, path = "/api/Asset/Count", tag = "Asset",
    params(("id" = Option<String>, Query, description = "Asset id"),
           ("serialNumber" = Option<String>, Query, description = "Serial number"),
           ("incrementBy" = Option<i64>, Query, description = "Uses to add"),
           ("totalCount" = Option<i64>, Query, description = "The new total count"),
           ("incrementChildren" = Option<bool>, Query, description = "Count the sub-assets too")),
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_count(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<bool>> {
    change(&state, &user, query.as_deref(), async |tx, a, p| {
        let children = p.bool("incrementChildren")?.unwrap_or(false);
        let by = match (p.int("incrementBy")?, p.int("totalCount")?) {
            (Some(n), _) if n < 1 => {
                return Err(ApiError::bad_request(format!(
                    "incrementBy must be 1 or more, not {n}"
                )))
            }
            (Some(n), _) => n,
            (None, Some(t)) => {
                let now = a.total_count.unwrap_or(0);
                if t < now {
                    return Err(ApiError::bad_request(format!(
                        "totalCount {t} is below the current total count {now}; \
                         use SetTotalCount to lower it"
                    )));
                }
                t - now
            }
            (None, None) => {
                return Err(ApiError::bad_request(
                    "The query parameter incrementBy or totalCount is required.",
                ))
            }
        };
        tx.increment(a, by, children, "count").await
    })
    .await
}

/// Resets the running count to 0.
#[utoipa::path(post, path = "/api/Asset/ResetRunningCount", tag = "Asset",
    params(("id" = Option<String>, Query, description = "Asset id"),
           ("serialNumber" = Option<String>, Query, description = "Serial number"),
           ("comment" = Option<String>, Query, description = "Why")),
    responses((status = 200, body = bool), (status = 404, body = ErrorBody)))]
pub async fn reset_running(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<bool>> {
    change(&state, &user, query.as_deref(), async |tx, a, p| {
        tx.set_running(a, 0, p.get("comment"), true).await
    })
    .await
}

/// Sets the running count.
#[utoipa::path(put, path = "/api/Asset/SetRunningCount", tag = "Asset",
    params(("runningCount" = i64, Query, description = "The new running count"),
           ("id" = Option<String>, Query, description = "Asset id"),
           ("serialNumber" = Option<String>, Query, description = "Serial number")),
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn set_running(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<bool>> {
    change(&state, &user, query.as_deref(), async |tx, a, p| {
        let v = required_int(p, "runningCount")?;
        tx.set_running(a, v, None, false).await
    })
    .await
}

/// Sets the total count.
#[utoipa::path(put, path = "/api/Asset/SetTotalCount", tag = "Asset",
    params(("totalCount" = i64, Query, description = "The new total count"),
           ("id" = Option<String>, Query, description = "Asset id"),
           ("serialNumber" = Option<String>, Query, description = "Serial number")),
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn set_total(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<bool>> {
    change(&state, &user, query.as_deref(), async |tx, a, p| {
        let v = required_int(p, "totalCount")?;
        tx.set_total(a, v).await
    })
    .await
}

/// A date parameter (ISO 8601; without an offset: the server's local time, as WATS reads it).
fn date_param(p: &Params, name: &str) -> ApiResult<Option<DateTime<Utc>>> {
    match p.get(name).filter(|v| !v.trim().is_empty()) {
        None => Ok(None),
        Some(v) => Timestamp::parse(v.trim())
            .map(|t| Some(t.utc()))
            .map_err(|_| {
                ApiError::bad_request(format!(
                    "The value '{v}' is not valid for {name}: expected an ISO 8601 date and time."
                ))
            }),
    }
}

async fn record(
    state: &AppState,
    user: &str,
    query: Option<&str>,
    kind: Service,
    external: bool,
) -> ApiResult<Json<bool>> {
    change(state, user, query, async |tx, a, p| {
        let now = tx.now;
        let (at, next) = if external {
            (
                date_param(p, "fromDate")?.unwrap_or(now),
                Some(date_param(p, "toDate")?.ok_or_else(|| {
                    ApiError::bad_request("The query parameter toDate is required.")
                })?),
            )
        } else {
            (date_param(p, "dateTime")?.unwrap_or(now), None)
        };
        tx.service(a, kind, at, next, p.get("comment")).await
    })
    .await
}

/// Records a calibration (`dateTime`, default now): the next one is due one calibration
/// interval later, and the running count restarts at 0.
#[utoipa::path(post, path = "/api/Asset/Calibration", tag = "Asset",
    params(("id" = Option<String>, Query, description = "Asset id"),
           ("serialNumber" = Option<String>, Query, description = "Serial number"),
           ("dateTime" = Option<String>, Query, description = "When (default now)"),
           ("comment" = Option<String>, Query, description = "Comment")),
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn calibration(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<bool>> {
    record(&state, &user, query.as_deref(), Service::Calibration, false).await
}

/// Records a maintenance (`dateTime`, default now): the next one is due one maintenance
/// interval later.
#[utoipa::path(post, path = "/api/Asset/Maintenance", tag = "Asset",
    params(("id" = Option<String>, Query, description = "Asset id"),
           ("serialNumber" = Option<String>, Query, description = "Serial number"),
           ("dateTime" = Option<String>, Query, description = "When (default now)"),
           ("comment" = Option<String>, Query, description = "Comment")),
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn maintenance(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<bool>> {
    record(&state, &user, query.as_deref(), Service::Maintenance, false).await
}

/// Records a calibration managed elsewhere: done at `fromDate` (default now), next due at
/// `toDate` (required).
#[utoipa::path(post, path = "/api/Asset/Calibration/External", tag = "Asset",
    params(("id" = Option<String>, Query, description = "Asset id"),
           ("serialNumber" = Option<String>, Query, description = "Serial number"),
           ("fromDate" = Option<String>, Query, description = "Calibrated"),
           ("toDate" = String, Query, description = "Next due"),
           ("comment" = Option<String>, Query, description = "Comment")),
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn calibration_external(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<bool>> {
    record(&state, &user, query.as_deref(), Service::Calibration, true).await
}

/// Records a maintenance managed elsewhere: done at `fromDate` (default now), next due at
/// `toDate` (required).
#[utoipa::path(post, path = "/api/Asset/Maintenance/External", tag = "Asset",
    params(("id" = Option<String>, Query, description = "Asset id"),
           ("serialNumber" = Option<String>, Query, description = "Serial number"),
           ("fromDate" = Option<String>, Query, description = "Maintained"),
           ("toDate" = String, Query, description = "Next due"),
           ("comment" = Option<String>, Query, description = "Comment")),
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn maintenance_external(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<bool>> {
    record(&state, &user, query.as_deref(), Service::Maintenance, true).await
}

/// Log entries of every asset, filtered, sorted (default `logId`) and paged (default 1000).
#[utoipa::path(get, path = "/api/Asset/Log", tag = "Asset",
    params(("$filter" = Option<String>, Query, description = "OData filter"),
           ("$orderby" = Option<String>, Query, description = "Sort order"),
           ("$top" = Option<i64>, Query, description = "At most this many (default 1000)"),
           ("$skip" = Option<i64>, Query, description = "Skip this many first")),
    responses((status = 200, body = Vec<AssetLog>), (status = 400, body = ErrorBody)))]
pub async fn log(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<AssetLog>>> {
    let mut tx = state.store.asset_read().await?;
    let all = tx.logs(None).await?;
    Ok(Json(odata(query.as_deref(), all, &LOG_FIELDS, "logId")?))
}

/// Adds a message to an asset's log: the asset by `assetId` in the body (pyWATS) or
/// `id`/`serialNumber` in the query; the text in `comment` (pyWATS) or `content` (WATS).
#[utoipa::path(post, path = "/api/Asset/Message", tag = "Asset", request_body = AssetMessage,
    params(("id" = Option<String>, Query, description = "Asset id"),
           ("serialNumber" = Option<String>, Query, description = "Serial number")),
    responses((status = 200, body = bool), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn message(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<Json<bool>> {
    let m: AssetMessage = json_body(&body, "message")?;
    let p = Params::parse(query.as_deref())?;
    let text = m
        .comment
        .as_deref()
        .or(m.content.as_deref())
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("comment (the message) is required"))?;
    let mut tx = state.store.asset_write(&user).await?;
    let a = tx
        .existing(m.asset_id.as_deref().or(p.get("id")), p.get("serialNumber"))
        .await?;
    tx.log(
        &a,
        Entry {
            user: m.user.as_deref().filter(|u| !u.trim().is_empty()),
            ..Entry::new(wats_types::asset::AssetLogType::MESSAGE, Some(text))
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(true))
}

/// Asset types (`$filter`, `$orderby` default `typeName`, `$top`, `$skip`).
#[utoipa::path(get, path = "/api/Asset/Types", tag = "Asset",
    params(("$filter" = Option<String>, Query, description = "OData filter"),
           ("$top" = Option<i64>, Query, description = "At most this many")),
    responses((status = 200, body = Vec<AssetType>), (status = 400, body = ErrorBody)))]
pub async fn get_types(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<AssetType>>> {
    let mut tx = state.store.asset_read().await?;
    let all = tx.types().await?;
    Ok(Json(odata(
        query.as_deref(),
        all,
        &TYPE_FIELDS,
        "typeName",
    )?))
}

/// Creates or updates an asset type (by `typeId`, else name).
#[utoipa::path(put, path = "/api/Asset/Types", tag = "Asset", request_body = AssetType,
    responses((status = 200, body = AssetType), (status = 400, body = ErrorBody)))]
pub async fn put_type(
    State(state): State<Arc<AppState>>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    body: Bytes,
) -> ApiResult<Json<AssetType>> {
    let t: AssetType = json_body(&body, "asset type")?;
    let mut tx = state.store.asset_write(&user).await?;
    let saved = tx.save_type(t).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

/// The sub-assets of an asset: `level` levels down (1: children only; absent or 0: all).
#[utoipa::path(get, path = "/api/Asset/SubAssets", tag = "Asset",
    params(("id" = Option<String>, Query, description = "Asset id"),
           ("serialNumber" = Option<String>, Query, description = "Serial number"),
           ("level" = Option<i64>, Query, description = "Levels down (default all)")),
    responses((status = 200, body = Vec<Asset>), (status = 404, body = ErrorBody)))]
pub async fn sub_assets(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<Asset>>> {
    let p = Params::parse(query.as_deref())?;
    let level = p.int("level")?.unwrap_or(0);
    if level < 0 {
        return Err(ApiError::bad_request("level cannot be negative"));
    }
    let mut tx = state.store.asset_read().await?;
    let a = tx.existing(p.get("id"), p.get("serialNumber")).await?;
    let list = tx
        .descendants(a.asset_id.as_deref().unwrap_or(""), level)
        .await?;
    Ok(Json(tx.with_due_dates(list).await?))
}

/// Adds this module's routes.
pub fn routes(router: OpenApiRouter<Arc<AppState>>) -> OpenApiRouter<Arc<AppState>> {
    router
        .routes(routes!(list, put_asset, delete_asset))
        .routes(routes!(get_one))
        .routes(routes!(status))
        .routes(routes!(put_state))
        .routes(routes!(put_count))
        .routes(routes!(reset_running))
        .routes(routes!(set_running))
        .routes(routes!(set_total))
        .routes(routes!(calibration))
        .routes(routes!(maintenance))
        .routes(routes!(calibration_external))
        .routes(routes!(maintenance_external))
        .routes(routes!(log))
        .routes(routes!(message))
        .routes(routes!(get_types, put_type))
        .routes(routes!(sub_assets))
}
