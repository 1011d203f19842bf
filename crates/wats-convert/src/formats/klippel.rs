//! Klippel loudspeaker end-of-line QC results: a header file `DUT <serial> <time>.txt` and a
//! data folder of the same name next to it.
//!
//! Header: `//comment` lines and `Key=Value` lines. `Cfg_SerialNumber` is the serial number,
//! `Cfg_UserName` the operator, `Cfg_DutStartTime`
//! (`Year-Month-Week-YearDay-WeekDay-Day-Hour-Minute-Second-Millisecond-UTCOffsetMinutes-…`)
//! the start with its offset, `Ctrl_OverallVerdict` the result (1 passed; 0 fail, −1 void,
//! 2 warning, 3 noise, 4 invalid: failed); `Cfg_LoginMode` and `Cfg_Speaker` become misc
//! infos. `Results_Pass` / `Results_Fail` (tab-separated result names) give each result its
//! status; results in neither list are judged from their limits.
//!
//! Data folder: each `<Task>-<Name>.txt` is a tab-separated table, grouped in a sequence per
//! task:
//!
//! * `name value max min` (a values file): one numeric step per row, `GELE min..max` (one
//!   limit: `LE`/`GE`, none: `LOG`); a value of `-` is a skipped step "no value".
//! * `frq <curve> [max [min]]` (a curve file): one multiple-measurement step named by the
//!   curve with `Average`, `Minimum` and `Maximum` (`LOG`) and `OutOfBounds` (points outside
//!   the limit curves, `LT 1`), and a `LineLogX` chart of the curve and its limit curves
//!   (points marked `-` are left out; curves longer than 10,000 points are decimated evenly).
//!
//! Without the data folder the header alone is converted and the main sequence's report text
//! says the folder is missing. Arguments: `part_number` (default `PartNumber1`), `revision`
//! (default `1`), `process_code` (default 10).

use std::path::Path;

use chrono::{FixedOffset, NaiveDate, TimeZone};
use wats_report::builder::ChartSpec;
use wats_report::wire::float::Decimal;
use wats_report::{CompOp, Report, ReportBuilder, SeriesText, Status, Timestamp};

use crate::util::{numbered_lines, parse_number, split_byte};
use crate::{Confidence, Context, ConvertError, Converter, Parameter, Source};

/// The Klippel converter.
#[derive(Clone, Copy, Debug, Default)]
pub struct Klippel;

const PARAMETERS: &[Parameter] = &[
    Parameter {
        name: "part_number",
        description: "part number (the header has none); default PartNumber1",
    },
    Parameter {
        name: "revision",
        description: "revision; default 1",
    },
    Parameter {
        name: "process_code",
        description: "operation code; default 10",
    },
];

/// Most points of one chart series.
const MAX_POINTS: usize = 10_000;
/// Largest data file read from the folder.
const MAX_DATA_FILE: u64 = 64 * 1024 * 1024;

