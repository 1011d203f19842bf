//! Unit-based and report-based yield (`DynamicYield` and the lists built on it), with WATS's
//! rules (docs/sdk/analytics.md has the definitions):
//!
//! * a unit (serial number + part number, per process) counts only when its first run
//!   matches the filter, and then with all its runs, in the row (and period) of its first run
//!   — so periods sum without counting a unit twice;
//! * the report-based yield (TRY) counts the UUT reports matching the filter, each in its own
//!   row: a repair line, which never sees run 1, still has a TRY.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::dims::{Dim, Dimensions, Item, COLUMNS, KPIS};
use super::filter::{period_label, period_start, utc_text, Criteria, Where};
use crate::error::{ApiError, ApiResult};
use crate::store::product::ProductTx;
use crate::store::Backend;
use wats_types::analytics::{DateGrouping, WatsFilter, YieldData};

/// The most rows a yield call returns (`topCount` may ask for fewer, not more).
pub const MAX_ROWS: i32 = 10_000;

/// The SQL of each of [`COLUMNS`] on `reports r`.
const COLUMN_SQL: [&str; COLUMNS.len()] = [
    "r.pn",
    "r.rev",
    "r.product_name",
    "r.station",
    "r.location",
    "r.purpose",
    "r.process_name",
    "r.process_code",
    "r.sw_filename",
    "r.sw_version",
    "r.batch_sn",
    "r.operator",
    "r.fixture_id",
    "r.test_socket_index",
    "r.error_code",
    "r.caused_uut_failure",
    "r.caused_uut_failure_path",
];
/// The integer columns among [`COLUMNS`]: process code, socket index, error code.
const INT_COLUMNS: [usize; 3] = [7, 13, 14];
/// The process code's index in [`COLUMNS`] (always read: RTY is per process).
const PROCESS_CODE: usize = 7;

/// The header columns a call reads: the process code and those its dimensions need (part
/// number and revision for product groups). Decoding a value costs more than finding the
/// row, so reading only these makes yield several times faster.
pub struct Selection {
    /// Indices into [`COLUMNS`], in select order.
    columns: Vec<usize>,
}

impl Selection {
    /// The columns `dims` needs.
    pub fn for_dims(dims: &[Dim]) -> Selection {
        let mut columns = vec![PROCESS_CODE];
        for d in dims {
            let more: &[usize] = match d {
                Dim::Column(i, _) => &[*i][..],
                Dim::ProductGroup => &[0, 1],
                _ => &[],
            };
            for i in more {
                if !columns.contains(i) {
                    columns.push(*i);
                }
            }
        }
        Selection { columns }
    }

    /// The columns, comma-separated.
    fn sql(&self) -> String {
        let columns: Vec<&str> = self.columns.iter().map(|&i| COLUMN_SQL[i]).collect();
        columns.join(", ")
    }
}

/// A report header as the yield calls see it.
#[derive(Clone, Debug)]
pub struct Header {
    /// Report id.
    pub id: String,
    /// Start, µs since the epoch.
    pub start: i64,
    /// The [`COLUMNS`] values, as text.
    pub text: [Option<String>; COLUMNS.len()],
}

impl Header {
    fn process_code(&self) -> i64 {
        self.text[7]
            .as_deref()
            .and_then(|c| c.parse().ok())
            .unwrap_or_default()
    }
}

/// A misc info: its description and text.
pub type MiscInfo = (Option<String>, Option<String>);

/// What a report's multi-valued dimensions can take, loaded only when asked for.
#[derive(Default)]
pub struct Side {
    /// Misc infos (description, text) by report id.
    pub misc: HashMap<String, Vec<MiscInfo>>,
    /// Asset serial numbers by report id.
    pub assets: HashMap<String, Vec<String>>,
    /// Product group names by (part number, revision).
    pub groups: HashMap<(String, Option<String>), Vec<String>>,
}

/// The dimension keys of a report: one per combination of its multi-valued dimensions.
pub fn keys(h: &Header, dims: &[Dim], side: &Side, g: DateGrouping) -> Vec<Vec<Option<String>>> {
    let misc_dims = dims
        .iter()
        .any(|d| matches!(d, Dim::MiscInfoDescription | Dim::MiscInfoString));
    let misc: Vec<MiscInfo> = match side.misc.get(&h.id) {
        Some(m) if misc_dims && !m.is_empty() => m.clone(),
        _ => vec![(None, None)],
    };
    let mut out = Vec::new();
    for (desc, text) in misc {
        let mut partial: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(dims.len())];
        for d in dims {
            let choices: Vec<Option<String>> = match d {
                Dim::Column(i, _) => vec![h.text[*i].clone()],
                Dim::Period => {
                    let t = DateTime::<Utc>::from_timestamp_micros(h.start).unwrap_or_default();
                    vec![Some(period_label(period_start(t, g)))]
                }
                Dim::MiscInfoDescription => vec![desc.clone()],
                Dim::MiscInfoString => vec![text.clone()],
                Dim::AssetSerialNumber => many(side.assets.get(&h.id)),
                Dim::ProductGroup => many(
                    side.groups
                        .get(&(h.text[0].clone().unwrap_or_default(), h.text[1].clone())),
                ),
                Dim::Empty(_) => vec![None],
            };
            partial = partial
                .into_iter()
                .flat_map(|p| {
                    choices.iter().map(move |c| {
                        let mut p = p.clone();
                        p.push(c.clone());
                        p
                    })
                })
                .collect();
        }
        out.extend(partial);
    }
    out
}

