//! TAKAYA APT-94xx flying probe results (`.ATD` with quoted, space-padded fields).
//!
//! ```text
//! @
//! * PASS *
//! Model:DEMO-PANEL-C_V1.SWX2
//! DATE 01/01/24 08:00:00
//! Test ID :FP1
//! @
//! * GROUP No.20  *
//! * PASS *
//! Serial No.:11111-BV0001 (AT33)
//! 000946 "R1   " "4.7KO  " "EXPART-3  " 338 324 " 4.21 KO " " 4.30 KO " "........" +5% -5% "PASS " "DC-CC" "Range 5" "2.0 ms" "( -, N, +, N) " 0 0 "**"
//! ```
//!
//! The header (between `@` lines) is read as for [`super::takaya`]: part number from
//! `Model:`, start from `DATE` (`dd/MM/yy` or `dd/MM/yyyy`), station from `Test ID`. A file
//! may hold two header blocks (bottom and top side): each starts a side, kept as misc info
//! `Side` (from `_BOT`/`_TOP` in the model name, else the block's order), with the operation
//! `process_code_bottom` / `process_code_top` (default 30 both; the TAKAYA tools use 31 for
//! the bottom side when the server knows that operation). Every `* GROUP No.n *` is one board,
//! one report. `Serial No.:` is `<batch> - <serial> (<operator> - <operator 2>)` or
//! `<serial> (<operator>)`: the serial number, the operator, misc infos `Batch` and
//! `Operator 2`.
//!
//! Rows: step number, part, nominal value, nets, H-pin, L-pin, reference, measured value,
//! retest value, tolerance +, tolerance −, judgement, mode, range, time, probes, …, function.
//! Values carry their unit with a prefix (`4.21 KO`, `10.2 UF`; `M` is mega for ohms, milli
//! otherwise) and are converted to base units. The retest value, when the tester made one, is
//! the measurement (the first value goes to the report text). Comparisons and statuses as in
//! [`super::takaya`] (function codes `**`, `SH`, `OP`, `D`, `E`, `F`, `JP`).

use wats_report::rules::Mode;
use wats_report::{Report, ReportBuilder, Status};

use super::takaya::{add_row, base_unit, header_line, percent, verdict, Header, Row};
use crate::util::{numbered_lines, parse_number};
use crate::{Confidence, Context, ConvertError, Converter, Parameter, Source};

/// The TAKAYA APT-94xx converter.
#[derive(Clone, Copy, Debug, Default)]
pub struct TakayaApt94xx;

const PARAMETERS: &[Parameter] = &[
    Parameter {
        name: "process_code_bottom",
        description: "operation code of the bottom side; default 30",
    },
    Parameter {
        name: "process_code_top",
        description: "operation code of the top side; default 30",
    },
    Parameter {
        name: "revision",
        description: "revision (the file has none); default 1",
    },
    Parameter {
        name: "part_number",
        description: "part number instead of the Model line",
    },
    Parameter {
        name: "time_zone",
        description: "zone of the DATE line: local (default), UTC, +02:00",
    },
];

/// Splits a row into its fields: quoted strings (kept without the quotes) and bare words.
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut s = String::new();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                s.push(c);
            }
            out.push(s.trim().to_string());
        } else {
            let mut s = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                s.push(c);
                chars.next();
            }
            out.push(s);
        }
    }
    out
}

/// `4.21 KO` → (4210, Ω).
fn quantity(text: &str, n: usize) -> Result<(Option<f64>, &'static str), ConvertError> {
    let t = text.trim();
    if t.is_empty() || t.chars().all(|c| c == '.' || c == '*') {
        return Ok((None, ""));
    }
    let (number, unit) = t.split_once(' ').unwrap_or((t, ""));
    let v = parse_number(number)
        .ok_or_else(|| ConvertError::at_line(n, format!("value {t:?} is not a number")))?;
    let unit = unit.trim();
    let base = base_unit(unit);
    let prefix = if unit.len() > 1 {
        unit.chars().next()
    } else {
        None
    };
    let scale = match prefix.map(|c| c.to_ascii_uppercase()) {
        Some('K') => 1e3,
        Some('M') if base == "Ω" => 1e6,
        Some('M') => 1e-3,
        Some('U') => 1e-6,
        Some('N') => 1e-9,
        Some('P') => 1e-12,
        _ => 1.0,
    };
    Ok((Some(v * scale), base))
}

