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
//! else is an error). The result is failed when any row failed.
//!
//! **Cultures.** SoundCheck writes numbers and dates in the PC's culture. Decimal commas are
//! always read (`95,50`; with `culture` set to a comma culture, `1.234,5` too). Dates are read
//! month first (`7/22/2020 10:22:14 AM`, en-US), falling back to day first when that cannot be
//! a date; with `culture` set to anything but an `en-US`-like culture (`de-DE`, `nb-NO`, `eu`)
//! day first comes first (`22.07.2020 10:22:14`, `05/07/2020` = 5 July).
//!
//! **Appended exports.** Each AutoSave step appends its block, header row included: a row
//! whose first cell is `Serial #:` and that names the `Name`, `Margin` and `Result` columns is a
//! header again (the columns are found anew), never data.
//!
//! **Graph blocks.** A `Serial #:` row that is not a header starts a graph: the serial number
//! in the second cell, the graph's name in the third, the X and Y units in cells 13 and 14
//! (0-based); the next two long rows (more than 10 cells) are the X and the Y values. The
//! graph becomes a step of its unit (the serial's, else the unit before it): a `LOG` numeric
//! step of the largest Y, with a `LineLogY` chart of the curve.
//!
//! Arguments: `part_number`, `revision` (default `1`), `process_code` (default 10), `culture`,
//! `time_zone`.

use chrono::NaiveDateTime;
use wats_report::builder::ChartSpec;
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
    Parameter {
        name: "culture",
        description: "the export's culture, e.g. en-US (default: month-first dates) or de-DE (day-first dates, 1.234,5 numbers)",
    },
];

/// How the export writes numbers and dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Culture {
    /// Day before month in dates.
    day_first: bool,
    /// `,` is the decimal separator and `.` groups thousands.
    comma_decimal: bool,
}

impl Culture {
    fn of(cx: &Context) -> Culture {
        match cx.text("culture") {
            None => Culture {
                day_first: false,
                comma_decimal: false,
            },
            Some(c) => {
                let c = c.to_ascii_lowercase();
                let us = c.starts_with("en-us") || c == "us" || c == "en" || c.starts_with("en-ph");
                Culture {
                    day_first: !us,
                    comma_decimal: !us && !c.starts_with("en-"),
                }
            }
        }
    }

    fn number(self, text: &str) -> Option<f64> {
        let t = text.trim();
        if self.comma_decimal {
            parse_number(&t.replace('.', "").replace(',', "."))
        } else {
            // A decimal comma is read in any culture (`95,50`).
            parse_number(&t.replace(',', "."))
        }
    }

    fn time(self, text: &str) -> Option<NaiveDateTime> {
        const MONTH_FIRST: [&str; 2] = ["%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S"];
        const DAY_FIRST: [&str; 5] = [
            "%d/%m/%Y %H:%M:%S",
            "%d/%m/%Y %I:%M:%S %p",
            "%d.%m.%Y %H:%M:%S",
            "%d-%m-%Y %H:%M:%S",
            "%d.%m.%Y %I:%M:%S %p",
        ];
        let t = text.trim();
        let (first, then) = if self.day_first {
            (&DAY_FIRST[..], &MONTH_FIRST[..])
        } else {
            (&MONTH_FIRST[..], &DAY_FIRST[..])
        };
        first
            .iter()
            .chain(then)
            .chain(&["%Y-%m-%d %H:%M:%S"])
            .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
    }
}

/// A graph block: its name and units, and the X values once read.
struct Graph {
    line: usize,
    serial: Option<String>,
    name: String,
    x_unit: Option<String>,
    y_unit: Option<String>,
    x: Option<Vec<f64>>,
    y: Vec<f64>,
}

/// `S/N 13` → `13` (a `/` is a wildcard in WATS searches).
fn serial_of(cell: &str) -> String {
    cell.trim_start_matches("S/N")
        .trim()
        .trim_start_matches('#')
        .trim()
        .to_string()
}

/// Whether a row's first cell is `Serial #:` (a header, or a graph's start).
fn starts_block(row: &[String]) -> bool {
    row.first()
        .is_some_and(|c| c.trim().eq_ignore_ascii_case("Serial #:"))
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
    /// Data rows, each with the columns of the header above it.
    rows: Vec<(usize, Vec<String>, std::rc::Rc<Columns>)>,
    graphs: Vec<Graph>,
}

