//! The `WATSFilter` turned into SQL over `reports r`, and its date range into instants.
//!
//! Text fields take `;`-separated alternatives and WATS's wildcards, which are SQL `LIKE`'s
//! (`%`, `_`), so a value becomes `LIKE` patterns bound as parameters (never spliced into the
//! SQL). WATS compares without regard to case: `ILIKE` on PostgreSQL, `LIKE` on SQLite (which
//! folds ASCII case).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};

use crate::error::{ApiError, ApiResult};
use crate::store::Backend;
use wats_types::analytics::{DateGrouping, WatsFilter};

/// The default range without dates or periods: the last 30 days (WATS's default).
pub const DEFAULT_DAYS: i64 = 30;
/// The most periods a filter may ask for (`periodCount`).
pub const MAX_PERIODS: i32 = 10_000;

/// A parameter bound to a query.
#[derive(Clone, Debug, PartialEq)]
pub enum Bind {
    /// Text.
    Text(String),
    /// An integer.
    Int(i64),
}

/// A WHERE clause under construction: conditions joined by AND, with `$n` parameters.
#[derive(Clone, Debug, Default)]
pub struct Where {
    conditions: Vec<String>,
    /// The parameters, in order.
    pub binds: Vec<Bind>,
}

impl Where {
    /// Adds a bound parameter; returns its placeholder.
    pub fn bind(&mut self, b: Bind) -> String {
        self.binds.push(b);
        format!("${}", self.binds.len())
    }

    /// Adds a condition.
    pub fn push(&mut self, condition: String) {
        self.conditions.push(condition);
    }

    /// `WHERE a AND b …`, or nothing.
    pub fn sql(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }

    /// Binds the parameters to a query.
    pub fn apply<'q>(
        &'q self,
        mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for b in &self.binds {
            q = match b {
                Bind::Text(t) => q.bind(t.as_str()),
                Bind::Int(i) => q.bind(*i),
            };
        }
        q
    }
}

/// The date range and periods a filter asks for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// Inclusive start, µs since the epoch.
    pub from: i64,
    /// Exclusive end, µs since the epoch (`None`: open).
    pub to: Option<i64>,
    /// How periods are cut (`NONE` when not at all).
    pub grouping: DateGrouping,
}

/// A parsed filter: the range and the other conditions, ready for SQL.
#[derive(Clone, Debug)]
pub struct Criteria {
    /// The dates.
    pub range: Range,
    /// `(column or EXISTS expression, alternatives)` for the text fields.
    pub texts: Vec<(&'static str, Vec<String>)>,
    /// Report statuses (words), when filtered.
    pub statuses: Option<Vec<&'static str>>,
    /// Part number/revision pairs of the product group, when filtered by one.
    pub group_members: Option<Vec<(String, Option<String>)>>,
}

/// Which column of `reports r` a text field filters, or the `EXISTS` template (`{}` is the
/// test on the joined value) for fields kept in a side table.
fn column_of(field: &str) -> Option<&'static str> {
    Some(match field {
        "serialNumber" => "r.sn",
        "partNumber" => "r.pn",
        "revision" => "r.rev",
        "batchNumber" => "r.batch_sn",
        "stationName" => "r.station",
        "testOperation" => "r.process_name",
        "swFilename" => "r.sw_filename",
        "swVersion" => "r.sw_version",
        "socket" => "CAST(r.test_socket_index AS TEXT)",
        "level" => "r.location",
        "miscInfoDescription" => {
            "EXISTS (SELECT 1 FROM report_misc_infos mi WHERE mi.report_id = r.id AND {})|mi.description"
        }
        "miscInfoString" => {
            "EXISTS (SELECT 1 FROM report_misc_infos mi WHERE mi.report_id = r.id AND {})|mi.text_value"
        }
        "assetSerialNumber" => {
            "EXISTS (SELECT 1 FROM report_assets ra WHERE ra.report_id = r.id AND {})|ra.asset_sn"
        }
        _ => return None,
    })
}

/// The alternatives of a text filter (`A;B`), blank ones dropped.
pub fn alternatives(value: &str) -> Vec<String> {
    value
        .split(';')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Report status words accepted by `status`, leniently as pyWATS's `StatusFilter` is.
fn status_word(text: &str) -> Option<&'static str> {
    let t = text.trim().to_ascii_lowercase();
    Some(match t.as_str() {
        "passed" | "pass" | "ok" | "p" => "Passed",
        "failed" | "fail" | "ng" | "f" => "Failed",
        "error" | "err" | "e" => "Error",
        "terminated" | "term" | "abort" | "t" => "Terminated",
        "done" | "complete" | "d" => "Done",
        "skipped" | "skip" | "s" => "Skipped",
        _ => return None,
    })
}

