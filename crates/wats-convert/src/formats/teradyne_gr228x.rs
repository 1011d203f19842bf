//! Teradyne GR228X in-circuit test logs (text).
//!
//! ```text
//! F:\BOARDS\43420_BIO2_PROGRAM\43420_BIO2.obc[31-JUL-12  14:17:35     program and load time
//! @31-JUL-12  14:19:32 SN 24422984989544535753                        a board starts
//! WATS_partNumber=123456                                              optional overrides
//! (O 397,398,                                                         general failure (opens)
//! R508=100.20007K(92.919K,105.131K)R                                  a measurement
//! D103_B1=                                                            a test without value
//! /31-JUL-12  14:19:49                                                the board's verdict
//! ```
//!
//! Every board between an `@… SN` line and its verdict line is one UUT report. The verdict's
//! first character: `"` passed, `/` failed, `?` aborted and `!` cancelled (terminated; a
//! terminated board without steps is not reported), `*` error and `&` system error (error);
//! `]` (return to diagnostics) is ignored. The execution time is the verdict's time minus the
//! board's start.
//!
//! A measurement line is `Ref<r>value(low,high)Type`: `<r>` is `=` (passed), `#` (done, not
//! judged) or `<` `>` `%` (failed); numbers carry SI prefixes (`P` `N` `U` `M` `K` `MEG`),
//! which are applied, so values and limits are in base units and the unit comes from the test
//! type (`R`/`AR` Ω, `CP`/`CS`/`C` F, `L` H, `V`/`DC`/`AC` V, `I` A). Both limits give `GELE`,
//! one `GE` or `LE`, none `LOG`; a line without a value is a pass/fail step, except `IS`/`VS`
//! (setup) lines, which are dropped. The step is named `Ref(Type)`. Steps go into sequences
//! `<first character>-Group<n>`, a new one whenever the reference's first character changes.
//! General failures — `(S` shorts, `(O` opens, `(B` bus test, `(C` scratch probing, `(F`
//! fixture contact — are failed string steps named after the category, the line as text.
//!
//! Header: part number from `WATS_partNumber=`, else the log file name up to its first `_`
//! (or `.`), else `part_number`; revision `WATS_partRevision=` / `revision` (default `1.0`);
//! the sequence name and version from `WATS_sequenceName=` / `WATS_sequenceVersion=`, else the
//! program file's name; operator `WATS_operator=` / `operator` (default `sysoper`); station
//! `WATS_stationName=`, else the station's configuration. A `TOP_OF_LOOP-A`…`H` line sets
//! the panel socket (1–8). Operation code: `process_code` (default 20, ICT in the default process list).

use chrono::NaiveDateTime;
use wats_report::{CompOp, Report, ReportBuilder, Status};

use crate::util::{numbered_lines, parse_number};
use crate::{Confidence, Context, ConvertError, Converter, Parameter, Source};

/// The Teradyne GR228X converter.
#[derive(Clone, Copy, Debug, Default)]
pub struct TeradyneGr228x;

const PARAMETERS: &[Parameter] = &[
    Parameter {
        name: "part_number",
        description: "part number when neither WATS_partNumber= nor the file name gives one",
    },
    Parameter {
        name: "revision",
        description: "revision when the log has no WATS_partRevision=; default 1.0",
    },
    Parameter {
        name: "operator",
        description: "operator when the log has no WATS_operator=; default sysoper",
    },
    Parameter {
        name: "process_code",
        description: "operation code; default 20 (ICT)",
    },
    Parameter {
        name: "time_zone",
        description: "zone of the log's times: local (default), UTC, +02:00",
    },
];

impl Converter for TeradyneGr228x {
    fn name(&self) -> &str {
        "teradyne-gr228x"
    }
    fn description(&self) -> &str {
        "Teradyne GR228X in-circuit test logs"
    }
    fn patterns(&self) -> &[&str] {
        &["*.log", "*.LOG"]
    }
    fn parameters(&self) -> &[Parameter] {
        PARAMETERS
    }

    fn detect(&self, source: &Source<'_>) -> Confidence {
        let head = source.head(4096);
        // Neither pattern holds a line break: one search of the whole head finds it.
        let program = head.contains(".obc[") || head.contains(".OBC[");
        let board = head
            .lines()
            .any(|l| l.starts_with('@') && l.contains(" SN "));
        match (program, board) {
            (true, true) => 0.95,
            (true, false) | (false, true) => 0.5,
            _ => 0.0,
        }
    }

