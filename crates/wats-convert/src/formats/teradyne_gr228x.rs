//! Teradyne GR228X in-circuit test logs — not implemented yet.

use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// Teradyne GR228X in-circuit test logs.
#[derive(Clone, Copy, Debug, Default)]
pub struct TeradyneGr228x;

impl Converter for TeradyneGr228x {
    fn name(&self) -> &str {
        "teradyne-gr228x"
    }
    fn description(&self) -> &str {
        "Teradyne GR228X in-circuit test logs"
    }
    fn patterns(&self) -> &[&str] {
        &["*.log"]
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
            "the teradyne-gr228x converter is not implemented yet",
        ))
    }
}
