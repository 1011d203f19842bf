//! The comparison operator truth table (report-formats §1.11), edge values included.

use wats_report::op::{CompOp, Limits};
use CompOp::*;

const INF: f64 = f64::INFINITY;
const NAN: f64 = f64::NAN;

/// (operator, value, low, high, expected pass)
type NumericRow = (CompOp, f64, Option<f64>, Option<f64>, bool);

#[rustfmt::skip]
const NUMERIC: &[NumericRow] = &[
    (LOG, 1.0, None, None, true),
    (LOG, NAN, None, None, true),
    (LOG, 5.0, Some(0.0), Some(1.0), true),
    // Single-limit operators read lowLimit only, LT/LE included; highLimit is ignored.
    (EQ, 500.0, Some(500.0), None, true),
    (EQ, 500.0, Some(501.0), None, false),
    (EQ, 500.0, Some(500.0), Some(0.0), true),
    (NE, 500.0, Some(501.0), None, true),
    (NE, 500.0, Some(500.0), None, false),
    (LT, 500.0, Some(501.0), None, true),   // export: SingleLTPass
    (LT, 500.0, Some(500.0), None, false),
    (LT, 500.0, Some(501.0), Some(0.0), true), // a high limit does not matter
    (LE, 500.0, Some(500.0), None, true),
    (LE, 500.0, Some(499.0), None, false),  // export: SingleLEFail
    (LE, 500.0, None, Some(600.0), false),  // an upper bound in highLimit is not read
    (GT, 500.0, Some(499.0), None, true),
    (GT, 500.0, Some(500.0), None, false),
    (GE, 500.0, Some(500.0), None, true),
    (GE, 500.0, Some(501.0), None, false),
    // Two-limit operators: boundaries.
    (GTLT, 1.0, Some(0.0), Some(2.0), true),
    (GTLT, 0.0, Some(0.0), Some(2.0), false),
    (GTLT, 2.0, Some(0.0), Some(2.0), false),
    (GTLE, 2.0, Some(0.0), Some(2.0), true),
    (GTLE, 0.0, Some(0.0), Some(2.0), false),
    (GELT, 0.0, Some(0.0), Some(2.0), true),
    (GELT, 2.0, Some(0.0), Some(2.0), false),
    (GELE, 0.0, Some(0.0), Some(2.0), true),
    (GELE, 2.0, Some(0.0), Some(2.0), true),
    (GELE, 2.0000001, Some(0.0), Some(2.0), false),
    (GELE, 500.0, Some(500.0), Some(500.0), true), // export: SingleGELEPass
    (GELE, 500.0, Some(501.0), Some(502.0), false),
    (EQT, 1.0, Some(0.99), Some(1.01), true),
    (EQT, 1.02, Some(0.99), Some(1.01), false),
    // Outside-range operators.
    (LTGT, -1.0, Some(0.0), Some(2.0), true),
    (LTGT, 3.0, Some(0.0), Some(2.0), true),
    (LTGT, 0.0, Some(0.0), Some(2.0), false),
    (LTGT, 2.0, Some(0.0), Some(2.0), false),
    (LTGE, 2.0, Some(0.0), Some(2.0), true),
    (LTGE, 0.0, Some(0.0), Some(2.0), false),
    (LEGT, 0.0, Some(0.0), Some(2.0), true),
    (LEGT, 2.0, Some(0.0), Some(2.0), false),
    (LEGE, 0.0, Some(0.0), Some(2.0), true),
    (LEGE, 2.0, Some(0.0), Some(2.0), true),
    (LEGE, 1.0, Some(0.0), Some(2.0), false),
    // Missing limits fail.
    (EQ, 1.0, None, None, false),
    (GELE, 1.0, Some(0.0), None, false),
    (GELE, 1.0, None, Some(2.0), false),
    // NaN fails everything but LOG, as value or as limit.
    (NE, NAN, Some(1.0), None, false),
    (GELE, NAN, Some(0.0), Some(2.0), false),
    (LTGT, NAN, Some(0.0), Some(2.0), false),
    (GE, 1.0, Some(NAN), None, false),
    (NE, 1.0, Some(NAN), None, false),
    (GELE, 1.0, Some(0.0), Some(NAN), false),
    // Infinities order normally.
    (GE, INF, Some(1e308), None, true),
    (LE, -INF, Some(-1e308), None, true),
    (EQ, INF, Some(INF), None, true),
    (GELE, INF, Some(0.0), Some(INF), true),
    (GTLT, INF, Some(0.0), Some(INF), false),
    (LTGT, -INF, Some(0.0), Some(1.0), true),
    // Negative zero equals zero.
    (EQ, -0.0, Some(0.0), None, true),
];