fn many(values: Option<&Vec<String>>) -> Vec<Option<String>> {
    match values {
        Some(v) if !v.is_empty() => v.iter().cloned().map(Some).collect(),
        _ => vec![None],
    }
}

/// The counts of one row.
#[derive(Default, Debug)]
struct Acc {
    units: i64,
    fp: i64,
    sp: i64,
    tp: i64,
    lp: i64,
    unit_reports: i64,
    reports: i64,
    passed_reports: i64,
    first: Option<i64>,
    last: Option<i64>,
    /// Per process code: units and first-pass units (for RTY).
    by_process: BTreeMap<i64, (i64, i64)>,
}

impl Acc {
    fn seen(&mut self, start: i64) {
        self.first = Some(self.first.map_or(start, |f| f.min(start)));
        self.last = Some(self.last.map_or(start, |l| l.max(start)));
    }
}

/// How finely the yield queries cut time when a period is asked for: hours for HOUR, else
/// UTC days (every longer period is a whole number of them).
fn bucket_micros(g: DateGrouping) -> i64 {
    match g {
        DateGrouping::HOUR => 3_600_000_000,
        _ => crate::store::facts::DAY_MICROS,
    }
}

/// What the yield queries group by, in select order: the report id (only when a
/// multi-valued dimension needs each report), the time bucket (only for `period`), then
/// the selected columns.
struct Grouping {
    sel: Selection,
    per_report: bool,
    bucket: Option<i64>,
}

impl Grouping {
    fn sql(&self) -> String {
        let mut parts = Vec::new();
        if self.per_report {
            parts.push("r.id".to_owned());
        }
        if let Some(b) = self.bucket {
            // Floor division (SQL's `/` truncates towards zero).
            parts.push(format!(
                "CASE WHEN r.start_utc >= 0 THEN r.start_utc / {b} \
                 ELSE (r.start_utc + 1) / {b} - 1 END"
            ));
        }
        parts.push(self.sel.sql());
        parts.join(", ")
    }

    fn len(&self) -> usize {
        usize::from(self.per_report) + usize::from(self.bucket.is_some()) + self.sel.columns.len()
    }

    /// `GROUP BY 1, 2, …`.
    fn group_by(&self) -> String {
        let n: Vec<String> = (1..=self.len()).map(|i| i.to_string()).collect();
        format!(" GROUP BY {}", n.join(", "))
    }

    /// The group's header: id (or ''), the bucket's start as its start, and the columns.
    fn header(&self, row: &AnyRow) -> sqlx::Result<Header> {
        let mut k = 0;
        let id = if self.per_report {
            k += 1;
            row.try_get(0)?
        } else {
            String::new()
        };
        let start = match self.bucket {
            Some(b) => {
                k += 1;
                row.try_get::<i64, _>(k - 1)? * b
            }
            None => 0,
        };
        let mut text: [Option<String>; COLUMNS.len()] = Default::default();
        for (j, &i) in self.sel.columns.iter().enumerate() {
            text[i] = if INT_COLUMNS.contains(&i) {
                row.try_get::<Option<i64>, _>(k + j)?.map(|v| v.to_string())
            } else {
                row.try_get::<Option<String>, _>(k + j)?
            };
        }
        Ok(Header { id, start, text })
    }
}

/// `SUM` of a condition, as a BIGINT on both backends (PostgreSQL sums to NUMERIC).
fn count_if(condition: &str) -> String {
    format!("CAST(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS BIGINT)")
}