fn start_time(text: &str) -> Option<Timestamp> {
    let p: Vec<f64> = text
        .split('-')
        .map(|t| t.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .ok()?;
    if p.len() < 11 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(p[0] as i32, p[1] as u32, p[5] as u32)?;
    let naive = date.and_hms_milli_opt(p[6] as u32, p[7] as u32, p[8] as u32, p[9] as u32)?;
    let offset = FixedOffset::east_opt((p[10] * 60.0) as i32)?;
    offset
        .from_local_datetime(&naive)
        .single()
        .map(Timestamp::new)
}

impl Converter for Klippel {
    fn name(&self) -> &str {
        "klippel"
    }
    fn description(&self) -> &str {
        "Klippel loudspeaker QC results (header file and data folder)"
    }
    fn patterns(&self) -> &[&str] {
        &["*.txt"]
    }
    fn parameters(&self) -> &[Parameter] {
        PARAMETERS
    }

    fn detect(&self, source: &Source<'_>) -> Confidence {
        let head = source.head(8192);
        match (
            head.contains("Cfg_SerialNumber="),
            head.contains("Ctrl_OverallVerdict=") || head.contains("Cfg_DutStartTime="),
        ) {
            (true, true) => 0.97,
            (true, false) | (false, true) => 0.6,
            _ => 0.0,
        }
    }

    fn convert(&self, source: &Source<'_>, cx: &Context) -> Result<Vec<Report>, ConvertError> {
        let text = source.text();
        let mut keys: Vec<(&str, &str, usize)> = Vec::with_capacity(64);
        for (n, line) in numbered_lines(&text) {
            let line = line.trim();
            if line.is_empty() || line.starts_with("//") {
                continue;
            }
            let (k, v) = line.split_once('=').ok_or_else(|| {
                ConvertError::at_line(n, format!("{line:?} is neither a //comment nor Key=Value"))
            })?;
            keys.push((k.trim(), v.trim(), n));
        }
        let get = |k: &str| {
            keys.iter()
                .rev()
                .find(|(key, _, _)| *key == k)
                .map(|&(_, v, n)| (v, n))
        };
        let sn = get("Cfg_SerialNumber")
            .map(|(v, _)| v)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ConvertError::new("no Cfg_SerialNumber in the header"))?;
        let verdict = match get("Ctrl_OverallVerdict") {
            Some((v, n)) => Some(v.trim().parse::<i64>().map_err(|_| {
                ConvertError::at_line(n, format!("Ctrl_OverallVerdict {v:?} is not a number"))
            })?),
            None => None,
        };
        let (station, location, purpose) = cx.station_identity("Klippel");
        let mut b = ReportBuilder::uut(
            cx.text_or("part_number", "PartNumber1"),
            sn,
            cx.text_or("revision", "1"),
            cx.process_code(None, 10)?,
        )
        .station(station, location, purpose);
        if let Some(v) = verdict {
            b = b.result(if v == 1 {
                Status::Passed
            } else {
                Status::Failed
            });
        }
        if let Some((user, _)) = get("Cfg_UserName").filter(|(u, _)| !u.is_empty()) {
            b = b.operator(user);
        }
        if let Some((t, n)) = get("Cfg_DutStartTime") {
            let at = start_time(t).ok_or_else(|| {
                ConvertError::at_line(
                    n,
                    format!("Cfg_DutStartTime {t:?} is not Year-Month-Week-…"),
                )
            })?;
            b = b.start(at);
        }
        for key in ["Cfg_LoginMode", "Cfg_Speaker"] {
            if let Some((v, _)) = get(key).filter(|(v, _)| !v.is_empty()) {
                b.misc_info(key.trim_start_matches("Cfg_"), v);
            }
        }
        let list = |k: &str| -> Vec<String> {
            get(k)
                .map(|(v, _)| {
                    v.split('\t')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        let (passed, failed) = (list("Results_Pass"), list("Results_Fail"));
        let verdict_of = |name: &str| {
            if failed.iter().any(|f| f == name) {
                Some(Status::Failed)
            } else if passed.iter().any(|p| p == name) {
                Some(Status::Passed)
            } else {
                None
            }
        };
        let folder = source.sibling(source.file_stem());
        let mut files: Vec<_> = match std::fs::read_dir(&folder) {
            // The entry's own type costs no system call; only links are followed to check.
            Ok(rd) => rd
                .filter_map(Result::ok)
                .filter(|e| {
                    e.file_type()
                        .is_ok_and(|t| t.is_file() || (t.is_symlink() && e.path().is_file()))
                })
                .map(|e| e.path())
                .collect(),
            Err(_) => {
                let _ = b
                    .group("")
                    .step_mut()
                    .report_text
                    .insert(format!("the data folder {} is missing", folder.display()));
                return Ok(vec![b.build_unchecked()]);
            }
        };
        files.sort();
        for path in files {
            data_file(&path, &mut b, &verdict_of)?;
        }
        Ok(vec![b.build_unchecked()])
    }
}

fn data_file(
    path: &Path,
    b: &mut ReportBuilder,
    verdict_of: &dyn Fn(&str) -> Option<Status>,
) -> Result<(), ConvertError> {
    let bytes = wats_report::format::read_limited(path, MAX_DATA_FILE)
        .map_err(|e| ConvertError::new(e.to_string()))?;
    let text = crate::source::decode_text(&bytes);
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let task = stem
        .split_once('-')
        .map(|(t, _)| t)
        .unwrap_or(stem)
        .trim()
        .to_string();
    let err = |e: ConvertError| e.in_file(path);
    // A row mostly starts with a digit: trimmed only when it does not.
    let blank = |l: &str| !l.starts_with(|c: char| c.is_ascii_digit()) && l.trim().is_empty();
    let mut rows = numbered_lines(&text).filter(|(_, l)| !blank(l));
    let Some((_, header)) = rows.next() else {
        return Ok(());
    };
    let columns: Vec<&str> = header.split('\t').map(str::trim).collect();
    // A number, `None` for an empty field or `-`, an error for any other text.
    let num = |t: &str, n: usize| -> Result<Option<f64>, ConvertError> {
        Ok(decimal(t, n, path)?.map(|d| d.value()))
    };
    let mut group = b.group(&task);
    if columns.first() == Some(&"name") {
        for (n, line) in rows {
            let mut c = split_byte(line, b'\t');
            let name = c.next().unwrap_or("").trim();
            if name.is_empty() {
                return Err(err(ConvertError::at_line(n, "a values row without a name")));
            }
            let value = num(c.next().unwrap_or(""), n)?;
            let (max, min) = (
                num(c.next().unwrap_or(""), n)?,
                num(c.next().unwrap_or(""), n)?,
            );
            let Some(value) = value else {
                let st = verdict_of(name).unwrap_or(Status::Skipped);
                let _ = group.add_step(name, ()).status(st).report_text("no value");
                continue;
            };
            let (op, low, high) = crate::util::comparison(None, min, max);
            let mut s = group.add_step(name, value).compare(op, low, high);
            if let Some(st) = verdict_of(name) {
                s = s.status(st);
            }
            let _ = s;
        }
    } else if columns.first() == Some(&"frq") && columns.len() >= 2 {
        let curve = columns[1].to_string();
        // A row per line: sized once, the vectors and texts are not grown point by point (up
        // to a bound: a file of blank lines must not reserve gigabytes).
        let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
        let capacity = lines.min(MAX_POINTS);
        let (mut points, mut max, mut min) = (
            Curve::with_capacity(capacity),
            Curve::with_capacity(capacity),
            Curve::with_capacity(capacity),
        );
        // The frequencies as text, once: the limit curves mostly share them.
        let mut frequencies = SeriesText::with_capacity(capacity);
        let mut out_of_bounds = 0.0;
        for (n, line) in rows {
            let mut c = split_byte(line, b'\t');
            let mut next = || decimal(c.next().unwrap_or(""), n, path);
            let Some(f) = next()? else {
                continue;
            };
            let (v, hi, lo) = (next()?, next()?, next()?);
            if let Some(v) = v {
                // Past MAX_POINTS the text is not used: the series are decimated.
                if points.x.len() < MAX_POINTS {
                    frequencies.push_decimal(f);
                }
                points.push(f.value(), v);
                let y = v.value();
                if hi.is_some_and(|h| y > h.value()) || lo.is_some_and(|l| y < l.value()) {
                    out_of_bounds += 1.0;
                }
            }
            if let Some(h) = hi {
                max.push(f.value(), h);
            }
            if let Some(l) = lo {
                min.push(f.value(), l);
            }
        }
        let stats = if points.y.is_empty() {
            None
        } else {
            let y = &points.y;
            let avg = y.iter().sum::<f64>() / y.len() as f64;
            let min = y.iter().copied().fold(f64::INFINITY, f64::min);
            let max = y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            Some((avg, min, max))
        };
        let Some((avg, lowest, highest)) = stats else {
            let st = verdict_of(&curve).unwrap_or(Status::Skipped);
            let _ = group
                .add_step(curve, ())
                .status(st)
                .report_text("the curve has no measured points");
            return Ok(());
        };
        let mut s = group
            .add_step(curve.clone(), avg)
            .measure("Minimum", lowest, |_| {})
            .measure("Maximum", highest, |_| {})
            .measure("OutOfBounds", out_of_bounds, |m| {
                m.comp_op = Some(CompOp::LT.into());
                m.low_limit = Some(1.0);
            });
        if let Some(first) = s
            .step_mut()
            .numeric_meas
            .as_mut()
            .and_then(|l| l.first_mut())
        {
            first.name = Some("Average".into());
        }
        let spec = ChartSpec {
            chart_type: "LineLogX",
            label: &curve,
            x_label: "Frequency",
            x_unit: Some("Hz"),
            y_label: &curve,
            y_unit: None,
        };
        let limits = [("max", max), ("min", min)]
            .map(|(label, limit)| (label, limit.into_series(&points.x, &frequencies)));
        let (x, y) = match points.x.len() {
            n if n > MAX_POINTS => points.decimated(),
            _ => (frequencies, points.y_text),
        };
        s = s.chart_series_text(spec, &curve, Some(x), y);
        for (label, (x, y)) in limits {
            if !y.is_empty() {
                s = s.chart_series_text(spec, label, Some(x), y);
            }
        }
        if let Some(st) = verdict_of(&curve) {
            s = s.status(st);
        }
        let _ = s;
    } else {
        return Err(err(ConvertError::at_line(
            1,
            format!("unknown table header {header:?} (expected name… or frq…)"),
        )));
    }
    Ok(())
}

/// A curve's points, as numbers and with the chart's Y text (copied from the file where it is
/// already in WATS's number form).
struct Curve {
    x: Vec<f64>,
    y: Vec<f64>,
    y_text: SeriesText,
}

impl Curve {
    fn with_capacity(points: usize) -> Self {
        Curve {
            x: Vec::with_capacity(points),
            y: Vec::with_capacity(points),
            y_text: SeriesText::with_capacity(points),
        }
    }

    /// Adds a point: its frequency and its value (its text only while it may be used).
    fn push(&mut self, x: f64, y: Decimal<'_>) {
        if self.x.len() < MAX_POINTS {
            self.y_text.push_decimal(y);
        }
        self.x.push(x);
        self.y.push(y.value());
    }

    /// A limit curve's X and Y values: the text of the curve's `frequencies` (whose values
    /// are `axis`) when this curve has the same points, decimated past [`MAX_POINTS`].
    fn into_series(self, axis: &[f64], frequencies: &SeriesText) -> (SeriesText, SeriesText) {
        if self.x.len() > MAX_POINTS {
            self.decimated()
        } else if axis == self.x {
            (frequencies.clone(), self.y_text)
        } else {
            (SeriesText::from_values(&self.x), self.y_text)
        }
    }

    /// [`MAX_POINTS`] points taken evenly.
    fn decimated(&self) -> (SeriesText, SeriesText) {
        let step = self.x.len() as f64 / MAX_POINTS as f64;
        let (x, y): (Vec<f64>, Vec<f64>) = (0..MAX_POINTS)
            .map(|i| {
                let j = ((i as f64 * step) as usize).min(self.x.len() - 1);
                (self.x[j], self.y[j])
            })
            .unzip();
        (SeriesText::from_values(&x), SeriesText::from_values(&y))
    }
}

/// A field's number (`None` for an empty field or `-`; an error for any other text), with its
/// text when it is a plain decimal, for the chart.
fn decimal<'t>(t: &'t str, n: usize, path: &Path) -> Result<Option<Decimal<'t>>, ConvertError> {
    // Most fields are a plain decimal with no blanks.
    if let Some(d) = Decimal::parse(t) {
        return Ok(Some(d));
    }
    if let Some(v) = parse_number(t) {
        return Ok(Some(Decimal::from_value(v)));
    }
    match t.trim() {
        "" | "-" => Ok(None),
        t => Err(ConvertError::at_line(n, format!("{t:?} is not a number")).in_file(path)),
    }
}
