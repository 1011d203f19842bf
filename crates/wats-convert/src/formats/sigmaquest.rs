//! SigmaSure / SigmaQuest unit reports (XML).
//!
//! ```xml
//! <UnitReport start-time="…" end-time="…" software-version="…" mode="…">
//!   <Station name="…"/> <Operator name="OP2"/>
//!   <Category name="Instruments"><Product part-no="…" serial-no="…" version="…"/></Category>
//!   <TestRun name="OP2" grade="FAIL" start-time="…" end-time="…">
//!     <TestRun name="Pump Down" grade="PASS" …>
//!       <Result><Property><ValueDouble name="MS1 value" lsl="0" usl="-2.4" uom="V">-3.43</ValueDouble></Property></Result>
//!       <Property><ValueAttachment fqn="…" name="DHR"/></Property>
//!     </TestRun>
//!   </TestRun>
//! </UnitReport>
//! ```
//!
//! The first `Product` is the unit (part number, serial number, `version` as revision, else
//! the `revision` argument, default `1`); further products are sub units. The top `TestRun`
//! names the main sequence and its `grade` is the report's result; nested `TestRun`s become
//! nested sequences with their grade as status (`PASS` passed, `FAIL` failed, `PENDING` and
//! others skipped) and their duration as step time. Values in a run's `Result`/`Property`
//! elements are steps: `ValueDouble`/`ValueInteger` numeric (`lsl` and `usl` give `GELE`; a
//! limit of 0 counts as absent, as the tester writes 0 for "none": `LE usl`, `GE lsl`, or
//! `LOG`), with `uom` as unit, judged from the limits unless the value carries its own
//! `grade`; `ValueString` string steps; `ValueBoolean` pass/fail steps. A value of `null` is
//! a step without measurement, marked skipped. A run without values is a pass/fail step of its
//! grade. `ValueAttachment` entries (files on the tester) are listed in the step's report text.
//! `Station/@name` gives the station unless it is `<No Station>`; `Operator/@name` the
//! operator; `mode` becomes the misc info `Mode`. Operation: `process_code` (default 100, Test in the default process list).

use chrono::DateTime;
use wats_report::rules::Mode;
use wats_report::{Report, ReportBuilder, Status, Timestamp};

use crate::util::parse_number;
use crate::util::xml::{self, Element};
use crate::{Confidence, Context, ConvertError, Converter, Parameter, Source};

/// The SigmaQuest converter.
#[derive(Clone, Copy, Debug, Default)]
pub struct SigmaQuest;

const PARAMETERS: &[Parameter] = &[
    Parameter {
        name: "process_code",
        description: "operation code; default 100 (Test)",
    },
    Parameter {
        name: "revision",
        description: "revision when the product has no version; default 1",
    },
    Parameter {
        name: "part_number",
        description: "part number when the product has none",
    },
];

impl Converter for SigmaQuest {
    fn name(&self) -> &str {
        "sigmaquest"
    }
    fn description(&self) -> &str {
        "SigmaSure / SigmaQuest XML unit reports"
    }
    fn patterns(&self) -> &[&str] {
        &["*.xml"]
    }
    fn parameters(&self) -> &[Parameter] {
        PARAMETERS
    }

    fn detect(&self, source: &Source<'_>) -> Confidence {
        let head = source.head(4096);
        let root = head.find("<UnitReport").is_some();
        match (root, head.contains("<TestRun") || head.contains("<Product")) {
            (true, true) => 0.95,
            (true, false) => 0.6,
            _ => 0.0,
        }
    }

    fn convert(&self, source: &Source<'_>, cx: &Context) -> Result<Vec<Report>, ConvertError> {
        let document = source.text();
        let tree = xml::parse(&document)?;
        let root = tree.root();
        if root.local() != "UnitReport" {
            return Err(ConvertError::at_line(
                root.line(),
                format!("the root element is <{}>, not <UnitReport>", root.name()),
            ));
        }
        let mut products = Vec::new();
        root.find_all("Product", &mut products);
        let product = products.first().ok_or_else(|| {
            ConvertError::at_path("UnitReport/Category/Product", "no <Product> (the unit)")
        })?;
        let sn = product
            .attr("serial-no")
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| ConvertError::at_line(product.line(), "<Product> has no serial-no"))?;
        let pn = product
            .attr("part-no")
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
            .or_else(|| cx.text("part_number"))
            .ok_or_else(|| ConvertError::at_line(product.line(), "<Product> has no part-no"))?;
        let rev = product
            .attr("version")
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| cx.text_or("revision", "1"));
        let (mut station, location, purpose) = cx.station_identity("SigmaQuest");
        if let Some(name) = root.child("Station").and_then(|s| s.attr("name")) {
            if !name.trim().is_empty() && name != "<No Station>" {
                station = name.to_string();
            }
        }
        let top = root
            .child("TestRun")
            .ok_or_else(|| ConvertError::at_line(root.line(), "no <TestRun> in the unit report"))?;
        let mut b = ReportBuilder::uut(pn, sn, rev, cx.process_code(None, 100)?)
            .station(station, location, purpose)
            .mode(Mode::Import)
            .result(grade(top.attr("grade")).unwrap_or(Status::Passed));
        if let Some(op) = root.child("Operator").and_then(|o| o.attr("name")) {
            b = b.operator(op);
        }
        let start = root.attr("start-time").or_else(|| top.attr("start-time"));
        if let Some(at) = start.and_then(time) {
            b = b.start(at);
        }
        if let (Some(s), Some(e)) = (
            root.attr("start-time").and_then(time),
            root.attr("end-time").and_then(time),
        ) {
            let secs = (e.utc() - s.utc()).num_milliseconds() as f64 / 1000.0;
            if secs >= 0.0 {
                b = b.exec_time(secs);
            }
        }
        if let Some(mode) = root.attr("mode") {
            b.misc_info("Mode", mode);
        }
        for (i, p) in products.iter().enumerate().skip(1) {
            let _ = b.sub_unit(
                p.attr("name").unwrap_or("Product"),
                p.attr("part-no").unwrap_or(""),
                p.attr("serial-no").unwrap_or(&format!("{i}")),
                p.attr("version").unwrap_or("1"),
            );
        }
        {
            let mut main = b.group("");
            let root_step = main.step_mut();
            root_step.status = grade(top.attr("grade"));
            if let Some(seq) = root_step.seq_call.as_mut() {
                seq.name = top.attr("name").map(str::to_string);
                seq.version = root.attr("software-version").map(str::to_string);
            }
            walk(top, &mut main)?;
        }
        Ok(vec![b.build_unchecked()])
    }
}

