//! SPEA 3030 in-circuit test logs (many UUTs per file) — not implemented yet.

use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// SPEA 3030 in-circuit test logs (many UUTs per file).
#[derive(Clone, Copy, Debug, Default)]
pub struct Spea3030;

impl Converter for Spea3030 {
    fn name(&self) -> &str {
        "spea-3030"
    }
    fn description(&self) -> &str {
        "SPEA 3030 in-circuit test logs (many UUTs per file)"
    }
    fn patterns(&self) -> &[&str] {
        &["*.csv"]
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
            "the spea-3030 converter is not implemented yet",
        ))
    }
}
