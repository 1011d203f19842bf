//! The Keysight i3070 converter on log files written from the record specification (a
//! passing board; a failing board and a second board in one log) and on damaged logs.

use crate::common;

use std::path::PathBuf;

use wats_convert::formats::keysight_i3070::KeysightI3070;
use wats_convert::{Context, Converter, Registry, Source};
use wats_report::{CompOp, Status, StepKind};

fn data(name: &str) -> (PathBuf, Vec<u8>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/keysight_i3070")
        .join(name);
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

fn convert(name: &str) -> Vec<wats_report::Report> {
    let (path, bytes) = data(name);
    let source = Source::new(&path, &bytes);
    assert_eq!(
        Registry::builtin().best(&source).unwrap().0.name(),
        "keysight-i3070"
    );
    let reports = KeysightI3070
        .convert(&source, &Context::default().arg("time_zone", "UTC"))
        .unwrap();
    common::assert_valid(&reports, name);
    reports
}

#[test]
fn a_passing_board() {
    let reports = convert("pass.log");
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(
        (r.sn.as_deref(), r.pn.as_deref(), r.rev.as_deref()),
        (Some("SN-0001"), Some("PCBA-100"), Some("B"))
    );
    assert_eq!(r.process_code, Some(20));
    assert_eq!(r.result, Some(Status::Passed));
    assert_eq!(r.machine_name.as_deref(), Some("ict-line-1"));
    assert_eq!(r.uut.as_ref().unwrap().user.as_deref(), Some("alice"));
    assert_eq!(r.uut.as_ref().unwrap().exec_time, Some(12.0));
    assert_eq!(
        r.start.as_ref().unwrap().utc().to_rfc3339(),
        "2024-03-01T10:15:00+00:00"
    );
    let steps = r.steps();
    let r101 = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("r101"))
        .unwrap();
    let m = &r101.numeric_meas.as_ref().unwrap()[0];
    assert_eq!(
        (m.value, m.low_limit, m.high_limit),
        (Some(1002.0), Some(950.0), Some(1050.0))
    );
    assert_eq!(m.unit.as_deref(), Some("Ω"));
    assert_eq!(m.comp_op.as_ref().unwrap().op(), Some(CompOp::GELE));
    let c12 = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("c12"))
        .unwrap();
    assert_eq!(
        c12.numeric_meas.as_ref().unwrap()[0].unit.as_deref(),
        Some("F")
    );
    let digital = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("u5_digital"))
        .unwrap();
    assert_eq!(digital.kind(), StepKind::PassFail);
    let groups: Vec<_> = r
        .root
        .as_ref()
        .unwrap()
        .children()
        .iter()
        .map(|g| g.name.clone().unwrap())
        .collect();
    assert_eq!(
        groups,
        ["A-RES #1", "A-CAP #2", "D-T #3", "BS-CON #4", "TS #5"]
    );
}

#[test]
fn a_failing_board_and_the_next_board_in_the_same_log() {
    let reports = convert("fail.log");
    assert_eq!(reports.len(), 2);
    let failed = &reports[0];
    assert_eq!(failed.result, Some(Status::Failed));
    assert_eq!(failed.uut.as_ref().unwrap().test_socket_index, Some(1));
    assert_eq!(
        failed.uut.as_ref().unwrap().comment.as_deref(),
        Some("c12 is out of tolerance")
    );
    let c12 = failed
        .steps()
        .into_iter()
        .find(|s| s.name.as_deref() == Some("c12"))
        .unwrap();
    assert_eq!(c12.status, Some(Status::Failed));
    let vbe = failed
        .steps()
        .into_iter()
        .find(|s| s.name.as_deref() == Some("q3 vbe"))
        .unwrap();
    assert_eq!(
        vbe.numeric_meas.as_ref().unwrap()[0].unit.as_deref(),
        Some("V")
    );
    let second = &reports[1];
    assert_eq!(
        (second.sn.as_deref(), second.result),
        (Some("SN-0003"), Some(Status::Passed))
    );
    assert_eq!(second.uut.as_ref().unwrap().test_socket_index, Some(2));
}

#[test]
fn damaged_logs_name_the_line() {
    let (path, bytes) = data("fail.log");
    let text = String::from_utf8(bytes).unwrap();
    let cut = &text[..text.find("{@LIM3").unwrap()];
    let err = KeysightI3070
        .convert(&Source::new(&path, cut.as_bytes()), &Context::default())
        .unwrap_err();
    assert_eq!(err.location.line, 3, "{err}");
    assert!(err.message.contains("never closed"), "{err}");
    let bad = text.replacen("+2.10E-07", "abc", 1);
    let err = KeysightI3070
        .convert(&Source::new(&path, bad.as_bytes()), &Context::default())
        .unwrap_err();
    assert_eq!(err.location.line, 7, "{err}");
    let bad = text.replacen("240301102000", "2024-03-01", 1);
    assert!(KeysightI3070
        .convert(&Source::new(&path, bad.as_bytes()), &Context::default())
        .unwrap_err()
        .message
        .contains("yymmddhhmmss"));
    let deep = "{@X|".repeat(100);
    assert!(KeysightI3070
        .convert(&Source::new(&path, deep.as_bytes()), &Context::default())
        .is_err());
    let mut rng = 41u64;
    for _ in 0..300 {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut b = text.as_bytes()[..(rng >> 33) as usize % text.len()].to_vec();
        if !b.is_empty() {
            let i = (rng >> 20) as usize % b.len();
            b[i] ^= (rng >> 8) as u8;
        }
        let _ = KeysightI3070.convert(&Source::new(&path, &b), &Context::default());
    }
}

#[test]
fn samples_of_other_formats_are_not_taken_for_i3070() {
    for other in [
        "teradyne-gr228x/43420_BIO2.LOG",
        "teradyne-spectrum/sample_ict_data.txt",
        "spea-3030/testdata_SN9871234012.csv",
    ] {
        let (path, bytes) = common::sample(other);
        assert!(
            KeysightI3070.detect(&Source::new(&path, &bytes)) < 0.2,
            "{other}"
        );
    }
}
