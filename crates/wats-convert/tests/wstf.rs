//! The WSTF converter on test files written from the format description (pass, fail, two
//! UUTs in one file) and on damaged input.

use crate::common;

use std::path::PathBuf;

use wats_convert::formats::wstf::Wstf;
use wats_convert::{Context, Converter, Registry, Source};
use wats_report::{CompOp, Status, StepKind};

fn data(name: &str) -> (PathBuf, Vec<u8>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/wstf")
        .join(name);
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

fn convert(name: &str) -> Vec<wats_report::Report> {
    let (path, bytes) = data(name);
    let source = Source::new(&path, &bytes);
    assert_eq!(Registry::builtin().best(&source).unwrap().0.name(), "wstf");
    let reports = Wstf
        .convert(&source, &Context::default().arg("time_zone", "UTC"))
        .unwrap();
    common::assert_valid(&reports, name);
    reports
}

#[test]
fn a_passing_uut() {
    let reports = convert("pass.txt");
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(
        (r.sn.as_deref(), r.pn.as_deref(), r.rev.as_deref()),
        (Some("WSTF-1"), Some("PCBA-100"), Some("B"))
    );
    assert_eq!(r.process_code, Some(50));
    assert_eq!(r.result, Some(Status::Passed));
    assert_eq!(r.machine_name.as_deref(), Some("ST-WSTF"));
    assert_eq!(r.uut.as_ref().unwrap().user.as_deref(), Some("alice"));
    assert_eq!(r.uut.as_ref().unwrap().exec_time, Some(12.5));
    assert_eq!(
        r.start.as_ref().unwrap().utc().to_rfc3339(),
        "2026-03-01T10:00:00+00:00"
    );
    assert_eq!(r.sub_units.as_ref().unwrap().len(), 1);
    assert!(r
        .misc_infos
        .as_ref()
        .unwrap()
        .iter()
        .any(|m| m.description.as_deref() == Some("Lot") && m.text.as_deref() == Some("L-42")));
    let root = r.root.as_ref().unwrap();
    assert_eq!(
        root.seq_call.as_ref().unwrap().name.as_deref(),
        Some("Board test")
    );
    assert_eq!(
        root.seq_call.as_ref().unwrap().version.as_deref(),
        Some("1.2.3")
    );
    let names: Vec<_> = root
        .children()
        .iter()
        .map(|s| s.name.clone().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Power",
            "Self test",
            "Firmware",
            "Log results",
            "Frequency response"
        ]
    );
    let power = &root.children()[0];
    assert_eq!(power.children().len(), 3);
    let v5 = &power.children()[1];
    let m = &v5.numeric_meas.as_ref().unwrap()[0];
    assert_eq!(
        m.comp_op.as_ref().unwrap().op(),
        Some(CompOp::GELE),
        "chosen from the limits"
    );
    let rails = &power.children()[2];
    let rm = rails.numeric_meas.as_ref().unwrap();
    assert_eq!(rm.len(), 2);
    assert_eq!(rm[1].name.as_deref(), Some("B"));
    assert_eq!(rm[1].value, Some(2.0));
    let chart = root.children()[4].chart.as_ref().unwrap();
    assert_eq!(chart.series.as_ref().unwrap().len(), 1);
    assert_eq!(root.children()[1].kind(), StepKind::PassFail);
    assert_eq!(root.children()[2].kind(), StepKind::StringValue);
}

#[test]
fn a_failing_uut_and_a_second_one_in_the_same_file() {
    let reports = convert("fail.txt");
    assert_eq!(reports.len(), 2);
    let failed = &reports[0];
    assert_eq!(failed.sn.as_deref(), Some("WSTF-2"));
    assert_eq!(
        failed.result,
        Some(Status::Failed),
        "judged from the limits"
    );
    let v5 = failed
        .steps()
        .into_iter()
        .find(|s| s.name.as_deref() == Some("5V"))
        .unwrap();
    assert_eq!(v5.status, Some(Status::Failed));
    assert_eq!(
        failed.uut.as_ref().unwrap().step_id_caused_uut_failure,
        v5.id
    );
    assert_eq!(reports[1].sn.as_deref(), Some("WSTF-3"));
    assert_eq!(reports[1].result, Some(Status::Passed));
}

#[test]
fn damaged_files_name_the_line() {
    let (path, bytes) = data("pass.txt");
    let text = String::from_utf8(bytes).unwrap();
    let cut = &text[..text.find("--UUT-End--").unwrap()];
    let err = Wstf
        .convert(&Source::new(&path, cut.as_bytes()), &Context::default())
        .unwrap_err();
    assert_eq!(err.location.line, 1, "{err}");
    assert!(err.message.contains("--UUT-End--"), "{err}");
    let bad = text.replacen("3.31", "three", 1);
    let err = Wstf
        .convert(&Source::new(&path, bad.as_bytes()), &Context::default())
        .unwrap_err();
    assert_eq!(err.location.line, 16, "{err}");
    let bad = text.replacen("EndSequenceCall\tPower", "EndSequenceCall\tOther", 1);
    assert!(Wstf
        .convert(&Source::new(&path, bad.as_bytes()), &Context::default())
        .unwrap_err()
        .message
        .contains("closes"));
    let bad = text.replacen("NumericLimitTest\t3V3", "Bogus\t3V3", 1);
    assert!(Wstf
        .convert(&Source::new(&path, bad.as_bytes()), &Context::default())
        .unwrap_err()
        .message
        .contains("unknown step type"));
    let mut rng = 21u64;
    for _ in 0..300 {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut b = text.as_bytes()[..(rng >> 33) as usize % text.len()].to_vec();
        if !b.is_empty() {
            let i = (rng >> 20) as usize % b.len();
            b[i] ^= (rng >> 8) as u8;
        }
        let _ = Wstf.convert(&Source::new(&path, &b), &Context::default());
    }
}

#[test]
fn samples_of_other_formats_are_not_taken_for_wstf() {
    for other in [
        "listen/Complete test 7-22-2020 (002).txt",
        "teradyne-spectrum/sample_ict_data.txt",
        "csv/sample-enhanced.csv",
    ] {
        let (path, bytes) = common::sample(other);
        assert!(Wstf.detect(&Source::new(&path, &bytes)) < 0.2, "{other}");
    }
}
