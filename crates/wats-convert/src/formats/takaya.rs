//! TAKAYA flying probe test results (`.ATD`, tab-separated).
//!
//! ```text
//! @
//! * PASS *
//! D.T:27    D.P:24    D.F:3    G.T:434   G.P:412   G.F:22
//! Model:V682780_B_BOT.SWX
//! DATE 1/3/2023 08:20:27
//! Test time:14 s
//! Test ID :TAK4
//! @
//! * GROUP No.1   *
//! * PASS *
//! Serial No.:0601994566
//! Group_No.→Step_number→Parts→Value→Unit→Comment→…→Judgement→Ref. Value (EL, Fig, Char)→Unit→Test Value 1 …→Test Value 2 …→…→Tolerance (+)%→Tolerance (-)%→…→Function→…
//! 01→000003→L2→10→uH→B171440→…→PASS→L→5.52E-6→…→UH→L→5.3E-6→…
//! ```
//!
//! The header between the `@` lines gives the part number (`Model:` without its extension),
//! the start (`DATE d/M/yyyy HH:mm:ss`, the `time_zone` argument applies), the test time and
//! the tester (`Test ID`, the station unless the configuration names one). Each
//! `* GROUP No.n *` is one board of the panel and one report: its `Serial No.` and its
//! verdict line (`* PASS *` / `* FAIL *`).
//!
//! Every data row is a numeric step named `Parts Net-Net`: the measured value is the
//! retest value (Test Value 2) when the tester made one, else Test Value 1; values are in base
//! units (the unit column `O`, `KO`, `UH`, `PF`, `V`… names the kind: Ω, H, F, V, A). The
//! comparison follows the row's function code: `**` → `GELE` between reference × (1 + tol+)
//! and reference × (1 + tol−); `SH` (short) → `LT 10`; `OP` (open) → `GT 100`; `D` → `LTGE`;
//! `E` → `LE` reference; `F` → `GE` reference; `JP` (jump) and rows judged `......` are
//! skipped steps. The status is the tester's judgement (`PASS` passed, otherwise failed); the
//! row's comment, pins and nets are the report text. The tester's verdict is the report's
//! result. Operation `process_code` (default 30, flying probe; 10 when the file name
//! contains `_debug`), revision `revision` (default `1`).

use chrono::NaiveDateTime;
use wats_report::rules::Mode;
use wats_report::{CompOp, Report, ReportBuilder, Status};

use crate::util::{numbered_lines, parse_number};
use crate::{Confidence, Context, ConvertError, Converter, Parameter, Source};

/// The TAKAYA ATD converter.
#[derive(Clone, Copy, Debug, Default)]
pub struct TakayaAtd;

