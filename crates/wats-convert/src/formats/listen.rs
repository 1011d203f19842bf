//! Listen SoundCheck results — not implemented yet.

use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// Listen SoundCheck results.
#[derive(Clone, Copy, Debug, Default)]
pub struct ListenSoundCheck;

impl Converter for ListenSoundCheck {
    fn name(&self) -> &str {
        "listen-soundcheck"
    }
    fn description(&self) -> &str {
        "Listen SoundCheck results"
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
            "the listen-soundcheck converter is not implemented yet",
        ))
    }
}
