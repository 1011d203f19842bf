//! Listen SoundCheck result exports (tab-separated).
//!
//! ```text
//! Serial #:→Operator:→Time:→Lot #:→Name→Margin→Unit→Result→Tolerance→Limits
//! S/N 13→Rick→7/22/2020 10:22:14 AM→P/N #12345→Ave Sensitivity→95.50→dB→PASS→Max/Min→100.0/90.0
//! ```
//!
//! The header row names the columns; they are found by name (`Serial #:`, `Operator:`,
//! `Time:`, `Lot #:`, `Name`, `Margin`, `Unit`, `Result`, `Tolerance`, `Limits`), so exports
//! with or without the `Operator:` column both read. Consecutive rows of one serial number are
//! one UUT report (a new report whenever the serial number changes); a leading `S/N` is
//! dropped from the serial number (`/` is a wildcard in WATS searches). `Lot #:` is the part
//! number (a leading `P/N` and `#` are dropped; the `part_number` argument overrides it),
//! `Time:` the start (`M/d/yyyy h:mm:ss AM/PM`, or 24-hour; the `time_zone` argument
//! applies). Every row is a numeric step: the value with its unit, limits `max/min` → `GELE`,
//! other tolerances (curves) → `LOG` with the tolerance in the report text; the status is the
//! row's `Result` (`PASS`, `FAIL`; `TERMINATED`, `ERROR`, `DONE`, `SKIPPED` too; anything
//! else is an error). Decimal commas (European exports) are read. The result is failed when
//! any row failed. Arguments: `part_number`, `revision` (default `1`), `process_code`
//! (default 10).

use chrono::NaiveDateTime;
use wats_report::rules::Mode;
use wats_report::{CompOp, Report, ReportBuilder, Status};

use crate::util::{numbered_lines, parse_number};
use crate::{Confidence, Context, ConvertError, Converter, Parameter, Source};

/// The Listen SoundCheck converter.
#[derive(Clone, Copy, Debug, Default)]
pub struct ListenSoundCheck;

const PARAMETERS: &[Parameter] = &[
    Parameter {
        name: "part_number",
        description: "part number instead of the Lot # column",
    },
    Parameter {
        name: "revision",
        description: "revision; default 1",
    },
    Parameter {
        name: "process_code",
        description: "operation code; default 10",
    },
    Parameter {
        name: "time_zone",
        description: "zone of the Time column: local (default), UTC, +02:00",
    },
];

fn number(text: &str) -> Option<f64> {
    parse_number(&text.trim().replace(',', "."))
}

