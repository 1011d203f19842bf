//! Step statistics from the flattened `measurements` table: `TopFailed` and
//! `TestStepAnalysis`. A step execution is its first measurement row (`meas_index = 0`); the
//! table holds the steps that carry measurements (numeric, pass/fail, string), so steps
//! without any (actions, sequence calls) are not counted.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::filter::{utc_text, Bind, Criteria, Where};
use super::measurements::{spec_limits, Stats};
use super::yields::row_limit;
use crate::error::{ApiError, ApiResult};
use crate::store::facts::DAY_MICROS;
use crate::store::product::ProductTx;
use crate::store::Backend;
use wats_types::analytics::{StepAnalysisRow, TopFailedStep, WatsFilter};

/// The most reports `TestStepAnalysis` reads (`maxCount`, WATS's default and cap).
pub const MAX_REPORTS: i32 = 10_000;

/// The newest reports a step list reads: `maxCount` (1..[`MAX_REPORTS`]), else all of
/// [`MAX_REPORTS`].
pub fn max_reports(filter: &WatsFilter) -> ApiResult<i32> {
    match filter.max_count {
        None | Some(0) => Ok(MAX_REPORTS),
        Some(n) if (1..=MAX_REPORTS).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::bad_request(format!(
            "The filter field maxCount is {n}: it must be 1..{MAX_REPORTS} reports."
        ))),
    }
}

/// Adds the `run` filter (1, 2, 3: that run; -1: each unit's last run; -2: all).
fn run_condition(w: &mut Where, run: Option<i32>) -> ApiResult<()> {
    match run {
        None | Some(-2) => {}
        Some(-1) => w.push(
            "r.run = (SELECT MAX(l.run) FROM reports l WHERE l.sn = r.sn AND l.pn = r.pn \
             AND l.process_code = r.process_code AND l.report_type = r.report_type)"
                .into(),
        ),
        Some(n) if n >= 1 => {
            let p = w.bind(Bind::Int(i64::from(n)));
            w.push(format!("r.run = {p}"));
        }
        Some(n) => {
            return Err(ApiError::bad_request(format!(
                "The filter field run is {n}: expected 1, 2, 3 (that run), -1 (last) or -2 \
                 (all)."
            )))
        }
    }
    Ok(())
}

/// A step's executions and failures, as `TopFailed` sums them.
#[derive(Default)]
struct Failing {
    name: Option<String>,
    step_type: Option<String>,
    total: i64,
    failed: i64,
    first: Option<i64>,
    last: Option<i64>,
}

