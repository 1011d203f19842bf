//! The SigmaQuest converter on its sample and on mangled XML.

use crate::common;

use wats_convert::formats::sigmaquest::SigmaQuest;
use wats_convert::{Context, Converter, Source};
use wats_report::{CompOp, Status, StepKind};

const SAMPLE: &str = "sigmaquest/testdata_SN651658.xml";

#[test]
fn the_sample_unit_report() {
    let reports = common::convert_sample(&SigmaQuest, SAMPLE, &Context::default());
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(r.sn.as_deref(), Some("SN651658"));
    assert_eq!(r.pn.as_deref(), Some("1564678564"));
    assert_eq!(r.result, Some(Status::Failed), "top TestRun grade FAIL");
    assert_eq!(r.uut.as_ref().unwrap().user.as_deref(), Some("OP2"));
    assert_eq!(
        r.machine_name.as_deref(),
        Some("SigmaQuest"),
        "<No Station> is not a name"
    );
    assert_eq!(
        r.start.as_ref().unwrap().utc().to_rfc3339(),
        "2024-12-11T10:19:25+00:00"
    );
    let root = r.root.as_ref().unwrap();
    assert_eq!(root.seq_call.as_ref().unwrap().name.as_deref(), Some("OP2"));
    let steps = r.steps();
    let numeric: Vec<_> = steps
        .iter()
        .filter(|s| s.kind() == StepKind::Numeric)
        .collect();
    let text = std::fs::read_to_string(common::sample_path(SAMPLE)).unwrap();
    let doubles = text.matches("<ValueDouble").count();
    let nulls = text.matches(">null</ValueDouble>").count();
    assert_eq!(
        numeric.len() + nulls,
        doubles,
        "every ValueDouble is a step"
    );
    // <ValueDouble name="MS1 value" lsl="0" usl="-2.4000">-3.4359</ValueDouble>: LE -2.4, passes.
    let ms1 = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("MS1 value"))
        .unwrap();
    let m = &ms1.numeric_meas.as_ref().unwrap()[0];
    assert_eq!(m.value, Some(-3.4359));
    assert_eq!(m.comp_op.as_ref().unwrap().op(), Some(CompOp::LE));
    assert_eq!(m.low_limit, Some(-2.4));
    assert_eq!(ms1.status, Some(Status::Passed));
    // Nested runs are sequences with their grades.
    let pre = root
        .children()
        .iter()
        .find(|s| s.name.as_deref() == Some("MANUFACTURING PRE-TEST"))
        .unwrap();
    assert_eq!(pre.kind(), StepKind::Sequence);
    assert_eq!(pre.status, Some(Status::Passed));
    assert!(steps
        .iter()
        .any(|s| s.name.as_deref() == Some("Low Mass Resolution")
            && s.status == Some(Status::Failed)));
    assert!(steps.iter().any(
        |s| s.name.as_deref() == Some("Low Mass Position") && s.status == Some(Status::Skipped)
    ));
}

#[test]
fn mangled_xml_names_the_line() {
    let (path, bytes) = common::sample(SAMPLE);
    let text = String::from_utf8(bytes).unwrap();
    let cut = &text[..text.len() / 2];
    let err = SigmaQuest
        .convert(&Source::new(&path, cut.as_bytes()), &Context::default())
        .unwrap_err();
    assert!(err.location.line > 1, "{err}");
    let bad = text.replacen(">-3.4359<", ">minus<", 1);
    let err = SigmaQuest
        .convert(&Source::new(&path, bad.as_bytes()), &Context::default())
        .unwrap_err();
    assert!(
        err.message.contains("MS1 value") && err.location.line > 0,
        "{err}"
    );
    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE u [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><UnitReport>&b;</UnitReport>";
    let err = SigmaQuest
        .convert(&Source::new(&path, bomb.as_bytes()), &Context::default())
        .unwrap_err();
    assert!(err.message.contains("DTD"), "{err}");
    let mut rng = 5u64;
    for _ in 0..200 {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut b = text.as_bytes()[..(rng >> 33) as usize % text.len()].to_vec();
        if !b.is_empty() {
            let i = (rng >> 20) as usize % b.len();
            b[i] ^= (rng >> 8) as u8;
        }
        let _ = SigmaQuest.convert(&Source::new(&path, &b), &Context::default());
    }
}

#[test]
fn other_xml_is_not_taken_for_sigmaquest() {
    for other in [
        "wats/uut-wsxf-export.xml",
        "saki/SAKI-testdata.xml",
        "teststand-xml/TSWithWats.xml",
    ] {
        let (path, bytes) = common::sample(other);
        assert!(
            SigmaQuest.detect(&Source::new(&path, &bytes)) < 0.2,
            "{other}"
        );
    }
}
