//! Keysight (Agilent) Medalist i3070 in-circuit test log records.
//!
//! The log is a tree of brace records `{@KIND|field|field…{@CHILD|…}}`:
//!
//! ```text
//! {@BATCH|PCBA-100|B|FX-1|1|3070|in-circuit|LOT7|alice|ict-line-1|plan|1|||v1}
//! {@BTEST|SN-0001|00|240301101500|000012|0|all|1|0|0|240301101512|0|1|}
//! {@BLOCK|r101|00
//! {@A-RES|00|+1.002E+03{@LIM3|+1.000E+03|+1.050E+03|+9.500E+02}}
//! }
//! {@BLOCK|1%c12|01
//! {@A-CAP|01|+2.1E-07{@LIM2|+1.1E-07|+9.0E-08}}
//! }
//! {@RPT|c12 has failed}
//! ```
//!
//! `@BATCH` (board type, revision, fixture, test head, …, operator, controller…) gives the
//! part number, revision, operator (field 8) and station (the controller, field 9). Every
//! `@BTEST` starts one UUT report: serial number, status (`0`/`00` passed, otherwise failed),
//! start (`yymmddhhmmss`, the `time_zone` argument applies) and duration in seconds. Each
//! `@BLOCK` is a test of a component (`N%name`: panel socket N, component `name`); the
//! measurement records inside are steps, grouped in a sequence per record kind (`A-RES`,
//! `A-CAP`, …) that starts whenever the kind changes:
//!
//! * analog `{@A-xxx|status|value{@LIM2|high|low}}` or `{…{@LIM3|nominal|high|low}}` → a
//!   numeric `GELE` step named by the block designator, with the unit of its kind (`A-RES` Ω,
//!   `A-CAP` F, `A-IND` H, `A-DIO`/`A-ZEN`/`A-MEA` V, `A-FUS`/`A-JUM` A or Ω as below);
//! * analog with a subtest name `{@A-xxx|status|value|name{@LIM2|…}}` → a step named
//!   `<designator> <subtest>`;
//! * `{@BS-CON|name|status|shorts|opens}`, `{@D-T|status|substatus|vector|pins|name}`,
//!   `{@TJET|status|pins|name}`, `{@PF|name|status|pins}`, `{@TS|status|shorts|opens|phantoms|name}`
//!   → pass/fail steps with the counts in the report text;
//! * `{@RPT|text}` lines are collected into the UUT comment (at most 5,000 characters).
//!
//! Statuses are the tester's (`0`/`00` passed). Arguments: `part_number`, `revision`
//! (default `1`) when the log has no `@BATCH`; `process_code` (default 20, ICT).

use chrono::NaiveDateTime;
use wats_report::rules::Mode;
use wats_report::{CompOp, Report, ReportBuilder, Status};

use crate::util::parse_number;
use crate::{Confidence, Context, ConvertError, Converter, Parameter, Source};

/// The Keysight i3070 converter.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeysightI3070;

const PARAMETERS: &[Parameter] = &[
    Parameter {
        name: "part_number",
        description: "part number when the log has no @BATCH record",
    },
    Parameter {
        name: "revision",
        description: "revision when the log has no @BATCH record; default 1",
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

/// Deepest record nesting accepted.
const MAX_DEPTH: usize = 32;

#[derive(Debug, Default)]
struct Record {
    kind: String,
    fields: Vec<String>,
    children: Vec<Record>,
    line: usize,
}

impl Record {
    fn field(&self, i: usize) -> &str {
        self.fields.get(i).map(|f| f.trim()).unwrap_or("")
    }
}

fn parse(text: &str) -> Result<Vec<Record>, ConvertError> {
    let mut top = Vec::new();
    let mut stack: Vec<Record> = Vec::new();
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            '{' => {
                if stack.len() >= MAX_DEPTH {
                    return Err(ConvertError::at_line(
                        line,
                        format!("records nested deeper than {MAX_DEPTH}"),
                    ));
                }
                if chars.peek() != Some(&'@') {
                    return Err(ConvertError::at_line(line, "a '{' not followed by '@'"));
                }
                chars.next();
                let mut kind = String::new();
                while let Some(&k) = chars.peek() {
                    if k == '|' || k == '{' || k == '}' || k == '\n' {
                        break;
                    }
                    kind.push(k);
                    chars.next();
                }
                stack.push(Record {
                    kind: kind.trim().to_string(),
                    line,
                    ..Record::default()
                });
            }
            '}' => {
                let done = stack
                    .pop()
                    .ok_or_else(|| ConvertError::at_line(line, "'}' without a record"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => top.push(done),
                }
            }
            '|' => {
                if let Some(r) = stack.last_mut() {
                    r.fields.push(String::new());
                }
            }
            _ => match stack.last_mut() {
                Some(r) => {
                    if let Some(f) = r.fields.last_mut() {
                        if c != '\r' && c != '\n' {
                            f.push(c);
                        }
                    }
                }
                None if c.is_whitespace() => {}
                None => {
                    return Err(ConvertError::at_line(
                        line,
                        format!("text {c:?} outside a record"),
                    ))
                }
            },
        }
    }
    if let Some(open) = stack.first() {
        return Err(ConvertError::at_line(
            open.line,
            format!(
                "the @{} record opened here is never closed (truncated log?)",
                open.kind
            ),
        ));
    }
    Ok(top)
}

fn passed(status: &str) -> bool {
    status
        .trim()
        .parse::<i64>()
        .map(|s| s == 0)
        .unwrap_or(false)
}

fn unit_of(kind: &str) -> &'static str {
    match kind {
        "A-RES" | "A-JUM" => "Ω",
        "A-CAP" => "F",
        "A-IND" => "H",
        "A-DIO" | "A-ZEN" | "A-MEA" | "A-NFE" | "A-PFE" | "A-NPN" | "A-PNP" => "V",
        "A-FUS" => "Ω",
        _ => "",
    }
}

