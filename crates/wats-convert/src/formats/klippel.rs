//! Klippel loudspeaker QC results (header file and data folder) — not implemented yet.

use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// Klippel loudspeaker QC results (header file and data folder).
#[derive(Clone, Copy, Debug, Default)]
pub struct Klippel;

impl Converter for Klippel {
    fn name(&self) -> &str {
        "klippel"
    }
    fn description(&self) -> &str {
        "Klippel loudspeaker QC results (header file and data folder)"
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
            "the klippel converter is not implemented yet",
        ))
    }
}
