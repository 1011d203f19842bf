//! XJTAG boundary-scan logs (.xjlog) — not implemented yet.

use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// XJTAG boundary-scan logs (.xjlog).
#[derive(Clone, Copy, Debug, Default)]
pub struct Xjtag;

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
    fn detect(&self, _source: &Source<'_>) -> Confidence {
        0.0
    }
    fn convert(
        &self,
        _source: &Source<'_>,
        _context: &Context,
    ) -> Result<Vec<Report>, ConvertError> {
        Err(ConvertError::new(
            "the xjtag converter is not implemented yet",
        ))
    }
}
