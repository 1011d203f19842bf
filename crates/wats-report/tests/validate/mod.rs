//! Validation: every rule reports the exact JSON path, valid reports pass, and the WATS export
//! fails exactly where the server's import rejects it.
//!
//! This file holds the fixtures, the assertions and the valid reports; the rules are tested by
//! theme in `texts.rs` (rules 1–4: required fields, statuses, lengths, characters),
//! `measurements.rs` (rules 5–6) and `data.rs` (rules 7–11: charts, attachments, loops, step
//! ids, binary data).

use crate::common;

use wats_report::validate::{ValidationError, Validator, DEFAULT_MAX_ATTACHMENT_BYTES};
use wats_report::{
    wsjf, Attachment, BinaryData, BooleanMeasurement, Chart, CompOp, CompOpValue, Failure,
    LoopInfo, MessagePopup, MiscInfo, NumericMeasurement, Report, ReportType, SeqCall, Series,
    Status, Step, StringMeasurement, SubUnit, Timestamp, Uuid, UutInfo,
};

// ---------------------------------------------------------------------------------------------
// Fixtures

fn text(s: &str) -> Option<String> {
    Some(s.to_owned())
}

fn step(id: i64, name: &str, status: Status) -> Step {
    Step {
        id: Some(id),
        name: text(name),
        status: Some(status),
        ..Step::default()
    }
}

fn numeric(op: CompOp, value: f64, low: Option<f64>, high: Option<f64>) -> NumericMeasurement {
    NumericMeasurement {
        comp_op: Some(op.into()),
        status: Some(Status::Passed),
        value: Some(value),
        low_limit: low,
        high_limit: high,
        unit: Some("V".into()),
        ..NumericMeasurement::default()
    }
}

fn boolean(name: Option<&str>, status: Status) -> BooleanMeasurement {
    BooleanMeasurement {
        name: name.map(str::to_owned),
        status: Some(status),
        ..Default::default()
    }
}

fn string_meas(value: &str, limit: &str) -> StringMeasurement {
    StringMeasurement {
        comp_op: Some(CompOp::CASESENSIT.into()),
        status: Some(Status::Passed),
        value: text(value),
        limit: text(limit),
        ..StringMeasurement::default()
    }
}

/// A small UUT built by hand: a root sequence call with a numeric step (`steps[0]`), a
/// pass/fail step (`steps[1]`), a string step (`steps[2]`) and an action step (`steps[3]`).
fn minimal_uut() -> Report {
    let mut voltage = step(2, "Voltage", Status::Passed);
    voltage.step_type = Some("ET_NLT".into());
    voltage.numeric_meas = Some(vec![numeric(CompOp::GELE, 5.0, Some(4.5), Some(5.5))]);
    let mut power_good = step(3, "Power good", Status::Passed);
    power_good.boolean_meas = Some(vec![boolean(None, Status::Passed)]);
    let mut firmware = step(4, "Firmware", Status::Passed);
    firmware.string_meas = Some(vec![string_meas("1.2.3", "1.2.3")]);
    let mut wait = step(5, "Wait", Status::Done);
    wait.step_type = Some("Action".into());

    let mut root = step(1, "MainSequence Callback", Status::Passed);
    root.step_type = Some("SequenceCall".into());
    root.seq_call = Some(
        SeqCall {
            path: text("C:\\tests\\board.seq"),
            name: text("MainSequence"),
            version: text("1.0.0"),
            ..SeqCall::default()
        }
        .into(),
    );
    root.steps = Some(vec![voltage, power_good, firmware, wait]);

    Report {
        report_type: Some(ReportType::Uut),
        id: Some(Uuid::parse_str("0b5c3f5e-0d1c-4c55-9d3a-6f1f0f6d2a11").unwrap()),
        pn: text("PN-100"),
        sn: text("SN-0001"),
        rev: text("A"),
        process_code: Some(10),
        result: Some(Status::Passed),
        machine_name: text("station-1"),
        location: text("lab"),
        purpose: text("Testing"),
        start: Some(Timestamp::parse("2026-01-30T22:01:41.4707353+01:00").unwrap()),
        uut: Some(UutInfo {
            user: text("operator"),
            ..UutInfo::default()
        }),
        root: Some(root),
        ..Report::default()
    }
}

