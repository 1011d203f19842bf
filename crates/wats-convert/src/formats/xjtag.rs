//! XJTAG boundary-scan logs (`.xjlog`: a ZIP archive).
//!
//! The archive holds `Info.xml` (`LogFileInfo`: `TestRunCount`, `ProjectPath`) and one
//! `Run <n>.xml` per test run:
//!
//! ```xml
//! <testrun datetime="2018-08-10T12:25:32.99Z">
//!   <testgroup name="Check Chain">
//!     <testfunction name="CheckChain">
//!       <text-output output-type="UserText"><![CDATA[Checking the JTAG chain.]]></text-output>
//!       <result value="Passed"/>
//!     </testfunction>
//!   </testgroup>
//!   <testruninfo><project-description>…</project-description><user>…</user>
//!     <serial>1234</serial><xjlink-name>…</xjlink-name><result>Passed</result></testruninfo>
//! </testrun>
//! ```
//!
//! Each run is one UUT report: `serial` is the serial number, `user` the operator,
//! `project-description` the comment, `xjlink-name` the station (when not empty), `datetime`
//! the start, `result` the result, `time-taken` (ms, when present) the execution time. Each
//! `testgroup` is a sequence; each `testfunction` a pass/fail step with the status its
//! `result` names (`Passed`, `Failed`, `Error`, `Skipped`…) and its text outputs as report
//! text (at most 10,000 characters), `time-taken` as step time. The main sequence is named
//! after the project file (`ProjectPath`), else `JTAGSeq1`.
//!
//! The archive is read with the zip-bomb limits of [`crate::util::zip_entries`] (only `Info.xml` and
//! the runs are decompressed). Arguments:
//! `part_number` (default `PN`), `revision` (default `1.0`), `process_code` (default 50, PCBA test in the default process list).

use chrono::DateTime;
use wats_report::{Report, ReportBuilder, Status, Timestamp};

use crate::util::xml::{self, Element};
use crate::util::{parse_number, zip_entries};
use crate::{Confidence, Context, ConvertError, Converter, Parameter, Source};

/// The XJTAG converter.
#[derive(Clone, Copy, Debug, Default)]
pub struct Xjtag;

const PARAMETERS: &[Parameter] = &[
    Parameter {
        name: "part_number",
        description: "part number (the log has none); default PN",
    },
    Parameter {
        name: "revision",
        description: "revision; default 1.0",
    },
    Parameter {
        name: "process_code",
        description: "operation code; default 50 (PCBA test)",
    },
];

/// Longest report text kept from a test function's output.
const MAX_TEXT: usize = 10_000;

impl Converter for Xjtag {
    fn name(&self) -> &str {
        "xjtag"
    }
    fn description(&self) -> &str {
        "XJTAG boundary-scan logs (.xjlog)"
    }
    fn patterns(&self) -> &[&str] {
        &["*.xjlog"]
    }
    fn parameters(&self) -> &[Parameter] {
        PARAMETERS
    }

    fn detect(&self, source: &Source<'_>) -> Confidence {
        if !source.bytes.starts_with(b"PK\x03\x04") {
            return 0.0;
        }
        // Member names are stored as plain text in the local headers.
        let names = |n: &[u8]| memchr::memmem::find(source.bytes, n).is_some();
        match (
            source.extension() == "xjlog",
            names(b"Info.xml") && names(b"Run 1.xml"),
        ) {
            (true, true) => 0.98,
            (false, true) => 0.85,
            (true, false) => 0.4,
            _ => 0.0,
        }
    }

    fn convert(&self, source: &Source<'_>, cx: &Context) -> Result<Vec<Report>, ConvertError> {
        // Only the run files and Info.xml: the connection-test dumps are large and unused.
        let entries = zip_entries(source.bytes, |name| {
            name.eq_ignore_ascii_case("Info.xml")
                || (name.starts_with("Run ") && name.ends_with(".xml"))
        })?;
        let project = entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("Info.xml"))
            .map(|(_, data)| {
                let document = crate::source::decode_text(data);
                let info = xml::parse(&document).map_err(|e| in_member(e, "Info.xml"))?;
                Ok::<_, ConvertError>(info.root().text_at("ProjectPath").map(str::to_string))
            })
            .transpose()?
            .flatten()
            .map(|p| {
                let name = p.rsplit(['\\', '/']).next().unwrap_or(&p).to_string();
                name.rsplit_once('.')
                    .map(|(s, _)| s.to_string())
                    .unwrap_or(name)
            });
        let mut runs: Vec<(u64, &str, &[u8])> = entries
            .iter()
            .filter_map(|(name, data)| {
                let n = name
                    .strip_prefix("Run ")?
                    .strip_suffix(".xml")?
                    .trim()
                    .parse()
                    .ok()?;
                Some((n, name.as_str(), data.as_slice()))
            })
            .collect();
        runs.sort_by_key(|r| r.0);
        if runs.is_empty() {
            return Err(ConvertError::new(
                "the archive holds no \"Run <n>.xml\" (not an XJTAG log?)",
            ));
        }
        runs.into_iter()
            .map(|(_, name, data)| {
                let document = crate::source::decode_text(data);
                let tree = xml::parse(&document).map_err(|e| in_member(e, name))?;
                run(tree.root(), project.as_deref(), cx).map_err(|e| in_member(e, name))
            })
            .collect()
    }
}

