//! Numeric measurements by path (`Measurements`, `AggregatedMeasurements`) and the
//! statistics they share with step analysis: mean, sample deviation and process capability.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::filter::{utc_text, Bind, Criteria, Where};
use crate::error::{ApiError, ApiResult};
use crate::ingest::PATH_SEPARATOR;
use crate::store::product::ProductTx;
use crate::store::Backend;
use wats_types::analytics::{AggregatedMeasurement, MeasurementData, WatsFilter};

/// The most measurements `Measurements` returns and `AggregatedMeasurements` aggregates per
/// path (WATS's documented maximum).
pub const MAX_MEASUREMENTS: i32 = 10_000;
/// The default range of the measurement calls, in days (WATS: "the last seven days").
pub const MEASUREMENT_DAYS: i64 = 7;

/// Statistics of a set of values against limits.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    /// Values.
    pub count: i64,
    /// Smallest.
    pub min: Option<f64>,
    /// Largest.
    pub max: Option<f64>,
    /// Mean.
    pub avg: Option<f64>,
    /// Sample standard deviation (n − 1); none below two values.
    pub stdev: Option<f64>,
    /// Sample variance.
    pub var: Option<f64>,
    /// `(high − low) / 6σ`, both limits needed.
    pub cp: Option<f64>,
    /// `(avg − low) / 3σ`.
    pub cp_lower: Option<f64>,
    /// `(high − avg) / 3σ`.
    pub cp_upper: Option<f64>,
    /// The smaller of `cpLower` and `cpUpper` (the one there is, with one limit).
    pub cpk: Option<f64>,
    /// `avg + 3σ`.
    pub sigma_high3: Option<f64>,
    /// `avg − 3σ`.
    pub sigma_low3: Option<f64>,
}

impl Stats {
    /// The statistics of `values` against `low`/`high`. Capability needs σ > 0.
    pub fn of(values: &[f64], low: Option<f64>, high: Option<f64>) -> Stats {
        let n = values.len();
        if n == 0 {
            return Stats::default();
        }
        let avg = values.iter().sum::<f64>() / n as f64;
        let var =
            (n > 1).then(|| values.iter().map(|v| (v - avg).powi(2)).sum::<f64>() / (n - 1) as f64);
        let sd = var.map(f64::sqrt);
        let s = sd.filter(|s| *s > 0.0);
        let cp_lower = s.zip(low).map(|(s, l)| (avg - l) / (3.0 * s));
        let cp_upper = s.zip(high).map(|(s, h)| (h - avg) / (3.0 * s));
        Stats {
            count: n as i64,
            min: values.iter().copied().reduce(f64::min),
            max: values.iter().copied().reduce(f64::max),
            avg: Some(avg),
            stdev: sd,
            var,
            cp: s.zip(low.zip(high)).map(|(s, (l, h))| (h - l) / (6.0 * s)),
            cp_lower,
            cp_upper,
            cpk: match (cp_lower, cp_upper) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            sigma_high3: sd.map(|s| avg + 3.0 * s),
            sigma_low3: sd.map(|s| avg - 3.0 * s),
        }
    }
}

/// The specification limits (lower, upper) of a comparison: WATS keeps a single limit in
/// `lowLimit`, which is an upper limit for `LT`/`LE`; `EQ` is both; `NE` and `LOG` are none.
pub fn spec_limits(
    comp_op: Option<&str>,
    low: Option<f64>,
    high: Option<f64>,
) -> (Option<f64>, Option<f64>) {
    match comp_op.map(str::to_ascii_uppercase).as_deref() {
        Some("LT" | "LE") => (None, low),
        Some("GT" | "GE") => (low, None),
        Some("EQ") => (low, low),
        Some("NE" | "LOG" | "CASESENSIT" | "IGNORECASE") => (None, None),
        _ => (low, high),
    }
}

/// A measurement path split into the step path and, after `¶¶`, the measurement name. A
/// path without `¶` is read as pyWATS's display form (`A/B::Meas`).
pub fn split_path(path: &str) -> (String, Option<String>) {
    let p = if path.contains(PATH_SEPARATOR) {
        path.to_owned()
    } else {
        path.replace("::", "¶¶").replace('/', "¶")
    };
    match p.split_once("¶¶") {
        Some((step, meas)) => (step.to_owned(), Some(meas.to_owned())),
        None => (p, None),
    }
}

