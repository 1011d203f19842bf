//! The internal lists of `/api/internal/App/*`: `MeasurementList` (every measurement of the
//! matching reports, newest first) and `StepStatusList` (per step path, its executions and
//! the newest one). Both read at most `maxCount` (default and cap 10000) measurements or
//! reports, over the measurement calls' default range (the last 7 days).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::filter::{utc_text, Bind, Criteria, Where};
use super::measurements::{max_count, split_path, status_word, MEASUREMENT_DAYS};
use super::steps::max_reports;
use crate::error::{ApiError, ApiResult};
use crate::store::product::ProductTx;
use crate::store::Backend;
use wats_types::analytics::{MeasurementListItem, StepStatusItem, WatsFilter};

/// Refuses WATS's XML step and sequence filters: their format is not published, so this
/// server cannot apply them, and ignoring one would answer more than was asked.
pub fn refuse_xml_filters(step: Option<&str>, sequence: Option<&str>) -> ApiResult<()> {
    for (name, value) in [("stepFilters", step), ("sequenceFilters", sequence)] {
        if value.is_some_and(|v| !v.trim().is_empty()) {
            return Err(ApiError::bad_request(format!(
                "{name} is not supported: WATS's XML step and sequence filter format is not \
                 published, so this server cannot apply it. Leave {name} empty and narrow the \
                 list with the filter (partNumber, testOperation, measurementPaths, dates)."
            )));
        }
    }
    Ok(())
}

/// The filter's `measurementPaths`, as `(step path, measurement name)` conditions on `m`.
fn path_condition(w: &mut Where, filter: &WatsFilter) {
    let Some(text) = filter.measurement_paths.as_deref() else {
        return;
    };
    let mut tests = Vec::new();
    for path in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (step, meas) = split_path(path);
        let p = w.bind(Bind::Text(step));
        tests.push(match meas {
            Some(meas) => {
                let n = w.bind(Bind::Text(meas));
                format!("(m.step_path = {p} AND m.meas_name = {n})")
            }
            None => format!("m.step_path = {p}"),
        });
    }
    if !tests.is_empty() {
        w.push(format!("({})", tests.join(" OR ")));
    }
}

/// `MeasurementList`: the measurements (numeric, string and pass/fail) of the UUT reports the
/// filter matches (and of its `measurementPaths`, when given), newest report first.
pub async fn measurement_list(
    tx: &mut ProductTx<'_>,
    backend: Backend,
    filter: &WatsFilter,
    now: DateTime<Utc>,
) -> ApiResult<Vec<MeasurementListItem>> {
    let limit = max_count(filter)?;
    let mut criteria = Criteria::parse_with(filter, now, MEASUREMENT_DAYS)?;
    super::resolve_group_filter(tx, filter, &mut criteria).await?;
    let mut w = Where::default();
    w.push("r.report_type = 'T'".into());
    criteria.conditions(&mut w, backend, true);
    path_condition(&mut w, filter);
    let l = w.bind(Bind::Int(limit));
    // A step of several measurements names each `path¶¶name`.
    let sql = format!(
        "SELECT r.sn, r.pn, r.rev, r.id, m.step_name, m.step_path, m.meas_name, m.value, \
         m.string_value, m.low_limit, m.high_limit, m.unit, m.status, r.start_utc, r.station, \
         CASE WHEN m.meas_index > 0 OR EXISTS (SELECT 1 FROM measurements x \
              WHERE x.report_id = m.report_id AND x.step_index = m.step_index \
              AND x.meas_index = 1) THEN 1 ELSE 0 END \
         FROM reports r JOIN measurements m ON m.report_id = r.id{} \
         ORDER BY r.start_utc DESC, r.id, m.step_index, m.meas_index LIMIT {l}",
        w.sql()
    );
    w.apply(sqlx::query(&sql))
        .fetch_all(&mut *tx.tx)
        .await?
        .iter()
        .map(|r| {
            let path: String = r.try_get(5)?;
            let name: Option<String> = r.try_get(6)?;
            let multi = r.try_get::<i64, _>(15)? == 1;
            Ok(MeasurementListItem {
                serial_number: r.try_get(0)?,
                part_number: r.try_get(1)?,
                revision: r.try_get(2)?,
                report_id: r.try_get(3)?,
                step_name: r.try_get(4)?,
                step_path: Some(match name {
                    Some(n) if multi => format!("{path}¶¶{n}"),
                    _ => path,
                }),
                value: r.try_get(7)?,
                string_value: r.try_get(8)?,
                limit_low: r.try_get(9)?,
                limit_high: r.try_get(10)?,
                unit: r.try_get(11)?,
                status: status_word(r.try_get::<Option<String>, _>(12)?.as_deref()),
                start_utc: Some(utc_text(r.try_get(13)?)),
                station_name: r.try_get(14)?,
                extra: Default::default(),
            })
        })
        .collect::<sqlx::Result<_>>()
        .map_err(Into::into)
}