fn number(text: &str, what: &str, line: usize) -> Result<f64, ConvertError> {
    parse_number(text).ok_or_else(|| {
        ConvertError::at_line(line, format!("{what} {:?} is not a number", text.trim()))
    })
}

struct Batch {
    pn: Option<String>,
    rev: Option<String>,
    operator: Option<String>,
    station: Option<String>,
}

impl Converter for KeysightI3070 {
    fn name(&self) -> &str {
        "keysight-i3070"
    }
    fn description(&self) -> &str {
        "Keysight (Agilent) i3070 in-circuit log records"
    }
    fn patterns(&self) -> &[&str] {
        &["*"]
    }
    fn parameters(&self) -> &[Parameter] {
        PARAMETERS
    }

    fn detect(&self, source: &Source<'_>) -> Confidence {
        let head = source.head(4096);
        match (
            head.contains("{@BTEST|"),
            head.contains("{@BATCH|") || head.contains("{@BLOCK|"),
        ) {
            (true, true) => 0.97,
            (true, false) => 0.8,
            (false, true) => 0.5,
            _ => 0.0,
        }
    }

    fn convert(&self, source: &Source<'_>, cx: &Context) -> Result<Vec<Report>, ConvertError> {
        let records = parse(&source.text())?;
        let mut batch = Batch {
            pn: cx.text("part_number"),
            rev: cx.text("revision"),
            operator: None,
            station: None,
        };
        // The UUT records: a BTEST and everything after it until the next BTEST.
        let mut uuts: Vec<(&Record, Vec<&Record>)> = Vec::new();
        for r in &records {
            match r.kind.as_str() {
                "BATCH" => {
                    let f = |i: usize| Some(r.field(i).to_string()).filter(|s| !s.is_empty());
                    if cx.text("part_number").is_none() {
                        batch.pn = f(0);
                    }
                    if cx.text("revision").is_none() {
                        batch.rev = f(1);
                    }
                    batch.operator = f(7);
                    batch.station = f(8);
                }
                "BTEST" => uuts.push((r, Vec::new())),
                _ => match uuts.last_mut() {
                    Some((_, body)) => body.push(r),
                    None if r.kind == "RPT" => {}
                    None => {
                        return Err(ConvertError::at_line(
                            r.line,
                            format!("@{} before any @BTEST", r.kind),
                        ))
                    }
                },
            }
        }
        if uuts.is_empty() {
            return Err(ConvertError::new("no @BTEST record in the log"));
        }
        uuts.into_iter()
            .map(|(btest, body)| uut(btest, &body, &batch, cx))
            .collect()
    }
}

