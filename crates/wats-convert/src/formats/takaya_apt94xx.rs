//! TAKAYA APT-94xx flying probe ATD logs (one report per panel serial) — not implemented yet.

use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// TAKAYA APT-94xx flying probe ATD logs (one report per panel serial).
#[derive(Clone, Copy, Debug, Default)]
pub struct TakayaApt94xx;

impl Converter for TakayaApt94xx {
    fn name(&self) -> &str {
        "takaya-apt94xx"
    }
    fn description(&self) -> &str {
        "TAKAYA APT-94xx flying probe ATD logs (one report per panel serial)"
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
            "the takaya-apt94xx converter is not implemented yet",
        ))
    }
}