    fn convert(&self, source: &Source<'_>, cx: &Context) -> Result<Vec<Report>, ConvertError> {
        let text = source.text();
        let zone = cx.time_zone()?;
        let code = cx.process_code(None, 20)?;
        let file_pn = {
            let name = source.file_name();
            let cut = name
                .find('_')
                .or_else(|| name.find('.'))
                .unwrap_or(name.len());
            Some(name[..cut].to_string()).filter(|s| !s.is_empty())
        };
        let mut program: Option<String> = None;
        let mut board: Option<Board> = None;
        let mut reports = Vec::new();
        for (n, raw) in numbered_lines(&text) {
            let line = raw.trim_end();
            if line.trim().is_empty() {
                continue;
            }
            if let Some(at) = line.find(".obc[").or_else(|| line.find(".OBC[")) {
                let path = &line[..at + 4];
                let stem = path.rsplit(['\\', '/']).next().unwrap_or(path);
                program = Some(
                    stem.trim_end_matches(".obc")
                        .trim_end_matches(".OBC")
                        .to_string(),
                );
                continue;
            }
            let first = line.chars().next().unwrap_or(' ');
            match first {
                '@' => {
                    if let Some(open) = &board {
                        return Err(ConvertError::at_line(
                            n,
                            format!(
                                "a new board starts before the verdict of the board on line {}",
                                open.line
                            ),
                        ));
                    }
                    let rest = &line[1..];
                    let (time, serial) = rest.split_once(" SN ").ok_or_else(|| {
                        ConvertError::at_line(n, "board line without \" SN <serial>\"")
                    })?;
                    let start = parse_time(time).ok_or_else(|| {
                        ConvertError::at_line(
                            n,
                            format!("bad time {:?} (expected DD-MMM-YY HH:MM:SS)", time.trim()),
                        )
                    })?;
                    board = Some(Board::new(n, start, serial.trim()));
                }
                '"' | '/' | '?' | '!' | '*' | '&' => {
                    let Some(b) = board.take() else {
                        return Err(ConvertError::at_line(
                            n,
                            "a verdict line without a board (@… SN …) before it",
                        ));
                    };
                    let end = parse_time(&line[1..]);
                    let status = match first {
                        '"' => Status::Passed,
                        '/' => Status::Failed,
                        '?' | '!' => Status::Terminated,
                        _ => Status::Error,
                    };
                    if status == Status::Terminated && b.steps.is_empty() {
                        continue;
                    }
                    let header = Header {
                        program: program.as_deref(),
                        file_pn: file_pn.as_deref(),
                        code,
                        zone,
                    };
                    reports.push(b.build(status, end, &header, cx)?);
                }
                ']' => {}
                '(' => {
                    let b = open(&mut board, n)?;
                    let category = match line.chars().nth(1) {
                        Some('S') => "Shorts",
                        Some('O') => "Opens",
                        Some('B') => "Bus test",
                        Some('C') => "Scratch probing",
                        Some('F') => "Fixture contact",
                        _ => "General failure",
                    };
                    b.steps.push(Line::General {
                        category,
                        text: line.get(2..).unwrap_or("").trim().to_string(),
                    });
                }
                _ => {
                    if let Some(value) = line.strip_prefix("WATS_") {
                        let b = open(&mut board, n)?;
                        let (key, v) = value.split_once('=').ok_or_else(|| {
                            ConvertError::at_line(n, format!("override line {line:?} has no '='"))
                        })?;
                        b.overrides.push((key.to_string(), v.trim().to_string()));
                        continue;
                    }
                    if let Some(pos) = line.find("TOP_OF_LOOP-") {
                        if let Some(b) = board.as_mut() {
                            let letter = line[pos + 12..].chars().next().unwrap_or(' ');
                            if ('A'..='H').contains(&letter) {
                                b.socket = Some(letter as i64 - 'A' as i64 + 1);
                            }
                        }
                        continue;
                    }
                    let b = open(&mut board, n)?;
                    if let Some(m) = measurement(line, n)? {
                        b.steps.push(m);
                    }
                }
            }
        }
        if let Some(b) = board {
            return Err(ConvertError::at_line(
                b.line,
                "the board started here has no verdict line (truncated log?)",
            ));
        }
        if reports.is_empty() {
            return Err(ConvertError::new("no board with a verdict in the log"));
        }
        Ok(reports)
    }
}

