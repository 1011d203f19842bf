//! SigmaSure / SigmaQuest XML test data — not implemented yet.

use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// SigmaSure / SigmaQuest XML test data.
#[derive(Clone, Copy, Debug, Default)]
pub struct SigmaQuest;

impl Converter for SigmaQuest {
    fn name(&self) -> &str {
        "sigmaquest"
    }
    fn description(&self) -> &str {
        "SigmaSure / SigmaQuest XML test data"
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
            "the sigmaquest converter is not implemented yet",
        ))
    }
}
