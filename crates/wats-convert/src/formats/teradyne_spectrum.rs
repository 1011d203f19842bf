//! Teradyne Spectrum in-circuit test data (parenthesised text).
//!
//! ```text
//! (PROGRAM_NAME: "PB3187900")
//! (SECTION_NAME: "DISCHARGE")
//! (STEP: (TYPE: RAW) (TIME: 02/09/2023 16:44:27) (SNAME: "DISCHARGE[C118_DCG]")
//!     (PAGE: (TYPE: DISCHARGE) (PAGE_NAME: "C118_DSG") (STAT: PASS)
//!         (ANA: (MEASVAL: (VAL: 12) (SCALE: m) (UNIT: V)) (HILIM: (VAL: 30) (SCALE: m) (UNIT: V))))
//!     (STAT: PASS))
//! (USER: Serialnumber:1111111111)
//! (USER: Operator:1234567)
//! ```
//!
//! The file is read as a tree of `(KEY: value …)` nodes. One file is one UUT report:
//! `PROGRAM_NAME` is the part number (the `part_number` argument overrides it), the
//! `USER` lines give the serial number (`Serialnumber:`), the operator (`Operator:`), misc
//! infos (`OrderNumber:`, `CustomerSerialnumber:`, `version:`) and the verdict
//! (`STATUS: BOARD PASSED|FAILED`); the first step's `TIME` (`MM/dd/yyyy HH:mm:ss`) is the
//! start. Each `SECTION_NAME` opens a sequence. A `STEP` with one `PAGE` is one step named by
//! `SNAME`; with several pages it is a sequence of one step per page (`PAGE_NAME`). A page
//! with a measured value (`MEASVAL`, or `MEAS_VAL`) is a numeric step: values and limits
//! (`LOLIM`, `HILIM`; `THRESH` as low limit) are scaled by their `SCALE` prefix (`p n u m k
//! M G`) into base units, `UNIT` `O` reads as Ω; both limits give `GELE`, one `GE`/`LE`, none
//! `LOG`. A page without a value is an action step. Statuses are the tester's `STAT`
//! (`PASS` passed, anything else failed); a page's `COMMENT` is its report text. The source
//! file name is kept as misc info `File`. Operation: `process_code` (default 20, ICT in the default process list).

use chrono::NaiveDateTime;
use wats_report::{CompOp, Report, ReportBuilder, Status};

use crate::util::parse_number;
use crate::{Confidence, Context, ConvertError, Converter, Parameter, Source};

/// The Teradyne Spectrum converter.
#[derive(Clone, Copy, Debug, Default)]
pub struct TeradyneSpectrum;

const PARAMETERS: &[Parameter] = &[
    Parameter {
        name: "part_number",
        description: "part number instead of PROGRAM_NAME",
    },
    Parameter {
        name: "revision",
        description: "revision; default 1",
    },
    Parameter {
        name: "process_code",
        description: "operation code; default 20 (ICT)",
    },
    Parameter {
        name: "time_zone",
        description: "zone of the file's times: local (default), UTC, +02:00",
    },
];

/// Deepest nesting accepted.
const MAX_DEPTH: usize = 64;

/// A `(KEY: value …)` node.
#[derive(Debug, Default)]
struct Node {
    key: String,
    text: String,
    children: Vec<Node>,
    line: usize,
}

impl Node {
    fn child(&self, key: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.key == key)
    }
    fn value(&self, key: &str) -> Option<&str> {
        self.child(key)
            .map(|c| c.text.as_str())
            .filter(|t| !t.is_empty())
    }
    fn find(&self, key: &str) -> Option<&Node> {
        self.children
            .iter()
            .find_map(|c| if c.key == key { Some(c) } else { c.find(key) })
    }
}