/// `DynamicYield`: the rows of `dimensions` (default `unitCount desc;partNumber;testOperation`
/// with `topCount` 10, WATS's default), sorted as listed.
///
/// Both counts are aggregated by the database: units from their first run's row, which
/// carries the unit's facts (runs, first passing run, last start; kept at ingest), and
/// reports from theirs, grouped by the dimensions' columns and the hour or day of the start;
/// the groups are then folded into periods and multi-valued dimensions here.
pub async fn dynamic_yield(
    tx: &mut ProductTx<'_>,
    backend: Backend,
    filter: &WatsFilter,
    now: DateTime<Utc>,
) -> ApiResult<Vec<YieldData>> {
    let (dims_text, default_top) = match filter.dimensions.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => (d.to_owned(), None),
        _ => (
            "unitCount desc;partNumber;testOperation".to_owned(),
            Some(10),
        ),
    };
    let dimensions = Dimensions::parse(&dims_text)?;
    let top = row_limit(filter.top_count, default_top)?;
    let mut criteria = Criteria::parse(filter, now)?;
    super::resolve_group_filter(tx, filter, &mut criteria).await?;
    let dims = dimensions.dims();
    let grouping = match criteria.range.grouping {
        DateGrouping::NONE => DateGrouping::DAY,
        g => g,
    };
    let g = Grouping {
        sel: Selection::for_dims(&dims),
        per_report: dims.iter().any(|d| {
            matches!(
                d,
                Dim::MiscInfoDescription | Dim::MiscInfoString | Dim::AssetSerialNumber
            )
        }),
        bucket: dims.contains(&Dim::Period).then(|| bucket_micros(grouping)),
    };
    let n = g.len();

    // Units whose first run matches the filter, grouped.
    let mut w = Where::default();
    w.push("r.report_type = 'T'".into());
    w.push("r.run = 1".into());
    criteria.conditions(&mut w, backend, true);
    let sql = format!(
        "SELECT {}, COUNT(*), {}, {}, {}, {}, CAST(SUM(r.unit_runs) AS BIGINT), \
         MIN(r.start_utc), MAX(r.unit_last_utc) FROM reports r{}{}",
        g.sql(),
        count_if("r.unit_pass_run = 1"),
        count_if("r.unit_pass_run <= 2"),
        count_if("r.unit_pass_run <= 3"),
        count_if("r.unit_pass_run IS NOT NULL"),
        w.sql(),
        g.group_by()
    );
    let unit_rows = w.apply(sqlx::query(&sql)).fetch_all(&mut *tx.tx).await?;

    // The reports matching the filter (TRY), grouped.
    let mut w = Where::default();
    w.push("r.report_type = 'T'".into());
    criteria.conditions(&mut w, backend, true);
    let sql = format!(
        "SELECT {}, COUNT(*), {}, MIN(r.start_utc), MAX(r.start_utc) FROM reports r{}{}",
        g.sql(),
        count_if("r.result = 'Passed'"),
        w.sql(),
        g.group_by()
    );
    let report_rows = w.apply(sqlx::query(&sql)).fetch_all(&mut *tx.tx).await?;

    let side = if g.per_report || dims.contains(&Dim::ProductGroup) {
        super::load_side(tx, backend, &criteria, &dims).await?
    } else {
        Side::default()
    };
    let mut rows: HashMap<Vec<Option<String>>, Acc> = HashMap::new();
    for row in &unit_rows {
        let h = g.header(row)?;
        let count = |i: usize| {
            row.try_get::<Option<i64>, _>(n + i)
                .map(Option::unwrap_or_default)
        };
        let (units, fp, sp, tp, lp, runs) = (
            count(0)?,
            count(1)?,
            count(2)?,
            count(3)?,
            count(4)?,
            count(5)?,
        );
        let first: Option<i64> = row.try_get(n + 6)?;
        let last: Option<i64> = row.try_get(n + 7)?;
        for key in keys(&h, &dims, &side, grouping) {
            let acc = rows.entry(key).or_default();
            acc.units += units;
            acc.fp += fp;
            acc.sp += sp;
            acc.tp += tp;
            acc.lp += lp;
            acc.unit_reports += runs;
            for t in first.iter().chain(&last) {
                acc.seen(*t);
            }
            let p = acc.by_process.entry(h.process_code()).or_default();
            p.0 += units;
            p.1 += fp;
        }
    }
    for row in &report_rows {
        let h = g.header(row)?;
        let reports: i64 = row.try_get(n)?;
        let passed: Option<i64> = row.try_get(n + 1)?;
        let first: Option<i64> = row.try_get(n + 2)?;
        let last: Option<i64> = row.try_get(n + 3)?;
        for key in keys(&h, &dims, &side, grouping) {
            let acc = rows.entry(key).or_default();
            acc.reports += reports;
            acc.passed_reports += passed.unwrap_or_default();
            for t in first.iter().chain(&last) {
                acc.seen(*t);
            }
        }
    }

    let mut out: Vec<Map<String, Value>> = rows
        .into_iter()
        .filter(|(_, acc)| filter.min_count.is_none_or(|m| acc.units >= i64::from(m)))
        .map(|(key, acc)| row(&dims, key, &acc, &dimensions))
        .collect();
    sort_rows(&mut out, &dimensions);
    out.truncate(top);
    out.into_iter()
        .map(|m| serde_json::from_value(Value::Object(m)).map_err(|e| anyhow::anyhow!(e).into()))
        .collect()
}

