//! TestStand XML reports, with or without the WATS add-on — not implemented yet.

use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// TestStand XML reports, with or without the WATS add-on.
#[derive(Clone, Copy, Debug, Default)]
pub struct TestStandXml;

impl Converter for TestStandXml {
    fn name(&self) -> &str {
        "teststand-xml"
    }
    fn description(&self) -> &str {
        "TestStand XML reports, with or without the WATS add-on"
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
            "the teststand-xml converter is not implemented yet",
        ))
    }
}