/// Names the archive member in the error's element path.
fn in_member(mut e: ConvertError, member: &str) -> ConvertError {
    e.location.path = if e.location.path.is_empty() {
        member.to_string()
    } else {
        format!("{member}: {}", e.location.path)
    };
    e
}

fn status(text: &str) -> Status {
    match text.trim().to_ascii_lowercase().as_str() {
        "passed" | "pass" => Status::Passed,
        "failed" | "fail" => Status::Failed,
        "error" => Status::Error,
        "terminated" | "aborted" | "cancelled" => Status::Terminated,
        _ => Status::Skipped,
    }
}

/// Milliseconds as written by XJTAG (`4,474`).
fn millis(e: Element) -> Option<f64> {
    let t = e.text_at("time-taken")?.replace(',', "");
    parse_number(&t).map(|ms| ms / 1000.0)
}

fn run(root: Element, project: Option<&str>, cx: &Context) -> Result<Report, ConvertError> {
    if root.local() != "testrun" {
        return Err(ConvertError::at_line(
            root.line(),
            format!("the root element is <{}>, not <testrun>", root.name()),
        ));
    }
    let info = root
        .child("testruninfo")
        .ok_or_else(|| ConvertError::at_line(root.line(), "no <testruninfo> in the run"))?;
    let sn = info
        .text_at("serial")
        .ok_or_else(|| ConvertError::at_line(info.line(), "<testruninfo> has no <serial>"))?;
    let (mut station, location, purpose) = cx.station_identity("XJTAG");
    if let Some(link) = info.text_at("xjlink-name") {
        station = link.to_string();
    }
    let mut b = ReportBuilder::uut(
        cx.text_or("part_number", "PN"),
        sn,
        cx.text_or("revision", "1.0"),
        cx.process_code(None, 50)?,
    )
    .station(station, location, purpose)
    .result(info.text_at("result").map(status).unwrap_or(Status::Passed));
    if let Some(user) = info.text_at("user") {
        b = b.operator(user);
    }
    if let Some(text) = info.text_at("project-description") {
        b = b.comment(text);
    }
    if let Some(secs) = millis(info) {
        b = b.exec_time(secs);
    }
    if let Some(at) = root.attr("datetime") {
        let at = DateTime::parse_from_rfc3339(at.trim()).map_err(|_| {
            ConvertError::at_line(
                root.line(),
                format!("datetime {at:?} is not an ISO 8601 time"),
            )
        })?;
        b = b.start(Timestamp::new(at));
    }
    if let Some(seq) = b.group("").step_mut().seq_call.as_mut() {
        seq.name = Some(project.unwrap_or("JTAGSeq1").to_string());
    }
    for group in root.children_named("testgroup") {
        let name = group.attr("name").unwrap_or("Test group");
        let mut g = b.group(name);
        for function in group.children_named("testfunction") {
            let result = function
                .child("result")
                .and_then(|r| r.attr("value"))
                .ok_or_else(|| {
                    ConvertError::at_line(function.line(), "<testfunction> has no <result value=…>")
                })?;
            let st = status(result);
            let mut text = String::new();
            for out in function
                .children_named("text-output")
                .chain(function.children_named("plain-text"))
            {
                let t = out.text().trim();
                if t.is_empty() {
                    continue;
                }
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(t);
            }
            if text.chars().count() > MAX_TEXT {
                text = text.chars().take(MAX_TEXT).collect();
            }
            let mut s = g
                .add_step(
                    function.attr("name").unwrap_or("Test function"),
                    st != Status::Failed,
                )
                .status(st);
            if !text.is_empty() {
                s = s.report_text(&text);
            }
            if let Some(secs) = millis(function) {
                s = s.time(secs);
            }
            let _ = s;
        }
    }
    Ok(b.build_unchecked())
}
