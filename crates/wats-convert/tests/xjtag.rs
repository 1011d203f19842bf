//! The XJTAG converter on its sample, on damaged archives and on a zip bomb.

use crate::common;

use std::io::Write;

use wats_convert::formats::xjtag::Xjtag;
use wats_convert::{Context, Converter, Source};
use wats_report::{Status, StepKind};

const SAMPLE: &str = "xjtag/1234_14_25_32_10.08.2018_Pass.xjlog";

#[test]
fn the_sample_log() {
    let reports = common::convert_sample(&Xjtag, SAMPLE, &Context::default());
    assert_eq!(reports.len(), 1, "TestRunCount 1");
    let r = &reports[0];
    assert_eq!(r.sn.as_deref(), Some("1234"));
    assert_eq!(r.pn.as_deref(), Some("PN"));
    assert_eq!(r.process_code, Some(50));
    assert_eq!(r.result, Some(Status::Passed));
    assert_eq!(
        r.uut.as_ref().unwrap().user.as_deref(),
        Some("ADMINISTRATOR")
    );
    assert_eq!(
        r.uut.as_ref().unwrap().comment.as_deref(),
        Some("Demonstration hardware")
    );
    assert_eq!(
        r.start.as_ref().unwrap().utc().to_rfc3339(),
        "2018-08-10T12:25:32.996805700+00:00"
    );
    let root = r.root.as_ref().unwrap();
    assert_eq!(
        root.seq_call.as_ref().unwrap().name.as_deref(),
        Some("demo")
    );
    let groups: Vec<_> = root
        .children()
        .iter()
        .map(|g| g.name.clone().unwrap())
        .collect();
    assert_eq!(groups.len(), 12);
    assert_eq!(groups[0], "Enter Serial Number");
    let functions: Vec<_> = r
        .steps()
        .into_iter()
        .filter(|s| s.kind() == StepKind::PassFail)
        .collect();
    assert_eq!(functions.len(), 19);
    assert!(functions.iter().all(|s| s.status == Some(Status::Passed)));
    let chain = functions
        .iter()
        .find(|s| s.name.as_deref() == Some("CheckChain"))
        .unwrap();
    assert!(chain
        .report_text
        .as_deref()
        .unwrap()
        .contains("Checking the integrity of the JTAG chain."));
}

fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in members {
            w.start_file(*name, options).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap();
    }
    out.into_inner()
}

#[test]
fn a_failing_run_and_damaged_archives() {
    let run = br#"<testrun datetime="2024-01-02T03:04:05Z">
  <testgroup name="G"><testfunction name="F1"><result value="Passed"/></testfunction>
  <testfunction name="F2"><text-output>pin 7 stuck at 0</text-output><result value="Failed"/></testfunction></testgroup>
  <testruninfo><serial>SN-F</serial><result>Failed</result><xjlink-name>LINK-1</xjlink-name></testruninfo>
</testrun>"#;
    let bytes = zip(&[("Run 1.xml", run), ("Run 2.xml", run)]);
    let path = std::path::Path::new("x.xjlog");
    let reports = Xjtag
        .convert(
            &Source::new(path, &bytes),
            &Context::default().arg("part_number", "BRD-9"),
        )
        .unwrap();
    common::assert_valid(&reports, "generated");
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0].result, Some(Status::Failed));
    assert_eq!(reports[0].pn.as_deref(), Some("BRD-9"));
    assert_eq!(reports[0].machine_name.as_deref(), Some("LINK-1"));
    let f2 = reports[0]
        .steps()
        .into_iter()
        .find(|s| s.name.as_deref() == Some("F2"))
        .unwrap();
    assert_eq!(f2.status, Some(Status::Failed));
    assert_eq!(f2.report_text.as_deref(), Some("pin 7 stuck at 0"));

    // A broken member names the member and the line.
    let broken = zip(&[("Run 1.xml", b"<testrun>\n<testgroup name=\"G\">\n")]);
    let err = Xjtag
        .convert(&Source::new(path, &broken), &Context::default())
        .unwrap_err();
    assert_eq!(err.location.path, "Run 1.xml", "{err}");
    assert!(err.location.line >= 2, "{err}");
    // Not a ZIP, a ZIP without runs, a truncated archive.
    assert!(Xjtag
        .convert(&Source::new(path, b"hello"), &Context::default())
        .is_err());
    let empty = zip(&[("Info.xml", b"<LogFileInfo/>")]);
    assert!(Xjtag
        .convert(&Source::new(path, &empty), &Context::default())
        .unwrap_err()
        .message
        .contains("Run"));
    let (p, sample) = common::sample(SAMPLE);
    for cut in [10, sample.len() / 3, sample.len() - 5] {
        assert!(Xjtag
            .convert(&Source::new(&p, &sample[..cut]), &Context::default())
            .is_err());
    }
}

#[test]
fn a_zip_bomb_is_refused() {
    // 40 MB of spaces compress to a few hundred kB: far beyond the allowed expansion ratio.
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file("Run 1.xml", options).unwrap();
        let block = vec![b' '; 1 << 20];
        for _ in 0..40 {
            w.write_all(&block).unwrap();
        }
        w.finish().unwrap();
    }
    let bomb = out.into_inner();
    assert!(bomb.len() < 2_000_000);
    let err = Xjtag
        .convert(
            &Source::new(std::path::Path::new("b.xjlog"), &bomb),
            &Context::default(),
        )
        .unwrap_err();
    assert!(err.message.contains("zip bomb"), "{err}");
    // The same with headers that claim a huge compressed size, which would lift the ratio.
    let mut lying = bomb.clone();
    for (signature, offset) in [(b"PK\x01\x02", 20), (b"PK\x03\x04", 18)] {
        let at = lying.windows(4).position(|w| w == signature).unwrap() + offset;
        lying[at..at + 4].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
    }
    let err = Xjtag
        .convert(
            &Source::new(std::path::Path::new("b.xjlog"), &lying),
            &Context::default(),
        )
        .unwrap_err();
    assert!(err.message.contains("zip bomb"), "{err}");
}

#[test]
fn other_files_are_not_taken_for_xjtag() {
    for other in [
        "wats/uur-example.json",
        "saki/SAKI-testdata.xml",
        "spea-3030/testdata_SN9871234012.csv",
    ] {
        let (path, bytes) = common::sample(other);
        assert!(Xjtag.detect(&Source::new(&path, &bytes)) < 0.2, "{other}");
    }
}