impl Criteria {
    /// Reads a filter; a 400 names the field that does not make sense.
    pub fn parse(f: &WatsFilter, now: DateTime<Utc>) -> ApiResult<Criteria> {
        Self::parse_with(f, now, DEFAULT_DAYS)
    }

    /// [`Criteria::parse`] with another default range (the measurement calls default to
    /// the last 7 days, as WATS documents).
    pub fn parse_with(
        f: &WatsFilter,
        now: DateTime<Utc>,
        default_days: i64,
    ) -> ApiResult<Criteria> {
        let range = range(f, now, default_days)?;
        let mut texts = Vec::new();
        let fields: [(&str, &Option<String>); 14] = [
            ("serialNumber", &f.serial_number),
            ("partNumber", &f.part_number),
            ("revision", &f.revision),
            ("batchNumber", &f.batch_number),
            ("stationName", &f.station_name),
            ("testOperation", &f.test_operation),
            ("swFilename", &f.sw_filename),
            ("swVersion", &f.sw_version),
            ("socket", &f.socket),
            ("level", &f.level),
            ("miscInfoDescription", &f.misc_info_description),
            ("miscInfoString", &f.misc_info_string),
            ("assetSerialNumber", &f.asset_serial_number),
            // pyWATS's older names for the misc info pair.
            ("miscDescription", &f.misc_description),
        ];
        for (field, value) in fields {
            let Some(v) = value.as_deref() else { continue };
            let alts = alternatives(v);
            if alts.is_empty() {
                continue;
            }
            let field = if field == "miscDescription" {
                "miscInfoDescription"
            } else {
                field
            };
            let column = column_of(field).unwrap_or("r.sn");
            texts.push((column, alts));
        }
        if let Some(v) = f.misc_value.as_deref() {
            let alts = alternatives(v);
            if !alts.is_empty() {
                texts.push((column_of("miscInfoString").unwrap_or("r.sn"), alts));
            }
        }
        if f.asset_name
            .as_deref()
            .is_some_and(|v| !v.trim().is_empty())
        {
            return Err(ApiError::bad_request(
                "The filter field assetName is not supported: this server keeps no asset names.",
            ));
        }
        let statuses = match f.status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) if s.eq_ignore_ascii_case("all") => None,
            Some(s) => Some(
                alternatives(s)
                    .iter()
                    .map(|a| {
                        status_word(a).ok_or_else(|| {
                            ApiError::bad_request(format!(
                                "The filter field status has an unknown value '{a}': expected \
                                 Passed, Failed, Error, Terminated, Done or Skipped."
                            ))
                        })
                    })
                    .collect::<ApiResult<Vec<_>>>()?,
            ),
        };
        Ok(Criteria {
            range,
            texts,
            statuses,
            group_members: None,
        })
    }

    /// Adds this filter's conditions on `reports r` to `w` (dates on `r.start_utc`).
    pub fn conditions(&self, w: &mut Where, backend: Backend, with_dates: bool) {
        let like = match backend {
            Backend::Postgres => "ILIKE",
            Backend::Sqlite => "LIKE",
        };
        for (column, alts) in &self.texts {
            let (template, column) = match column.split_once('|') {
                Some((t, c)) => (t, c),
                None => ("{}", *column),
            };
            let tests: Vec<String> = alts
                .iter()
                .map(|a| {
                    // A part number without wildcards is compared for equality without
                    // regard to case, which the index of migration 0018 serves (`LIKE`
                    // cannot use an index on either backend).
                    if column == "r.pn" && !a.contains(['%', '_']) {
                        let p = w.bind(Bind::Text(a.clone()));
                        return match backend {
                            Backend::Postgres => format!("lower(r.pn) = lower({p})"),
                            Backend::Sqlite => format!("r.pn = {p} COLLATE NOCASE"),
                        };
                    }
                    let p = w.bind(Bind::Text(escape(a)));
                    format!("{column} {like} {p} ESCAPE '\\'")
                })
                .collect();
            w.push(template.replace("{}", &format!("({})", tests.join(" OR "))));
        }
        if let Some(statuses) = &self.statuses {
            let ps: Vec<String> = statuses
                .iter()
                .map(|s| w.bind(Bind::Text((*s).to_owned())))
                .collect();
            w.push(format!("r.result IN ({})", ps.join(", ")));
        }
        if let Some(members) = &self.group_members {
            if members.is_empty() {
                w.push("1 = 0".into());
            } else {
                let tests: Vec<String> = members
                    .iter()
                    .map(|(pn, rev)| {
                        let p = w.bind(Bind::Text(pn.clone()));
                        match rev {
                            Some(rev) => {
                                let r = w.bind(Bind::Text(rev.clone()));
                                format!("(r.pn = {p} AND r.rev = {r})")
                            }
                            None => format!("(r.pn = {p} AND r.rev IS NULL)"),
                        }
                    })
                    .collect();
                w.push(format!("({})", tests.join(" OR ")));
            }
        }
        if with_dates {
            let p = w.bind(Bind::Int(self.range.from));
            w.push(format!("r.start_utc >= {p}"));
            if let Some(to) = self.range.to {
                let p = w.bind(Bind::Int(to));
                w.push(format!("r.start_utc < {p}"));
            }
        }
    }
}