impl Unit {
    fn new(line: usize, serial: String) -> Unit {
        Unit {
            line,
            serial,
            rows: Vec::new(),
            graphs: Vec::new(),
        }
    }
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
        let culture = Culture::of(cx);
        let text = source.text();
        let lines = numbered_lines(&text).filter(|(_, l)| !l.trim().is_empty());
        let mut cols: Option<std::rc::Rc<Columns>> = None;
        let mut width = 0;
        let mut units: Vec<Unit> = Vec::new();
        let mut graph: Option<Graph> = None;
        for (n, line) in lines {
            let c: Vec<String> = line.split('\t').map(|s| s.trim().to_string()).collect();
            if starts_block(&c) {
                if let Some(g) = graph.take() {
                    return Err(ConvertError::at_line(
                        g.line,
                        format!("the graph {:?} has no Y values", g.name),
                    ));
                }
                let header: Vec<&str> = c.iter().map(String::as_str).collect();
                if let Ok(found) = Columns::find(&header, n) {
                    // The first header, or one an appended block repeats.
                    cols = Some(std::rc::Rc::new(found));
                    width = c.len();
                } else {
                    let cell = |i: usize| c.get(i).filter(|s| !s.is_empty()).cloned();
                    graph = Some(Graph {
                        line: n,
                        serial: cell(1).map(|s| serial_of(&s)).filter(|s| !s.is_empty()),
                        name: cell(2).unwrap_or_else(|| "Graph".into()),
                        x_unit: cell(13),
                        y_unit: cell(14),
                        x: None,
                        y: Vec::new(),
                    });
                }
                continue;
            }
            if let Some(g) = graph.as_mut().filter(|_| c.len() > 10) {
                let values: Vec<f64> = c.iter().filter_map(|v| culture.number(v)).collect();
                if values.is_empty() {
                    return Err(ConvertError::at_line(n, "a graph row without numbers"));
                }
                if g.x.is_none() {
                    g.x = Some(values);
                    continue;
                }
                g.y = values;
                let g = graph.take().expect("a graph is open");
                let serial = g.serial.clone();
                let unit = match serial {
                    Some(sn) => match units.iter_mut().rposition(|u| u.serial == sn) {
                        Some(i) => &mut units[i],
                        None => {
                            units.push(Unit::new(g.line, sn));
                            units.last_mut().expect("just pushed")
                        }
                    },
                    None => units.last_mut().ok_or_else(|| {
                        ConvertError::at_line(
                            g.line,
                            "a graph before any unit and without a serial number",
                        )
                    })?,
                };
                unit.graphs.push(g);
                continue;
            }
            let Some(cols) = cols.clone() else {
                return Err(ConvertError::at_line(
                    n,
                    "no header row (Serial #:, Name, Margin, Result…) before the data",
                ));
            };
            if c.len() <= cols.result.max(cols.value).max(cols.name) {
                return Err(ConvertError::at_line(
                    n,
                    format!("a row with {} columns, the header has {width}", c.len()),
                ));
            }
            let serial = serial_of(&c[cols.serial]);
            if serial.is_empty() {
                return Err(ConvertError::at_line(n, "the serial number is empty"));
            }
            match units.last_mut() {
                Some(u) if u.serial == serial => u.rows.push((n, c, cols)),
                _ => {
                    let mut u = Unit::new(n, serial);
                    u.rows.push((n, c, cols));
                    units.push(u);
                }
            }
        }
        if let Some(g) = graph {
            return Err(ConvertError::at_line(
                g.line,
                format!("the graph {:?} ends before its X and Y values", g.name),
            ));
        }
        if units.is_empty() {
            return Err(ConvertError::new("the file has a header but no rows"));
        }
        let (station, location, purpose) = cx.station_identity("SoundCheck");
        units
            .into_iter()
            .map(|u| {
                let first = u.rows.first();
                let first_cell = |pick: fn(&Columns) -> Option<usize>| {
                    first.and_then(|(_, c, cols)| cell(c, pick(cols)))
                };
                let pn = match cx.text("part_number") {
                    Some(pn) => pn,
                    None => first_cell(|c| c.lot)
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
                if let Some(op) = first_cell(|c| c.operator) {
                    b = b.operator(op);
                }
                if let Some(t) = first_cell(|c| c.time) {
                    let at = culture.time(t).ok_or_else(|| {
                        ConvertError::at_line(u.line, format!("Time {t:?} is not a date and time"))
                    })?;
                    b = b.start(cx.timestamp(at)?);
                }
                let mut failed = false;
                for (n, c, cols) in &u.rows {
                    let name = c[cols.name].clone();
                    let raw = &c[cols.value];
                    let value = culture.number(raw).ok_or_else(|| {
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
                    let tolerance = cell(c, cols.tolerance).unwrap_or("");
                    let limits = cell(c, cols.limits).unwrap_or("");
                    let max_min = if tolerance.eq_ignore_ascii_case("Max/Min") {
                        limits
                            .split_once('/')
                            .and_then(|(hi, lo)| Some((culture.number(hi)?, culture.number(lo)?)))
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
                    if let Some(unit) = cell(c, cols.unit) {
                        s = s.unit(unit.to_string());
                    }
                    if max_min.is_none() && !tolerance.is_empty() {
                        s = s.report_text(&format!("{tolerance}: {limits}"));
                    }
                    let _ = s.status(status);
                }
                for g in &u.graphs {
                    let x = g.x.as_deref().unwrap_or_default();
                    if x.len() != g.y.len() {
                        return Err(ConvertError::at_line(
                            g.line,
                            format!(
                                "the graph {:?} has {} X and {} Y values",
                                g.name,
                                x.len(),
                                g.y.len()
                            ),
                        ));
                    }
                    let top = g.y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let spec = ChartSpec {
                        chart_type: "LineLogY",
                        label: &g.name,
                        x_label: "X",
                        x_unit: g.x_unit.as_deref(),
                        y_label: &g.name,
                        y_unit: g.y_unit.as_deref(),
                    };
                    let mut s = b
                        .add_step(g.name.clone(), top)
                        .compare(CompOp::LOG, None, None)
                        .chart_series(spec, &g.name, x, &g.y);
                    if let Some(unit) = &g.y_unit {
                        s = s.unit(unit.clone());
                    }
                    let _ = s.status(Status::Passed);
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
