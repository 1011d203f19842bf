//! Report lists through the analytics filter: `UutReport`, `UurReport` and
//! `SerialNumberHistory`, answered as the report headers `GET /api/Report/Query/Header`
//! returns.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::filter::{Criteria, Where};
use super::yields::row_limit;
use crate::error::ApiResult;
use crate::store::product::ProductTx;
use crate::store::query::{header_json, HEADER_COLUMNS};
use crate::store::Backend;
use wats_types::analytics::WatsFilter;

/// Rows a report list returns without `topCount` (as `GET /api/Report/Query/Header`).
pub const DEFAULT_REPORTS: i32 = 1000;

/// Which reports a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// UUT reports in the filter's range (default: the last 30 days), newest first.
    Uut,
    /// UUR reports in the filter's range, newest first.
    Uur,
    /// Every report of the matching units, oldest first; dates only when the filter gives
    /// them (a unit's history is not cut at 30 days).
    History,
}

/// The headers of the reports `filter` selects.
pub async fn report_list(
    tx: &mut ProductTx<'_>,
    backend: Backend,
    filter: &WatsFilter,
    kind: Kind,
    now: DateTime<Utc>,
) -> ApiResult<Vec<Value>> {
    let top = row_limit(filter.top_count, Some(DEFAULT_REPORTS))?;
    let mut criteria = Criteria::parse(filter, now)?;
    super::resolve_group_filter(tx, filter, &mut criteria).await?;
    let mut w = Where::default();
    let dated =
        filter.date_from.is_some() || filter.date_to.is_some() || filter.period_count.is_some();
    match kind {
        Kind::Uut => w.push("r.report_type = 'T'".into()),
        Kind::Uur => w.push("r.report_type = 'R'".into()),
        Kind::History => {}
    }
    criteria.conditions(&mut w, backend, kind != Kind::History || dated);
    let order = match kind {
        Kind::History => "r.start_utc, r.id",
        _ => "r.start_utc DESC, r.id",
    };
    let limit = w.bind(super::filter::Bind::Int(top as i64));
    let sql = format!(
        "SELECT {HEADER_COLUMNS} FROM reports r{} ORDER BY {order} LIMIT {limit}",
        w.sql()
    );
    w.apply(sqlx::query(&sql))
        .fetch_all(&mut *tx.tx)
        .await?
        .iter()
        .map(|r| header_json(r).map(Value::Object))
        .collect::<sqlx::Result<_>>()
        .map_err(Into::into)
}