fn uut(
    btest: &Record,
    body: &[&Record],
    batch: &Batch,
    cx: &Context,
) -> Result<Report, ConvertError> {
    let sn = btest.field(0);
    if sn.is_empty() {
        return Err(ConvertError::at_line(
            btest.line,
            "@BTEST has no board serial number",
        ));
    }
    let pn = batch.pn.clone().ok_or_else(|| {
        ConvertError::at_line(
            btest.line,
            "no part number: no @BATCH record and no part_number argument",
        )
    })?;
    let (mut station, location, purpose) = cx.station_identity("i3070");
    if let Some(s) = &batch.station {
        station = s.clone();
    }
    let mut b = ReportBuilder::uut(
        pn,
        sn,
        batch.rev.clone().unwrap_or_else(|| "1".into()),
        cx.process_code(None, 20)?,
    )
    .station(station, location, purpose)
    .mode(Mode::Import)
    .result(if passed(btest.field(1)) {
        Status::Passed
    } else {
        Status::Failed
    });
    if let Some(op) = &batch.operator {
        b = b.operator(op.clone());
    }
    let start = btest.field(2);
    if !start.is_empty() {
        let at = NaiveDateTime::parse_from_str(start, "%y%m%d%H%M%S").map_err(|_| {
            ConvertError::at_line(btest.line, format!("start {start:?} is not yymmddhhmmss"))
        })?;
        b = b.start(cx.timestamp(at)?);
    }
    if !btest.field(3).is_empty() {
        b = b.exec_time(number(btest.field(3), "duration", btest.line)?);
    }
    let mut comment = String::new();
    let mut socket = None;
    let mut current_kind = String::new();
    let mut group_index = 0;
    for r in body {
        match r.kind.as_str() {
            "RPT" => {
                if !comment.is_empty() {
                    comment.push('\n');
                }
                comment.push_str(r.field(0));
            }
            "BLOCK" => {
                let designator = r.field(0);
                let (sock, name) = match designator.split_once('%') {
                    Some((n, name)) => (n.trim().parse::<i64>().ok(), name.to_string()),
                    None => (None, designator.to_string()),
                };
                socket = socket.or(sock);
                let block_ok = passed(r.field(1));
                for (i, t) in r.children.iter().enumerate() {
                    if t.kind != current_kind {
                        current_kind = t.kind.clone();
                        group_index += 1;
                    }
                    let group_name = format!("{} #{group_index}", t.kind);
                    let mut g = b.group(&group_name);
                    let ok = passed(t.field(0));
                    let status = if ok { Status::Passed } else { Status::Failed };
                    if t.kind.starts_with("A-") {
                        let value = number(t.field(1), "measured value", t.line)?;
                        let lim = t
                            .children
                            .iter()
                            .find(|c| c.kind == "LIM2" || c.kind == "LIM3");
                        let (low, high) = match lim {
                            Some(l) if l.kind == "LIM2" => (
                                number(l.field(1), "low limit", l.line)?,
                                number(l.field(0), "high limit", l.line)?,
                            ),
                            Some(l) => (
                                number(l.field(2), "low limit", l.line)?,
                                number(l.field(1), "high limit", l.line)?,
                            ),
                            None => {
                                return Err(ConvertError::at_line(
                                    t.line,
                                    format!("@{} has no @LIM2 or @LIM3", t.kind),
                                ))
                            }
                        };
                        let sub = t.field(2).to_string();
                        let step_name = if sub.is_empty() {
                            name.clone()
                        } else {
                            format!("{name} {sub}")
                        };
                        let mut sb = g
                            .add_step(step_name, value)
                            .compare(CompOp::GELE, Some(low), Some(high))
                            .status(status);
                        let unit = unit_of(&t.kind);
                        if !unit.is_empty() {
                            sb = sb.unit(unit);
                        }
                        if i == 0 && !block_ok && ok {
                            sb = sb.report_text("the block failed");
                        }
                        let _ = sb;
                    } else {
                        let (label, text) = match t.kind.as_str() {
                            "BS-CON" => (
                                t.field(0),
                                format!("shorts {}, opens {}", t.field(2), t.field(3)),
                            ),
                            "D-T" => (
                                t.field(4),
                                format!(
                                    "substatus {}, failing vector {}, pins {}",
                                    t.field(1),
                                    t.field(2),
                                    t.field(3)
                                ),
                            ),
                            "TJET" => (t.field(2), format!("pins {}", t.field(1))),
                            "PF" => (t.field(0), format!("pins {}", t.field(2))),
                            "TS" => (
                                t.field(4),
                                format!(
                                    "shorts {}, opens {}, phantoms {}",
                                    t.field(1),
                                    t.field(2),
                                    t.field(3)
                                ),
                            ),
                            _ => ("", String::new()),
                        };
                        let ok = if t.kind == "BS-CON" || t.kind == "PF" {
                            passed(t.field(1))
                        } else {
                            ok
                        };
                        let status = if ok { Status::Passed } else { Status::Failed };
                        let step_name = if label.is_empty() {
                            format!("{name} ({})", t.kind)
                        } else {
                            label.to_string()
                        };
                        let mut sb = g.add_step(step_name, ok).status(status);
                        if !text.is_empty() {
                            sb = sb.report_text(&text);
                        }
                        let _ = sb;
                    }
                }
                if r.children.is_empty() {
                    let _ = b
                        .group("Blocks")
                        .add_step(name, block_ok)
                        .status(if block_ok {
                            Status::Passed
                        } else {
                            Status::Failed
                        });
                }
            }
            "BS-CON" | "D-T" | "TJET" | "PF" | "TS" => {
                return Err(ConvertError::at_line(
                    r.line,
                    format!("@{} outside a @BLOCK", r.kind),
                ))
            }
            _ => {}
        }
    }
    if !comment.is_empty() {
        let comment: String = comment.chars().take(5000).collect();
        b = b.comment(comment);
    }
    let mut report = b.build_unchecked();
    if let (Some(s), Some(u)) = (socket, report.uut.as_mut()) {
        u.test_socket_index = Some(s);
    }
    Ok(report)
}