/// The `;`-separated paths of `measurementPaths` (query parameter, else the filter's).
pub fn paths(query: Option<&str>, filter: &WatsFilter) -> ApiResult<Vec<String>> {
    let text = query
        .filter(|q| !q.trim().is_empty())
        .or(filter.measurement_paths.as_deref())
        .unwrap_or_default();
    let paths: Vec<String> = text
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    if paths.is_empty() {
        return Err(ApiError::bad_request(
            "measurementPaths is required: one or more measurement paths separated by ';' \
             (steps separated by ¶, ¶¶ before a measurement name).",
        ));
    }
    Ok(paths)
}

/// The measurement limit: `maxCount` when given (at most [`MAX_MEASUREMENTS`]).
pub fn max_count(f: &WatsFilter) -> ApiResult<i64> {
    match f.max_count {
        None | Some(0) => Ok(i64::from(MAX_MEASUREMENTS)),
        Some(n) if !(1..=MAX_MEASUREMENTS).contains(&n) => Err(ApiError::bad_request(format!(
            "The filter field maxCount is {n}: it must be 1..{MAX_MEASUREMENTS}."
        ))),
        Some(n) => Ok(i64::from(n)),
    }
}

/// One stored numeric measurement with its report.
struct Value_ {
    sn: String,
    pn: String,
    rev: Option<String>,
    report: String,
    step_name: Option<String>,
    value: f64,
    low: Option<f64>,
    high: Option<f64>,
    unit: Option<String>,
    status: Option<String>,
    start: i64,
    comp_op: Option<String>,
}

/// The newest `limit` numeric values at `path` among the UUT reports the filter matches.
async fn values_at(
    tx: &mut ProductTx<'_>,
    backend: Backend,
    criteria: &Criteria,
    path: &str,
    limit: i64,
) -> ApiResult<Vec<Value_>> {
    let (step, meas) = split_path(path);
    let mut w = Where::default();
    w.push("r.report_type = 'T'".into());
    w.push("m.kind = 'numeric'".into());
    w.push("m.value IS NOT NULL".into());
    let p = w.bind(Bind::Text(step));
    w.push(format!("m.step_path = {p}"));
    if let Some(meas) = meas {
        let p = w.bind(Bind::Text(meas));
        w.push(format!("m.meas_name = {p}"));
    }
    criteria.conditions(&mut w, backend, true);
    let l = w.bind(Bind::Int(limit));
    let sql = format!(
        "SELECT r.sn, r.pn, r.rev, r.id, m.step_name, m.value, m.low_limit, m.high_limit, \
         m.unit, m.status, r.start_utc, m.comp_op FROM reports r JOIN measurements m ON m.report_id = r.id\
         {} ORDER BY r.start_utc DESC, r.id, m.step_index, m.meas_index LIMIT {l}",
        w.sql()
    );
    w.apply(sqlx::query(&sql))
        .fetch_all(&mut *tx.tx)
        .await?
        .iter()
        .map(|r| {
            Ok(Value_ {
                sn: r.try_get(0)?,
                pn: r.try_get(1)?,
                rev: r.try_get(2)?,
                report: r.try_get(3)?,
                step_name: r.try_get(4)?,
                value: r.try_get(5)?,
                low: r.try_get(6)?,
                high: r.try_get(7)?,
                unit: r.try_get(8)?,
                status: r.try_get(9)?,
                start: r.try_get(10)?,
                comp_op: r.try_get(11)?,
            })
        })
        .collect::<sqlx::Result<_>>()
        .map_err(Into::into)
}

/// A status letter (`P`, `F`, …) as its word (`Passed`, `Failed`, …).
pub fn status_word(letter: Option<&str>) -> Option<String> {
    letter
        .and_then(wats_report::Status::parse)
        .map(|s| s.word().to_owned())
}

