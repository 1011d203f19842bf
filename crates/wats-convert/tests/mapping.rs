//! The declarative CSV converter: the sample with the default mapping, generated files with
//! many units, custom columns and delimiters, quoting, and bad input.

use crate::common;

use wats_convert::mapping::CsvMapping;
use wats_convert::{Context, Converter, Source};
use wats_report::{CompOp, Status, StepKind};

fn convert(
    text: &str,
    cx: &Context,
) -> Result<Vec<wats_report::Report>, wats_convert::ConvertError> {
    CsvMapping.convert(
        &Source::new(std::path::Path::new("t.csv"), text.as_bytes()),
        cx,
    )
}

#[test]
fn the_sample_with_the_default_mapping() {
    let reports = common::convert_sample(
        &CsvMapping,
        "csv/sample-enhanced.csv",
        &Context::default().arg("time_zone", "UTC"),
    );
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(r.sn.as_deref(), Some("SN12345"));
    assert_eq!(r.pn.as_deref(), Some("PN-001"));
    assert_eq!(r.process_name.as_deref(), Some("ICT"));
    assert_eq!(r.process_code, Some(10));
    assert_eq!(
        r.start.as_ref().unwrap().to_string(),
        "2026-02-03T14:30:00.0000000+00:00"
    );
    assert_eq!(r.result, Some(Status::Passed));
    let steps = r.steps();
    let volt = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("Voltage Measurement"))
        .unwrap();
    let m = &volt.numeric_meas.as_ref().unwrap()[0];
    assert_eq!(
        (m.value, m.low_limit, m.high_limit),
        (Some(5.02), Some(4.9), Some(5.1))
    );
    assert_eq!(m.unit.as_deref(), Some("V"));
    assert_eq!(m.comp_op.as_ref().unwrap().op(), Some(CompOp::GELE));
    let cont = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("Continuity Test"))
        .unwrap();
    assert_eq!(cont.kind(), StepKind::PassFail);
    assert_eq!(cont.status, Some(Status::Passed));
    let fw = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("Firmware Version"))
        .unwrap();
    assert_eq!(fw.kind(), StepKind::StringValue);
    assert_eq!(
        fw.string_meas.as_ref().unwrap()[0].value.as_deref(),
        Some("v2.1.5")
    );
}

#[test]
fn many_units_in_one_file_and_a_failing_one() {
    let mut text = String::from("SN;PN;Date;Group;Test;Value;Low;High;Unit;Result\n");
    for u in 0..5 {
        for t in 0..4 {
            let v = if u == 3 && t == 2 { 9.0 } else { 1.0 };
            let verdict = if v > 2.0 { "FAIL" } else { "PASS" };
            text.push_str(
                &format!(
                    "U{u};PCBA-7;2026-03-0{} 10:00:00;Power/Rails;T{t};{v};0,5;2;V;{verdict}\n",
                    u + 1
                )
                .replace(",5", ".5"),
            );
        }
    }
    let reports = convert(&text, &Context::default()).unwrap();
    common::assert_valid(&reports, "generated");
    assert_eq!(reports.len(), 5);
    assert_eq!(reports[3].sn.as_deref(), Some("U3"));
    assert_eq!(reports[3].result, Some(Status::Failed));
    assert!(reports
        .iter()
        .enumerate()
        .all(|(i, r)| i == 3 || r.result == Some(Status::Passed)));
    let failed = reports[3]
        .steps()
        .into_iter()
        .find(|s| s.name.as_deref() == Some("T2"))
        .unwrap();
    assert_eq!(failed.status, Some(Status::Failed));
    // Grouped under Power/Rails.
    let root = reports[0].root.as_ref().unwrap();
    assert_eq!(root.children()[0].name.as_deref(), Some("Power"));
}

