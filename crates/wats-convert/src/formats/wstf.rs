//! WATS Standard Text Format (WSTF) — not implemented yet.

use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// WATS Standard Text Format (WSTF).
#[derive(Clone, Copy, Debug, Default)]
pub struct Wstf;

impl Converter for Wstf {
    fn name(&self) -> &str {
        "wstf"
    }
    fn description(&self) -> &str {
        "WATS Standard Text Format (WSTF)"
    }
    fn patterns(&self) -> &[&str] {
        &["*.txt"]
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
            "the wstf converter is not implemented yet",
        ))
    }
}
