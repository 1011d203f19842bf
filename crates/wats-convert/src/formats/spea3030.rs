//! SPEA 3030 in-circuit test logs (`;`-separated text; one file, many boards).
//!
//! ```text
//! FORMAT;mmdd
//! START;<program>;<sequence>;<version>;<sequence>;<operator>;MM/dd/yyyy;HH:mm:ss
//! LOT;<lot>
//! ANL;<site>;<stepRef>;<n>;<n>;<step name>;<f>;PASS|FAIL…;<measured>;<low>;<high>;<unit>;<f>;<n>
//! FUNC;<site>;<task>;<n>;<n>;<step name>;<f>;PASS|FAIL…;<measured>;<low>;<high>;<unit>;…
//! SN;<serial>
//! BOARDRESULT;PASS|FAIL
//! END;PASS|FAIL;MM/dd/yyyy;HH:mm:ss
//! ```
//!
//! Each `START` … `END` block is one UUT report. Steps are grouped in a sequence per component
//! type, from the alphabetic prefix of the step reference (`R`, `RP`, `RS` → Resistors, `C`,
//! `CS`, `CP`, `DSC` → Capacitors, `L` Inductors, `D` Diodes, `Q` Transistors, `CON`
//! Connectors, `SHO` Short, `TC` Thermocouple, `PTC`, `DZ` ZenerDiodes, `F` Fuses, `J`
//! Jumpers, `T` Transformers, `ISO` Isolators, `U` ICs; otherwise the prefix itself); `FUNC`
//! rows go to a "Functional" sequence. A row whose measured value and limits are all 0 is a
//! pass/fail step; otherwise a numeric step: low 0 → `LE high`, high 0 → `GE low`, else
//! `GELE`. `Automatic` reads as 0 and `-NAN`/`NAN` as not a number (the step keeps the
//! tester's verdict). Step statuses are the tester's (`PASS…` passes, anything else fails);
//! the report result is the `END` verdict and the execution time is `END − START`.
//!
//! The file names no part number: `part_number` (default `PN1`) and `revision` (default `1`)
//! come from the arguments, the operation from `process_code` (default 20, ICT in the default process list).

use chrono::NaiveDateTime;
use wats_report::{CompOp, Report, ReportBuilder, Status};

use crate::util::{numbered_lines, parse_number};
use crate::{Confidence, Context, ConvertError, Converter, Parameter, Source};

/// The SPEA 3030 converter.
#[derive(Clone, Copy, Debug, Default)]
pub struct Spea3030;

const PARAMETERS: &[Parameter] = &[
    Parameter {
        name: "part_number",
        description: "part number of the boards (the file has none); default PN1",
    },
    Parameter {
        name: "revision",
        description: "part revision; default 1",
    },
    Parameter {
        name: "process_code",
        description: "operation code; default 20 (ICT)",
    },
    Parameter {
        name: "station_name",
        description: "station name when the station configuration gives none; default SPEA3030",
    },
    Parameter {
        name: "location",
        description: "station location when the configuration gives none; default Production",
    },
    Parameter {
        name: "purpose",
        description: "station purpose when the configuration gives none; default Test",
    },
    Parameter {
        name: "time_zone",
        description: "zone of the file's times: local (default), UTC, +02:00",
    },
];

impl Converter for Spea3030 {
    fn name(&self) -> &str {
        "spea-3030"
    }
    fn description(&self) -> &str {
        "SPEA 3030 in-circuit test logs (many UUTs per file)"
    }
    fn patterns(&self) -> &[&str] {
        &["*.csv", "*.txt"]
    }
    fn parameters(&self) -> &[Parameter] {
        PARAMETERS
    }

    fn detect(&self, source: &Source<'_>) -> Confidence {
        let head = source.head(4096);
        let mut lines = head.lines().map(str::trim).filter(|l| !l.is_empty());
        let first = lines.next().unwrap_or("");
        let second = lines.next().unwrap_or("");
        let start = |l: &str| l.starts_with("START;") && l.matches(';').count() >= 7;
        if first.starts_with("FORMAT;") && start(second) {
            0.95
        } else if start(first) && head.contains("\nANL;") {
            0.8
        } else {
            0.0
        }
    }