#[test]
fn custom_columns_quotes_bom_and_tabs() {
    let text = "\u{feff}Board\tItem\tReading\tMin\tMax\tVerdict\n\"B-1\"\t\"Temp, board\"\t41.5\t10\t60\tok\n";
    let cx = Context::default()
        .arg("columns", serde_json::json!({"serial_number": "Board", "step_name": "Item", "value": "Reading", "low_limit": "Min", "high_limit": "Max", "status": "Verdict"}))
        .arg("part_number", "PN-X")
        .arg("pass_values", serde_json::json!(["ok"]));
    let reports = convert(text, &cx).unwrap();
    common::assert_valid(&reports, "custom");
    let r = &reports[0];
    assert_eq!(
        (r.sn.as_deref(), r.pn.as_deref()),
        (Some("B-1"), Some("PN-X"))
    );
    let step = r
        .steps()
        .into_iter()
        .find(|s| s.name.as_deref() == Some("Temp, board"))
        .unwrap();
    assert_eq!(step.status, Some(Status::Passed));
    assert_eq!(step.numeric_meas.as_ref().unwrap()[0].value, Some(41.5));
}

#[test]
fn bad_input_names_the_line() {
    let header = "SerialNumber,PartNumber,StepName,Value,LowLimit,HighLimit\n";
    let err = convert(&format!("{header}S1,P1,V,abc,1,2\n"), &Context::default()).unwrap_err();
    // A non-numeric value is a string step, but a non-numeric limit is an error.
    assert!(
        err.message.contains("low_limit") || err.location.line == 2,
        "{err}"
    );
    let err = convert(&format!("{header}S1,P1,V,1,x,2\n"), &Context::default()).unwrap_err();
    assert_eq!(err.location.line, 2, "{err}");
    assert!(err.message.contains("low_limit"), "{err}");
    let err = convert(&format!("{header},P1,V,1,0,2\n"), &Context::default()).unwrap_err();
    assert!(err.message.contains("serial number"), "{err}");
    let err = convert("SerialNumber,StepName\nS1,\"open", &Context::default()).unwrap_err();
    assert!(err.message.contains("not closed"), "{err}");
    let err = convert("Foo,Bar\n1,2\n", &Context::default()).unwrap_err();
    assert!(err.message.contains("serial number column"), "{err}");
    let err = convert(
        "SN,Date,Step\nS,yesterday,X\n",
        &Context::default().arg("part_number", "P"),
    )
    .unwrap_err();
    assert_eq!(err.location.line, 2, "{err}");
    // Random bytes never panic.
    let mut rng = 1u64;
    for _ in 0..300 {
        rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1);
        let len = (rng >> 40) as usize % 200;
        let bytes: Vec<u8> = (0..len)
            .map(|i| b"SN,Step,Value,\"\n;x1."[(rng as usize >> (i % 32)) % 20])
            .collect();
        let _ = CsvMapping.convert(
            &Source::new(std::path::Path::new("r.csv"), &bytes),
            &Context::default(),
        );
    }
}

#[test]
fn spea_files_are_not_taken_for_generic_csv() {
    let (path, bytes) = common::sample("spea-3030/testdata_SN9871234012.csv");
    assert!(CsvMapping.detect(&Source::new(&path, &bytes)) < 0.2);
}

mod json {
    use super::common;
    use wats_convert::mapping::JsonMapping;
    use wats_convert::{Context, Converter, Registry, Source};
    use wats_report::{CompOp, Status, StepKind};

    fn convert(
        text: &str,
        cx: &Context,
    ) -> Result<Vec<wats_report::Report>, wats_convert::ConvertError> {
        JsonMapping.convert(
            &Source::new(std::path::Path::new("t.json"), text.as_bytes()),
            cx,
        )
    }

