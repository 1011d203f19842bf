//! The Klippel converter on its sample (header file + data folder) and on damaged input.

use crate::common;

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
    let (src, bytes) = common::sample(SAMPLE);
    let err = with_data(&[(
        "Task-values.txt",
        "name\tvalue\tmax\tmin\nlevel\tninety\t97\t91\n".to_string(),
    )])
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

/// Converts the sample's header with `files` (name, content) as its data folder.
fn with_data(
    files: &[(&str, String)],
) -> Result<Vec<wats_report::Report>, wats_convert::ConvertError> {
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = common::sample(SAMPLE);
    let header = dir.path().join("DUT c.txt");
    std::fs::write(&header, &bytes).unwrap();
    let data = dir.path().join("DUT c");
    std::fs::create_dir(&data).unwrap();
    for (name, content) in files {
        std::fs::write(data.join(name), content).unwrap();
    }
    Klippel.convert(&Source::new(&header, &bytes), &Context::default())
}

/// The chart's series of the one curve step: (name, xdata, ydata).
fn series(reports: &[wats_report::Report]) -> Vec<(String, String, String)> {
    let steps = reports[0].steps();
    let step = steps.iter().find(|s| s.chart.is_some()).unwrap();
    let series = step.chart.as_ref().unwrap().series.as_ref().unwrap();
    series
        .iter()
        .map(|s| {
            (
                s.name.clone().unwrap(),
                s.xdata.clone().unwrap(),
                s.ydata.clone().unwrap(),
            )
        })
        .collect()
}

#[test]
fn limit_curves_keep_their_own_points() {
    // Row 2 has no value but limits; row 3 a value but no minimum. Numbers in spellings that
    // are not WATS's own (`+`, leading zeros, exponent, blanks) are written in its form.
    let reports = with_data(&[(
        "Task-curve.txt",
        "frq\tcurve\tmax\tmin\n\
         100.0\t1.50\t2.0\t1.0\n\
         200.0\t-\t2.5\t0.5\n\
         300.0\t+01.75\t3e0\t\n\
         400\t 2 \t 4.000 \t-0.000\n"
            .to_string(),
    )])
    .unwrap();
    common::assert_valid(&reports, "curves");
    assert_eq!(
        series(&reports),
        [
            ("curve".into(), "100;300;400".into(), "1.5;1.75;2".into()),
            ("max".into(), "100;200;300;400".into(), "2;2.5;3;4".into()),
            ("min".into(), "100;200;400".into(), "1;0.5;0".into()),
        ]
    );
}

#[test]
fn long_curves_are_decimated_evenly() {
    let mut text = String::from("frq\tcurve\tmax\n");
    for i in 0..25_000 {
        text.push_str(&format!("{i}.50\t{}.25\t99\n", i % 7));
    }
    let reports = with_data(&[("Task-long.txt", text)]).unwrap();
    let all = series(&reports);
    for (name, x, y) in &all {
        assert_eq!(x.split(';').count(), 10_000, "{name}");
        assert_eq!(y.split(';').count(), 10_000, "{name}");
    }
    // Every 2.5th point: 0, 2, 5, 7, 10…
    assert!(
        all[0].1.starts_with("0.5;2.5;5.5;7.5;10.5;"),
        "{}",
        &all[0].1[..40]
    );
    assert!(
        all[0].2.starts_with("0.25;2.25;5.25;0.25;3.25;"),
        "{}",
        &all[0].2[..40]
    );
}

#[test]
fn a_bad_number_in_a_curve_names_its_file_and_line() {
    let err = with_data(&[(
        "Task-curve.txt",
        "frq\tcurve\tmax\n100\t1.5\t2\n200\t1.6\ttwo\n".to_string(),
    )])
    .unwrap_err();
    assert_eq!(err.location.line, 3, "{err}");
    assert!(err.message.contains("\"two\""), "{err}");
    assert!(
        err.location
            .file
            .as_ref()
            .unwrap()
            .ends_with("Task-curve.txt"),
        "{err}"
    );
}
