//! External converters: any program that reads the file and prints WSJF (placeholder; the
//! implementation lands separately).

use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// A converter that runs a program (not implemented yet).
#[derive(Clone, Debug)]
pub struct ExternalConverter {
    name: String,
}

impl ExternalConverter {
    /// Builds the converter from its configuration object.
    pub fn from_config(config: &serde_json::Value) -> Result<Self, ConvertError> {
        let name = config
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or("external")
            .to_string();
        Ok(ExternalConverter { name })
    }
}

impl Converter for ExternalConverter {
    fn name(&self) -> &str {
        &self.name
    }
    fn description(&self) -> &str {
        "an external program"
    }
    fn patterns(&self) -> &[&str] {
        &["*"]
    }
    fn detect(&self, _: &Source<'_>) -> Confidence {
        0.0
    }
    fn convert(&self, _: &Source<'_>, _: &Context) -> Result<Vec<Report>, ConvertError> {
        Err(ConvertError::new(
            "external converters are not implemented yet",
        ))
    }
}
