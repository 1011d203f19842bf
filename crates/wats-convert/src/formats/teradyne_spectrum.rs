//! Teradyne Spectrum in-circuit test data — not implemented yet.

use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// Teradyne Spectrum in-circuit test data.
#[derive(Clone, Copy, Debug, Default)]
pub struct TeradyneSpectrum;

impl Converter for TeradyneSpectrum {
    fn name(&self) -> &str {
        "teradyne-spectrum"
    }
    fn description(&self) -> &str {
        "Teradyne Spectrum in-circuit test data"
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
            "the teradyne-spectrum converter is not implemented yet",
        ))
    }
}
