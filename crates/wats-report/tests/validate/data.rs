//! Rules 7–11: charts and attachments, loops, step ids, binary data.

use super::*;

// ---------------------------------------------------------------------------------------------
// Rule 7: charts and attachments

fn series(x: Option<&str>, y: &str) -> Series {
    Series {
        data_type: text("XYG"),
        name: text("s"),
        xdata: x.map(str::to_owned),
        ydata: text(y),
        ..Series::default()
    }
}

fn with_series(list: Vec<Series>) -> Report {
    let mut report = minimal_uut();
    child(&mut report, 0).chart = Some(
        Chart {
            chart_type: text("Line"),
            series: Some(list),
            ..Chart::default()
        }
        .into(),
    );
    report
}

#[test]
fn chart_series_are_limited_and_parse() {
    assert_valid(&with_series(vec![
        series(Some("0;1;2"), "1;2;3"),
        series(None, "1;2;3"),
    ]));
    assert_valid(&with_series(vec![series(None, "1"); 10]));
    assert_errors(
        &with_series(vec![series(None, "1"); 11]),
        &[(
            "root.steps[0].chart.series",
            "has 11 series; WATS allows at most 10",
        )],
    );

    let points = vec!["1"; 10_001].join(";");
    assert_valid(&with_series(vec![series(None, &points[2..])]));
    assert_errors(
        &with_series(vec![series(None, &points)]),
        &[(
            "root.steps[0].chart.series[0].ydata",
            "has 10001 points; WATS allows at most 10000",
        )],
    );

    assert_errors(
        &with_series(vec![series(Some("0;x"), "1;2"), series(None, "1;;3")]),
        &[
            (
                "root.steps[0].chart.series[0].xdata",
                "value 1 (\"x\") is not a number",
            ),
            (
                "root.steps[0].chart.series[1].ydata",
                "value 1 (\"\") is not a number",
            ),
        ],
    );

    assert_errors(
        &with_series(vec![series(Some("0;1"), "1;2;3")]),
        &[(
            "root.steps[0].chart.series[0].xdata",
            "has 2 values but ydata has 3",
        )],
    );
}

fn with_attachment(name: Option<&str>, data: Option<&str>) -> Report {
    let mut report = minimal_uut();
    child(&mut report, 3).attachment = Some(
        Attachment {
            name: name.map(str::to_owned),
            content_type: text("text/plain"),
            data: data.map(str::to_owned),
            ..Attachment::default()
        }
        .into(),
    );
    report
}

#[test]
fn attachment_has_name_and_base64_data() {
    assert_valid(&with_attachment(Some("log.txt"), Some("TWFu\r\nTWE=")));
    assert_errors(
        &with_attachment(None, None),
        &[
            ("root.steps[3].attachment.name", "is required"),
            ("root.steps[3].attachment.data", "is required"),
        ],
    );
    assert_errors(
        &with_attachment(Some("log.txt"), Some("TWF-")),
        &[(
            "root.steps[3].attachment.data",
            "is not valid base64: character 3 is '-'",
        )],
    );
    assert_errors(
        &with_attachment(Some("log.txt"), Some("TWFuT")),
        &[("root.steps[3].attachment.data", "is not valid base64")],
    );
}

