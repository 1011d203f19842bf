//! Shared helpers of the converter tests: sample files, conversion and validity checks.
#![allow(dead_code)]

use wats_convert::{Context, Converter, Registry, Source};
use wats_report::{Report, Validator};

pub use wats_test_support::{sample_bytes as sample, sample_path};

/// Converts a sample with `converter`, asserts each report is valid for submission, and checks
/// that the registry's auto-detection picks the same converter.
pub fn convert_sample(converter: &dyn Converter, rel: &str, context: &Context) -> Vec<Report> {
    let (path, bytes) = sample(rel);
    let source = Source::new(&path, &bytes);
    let reports = converter
        .convert(&source, context)
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert!(!reports.is_empty(), "{rel}: no reports");
    assert_valid(&reports, rel);
    let best = Registry::builtin()
        .best(&source)
        .map(|(c, _)| c.name().to_string());
    assert_eq!(
        best.as_deref(),
        Some(converter.name()),
        "{rel}: auto-detection"
    );
    reports
}

/// Asserts every report passes validation and survives a WSJF round trip.
pub fn assert_valid(reports: &[Report], what: &str) {
    let validator = Validator::default();
    for (i, report) in reports.iter().enumerate() {
        let errors = validator.validate(report);
        assert!(errors.is_empty(), "{what}[{i}] invalid: {errors:#?}");
        let json = serde_json::to_string(&report.for_submission()).unwrap();
        let back: Report = serde_json::from_str(&json).unwrap();
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(report.for_submission()).unwrap()
        );
    }
}

/// Every step of a report, depth first, the root sequence first.
pub fn all_steps(report: &Report) -> Vec<&wats_report::Step> {
    report.steps()
}
