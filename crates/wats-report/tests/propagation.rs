//! Status propagation (report-formats §1.12): active mode raises parents by severity and marks
//! the first failing leaf; import mode keeps every status as given.

use wats_report::rules::{apply, Mode};
use wats_report::{CompOp, NumericMeasurement, Report, ReportType, Status, Step};

fn leaf(name: &str, status: Option<Status>) -> Step {
    Step {
        name: Some(name.into()),
        status,
        ..Default::default()
    }
}

fn numeric(name: &str, value: f64, low: f64, high: f64) -> Step {
    Step {
        name: Some(name.into()),
        numeric_meas: Some(vec![NumericMeasurement {
            comp_op: Some(CompOp::GELE.into()),
            value: Some(value),
            low_limit: Some(low),
            high_limit: Some(high),
            ..Default::default()
        }]),
        ..Default::default()
    }
}

fn seq(name: &str, steps: Vec<Step>) -> Step {
    Step {
        name: Some(name.into()),
        steps: Some(steps),
        ..Default::default()
    }
}

fn report(root: Step) -> Report {
    let mut root = root;
    root.renumber(1);
    Report {
        report_type: Some(ReportType::Uut),
        root: Some(root),
        ..Default::default()
    }
}

fn status_of(report: &Report, name: &str) -> Status {
    report
        .steps()
        .into_iter()
        .find(|s| s.name.as_deref() == Some(name))
        .unwrap()
        .status
        .unwrap()
}

#[test]
fn all_pass() {
    let mut r = report(seq(
        "root",
        vec![
            seq("A", vec![numeric("a1", 1.0, 0.0, 2.0)]),
            leaf("act", None),
        ],
    ));
    apply(&mut r, Mode::Active);
    assert_eq!(r.result, Some(Status::Passed));
    assert_eq!(status_of(&r, "a1"), Status::Passed);
    assert_eq!(status_of(&r, "A"), Status::Passed);
    assert_eq!(status_of(&r, "act"), Status::Done);
    assert!(r.steps().iter().all(|s| s.caused_uut_failure != Some(true)));
}

#[test]
fn a_failing_measurement_fails_every_ancestor_and_the_report() {
    let mut r = report(seq(
        "root",
        vec![
            seq("A", vec![numeric("a1", 1.0, 0.0, 2.0)]),
            seq(
                "B",
                vec![seq(
                    "B1",
                    vec![numeric("b1", 5.0, 0.0, 2.0), numeric("b2", 9.0, 0.0, 2.0)],
                )],
            ),
        ],
    ));
    apply(&mut r, Mode::Active);
    let m = &r
        .steps()
        .into_iter()
        .find(|s| s.name.as_deref() == Some("b1"))
        .unwrap()
        .numeric_meas
        .as_ref()
        .unwrap()[0];
    assert_eq!(m.status, Some(Status::Failed));
    for name in ["b1", "b2", "B1", "B", "root"] {
        assert_eq!(status_of(&r, name), Status::Failed, "{name}");
    }
    assert_eq!(status_of(&r, "A"), Status::Passed);
    assert_eq!(r.result, Some(Status::Failed));
    // The first failing leaf is the cause.
    let cause: Vec<_> = r
        .steps()
        .into_iter()
        .filter(|s| s.caused_uut_failure == Some(true))
        .collect();
    assert_eq!(cause.len(), 1);
    assert_eq!(cause[0].name.as_deref(), Some("b1"));
    assert_eq!(
        r.uut.as_ref().unwrap().step_id_caused_uut_failure,
        cause[0].id
    );
}

#[test]
fn severity_only_rises() {
    // An Error below a Failed sibling raises the parent to Error; a later Failed does not lower it.
    let mut r = report(seq(
        "root",
        vec![seq(
            "S",
            vec![leaf("e", Some(Status::Error)), numeric("f", 5.0, 0.0, 1.0)],
        )],
    ));
    apply(&mut r, Mode::Active);
    assert_eq!(status_of(&r, "S"), Status::Error);
    assert_eq!(r.result, Some(Status::Error));

    let mut r = report(seq(
        "root",
        vec![
            leaf("t", Some(Status::Terminated)),
            seq("S", vec![leaf("e", Some(Status::Error))]),
        ],
    ));
    apply(&mut r, Mode::Active);
    assert_eq!(status_of(&r, "S"), Status::Error);
    assert_eq!(status_of(&r, "root"), Status::Terminated);
    assert_eq!(r.result, Some(Status::Terminated));

    // A parent already Terminated stays so when a child fails.
    let mut root = seq("root", vec![numeric("f", 5.0, 0.0, 1.0)]);
    root.status = Some(Status::Terminated);
    let mut r = report(root);
    apply(&mut r, Mode::Active);
    assert_eq!(r.result, Some(Status::Terminated));
}

