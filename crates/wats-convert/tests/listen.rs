//! The Listen SoundCheck converter on its sample and on damaged exports.

use crate::common;

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

fn convert_text(
    text: &str,
    cx: &Context,
) -> Result<Vec<wats_report::Report>, wats_convert::ConvertError> {
    let path = std::path::PathBuf::from("export.txt");
    ListenSoundCheck.convert(&Source::new(&path, text.as_bytes()), cx)
}

/// A European export (§4.9's culture parameter): day-first dates, comma decimals, `1.234,5`.
#[test]
fn a_european_export_with_day_first_dates_and_comma_decimals() {
    let text = "Serial #:\tTime:\tLot #:\tName\tMargin\tUnit\tResult\tTolerance\tLimits\n\
                S/N 7\t05.07.2020 14:03:09\tP/N #777\tAve Sensitivity\t95,50\tdB\tPASS\tMax/Min\t100,0/90,0\n\
                S/N 7\t05.07.2020 14:03:09\tP/N #777\tPeak\t1.234,5\tHz\tPASS\tMax/Min\t2.000,0/1.000,0\n\
                S/N 8\t22/07/2020 09:00:00\tP/N #777\tAve Sensitivity\t89,10\tdB\tFAIL\tMax/Min\t100,0/90,0\n";
    let cx = Context::default()
        .arg("time_zone", "UTC")
        .arg("culture", "de-DE");
    let reports = convert_text(text, &cx).unwrap();
    common::assert_valid(&reports, "EU export");
    assert_eq!(reports.len(), 2);
    let r = &reports[0];
    assert_eq!(
        r.start.as_ref().unwrap().utc().to_rfc3339(),
        "2020-07-05T14:03:09+00:00",
        "5 July, day first"
    );
    let steps = r.root.as_ref().unwrap().children();
    let m = |i: usize| steps[i].numeric_meas.as_ref().unwrap()[0].clone();
    assert_eq!(
        (m(0).value, m(0).low_limit, m(0).high_limit),
        (Some(95.5), Some(90.0), Some(100.0))
    );
    assert_eq!(
        (m(1).value, m(1).low_limit, m(1).high_limit),
        (Some(1234.5), Some(1000.0), Some(2000.0))
    );
    assert_eq!(
        reports[1].start.as_ref().unwrap().utc().to_rfc3339(),
        "2020-07-22T09:00:00+00:00"
    );
    assert_eq!(reports[1].result, Some(Status::Failed));
    // Without the culture, month first: 05.07 is still day first (the dotted form), and a
    // slash date that cannot be month first falls back to day first.
    let plain: String = text
        .lines()
        .filter(|l| !l.contains("1.234,5"))
        .map(|l| format!("{l}\n"))
        .collect();
    let reports = convert_text(&plain, &Context::default().arg("time_zone", "UTC")).unwrap();
    assert_eq!(
        reports[1].start.as_ref().unwrap().utc().to_rfc3339(),
        "2020-07-22T09:00:00+00:00"
    );
    // Grouped thousands need the culture: without it, the error names the value.
    let err = convert_text(text, &Context::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("1.234,5"), "{err}");
}

/// Several AutoSave steps appended to one export: the header repeats (with other columns),
/// and a graph block (§4.9) follows a unit's rows.
#[test]
fn an_appended_export_with_repeated_headers_and_a_graph_block() {
    let mut text = String::from(
        "Serial #:\tOperator:\tTime:\tLot #:\tName\tMargin\tUnit\tResult\tTolerance\tLimits\n\
         S/N 1\tAnn\t7/22/2020 10:00:00 AM\tP/N #5\tAve Sensitivity\t95.50\tdB\tPASS\tMax/Min\t100.0/90.0\n\
         Serial #:\tTime:\tLot #:\tName\tMargin\tUnit\tResult\tTolerance\tLimits\n\
         S/N 1\t7/22/2020 10:00:05 AM\tP/N #5\tRub & Buzz\t3.00\tdB\tPASS\tTolerance curves\tFloating Limits\n\
         S/N 2\t7/22/2020 10:01:00 AM\tP/N #5\tAve Sensitivity\t91.00\tdB\tPASS\tMax/Min\t100.0/90.0\n",
    );
    let mut graph = vec![String::new(); 15];
    graph[0] = "Serial #:".into();
    graph[1] = "S/N 1".into();
    graph[2] = "Frequency Response".into();
    graph[13] = "Hz".into();
    graph[14] = "dB SPL".into();
    text.push_str(&graph.join("\t"));
    text.push('\n');
    let xs: Vec<String> = (0..12).map(|i| format!("{}", 100 * (i + 1))).collect();
    let ys: Vec<String> = (0..12).map(|i| format!("{}", 80 + i)).collect();
    text.push_str(&xs.join("\t"));
    text.push('\n');
    text.push_str(&ys.join("\t"));
    text.push('\n');
    let reports = convert_text(&text, &Context::default().arg("time_zone", "UTC")).unwrap();
    common::assert_valid(&reports, "appended export");
    assert_eq!(reports.len(), 2);
    let one = reports[0].root.as_ref().unwrap().children();
    let names: Vec<&str> = one.iter().map(|s| s.name.as_deref().unwrap()).collect();
    assert_eq!(
        names,
        ["Ave Sensitivity", "Rub & Buzz", "Frequency Response"]
    );
    assert_eq!(
        reports[0].uut.as_ref().unwrap().user.as_deref(),
        Some("Ann")
    );
    let graph_step = &one[2];
    let chart = graph_step.chart.as_ref().unwrap();
    assert_eq!(chart.chart_type.as_deref(), Some("LineLogY"));
    assert_eq!(chart.x_unit.as_deref(), Some("Hz"));
    assert_eq!(chart.y_unit.as_deref(), Some("dB SPL"));
    assert_eq!(
        graph_step.numeric_meas.as_ref().unwrap()[0].value,
        Some(91.0),
        "the largest Y"
    );
    // A graph whose Y row is missing names its line.
    let cut = text
        .rsplit_once('\n')
        .unwrap()
        .0
        .rsplit_once('\n')
        .unwrap()
        .0
        .to_string()
        + "\n";
    let err = convert_text(&cut, &Context::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("6:") && err.contains("Frequency Response"),
        "{err}"
    );
}
