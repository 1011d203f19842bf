//! The TAKAYA converters (ATD and APT-94xx) on their samples and on damaged files.

use crate::common;

use wats_convert::formats::takaya::TakayaAtd;
use wats_convert::formats::takaya_apt94xx::TakayaApt94xx;
use wats_convert::{Context, Converter, Source};
use wats_report::{CompOp, Status};

const ATD: &str = "takaya/V682780_B_BOT-20230301082027.ATD";
const APT: &str = "takaya-apt94xx/11111-BV0001 (AT33).ATD";

fn utc() -> Context {
    Context::default().arg("time_zone", "UTC")
}

#[test]
fn atd_panel_with_two_boards() {
    let reports = common::convert_sample(&TakayaAtd, ATD, &utc());
    assert_eq!(reports.len(), 2, "two GROUP blocks");
    let r = &reports[0];
    assert_eq!(r.sn.as_deref(), Some("0601994566"));
    assert_eq!(reports[1].sn.as_deref(), Some("0601994567"));
    assert_eq!(r.pn.as_deref(), Some("V682780_B_BOT"));
    assert_eq!(r.process_code, Some(30));
    assert_eq!(r.machine_name.as_deref(), Some("TAK4"));
    assert_eq!(r.result, Some(Status::Passed));
    assert_eq!(
        r.start.as_ref().unwrap().utc().to_rfc3339(),
        "2023-03-01T08:20:27+00:00"
    );
    assert_eq!(r.uut.as_ref().unwrap().exec_time, Some(14.0));
    let steps = r.root.as_ref().unwrap().children();
    assert_eq!(steps.len(), 54, "55 rows but the after-correction row");
    // R7 10 KO, reference 10000, measured 9970, ±1 %, function ** → GELE 9900..10100.
    let r7 = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("R7 GND-NVG"))
        .unwrap();
    let m = &r7.numeric_meas.as_ref().unwrap()[0];
    assert_eq!(m.value, Some(9970.0));
    assert_eq!(m.unit.as_deref(), Some("Ω"));
    assert_eq!(m.comp_op.as_ref().unwrap().op(), Some(CompOp::GELE));
    assert!(
        (m.low_limit.unwrap() - 9900.0).abs() < 1e-6
            && (m.high_limit.unwrap() - 10100.0).abs() < 1e-6
    );
    assert_eq!(r7.status, Some(Status::Passed));
    // An open test (OP): GT 100.
    let op = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("P1P2 +12VB-3V3"))
        .unwrap();
    let m = &op.numeric_meas.as_ref().unwrap()[0];
    assert_eq!(
        (m.comp_op.as_ref().unwrap().op(), m.low_limit),
        (Some(CompOp::GT), Some(100.0))
    );
    // Jumped rows are skipped.
    assert!(steps.iter().any(|s| s.status == Some(Status::Skipped)));
}

#[test]
fn apt94xx_board() {
    let reports = common::convert_sample(&TakayaApt94xx, APT, &utc());
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(
        (r.sn.as_deref(), r.pn.as_deref()),
        (Some("11111-BV0001"), Some("DEMO-PANEL-C_V1"))
    );
    assert_eq!(r.uut.as_ref().unwrap().user.as_deref(), Some("AT33"));
    assert_eq!(r.machine_name.as_deref(), Some("FP1"));
    assert_eq!(
        r.start.as_ref().unwrap().utc().to_rfc3339(),
        "2024-01-01T08:00:00+00:00"
    );
    let steps = r.root.as_ref().unwrap().children();
    assert_eq!(steps.len(), 49);
    // R1 4.7KO: 4.30 KO measured, reference 4.21 KO, ±5 %.
    let r1 = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("R1 EXPART-3"))
        .unwrap();
    let m = &r1.numeric_meas.as_ref().unwrap()[0];
    assert!((m.value.unwrap() - 4300.0).abs() < 1e-9);
    assert_eq!(m.comp_op.as_ref().unwrap().op(), Some(CompOp::GELE));
    assert!((m.low_limit.unwrap() - 4210.0 * 0.95).abs() < 1e-6);
    assert!(r
        .misc_infos
        .as_ref()
        .unwrap()
        .iter()
        .any(|m| m.description.as_deref() == Some("Side")));
}

#[test]
fn the_two_atd_variants_tell_each_other_apart() {
    let (p, b) = common::sample(APT);
    assert!(TakayaAtd.detect(&Source::new(&p, &b)) < 0.2);
    let (p, b) = common::sample(ATD);
    assert!(TakayaApt94xx.detect(&Source::new(&p, &b)) < 0.2);
    for other in [
        "teradyne-gr228x/43420_BIO2.LOG",
        "spea-3030/testdata_SN9871234012.csv",
        "csv/sample-enhanced.csv",
    ] {
        let (p, b) = common::sample(other);
        assert!(TakayaAtd.detect(&Source::new(&p, &b)) < 0.2, "{other}");
        assert!(TakayaApt94xx.detect(&Source::new(&p, &b)) < 0.2, "{other}");
    }
}

#[test]
fn damaged_files_name_the_line() {
    let (path, bytes) = common::sample(ATD);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let bad = text.replacen("\t9970\t", "\tnine\t", 1);
    let err = TakayaAtd
        .convert(&Source::new(&path, bad.as_bytes()), &utc())
        .unwrap_err();
    assert!(
        err.location.line > 16 && err.message.contains("nine"),
        "{err}"
    );
    let bad = text.replacen("DATE 1/3/2023", "DATE 1/x/2023", 1);
    assert!(TakayaAtd
        .convert(&Source::new(&path, bad.as_bytes()), &utc())
        .unwrap_err()
        .message
        .contains("DATE"));
    let no_sn = text.replace("Serial No.:0601994566", "Serial No.:");
    assert!(TakayaAtd
        .convert(&Source::new(&path, no_sn.as_bytes()), &utc())
        .is_err());
    let (apath, abytes) = common::sample(APT);
    let atext = String::from_utf8_lossy(&abytes).into_owned();
    let bad = atext.replacen("\" 4.30 KO \"", "\" x.30 KO \"", 1);
    let err = TakayaApt94xx
        .convert(&Source::new(&apath, bad.as_bytes()), &utc())
        .unwrap_err();
    assert!(err.location.line > 10, "{err}");
    let mut rng = 51u64;
    for (p, t, conv) in [
        (&path, &text, &TakayaAtd as &dyn Converter),
        (&apath, &atext, &TakayaApt94xx as &dyn Converter),
    ] {
        for _ in 0..150 {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let mut b = t.as_bytes()[..(rng >> 33) as usize % t.len()].to_vec();
            if !b.is_empty() {
                let i = (rng >> 20) as usize % b.len();
                b[i] ^= (rng >> 8) as u8;
            }
            let _ = conv.convert(&Source::new(p, &b), &utc());
        }
    }
}