/// A WATS pattern as a `LIKE … ESCAPE '\'` pattern: `%` and `_` stay wildcards; only the
/// escape character itself needs escaping.
fn escape(pattern: &str) -> String {
    pattern.replace('\\', "\\\\")
}

/// Parses an ISO 8601 date or date-time; without an offset it is UTC.
pub fn parse_date(text: &str, field: &str) -> ApiResult<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(Utc.from_utc_datetime(&d));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()));
    }
    Err(ApiError::bad_request(format!(
        "The filter field {field} has a malformed date '{text}': expected ISO 8601, e.g. \
         2026-01-31T12:00:00Z."
    )))
}

/// The start of the period holding `t`.
pub fn period_start(t: DateTime<Utc>, g: DateGrouping) -> DateTime<Utc> {
    let day = t.date_naive();
    let midnight =
        |d: NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default());
    let first_of = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).map(midnight).unwrap_or(t);
    match g {
        DateGrouping::HOUR => t
            .with_nanosecond(0)
            .and_then(|t| t.with_second(0))
            .and_then(|t| t.with_minute(0))
            .unwrap_or(t),
        DateGrouping::DAY => midnight(day),
        DateGrouping::WEEK => {
            midnight(day - Duration::days(i64::from(day.weekday().num_days_from_monday())))
        }
        DateGrouping::MONTH => first_of(day.year(), day.month()),
        DateGrouping::QUARTER => first_of(day.year(), (day.month0() / 3) * 3 + 1),
        DateGrouping::YEAR => first_of(day.year(), 1),
        _ => t,
    }
}

/// `start` moved by `n` periods (negative: back); `None` past the calendar's end.
pub fn shift(start: DateTime<Utc>, g: DateGrouping, n: i64) -> Option<DateTime<Utc>> {
    let months = |k: i64| {
        let total = i64::from(start.year()) * 12 + i64::from(start.month0()) + k;
        let y = i32::try_from(total.div_euclid(12)).ok()?;
        let m = u32::try_from(total.rem_euclid(12)).ok()? + 1;
        NaiveDate::from_ymd_opt(y, m, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| Utc.from_utc_datetime(&d))
    };
    match g {
        DateGrouping::HOUR => start.checked_add_signed(Duration::try_hours(n)?),
        DateGrouping::DAY => start.checked_add_signed(Duration::try_days(n)?),
        DateGrouping::WEEK => start.checked_add_signed(Duration::try_weeks(n)?),
        DateGrouping::MONTH => months(n),
        DateGrouping::QUARTER => months(n.checked_mul(3)?),
        DateGrouping::YEAR => months(n.checked_mul(12)?),
        _ => Some(start),
    }
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// The range a filter asks for: its dates; else `periodCount` periods of `dateGrouping`
/// back from now (the running one included when `includeCurrentPeriod` is not false); else
/// the last 30 days.
fn range(f: &WatsFilter, now: DateTime<Utc>, default_days: i64) -> ApiResult<Range> {
    let grouping = f.date_grouping.unwrap_or(DateGrouping::NONE);
    if !(-1..=5).contains(&grouping.0) {
        return Err(ApiError::bad_request(format!(
            "The filter field dateGrouping has an unknown value {}: expected -1 (NONE), 0 (YEAR), \
             1 (QUARTER), 2 (MONTH), 3 (WEEK), 4 (DAY) or 5 (HOUR).",
            grouping.0
        )));
    }
    let date = |v: &Option<String>, field| -> ApiResult<Option<DateTime<Utc>>> {
        match v.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(t) => parse_date(t, field).map(Some),
        }
    };
    let from = date(&f.date_from, "dateFrom")?;
    let to = date(&f.date_to, "dateTo")?;
    if let (Some(a), Some(b)) = (from, to) {
        if a > b {
            return Err(ApiError::bad_request(format!(
                "The filter's dateFrom ({a}) is after its dateTo ({b})."
            )));
        }
    }
    let impossible = |why: String| ApiError::bad_request(format!("Impossible period: {why}."));
    if from.is_none() && to.is_none() {
        if let Some(n) = f.period_count {
            if !(1..=MAX_PERIODS).contains(&n) {
                return Err(impossible(format!(
                    "periodCount {n} is outside 1..{MAX_PERIODS}"
                )));
            }
            // Periods are counted in the grouping asked for; days when none is.
            let g = if grouping == DateGrouping::NONE {
                DateGrouping::DAY
            } else {
                grouping
            };
            let current = period_start(now, g);
            let include = f.include_current_period.unwrap_or(true);
            let back = if include {
                i64::from(n) - 1
            } else {
                i64::from(n)
            };
            let start = shift(current, g, -back)
                .ok_or_else(|| impossible(format!("{n} periods back from now")))?;
            return Ok(Range {
                from: micros(start),
                to: (!include).then(|| micros(current)),
                grouping,
            });
        }
    }
    let from = match (from, to) {
        (Some(a), _) => a,
        (None, Some(b)) => b
            .checked_sub_signed(Duration::days(default_days))
            .ok_or_else(|| impossible(format!("{default_days} days before dateTo")))?,
        (None, None) => now - Duration::days(default_days),
    };
    Ok(Range {
        from: micros(from),
        to: to.map(micros),
        grouping,
    })
}