fn time(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    [
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%Y %H:%M:%S",
        "%d.%m.%Y %H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
}

struct Columns {
    serial: usize,
    operator: Option<usize>,
    time: Option<usize>,
    lot: Option<usize>,
    name: usize,
    value: usize,
    unit: Option<usize>,
    result: usize,
    tolerance: Option<usize>,
    limits: Option<usize>,
}

impl Columns {
    fn find(header: &[&str], n: usize) -> Result<Columns, ConvertError> {
        let pos = |name: &str| {
            header
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
        };
        let need = |name: &str| {
            pos(name).ok_or_else(|| {
                ConvertError::at_line(n, format!("no {name:?} column in the header"))
            })
        };
        Ok(Columns {
            serial: need("Serial #:")?,
            operator: pos("Operator:"),
            time: pos("Time:"),
            lot: pos("Lot #:"),
            name: need("Name")?,
            value: need("Margin")?,
            unit: pos("Unit"),
            result: need("Result")?,
            tolerance: pos("Tolerance"),
            limits: pos("Limits"),
        })
    }
}

/// The non-empty cell `i` of a row.
fn cell(row: &[String], i: Option<usize>) -> Option<&str> {
    i.and_then(|i| row.get(i))
        .map(String::as_str)
        .filter(|s| !s.is_empty())
}

struct Unit {
    line: usize,
    serial: String,
    rows: Vec<(usize, Vec<String>)>,
}

impl Converter for ListenSoundCheck {
    fn name(&self) -> &str {
        "listen-soundcheck"
    }
    fn description(&self) -> &str {
        "Listen SoundCheck results"
    }
    fn patterns(&self) -> &[&str] {
        &["*.txt"]
    }
    fn parameters(&self) -> &[Parameter] {
        PARAMETERS
    }

    fn detect(&self, source: &Source<'_>) -> Confidence {
        let head = source.head(4096);
        let first = head.lines().next().unwrap_or("");
        match (
            first.starts_with("Serial #:\t"),
            first.contains("\tMargin") && first.contains("\tResult"),
        ) {
            (true, true) => 0.95,
            (true, false) => 0.5,
            _ => 0.0,
        }
    }

    fn convert(&self, source: &Source<'_>, cx: &Context) -> Result<Vec<Report>, ConvertError> {
        let text = source.text();
        let mut lines = numbered_lines(&text).filter(|(_, l)| !l.trim().is_empty());
        let (hn, header) = lines
            .next()
            .ok_or_else(|| ConvertError::new("the file is empty"))?;
        let header: Vec<&str> = header.split('\t').collect();
        let cols = Columns::find(&header, hn)?;
        let mut units: Vec<Unit> = Vec::new();
        for (n, line) in lines {
            let c: Vec<String> = line.split('\t').map(|s| s.trim().to_string()).collect();
            if c.len() <= cols.result.max(cols.value).max(cols.name) {
                return Err(ConvertError::at_line(
                    n,
                    format!(
                        "a row with {} columns, the header has {}",
                        c.len(),
                        header.len()
                    ),
                ));
            }
            // `S/N 13` → `13` (a `/` is a wildcard in WATS searches).
            let serial = c[cols.serial]
                .trim_start_matches("S/N")
                .trim()
                .trim_start_matches('#')
                .trim()
                .to_string();
            if serial.is_empty() {
                return Err(ConvertError::at_line(n, "the serial number is empty"));
            }
            match units.last_mut() {
                Some(u) if u.serial == serial => u.rows.push((n, c)),
                _ => units.push(Unit {
                    line: n,
                    serial,
                    rows: vec![(n, c)],
                }),
            }
        }
        if units.is_empty() {
            return Err(ConvertError::new("the file has a header but no rows"));
        }
        let (station, location, purpose) = cx.station_identity("SoundCheck");
        units
            .into_iter()
            .map(|u| {
                let first = &u.rows[0].1;
                let get = cell;
                let pn = match cx.text("part_number") {
                    Some(pn) => pn,
                    None => get(first, cols.lot)
                        .map(|l| {
                            l.trim_start_matches("P/N")
                                .trim()
                                .trim_start_matches('#')
                                .trim()
                                .to_string()
                        })
                        .filter(|l| !l.is_empty())
                        .ok_or_else(|| {
                            ConvertError::at_line(
                                u.line,
                                "no Lot # (part number) and no part_number argument",
                            )
                        })?,
                };
                let mut b = ReportBuilder::uut(
                    pn,
                    u.serial.clone(),
                    cx.text_or("revision", "1"),
                    cx.process_code(None, 10)?,
                )
                .station(station.clone(), location.clone(), purpose.clone())
                .mode(Mode::Import);
                if let Some(op) = get(first, cols.operator) {
                    b = b.operator(op);
                }
                if let Some(t) = get(first, cols.time) {
                    let at = time(t).ok_or_else(|| {
                        ConvertError::at_line(u.line, format!("Time {t:?} is not a date and time"))
                    })?;
                    b = b.start(cx.timestamp(at)?);
                }
                let mut failed = false;
                for (n, c) in &u.rows {
                    let name = c[cols.name].clone();
                    let raw = &c[cols.value];
                    let value = number(raw).ok_or_else(|| {
                        ConvertError::at_line(*n, format!("Margin {raw:?} is not a number"))
                    })?;
                    let status = match c[cols.result].to_ascii_uppercase().as_str() {
                        "PASS" | "PASSED" => Status::Passed,
                        "FAIL" | "FAILED" => Status::Failed,
                        "TERMINATED" => Status::Terminated,
                        "ERROR" => Status::Error,
                        "DONE" => Status::Done,
                        "SKIPPED" => Status::Skipped,
                        other => {
                            return Err(ConvertError::at_line(
                                *n,
                                format!("Result {other:?} is not PASS or FAIL"),
                            ))
                        }
                    };
                    failed |= matches!(status, Status::Failed | Status::Error | Status::Terminated);
                    let tolerance = get(c, cols.tolerance).unwrap_or("");
                    let limits = get(c, cols.limits).unwrap_or("");
                    let max_min = if tolerance.eq_ignore_ascii_case("Max/Min") {
                        limits
                            .split_once('/')
                            .and_then(|(hi, lo)| Some((number(hi)?, number(lo)?)))
                    } else {
                        None
                    };
                    let mut s = match max_min {
                        Some((hi, lo)) => b.add_step(name, value).compare(
                            CompOp::GELE,
                            Some(lo.min(hi)),
                            Some(hi.max(lo)),
                        ),
                        None => b.add_step(name, value).compare(CompOp::LOG, None, None),
                    };
                    if let Some(unit) = get(c, cols.unit) {
                        s = s.unit(unit.to_string());
                    }
                    if max_min.is_none() && !tolerance.is_empty() {
                        s = s.report_text(&format!("{tolerance}: {limits}"));
                    }
                    let _ = s.status(status);
                }
                b = b.result(if failed {
                    Status::Failed
                } else {
                    Status::Passed
                });
                Ok(b.build_unchecked())
            })
            .collect()
    }
}