fn open(board: &mut Option<Board>, line: usize) -> Result<&mut Board, ConvertError> {
    board.as_mut().ok_or_else(|| {
        ConvertError::at_line(line, "a test line outside a board (before any @… SN line)")
    })
}

fn parse_time(text: &str) -> Option<NaiveDateTime> {
    let t: Vec<&str> = text.split_whitespace().collect();
    if t.len() < 2 {
        return None;
    }
    let date = t[0];
    // Month names in either case (`JUL`, `jul`).
    let mut parts = date.splitn(3, '-');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    let mut chars = m.chars();
    let m: String = chars
        .next()
        .map(|c| c.to_ascii_uppercase())
        .into_iter()
        .chain(chars.map(|c| c.to_ascii_lowercase()))
        .collect();
    NaiveDateTime::parse_from_str(&format!("{d}-{m}-{y} {}", t[1]), "%d-%b-%y %H:%M:%S").ok()
}

/// A number with a GR228X prefix (`100.2K`, `45.1MEG`, `10.2N`, `520.7M`).
fn prefixed(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let upper = t.to_ascii_uppercase();
    let (number, scale) = if let Some(n) = upper.strip_suffix("MEG") {
        (n, 1e6)
    } else {
        match upper.chars().last()? {
            'P' => (&upper[..upper.len() - 1], 1e-12),
            'N' => (&upper[..upper.len() - 1], 1e-9),
            'U' => (&upper[..upper.len() - 1], 1e-6),
            'M' => (&upper[..upper.len() - 1], 1e-3),
            'K' => (&upper[..upper.len() - 1], 1e3),
            _ => (upper.as_str(), 1.0),
        }
    };
    parse_number(number).map(|v| v * scale)
}

fn unit_of(kind: &str) -> &'static str {
    match kind {
        "R" | "AR" => "Ω",
        "C" | "CP" | "CS" | "AC_C" => "F",
        "L" | "AL" => "H",
        "V" | "DC" | "AC" | "AV" | "VS" => "V",
        "I" | "AI" | "IS" => "A",
        _ => "",
    }
}

/// Parses a measurement line; `None` for setup lines (`IS`/`VS` without a value).
fn measurement(line: &str, n: usize) -> Result<Option<Line>, ConvertError> {
    let at = line
        .find(['=', '#', '<', '>', '%'])
        .ok_or_else(|| ConvertError::at_line(n, format!("unrecognised line {line:?}")))?;
    let reference = line[..at].trim().to_string();
    let verdict = line[at..].chars().next().unwrap_or('=');
    let rest = &line[at + 1..];
    let (value_text, limits, kind) = match rest.find('(') {
        Some(open) => {
            let close = rest[open..]
                .find(')')
                .map(|c| open + c)
                .ok_or_else(|| ConvertError::at_line(n, "a '(' without ')' in the limits"))?;
            let kind = rest[close + 1..].trim();
            let kind = kind.split_whitespace().next().unwrap_or("");
            (&rest[..open], Some(&rest[open + 1..close]), kind)
        }
        None => (rest, None, ""),
    };
    let number = |t: &str, what: &str| -> Result<Option<f64>, ConvertError> {
        if t.trim().is_empty() {
            return Ok(None);
        }
        prefixed(t).map(Some).ok_or_else(|| {
            ConvertError::at_line(n, format!("{what} {:?} is not a number", t.trim()))
        })
    };
    let value = number(value_text, "value")?;
    let (low, high) = match limits {
        Some(l) => {
            let (lo, hi) = l.split_once(',').unwrap_or((l, ""));
            (number(lo, "low limit")?, number(hi, "high limit")?)
        }
        None => (None, None),
    };
    if value.is_none() && matches!(kind, "IS" | "VS") {
        return Ok(None);
    }
    let passed = matches!(verdict, '=' | '#');
    Ok(Some(Line::Test {
        name: if kind.is_empty() {
            reference.clone()
        } else {
            format!("{reference}({kind})")
        },
        reference,
        kind: kind.to_string(),
        judged: verdict != '#',
        passed,
        value,
        low,
        high,
    }))
}