#[test]
fn attachment_size_is_limited() {
    assert_eq!(DEFAULT_MAX_ATTACHMENT_BYTES, 10 * 1024 * 1024);
    let report = with_attachment(Some("log.txt"), Some("TWFuTWE=")); // 5 bytes
    assert_errors_with(&Validator::default().max_attachment_bytes(5), &report, &[]);
    assert_errors_with(
        &Validator::default().max_attachment_bytes(4),
        &report,
        &[(
            "root.steps[3].attachment.data",
            "decodes to 5 bytes; the limit is 4",
        )],
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 8: loops

fn summary(name: &str, num: i64, ending: Option<i64>) -> Step {
    let mut s = step(0, name, Status::Passed);
    s.id = None;
    s.loop_info = Some(
        LoopInfo {
            num: Some(num),
            ending_index: ending,
            ..LoopInfo::default()
        }
        .into(),
    );
    s
}

fn iteration(name: &str, idx: i64) -> Step {
    let mut s = step(0, name, Status::Passed);
    s.id = None;
    s.loop_info = Some(
        LoopInfo {
            idx: Some(idx),
            ..LoopInfo::default()
        }
        .into(),
    );
    s
}

/// The minimal UUT with `steps` appended to the root (they start at `root.steps[4]`).
fn with_steps(steps: Vec<Step>) -> Report {
    let mut report = minimal_uut();
    children(&mut report).extend(steps);
    report
}

#[test]
fn loops_in_the_shape_import_accepts_are_valid() {
    assert_valid(&with_steps(vec![
        summary("Retry", 3, Some(2)),
        iteration("Retry", 0),
        iteration("Retry", 1),
        iteration("Retry", 2),
        // A summary without iterations, consistently numbered.
        summary("Once", 1, Some(0)),
    ]));
}

#[test]
fn loop_numbering_as_exported_is_refused() {
    let report = with_steps(vec![
        summary("Retry", 2, Some(2)),
        iteration("Retry", 0),
        iteration("Retry", 1),
    ]);
    assert_errors(
        &report,
        &[
            (
                "root.steps[4].loop.endingIndex",
                "is 2; WATS requires the highest iteration index, 1",
            ),
            (
                "root.steps[4].loop.num",
                "is 2; WATS requires one more than endingIndex (3)",
            ),
        ],
    );
    assert_errors_with(&Validator::default().submission(false), &report, &[]);
}

#[test]
fn loop_iterations_are_numbered_from_zero_without_gaps() {
    assert_errors(
        &with_steps(vec![
            summary("Retry", 3, Some(2)),
            iteration("Retry", 0),
            iteration("Retry", 2),
        ]),
        &[("root.steps[4].loop", "has no iteration with idx 1")],
    );
    assert_errors(
        &with_steps(vec![
            summary("Retry", 1, Some(0)),
            iteration("Retry", 0),
            iteration("Retry", 0),
        ]),
        &[(
            "root.steps[6].loop.idx",
            "duplicates iteration steps[5] (idx 0)",
        )],
    );
    let mut negative = with_steps(vec![summary("Retry", 1, Some(0)), iteration("Retry", 0)]);
    children(&mut negative)[5].loop_info.as_mut().unwrap().idx = Some(-1);
    assert_errors(
        &negative,
        &[(
            "root.steps[5].loop.idx",
            "is -1; iteration indexes start at 0",
        )],
    );
}

#[test]
fn loop_summary_without_iterations_must_be_consistent() {
    assert_errors(
        &with_steps(vec![summary("Skipped loop", 0, Some(0))]),
        &[(
            "root.steps[4].loop.num",
            "is 0; WATS requires one more than endingIndex (1)",
        )],
    );
    assert_errors(
        &with_steps(vec![summary("Loop", 1, None)]),
        &[(
            "root.steps[4].loop.endingIndex",
            "is required on a loop summary",
        )],
    );
}

#[test]
fn loop_iteration_needs_a_preceding_summary() {
    let orphan = "marks a loop iteration, but no loop summary named";
    // No summary at all; a summary of another name; a summary separated by another step.
    for steps in [
        vec![iteration("Retry", 0)],
        vec![summary("Other", 1, Some(0)), iteration("Retry", 0)],
    ] {
        let at = format!("root.steps[{}].loop.idx", 4 + steps.len() - 1);
        let report = with_steps(steps);
        assert_errors(&report, &[(&at, orphan)]);
        assert_errors_with(
            &Validator::default().submission(false),
            &report,
            &[(&at, orphan)],
        );
    }
    let mut interrupted = with_steps(vec![summary("Retry", 1, Some(0)), iteration("Retry", 0)]);
    children(&mut interrupted).insert(5, step(9, "Between", Status::Done));
    assert_errors(&interrupted, &[("root.steps[6].loop.idx", orphan)]);
}

#[test]
fn loop_step_is_summary_or_iteration_not_both() {
    let mut both = summary("Retry", 1, Some(0));
    both.loop_info.as_mut().unwrap().idx = Some(0);
    assert_errors(
        &with_steps(vec![both]),
        &[(
            "root.steps[4].loop",
            "is either a summary (num) or an iteration (idx), not both",
        )],
    );
}

#[test]
fn loop_iteration_string_limits_match_the_summary() {
    let mut s = summary("Read id", 2, Some(1));
    s.string_meas = Some(vec![string_meas("A1", "A1")]);
    let mut first = iteration("Read id", 0);
    first.string_meas = Some(vec![string_meas("A1", "A1")]);
    let mut second = iteration("Read id", 1);
    second.string_meas = Some(vec![string_meas("B2", "B2")]);
    second.status = Some(Status::Passed);
    let report = with_steps(vec![s, first, second]);
    assert_errors(
        &report,
        &[(
            "root.steps[6].stringMeas[0].limit",
            "is \"B2\" but the loop summary's is \"A1\"; WATS requires them to match",
        )],
    );
    assert_errors_with(&Validator::default().submission(false), &report, &[]);
}

// ---------------------------------------------------------------------------------------------
// Rule 9: step ids

#[test]
fn step_ids_are_unique_when_present() {
    let mut report = minimal_uut();
    child(&mut report, 2).id = Some(2);
    child(&mut report, 3).id = None;
    children(&mut report).push(step(1, "Again", Status::Done));
    assert_errors(
        &report,
        &[
            ("root.steps[2].id", "2 is already the id of root.steps[0]"),
            ("root.steps[4].id", "1 is already the id of root"),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 11: binaryData

#[test]
fn binary_data_only_on_uur() {
    let data = BinaryData {
        content_type: text("image/png"),
        name: text("photo.png"),
        data: text("iVBORw0KGgo="),
        ..BinaryData::default()
    };
    let mut report = minimal_uut();
    report.binary_data = Some(vec![data.clone()]);
    assert_errors(
        &report,
        &[("binaryData", "is only allowed on a repair (UUR) report")],
    );
    // An empty list is what WATS itself sends for a UUT.
    report.binary_data = Some(Vec::new());
    assert_valid(&report);

    let mut report = uur_example();
    report.binary_data = Some(vec![data.clone()]);
    assert_valid(&report);
}

#[test]
fn binary_data_is_named_base64_within_the_size_limit() {
    let mut report = uur_example();
    report.binary_data = Some(vec![
        BinaryData {
            data: text("iVBORw0KGgo="),
            ..BinaryData::default()
        },
        BinaryData {
            name: text("a.bin"),
            data: text("iVBO*w0KGgo="),
            ..BinaryData::default()
        },
        BinaryData {
            name: text("b.bin"),
            ..BinaryData::default()
        },
    ]);
    assert_errors(
        &report,
        &[
            ("binaryData[0].name", "is required"),
            (
                "binaryData[1].data",
                "is not valid base64: character 4 is '*'",
            ),
            ("binaryData[2].data", "is required"),
        ],
    );
    let mut report = uur_example();
    report.binary_data = Some(vec![BinaryData {
        name: text("a.bin"),
        data: text("iVBORw0KGgo="),
        ..Default::default()
    }]);
    assert_errors_with(
        &Validator::default().max_attachment_bytes(7),
        &report,
        &[("binaryData[0].data", "decodes to 8 bytes; the limit is 7")],
    );
}

// ---- Hostile input: validation stays bounded in time and memory --------------------------

fn uut_with_steps(steps: &str) -> Report {
    let text = format!(
        r#"{{"type":"T","id":"33a2d408-3fc8-480b-b554-6866c77fd91c","pn":"P","sn":"S","rev":"A",
        "processCode":10,"result":"P","machineName":"m","location":"l","purpose":"p",
        "start":"2026-01-01T00:00:00Z","uut":{{}},"root":{{"id":1,"name":"root","status":"P",
        "seqCall":{{}},"steps":[{steps}]}}}}"#
    );
    wats_report::wsjf::from_str(&text).unwrap()
}

#[test]
fn a_huge_loop_index_does_not_hang() {
    let r = uut_with_steps(
        r#"{"name":"L","status":"P","loop":{"num":1,"endingIndex":9223372036854775806}},
           {"name":"L","status":"P","loop":{"idx":9000000000000000000}}"#,
    );
    let errors = Validator::default().validate(&r);
    let gap = errors
        .iter()
        .find(|e| e.path.ends_with(".loop"))
        .expect("a gap error");
    assert!(
        gap.message
            .contains("0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 8999999999999999990 more"),
        "{gap}"
    );
    let r = uut_with_steps(
        r#"{"name":"L","status":"P","loop":{"num":1,"endingIndex":9223372036854775807}},
           {"name":"L","status":"P","loop":{"idx":0}}"#,
    );
    let errors = Validator::default().validate(&r);
    assert!(
        errors
            .iter()
            .any(|e| e.path.ends_with("loop.endingIndex") && e.message.contains("out of range")),
        "{errors:?}"
    );
}

#[test]
fn errors_are_capped() {
    let steps = vec![r#"{"id":5}"#; 3000].join(",");
    let errors = Validator::default().validate(&uut_with_steps(&steps));
    assert_eq!(errors.len(), wats_report::validate::MAX_ERRORS + 1);
    let last = errors.last().unwrap();
    assert_eq!(last.path, "report");
    assert!(last.message.contains("more problems not listed"), "{last}");
}

#[test]
fn duplicate_ids_name_the_first_step_in_one_walk() {
    // 20,000 steps sharing one id: linear, and each error names the first one's path.
    let steps = vec![r#"{"id":7,"name":"x","status":"D"}"#; 20_000].join(",");
    let start = std::time::Instant::now();
    let errors = Validator::default().validate(&uut_with_steps(&steps));
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    let dup = errors
        .iter()
        .find(|e| e.path == "root.steps[1].id")
        .unwrap();
    assert_eq!(dup.message, "7 is already the id of root.steps[0]");
}

#[test]
fn sixteen_bit_fields_are_range_checked() {
    let mut r = uut_with_steps("");
    r.process_code = Some(40_000);
    r.uut.as_mut().unwrap().test_socket_index = Some(-40_000);
    let errors = Validator::default().validate(&r);
    let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
    assert!(paths.contains(&"processCode"), "{errors:?}");
    assert!(paths.contains(&"uut.testSocketIndex"), "{errors:?}");
    assert!(errors.iter().any(|e| e.message.contains("-32768 to 32767")));
    r.process_code = Some(32_767);
    r.uut.as_mut().unwrap().test_socket_index = Some(-1);
    assert!(Validator::default()
        .validate(&r)
        .iter()
        .all(|e| e.path != "processCode" && e.path != "uut.testSocketIndex"));
}

#[test]
fn unknown_keys_are_bounded_when_asked() {
    let mut report = minimal_uut();
    report
        .extra
        .insert("fromNewerClient".into(), serde_json::json!("x".repeat(40)));
    children(&mut report)[0]
        .extra
        .insert("big".into(), serde_json::json!({"blob": "y".repeat(1000)}));
    assert_valid(&report);
    let limited = |max| Validator::default().max_unknown_bytes(Some(max));
    assert_errors_with(&limited(2000), &report, &[]);
    assert_errors_with(
        &limited(500),
        &report,
        &[(
            "root.steps[0].big",
            "unknown keys take more than 500 bytes in this report",
        )],
    );
    // Counted over the whole report, reported once.
    for i in 0..10 {
        report.extra.insert(format!("k{i}"), serde_json::json!(i));
    }
    assert_eq!(limited(60).validate(&report).len(), 1);
}