/// The row limit: `topCount` when given (at most [`MAX_ROWS`], a 400 naming the limit
/// otherwise), else the call's default, else [`MAX_ROWS`].
pub fn row_limit(top: Option<i32>, default: Option<i32>) -> ApiResult<usize> {
    match top {
        Some(n) if n < 0 => Err(ApiError::bad_request(format!(
            "The filter field topCount is {n}: it must not be negative."
        ))),
        Some(n) if n > MAX_ROWS => Err(ApiError::bad_request(format!(
            "The filter field topCount is {n}: the limit is {MAX_ROWS} rows."
        ))),
        Some(0) | None => Ok(default.unwrap_or(MAX_ROWS) as usize),
        Some(n) => Ok(n as usize),
    }
}

fn ratio(part: i64, whole: i64, scale: f64) -> Value {
    if whole == 0 {
        Value::Null
    } else {
        serde_json::Number::from_f64(part as f64 * scale / whole as f64)
            .map_or(Value::Null, Value::Number)
    }
}

fn row(dims: &[Dim], key: Vec<Option<String>>, acc: &Acc, d: &Dimensions) -> Map<String, Value> {
    let mut m = Map::new();
    for (dim, value) in dims.iter().zip(key) {
        m.insert(dim.name().into(), value.map_or(Value::Null, Value::String));
    }
    let rty = if acc.by_process.is_empty() {
        Value::Null
    } else {
        let product: f64 = acc
            .by_process
            .values()
            .map(|(units, fp)| *fp as f64 / *units as f64)
            .product();
        serde_json::Number::from_f64(product * 100.0).map_or(Value::Null, Value::Number)
    };
    let kpis: [(&str, Value); 25] = [
        ("unitCount", acc.units.into()),
        ("fpCount", acc.fp.into()),
        ("spCount", acc.sp.into()),
        ("tpCount", acc.tp.into()),
        ("lpCount", acc.lp.into()),
        ("fpFailCount", (acc.units - acc.fp).into()),
        ("spFailCount", (acc.units - acc.sp).into()),
        ("tpFailCount", (acc.units - acc.tp).into()),
        ("lpFailCount", (acc.units - acc.lp).into()),
        ("fpy", ratio(acc.fp, acc.units, 100.0)),
        ("spy", ratio(acc.sp, acc.units, 100.0)),
        ("tpy", ratio(acc.tp, acc.units, 100.0)),
        ("lpy", ratio(acc.lp, acc.units, 100.0)),
        ("ppmFpy", ratio(acc.units - acc.fp, acc.units, 1e6)),
        ("ppmSpy", ratio(acc.units - acc.sp, acc.units, 1e6)),
        ("ppmTpy", ratio(acc.units - acc.tp, acc.units, 1e6)),
        ("ppmLpy", ratio(acc.units - acc.lp, acc.units, 1e6)),
        (
            "ppmTestYield",
            ratio(acc.reports - acc.passed_reports, acc.reports, 1e6),
        ),
        ("testYieldCount", acc.passed_reports.into()),
        ("testReportCount", acc.reports.into()),
        ("testYield", ratio(acc.passed_reports, acc.reports, 100.0)),
        ("retestCount", (acc.unit_reports - acc.units).into()),
        (
            "firstUtc",
            acc.first.map_or(Value::Null, |t| utc_text(t).into()),
        ),
        (
            "lastUtc",
            acc.last.map_or(Value::Null, |t| utc_text(t).into()),
        ),
        ("rty", rty),
    ];
    debug_assert_eq!(kpis.len(), KPIS.len());
    for (name, value) in kpis {
        if d.returns(name) && !value.is_null() {
            m.insert(name.into(), value);
        }
    }
    m
}

/// Sorts rows by the `dimensions` items in order; nulls first when ascending.
pub fn sort_rows(rows: &mut [Map<String, Value>], d: &Dimensions) {
    let names: Vec<(&str, bool)> = d
        .items
        .iter()
        .map(|(item, desc)| match item {
            Item::Dim(dim) => (dim.name(), *desc),
            Item::Kpi(k) => (KPIS[*k], *desc),
        })
        .collect();
    rows.sort_by(|a, b| {
        for (name, desc) in &names {
            let o = compare(a.get(*name), b.get(*name));
            let o = if *desc { o.reverse() } else { o };
            if o.is_ne() {
                return o;
            }
        }
        std::cmp::Ordering::Equal
    });
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .unwrap_or_default()
            .partial_cmp(&y.as_f64().unwrap_or_default())
            .unwrap_or(Ordering::Equal),
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        (None | Some(Value::Null), None | Some(Value::Null)) => Ordering::Equal,
        (None | Some(Value::Null), _) => Ordering::Less,
        (_, None | Some(Value::Null)) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}
