//! Rules 5–6: measurements, and a single measurement's status against its step's.

use super::*;

// ---------------------------------------------------------------------------------------------
// Rule 5: measurements

#[test]
fn one_kind_of_measurement_per_step() {
    let mut report = minimal_uut();
    child(&mut report, 0).boolean_meas = Some(vec![boolean(None, Status::Passed)]);
    assert_errors(
        &report,
        &[(
            "root.steps[0].booleanMeas",
            "one kind of measurement, and this one also has numericMeas",
        )],
    );
}

#[test]
fn several_measurements_are_all_named_and_unique() {
    let mut named = numeric(CompOp::GE, 5.0, Some(1.0), None);
    named.name = text("Min");
    // One named measurement is a multiple step with one test: fine.
    let mut report = minimal_uut();
    child(&mut report, 0).numeric_meas = Some(vec![named.clone()]);
    assert_valid(&report);

    let mut blank = named.clone();
    blank.name = text(" ");
    let unnamed = numeric(CompOp::LOG, 1.0, None, None);
    child(&mut report, 0).numeric_meas = Some(vec![named.clone(), unnamed, blank, named]);
    assert_errors(
        &report,
        &[
            (
                "root.steps[0].numericMeas[1].name",
                "is required when a step has several measurements",
            ),
            ("root.steps[0].numericMeas[2].name", "is required"),
            (
                "root.steps[0].numericMeas[3].name",
                "duplicates numericMeas[0].name (\"Min\")",
            ),
        ],
    );

    let mut report = minimal_uut();
    child(&mut report, 1).boolean_meas = Some(vec![
        boolean(Some("A"), Status::Passed),
        boolean(Some("A"), Status::Failed),
    ]);
    assert_errors(
        &report,
        &[("root.steps[1].booleanMeas[1].name", "duplicates")],
    );
}

#[test]
fn sequence_calls_carry_no_measurements() {
    let mut report = minimal_uut();
    report.root.as_mut().unwrap().numeric_meas =
        Some(vec![numeric(CompOp::GELE, 5.0, Some(4.5), Some(5.5))]);
    // A leaf with seqCall is a sequence call too.
    child(&mut report, 1).seq_call = Some(Default::default());
    assert_errors(
        &report,
        &[
            (
                "root.numericMeas",
                "a sequence call (a step with steps or seqCall) carries no measurements",
            ),
            ("root.steps[1].booleanMeas", "carries no measurements"),
        ],
    );
}

#[test]
fn skipped_steps_carry_no_measurement_chart_or_attachment() {
    let mut report = minimal_uut();
    let skipped = child(&mut report, 1);
    skipped.status = Some(Status::Skipped);
    skipped.boolean_meas = Some(vec![boolean(None, Status::Skipped)]);
    skipped.chart = Some(Default::default());
    skipped.attachment = Some(
        Attachment {
            name: text("a.txt"),
            data: text(""),
            ..Attachment::default()
        }
        .into(),
    );
    assert_errors(
        &report,
        &[
            (
                "root.steps[1].booleanMeas",
                "a skipped step carries no measurement, chart or attachment",
            ),
            ("root.steps[1].chart", "a skipped step"),
            ("root.steps[1].attachment", "a skipped step"),
        ],
    );
    // Without payload a skipped step is fine.
    let mut report = minimal_uut();
    let skipped = child(&mut report, 1);
    skipped.status = Some(Status::Skipped);
    skipped.boolean_meas = None;
    assert_valid(&report);
}

#[test]
fn comp_op_must_be_known_and_fit_the_kind() {
    let mut report = minimal_uut();
    num0(&mut report).comp_op = Some(CompOpValue::parse("ABOUT"));
    assert_errors(
        &report,
        &[(
            "root.steps[0].numericMeas[0].compOp",
            "\"ABOUT\" is not a comparison operator",
        )],
    );

    let mut report = minimal_uut();
    num0(&mut report).comp_op = Some(CompOp::CASESENSIT.into());
    child(&mut report, 2).string_meas.as_mut().unwrap()[0].comp_op = Some(CompOp::GELE.into());
    assert_errors(
        &report,
        &[
            (
                "root.steps[0].numericMeas[0].compOp",
                "CASESENSIT does not apply to numeric measurements",
            ),
            (
                "root.steps[2].stringMeas[0].compOp",
                "GELE does not apply to string measurements",
            ),
        ],
    );

    // Mixed-case spellings from real exports are operators.
    let mut report = minimal_uut();
    child(&mut report, 2).string_meas.as_mut().unwrap()[0].comp_op =
        Some(CompOpValue::parse("IgnoreCase"));
    assert_valid(&report);
}

