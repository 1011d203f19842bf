//! TAKAYA flying probe ATD logs — not implemented yet.

use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// TAKAYA flying probe ATD logs.
#[derive(Clone, Copy, Debug, Default)]
pub struct TakayaAtd;

impl Converter for TakayaAtd {
    fn name(&self) -> &str {
        "takaya"
    }
    fn description(&self) -> &str {
        "TAKAYA flying probe ATD logs"
    }
    fn patterns(&self) -> &[&str] {
        &["*.atd"]
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
            "the takaya converter is not implemented yet",
        ))
    }
}
