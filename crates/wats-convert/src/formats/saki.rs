//! Saki AOI inspection results (XML) — not implemented yet.

use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// Saki AOI inspection results (XML).
#[derive(Clone, Copy, Debug, Default)]
pub struct SakiAoi;

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
    fn detect(&self, _source: &Source<'_>) -> Confidence {
        0.0
    }
    fn convert(
        &self,
        _source: &Source<'_>,
        _context: &Context,
    ) -> Result<Vec<Report>, ConvertError> {
        Err(ConvertError::new(
            "the saki-aoi converter is not implemented yet",
        ))
    }
}