impl Failing {
    fn add(&mut self, row: &sqlx::any::AnyRow) -> sqlx::Result<()> {
        self.name = self.name.take().max(row.try_get(1)?);
        self.step_type = self.step_type.take().max(row.try_get(2)?);
        self.total += row.try_get::<Option<i64>, _>(3)?.unwrap_or_default();
        self.failed += row.try_get::<Option<i64>, _>(4)?.unwrap_or_default();
        let (first, last): (Option<i64>, Option<i64>) = (row.try_get(5)?, row.try_get(6)?);
        self.first = match (self.first, first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = self.last.max(last);
        Ok(())
    }
}

/// The whole UTC days `[from, to)` of the range whose step facts `TopFailed` may sum, when
/// the filter asks only what the facts keep (part number, revision, product group, dates; all
/// runs); `to` is `None` for an open range.
fn fact_days(criteria: &Criteria, run: Option<i32>) -> Option<(i64, Option<i64>)> {
    if !matches!(run, None | Some(-2)) || criteria.statuses.is_some() {
        return None;
    }
    if criteria
        .texts
        .iter()
        .any(|(column, _)| !matches!(*column, "r.pn" | "r.rev"))
    {
        return None;
    }
    let from = (criteria.range.from + DAY_MICROS - 1).div_euclid(DAY_MICROS);
    match criteria.range.to {
        None => Some((from, None)),
        Some(to) => {
            let to = to.div_euclid(DAY_MICROS);
            (from < to).then_some((from, Some(to)))
        }
    }
}

/// Adds the step counts of the reports `criteria` matches (dates included), read from the
/// measurement rows, to `steps`.
async fn count_raw(
    tx: &mut ProductTx<'_>,
    backend: Backend,
    criteria: &Criteria,
    run: Option<i32>,
    steps: &mut BTreeMap<String, Failing>,
) -> ApiResult<()> {
    let mut w = Where::default();
    w.push("r.report_type = 'T'".into());
    w.push("m.meas_index = 0".into());
    criteria.conditions(&mut w, backend, true);
    run_condition(&mut w, run)?;
    let fail = "CASE WHEN m.step_status = 'F' THEN";
    let sql = format!(
        "SELECT m.step_path, MAX(m.step_name), MAX(m.step_type), COUNT(*), \
         CAST(SUM({fail} 1 ELSE 0 END) AS BIGINT), MIN({fail} r.start_utc END), \
         MAX({fail} r.start_utc END) \
         FROM reports r JOIN measurements m ON m.report_id = r.id{} GROUP BY m.step_path",
        w.sql()
    );
    for row in w.apply(sqlx::query(&sql)).fetch_all(&mut *tx.tx).await? {
        steps.entry(row.try_get(0)?).or_default().add(&row)?;
    }
    Ok(())
}

/// Adds the step facts of the whole days `[from, to)` that `criteria` matches to `steps`.
async fn count_facts(
    tx: &mut ProductTx<'_>,
    backend: Backend,
    criteria: &Criteria,
    (from, to): (i64, Option<i64>),
    steps: &mut BTreeMap<String, Failing>,
) -> ApiResult<()> {
    // The facts carry `pn` and `rev` as the reports do: the filter's SQL applies to them.
    let mut w = Where::default();
    criteria.conditions(&mut w, backend, false);
    let p = w.bind(Bind::Int(from));
    w.push(format!("r.day >= {p}"));
    if let Some(to) = to {
        let p = w.bind(Bind::Int(to));
        w.push(format!("r.day < {p}"));
    }
    let sql = format!(
        "SELECT d.path, MAX(d.name), MAX(d.type), CAST(SUM(r.executions) AS BIGINT), \
         CAST(SUM(r.failures) AS BIGINT), MIN(r.first_fail_utc), MAX(r.last_fail_utc) \
         FROM step_day_facts r JOIN step_dict d ON d.id = r.step_id{} GROUP BY d.path",
        w.sql()
    );
    for row in w.apply(sqlx::query(&sql)).fetch_all(&mut *tx.tx).await? {
        steps.entry(row.try_get(0)?).or_default().add(&row)?;
    }
    Ok(())
}

/// `TopFailed`: the steps failing in most reports, most first (`topCount`, default 10).
///
/// The whole days of the range come from the step facts kept at ingest when the filter asks
/// only what they keep; the partial days at its ends, and other filters, are counted from
/// the measurement rows.
pub async fn top_failed(
    tx: &mut ProductTx<'_>,
    backend: Backend,
    filter: &WatsFilter,
    now: DateTime<Utc>,
) -> ApiResult<Vec<TopFailedStep>> {
    let top = row_limit(filter.top_count, Some(10))?;
    run_condition(&mut Where::default(), filter.run)?;
    let mut criteria = Criteria::parse(filter, now)?;
    super::resolve_group_filter(tx, filter, &mut criteria).await?;
    let mut steps: BTreeMap<String, Failing> = BTreeMap::new();
    match fact_days(&criteria, filter.run) {
        Some((from, to)) => {
            count_facts(tx, backend, &criteria, (from, to), &mut steps).await?;
            let mut edges = vec![(criteria.range.from, from * DAY_MICROS)];
            if let (Some(to_day), Some(to)) = (to, criteria.range.to) {
                edges.push((to_day * DAY_MICROS, to));
            }
            for (a, b) in edges.into_iter().filter(|(a, b)| a < b) {
                let mut edge = criteria.clone();
                edge.range.from = a;
                edge.range.to = Some(b);
                count_raw(tx, backend, &edge, filter.run, &mut steps).await?;
            }
        }
        None => count_raw(tx, backend, &criteria, filter.run, &mut steps).await?,
    }
    let mut rows: Vec<TopFailedStep> = steps
        .into_iter()
        .filter(|(_, s)| s.failed > 0)
        .map(|(path, s)| TopFailedStep {
            step_path: Some(path),
            step_name: s.name,
            step_type: s.step_type,
            fail_count: Some(s.failed),
            total_count: Some(s.total),
            fail_rate: (s.total > 0).then(|| s.failed as f64 * 100.0 / s.total as f64),
            first_fail_date: s.first.map(utc_text),
            last_fail_date: s.last.map(utc_text),
            part_number: filter.part_number.clone(),
            revision: filter.revision.clone(),
            product_group: filter.product_group.clone(),
            ..Default::default()
        })
        .collect();
    rows.sort_by(|a, b| {
        b.fail_count
            .cmp(&a.fail_count)
            .then_with(|| a.step_path.cmp(&b.step_path))
    });
    rows.truncate(top);
    Ok(rows)
}

/// What one step (or measurement of a multi-measurement step) gathers.
#[derive(Default)]
struct StepAcc {
    name: Option<String>,
    step_type: Option<String>,
    meas_name: Option<String>,
    /// Status letter → executions.
    statuses: BTreeMap<String, i64>,
    /// Report result word → reports whose failure this step caused.
    caused: BTreeMap<String, i64>,
    /// (value, failed, low, high), newest first.
    values: Vec<(f64, bool, Option<f64>, Option<f64>)>,
    comp_op: Option<String>,
    /// Measurements in this step (several: rows are per measurement).
    multi: bool,
}

/// `TestStepAnalysis` for one part number and test operation (both required, as WATS's):
/// per step path, counts by status, the reports it failed, and for numeric measurements the
/// statistics with and without failed values. `run` defaults to 1, `maxCount` to 10000
/// reports (the newest).
pub async fn step_analysis(
    tx: &mut ProductTx<'_>,
    backend: Backend,
    filter: &WatsFilter,
    now: DateTime<Utc>,
) -> ApiResult<Vec<StepAnalysisRow>> {
    for (name, v) in [
        ("partNumber", &filter.part_number),
        ("testOperation", &filter.test_operation),
    ] {
        if v.as_deref().is_none_or(|v| v.trim().is_empty()) {
            return Err(ApiError::bad_request(format!(
                "TestStepAnalysis needs the filter field {name} (one product in one process)."
            )));
        }
    }
    let max = max_reports(filter)?;
    let mut criteria = Criteria::parse(filter, now)?;
    super::resolve_group_filter(tx, filter, &mut criteria).await?;
    let mut w = Where::default();
    w.push("r.report_type = 'T'".into());
    criteria.conditions(&mut w, backend, true);
    run_condition(&mut w, Some(filter.run.unwrap_or(1)))?;
    let l = w.bind(Bind::Int(i64::from(max)));
    let ids = format!(
        "SELECT r.id FROM reports r{} ORDER BY r.start_utc DESC, r.id LIMIT {l}",
        w.sql()
    );
    let sql = format!(
        "SELECT m.step_path, m.step_index, m.meas_index, m.step_name, m.step_type, \
         m.step_status, m.kind, m.meas_name, m.value, m.low_limit, m.high_limit, m.comp_op, \
         m.status, r.result, r.caused_uut_failure_path \
         FROM measurements m JOIN reports r ON r.id = m.report_id \
         WHERE m.report_id IN ({ids}) \
         ORDER BY r.start_utc DESC, r.id, m.step_index, m.meas_index"
    );
    let rows = w.apply(sqlx::query(&sql)).fetch_all(&mut *tx.tx).await?;
    // Keyed by (step path, measurement index): first seen order kept through `order`.
    let mut accs: BTreeMap<(String, i64), StepAcc> = BTreeMap::new();
    let mut order: Vec<(String, i64)> = Vec::new();
    for r in &rows {
        let path: String = r.try_get(0)?;
        let meas_index: i64 = r.try_get(2)?;
        let key = (path.clone(), meas_index);
        let acc = accs.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            StepAcc::default()
        });
        acc.name = acc.name.take().or(r.try_get(3)?);
        acc.step_type = acc.step_type.take().or(r.try_get(4)?);
        acc.meas_name = acc.meas_name.take().or(r.try_get(7)?);
        acc.multi |= meas_index > 0;
        let status: Option<String> = r.try_get(5)?;
        *acc.statuses.entry(status.unwrap_or_default()).or_default() += 1;
        let caused: Option<String> = r.try_get(14)?;
        if caused.as_deref() == Some(path.as_str()) {
            *acc.caused.entry(r.try_get(13)?).or_default() += 1;
        }
        if r.try_get::<String, _>(6)? == "numeric" {
            if let Some(v) = r.try_get::<Option<f64>, _>(8)? {
                let failed = r.try_get::<Option<String>, _>(12)?.as_deref() == Some("F");
                acc.values.push((v, failed, r.try_get(9)?, r.try_get(10)?));
            }
            acc.comp_op = acc.comp_op.take().or(r.try_get(11)?);
        }
    }
    // A step with several measurements has one row per measurement, named `path¶¶name`.
    let multi: std::collections::HashSet<String> = accs
        .iter()
        .filter(|(_, a)| a.multi)
        .map(|((p, _), _)| p.clone())
        .collect();
    Ok(order
        .into_iter()
        .filter_map(|key| accs.remove(&key).map(|a| (key, a)))
        .map(|((path, _), a)| analysis_row(path.clone(), multi.contains(&path), a))
        .collect())
}

