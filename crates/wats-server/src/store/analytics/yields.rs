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

    /// `r.id, r.start_utc, r.result, <columns>`.
    pub fn sql(&self) -> String {
        let mut s = String::from("r.id, r.start_utc, r.result");
        for i in &self.columns {
            s.push_str(", ");
            s.push_str(COLUMN_SQL[*i]);
        }
        s
    }

    /// How many columns [`Selection::sql`] selects.
    pub fn len(&self) -> usize {
        3 + self.columns.len()
    }

    /// Never: the id, start and result are always selected.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// A report header as the yield calls see it.
#[derive(Clone, Debug)]
pub struct Header {
    /// Report id.
    pub id: String,
    /// Start, µs since the epoch.
    pub start: i64,
    /// Whether the report passed.
    pub passed: bool,
    /// The [`COLUMNS`] values, as text.
    pub text: [Option<String>; COLUMNS.len()],
}

impl Header {
    fn read(row: &AnyRow, sel: &Selection) -> sqlx::Result<Header> {
        let mut text: [Option<String>; COLUMNS.len()] = Default::default();
        for (k, &i) in sel.columns.iter().enumerate() {
            text[i] = if INT_COLUMNS.contains(&i) {
                row.try_get::<Option<i64>, _>(3 + k)?.map(|v| v.to_string())
            } else {
                row.try_get::<Option<String>, _>(3 + k)?
            };
        }
        Ok(Header {
            id: row.try_get(0)?,
            start: row.try_get(1)?,
            passed: row.try_get::<String, _>(2)? == "Passed",
            text,
        })
    }

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

/// A unit: its first run's header and its runs' `(run, passed, start)`.
struct Unit {
    first: Header,
    runs: Vec<(i64, bool, i64)>,
}

/// `DynamicYield`: the rows of `dimensions` (default `unitCount desc;partNumber;testOperation`
/// with `topCount` 10, WATS's default), sorted as listed.
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

    // The reports matching the filter (TRY), and the units whose first run does.
    let mut w = Where::default();
    w.push("r.report_type = 'T'".into());
    criteria.conditions(&mut w, backend, true);
    let sel = Selection::for_dims(&dims);
    let sql = format!("SELECT {} FROM reports r{}", sel.sql(), w.sql());
    let reports: Vec<Header> = w
        .apply(sqlx::query(&sql))
        .fetch_all(&mut *tx.tx)
        .await?
        .iter()
        .map(|r| Header::read(r, &sel))
        .collect::<sqlx::Result<_>>()?;

    let mut w = Where::default();
    w.push("r.report_type = 'T'".into());
    w.push("r.run = 1".into());
    criteria.conditions(&mut w, backend, true);
    let sql = format!(
        "SELECT {}, a.run, a.result, a.start_utc FROM reports r \
         JOIN reports a ON a.sn = r.sn AND a.pn = r.pn AND a.process_code = r.process_code \
         AND a.report_type = r.report_type{} ORDER BY r.id, a.run",
        sel.sql(),
        w.sql()
    );
    let rows = w.apply(sqlx::query(&sql)).fetch_all(&mut *tx.tx).await?;
    let mut units: Vec<Unit> = Vec::new();
    for row in &rows {
        let id: String = row.try_get(0)?;
        let run = (
            row.try_get::<i64, _>(sel.len())?,
            row.try_get::<String, _>(sel.len() + 1)? == "Passed",
            row.try_get::<i64, _>(sel.len() + 2)?,
        );
        match units.last_mut() {
            Some(u) if u.first.id == id => u.runs.push(run),
            _ => units.push(Unit {
                first: Header::read(row, &sel)?,
                runs: vec![run],
            }),
        }
    }

    let side = super::load_side(tx, backend, &criteria, &dims).await?;
    let mut rows: HashMap<Vec<Option<String>>, Acc> = HashMap::new();
    for u in &units {
        let passed_by = |k: i64| u.runs.iter().any(|(run, p, _)| *run <= k && *p);
        let (fp, sp, tp) = (passed_by(1), passed_by(2), passed_by(3));
        // "Eventually passed": keeps FPY <= SPY <= TPY <= LPY, as WATS's definitions state.
        let lp = u.runs.iter().any(|(_, p, _)| *p);
        for key in keys(&u.first, &dims, &side, grouping) {
            let acc = rows.entry(key).or_default();
            acc.units += 1;
            acc.fp += i64::from(fp);
            acc.sp += i64::from(sp);
            acc.tp += i64::from(tp);
            acc.lp += i64::from(lp);
            acc.unit_reports += u.runs.len() as i64;
            for (_, _, start) in &u.runs {
                acc.seen(*start);
            }
            let p = acc.by_process.entry(u.first.process_code()).or_default();
            p.0 += 1;
            p.1 += i64::from(fp);
        }
    }
    for r in &reports {
        for key in keys(r, &dims, &side, grouping) {
            let acc = rows.entry(key).or_default();
            acc.reports += 1;
            acc.passed_reports += i64::from(r.passed);
            acc.seen(r.start);
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