/// Parses the whole file into its top-level nodes.
fn parse(text: &str) -> Result<Vec<Node>, ConvertError> {
    let mut top = Vec::new();
    let mut stack: Vec<Node> = Vec::new();
    let mut line = 1;
    let mut in_key = false;
    let mut quoted = false;
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        if quoted {
            if c == '"' {
                quoted = false;
            } else if let Some(n) = stack.last_mut() {
                n.text.push(c);
            }
            continue;
        }
        match c {
            '(' => {
                if stack.len() >= MAX_DEPTH {
                    return Err(ConvertError::at_line(
                        line,
                        format!("nested deeper than {MAX_DEPTH}"),
                    ));
                }
                stack.push(Node {
                    line,
                    ..Node::default()
                });
                in_key = true;
            }
            ')' => {
                let mut done = stack
                    .pop()
                    .ok_or_else(|| ConvertError::at_line(line, "')' without '('"))?;
                done.text = done.text.trim().to_string();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => top.push(done),
                }
                in_key = false;
            }
            ':' if in_key => in_key = false,
            '"' if !in_key => quoted = true,
            _ => {
                if let Some(n) = stack.last_mut() {
                    if in_key {
                        if !c.is_whitespace() {
                            n.key.push(c);
                        }
                    } else if n.children.is_empty() {
                        n.text.push(if c == '\r' || c == '\n' { ' ' } else { c });
                    }
                } else if !c.is_whitespace() {
                    return Err(ConvertError::at_line(
                        line,
                        format!("text {c:?} outside parentheses"),
                    ));
                }
            }
        }
    }
    if let Some(open) = stack.first() {
        return Err(ConvertError::at_line(
            open.line,
            format!(
                "({}: … opened here is never closed (truncated file?)",
                open.key
            ),
        ));
    }
    Ok(top)
}

fn scale(prefix: &str) -> f64 {
    match prefix.trim() {
        "p" => 1e-12,
        "n" => 1e-9,
        "u" | "µ" => 1e-6,
        "m" => 1e-3,
        "k" | "K" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        _ => 1.0,
    }
}

/// A `(VAL: v) (SCALE: s) (UNIT: u)` group as (value in base units, unit).
fn quantity(node: &Node) -> Result<Option<(f64, String)>, ConvertError> {
    let Some(val) = node.value("VAL") else {
        return Ok(None);
    };
    let v = parse_number(val).ok_or_else(|| {
        ConvertError::at_line(
            node.line,
            format!("{}: VAL {val:?} is not a number", node.key),
        )
    })?;
    let unit = match node.value("UNIT").unwrap_or("") {
        "O" | "OHM" => "Ω".to_string(),
        u => u.to_string(),
    };
    Ok(Some((v * scale(node.value("SCALE").unwrap_or("")), unit)))
}

fn passed(stat: Option<&str>) -> Option<bool> {
    stat.map(|s| s.trim().eq_ignore_ascii_case("PASS"))
}

impl Converter for TeradyneSpectrum {
    fn name(&self) -> &str {
        "teradyne-spectrum"
    }
    fn description(&self) -> &str {
        "Teradyne Spectrum in-circuit test data"
    }
    fn patterns(&self) -> &[&str] {
        &["*.txt", "*.dat"]
    }
    fn parameters(&self) -> &[Parameter] {
        PARAMETERS
    }

    fn detect(&self, source: &Source<'_>) -> Confidence {
        let head = source.head(4096);
        let start = head.trim_start();
        match (
            start.starts_with("(PROGRAM_NAME:"),
            head.contains("(STEP:") || head.contains("(SECTION_NAME:"),
        ) {
            (true, true) => 0.95,
            (true, false) => 0.7,
            (false, true) => 0.5,
            _ => 0.0,
        }
    }

