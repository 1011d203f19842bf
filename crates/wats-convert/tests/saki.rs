//! The Saki AOI converter on its sample and on mangled XML.

use crate::common;

use wats_convert::formats::saki::SakiAoi;
use wats_convert::{Context, Converter, Source};
use wats_report::{Status, StepKind};

const SAMPLE: &str = "saki/SAKI-testdata.xml";

#[test]
fn the_sample_panel() {
    let reports = common::convert_sample(
        &SakiAoi,
        SAMPLE,
        &Context::default().arg("time_zone", "UTC"),
    );
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(r.sn.as_deref(), Some("SN123456789"));
    assert_eq!(r.pn.as_deref(), Some("PN1"));
    assert_eq!(r.result, Some(Status::Failed));
    assert_eq!(r.uut.as_ref().unwrap().user.as_deref(), Some("Operator"));
    assert_eq!(
        r.start.as_ref().unwrap().utc().to_rfc3339(),
        "2024-01-10T08:59:14+00:00"
    );
    let root = r.root.as_ref().unwrap();
    assert_eq!(
        root.seq_call.as_ref().unwrap().name.as_deref(),
        Some("Test Sequence")
    );
    let images: Vec<_> = root.children().iter().collect();
    assert_eq!(images.len(), 3);
    assert_eq!(images[0].name.as_deref(), Some("Image 1"));
    assert_eq!(images[0].status, Some(Status::Failed));
    assert_eq!(images[1].status, Some(Status::Passed));
    let image1: Vec<_> = images[0]
        .children()
        .iter()
        .map(|s| s.name.clone().unwrap())
        .collect();
    assert_eq!(image1, ["False Calls", "Failed"]);
    let failed = &images[0].children()[1];
    assert_eq!(failed.children().len(), 6);
    assert!(failed
        .children()
        .iter()
        .all(|s| s.status == Some(Status::Failed) && s.kind() == StepKind::StringValue));
    assert_eq!(failed.children()[0].name.as_deref(), Some("C1164"));
    let leaves = r
        .steps()
        .into_iter()
        .filter(|s| s.kind() == StepKind::StringValue)
        .count();
    assert_eq!(leaves, 34, "every Reference is a step");
}

#[test]
fn mangled_xml_is_an_error_with_a_line() {
    let (path, bytes) = common::sample(SAMPLE);
    let text = String::from_utf8(bytes).unwrap();
    let err = SakiAoi
        .convert(
            &Source::new(&path, &text.as_bytes()[..text.len() / 2]),
            &Context::default(),
        )
        .unwrap_err();
    assert!(err.location.line > 1, "{err}");
    let bad = text.replacen("startDate=\"01/10/2024\"", "startDate=\"2024-13-45\"", 1);
    let err = SakiAoi
        .convert(&Source::new(&path, bad.as_bytes()), &Context::default())
        .unwrap_err();
    assert!(err.message.contains("startDate"), "{err}");
    let mut rng = 3u64;
    for _ in 0..200 {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut b = text.as_bytes()[..(rng >> 33) as usize % text.len()].to_vec();
        if !b.is_empty() {
            let i = (rng >> 20) as usize % b.len();
            b[i] ^= (rng >> 8) as u8;
        }
        let _ = SakiAoi.convert(&Source::new(&path, &b), &Context::default());
    }
}

#[test]
fn other_xml_is_not_taken_for_saki() {
    for other in [
        "wats/uut-wsxf-export.xml",
        "sigmaquest/testdata_SN651658.xml",
    ] {
        let (path, bytes) = common::sample(other);
        assert!(SakiAoi.detect(&Source::new(&path, &bytes)) < 0.2, "{other}");
    }
}
