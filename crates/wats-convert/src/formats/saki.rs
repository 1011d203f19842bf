//! Saki AOI (automated optical inspection) results (XML).
//!
//! ```xml
//! <Panel barcode="SN123" result="failed" startDate="01/10/2024" startTime="08:59:14" side="PN1" operator="Op">
//!   <Program name="Test Sequence" ver=""/>
//!   <Image id="1" result="failed"><Results>
//!     <FalseCalls><Reference designator="R1165" partNumber="…" package="…" description="…"/></FalseCalls>
//!     <Failed><Reference designator="C1164" …/></Failed>
//!   </Results></Image>
//! </Panel>
//! ```
//!
//! One report per panel: `barcode` is the serial number, `side` the part number (the
//! `part_number` argument overrides it), `startDate`/`startTime` (`MM/dd/yyyy HH:mm:ss`) the
//! start, `operator` the operator, `Program/@name`/`@ver` the main sequence. Each `Image` is
//! a sequence `Image <id>` with the sub-sequences `False Calls` (each reference a passed
//! string step: the designator, its part number as value, package and description as text)
//! and `Failed` (failed string steps). An image's `result="failed"` fails its sequence; the
//! panel's `result` is the report's. Operation: `process_code` (default 40, AOI in the default process list); revision:
//! `revision` (default `1`).

use chrono::NaiveDateTime;
use wats_report::{Report, ReportBuilder, Status};

use crate::util::xml::{self, Element};
use crate::{Confidence, Context, ConvertError, Converter, Parameter, Source};

/// The Saki AOI converter.
#[derive(Clone, Copy, Debug, Default)]
pub struct SakiAoi;

const PARAMETERS: &[Parameter] = &[
    Parameter {
        name: "part_number",
        description: "part number instead of the panel's side attribute",
    },
    Parameter {
        name: "revision",
        description: "revision; default 1",
    },
    Parameter {
        name: "process_code",
        description: "operation code; default 40 (AOI)",
    },
    Parameter {
        name: "time_zone",
        description: "zone of the panel's start time: local (default), UTC, +02:00",
    },
];

impl Converter for SakiAoi {
    fn name(&self) -> &str {
        "saki-aoi"
    }
    fn description(&self) -> &str {
        "Saki AOI inspection results (XML)"
    }
    fn patterns(&self) -> &[&str] {
        &["*.xml"]
    }
    fn parameters(&self) -> &[Parameter] {
        PARAMETERS
    }

    fn detect(&self, source: &Source<'_>) -> Confidence {
        let head = source.head(4096);
        match head.find("<Panel") {
            Some(_) if head.contains("<Image") || head.contains("<Program") => 0.9,
            Some(_) if head.contains("barcode=") => 0.6,
            _ => 0.0,
        }
    }

    fn convert(&self, source: &Source<'_>, cx: &Context) -> Result<Vec<Report>, ConvertError> {
        let document = source.text();
        let tree = xml::parse(&document)?;
        let panel = tree.root();
        if panel.local() != "Panel" {
            return Err(ConvertError::at_line(
                panel.line(),
                format!("the root element is <{}>, not <Panel>", panel.name()),
            ));
        }
        let need = |attr: &str| {
            panel
                .attr(attr)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    ConvertError::at_line(panel.line(), format!("<Panel> has no {attr}"))
                })
        };
        let sn = need("barcode")?;
        let pn = match cx.text("part_number") {
            Some(pn) => pn,
            None => need("side")?.to_string(),
        };
        let (station, location, purpose) = cx.station_identity("SakiAOI");
        let mut b = ReportBuilder::uut(
            pn,
            sn,
            cx.text_or("revision", "1"),
            cx.process_code(None, 40)?,
        )
        .station(station, location, purpose)
        .result(verdict(panel.attr("result")));
        if let Some(op) = panel.attr("operator").filter(|o| !o.trim().is_empty()) {
            b = b.operator(op);
        }
        if let (Some(d), Some(t)) = (panel.attr("startDate"), panel.attr("startTime")) {
            let naive = NaiveDateTime::parse_from_str(
                &format!("{} {}", d.trim(), t.trim()),
                "%m/%d/%Y %H:%M:%S",
            )
            .map_err(|_| {
                ConvertError::at_line(
                    panel.line(),
                    format!("startDate/startTime {d:?} {t:?} is not MM/dd/yyyy HH:mm:ss"),
                )
            })?;
            b = b.start(cx.timestamp(naive)?);
        }
        if let Some(program) = panel.child("Program") {
            if let Some(seq) = b.group("").step_mut().seq_call.as_mut() {
                seq.name = program
                    .attr("name")
                    .filter(|n| !n.is_empty())
                    .map(str::to_string);
                seq.version = program
                    .attr("ver")
                    .filter(|v| !v.is_empty())
                    .map(str::to_string);
            }
        }
        for image in panel.children_named("Image") {
            let name = format!("Image {}", image.attr("id").unwrap_or("?"));
            let mut g = b.group(&name);
            g.step_mut().status = Some(verdict(image.attr("result")));
            let results = image.child("Results");
            let list = |tag: &str| -> Vec<Element> {
                results
                    .and_then(|r| r.child(tag))
                    .map(|l| l.children_named("Reference").collect())
                    .unwrap_or_default()
            };
            for (title, refs, status) in [
                ("False Calls", list("FalseCalls"), Status::Passed),
                ("Failed", list("Failed"), Status::Failed),
            ] {
                if refs.is_empty() {
                    continue;
                }
                let mut sub = g.group(title);
                for r in refs {
                    let designator =
                        r.attr("designator")
                            .filter(|d| !d.is_empty())
                            .ok_or_else(|| {
                                ConvertError::at_line(r.line(), "<Reference> has no designator")
                            })?;
                    let text = [r.attr("package"), r.attr("description")]
                        .into_iter()
                        .flatten()
                        .filter(|t| !t.is_empty())
                        .collect::<Vec<_>>()
                        .join(", ");
                    let mut s = sub
                        .add_step(designator, r.attr("partNumber").unwrap_or("").to_string())
                        .status(status);
                    if !text.is_empty() {
                        s = s.report_text(&text);
                    }
                    let _ = s;
                }
            }
        }
        Ok(vec![b.build_unchecked()])
    }
}

fn verdict(result: Option<&str>) -> Status {
    match result.map(|r| r.trim().to_ascii_lowercase()) {
        Some(r) if r == "failed" || r == "fail" || r == "ng" => Status::Failed,
        _ => Status::Passed,
    }
}