    fn convert(&self, source: &Source<'_>, cx: &Context) -> Result<Vec<Report>, ConvertError> {
        let nodes = parse(&source.text())?;
        let mut pn = cx.text("part_number");
        let mut sn = None;
        let mut operator = None;
        let mut verdict = None;
        let mut misc = vec![("File".to_string(), source.file_name().to_string())];
        for n in &nodes {
            match n.key.as_str() {
                "PROGRAM_NAME" if pn.is_none() && !n.text.is_empty() => pn = Some(n.text.clone()),
                "USER" => {
                    let (k, v) = n.text.split_once(':').unwrap_or((&n.text, ""));
                    let v = v.trim().to_string();
                    match k.trim().to_ascii_lowercase().as_str() {
                        "serialnumber" if !v.is_empty() => sn = Some(v),
                        "operator" if !v.is_empty() => operator = Some(v),
                        "status" => verdict = Some(!v.to_ascii_uppercase().contains("FAIL")),
                        "ordernumber" | "customerserialnumber" | "version" => {
                            misc.push((k.trim().to_string(), v))
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        let sn = sn
            .ok_or_else(|| ConvertError::new("no serial number (a (USER: Serialnumber:…) line)"))?;
        let pn = pn.ok_or_else(|| {
            ConvertError::new("no part number: no (PROGRAM_NAME: …) and no part_number argument")
        })?;
        let (station, location, purpose) = cx.station_identity("Spectrum");
        let mut b = ReportBuilder::uut(
            pn,
            sn,
            cx.text_or("revision", "1"),
            cx.process_code(None, 20)?,
        )
        .station(station, location, purpose);
        if let Some(op) = operator {
            b = b.operator(op);
        }
        for (k, v) in misc {
            b.misc_info(k, v);
        }
        let mut section = String::new();
        let mut started = false;
        let mut any_failed = false;
        for n in &nodes {
            match n.key.as_str() {
                "SECTION_NAME" => section = n.text.clone(),
                "STEP" => {
                    if !started {
                        if let Some(t) = n.value("TIME") {
                            let at = NaiveDateTime::parse_from_str(t.trim(), "%m/%d/%Y %H:%M:%S")
                                .map_err(|_| {
                                ConvertError::at_line(
                                    n.line,
                                    format!("TIME {t:?} is not MM/dd/yyyy HH:mm:ss"),
                                )
                            })?;
                            b = b.start(cx.timestamp(at)?);
                            started = true;
                        }
                    }
                    let name = n.value("SNAME").unwrap_or("Step").to_string();
                    let pages: Vec<&Node> = n.children.iter().filter(|c| c.key == "PAGE").collect();
                    let step_passed = passed(n.value("STAT"));
                    any_failed |= step_passed == Some(false);
                    let mut g = b.group(&section);
                    if pages.len() > 1 {
                        let mut sub = g.group(&name);
                        sub.step_mut().status =
                            step_passed.map(|p| if p { Status::Passed } else { Status::Failed });
                        for p in pages {
                            let page_name = p.value("PAGE_NAME").unwrap_or("Page").to_string();
                            page_step(&mut sub, page_name, p, None, None)?;
                        }
                    } else if let Some(p) = pages.first() {
                        page_step(&mut g, name, p, step_passed, n.value("DESC"))?;
                    } else {
                        let st = if step_passed == Some(false) {
                            Status::Failed
                        } else {
                            Status::Passed
                        };
                        let _ = g.add_step(name, ()).status(st);
                    }
                }
                _ => {}
            }
        }
        let result = match verdict {
            Some(true) => Status::Passed,
            Some(false) => Status::Failed,
            None if any_failed => Status::Failed,
            None => Status::Passed,
        };
        Ok(vec![b.result(result).build_unchecked()])
    }
}

fn page_step(
    group: &mut wats_report::builder::Group<'_>,
    name: String,
    page: &Node,
    step_passed: Option<bool>,
    description: Option<&str>,
) -> Result<(), ConvertError> {
    let ok = passed(page.value("STAT")).or(step_passed).unwrap_or(true);
    let status = if ok { Status::Passed } else { Status::Failed };
    let comment = page
        .value("COMMENT")
        .or(description)
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    let measured = match page.find("MEASVAL") {
        Some(m) => quantity(m)?,
        None => match page.find("MEAS_VAL") {
            Some(m) => quantity(m)?,
            None => None,
        },
    };
    let low = match page.find("LOLIM") {
        Some(l) => quantity(l)?,
        None => match page.find("THRESH") {
            Some(t) if t.children.is_empty() => parse_number(&t.text).map(|v| (v, String::new())),
            Some(t) => quantity(t)?,
            None => None,
        },
    };
    let high = match page.find("HILIM") {
        Some(h) => quantity(h)?,
        None => None,
    };
    let mut step = match measured {
        Some((value, unit)) => {
            let (op, l, h) = match (&low, &high) {
                (Some(l), Some(h)) => (CompOp::GELE, Some(l.0), Some(h.0)),
                (Some(l), None) => (CompOp::GE, Some(l.0), None),
                (None, Some(h)) => (CompOp::LE, Some(h.0), None),
                (None, None) => (CompOp::LOG, None, None),
            };
            let unit = if unit.is_empty() {
                low.as_ref()
                    .or(high.as_ref())
                    .map(|q| q.1.clone())
                    .unwrap_or_default()
            } else {
                unit
            };
            let mut s = group.add_step(name, value).compare(op, l, h);
            if !unit.is_empty() {
                s = s.unit(unit);
            }
            s.status(status)
        }
        None => group.add_step(name, ()).status(status),
    };
    if let Some(c) = comment {
        step = step.report_text(&c);
    }
    let _ = step;
    Ok(())
}
