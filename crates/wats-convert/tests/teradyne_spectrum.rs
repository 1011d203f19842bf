//! The Teradyne Spectrum converter on its sample and on damaged files.

use crate::common;

use wats_convert::formats::teradyne_spectrum::TeradyneSpectrum;
use wats_convert::{Context, Converter, Source};
use wats_report::{CompOp, Status, StepKind};

const SAMPLE: &str = "teradyne-spectrum/sample_ict_data.txt";

#[test]
fn the_sample_board() {
    let reports = common::convert_sample(
        &TeradyneSpectrum,
        SAMPLE,
        &Context::default().arg("time_zone", "UTC"),
    );
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(r.pn.as_deref(), Some("PB3187900"));
    assert_eq!(r.sn.as_deref(), Some("1111111111"));
    assert_eq!(r.process_code, Some(20));
    assert_eq!(
        r.result,
        Some(Status::Passed),
        "(USER: STATUS: BOARD PASSED)"
    );
    assert_eq!(r.uut.as_ref().unwrap().user.as_deref(), Some("1234567"));
    assert_eq!(
        r.start.as_ref().unwrap().utc().to_rfc3339(),
        "2023-02-09T16:44:11+00:00"
    );
    let misc: Vec<_> = r
        .misc_infos
        .as_ref()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m.description.clone().unwrap(),
                m.text.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        misc.contains(&("OrderNumber".into(), "222222222".into())),
        "{misc:?}"
    );
    assert!(
        misc.contains(&("CustomerSerialnumber".into(), "AAAAAAAAAAA".into())),
        "{misc:?}"
    );
    // 11 sections, each a sequence.
    let root = r.root.as_ref().unwrap();
    let sections: Vec<_> = root
        .children()
        .iter()
        .map(|s| s.name.clone().unwrap())
        .collect();
    assert!(
        sections.contains(&"DISCHARGE".to_string()) && sections.contains(&"JUMPERS".to_string()),
        "{sections:?}"
    );
    // JUMPER[L3]: MEASVAL 1.4330307 Ω, HILIM 5 Ω → LE 5.
    let steps = r.steps();
    let l3 = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("JUMPER[L3]"))
        .unwrap();
    let m = &l3.numeric_meas.as_ref().unwrap()[0];
    assert_eq!(m.value, Some(1.4330307));
    assert_eq!(m.unit.as_deref(), Some("Ω"));
    assert_eq!(m.comp_op.as_ref().unwrap().op(), Some(CompOp::LE));
    assert_eq!(m.low_limit, Some(5.0));
    assert_eq!(
        l3.report_text.as_deref(),
        Some("FERRITE BEAD BOTTOM 14.501 1.856")
    );
    // A discharge page without a measured value is an action step.
    let dcg = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("DISCHARGE[C118_DCG]"))
        .unwrap();
    assert!(dcg.numeric_meas.is_none());
    assert_eq!(dcg.status, Some(Status::Passed));
    let text = std::fs::read_to_string(common::sample_path(SAMPLE)).unwrap();
    let leaf_count = steps
        .iter()
        .filter(|s| s.kind() != StepKind::Sequence)
        .count();
    assert!(leaf_count >= text.matches("(STEP:").count(), "{leaf_count}");
}

#[test]
fn a_failing_page_and_damaged_files() {
    let failing = "(PROGRAM_NAME: \"P1\")\n(SECTION_NAME: \"R\")\n(STEP: (TIME: 01/02/2024 10:00:00) (SNAME: \"R1\")\n (PAGE: (PAGE_NAME: \"R1\") (STAT: FAIL) (ANA: (MEASVAL: (VAL: 12) (SCALE: k) (UNIT: O)) (LOLIM: (VAL: 9) (SCALE: k) (UNIT: O)) (HILIM: (VAL: 11) (SCALE: k) (UNIT: O)))) (STAT: FAIL))\n(USER: Serialnumber:S-9)\n";
    let path = std::path::Path::new("f.txt");
    let reports = TeradyneSpectrum
        .convert(&Source::new(path, failing.as_bytes()), &Context::default())
        .unwrap();
    common::assert_valid(&reports, "failing");
    let r = &reports[0];
    assert_eq!(r.result, Some(Status::Failed));
    let r1 = r
        .steps()
        .into_iter()
        .find(|s| s.name.as_deref() == Some("R1"))
        .unwrap();
    assert_eq!(r1.status, Some(Status::Failed));
    let m = &r1.numeric_meas.as_ref().unwrap()[0];
    assert_eq!(
        (m.value, m.low_limit, m.high_limit),
        (Some(12_000.0), Some(9_000.0), Some(11_000.0))
    );

    let err = TeradyneSpectrum
        .convert(
            &Source::new(path, &failing.as_bytes()[..120]),
            &Context::default(),
        )
        .unwrap_err();
    assert_eq!(err.location.line, 3, "{err}");
    assert!(err.message.contains("never closed"), "{err}");
    let bad = failing.replace("(VAL: 12)", "(VAL: twelve)");
    let err = TeradyneSpectrum
        .convert(&Source::new(path, bad.as_bytes()), &Context::default())
        .unwrap_err();
    assert!(
        err.message.contains("twelve") && err.location.line == 4,
        "{err}"
    );
    let no_sn = failing.replace("(USER: Serialnumber:S-9)", "");
    assert!(TeradyneSpectrum
        .convert(&Source::new(path, no_sn.as_bytes()), &Context::default())
        .unwrap_err()
        .message
        .contains("serial"));
    let deep = "(A: ".repeat(1000);
    assert!(TeradyneSpectrum
        .convert(&Source::new(path, deep.as_bytes()), &Context::default())
        .is_err());
    let (p, bytes) = common::sample(SAMPLE);
    let mut rng = 9u64;
    for _ in 0..60 {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut b = bytes[..(rng >> 33) as usize % bytes.len()].to_vec();
        if !b.is_empty() {
            let i = (rng >> 20) as usize % b.len();
            b[i] ^= (rng >> 8) as u8;
        }
        let _ = TeradyneSpectrum.convert(&Source::new(&p, &b), &Context::default());
    }
}

#[test]
fn other_files_are_not_taken_for_spectrum() {
    for other in [
        "teradyne-gr228x/43420_BIO2.LOG",
        "csv/sample-enhanced.csv",
        "listen/Complete test 7-22-2020 (002).txt",
    ] {
        let (path, bytes) = common::sample(other);
        assert!(
            TeradyneSpectrum.detect(&Source::new(&path, &bytes)) < 0.2,
            "{other}"
        );
    }
}
