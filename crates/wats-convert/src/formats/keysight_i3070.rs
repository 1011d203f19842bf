//! Keysight (Agilent) i3070 in-circuit log records — not implemented yet.

use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// Keysight (Agilent) i3070 in-circuit log records.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeysightI3070;

impl Converter for KeysightI3070 {
    fn name(&self) -> &str {
        "keysight-i3070"
    }
    fn description(&self) -> &str {
        "Keysight (Agilent) i3070 in-circuit log records"
    }
    fn patterns(&self) -> &[&str] {
        &["*"]
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
            "the keysight-i3070 converter is not implemented yet",
        ))
    }
}
