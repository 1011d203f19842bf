//! ATML (IEEE 1636.1) test results from TestStand, versions 2.02, 5.00 and 6.01 — not implemented yet.

use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// ATML (IEEE 1636.1) test results from TestStand, versions 2.02, 5.00 and 6.01.
#[derive(Clone, Copy, Debug, Default)]
pub struct Atml;

impl Converter for Atml {
    fn name(&self) -> &str {
        "atml"
    }
    fn description(&self) -> &str {
        "ATML (IEEE 1636.1) test results from TestStand, versions 2.02, 5.00 and 6.01"
    }
    fn patterns(&self) -> &[&str] {
        &["*.xml"]
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
            "the atml converter is not implemented yet",
        ))
    }
}
