//! The ATML converter on the 2.02 and 5.00 samples, a 6.01 file made from the 5.00 sample
//! with the 2013 namespaces, and damaged input.

use crate::common;

use wats_convert::formats::atml::Atml;
use wats_convert::{Context, Converter, Registry, Source};
use wats_report::{CompOp, Status, StepKind};

const V202: &str = "atml/ATML 2.02 [123456789][2 30 27 PM][5 15 2019].XML";
const V500: &str = "atml/ATML 5.00 [2 31 11 PM][5 15 2019].xml";

fn utc() -> Context {
    Context::default().arg("time_zone", "UTC")
}

fn misc(r: &wats_report::Report, key: &str) -> Option<String> {
    r.misc_infos
        .as_ref()?
        .iter()
        .find(|m| m.description.as_deref() == Some(key))?
        .text
        .clone()
}

#[test]
fn version_2_02() {
    let reports = common::convert_sample(&Atml, V202, &utc());
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(r.sn.as_deref(), Some("123456789"));
    assert_eq!(r.pn.as_deref(), Some("Ragnar123"));
    assert_eq!(r.machine_name.as_deref(), Some("TS-2016-BETA"));
    assert_eq!(
        r.uut.as_ref().unwrap().user.as_deref(),
        Some("administrator")
    );
    assert_eq!(r.result, Some(Status::Failed));
    assert_eq!(
        r.start.as_ref().unwrap().utc().to_rfc3339(),
        "2019-05-15T14:30:27.058+00:00"
    );
    assert_eq!(r.uut.as_ref().unwrap().exec_time, Some(2.17));
    assert_eq!(misc(r, "ATML version").as_deref(), Some("2.02"));
    let steps = r.steps();
    // Aborted with qualifier Skipped → skipped.
    assert!(steps.iter().any(|s| s.status == Some(Status::Skipped)));
    // The SingleLimit GT test failed.
    let failed: Vec<_> = steps
        .iter()
        .filter(|s| s.status == Some(Status::Failed) && s.kind() == StepKind::Numeric)
        .collect();
    assert!(!failed.is_empty());
    let m = &failed[0].numeric_meas.as_ref().unwrap()[0];
    assert_eq!(m.comp_op.as_ref().unwrap().op(), Some(CompOp::GT));
}

#[test]
fn version_5_00() {
    let reports = common::convert_sample(&Atml, V500, &utc());
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(
        (r.sn.as_deref(), r.pn.as_deref()),
        (Some("123456789"), Some("Ragnar123"))
    );
    assert_eq!(r.result, Some(Status::Failed));
    assert_eq!(misc(r, "ATML version").as_deref(), Some("5.00"));
    let root = r.root.as_ref().unwrap();
    assert_eq!(
        root.seq_call.as_ref().unwrap().name.as_deref(),
        Some("MainSequence")
    );
    let steps = r.steps();
    // <tr:Test name="Video Test">: 5 microseconds, GT 0 / LT 10 → GTLT.
    let video = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("Video Test"))
        .unwrap();
    let m = &video.numeric_meas.as_ref().unwrap()[0];
    assert_eq!(m.value, Some(5.0));
    assert_eq!(m.unit.as_deref(), Some("microseconds"));
    assert_eq!(m.comp_op.as_ref().unwrap().op(), Some(CompOp::GTLT));
    assert_eq!((m.low_limit, m.high_limit), (Some(0.0), Some(10.0)));
    assert_eq!(video.status, Some(Status::Passed));
    // The CPU Test group is a sequence of four pass/fail tests; setup actions are in Setup.
    let cpu = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("CPU Test"))
        .unwrap();
    assert_eq!(cpu.kind(), StepKind::Sequence);
    assert_eq!(cpu.children().len(), 4);
    let add_pn = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("Add Partnumber"))
        .unwrap();
    assert_eq!(add_pn.group, Some(wats_report::StepGroup::Setup));
    assert_eq!(add_pn.status, Some(Status::Done));
}

#[test]
fn version_6_01_by_namespace() {
    let (path, bytes) = common::sample(V500);
    let text = String::from_utf8_lossy(&bytes)
        .replace(
            "urn:IEEE-1636.1:2011:01:TestResultsCollection",
            "urn:IEEE-1636.1:2013:TestResultsCollection",
        )
        .replace(
            "urn:IEEE-1636.1:2011:01:TestResults",
            "urn:IEEE-1636.1:2013:TestResults",
        )
        .replace(
            "www.ni.com/TestStand/ATMLTestResults/2.0",
            "www.ni.com/TestStand/ATMLTestResults/3.0",
        );
    let source = Source::new(&path, text.as_bytes());
    assert_eq!(Registry::builtin().best(&source).unwrap().0.name(), "atml");
    let reports = Atml.convert(&source, &utc()).unwrap();
    common::assert_valid(&reports, "6.01");
    assert_eq!(misc(&reports[0], "ATML version").as_deref(), Some("6.01"));
    assert_eq!(reports[0].sn.as_deref(), Some("123456789"));
}

#[test]
fn damaged_files_name_the_line() {
    let (path, bytes) = common::sample(V500);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let err = Atml
        .convert(
            &Source::new(&path, &text.as_bytes()[..text.len() / 2]),
            &utc(),
        )
        .unwrap_err();
    assert!(err.location.line > 100, "{err}");
    let bad = text.replacen(
        "value = \"5\" xsi:type=\"ts:TS_double\" nonStandardUnit=\"microseconds\"",
        "value = \"five\" xsi:type=\"ts:TS_double\" nonStandardUnit=\"microseconds\"",
        1,
    );
    let err = Atml
        .convert(&Source::new(&path, bad.as_bytes()), &utc())
        .unwrap_err();
    assert!(
        err.message.contains("five") && err.location.line > 0,
        "{err}"
    );
    let no_sn = text.replace("<c:SerialNumber>123456789</c:SerialNumber>", "");
    assert!(Atml
        .convert(&Source::new(&path, no_sn.as_bytes()), &utc())
        .unwrap_err()
        .message
        .contains("serial"));
    let mut rng = 33u64;
    for _ in 0..100 {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut b = text.as_bytes()[..(rng >> 33) as usize % text.len()].to_vec();
        if !b.is_empty() {
            let i = (rng >> 20) as usize % b.len();
            b[i] ^= (rng >> 8) as u8;
        }
        let _ = Atml.convert(&Source::new(&path, &b), &utc());
    }
}

#[test]
fn other_xml_is_not_taken_for_atml() {
    for other in [
        "wats/uut-wsxf-export.xml",
        "teststand-xml/TSWithWats.xml",
        "sigmaquest/testdata_SN651658.xml",
        "saki/SAKI-testdata.xml",
    ] {
        let (path, bytes) = common::sample(other);
        assert!(Atml.detect(&Source::new(&path, &bytes)) < 0.2, "{other}");
    }
}

#[test]
fn the_station_the_file_names_beats_the_configured_one() {
    let mut cx = utc();
    cx.station_name = Some("CONFIGURED".into());
    let reports = common::convert_sample(&Atml, V202, &cx);
    assert_eq!(reports[0].machine_name.as_deref(), Some("TS-2016-BETA"));
}
