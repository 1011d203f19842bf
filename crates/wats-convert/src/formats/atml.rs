//! ATML test results (IEEE 1636.1 / IEEE 1671) as NI TestStand writes them: versions 2.02,
//! 5.00 and 6.01.
//!
//! | version | root | `tr` namespace |
//! |---|---|---|
//! | 2.02 | `tr:TestResults` | `http://www.ieee.org/ATML/2007/TestResults` |
//! | 5.00 | `trc:TestResultsCollection` | `urn:IEEE-1636.1:2011:01:TestResults` |
//! | 6.01 | `trc:TestResultsCollection` | `urn:IEEE-1636.1:2013:TestResults` |
//!
//! Elements are matched by local name, so the three versions share one reader; the version
//! found is kept as misc info `ATML version`. A collection gives one report per
//! `trc:TestResults` (batch reports hold several).
//!
//! Header: operator `tr:Personnel/tr:SystemOperator/@ID`; part number
//! `tr:UUT/c:Definition/c:Identification/c:IdentificationNumbers/c:IdentificationNumber/@number`;
//! serial number `tr:UUT/c:SerialNumber`; station `tr:TestStation/c:SerialNumber`; the main
//! sequence from `tr:ResultSet/@name` (`file.seq#Sequence`: the path and the name); start
//! `ResultSet/@startDateTime` (no offset: the `time_zone` argument applies), execution time
//! `endDateTime − startDateTime`; result `ResultSet/tr:Outcome/@value`.
//!
//! Steps: `tr:TestGroup` → sequence (`@callerName`, else the text after `#`);
//! `tr:SessionAction` → action step with `tr:ActionOutcome`; `tr:Test` by its
//! `ts:TSStepProperties/ts:StepType`: `PassFailTest` → pass/fail; `NumericLimitTest` and
//! `NI_MultipleNumericLimitTest` → numeric, one measurement per `tr:TestResult` with
//! `tr:TestLimits` (several → a multiple-measurement step named by `@name`): value
//! `c:Datum/@value` (hex, `inf`, `nan` read), unit `@nonStandardUnit`, limits from
//! `c:LimitPair` (`GT`+`LT` → `GTLT`, `GE`+`LE` → `GELE`, …), `c:SingleLimit` or `c:Expected`;
//! `StringValueTest` → string with `c:Expected` as limit; other test types → action steps.
//! Outcomes: `Passed`, `Failed`, `Done`, `Skipped`, `Error`, `Terminated`; `NotStarted` →
//! skipped; `Aborted`/`UserDefined` use their `@qualifier`. `ts:StepGroup` (Setup, Main,
//! Cleanup), `ts:TotalTime` and the `ReportText` item are kept. Statuses are the file's
//! (import mode).
//!
//! Arguments: `part_number` (default `NA`), `revision` (default `1`), `process_code` (default
//! 10), `operator` (default `oper`) when the file lacks them; `time_zone`.

use chrono::NaiveDateTime;
use wats_report::builder::Group;
use wats_report::rules::Mode;
use wats_report::{CompOp, Report, ReportBuilder, Status, StepGroup};

use crate::util::parse_number;
use crate::util::xml::{self, Element};
use crate::{Confidence, Context, ConvertError, Converter, Parameter, Source};

/// The ATML converter.
#[derive(Clone, Copy, Debug, Default)]
pub struct Atml;

const PARAMETERS: &[Parameter] = &[
    Parameter {
        name: "part_number",
        description: "part number when the UUT has no identification number; default NA",
    },
    Parameter {
        name: "revision",
        description: "revision (ATML has none); default 1",
    },
    Parameter {
        name: "process_code",
        description: "operation code; default 10",
    },
    Parameter {
        name: "operator",
        description: "operator when the file names none; default oper",
    },
    Parameter {
        name: "time_zone",
        description:
            "zone of the file's times (written without offset): local (default), UTC, +02:00",
    },
];

/// The ATML version a namespace URI belongs to.
fn version_of(uri: &str) -> Option<&'static str> {
    if uri.contains("ATML/2007/TestResults") || uri.contains("ATML/2006") {
        Some("2.02")
    } else if uri.contains("1636.1:2011") {
        Some("5.00")
    } else if uri.contains("1636.1:2013") {
        Some("6.01")
    } else {
        None
    }
}