#[test]
fn numeric_truth_table() {
    for &(op, v, low, high, expected) in NUMERIC {
        assert_eq!(
            op.check_numeric(v, low, high),
            Some(expected),
            "{op} value {v} low {low:?} high {high:?}"
        );
    }
}

#[test]
fn every_numeric_operator_is_in_the_table() {
    for op in CompOp::ALL.into_iter().filter(|op| op.is_numeric()) {
        assert!(NUMERIC.iter().any(|row| row.0 == op), "{op} untested");
    }
}

#[test]
fn string_operators() {
    #[rustfmt::skip]
    let rows: &[(CompOp, &str, Option<&str>, Option<bool>)] = &[
        (LOG, "anything", None, Some(true)),
        (EQ, "abc", Some("abc"), Some(true)),
        (EQ, "abc", Some("ABC"), Some(false)),
        (CASESENSIT, "abc", Some("abc"), Some(true)),
        (CASESENSIT, "abc", Some("Abc"), Some(false)),
        (IGNORECASE, "abc", Some("ABC"), Some(true)),
        (IGNORECASE, "ÆØÅ", Some("æøå"), Some(true)),
        (IGNORECASE, "abc", Some("abd"), Some(false)),
        (NE, "a", Some("b"), Some(true)),
        (NE, "a", Some("a"), Some(false)),
        (LT, "a", Some("b"), Some(true)),
        (LE, "b", Some("b"), Some(true)),
        (GT, "b", Some("a"), Some(true)),
        (GE, "a", Some("b"), Some(false)),
        (EQ, "", None, Some(false)),
        (EQ, "", Some(""), Some(true)),
        // Range operators do not apply to strings.
        (GELE, "a", Some("b"), None),
        (EQT, "a", Some("a"), None),
    ];
    for &(op, v, limit, expected) in rows {
        assert_eq!(op.check_string(v, limit), expected, "{op} {v:?} {limit:?}");
    }
    assert_eq!(CASESENSIT.check_numeric(1.0, Some(1.0), None), None);
}

#[test]
fn names_parse_case_insensitively_and_keep_their_spelling() {
    for op in CompOp::ALL {
        assert_eq!(CompOp::parse(op.as_str()), Some(op));
        assert_eq!(CompOp::parse(&op.as_str().to_lowercase()), Some(op));
    }
    let v = wats_report::CompOpValue::parse("IgnoreCase");
    assert_eq!(v.op(), Some(IGNORECASE));
    assert_eq!(v.as_str(), "IgnoreCase");
    assert_eq!(wats_report::CompOpValue::parse("ABOUT").op(), None);
    assert_eq!(LT.limits(), Limits::Low);
    assert_eq!(LOG.limits(), Limits::None);
    assert_eq!(LEGE.limits(), Limits::Both);
}

/// The real export's verdicts agree with our evaluation, measurement by measurement.
#[test]
fn export_verdicts_agree() {
    let text = wats_test_support::sample_text("wats/uut-wsjf-export.json");
    let report = wats_report::wsjf::from_str(&text).unwrap();
    let mut checked = 0;
    for step in report.steps() {
        for m in step.numeric_meas.iter().flatten() {
            if let Some(judged) = wats_report::rules::judge_numeric(m) {
                assert_eq!(Some(judged), m.status, "step {:?}", step.name);
                checked += 1;
            }
        }
        for m in step.string_meas.iter().flatten() {
            if let Some(judged) = wats_report::rules::judge_string(m) {
                assert_eq!(Some(judged), m.status, "step {:?}", step.name);
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} measurements checked");
}