enum Line {
    General {
        category: &'static str,
        text: String,
    },
    Test {
        reference: String,
        name: String,
        kind: String,
        judged: bool,
        passed: bool,
        value: Option<f64>,
        low: Option<f64>,
        high: Option<f64>,
    },
}

struct Board {
    line: usize,
    start: NaiveDateTime,
    serial: String,
    overrides: Vec<(String, String)>,
    socket: Option<i64>,
    steps: Vec<Line>,
}

struct Header<'a> {
    program: Option<&'a str>,
    file_pn: Option<&'a str>,
    code: i64,
    zone: crate::source::Zone,
}

impl Board {
    fn new(line: usize, start: NaiveDateTime, serial: &str) -> Board {
        Board {
            line,
            start,
            serial: serial.to_string(),
            overrides: Vec::new(),
            socket: None,
            steps: Vec::new(),
        }
    }

    fn get(&self, key: &str) -> Option<String> {
        self.overrides
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    }

    fn build(
        self,
        status: Status,
        end: Option<NaiveDateTime>,
        h: &Header<'_>,
        cx: &Context,
    ) -> Result<Report, ConvertError> {
        if self.serial.is_empty() {
            return Err(ConvertError::at_line(
                self.line,
                "the board has an empty serial number",
            ));
        }
        let pn = self
            .get("partNumber")
            .or_else(|| h.file_pn.map(str::to_string))
            .or_else(|| cx.text("part_number"))
            .ok_or_else(|| {
                ConvertError::at_line(
                    self.line,
                    "no part number (WATS_partNumber=, the file name or the part_number argument)",
                )
            })?;
        let rev = self
            .get("partRevision")
            .unwrap_or_else(|| cx.text_or("revision", "1.0"));
        let (station, location, purpose) = cx.station_identity("GR228X");
        let station = self.get("stationName").unwrap_or(station);
        let operator = self
            .get("operator")
            .unwrap_or_else(|| cx.text_or("operator", "sysoper"));
        let mut b = ReportBuilder::uut(pn, self.serial.clone(), rev, h.code)
            .station(station, location, purpose)
            .operator(operator)
            .start(h.zone.timestamp(self.start))
            .result(status);
        if let Some(end) = end {
            let secs = (end - self.start).num_milliseconds() as f64 / 1000.0;
            if secs >= 0.0 {
                b = b.exec_time(secs);
            }
        }
        let sequence = self
            .get("sequenceName")
            .or_else(|| h.program.map(str::to_string));
        let version = self.get("sequenceVersion");
        if let Some(seq) = b.group("").step_mut().seq_call.as_mut() {
            if let Some(name) = sequence {
                seq.name = Some(name);
            }
            seq.version = version;
        }
        let mut group_index = 0;
        let mut current: Option<char> = None;
        let mut group_name = String::new();
        for step in self.steps {
            match step {
                Line::General { category, text } => {
                    let _ = b
                        .add_step(category, text.clone())
                        .status(Status::Failed)
                        .report_text(&text);
                }
                Line::Test {
                    reference,
                    name,
                    kind,
                    judged,
                    passed,
                    value,
                    low,
                    high,
                } => {
                    let first = reference.chars().next().unwrap_or('?');
                    if current != Some(first) {
                        group_index += 1;
                        current = Some(first);
                        group_name = format!("{first}-Group{group_index}");
                    }
                    let mut g = b.group(&group_name);
                    let status = if passed {
                        Status::Passed
                    } else {
                        Status::Failed
                    };
                    match value {
                        Some(v) => {
                            let (op, l, hi) = match (low, high) {
                                (Some(l), Some(hi)) => (CompOp::GELE, Some(l), Some(hi)),
                                (Some(l), None) => (CompOp::GE, Some(l), None),
                                (None, Some(hi)) => (CompOp::LE, Some(hi), None),
                                (None, None) => (CompOp::LOG, None, None),
                            };
                            let mut s = g.add_step(name, v).compare(op, l, hi).unit(unit_of(&kind));
                            if judged || !passed {
                                s = s.status(status);
                            }
                            let _ = s;
                        }
                        None => {
                            let _ = g.add_step(name, passed).status(status);
                        }
                    }
                }
            }
        }
        let mut report = b.build_unchecked();
        if let (Some(socket), Some(uut)) = (self.socket, report.uut.as_mut()) {
            uut.test_socket_index = Some(socket);
        }
        Ok(report)
    }
}