impl Converter for Atml {
    // Virinco's own converter for this format runs the API in AutoTruncate mode.
    fn auto_truncate(&self) -> bool {
        true
    }
    fn name(&self) -> &str {
        "atml"
    }
    fn description(&self) -> &str {
        "ATML (IEEE 1636.1) test results from TestStand, versions 2.02, 5.00 and 6.01"
    }
    fn patterns(&self) -> &[&str] {
        &["*.xml"]
    }
    fn parameters(&self) -> &[Parameter] {
        PARAMETERS
    }

    fn detect(&self, source: &Source<'_>) -> Confidence {
        let head = source.head(8192);
        let root = head.contains(":TestResults") || head.contains("<TestResults");
        let ns = head.contains("ATML/2007/TestResults")
            || head.contains("urn:IEEE-1636.1:2011")
            || head.contains("urn:IEEE-1636.1:2013");
        match (root, ns) {
            (true, true) => 0.97,
            (false, true) => 0.7,
            _ => 0.0,
        }
    }

    fn convert(&self, source: &Source<'_>, cx: &Context) -> Result<Vec<Report>, ConvertError> {
        let document = source.text();
        let tree = xml::parse(&document)?;
        let root = tree.root();
        let version = root
            .attributes()
            .iter()
            .find_map(|(k, v)| k.starts_with("xmlns").then(|| version_of(v)).flatten());
        let results: Vec<Element> = match root.local() {
            "TestResults" => vec![root],
            "TestResultsCollection" => root.children_named("TestResults").collect(),
            other => {
                return Err(ConvertError::at_line(
                    root.line(),
                    format!("the root element is <{other}>, not ATML TestResults"),
                ))
            }
        };
        if results.is_empty() {
            return Err(ConvertError::at_line(
                root.line(),
                "the collection holds no TestResults",
            ));
        }
        results
            .into_iter()
            .map(|r| report(r, version, cx))
            .collect()
    }
}

fn outcome(e: Option<Element>) -> Status {
    let Some(e) = e else { return Status::Done };
    let value = e.attr("value").unwrap_or("");
    let pick = |v: &str| match v.trim().to_ascii_lowercase().as_str() {
        "passed" => Some(Status::Passed),
        "failed" => Some(Status::Failed),
        "done" => Some(Status::Done),
        "skipped" | "notstarted" => Some(Status::Skipped),
        "error" => Some(Status::Error),
        "terminated" | "aborted" => Some(Status::Terminated),
        _ => None,
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "aborted" | "userdefined" => e
            .attr("qualifier")
            .and_then(pick)
            .or_else(|| pick(value))
            .unwrap_or(Status::Done),
        _ => pick(value).unwrap_or(Status::Done),
    }
}

fn time(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S"))
        .ok()
}

/// A TestStand datum value: decimal, hex (`0x1F`), `inf`, `nan`, `ind`.
fn datum(text: &str) -> Option<f64> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok().map(|v| v as f64);
    }
    match t.to_ascii_lowercase().as_str() {
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        "nan" | "ind" => Some(f64::NAN),
        _ => parse_number(t),
    }
}

fn report(tr: Element, version: Option<&str>, cx: &Context) -> Result<Report, ConvertError> {
    let uut = tr.child("UUT");
    let sn = uut.and_then(|u| u.text_at("SerialNumber")).ok_or_else(|| {
        ConvertError::at_path(
            "TestResults/UUT/SerialNumber",
            "the UUT has no serial number",
        )
    })?;
    let pn = uut
        .and_then(|u| {
            u.path("Definition/Identification/IdentificationNumbers/IdentificationNumber")
        })
        .and_then(|i| i.attr("number"))
        .filter(|n| !n.trim().is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| cx.text_or("part_number", "NA"));
    let result_set = tr
        .child("ResultSet")
        .ok_or_else(|| ConvertError::at_line(tr.line(), "TestResults has no ResultSet"))?;
    let (mut station, location, purpose) = cx.station_identity("ATML");
    if let Some(s) = tr
        .child("TestStation")
        .and_then(|s| s.text_at("SerialNumber"))
    {
        station = s.to_string();
    }
    let operator = tr
        .path("Personnel/SystemOperator")
        .and_then(|o| o.attr("ID").or_else(|| o.attr("name")))
        .filter(|o| !o.trim().is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| cx.text_or("operator", "oper"));
    let mut b = ReportBuilder::uut(
        pn,
        sn,
        cx.text_or("revision", "1"),
        cx.process_code(None, 10)?,
    )
    .station(station, location, purpose)
    .operator(operator)
    .mode(Mode::Import)
    .result(match outcome(result_set.child("Outcome")) {
        Status::Done | Status::Skipped => Status::Passed,
        s => s,
    });
    let start = result_set.attr("startDateTime").and_then(time);
    if let Some(s) = start {
        b = b.start(cx.timestamp(s)?);
        if let Some(e) = result_set.attr("endDateTime").and_then(time) {
            let secs = (e - s).num_milliseconds() as f64 / 1000.0;
            if secs >= 0.0 {
                b = b.exec_time(secs);
            }
        }
    }
    if let Some(v) = version {
        b.misc_info("ATML version", v);
    }
    {
        let mut main = b.group("");
        let root = main.step_mut();
        root.status = Some(outcome(result_set.child("Outcome")));
        if let (Some(seq), Some(name)) = (root.seq_call.as_mut(), result_set.attr("name")) {
            match name.rsplit_once('#') {
                Some((path, seq_name)) => {
                    seq.path = Some(path.to_string());
                    seq.name = Some(seq_name.to_string());
                }
                None => seq.path = Some(name.to_string()),
            }
        }
        let mut counter = 0;
        steps(result_set, &mut main, &mut counter)?;
    }
    Ok(b.build_unchecked())
}

