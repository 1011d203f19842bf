//! The SPEA 3030 converter on its sample and on mangled input.

use crate::common;

use wats_convert::formats::spea3030::Spea3030;
use wats_convert::{Context, Converter, Source};
use wats_report::{CompOp, Status, StepKind};

const SAMPLE: &str = "spea-3030/testdata_SN9871234012.csv";

#[test]
fn the_sample_gives_one_report_per_board() {
    let reports = common::convert_sample(
        &Spea3030,
        SAMPLE,
        &Context::default().arg("time_zone", "+01:00"),
    );
    assert_eq!(reports.len(), 10, "ten START … END blocks");
    let first = &reports[0];
    assert_eq!(first.sn.as_deref(), Some("SN9871234012"));
    assert_eq!(first.pn.as_deref(), Some("PN1"));
    assert_eq!(first.rev.as_deref(), Some("1"));
    assert_eq!(first.process_code, Some(20));
    assert_eq!(first.result, Some(Status::Failed), "END;FAIL");
    assert_eq!(
        first.uut.as_ref().unwrap().user.as_deref(),
        Some("Test Operator op1")
    );
    assert_eq!(
        first.start.as_ref().unwrap().to_string(),
        "2024-10-12T16:15:03.0000000+01:00"
    );
    assert_eq!(
        first.uut.as_ref().unwrap().exec_time,
        Some(19.0),
        "16:15:03 → 16:15:22"
    );
    // 1198 ANL rows in the first block, each a step, grouped by component type.
    let steps = first.steps();
    let leaves: Vec<_> = steps
        .iter()
        .filter(|s| s.kind() != StepKind::Sequence)
        .collect();
    let anl = std::fs::read_to_string(common::sample_path(SAMPLE)).unwrap();
    let first_block: Vec<&str> = anl.split("\nEND;").next().unwrap().lines().collect();
    let rows = first_block
        .iter()
        .filter(|l| l.starts_with("ANL;") || l.starts_with("FUNC;"))
        .count();
    assert_eq!(leaves.len(), rows);
    let names: Vec<_> = first
        .root
        .as_ref()
        .unwrap()
        .children()
        .iter()
        .map(|s| s.name.clone().unwrap())
        .collect();
    assert!(names.contains(&"Capacitors".to_string()), "{names:?}");

    // ANL;1;ADA_ICT;2;2;Adapter ist angesaugt…;;PASS;9.046875e+00;1.000000e+00;1.200000e+01;V;;2399
    let adapter = leaves
        .iter()
        .find(|s| s.name.as_deref() == Some("Adapter ist angesaugt, keine Verschiebung moeglich!"))
        .unwrap();
    let m = &adapter.numeric_meas.as_ref().unwrap()[0];
    assert_eq!(m.value, Some(9.046875));
    assert_eq!(m.low_limit, Some(1.0));
    assert_eq!(m.high_limit, Some(12.0));
    assert_eq!(m.unit.as_deref(), Some("V"));
    assert_eq!(m.comp_op.as_ref().unwrap().op(), Some(CompOp::GELE));
    assert_eq!(adapter.status, Some(Status::Passed));
    // A failed capacitor with -NAN keeps the tester's verdict.
    let failed: Vec<_> = leaves
        .iter()
        .filter(|s| s.status == Some(Status::Failed))
        .collect();
    assert!(!failed.is_empty());
    // Pass/fail rows (all zero).
    let connect = leaves
        .iter()
        .find(|s| s.name.as_deref() == Some("ADA_POS_ICT  Connect"))
        .unwrap();
    assert_eq!(connect.kind(), StepKind::PassFail);
}

#[test]
fn arguments_set_part_number_revision_and_process() {
    let cx = Context::default()
        .arg("part_number", "23462")
        .arg("revision", "B")
        .arg("process_code", 30);
    let reports = common::convert_sample(&Spea3030, SAMPLE, &cx);
    assert!(reports.iter().all(|r| r.pn.as_deref() == Some("23462")
        && r.rev.as_deref() == Some("B")
        && r.process_code == Some(30)));
}

#[test]
fn truncated_and_mangled_files_name_the_line() {
    let (path, bytes) = common::sample(SAMPLE);
    let text = String::from_utf8(bytes).unwrap();
    // Cut inside the first block: the START line is named.
    let cut = &text[..text.find("SN;").unwrap()];
    let err = Spea3030
        .convert(&Source::new(&path, cut.as_bytes()), &Context::default())
        .unwrap_err();
    assert_eq!(err.location.line, 2, "{err}");
    assert!(err.message.contains("no END"), "{err}");
    // A bad number names its line.
    let bad = text.replacen("9.046875e+00", "nine", 1);
    let err = Spea3030
        .convert(&Source::new(&path, bad.as_bytes()), &Context::default())
        .unwrap_err();
    assert_eq!(err.location.line, 6, "{err}");
    assert!(err.message.contains("measured value"), "{err}");
    // Random cuts and byte flips never panic.
    let mut rng = 7u64;
    for _ in 0..40 {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut b = text.as_bytes()[..(rng >> 33) as usize % text.len()].to_vec();
        if !b.is_empty() {
            let i = (rng >> 20) as usize % b.len();
            b[i] ^= (rng >> 8) as u8;
        }
        let _ = Spea3030.convert(&Source::new(&path, &b), &Context::default());
    }
}

#[test]
fn other_formats_are_not_taken_for_spea() {
    for other in [
        "csv/sample-enhanced.csv",
        "teradyne-gr228x/43420_BIO2.LOG",
        "wats/uur-example.json",
    ] {
        let (path, bytes) = common::sample(other);
        assert!(
            Spea3030.detect(&Source::new(&path, &bytes)) < 0.2,
            "{other}"
        );
    }
}
