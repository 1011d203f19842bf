//! The Teradyne GR228X converter on its samples and on mangled logs.

use crate::common;

use wats_convert::formats::teradyne_gr228x::TeradyneGr228x;
use wats_convert::{Context, Converter, Source};
use wats_report::{CompOp, Status, StepKind};

fn utc() -> Context {
    Context::default().arg("time_zone", "UTC")
}

#[test]
fn the_plain_log_gives_three_boards() {
    let reports = common::convert_sample(&TeradyneGr228x, "teradyne-gr228x/43420_BIO2.LOG", &utc());
    assert_eq!(reports.len(), 3);
    let sns: Vec<_> = reports.iter().map(|r| r.sn.clone().unwrap()).collect();
    assert_eq!(
        sns,
        [
            "65428553938829725787",
            "24422984989544535753",
            "42842937739687688567"
        ]
    );
    let results: Vec<_> = reports.iter().map(|r| r.result.unwrap()).collect();
    assert_eq!(
        results,
        [Status::Terminated, Status::Failed, Status::Passed]
    );
    for r in &reports {
        assert_eq!(
            r.pn.as_deref(),
            Some("43420"),
            "the file name up to its first _"
        );
        assert_eq!(r.rev.as_deref(), Some("1.0"));
        assert_eq!(r.process_code, Some(20));
        assert_eq!(r.uut.as_ref().unwrap().user.as_deref(), Some("sysoper"));
    }
    let failed = &reports[1];
    assert_eq!(
        failed.start.as_ref().unwrap().to_string(),
        "2012-07-31T14:19:32.0000000+00:00"
    );
    assert_eq!(failed.uut.as_ref().unwrap().exec_time, Some(17.0));
    let root = failed.root.as_ref().unwrap();
    assert_eq!(
        root.seq_call.as_ref().unwrap().name.as_deref(),
        Some("43420_BIO2")
    );
    // (O 397,398, → a failed "Opens" step.
    let opens = &root.children()[0];
    assert_eq!(opens.name.as_deref(), Some("Opens"));
    assert_eq!(opens.status, Some(Status::Failed));
    let steps = failed.steps();
    // R508=100.20007K(92.919K,105.131K)R
    let r508 = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("R508(R)"))
        .unwrap();
    let m = &r508.numeric_meas.as_ref().unwrap()[0];
    assert!((m.value.unwrap() - 100_200.07).abs() < 1e-6);
    assert!((m.low_limit.unwrap() - 92_919.0).abs() < 1e-6);
    assert!((m.high_limit.unwrap() - 105_131.0).abs() < 1e-6);
    assert_eq!(m.unit.as_deref(), Some("Ω"));
    assert_eq!(m.comp_op.as_ref().unwrap().op(), Some(CompOp::GELE));
    // R402=45.131532MEG(500K,)R → GE 500k.
    let r402 = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("R402(R)"))
        .unwrap();
    let m = &r402.numeric_meas.as_ref().unwrap()[0];
    assert!((m.value.unwrap() - 45_131_532.0).abs() < 1e-3);
    assert_eq!(m.comp_op.as_ref().unwrap().op(), Some(CompOp::GE));
    // C206=10.212763N(…)CP in farads; sequences change with the first character.
    let c206 = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("C206(CP)"))
        .unwrap();
    assert!((c206.numeric_meas.as_ref().unwrap()[0].value.unwrap() - 10.212763e-9).abs() < 1e-15);
    let groups: Vec<_> = root
        .children()
        .iter()
        .filter_map(|s| s.name.clone())
        .collect();
    assert!(
        groups.contains(&"R-Group1".to_string()) && groups.contains(&"C-Group2".to_string()),
        "{groups:?}"
    );
    // Setup lines (SETCR#(,)IS) are dropped; D103_B1= is a pass/fail step.
    assert!(steps
        .iter()
        .all(|s| !s.name.as_deref().unwrap_or("").starts_with("SETCR")));
    let d103 = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("D103_B1"))
        .unwrap();
    assert_eq!(d103.kind(), StepKind::PassFail);
}

#[test]
fn override_lines_win() {
    let reports = common::convert_sample(
        &TeradyneGr228x,
        "teradyne-gr228x/43420_BIO2_Extended.LOG",
        &utc(),
    );
    assert_eq!(reports.len(), 3);
    let second = &reports[1];
    assert_eq!(second.pn.as_deref(), Some("123456"));
    assert_eq!(second.rev.as_deref(), Some("C"));
    assert_eq!(second.machine_name.as_deref(), Some("AREL1001"));
    assert_eq!(second.uut.as_ref().unwrap().user.as_deref(), Some("KB"));
    let seq = second.root.as_ref().unwrap().seq_call.as_ref().unwrap();
    assert_eq!(
        (seq.name.as_deref(), seq.version.as_deref()),
        (Some("CPU02"), Some("1.1"))
    );
    assert_eq!(reports[2].machine_name.as_deref(), Some("AREL1002"));
    // The first board has no overrides: the file's name.
    assert_eq!(reports[0].pn.as_deref(), Some("43420"));
}

#[test]
fn truncated_and_mangled_logs_name_the_line() {
    let (path, bytes) = common::sample("teradyne-gr228x/43420_BIO2.LOG");
    let text = String::from_utf8(bytes).unwrap();
    let cut = &text[..text.find("/31-JUL-12").unwrap()];
    let err = TeradyneGr228x
        .convert(&Source::new(&path, cut.as_bytes()), &utc())
        .unwrap_err();
    assert_eq!(err.location.line, 8, "{err}");
    assert!(err.message.contains("no verdict"), "{err}");
    let bad = text.replacen("100.20007K", "1x0.2K", 1);
    let err = TeradyneGr228x
        .convert(&Source::new(&path, bad.as_bytes()), &utc())
        .unwrap_err();
    assert_eq!(err.location.line, 10, "{err}");
    let bad = text.replacen("@31-JUL-12  14:19:32", "@31-XXX-12  14:19:32", 1);
    let err = TeradyneGr228x
        .convert(&Source::new(&path, bad.as_bytes()), &utc())
        .unwrap_err();
    assert!(err.message.contains("bad time"), "{err}");
    let mut rng = 11u64;
    for _ in 0..300 {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut b = text.as_bytes()[..(rng >> 33) as usize % text.len()].to_vec();
        if !b.is_empty() {
            let i = (rng >> 20) as usize % b.len();
            b[i] ^= (rng >> 8) as u8;
        }
        let _ = TeradyneGr228x.convert(&Source::new(&path, &b), &utc());
    }
}

#[test]
fn other_formats_are_not_taken_for_gr228x() {
    for other in [
        "spea-3030/testdata_SN9871234012.csv",
        "csv/sample-enhanced.csv",
        "teradyne-spectrum/sample_ict_data.txt",
    ] {
        let (path, bytes) = common::sample(other);
        assert!(
            TeradyneGr228x.detect(&Source::new(&path, &bytes)) < 0.2,
            "{other}"
        );
    }
}

/// Found by the `convert` fuzz target: a multi-byte character in the month of a time.
#[test]
fn a_multibyte_month_is_an_error_not_a_panic() {
    let log = "P.obc[31-JUL-12  14:17:35\n@31-\u{96}UL-12  14:18:51 SN 1\n\"31-JUL-12  14:19:00\n";
    let err = TeradyneGr228x
        .convert(
            &Source::new(std::path::Path::new("x.log"), log.as_bytes()),
            &utc(),
        )
        .unwrap_err();
    assert!(err.message.contains("bad time"), "{err}");
}