pub(crate) const PARAMETERS: &[Parameter] = &[
    Parameter {
        name: "process_code",
        description: "operation code; default 30 (flying probe), 10 for files named *_debug*",
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

/// The panel header shared by both ATD variants.
#[derive(Debug, Default, Clone)]
pub(crate) struct Header {
    pub model: Option<String>,
    pub date: Option<NaiveDateTime>,
    pub test_time: Option<f64>,
    pub tester: Option<String>,
}

/// Reads a header line into `h`; false when the line is not a header line.
pub(crate) fn header_line(h: &mut Header, line: &str, n: usize) -> Result<bool, ConvertError> {
    if let Some(m) = line.strip_prefix("Model:") {
        let m = m.trim();
        let model = match m.rsplit_once('.') {
            Some((stem, ext)) if ext.to_ascii_uppercase().starts_with("SWX") => stem,
            _ => m,
        };
        h.model = Some(model.to_string()).filter(|s| !s.is_empty());
    } else if let Some(d) = line.strip_prefix("DATE") {
        let d = d.trim();
        // A two-digit year is `yy` (chrono would read `%Y` as the year 24).
        let year_digits = d
            .split_whitespace()
            .next()
            .and_then(|date| date.rsplit('/').next())
            .map_or(0, str::len);
        let format = if year_digits == 2 {
            "%d/%m/%y %H:%M:%S"
        } else {
            "%d/%m/%Y %H:%M:%S"
        };
        let parsed = NaiveDateTime::parse_from_str(d, format).ok();
        h.date = Some(parsed.ok_or_else(|| {
            ConvertError::at_line(n, format!("DATE {d:?} is not d/M/yyyy HH:mm:ss"))
        })?);
    } else if let Some(t) = line.strip_prefix("Test time:") {
        h.test_time = parse_number(t.trim().trim_end_matches('s'));
    } else if let Some(t) = line.strip_prefix("Test ID") {
        h.tester =
            Some(t.trim_start_matches([' ', ':']).trim().to_string()).filter(|s| !s.is_empty());
    } else {
        return Ok(false);
    }
    Ok(true)
}

/// `* PASS *`, `* FAIL *` → the verdict.
pub(crate) fn verdict(line: &str) -> Option<Status> {
    let inner = line.strip_prefix('*')?.strip_suffix('*')?.trim();
    match inner {
        "PASS" => Some(Status::Passed),
        "FAIL" | "NG" => Some(Status::Failed),
        _ => None,
    }
}

/// The unit of a unit column (`O`, `KO`, `UH`, `PF`…): the kind only, values are base units.
pub(crate) fn base_unit(unit: &str) -> &'static str {
    let u = unit.trim().to_ascii_uppercase();
    match u.chars().last() {
        Some('O') => "Ω",
        Some('H') => "H",
        Some('F') => "F",
        Some('V') => "V",
        Some('A') => "A",
        _ => "",
    }
}

/// A percentage like `+10%` or `-10%` as a fraction.
pub(crate) fn percent(text: &str) -> Option<f64> {
    parse_number(text.trim().trim_end_matches('%')).map(|p| p / 100.0)
}

/// One measured row, as both variants read it.
pub(crate) struct Row {
    pub name: String,
    pub text: String,
    pub judgement: String,
    pub reference: Option<f64>,
    pub value: Option<f64>,
    pub unit: &'static str,
    pub tol_plus: Option<f64>,
    pub tol_minus: Option<f64>,
    pub function: String,
}

/// Adds a row as a step.
pub(crate) fn add_row(group: &mut wats_report::builder::Group<'_>, row: Row) {
    let judged = row.judgement.trim();
    let skipped =
        row.function.trim() == "JP" || judged.chars().all(|c| c == '.') || judged.is_empty();
    let status = if skipped {
        Status::Skipped
    } else if judged.eq_ignore_ascii_case("PASS") {
        Status::Passed
    } else {
        Status::Failed
    };
    let Some(value) = row.value.filter(|_| !skipped) else {
        let mut s = group.add_step(row.name, ()).status(status);
        if !row.text.is_empty() {
            s = s.report_text(&row.text);
        }
        let _ = s;
        return;
    };
    let r = row.reference;
    let (op, low, high) = match row.function.trim() {
        "**" => match (r, row.tol_plus, row.tol_minus) {
            (Some(r), Some(p), Some(m)) => {
                let (a, b) = (r * (1.0 + m), r * (1.0 + p));
                (CompOp::GELE, Some(a.min(b)), Some(a.max(b)))
            }
            _ => (CompOp::LOG, None, None),
        },
        "SH" => (CompOp::LT, Some(10.0), None),
        "OP" => (CompOp::GT, Some(100.0), None),
        "D" => (
            CompOp::LTGE,
            r.map(|r| r * (1.0 + row.tol_plus.unwrap_or(0.0))),
            r.map(|r| r * (1.0 + row.tol_minus.unwrap_or(0.0))),
        ),
        "E" => (CompOp::LE, r, None),
        "F" => (CompOp::GE, r, None),
        _ => (CompOp::LOG, None, None),
    };
    let (op, low, high) = if op != CompOp::LOG && low.is_none() {
        (CompOp::LOG, None, None)
    } else {
        (op, low, high)
    };
    let mut s = group
        .add_step(row.name, value)
        .compare(op, low, high)
        .status(status);
    if !row.unit.is_empty() {
        s = s.unit(row.unit);
    }
    if !row.text.is_empty() {
        s = s.report_text(&row.text);
    }
    let _ = s;
}

impl Converter for TakayaAtd {
    fn name(&self) -> &str {
        "takaya"
    }
    fn description(&self) -> &str {
        "TAKAYA flying probe ATD logs"
    }
    fn patterns(&self) -> &[&str] {
        &["*.ATD", "*.atd"]
    }
    fn parameters(&self) -> &[Parameter] {
        PARAMETERS
    }

    fn detect(&self, source: &Source<'_>) -> Confidence {
        let head = source.head(8192);
        let takaya = head.starts_with('@') || head.contains("\n* GROUP No.");
        match (
            takaya && head.contains("Model:"),
            head.contains("Group_No.\tStep_number"),
        ) {
            (true, true) => 0.97,
            (true, false) => 0.15,
            (false, true) => 0.6,
            _ => 0.0,
        }
    }

    fn convert(&self, source: &Source<'_>, cx: &Context) -> Result<Vec<Report>, ConvertError> {
        let text = source.text();
        let mut header = Header::default();
        let mut groups: Vec<Group> = Vec::new();
        for (n, raw) in numbered_lines(&text) {
            let line = raw.trim_end();
            let trimmed = line.trim();
            if trimmed.is_empty()
                || trimmed == "@"
                || trimmed.starts_with("D.T:")
                || trimmed.starts_with("Group_No.")
            {
                continue;
            }
            if trimmed.starts_with("* GROUP No.") {
                groups.push(Group {
                    line: n,
                    verdict: None,
                    serial: None,
                    rows: Vec::new(),
                });
                continue;
            }
            if let Some(v) = verdict(trimmed) {
                if let Some(g) = groups.last_mut() {
                    g.verdict = Some(v);
                }
                continue;
            }
            if groups.is_empty() && header_line(&mut header, trimmed, n)? {
                continue;
            }
            if let Some(sn) = trimmed.strip_prefix("Serial No.:") {
                let g = groups
                    .last_mut()
                    .ok_or_else(|| ConvertError::at_line(n, "Serial No. before any GROUP"))?;
                g.serial = Some(sn.trim().to_string());
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 20 {
                if groups.is_empty() {
                    continue; // other header lines
                }
                return Err(ConvertError::at_line(
                    n,
                    format!(
                        "a data row with {} columns, expected at least 20",
                        cols.len()
                    ),
                ));
            }
            let g = groups
                .last_mut()
                .ok_or_else(|| ConvertError::at_line(n, "a data row before any GROUP"))?;
            g.rows
                .push((n, cols.iter().map(|c| c.trim().to_string()).collect()));
        }
        if groups.is_empty() {
            return Err(ConvertError::new("no \"* GROUP No.\" block in the file"));
        }
        let pn = cx
            .text("part_number")
            .or(header.model.clone())
            .ok_or_else(|| ConvertError::new("no Model: line and no part_number argument"))?;
        let debug = source.file_name().to_ascii_lowercase().contains("_debug");
        let code = cx.process_code(None, if debug { 10 } else { 30 })?;
        let (mut station, location, purpose) = cx.station_identity("TAKAYA");
        if let Some(t) = &header.tester {
            station = t.clone();
        }
        groups
            .into_iter()
            .map(|g| {
                let sn =
                    g.serial.clone().filter(|s| !s.is_empty()).ok_or_else(|| {
                        ConvertError::at_line(g.line, "the group has no Serial No.")
                    })?;
                let mut b = ReportBuilder::uut(pn.clone(), sn, cx.text_or("revision", "1"), code)
                    .station(station.clone(), location.clone(), purpose.clone())
                    .mode(Mode::Import)
                    .result(g.verdict.unwrap_or(Status::Passed));
                if let Some(d) = header.date {
                    b = b.start(cx.timestamp(d)?);
                }
                if let Some(t) = header.test_time {
                    b = b.exec_time(t);
                }
                {
                    let mut main = b.group("");
                    for (n, c) in &g.rows {
                        let col = |i: usize| c.get(i - 1).map(String::as_str).unwrap_or("");
                        if col(3) == "*" {
                            continue; // the after-correction row
                        }
                        let num = |i: usize| -> Result<Option<f64>, ConvertError> {
                            let t = col(i);
                            if t.is_empty() || t.chars().all(|c| c == '.' || c == '*') {
                                return Ok(None);
                            }
                            parse_number(t).map(Some).ok_or_else(|| {
                                ConvertError::at_line(
                                    *n,
                                    format!("column {i}: {t:?} is not a number"),
                                )
                            })
                        };
                        let retest = !col(27).chars().all(|c| c == '.') && !col(25).is_empty();
                        let value = if retest { num(26)? } else { num(22)? };
                        let nets = [col(9), col(11)]
                            .iter()
                            .filter(|s| !s.is_empty() && **s != "*")
                            .cloned()
                            .collect::<Vec<_>>()
                            .join("-");
                        let name = if nets.is_empty() {
                            col(3).to_string()
                        } else {
                            format!("{} {nets}", col(3))
                        };
                        let text = format!(
                            "#{} {} Tol+:{} Tol-:{} H-pin:{} L-pin:{}",
                            col(2),
                            col(6),
                            col(34),
                            col(35),
                            col(8),
                            col(10)
                        );
                        add_row(
                            &mut main,
                            Row {
                                name,
                                text,
                                judgement: col(16).to_string(),
                                reference: num(18)?,
                                value,
                                unit: base_unit(if col(24).is_empty() { col(20) } else { col(24) }),
                                tol_plus: percent(col(34)),
                                tol_minus: percent(col(35)),
                                function: col(56).to_string(),
                            },
                        );
                    }
                }
                Ok(b.build_unchecked())
            })
            .collect()
    }
}

struct Group {
    line: usize,
    verdict: Option<Status>,
    serial: Option<String>,
    rows: Vec<(usize, Vec<String>)>,
}
