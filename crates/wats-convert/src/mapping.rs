//! Declarative converters: CSV columns and JSON paths mapped to report fields by configuration.

use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// CSV with a column mapping (not implemented yet).
#[derive(Clone, Debug, Default)]
pub struct CsvMapping {
    _todo: (),
}

/// JSON with a path mapping (not implemented yet).
#[derive(Clone, Debug, Default)]
pub struct JsonMapping {
    _todo: (),
}

impl Converter for CsvMapping {
    fn name(&self) -> &str {
        "csv"
    }
    fn description(&self) -> &str {
        "CSV with a configurable column mapping"
    }
    fn patterns(&self) -> &[&str] {
        &["*.csv"]
    }
    fn detect(&self, _: &Source<'_>) -> Confidence {
        0.0
    }
    fn convert(&self, _: &Source<'_>, _: &Context) -> Result<Vec<Report>, ConvertError> {
        Err(ConvertError::new("not implemented yet"))
    }
}

impl Converter for JsonMapping {
    fn name(&self) -> &str {
        "json"
    }
    fn description(&self) -> &str {
        "JSON with a configurable path mapping"
    }
    fn patterns(&self) -> &[&str] {
        &["*.json"]
    }
    fn detect(&self, _: &Source<'_>) -> Confidence {
        0.0
    }
    fn convert(&self, _: &Source<'_>, _: &Context) -> Result<Vec<Report>, ConvertError> {
        Err(ConvertError::new("not implemented yet"))
    }
}