#[test]
fn numeric_limits_present_as_the_operator_needs() {
    let cases = [
        (
            numeric(CompOp::GE, 5.0, None, Some(9.0)),
            vec![("lowLimit", "is required by compOp GE")],
        ),
        // LT and LE read the low limit too (§1.11).
        (
            numeric(CompOp::LE, 5.0, None, Some(9.0)),
            vec![("lowLimit", "is required by compOp LE")],
        ),
        (
            numeric(CompOp::GELE, 5.0, Some(1.0), None),
            vec![("highLimit", "by compOp GELE")],
        ),
        (
            numeric(CompOp::LTGT, 5.0, None, None),
            vec![
                ("lowLimit", "by compOp LTGT"),
                ("highLimit", "by compOp LTGT"),
            ],
        ),
        (numeric(CompOp::LE, 5.0, Some(9.0), None), vec![]),
        (numeric(CompOp::LOG, 5.0, None, None), vec![]),
        // LOG with limits is fine.
        (numeric(CompOp::LOG, 5.0, Some(1.0), Some(2.0)), vec![]),
    ];
    for (measurement, expected) in cases {
        let mut report = minimal_uut();
        *num0(&mut report) = measurement;
        let expected: Vec<(String, &str)> = expected
            .into_iter()
            .map(|(key, m)| (format!("root.steps[0].numericMeas[0].{key}"), m))
            .collect();
        let expected: Vec<(&str, &str)> = expected.iter().map(|(p, m)| (p.as_str(), *m)).collect();
        assert_errors(&report, &expected);
    }
}

#[test]
fn inside_range_limits_are_ordered() {
    for op in [
        CompOp::GTLT,
        CompOp::GTLE,
        CompOp::GELT,
        CompOp::GELE,
        CompOp::EQT,
    ] {
        let mut report = minimal_uut();
        *num0(&mut report) = numeric(op, 5.0, Some(6.0), Some(4.0));
        let message = format!("is greater than highLimit (6 > 4); compOp {op} needs low <= high");
        assert_errors(
            &report,
            &[("root.steps[0].numericMeas[0].lowLimit", &message)],
        );
    }
    // Outside-range operators and equal limits are fine.
    for (op, low, high) in [(CompOp::LTGT, 6.0, 4.0), (CompOp::GELE, 5.0, 5.0)] {
        let mut report = minimal_uut();
        *num0(&mut report) = numeric(op, 5.0, Some(low), Some(high));
        assert_valid(&report);
    }
}

// ---------------------------------------------------------------------------------------------
// Rule 6: single measurement status agrees with the step status

#[test]
fn single_measurement_status_agrees_with_step_status() {
    let agreeing = [
        (Status::Passed, Status::Passed),
        (Status::Failed, Status::Failed),
        (Status::Error, Status::Failed),
        (Status::Terminated, Status::Failed),
    ];
    let disagreeing = [
        (Status::Done, Status::Passed),
        (Status::Failed, Status::Passed),
        (Status::Passed, Status::Failed),
        (Status::Error, Status::Passed),
    ];
    for (step_status, meas_status) in agreeing.into_iter().chain(disagreeing) {
        let mut report = minimal_uut();
        let pass_fail = child(&mut report, 1);
        pass_fail.status = Some(step_status);
        pass_fail.boolean_meas.as_mut().unwrap()[0].status = Some(meas_status);
        if agreeing.contains(&(step_status, meas_status)) {
            assert_valid(&report);
        } else {
            let message = format!(
                "is {step_status} but its single measurement (booleanMeas[0]) is {meas_status}"
            );
            assert_errors(&report, &[("root.steps[1].status", &message)]);
            // Only the server's import insists.
            assert_errors_with(&Validator::default().submission(false), &report, &[]);
        }
    }

    let mut report = minimal_uut();
    child(&mut report, 0).status = None;
    assert_errors(
        &report,
        &[(
            "root.steps[0].status",
            "is absent (D) but its single measurement",
        )],
    );
}

#[test]
fn multiple_measurements_need_no_status_agreement() {
    let mut report = minimal_uut();
    let step = child(&mut report, 1);
    step.status = Some(Status::Done);
    step.boolean_meas = Some(vec![
        boolean(Some("A"), Status::Passed),
        boolean(Some("B"), Status::Passed),
    ]);
    assert_valid(&report);
}