/// What `StepStatusList` gathers for one step path.
#[derive(Default)]
struct StepStatus {
    item: StepStatusItem,
    pns: BTreeMap<String, ()>,
    revs: BTreeMap<Option<String>, ()>,
}

/// `StepStatusList`: per step path (in the newest report's order), its executions by status
/// in the newest `maxCount` UUT reports the filter matches, and its newest execution.
pub async fn step_status_list(
    tx: &mut ProductTx<'_>,
    backend: Backend,
    filter: &WatsFilter,
    now: DateTime<Utc>,
) -> ApiResult<Vec<StepStatusItem>> {
    let max = max_reports(filter)?;
    let mut criteria = Criteria::parse_with(filter, now, MEASUREMENT_DAYS)?;
    super::resolve_group_filter(tx, filter, &mut criteria).await?;
    let mut w = Where::default();
    w.push("r.report_type = 'T'".into());
    criteria.conditions(&mut w, backend, true);
    let l = w.bind(Bind::Int(i64::from(max)));
    let ids = format!(
        "SELECT r.id FROM reports r{} ORDER BY r.start_utc DESC, r.id LIMIT {l}",
        w.sql()
    );
    let sql = format!(
        "SELECT m.step_path, m.step_name, m.step_type, m.step_status, r.pn, r.rev, \
         r.start_utc, r.sn, r.id FROM measurements m JOIN reports r ON r.id = m.report_id \
         WHERE m.meas_index = 0 AND m.report_id IN ({ids}) \
         ORDER BY r.start_utc DESC, r.id, m.step_index"
    );
    let mut steps: BTreeMap<String, StepStatus> = BTreeMap::new();
    let mut order = Vec::new();
    for r in w.apply(sqlx::query(&sql)).fetch_all(&mut *tx.tx).await? {
        let path: String = r.try_get(0)?;
        let status: Option<String> = r.try_get(3)?;
        let s = steps.entry(path.clone()).or_insert_with(|| {
            order.push(path.clone());
            StepStatus::default()
        });
        let it = &mut s.item;
        if it.total_count.is_none() {
            // The newest execution (rows come newest first).
            it.step_path = Some(path);
            it.step_name = r.try_get(1)?;
            it.step_type = r.try_get(2)?;
            it.status = status_word(status.as_deref());
            it.start_utc = Some(utc_text(r.try_get(6)?));
            it.serial_number = r.try_get(7)?;
            it.report_id = r.try_get(8)?;
        }
        *it.total_count.get_or_insert(0) += 1;
        *it.pass_count.get_or_insert(0) += i64::from(status.as_deref() == Some("P"));
        *it.fail_count.get_or_insert(0) += i64::from(status.as_deref() == Some("F"));
        s.pns.insert(r.try_get(4)?, ());
        s.revs.insert(r.try_get(5)?, ());
    }
    Ok(order
        .into_iter()
        .filter_map(|p| steps.remove(&p))
        .map(|s| {
            let mut it = s.item;
            if s.pns.len() == 1 {
                it.part_number = s.pns.into_keys().next();
            }
            if s.revs.len() == 1 {
                it.revision = s.revs.into_keys().next().flatten();
            }
            it
        })
        .collect())
}