/// What both measurement calls read first: the paths, the limit and the filter.
async fn prepare(
    tx: &mut ProductTx<'_>,
    filter: &WatsFilter,
    query_paths: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<(Vec<String>, i64, Criteria)> {
    let paths = paths(query_paths, filter)?;
    let limit = max_count(filter)?;
    let mut criteria = Criteria::parse_with(filter, now, MEASUREMENT_DAYS)?;
    super::resolve_group_filter(tx, filter, &mut criteria).await?;
    Ok((paths, limit, criteria))
}

/// `Measurements`: the newest values at each path, newest first.
pub async fn measurements(
    tx: &mut ProductTx<'_>,
    backend: Backend,
    filter: &WatsFilter,
    query_paths: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<Vec<MeasurementData>> {
    let (paths, limit, criteria) = prepare(tx, filter, query_paths, now).await?;
    let mut out = Vec::new();
    for path in paths {
        for v in values_at(tx, backend, &criteria, &path, limit).await? {
            out.push(MeasurementData {
                serial_number: Some(v.sn),
                part_number: Some(v.pn),
                revision: v.rev,
                report_id: Some(v.report),
                step_name: v.step_name,
                step_path: Some(path.clone()),
                value: Some(v.value),
                limit_low: v.low,
                limit_high: v.high,
                unit: v.unit,
                status: status_word(v.status.as_deref()),
                start_utc: Some(utc_text(v.start)),
                // The comparison says which limit a single one is (see `spec_limits`).
                extra: v
                    .comp_op
                    .map(|c| {
                        std::iter::once(("compOp".to_owned(), serde_json::Value::String(c)))
                            .collect()
                    })
                    .unwrap_or_default(),
            });
        }
    }
    out.truncate(limit as usize);
    Ok(out)
}

/// `AggregatedMeasurements`: one row per path; the limits are the newest value's.
pub async fn aggregated(
    tx: &mut ProductTx<'_>,
    backend: Backend,
    filter: &WatsFilter,
    query_paths: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<Vec<AggregatedMeasurement>> {
    let (paths, limit, criteria) = prepare(tx, filter, query_paths, now).await?;
    let mut out = Vec::new();
    for path in paths {
        let values = values_at(tx, backend, &criteria, &path, limit).await?;
        let Some(newest) = values.first() else {
            continue;
        };
        let (low, high) = (newest.low, newest.high);
        let nums: Vec<f64> = values.iter().map(|v| v.value).collect();
        let (lsl, usl) = spec_limits(newest.comp_op.as_deref(), low, high);
        let s = Stats::of(&nums, lsl, usl);
        let single = |f: fn(&Value_) -> Option<String>| {
            let first = f(newest);
            values
                .iter()
                .all(|v| f(v) == first)
                .then_some(first)
                .flatten()
        };
        out.push(AggregatedMeasurement {
            step_name: newest.step_name.clone(),
            step_path: Some(path),
            part_number: single(|v| Some(v.pn.clone())),
            revision: single(|v| v.rev.clone()),
            count: Some(s.count),
            min: s.min,
            max: s.max,
            avg: s.avg,
            stdev: s.stdev,
            var: s.var,
            limit_low: low,
            limit_high: high,
            cpk: s.cpk,
            cp: s.cp,
            cp_lower: s.cp_lower,
            cp_upper: s.cp_upper,
            unit: newest.unit.clone(),
            extra: Default::default(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_by_hand() {
        // 1, 2, 3: mean 2, sample variance 1, σ 1; limits 0..5.
        let s = Stats::of(&[1.0, 2.0, 3.0], Some(0.0), Some(5.0));
        assert_eq!(s.avg, Some(2.0));
        assert_eq!(s.var, Some(1.0));
        assert_eq!(s.cp, Some(5.0 / 6.0));
        assert_eq!(s.cp_lower, Some(2.0 / 3.0));
        assert_eq!(s.cp_upper, Some(1.0));
        assert_eq!(s.cpk, Some(2.0 / 3.0));
        assert_eq!(s.sigma_high3, Some(5.0));
        assert_eq!(s.sigma_low3, Some(-1.0));
        let one = Stats::of(&[4.0], Some(0.0), None);
        assert_eq!((one.count, one.stdev, one.cpk), (1, None, None));
        let low_only = Stats::of(&[1.0, 3.0], Some(0.0), None);
        assert_eq!(low_only.cpk, low_only.cp_lower);
        assert_eq!(low_only.cp, None);
    }

    #[test]
    fn paths_split() {
        assert_eq!(split_path("A¶B¶¶M"), ("A¶B".into(), Some("M".into())));
        assert_eq!(split_path("A/B::M"), ("A¶B".into(), Some("M".into())));
        assert_eq!(split_path("A/B"), ("A¶B".into(), None));
    }
}