#[test]
fn a_failure_wins_over_a_less_severe_explicit_status_only() {
    // Explicit Error on a step whose measurement fails stays Error.
    let mut s = numeric("x", 5.0, 0.0, 1.0);
    s.status = Some(Status::Error);
    let mut r = report(seq("root", vec![s]));
    apply(&mut r, Mode::Active);
    assert_eq!(status_of(&r, "x"), Status::Error);
    assert_eq!(r.result, Some(Status::Error));
}

#[test]
fn skip_and_done_never_propagate() {
    let mut r = report(seq(
        "root",
        vec![seq(
            "S",
            vec![
                leaf("skipped", Some(Status::Skipped)),
                leaf("done", Some(Status::Done)),
            ],
        )],
    ));
    apply(&mut r, Mode::Active);
    assert_eq!(status_of(&r, "S"), Status::Passed);
    assert_eq!(r.result, Some(Status::Passed));
    // A skipped step's measurements are not judged.
    let mut s = numeric("skip-meas", 5.0, 0.0, 1.0);
    s.status = Some(Status::Skipped);
    let mut r = report(seq("root", vec![s]));
    apply(&mut r, Mode::Active);
    assert_eq!(r.result, Some(Status::Passed));
}

#[test]
fn a_measured_done_step_passes() {
    // WATS rejects a single-measurement step whose status differs from its measurement.
    let mut s = numeric("d", 1.0, 0.0, 2.0);
    s.status = Some(Status::Done);
    let mut r = report(seq("root", vec![s]));
    apply(&mut r, Mode::Active);
    assert_eq!(status_of(&r, "d"), Status::Passed);
}

#[test]
fn import_mode_keeps_statuses() {
    let mut failing = numeric("f", 5.0, 0.0, 1.0);
    failing.status = Some(Status::Passed);
    failing.numeric_meas.as_mut().unwrap()[0].status = Some(Status::Passed);
    let mut r = report(seq("root", vec![failing]));
    r.result = Some(Status::Passed);
    let before = r.clone();
    apply(&mut r, Mode::Import);
    assert_eq!(r, before);
    assert_eq!(r.result, Some(Status::Passed));
}

#[test]
fn the_real_export_is_consistent_with_the_rules() {
    // Re-applying active mode to the server's export changes no verdict: the server's own
    // statuses follow the same rules.
    let text = wats_test_support::sample_text("wats/uut-wsjf-export.json");
    let original = wats_report::wsjf::from_str(&text).unwrap();
    let mut again = original.clone();
    apply(&mut again, Mode::Active);
    assert_eq!(again.result, original.result);
    let cause = again
        .steps()
        .into_iter()
        .find(|s| s.caused_uut_failure == Some(true))
        .unwrap()
        .id;
    assert_eq!(
        cause,
        original.uut.as_ref().unwrap().step_id_caused_uut_failure
    );
}

#[test]
fn error_measurements_fail_the_step_and_there_is_one_cause() {
    let mut e = numeric("e", 1.0, 0.0, 2.0);
    e.numeric_meas.as_mut().unwrap()[0].status = Some(Status::Error);
    let mut old_cause = numeric("ok", 1.0, 0.0, 2.0);
    old_cause.caused_uut_failure = Some(true);
    let mut r = report(seq("root", vec![old_cause, e]));
    apply(&mut r, Mode::Active);
    assert_eq!(status_of(&r, "e"), Status::Failed);
    assert_eq!(r.result, Some(Status::Failed));
    let causes: Vec<_> = r
        .steps()
        .into_iter()
        .filter(|s| s.caused_uut_failure == Some(true))
        .collect();
    assert_eq!(causes.len(), 1);
    assert_eq!(causes[0].name.as_deref(), Some("e"));
}

#[test]
fn an_invalid_result_is_left_for_validation() {
    let mut r = report(seq("root", vec![numeric("a", 1.0, 0.0, 2.0)]));
    r.result = Some(Status::Done);
    apply(&mut r, Mode::Active);
    assert_eq!(r.result, Some(Status::Done));
    assert!(r.validate().unwrap_err().iter().any(|e| e.path == "result"));
}