fn analysis_row(path: String, multi: bool, a: StepAcc) -> StepAnalysisRow {
    let count = |l: &str| a.statuses.get(l).copied().unwrap_or(0);
    let total: i64 = a.statuses.values().sum();
    let known = ["P", "D", "S", "F", "E", "T"]
        .iter()
        .map(|l| count(l))
        .sum::<i64>();
    let caused = |w: &str| a.caused.get(w).copied().unwrap_or(0);
    let all: Vec<f64> = a.values.iter().map(|v| v.0).collect();
    let good: Vec<&(f64, bool, Option<f64>, Option<f64>)> =
        a.values.iter().filter(|v| !v.1).collect();
    let wof: Vec<f64> = good.iter().map(|v| v.0).collect();
    let (low, high) = a.values.first().map_or((None, None), |v| (v.2, v.3));
    let (low_wof, high_wof) = good.first().map_or((None, None), |v| (v.2, v.3));
    let op = a.comp_op.as_deref();
    let (lsl, usl) = spec_limits(op, low, high);
    let s = Stats::of(&all, lsl, usl);
    let (lsl, usl) = spec_limits(op, low_wof, high_wof);
    let sw = Stats::of(&wof, lsl, usl);
    let numeric = !a.values.is_empty();
    let step_path = match (&a.meas_name, multi) {
        (Some(m), true) => format!("{path}¶¶{m}"),
        _ => path,
    };
    StepAnalysisRow {
        step_name: a.name,
        step_path: Some(step_path),
        step_type: a.step_type,
        step_count: Some(total),
        step_passed_count: Some(count("P")),
        step_done_count: Some(count("D")),
        step_skipped_count: Some(count("S")),
        step_failed_count: Some(count("F")),
        step_error_count: Some(count("E")),
        step_terminated_count: Some(count("T")),
        step_other_count: Some(total - known),
        step_failed_error_terminated_count: Some(count("F") + count("E") + count("T")),
        step_caused_uut_failed_error_terminated: Some(
            caused("Failed") + caused("Error") + caused("Terminated"),
        ),
        step_caused_uut_failed: Some(caused("Failed")),
        step_caused_uut_error: Some(caused("Error")),
        step_caused_uut_terminated: Some(caused("Terminated")),
        limit1: low,
        limit1_wof: low_wof,
        limit2: high,
        limit2_wof: high_wof,
        comp_operator: a.comp_op,
        measure_name: a.meas_name,
        measure_count: numeric.then_some(s.count),
        measure_count_wof: numeric.then_some(sw.count),
        min: s.min,
        min_wof: sw.min,
        max: s.max,
        max_wof: sw.max,
        avg: s.avg,
        avg_wof: sw.avg,
        stdev: s.stdev,
        stdev_wof: sw.stdev,
        var: s.var,
        var_wof: sw.var,
        cpk: s.cpk,
        cpk_wof: sw.cpk,
        cp: s.cp,
        cp_wof: sw.cp,
        cp_lower: s.cp_lower,
        cp_lower_wof: sw.cp_lower,
        cp_upper: s.cp_upper,
        cp_upper_wof: sw.cp_upper,
        sigma_high3: s.sigma_high3,
        sigma_high3_wof: sw.sigma_high3,
        sigma_low3: s.sigma_low3,
        sigma_low3_wof: sw.sigma_low3,
        ..Default::default()
    }
}