fn sample(rel: &str) -> Report {
    wsjf::from_str(&common::sample(rel)).unwrap()
}

fn uur_example() -> Report {
    sample("wats/uur-example.json")
}

fn uut_export() -> Report {
    sample("wats/uut-wsjf-export.json")
}

fn child(r: &mut Report, i: usize) -> &mut Step {
    &mut r.root.as_mut().unwrap().steps.as_mut().unwrap()[i]
}

fn children(r: &mut Report) -> &mut Vec<Step> {
    r.root.as_mut().unwrap().steps.as_mut().unwrap()
}

fn num0(r: &mut Report) -> &mut NumericMeasurement {
    &mut child(r, 0).numeric_meas.as_mut().unwrap()[0]
}

fn main_unit(r: &mut Report) -> &mut SubUnit {
    &mut r.sub_units.as_mut().unwrap()[0]
}

fn failure0(r: &mut Report) -> &mut Failure {
    &mut main_unit(r).failures.as_mut().unwrap()[0]
}

// ---------------------------------------------------------------------------------------------
// Assertions

fn paths(errors: &[ValidationError]) -> Vec<&str> {
    errors.iter().map(|e| e.path.as_str()).collect()
}

/// Validates with `validator` and asserts the errors are exactly at `expected`, each message
/// containing its fragment.
#[track_caller]
fn assert_errors_with(validator: &Validator, report: &Report, expected: &[(&str, &str)]) {
    let errors = validator.validate(report);
    let want: Vec<&str> = expected.iter().map(|e| e.0).collect();
    assert_eq!(paths(&errors), want, "errors: {errors:#?}");
    for (error, (_, fragment)) in errors.iter().zip(expected) {
        assert!(
            error.message.contains(fragment),
            "{error} does not mention {fragment:?}"
        );
    }
}

#[track_caller]
fn assert_errors(report: &Report, expected: &[(&str, &str)]) {
    assert_errors_with(&Validator::default(), report, expected);
}

#[track_caller]
fn assert_valid(report: &Report) {
    assert_errors(report, &[]);
}

// ---------------------------------------------------------------------------------------------
// Valid reports and the WATS samples

#[test]
fn minimal_uut_is_valid() {
    assert_valid(&minimal_uut());
    assert_eq!(minimal_uut().validate(), Ok(()));
}

#[test]
fn uur_example_is_valid() {
    assert_valid(&uur_example());
    assert_errors_with(&Validator::default().submission(false), &uur_example(), &[]);
}

/// The export fails import for two reasons only (report-formats §1.10.8, §1.12): its loop
/// numbering (and, in one string loop, iteration limits differing from the summary's), and
/// single-measurement steps whose status differs from the measurement's.
#[test]
fn uut_export_fails_only_on_loops_and_status_agreement() {
    let errors = Validator::default().validate(&uut_export());
    let summaries = [
        "root.steps[5].steps[0].steps[0]",
        "root.steps[5].steps[0].steps[4]",
        "root.steps[5].steps[1].steps[0]",
        "root.steps[5].steps[2].steps[0]",
        "root.steps[5].steps[3].steps[0]",
        "root.steps[5].steps[3].steps[4]",
        "root.steps[5].steps[4].steps[0]",
        "root.steps[5].steps[5].steps[0]",
        "root.steps[5].steps[6].steps[0]",
        "root.steps[5].steps[6].steps[3]",
        "root.steps[5].steps[7].steps[0]",
        "root.steps[5].steps[8].steps[0]",
        "root.steps[5].steps[9].steps[0]",
        "root.steps[5].steps[9].steps[3]",
    ];
    let mut expected: Vec<String> = vec![
        // SinglePassDone: step D, measurement P (the step the server is known to reject).
        "root.steps[1].steps[2].status".into(),
        // PassFailStep inside iteration 1 of SequenceCallLoop2: step F, measurement P.
        "root.steps[5].steps[0].steps[6].steps[4].status".into(),
    ];
    for summary in summaries {
        expected.push(format!("{summary}.loop.endingIndex"));
        expected.push(format!("{summary}.loop.num"));
    }
    // StringValueStepLoop: iteration limits "testvalue2"/"testvalue3" vs summary "testvalue1".
    expected.push("root.steps[5].steps[4].steps[1].stringMeas[0].limit".into());
    expected.push("root.steps[5].steps[4].steps[2].stringMeas[0].limit".into());

    let mut got: Vec<&str> = paths(&errors);
    let mut want: Vec<&str> = expected.iter().map(String::as_str).collect();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want, "errors: {errors:#?}");
    assert_eq!(errors.len(), 32);

    let first = &errors[0];
    assert_eq!(
        first.to_string(),
        "root.steps[1].steps[2].status: is D but its single measurement (booleanMeas[0]) is P; \
         WATS requires them to agree (P/P, F/F, S/S, or E/T with F)"
    );
    let loop_error = errors
        .iter()
        .find(|e| e.path.ends_with("steps[0].steps[0].loop.num"))
        .unwrap();
    assert_eq!(
        loop_error.message,
        "is 3; WATS requires one more than endingIndex (4)"
    );
}

