//! The pools on the control API (`GET /serial`, `POST /serial/{type}/take?count=N`), in
//! `/status` and in `/metrics`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{PoolError, SerialPool};
use crate::control::ControlState;

/// The pools' routes, for the control API's router (its guard asks the secret of the POST).
pub fn routes() -> Router<Arc<ControlState>> {
    Router::new()
        .route("/serial", get(levels))
        .route("/serial/{type}/take", post(take))
}

/// Each pool's level, as `/status` and `GET /serial` show it (empty without pools).
pub fn levels_json(pool: Option<&SerialPool>) -> Value {
    let Some(pool) = pool else {
        return json!([]);
    };
    match pool.levels() {
        Ok(levels) => Value::Array(
            levels
                .iter()
                .map(|l| {
                    json!({
                        "type": l.type_name, "available": l.available,
                        "handed_out": l.handed_out, "low_water": l.low_water,
                        "batch_size": l.batch_size,
                        "below_low_water": l.available < u64::from(l.low_water),
                    })
                })
                .collect(),
        ),
        Err(e) => json!({ "error": e.to_string() }),
    }
}

/// Prometheus lines for the pools' levels (nothing without pools).
pub fn metrics_text(pool: Option<&SerialPool>) -> String {
    let Some(Ok(levels)) = pool.map(SerialPool::levels) else {
        return String::new();
    };
    let mut out = String::from(
        "# HELP wats_client_serial_pool_available Serial numbers in the station's pool, not handed out.\n\
         # TYPE wats_client_serial_pool_available gauge\n",
    );
    for l in &levels {
        out.push_str(&format!(
            "wats_client_serial_pool_available{{type=\"{}\"}} {}\n",
            escape(&l.type_name),
            l.available
        ));
    }
    out.push_str(
        "# HELP wats_client_serial_pool_handed_out_total Serial numbers handed out from the station's pool.\n\
         # TYPE wats_client_serial_pool_handed_out_total counter\n",
    );
    for l in &levels {
        out.push_str(&format!(
            "wats_client_serial_pool_handed_out_total{{type=\"{}\"}} {}\n",
            escape(&l.type_name),
            l.handed_out
        ));
    }
    out
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

async fn levels(State(shared): State<Arc<ControlState>>) -> Json<Value> {
    Json(levels_json(shared.serial_pool.as_deref()))
}

#[derive(Deserialize)]
struct TakeQuery {
    count: Option<u32>,
}

async fn take(
    State(shared): State<Arc<ControlState>>,
    Path(type_name): Path<String>,
    Query(q): Query<TakeQuery>,
) -> Response {
    let Some(pool) = shared.serial_pool.as_deref() else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": PoolError::Unknown(type_name).to_string() })),
        )
            .into_response();
    };
    match pool.take(&type_name, q.count.unwrap_or(1)).await {
        Ok(numbers) => {
            Json(json!({ "type": type_name, "serial_numbers": numbers })).into_response()
        }
        Err(e) => {
            let status = match &e {
                PoolError::Unknown(_) => StatusCode::NOT_FOUND,
                PoolError::BadCount { .. } => StatusCode::BAD_REQUEST,
                PoolError::EmptyOffline { .. } => StatusCode::SERVICE_UNAVAILABLE,
                PoolError::Refused { .. } => StatusCode::CONFLICT,
                PoolError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            (status, Json(json!({ "error": e.to_string() }))).into_response()
        }
    }
}