struct Board {
    line: usize,
    side: usize,
    verdict: Option<Status>,
    serial: Option<String>,
    rows: Vec<(usize, Vec<String>)>,
}

impl Converter for TakayaApt94xx {
    fn name(&self) -> &str {
        "takaya-apt94xx"
    }
    fn description(&self) -> &str {
        "TAKAYA APT-94xx flying probe ATD logs (one report per panel serial)"
    }
    fn patterns(&self) -> &[&str] {
        &["*.ATD", "*.atd"]
    }
    fn parameters(&self) -> &[Parameter] {
        PARAMETERS
    }

    fn detect(&self, source: &Source<'_>) -> Confidence {
        let head = source.head(8192);
        let takaya = head.trim_start().starts_with('@') && head.contains("Model:");
        let quoted_rows = head.lines().any(|l| {
            l.len() > 8
                && l.as_bytes()[..6].iter().all(u8::is_ascii_digit)
                && l[6..].trim_start().starts_with('"')
        });
        match (takaya, quoted_rows) {
            (true, true) => 0.97,
            (false, true) => 0.6,
            _ => 0.0,
        }
    }

    fn convert(&self, source: &Source<'_>, cx: &Context) -> Result<Vec<Report>, ConvertError> {
        let text = source.text();
        let mut headers: Vec<Header> = Vec::new();
        let mut in_header = false;
        let mut boards: Vec<Board> = Vec::new();
        for (n, raw) in numbered_lines(&text) {
            let line = raw.trim();
            if line.is_empty() || line.starts_with("D.T:") {
                continue;
            }
            if line == "@" {
                if !in_header {
                    headers.push(Header::default());
                }
                in_header = !in_header;
                continue;
            }
            if in_header {
                let h = headers.last_mut().expect("pushed at the first @");
                let _ = header_line(h, line, n)?;
                continue;
            }
            if line.starts_with("* GROUP No.") {
                if headers.is_empty() {
                    return Err(ConvertError::at_line(n, "a GROUP before the @ header"));
                }
                boards.push(Board {
                    line: n,
                    side: headers.len() - 1,
                    verdict: None,
                    serial: None,
                    rows: Vec::new(),
                });
                continue;
            }
            if let Some(v) = verdict(line) {
                if let Some(b) = boards.last_mut() {
                    b.verdict = Some(v);
                }
                continue;
            }
            if let Some(sn) = line.strip_prefix("Serial No.:") {
                let b = boards
                    .last_mut()
                    .ok_or_else(|| ConvertError::at_line(n, "Serial No. before any GROUP"))?;
                b.serial = Some(sn.trim().to_string());
                continue;
            }
            let f = fields(line);
            if f.len() < 12 || !f[0].chars().all(|c| c.is_ascii_digit()) {
                return Err(ConvertError::at_line(
                    n,
                    format!("unrecognised line {line:?} (a row needs at least 12 fields)"),
                ));
            }
            let b = boards
                .last_mut()
                .ok_or_else(|| ConvertError::at_line(n, "a data row before any GROUP"))?;
            b.rows.push((n, f));
        }
        if in_header {
            // A lone `@` after the last board ends the file; a header with content does not.
            let last = headers.pop().unwrap_or_default();
            if last.model.is_some() || last.date.is_some() || last.tester.is_some() {
                return Err(ConvertError::new(
                    "the last @ header block is not closed (truncated file?)",
                ));
            }
        }
        if boards.is_empty() {
            return Err(ConvertError::new("no \"* GROUP No.\" block in the file"));
        }
        let revision = cx.text_or("revision", "1");
        boards
            .into_iter()
            .map(|board| {
                let h = &headers[board.side];
                let model = h.model.clone().unwrap_or_default();
                let upper = model.to_ascii_uppercase();
                let side = if upper.contains("_TOP") || upper.ends_with("TOP") {
                    "Top"
                } else if upper.contains("_BOT") || board.side == 0 {
                    "Bottom"
                } else {
                    "Top"
                };
                let code = if side == "Top" {
                    cx.integer("process_code_top")?.unwrap_or(30)
                } else {
                    cx.integer("process_code_bottom")?.unwrap_or(30)
                };
                let pn = cx.text("part_number").or(h.model.clone()).ok_or_else(|| {
                    ConvertError::at_line(board.line, "no Model: line and no part_number argument")
                })?;
                let serial_line = board.serial.clone().ok_or_else(|| {
                    ConvertError::at_line(board.line, "the group has no Serial No.")
                })?;
                let (left, ops) = match serial_line.split_once('(') {
                    Some((l, r)) => (
                        l.trim().to_string(),
                        Some(r.trim_end_matches(')').trim().to_string()),
                    ),
                    None => (serial_line.trim().to_string(), None),
                };
                let (batch, sn) = match left.split_once(" - ") {
                    Some((b, s)) => (Some(b.trim().to_string()), s.trim().to_string()),
                    None => (None, left),
                };
                if sn.is_empty() {
                    return Err(ConvertError::at_line(
                        board.line,
                        "the serial number is empty",
                    ));
                }
                let (mut station, location, purpose) = cx.station_identity("TAKAYA");
                if let Some(t) = &h.tester {
                    station = t.clone();
                }
                let mut b = ReportBuilder::uut(pn, sn, revision.clone(), code)
                    .station(station, location, purpose)
                    .mode(Mode::Import)
                    .result(board.verdict.unwrap_or(Status::Passed));
                if let Some(d) = h.date {
                    b = b.start(cx.timestamp(d)?);
                }
                if let Some(t) = h.test_time {
                    b = b.exec_time(t);
                }
                if let Some(ops) = ops {
                    let (op1, op2) = match ops.split_once(" - ") {
                        Some((a, c)) => (a.trim().to_string(), Some(c.trim().to_string())),
                        None => (ops, None),
                    };
                    if !op1.is_empty() {
                        b = b.operator(op1);
                    }
                    if let Some(op2) = op2.filter(|o| !o.is_empty()) {
                        b.misc_info("Operator 2", op2);
                    }
                }
                if let Some(batch) = batch {
                    b.misc_info("Batch", batch);
                }
                b.misc_info("Side", side);
                {
                    let mut main = b.group("");
                    for (n, f) in &board.rows {
                        let get = |i: usize| f.get(i).map(String::as_str).unwrap_or("");
                        let (reference, _) = quantity(get(6), *n)?;
                        let (first, unit1) = quantity(get(7), *n)?;
                        let (retest, unit2) = quantity(get(8), *n)?;
                        let value = retest.or(first);
                        let unit = if retest.is_some() { unit2 } else { unit1 };
                        let mut text = format!(
                            "#{} {} {} H-pin:{} L-pin:{}",
                            get(0),
                            get(2),
                            get(3),
                            get(4),
                            get(5)
                        );
                        if retest.is_some() {
                            text.push_str(&format!(" first value:{}", get(7)));
                        }
                        let name = if get(3).is_empty() {
                            get(1).to_string()
                        } else {
                            format!("{} {}", get(1), get(3))
                        };
                        add_row(
                            &mut main,
                            Row {
                                name,
                                text,
                                judgement: get(11).to_string(),
                                reference,
                                value,
                                unit,
                                tol_plus: percent(get(9)),
                                tol_minus: percent(get(10)),
                                function: f.last().cloned().unwrap_or_default(),
                            },
                        );
                    }
                }
                Ok(b.build_unchecked())
            })
            .collect()
    }
}