    fn convert(&self, source: &Source<'_>, cx: &Context) -> Result<Vec<Report>, ConvertError> {
        let text = source.text();
        let pn = cx.text_or("part_number", "PN1");
        let rev = cx.text_or("revision", "1");
        let code = cx.process_code(None, 20)?;
        let station = cx.station_identity("SPEA3030");
        let zone = cx.time_zone()?;
        let mut reports = Vec::new();
        let mut board: Option<Board> = None;
        for (n, line) in numbered_lines(&text) {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split(';').collect();
            match fields[0] {
                "FORMAT" | "LOT" | "BOARDRESULT" => {}
                "START" => {
                    if let Some(open) = &board {
                        return Err(ConvertError::at_line(
                            n,
                            format!(
                                "START before the END of the board started on line {}",
                                open.line
                            ),
                        ));
                    }
                    let at = |i: usize| fields.get(i).copied().unwrap_or("").trim();
                    let start = datetime(at(6), at(7)).ok_or_else(|| {
                        ConvertError::at_line(
                            n,
                            format!(
                                "START: bad date/time {:?} {:?} (expected MM/dd/yyyy;HH:mm:ss)",
                                at(6),
                                at(7)
                            ),
                        )
                    })?;
                    board = Some(Board {
                        line: n,
                        start,
                        operator: at(5).to_string(),
                        sequence: at(2).to_string(),
                        version: at(3).to_string(),
                        serial: None,
                        rows: Vec::new(),
                    });
                }
                "SN" => {
                    let b = open(&mut board, n, "SN")?;
                    b.serial = Some(fields.get(1).copied().unwrap_or("").trim().to_string());
                }
                kind @ ("ANL" | "FUNC") => {
                    let b = open(&mut board, n, kind)?;
                    b.rows.push(row(kind, &fields, n)?);
                }
                "END" => {
                    let b = board
                        .take()
                        .ok_or_else(|| ConvertError::at_line(n, "END without START"))?;
                    let at = |i: usize| fields.get(i).copied().unwrap_or("").trim();
                    let end = datetime(at(2), at(3));
                    let passed = at(1).eq_ignore_ascii_case("PASS");
                    reports.push(b.build(&pn, &rev, code, &station, passed, end, zone)?);
                }
                other => {
                    return Err(ConvertError::at_line(
                        n,
                        format!("unknown record {other:?} (expected START, SN, ANL, FUNC, END …)"),
                    ))
                }
            }
        }
        if let Some(b) = board {
            return Err(ConvertError::at_line(
                b.line,
                "the board started here has no END line (truncated file?)",
            ));
        }
        if reports.is_empty() {
            return Err(ConvertError::new("no START … END block in the file"));
        }
        Ok(reports)
    }
}

fn open<'b>(
    board: &'b mut Option<Board>,
    line: usize,
    what: &str,
) -> Result<&'b mut Board, ConvertError> {
    board
        .as_mut()
        .ok_or_else(|| ConvertError::at_line(line, format!("{what} outside a START … END block")))
}

fn datetime(date: &str, time: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(&format!("{date} {time}"), "%m/%d/%Y %H:%M:%S").ok()
}

/// One measurement row.
struct Row {
    functional: bool,
    reference: String,
    name: String,
    passed: bool,
    value: f64,
    low: f64,
    high: f64,
    unit: String,
}

/// `Automatic` → 0, `-NAN` → NaN, empty → 0.
fn number(text: &str, line: usize, column: &str) -> Result<f64, ConvertError> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("automatic") {
        return Ok(0.0);
    }
    if t.eq_ignore_ascii_case("-nan") || t.eq_ignore_ascii_case("nan") {
        return Ok(f64::NAN);
    }
    parse_number(t)
        .ok_or_else(|| ConvertError::at_line(line, format!("{column}: {t:?} is not a number")))
}

