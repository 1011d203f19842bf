//! The WATS formats themselves: WSJF (JSON) and WSXF (XML), read as they are.

use wats_report::format::Format;
use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// WSJF, the WATS JSON report format (a report or an array of reports).
#[derive(Clone, Copy, Debug, Default)]
pub struct Wsjf;

/// WSXF, the WATS XML report format.
#[derive(Clone, Copy, Debug, Default)]
pub struct Wsxf;

fn detect(source: &Source<'_>, format: Format) -> Confidence {
    if Format::detect(source.bytes) != Some(format) {
        return 0.0;
    }
    match format {
        // Any JSON object or array starts like WSJF; the keys of a report make it sure.
        Format::Wsjf => {
            let head = source.head(4096);
            if head.contains("\"type\"") && (head.contains("\"sn\"") || head.contains("\"pn\"")) {
                1.0
            } else {
                0.5
            }
        }
        // TestStand's own `<Reports><Report>` shares the root name: the WSXF namespace or
        // WSXF's attributes decide.
        Format::Wsxf => {
            let head = source.head(4096);
            if head.contains("wats.virinco.com/schemas") {
                1.0
            } else if head.contains("<Prop ") {
                0.1
            } else {
                0.6
            }
        }
    }
}

impl Converter for Wsjf {
    fn name(&self) -> &str {
        "wsjf"
    }
    fn description(&self) -> &str {
        "WATS Standard JSON Format (WSJF): one report or an array of reports"
    }
    fn patterns(&self) -> &[&str] {
        &["*.json"]
    }
    fn stable_ids(&self) -> bool {
        true
    }
    fn detect(&self, source: &Source<'_>) -> Confidence {
        detect(source, Format::Wsjf)
    }
    fn convert(&self, source: &Source<'_>, _: &Context) -> Result<Vec<Report>, ConvertError> {
        Ok(Format::Wsjf.read(source.bytes)?)
    }
}

impl Converter for Wsxf {
    fn name(&self) -> &str {
        "wsxf"
    }
    fn description(&self) -> &str {
        "WATS Standard XML Format (WSXF)"
    }
    fn patterns(&self) -> &[&str] {
        &["*.xml"]
    }
    fn stable_ids(&self) -> bool {
        true
    }
    fn detect(&self, source: &Source<'_>) -> Confidence {
        detect(source, Format::Wsxf)
    }
    fn convert(&self, source: &Source<'_>, _: &Context) -> Result<Vec<Report>, ConvertError> {
        Ok(Format::Wsxf.read(source.bytes)?)
    }
}