fn properties<'e, 'a>(e: Element<'e, 'a>) -> Option<Element<'e, 'a>> {
    e.child("Extension")
        .and_then(|x| x.child("TSStepProperties"))
}

fn report_text(e: Element) -> Option<String> {
    let data = e.child("Data")?;
    let mut items = Vec::new();
    data.find_all("Item", &mut items);
    items
        .into_iter()
        .find(|i| i.attr("name") == Some("ReportText"))
        .and_then(|i| i.find("Value"))
        .map(|v| v.text().trim().to_string())
        .filter(|t| !t.is_empty())
}

fn common(step: &mut wats_report::Step, e: Element, status: Status) {
    step.status = Some(status);
    if let Some(p) = properties(e) {
        step.group = match p.text_at("StepGroup") {
            Some("Setup") => Some(StepGroup::Setup),
            Some("Cleanup") => Some(StepGroup::Cleanup),
            _ => step.group,
        };
        if let Some(t) = p
            .child("TotalTime")
            .and_then(|t| t.attr("value"))
            .and_then(parse_number)
        {
            step.tot_time = Some(t);
        }
    }
    if let Some(t) = report_text(e) {
        step.report_text = Some(t);
    }
}

/// The comparison of a `c:Limits` element and its limit values.
fn limits(l: Element) -> Result<(CompOp, Option<f64>, Option<f64>), ConvertError> {
    let value = |e: Element| -> Result<Option<f64>, ConvertError> {
        match e.child("Datum").and_then(|d| d.attr("value")) {
            None => Ok(None),
            Some(v) => datum(v).map(Some).ok_or_else(|| {
                ConvertError::at_line(e.line(), format!("limit {v:?} is not a number"))
            }),
        }
    };
    if let Some(pair) = l.child("LimitPair") {
        let parts: Vec<Element> = pair.children_named("Limit").collect();
        if parts.len() != 2 {
            return Err(ConvertError::at_line(
                pair.line(),
                "a LimitPair needs two Limit elements",
            ));
        }
        let name = format!(
            "{}{}",
            parts[0].attr("comparator").unwrap_or(""),
            parts[1].attr("comparator").unwrap_or("")
        );
        let op = CompOp::parse(&name).ok_or_else(|| {
            ConvertError::at_line(
                pair.line(),
                format!("comparator pair {name:?} is not known"),
            )
        })?;
        return Ok((op, value(parts[0])?, value(parts[1])?));
    }
    for tag in ["SingleLimit", "Expected"] {
        if let Some(single) = l.child(tag) {
            let name = single.attr("comparator").unwrap_or("EQ");
            let op = CompOp::parse(name).ok_or_else(|| {
                ConvertError::at_line(single.line(), format!("comparator {name:?} is not known"))
            })?;
            let v = match single.child("Datum").and_then(|d| d.attr("value")) {
                Some(v) => datum(v),
                None => None,
            };
            return Ok((op, v, None));
        }
    }
    Ok((CompOp::LOG, None, None))
}