/// The label of the period starting at `start`: ISO 8601 in UTC.
pub fn period_label(start: DateTime<Utc>) -> String {
    start.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A time (µs since the epoch) as the ISO 8601 text the analytics rows carry.
pub fn utc_text(us: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(us)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        parse_date(s, "t").unwrap()
    }

    #[test]
    fn periods() {
        let t = at("2026-12-06T15:42:10Z"); // a Sunday
        let g = |g| period_label(period_start(t, g));
        assert_eq!(g(DateGrouping::HOUR), "2026-12-06T15:00:00Z");
        assert_eq!(g(DateGrouping::DAY), "2026-12-06T00:00:00Z");
        assert_eq!(g(DateGrouping::WEEK), "2026-11-30T00:00:00Z");
        assert_eq!(g(DateGrouping::MONTH), "2026-12-01T00:00:00Z");
        assert_eq!(g(DateGrouping::QUARTER), "2026-10-01T00:00:00Z");
        assert_eq!(g(DateGrouping::YEAR), "2026-01-01T00:00:00Z");
        let q = period_start(t, DateGrouping::QUARTER);
        assert_eq!(
            period_label(shift(q, DateGrouping::QUARTER, -4).unwrap()),
            "2025-10-01T00:00:00Z"
        );
    }

    #[test]
    fn period_count_ranges() {
        let now = at("2026-12-06T15:42:10Z");
        let f = WatsFilter {
            period_count: Some(3),
            date_grouping: Some(DateGrouping::DAY),
            ..Default::default()
        };
        let r = range(&f, now, DEFAULT_DAYS).unwrap();
        assert_eq!(r.from, micros(at("2026-12-04T00:00:00Z")));
        assert_eq!(r.to, None);
        let f = WatsFilter {
            include_current_period: Some(false),
            ..f
        };
        let r = range(&f, now, DEFAULT_DAYS).unwrap();
        assert_eq!(r.from, micros(at("2026-12-03T00:00:00Z")));
        assert_eq!(r.to, Some(micros(at("2026-12-06T00:00:00Z"))));
    }

    #[test]
    fn bad_input_names_the_field() {
        let now = Utc::now();
        let e = |f: WatsFilter| Criteria::parse(&f, now).unwrap_err().to_string();
        assert!(e(WatsFilter {
            date_from: Some("yesterday".into()),
            ..Default::default()
        })
        .contains("dateFrom"));
        assert!(e(WatsFilter {
            period_count: Some(0),
            ..Default::default()
        })
        .contains("periodCount"));
        assert!(e(WatsFilter {
            status: Some("maybe".into()),
            ..Default::default()
        })
        .contains("status"));
        assert!(e(WatsFilter {
            date_grouping: Some(DateGrouping(9)),
            ..Default::default()
        })
        .contains("dateGrouping"));
    }
}