fn time(text: &str) -> Option<Timestamp> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(Timestamp::new)
}

fn grade(text: Option<&str>) -> Option<Status> {
    Some(match text?.trim().to_ascii_uppercase().as_str() {
        "PASS" | "PASSED" => Status::Passed,
        "FAIL" | "FAILED" => Status::Failed,
        "ERROR" => Status::Error,
        "ABORT" | "ABORTED" | "TERMINATED" => Status::Terminated,
        _ => Status::Skipped,
    })
}

fn duration(run: Element) -> Option<f64> {
    let s = time(run.attr("start-time")?)?;
    let e = time(run.attr("end-time")?)?;
    let secs = (e.utc() - s.utc()).num_milliseconds() as f64 / 1000.0;
    (secs >= 0.0).then_some(secs)
}

/// The value elements of a run (in its `Result` and `Property` children, not nested runs).
fn values<'d, 'a>(run: Element<'d, 'a>) -> Vec<Element<'d, 'a>> {
    let mut out = Vec::new();
    fn collect<'d, 'a>(e: Element<'d, 'a>, out: &mut Vec<Element<'d, 'a>>) {
        for c in e.children() {
            match c.local() {
                "TestRun" => {}
                name if name.starts_with("Value") => out.push(c),
                _ => collect(c, out),
            }
        }
    }
    collect(run, &mut out);
    out
}

fn walk(run: Element, group: &mut wats_report::builder::Group<'_>) -> Result<(), ConvertError> {
    let mut attachments = Vec::new();
    for v in values(run) {
        let name = v.attr("name").unwrap_or(v.local()).to_string();
        let text = v.text().trim();
        match v.local() {
            "ValueAttachment" => attachments.push(v.attr("fqn").unwrap_or(&name).to_string()),
            "ValueDouble" | "ValueInteger" => {
                if text.is_empty() || text.eq_ignore_ascii_case("null") {
                    let _ = group
                        .add_step(name, ())
                        .status(Status::Skipped)
                        .report_text("no value recorded");
                    continue;
                }
                let value = parse_number(text).ok_or_else(|| {
                    ConvertError::at_line(
                        v.line(),
                        format!("<{}> {name:?}: {text:?} is not a number", v.local()),
                    )
                })?;
                let limit = |a: &str| -> Result<Option<f64>, ConvertError> {
                    match v.attr(a).map(str::trim).filter(|t| !t.is_empty()) {
                        None => Ok(None),
                        Some(t) => {
                            parse_number(t)
                                .map(|x| (x != 0.0).then_some(x))
                                .ok_or_else(|| {
                                    ConvertError::at_line(
                                        v.line(),
                                        format!("{a} {t:?} is not a number"),
                                    )
                                })
                        }
                    }
                };
                let (lsl, usl) = (limit("lsl")?, limit("usl")?);
                let (op, low, high) = crate::util::comparison(None, lsl, usl);
                let status = grade(v.attr("grade")).unwrap_or_else(|| {
                    match op.check_numeric(value, low, high) {
                        Some(false) => Status::Failed,
                        _ => Status::Passed,
                    }
                });
                let mut s = group
                    .add_step(name, value)
                    .compare(op, low, high)
                    .status(status);
                if let Some(uom) = v.attr("uom").filter(|u| !u.is_empty()) {
                    s = s.unit(uom.to_string());
                }
                let _ = s;
            }
            "ValueString" => {
                let status = grade(v.attr("grade")).unwrap_or(Status::Passed);
                let _ = group.add_step(name, text.to_string()).status(status);
            }
            "ValueBoolean" => {
                let passed = matches!(
                    text.to_ascii_lowercase().as_str(),
                    "true" | "1" | "pass" | "yes"
                );
                let status = grade(v.attr("grade")).unwrap_or(if passed {
                    Status::Passed
                } else {
                    Status::Failed
                });
                let _ = group.add_step(name, passed).status(status);
            }
            _ => {}
        }
    }
    if !attachments.is_empty() {
        let step = group.step_mut();
        step.report_text = Some(format!(
            "attachments on the tester: {}",
            attachments.join(", ")
        ));
    }
    for child in run.children_named("TestRun") {
        let name = child.attr("name").unwrap_or("TestRun");
        let status = grade(child.attr("grade")).unwrap_or(Status::Passed);
        let nested = child.children_named("TestRun").next().is_some();
        if !nested && values(child).iter().all(|v| v.local() == "ValueAttachment") {
            // A run without values: a pass/fail step of its grade.
            let mut s = group
                .add_step(name, status != Status::Failed)
                .status(status);
            if let Some(t) = duration(child) {
                s = s.time(t);
            }
            let _ = s;
            continue;
        }
        let mut g = group.group(name);
        {
            let step = g.step_mut();
            step.status = Some(status);
            step.tot_time = duration(child);
        }
        walk(child, &mut g)?;
    }
    Ok(())
}
