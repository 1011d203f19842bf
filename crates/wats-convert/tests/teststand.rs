//! The TestStand XML converter: the WATS add-on sample, a plain TestStand report without the
//! add-on (made from it, failing, with a numeric step), and damaged input.

use crate::common;

use std::path::PathBuf;

use wats_convert::formats::teststand::TestStandXml;
use wats_convert::{Context, Converter, Registry, Source};
use wats_report::{CompOp, Status, StepKind};

const SAMPLE: &str = "teststand-xml/TSWithWats.xml";

#[test]
fn the_wats_add_on_report() {
    let reports = common::convert_sample(&TestStandXml, SAMPLE, &Context::default());
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(
        r.id.unwrap().to_string(),
        "f4fb0a29-93b1-4f7f-ada7-672b382774ab"
    );
    assert_eq!(
        (r.sn.as_deref(), r.pn.as_deref(), r.rev.as_deref()),
        (Some("12345"), Some("PN1"), Some("1.0"))
    );
    assert_eq!(r.process_code, Some(60));
    assert_eq!(r.result, Some(Status::Passed));
    assert_eq!(r.machine_name.as_deref(), Some("VIC-PCBA-003"));
    assert_eq!(r.location.as_deref(), Some("Norautron Horten"));
    assert_eq!(r.purpose.as_deref(), Some("PCBA Test"));
    assert_eq!(
        r.uut.as_ref().unwrap().user.as_deref(),
        Some("administrator")
    );
    assert_eq!(
        r.start.as_ref().unwrap().to_string(),
        "2022-06-23T10:55:04.3700000+02:00"
    );
    let root = r.root.as_ref().unwrap();
    assert_eq!(
        root.seq_call.as_ref().unwrap().name.as_deref(),
        Some("MainSequence")
    );
    assert_eq!(
        root.seq_call.as_ref().unwrap().path.as_deref(),
        Some("C:\\Users\\Vicotee\\Desktop\\Sequence File 1.seq")
    );
    let steps = root.children();
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].name.as_deref(), Some("Pass/Fail Test"));
    assert_eq!(steps[0].kind(), StepKind::PassFail);
    assert_eq!(steps[0].status, Some(Status::Passed));
    assert_eq!(
        steps[0].ts_guid.as_deref(),
        Some("ID#:YUT20dHy7BGprpAbDrcYlD")
    );
}

#[test]
fn a_plain_teststand_report_without_the_add_on() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/teststand/plain.xml");
    let bytes = std::fs::read(&path).unwrap();
    let source = Source::new(&path, &bytes);
    assert_eq!(
        Registry::builtin().best(&source).unwrap().0.name(),
        "teststand-xml"
    );
    let reports = TestStandXml.convert(&source, &Context::default()).unwrap();
    common::assert_valid(&reports, "plain");
    let r = &reports[0];
    assert_eq!(r.sn.as_deref(), Some("12345"));
    assert_eq!(r.pn.as_deref(), Some("PN1"), "UUTPartNumber");
    assert_eq!(r.process_code, Some(60), "UUTOperationType");
    assert_eq!(r.result, Some(Status::Failed));
    let steps = r.root.as_ref().unwrap().children();
    assert_eq!(steps[0].status, Some(Status::Failed));
    let rail = &steps[1];
    let m = &rail.numeric_meas.as_ref().unwrap()[0];
    assert_eq!(
        (m.value, m.low_limit, m.high_limit),
        (Some(3.31), Some(3.2), Some(3.4))
    );
    assert_eq!(m.comp_op.as_ref().unwrap().op(), Some(CompOp::GELE));
    assert_eq!(m.unit.as_deref(), Some("V"));
}

#[test]
fn damaged_reports_name_the_line() {
    let (path, bytes) = common::sample(SAMPLE);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let err = TestStandXml
        .convert(
            &Source::new(&path, &text.as_bytes()[..text.len() / 2]),
            &Context::default(),
        )
        .unwrap_err();
    assert!(err.location.line > 10, "{err}");
    let bad = text
        .replace("<Value>12345</Value>", "<Value></Value>")
        .replace("key=\"SN\" value=\"12345\"", "key=\"SN\" value=\"\"");
    let err = TestStandXml
        .convert(&Source::new(&path, bad.as_bytes()), &Context::default())
        .unwrap_err();
    assert!(err.message.contains("SerialNumber"), "{err}");
    let mut rng = 17u64;
    for _ in 0..200 {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut b = text.as_bytes()[..(rng >> 33) as usize % text.len()].to_vec();
        if !b.is_empty() {
            let i = (rng >> 20) as usize % b.len();
            b[i] ^= (rng >> 8) as u8;
        }
        let _ = TestStandXml.convert(&Source::new(&path, &b), &Context::default());
    }
}

#[test]
fn other_xml_is_not_taken_for_teststand() {
    for other in [
        "wats/uut-wsxf-export.xml",
        "atml/ATML 5.00 [2 31 11 PM][5 15 2019].xml",
        "sigmaquest/testdata_SN651658.xml",
        "saki/SAKI-testdata.xml",
    ] {
        let (path, bytes) = common::sample(other);
        assert!(
            TestStandXml.detect(&Source::new(&path, &bytes)) < 0.2,
            "{other}"
        );
    }
}

/// A batch file (batch or parallel process model): a `Type='Batch'` summary, the sockets' UUT
/// reports, and a placeholder for a socket without a unit. Each UUT's results become a report;
/// nothing becomes an empty `NONE` report; a file with nothing to convert says why.
#[test]
fn a_batch_report_gives_each_uuts_results_and_no_placeholders() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/teststand/plain.xml");
    let plain = std::fs::read_to_string(&path).unwrap();
    let uut = {
        let start = plain.find("<Report Type='UUT'").unwrap();
        let end = plain.rfind("</Report>").unwrap() + "</Report>".len();
        plain[start..end].to_string()
    };
    let socket =
        |sn: &str| uut.replacen("<Value>12345</Value>", &format!("<Value>{sn}</Value>"), 1);
    let placeholder = "<Report Type='UUT' Title='UUT Report'>\n\
        <Prop Name='UUT' Type='Obj'><Prop Name='SerialNumber' Type='String'><Value>NONE</Value></Prop></Prop>\n\
        </Report>";
    let summary = "<Report Type='Batch' Title='Batch Report'>\n\
        <Prop Name='UUT' Type='Obj'><Prop Name='SerialNumber' Type='String'><Value>NONE</Value></Prop></Prop>\n\
        </Report>";
    let file = format!(
        "<?xml version=\"1.0\"?>\n<Reports>\n{summary}\n{}\n{placeholder}\n{}\n</Reports>\n",
        socket("SOCKET-0"),
        socket("SOCKET-2")
    );
    let reports = TestStandXml
        .convert(&Source::new(&path, file.as_bytes()), &Context::default())
        .unwrap();
    common::assert_valid(&reports, "batch");
    let serials: Vec<&str> = reports.iter().map(|r| r.sn.as_deref().unwrap()).collect();
    assert_eq!(serials, ["SOCKET-0", "SOCKET-2"]);
    assert!(reports
        .iter()
        .all(|r| !r.root.as_ref().unwrap().children().is_empty()));

    for (content, expected) in [
        (
            format!("<Reports>\n{summary}\n</Reports>"),
            "only a batch summary",
        ),
        (
            format!("<Reports>\n{summary}\n{placeholder}\n</Reports>"),
            "each a placeholder (serial NONE",
        ),
    ] {
        let err = TestStandXml
            .convert(&Source::new(&path, content.as_bytes()), &Context::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{err}");
    }
}
