//! The Klippel converter on its sample (header file + data folder) and on damaged input.

mod common;

use wats_convert::formats::klippel::Klippel;
use wats_convert::{Context, Converter, Source};
use wats_report::{CompOp, Status, StepKind};

const SAMPLE: &str = "klippel/DUT xyz115 2020-05-14 10-01-37-5 UTC+0200.txt";

#[test]
fn the_sample_with_its_data_folder() {
    let reports = common::convert_sample(&Klippel, SAMPLE, &Context::default());
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(r.sn.as_deref(), Some("xyz115"));
    assert_eq!(r.pn.as_deref(), Some("PartNumber1"));
    assert_eq!(r.result, Some(Status::Failed), "Ctrl_OverallVerdict=0");
    assert_eq!(
        r.uut.as_ref().unwrap().user.as_deref(),
        Some("win:m.liebig")
    );
    assert_eq!(
        r.start.as_ref().unwrap().to_string(),
        "2020-05-14T10:01:37.5630000+02:00"
    );
    let root = r.root.as_ref().unwrap();
    let tasks: Vec<_> = root
        .children()
        .iter()
        .map(|s| s.name.clone().unwrap())
        .collect();
    assert_eq!(tasks, ["Impedance", "Sound Pressure"]);
    let steps = r.steps();
    // imp: a curve, failed (Results_Fail), with a chart of the curve and its limits.
    let imp = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("imp"))
        .unwrap();
    assert_eq!(imp.status, Some(Status::Failed));
    let names: Vec<_> = imp
        .numeric_meas
        .as_ref()
        .unwrap()
        .iter()
        .map(|m| m.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["Average", "Minimum", "Maximum", "OutOfBounds"]);
    let series = imp.chart.as_ref().unwrap().series.as_ref().unwrap();
    assert_eq!(series.len(), 3);
    // Points are in their wire form, the shortest text of each value ("18.750" in the file is
    // "18.75", the first frequency of the impedance curve).
    for s in series {
        for data in [s.xdata.as_deref().unwrap(), s.ydata.as_deref().unwrap()] {
            let canonical: Vec<String> = data
                .split(';')
                .map(|t| wats_report::wire::float::format(t.parse().unwrap()))
                .collect();
            assert_eq!(data, canonical.join(";"));
        }
    }
    assert!(series[0]
        .xdata
        .as_deref()
        .unwrap()
        .starts_with("18.75;23.438;"));
    assert_eq!(imp.numeric_meas.as_ref().unwrap()[1].value, Some(1.7263));
    // level: a value with limits, passed (Results_Pass).
    let level = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("level"))
        .unwrap();
    let m = &level.numeric_meas.as_ref().unwrap()[0];
    assert_eq!(
        (m.value, m.low_limit, m.high_limit),
        (Some(95.203), Some(91.337), Some(97.337))
    );
    assert_eq!(m.comp_op.as_ref().unwrap().op(), Some(CompOp::GELE));
    assert_eq!(level.status, Some(Status::Passed));
    // re: no value, but listed as failed.
    let re = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("re"))
        .unwrap();
    assert_eq!(re.status, Some(Status::Failed));
    let curves = steps.iter().filter(|s| s.chart.is_some()).count();
    assert_eq!(curves, 4, "imp, rbz, resp, thd");
    assert!(steps
        .iter()
        .all(|s| s.kind() != StepKind::Chart || s.chart.is_some()));
}

#[test]
fn without_its_data_folder_the_header_converts() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = common::sample(SAMPLE);
    let path = dir.path().join("DUT lonely.txt");
    std::fs::write(&path, &bytes).unwrap();
    let reports = Klippel
        .convert(&Source::new(&path, &bytes), &Context::default())
        .unwrap();
    common::assert_valid(&reports, "lonely");
    let text = reports[0]
        .root
        .as_ref()
        .unwrap()
        .report_text
        .clone()
        .unwrap();
    assert!(text.contains("missing"), "{text}");
}

#[test]
fn damaged_files_name_the_line_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let (src, bytes) = common::sample(SAMPLE);
    let header = dir.path().join("DUT x.txt");
    std::fs::write(&header, &bytes).unwrap();
    let data = dir.path().join("DUT x");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(
        data.join("Task-values.txt"),
        "name\tvalue\tmax\tmin\nlevel\tninety\t97\t91\n",
    )
    .unwrap();
    let err = Klippel
        .convert(&Source::new(&header, &bytes), &Context::default())
        .unwrap_err();
    assert_eq!(err.location.line, 2, "{err}");
    assert!(
        err.location
            .file
            .as_ref()
            .unwrap()
            .ends_with("Task-values.txt"),
        "{err}"
    );
    let text = String::from_utf8_lossy(&bytes)
        .replace("Ctrl_OverallVerdict=0", "Ctrl_OverallVerdict=maybe");
    let err = Klippel
        .convert(&Source::new(&src, text.as_bytes()), &Context::default())
        .unwrap_err();
    assert!(
        err.message.contains("Ctrl_OverallVerdict") && err.location.line > 0,
        "{err}"
    );
    let mut rng = 61u64;
    for _ in 0..100 {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut b = bytes[..(rng >> 33) as usize % bytes.len()].to_vec();
        if !b.is_empty() {
            let i = (rng >> 20) as usize % b.len();
            b[i] ^= (rng >> 8) as u8;
        }
        let _ = Klippel.convert(&Source::new(&src, &b), &Context::default());
    }
}

#[test]
fn other_text_files_are_not_taken_for_klippel() {
    for other in [
        "listen/Complete test 7-22-2020 (002).txt",
        "teradyne-spectrum/sample_ict_data.txt",
        "csv/sample-enhanced.csv",
    ] {
        let (path, bytes) = common::sample(other);
        assert!(Klippel.detect(&Source::new(&path, &bytes)) < 0.2, "{other}");
    }
}
