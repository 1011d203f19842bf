//! Every WATS sample survives JSON → model → JSON unchanged, key for key.

use crate::common;

use common::{assert_json_eq, sample};
use wats_report::wsjf;

fn roundtrip(rel: &str) {
    let text = sample(rel);
    let report = wsjf::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let written = wsjf::to_string(&report);
    let original: serde_json::Value = serde_json::from_str(&text).unwrap();
    let again: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_json_eq(&original, &again, "$");
    // And the model read back is the same model.
    assert_eq!(wsjf::from_str(&written).unwrap(), report);
}

#[test]
fn uut_export_roundtrips() {
    roundtrip("wats/uut-wsjf-export.json");
}

#[test]
fn uur_example_roundtrips() {
    roundtrip("wats/uur-example.json");
}

#[test]
fn every_wats_json_sample_roundtrips() {
    let dir = common::samples().join("wats");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            roundtrip(&format!(
                "wats/{}",
                path.file_name().unwrap().to_string_lossy()
            ));
            n += 1;
        }
    }
    assert!(n >= 2);
}

#[test]
fn unknown_keys_survive_at_every_level() {
    let text = r#"{"type":"T","id":"33a2d408-3fc8-480b-b554-6866c77fd91c","x1":{"a":[1,2]},
      "uut":{"user":"op","x2":true},
      "root":{"id":1,"stepType":"SequenceCall","x3":"s","steps":[
        {"id":2,"numericMeas":[{"value":1.5,"x4":null}],"chart":{"series":[{"ydata":"1;2","x5":5}]}}]}}"#;
    let report = wsjf::from_str(text).unwrap();
    let again: serde_json::Value = serde_json::from_str(&wsjf::to_string(&report)).unwrap();
    let original: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_json_eq(&original, &again, "$");
}

#[test]
fn non_finite_numbers_have_a_defined_form() {
    let text = r#"{"type":"T","root":{"numericMeas":[{"value":"NaN","lowLimit":"-INF","highLimit":"Infinity"}]}}"#;
    let report = wsjf::from_str(text).unwrap();
    let m = &report.root.as_ref().unwrap().numeric_meas.as_ref().unwrap()[0];
    assert!(m.value.unwrap().is_nan());
    assert_eq!(m.low_limit, Some(f64::NEG_INFINITY));
    assert_eq!(m.high_limit, Some(f64::INFINITY));
    let out = wsjf::to_string(&report);
    assert!(out.contains(r#""value":"NaN""#), "{out}");
    assert!(out.contains(r#""lowLimit":"-Infinity""#), "{out}");
}