fn steps(parent: Element, group: &mut Group<'_>, counter: &mut usize) -> Result<(), ConvertError> {
    for e in parent.children() {
        match e.local() {
            "TestGroup" => {
                let name = e
                    .attr("callerName")
                    .map(str::to_string)
                    .or_else(|| {
                        e.attr("name")
                            .map(|n| n.rsplit_once('#').map(|(_, s)| s).unwrap_or(n).to_string())
                    })
                    .unwrap_or_else(|| "Sequence".into());
                *counter += 1;
                let mut g = group.group(&format!("\u{1}{counter}"));
                {
                    let s = g.step_mut();
                    s.name = Some(name);
                    if let (Some(sc), Some(full)) = (s.seq_call.as_mut(), e.attr("name")) {
                        match full.rsplit_once('#') {
                            Some((path, seq)) => {
                                sc.path = Some(path.to_string());
                                sc.name = Some(seq.to_string());
                            }
                            None => sc.name = Some(full.to_string()),
                        }
                    }
                    common(s, e, outcome(e.child("Outcome")));
                }
                steps(e, &mut g, counter)?;
            }
            "SessionAction" => {
                let status = outcome(e.child("ActionOutcome"));
                let mut sb = group.add_step(e.attr("name").unwrap_or("Action"), ());
                common(sb.step_mut(), e, status);
                let _ = sb;
            }
            "Test" => test(e, group)?,
            _ => {}
        }
    }
    Ok(())
}

fn test(e: Element, group: &mut Group<'_>) -> Result<(), ConvertError> {
    let name = e.attr("name").unwrap_or("Test").to_string();
    let status = outcome(e.child("Outcome"));
    let kind = properties(e)
        .and_then(|p| p.text_at("StepType"))
        .unwrap_or("");
    let results: Vec<Element> = e.children_named("TestResult").collect();
    let mut sb = match kind {
        "PassFailTest" => group.add_step(name, status != Status::Failed),
        "NumericLimitTest" | "NI_MultipleNumericLimitTest" => {
            let mut measurements = Vec::new();
            for r in results.iter().filter(|r| r.child("TestLimits").is_some()) {
                let raw = r
                    .path("TestData/Datum")
                    .and_then(|d| d.attr("value"))
                    .ok_or_else(|| {
                        ConvertError::at_line(
                            r.line(),
                            "a numeric TestResult without TestData/Datum/@value",
                        )
                    })?;
                let value = datum(raw).ok_or_else(|| {
                    ConvertError::at_line(r.line(), format!("value {raw:?} is not a number"))
                })?;
                let unit = r
                    .path("TestData/Datum")
                    .and_then(|d| d.attr("nonStandardUnit"))
                    .unwrap_or("")
                    .to_string();
                let (op, low, high) = match r.path("TestLimits/Limits") {
                    Some(l) => limits(l)?,
                    None => (CompOp::LOG, None, None),
                };
                measurements.push((
                    r.attr("name").or(r.attr("ID")).unwrap_or("0").to_string(),
                    value,
                    unit,
                    op,
                    low,
                    high,
                ));
            }
            match measurements.len() {
                0 => group.add_step(name, ()),
                1 => {
                    let (_, value, unit, op, low, high) = measurements.remove(0);
                    let mut sb = group
                        .add_step(name, if value.is_nan() { 0.0 } else { value })
                        .compare(op, low, high);
                    if !unit.is_empty() {
                        sb = sb.unit(unit);
                    }
                    sb
                }
                _ => {
                    let mut sb = group.add_step(name, ());
                    for (mname, value, unit, op, low, high) in measurements {
                        sb = sb.measure(&mname, value, |m| {
                            m.comp_op = Some(op.into());
                            m.low_limit = low;
                            m.high_limit = high;
                            if !unit.is_empty() {
                                m.unit = Some(unit.clone().into());
                            }
                        });
                    }
                    sb
                }
            }
        }
        "StringValueTest" => {
            let r = results.first();
            let value = r
                .and_then(|r| r.find("Value"))
                .map(|v| v.text().trim().to_string())
                .unwrap_or_default();
            let expected = r.and_then(|r| r.path("TestLimits/Limits/Expected"));
            let mut sb = group.add_step(name, value);
            if let Some(x) = expected {
                let limit = x
                    .find("Value")
                    .map(|v| v.text().trim().to_string())
                    .unwrap_or_default();
                let op = if x.attr("comparator") == Some("CIEQ") {
                    CompOp::IGNORECASE
                } else {
                    CompOp::CASESENSIT
                };
                sb = sb.string_compare(op, &limit);
            }
            sb
        }
        _ => group.add_step(name, ()),
    };
    sb = sb.status(status);
    common(sb.step_mut(), e, status);
    let _ = sb;
    Ok(())
}