fn row(kind: &str, fields: &[&str], line: usize) -> Result<Row, ConvertError> {
    if fields.len() < 11 {
        return Err(ConvertError::at_line(
            line,
            format!(
                "{kind} row has {} fields, expected at least 11",
                fields.len()
            ),
        ));
    }
    Ok(Row {
        functional: kind == "FUNC",
        reference: fields[2].trim().to_string(),
        name: fields[5].trim().to_string(),
        passed: fields[7].trim().to_ascii_uppercase().starts_with("PASS"),
        value: number(fields[8], line, "measured value")?,
        low: number(fields[9], line, "low limit")?,
        high: number(fields[10], line, "high limit")?,
        unit: fields
            .get(11)
            .map(|u| u.trim().to_string())
            .unwrap_or_default(),
    })
}

/// The component type of a step reference, from its alphabetic prefix.
fn component_group(reference: &str) -> String {
    let prefix: String = reference
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let name = match prefix.to_ascii_uppercase().as_str() {
        "R" | "RP" | "RS" => "Resistors",
        "C" | "CS" | "CP" | "DSC" => "Capacitors",
        "L" => "Inductors",
        "D" => "Diodes",
        "Q" => "Transistors",
        "CON" => "Connectors",
        "SHO" => "Short",
        "TC" => "Thermocouple",
        "PTC" => "PTC",
        "DZ" => "ZenerDiodes",
        "F" => "Fuses",
        "J" => "Jumpers",
        "T" => "Transformers",
        "ISO" => "Isolators",
        "U" => "ICs",
        "" => "Other",
        _ => return prefix,
    };
    name.to_string()
}

struct Board {
    line: usize,
    start: NaiveDateTime,
    operator: String,
    sequence: String,
    version: String,
    serial: Option<String>,
    rows: Vec<Row>,
}

impl Board {
    #[allow(clippy::too_many_arguments)]
    fn build(
        self,
        pn: &str,
        rev: &str,
        code: i64,
        station: &(String, String, String),
        passed: bool,
        end: Option<NaiveDateTime>,
        zone: crate::source::Zone,
    ) -> Result<Report, ConvertError> {
        let serial = self.serial.filter(|s| !s.is_empty()).ok_or_else(|| {
            ConvertError::at_line(self.line, "the board started here has no SN line")
        })?;
        let mut b = ReportBuilder::uut(pn, serial, rev, code)
            .station(&station.0, &station.1, &station.2)
            .start(zone.timestamp(self.start))
            .result(if passed {
                Status::Passed
            } else {
                Status::Failed
            });
        if !self.operator.is_empty() {
            b = b.operator(self.operator.clone());
        }
        if let Some(end) = end {
            let secs = (end - self.start).num_milliseconds() as f64 / 1000.0;
            if secs >= 0.0 {
                b = b.exec_time(secs);
            }
        }
        if !self.sequence.is_empty() {
            if let Some(root) = b.group("").step_mut().seq_call.as_mut() {
                root.name = Some(self.sequence.clone());
                root.version = Some(self.version.clone()).filter(|v| !v.is_empty());
            }
        }
        for r in self.rows {
            let group = if r.functional {
                "Functional".to_string()
            } else {
                component_group(&r.reference)
            };
            let status = if r.passed {
                Status::Passed
            } else {
                Status::Failed
            };
            let mut g = b.group(&group);
            let name = if r.name.is_empty() {
                r.reference.clone()
            } else {
                r.name.clone()
            };
            if r.value == 0.0 && r.low == 0.0 && r.high == 0.0 {
                g.add_step(name, r.passed).status(status);
                continue;
            }
            let (op, low, high) = if r.low == 0.0 && r.high != 0.0 {
                (CompOp::LE, Some(r.high), None)
            } else if r.high == 0.0 {
                (CompOp::GE, Some(r.low), None)
            } else {
                (CompOp::GELE, Some(r.low), Some(r.high))
            };
            let value = if r.value.is_nan() { 0.0 } else { r.value };
            let mut step = g
                .add_step(name, value)
                .compare(op, low, high)
                .status(status);
            if !r.unit.is_empty() {
                step = step.unit(r.unit.clone());
            }
            if r.value.is_nan() {
                let _ = step.report_text("the tester measured no value (NAN)");
            }
        }
        Ok(b.build_unchecked())
    }
}
