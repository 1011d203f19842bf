//! The Listen SoundCheck converter on its sample and on damaged exports.

mod common;

use wats_convert::formats::listen::ListenSoundCheck;
use wats_convert::{Context, Converter, Source};
use wats_report::{CompOp, Status};

const SAMPLE: &str = "listen/Complete test 7-22-2020 (002).txt";

#[test]
fn the_sample_export() {
    let reports = common::convert_sample(
        &ListenSoundCheck,
        SAMPLE,
        &Context::default().arg("time_zone", "UTC"),
    );
    assert_eq!(reports.len(), 8, "S/N 13 … S/N 20");
    let r = &reports[0];
    assert_eq!(
        (r.sn.as_deref(), r.pn.as_deref()),
        (Some("13"), Some("12345"))
    );
    assert_eq!(r.uut.as_ref().unwrap().user.as_deref(), Some("Rick"));
    assert_eq!(
        r.start.as_ref().unwrap().utc().to_rfc3339(),
        "2020-07-22T10:22:14+00:00"
    );
    assert_eq!(r.result, Some(Status::Passed));
    let steps = r.root.as_ref().unwrap().children();
    assert_eq!(steps.len(), 5);
    let sens = &steps[0];
    let m = &sens.numeric_meas.as_ref().unwrap()[0];
    assert_eq!(sens.name.as_deref(), Some("Ave Sensitivity"));
    assert_eq!(
        (m.value, m.low_limit, m.high_limit),
        (Some(95.5), Some(90.0), Some(100.0))
    );
    assert_eq!(m.comp_op.as_ref().unwrap().op(), Some(CompOp::GELE));
    assert_eq!(m.unit.as_deref(), Some("dB"));
    let polarity = &steps[1];
    assert_eq!(
        polarity.numeric_meas.as_ref().unwrap()[0]
            .comp_op
            .as_ref()
            .unwrap()
            .op(),
        Some(CompOp::LOG)
    );
    assert_eq!(
        polarity.report_text.as_deref(),
        Some("Tolerance curves: Individual Pts.")
    );
}

#[test]
fn a_failing_row_fails_its_unit_and_bad_rows_name_the_line() {
    let (path, bytes) = common::sample(SAMPLE);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let failing = text.replacen("dB\tPASS", "dB\tFAIL", 1);
    let reports = ListenSoundCheck
        .convert(&Source::new(&path, failing.as_bytes()), &Context::default())
        .unwrap();
    assert_eq!(reports[0].result, Some(Status::Failed));
    assert_eq!(reports[1].result, Some(Status::Passed));
    let bad = text.replacen("95.50", "loud", 1);
    let err = ListenSoundCheck
        .convert(&Source::new(&path, bad.as_bytes()), &Context::default())
        .unwrap_err();
    assert_eq!(err.location.line, 2, "{err}");
    let bad = text.replacen("PASS", "MAYBE", 1);
    assert!(ListenSoundCheck
        .convert(&Source::new(&path, bad.as_bytes()), &Context::default())
        .unwrap_err()
        .message
        .contains("MAYBE"));
    let comma = text.replace("95.50", "95,50");
    let reports = ListenSoundCheck
        .convert(&Source::new(&path, comma.as_bytes()), &Context::default())
        .unwrap();
    assert_eq!(
        reports[0].root.as_ref().unwrap().children()[0]
            .numeric_meas
            .as_ref()
            .unwrap()[0]
            .value,
        Some(95.5)
    );
    let mut rng = 71u64;
    for _ in 0..200 {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut b = text.as_bytes()[..(rng >> 33) as usize % text.len()].to_vec();
        if !b.is_empty() {
            let i = (rng >> 20) as usize % b.len();
            b[i] ^= (rng >> 8) as u8;
        }
        let _ = ListenSoundCheck.convert(&Source::new(&path, &b), &Context::default());
    }
}

#[test]
fn other_text_files_are_not_taken_for_soundcheck() {
    for other in [
        "klippel/DUT xyz115 2020-05-14 10-01-37-5 UTC+0200.txt",
        "teradyne-spectrum/sample_ict_data.txt",
        "csv/sample-enhanced.csv",
    ] {
        let (path, bytes) = common::sample(other);
        assert!(
            ListenSoundCheck.detect(&Source::new(&path, &bytes)) < 0.2,
            "{other}"
        );
    }
}