    #[test]
    fn a_natural_layout_without_arguments() {
        let text = r#"{"serialNumber": "J-1", "partNumber": "PCBA-J", "operator": "ann",
            "startTime": "2026-04-01T09:00:00Z",
            "steps": [
              {"name": "3V3", "group": "Power", "value": 3.31, "lowLimit": 3.2, "highLimit": 3.4, "unit": "V"},
              {"name": "5V", "group": "Power", "value": 5.6, "lowLimit": 4.9, "highLimit": 5.1, "unit": "V"},
              {"name": "Self test", "value": true},
              {"name": "Firmware", "value": "v2.1"}]}"#;
        let source = Source::new(std::path::Path::new("t.json"), text.as_bytes());
        assert_eq!(Registry::builtin().best(&source).unwrap().0.name(), "json");
        let reports = convert(text, &Context::default()).unwrap();
        common::assert_valid(&reports, "json");
        let r = &reports[0];
        assert_eq!(
            (r.sn.as_deref(), r.pn.as_deref()),
            (Some("J-1"), Some("PCBA-J"))
        );
        assert_eq!(r.result, Some(Status::Failed), "5V is out of its limits");
        let steps = r.steps();
        let v5 = steps
            .iter()
            .find(|s| s.name.as_deref() == Some("5V"))
            .unwrap();
        assert_eq!(v5.status, Some(Status::Failed));
        assert_eq!(
            v5.numeric_meas.as_ref().unwrap()[0]
                .comp_op
                .as_ref()
                .unwrap()
                .op(),
            Some(CompOp::GELE)
        );
        assert_eq!(
            steps
                .iter()
                .find(|s| s.name.as_deref() == Some("Self test"))
                .unwrap()
                .kind(),
            StepKind::PassFail
        );
        assert_eq!(
            steps
                .iter()
                .find(|s| s.name.as_deref() == Some("Firmware"))
                .unwrap()
                .kind(),
            StepKind::StringValue
        );
    }

    #[test]
    fn a_mapping_with_pointers_and_many_units() {
        let text = r#"{"batch": {"boards": [
            {"id": {"sn": "B-1"}, "tests": [{"label": "R1", "reading": "101.5", "lo": 95, "hi": 105}]},
            {"id": {"sn": "B-2"}, "tests": [{"label": "R1", "reading": "120.0", "lo": 95, "hi": 105}]}]}}"#;
        let cx = Context::default()
            .arg("units", "/batch/boards")
            .arg("steps", "/tests")
            .arg("fields", serde_json::json!({"serial_number": "/id/sn"}))
            .arg("step_fields", serde_json::json!({"name": "/label", "value": "/reading", "low_limit": "/lo", "high_limit": "/hi"}))
            .arg("part_number", "PN-B");
        let reports = convert(text, &cx).unwrap();
        common::assert_valid(&reports, "mapped");
        assert_eq!(reports.len(), 2);
        assert_eq!(reports[1].sn.as_deref(), Some("B-2"));
        assert_eq!(reports[1].result, Some(Status::Failed));
        let m = &reports[0].steps()[1].numeric_meas.as_ref().unwrap()[0];
        assert_eq!(
            (m.value, m.low_limit, m.high_limit),
            (Some(101.5), Some(95.0), Some(105.0))
        );
    }

    #[test]
    fn errors_name_the_path_and_wsjf_is_not_taken() {
        let err = convert(r#"{"serialNumber": "S", "partNumber": "P", "steps": [{"name": "x", "value": 1, "lowLimit": "low"}]}"#, &Context::default()).unwrap_err();
        assert_eq!(err.location.path, "/steps/0/low_limit", "{err}");
        let err = convert(r#"{"partNumber": "P"}"#, &Context::default()).unwrap_err();
        assert!(err.message.contains("serial"), "{err}");
        let err = convert("{\"serialNumber\": ", &Context::default()).unwrap_err();
        assert!(
            err.location.line >= 1 && err.message.contains("JSON"),
            "{err}"
        );
        for wsjf in ["wats/uur-example.json", "wats/uut-wsjf-export.json"] {
            let (path, bytes) = common::sample(wsjf);
            assert!(
                JsonMapping.detect(&Source::new(&path, &bytes)) < 0.2,
                "{wsjf}"
            );
        }
    }
}