/// Fixing just those two categories makes the export pass.
#[test]
fn uut_export_passes_once_loops_and_statuses_are_fixed() {
    fn fix(steps: &mut [Step]) {
        for i in 0..steps.len() {
            fix(steps[i].steps.as_deref_mut().unwrap_or_default());
            let (before, rest) = steps.split_at_mut(i);
            let step = &mut rest[0];
            if let Some(info) = step.loop_info.as_mut().filter(|l| l.num.is_some()) {
                info.ending_index = Some(info.num.unwrap() - 1);
            }
            if step.loop_info.as_ref().is_some_and(|l| l.idx.is_some()) {
                let summary = before.iter().rev().find(|s| s.name == step.name).unwrap();
                if let (Some(sm), Some(im)) = (&summary.string_meas, &mut step.string_meas) {
                    im[0].limit = sm[0].limit.clone();
                }
            }
            if let Some(m) = step.boolean_meas.as_ref().filter(|m| m.len() == 1) {
                step.status = m[0].status;
            }
        }
    }
    let mut report = uut_export();
    fix(std::slice::from_mut(report.root.as_mut().unwrap()));
    assert_valid(&report);
}

/// As a document (not a submission) the export is valid: only import rejects it.
#[test]
fn uut_export_is_a_valid_document() {
    assert_errors_with(&Validator::default().submission(false), &uut_export(), &[]);
}

#[test]
fn errors_display_and_entry_points() {
    let mut report = minimal_uut();
    report.pn = None;
    let errors = wats_report::validate::validate(&report).unwrap_err();
    assert_eq!(
        errors.clone().into_vec(),
        vec![ValidationError {
            path: "pn".into(),
            message: "is required".into(),
            limit: None,
        }]
    );
    assert_eq!(errors[0].to_string(), "pn: is required");
    // An `Error` listing every problem, so `?` composes it with other errors.
    assert_eq!(
        errors.to_string(),
        "not a valid WATS report\n  pn: is required"
    );
    let boxed: Box<dyn std::error::Error> = errors.clone().into();
    assert!(boxed.to_string().contains("pn: is required"));
    assert_eq!(report.validate(), Err(errors.clone()));
    let boxed: Box<dyn std::error::Error> = Box::new(errors[0].clone());
    assert_eq!(boxed.to_string(), "pn: is required");
}

#[test]
fn all_errors_are_reported_not_just_the_first() {
    let mut report = minimal_uut();
    report.pn = None;
    report.sn = None;
    child(&mut report, 0).name = None;
    assert_errors(
        &report,
        &[
            ("pn", "is required"),
            ("sn", "is required"),
            ("root.steps[0].name", "is required"),
        ],
    );
}

mod data;
mod measurements;
mod texts;
