//! Validation: every rule reports the exact JSON path, valid reports pass, and the WATS export
//! fails exactly where the server's import rejects it.
//!
//! Why one file of ~1,700 lines: one test per validation rule, each asserting the exact JSON
//! path, sharing the minimal-report fixtures; one binary links once.

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

// ---------------------------------------------------------------------------------------------
// Rule 1: required fields

#[test]
fn required_header_fields() {
    type Clear = fn(&mut Report);
    let cases: [(&str, Clear); 11] = [
        ("type", |r| r.report_type = None),
        ("id", |r| r.id = None),
        ("pn", |r| r.pn = None),
        ("sn", |r| r.sn = None),
        ("rev", |r| r.rev = None),
        ("processCode", |r| r.process_code = None),
        ("result", |r| r.result = None),
        ("machineName", |r| r.machine_name = None),
        ("location", |r| r.location = None),
        ("purpose", |r| r.purpose = None),
        ("start", |r| r.start = None),
    ];
    for (path, clear) in cases {
        let mut report = minimal_uut();
        clear(&mut report);
        assert_errors(&report, &[(path, "is required")]);
    }
}

#[test]
fn required_texts_must_not_be_blank() {
    let mut report = minimal_uut();
    report.pn = text("  ");
    report.location = text("");
    assert_errors(
        &report,
        &[
            ("pn", "must not be empty"),
            ("location", "must not be empty"),
        ],
    );
}

#[test]
fn start_utc_is_never_required() {
    let mut report = minimal_uut();
    report.start_utc = None;
    assert_valid(&report);
    report.start_utc = Timestamp::parse("2026-01-30T21:01:41.4707353Z").ok();
    assert_valid(&report);
    let mut uur = uur_example();
    uur.start_utc = None;
    assert_valid(&uur);
}

#[test]
fn uut_needs_root_and_uut() {
    let mut report = minimal_uut();
    report.uut = None;
    assert_errors(&report, &[("uut", "is required")]);
    let mut report = minimal_uut();
    report.root = None;
    assert_errors(&report, &[("root", "is required")]);
}

#[test]
fn step_name_is_required() {
    let mut report = minimal_uut();
    report.root.as_mut().unwrap().name = None;
    child(&mut report, 3).name = text(" ");
    assert_errors(
        &report,
        &[
            ("root.name", "is required"),
            ("root.steps[3].name", "must not be empty"),
        ],
    );
}

#[test]
fn uur_needs_uur_and_sub_units() {
    let mut report = uur_example();
    report.uur = None;
    assert_errors(&report, &[("uur", "is required")]);
    let mut report = uur_example();
    report.sub_units = None;
    assert_errors(&report, &[("subUnits", "main unit")]);
    let mut report = uur_example();
    report.sub_units = Some(Vec::new());
    assert_errors(&report, &[("subUnits", "main unit")]);
}

#[test]
fn uur_ref_uut_is_optional() {
    let mut report = uur_example();
    report.uur.as_mut().unwrap().ref_uut = None;
    assert_valid(&report);
}

#[test]
fn uur_needs_exactly_one_main_unit() {
    // A sole unit without idx is the main unit.
    let mut report = uur_example();
    main_unit(&mut report).idx = None;
    assert_valid(&report);

    let mut report = uur_example();
    main_unit(&mut report).idx = Some(1);
    assert_errors(&report, &[("subUnits", "exactly one main unit (idx 0)")]);

    let mut report = uur_example();
    let second = SubUnit {
        idx: Some(0),
        pn: text("PART-2"),
        ..SubUnit::default()
    };
    report.sub_units.as_mut().unwrap().push(second);
    assert_errors(
        &report,
        &[("subUnits[1].idx", "duplicates subUnits[0].idx (0)")],
    );

    // Several units, none with idx 0.
    let mut report = uur_example();
    main_unit(&mut report).idx = None;
    report.sub_units.as_mut().unwrap().push(SubUnit {
        idx: Some(1),
        ..SubUnit::default()
    });
    assert_errors(&report, &[("subUnits", "exactly one main unit (idx 0)")]);
}

#[test]
fn sub_unit_parent_must_exist() {
    let mut report = uur_example();
    let part = SubUnit {
        idx: Some(1),
        parent_idx: Some(0),
        ..SubUnit::default()
    };
    report.sub_units.as_mut().unwrap().push(part);
    assert_valid(&report);
    report.sub_units.as_mut().unwrap()[1].parent_idx = Some(7);
    assert_errors(
        &report,
        &[(
            "subUnits[1].parentIdx",
            "is 7, but no sub unit has that idx",
        )],
    );
}

#[test]
fn failure_category_and_code_are_required() {
    let mut report = uur_example();
    failure0(&mut report).category = None;
    failure0(&mut report).code = text("");
    main_unit(&mut report)
        .failures
        .as_mut()
        .unwrap()
        .push(Failure::default());
    assert_errors(
        &report,
        &[
            ("subUnits[0].failures[0].category", "is required"),
            ("subUnits[0].failures[0].code", "must not be empty"),
            ("subUnits[0].failures[1].category", "is required"),
            ("subUnits[0].failures[1].code", "is required"),
        ],
    );
}

#[test]
fn misc_info_needs_description_and_a_value() {
    let mut report = minimal_uut();
    report.misc_infos = Some(vec![
        MiscInfo {
            description: text("Fixture"),
            text: text("F1"),
            ..MiscInfo::default()
        },
        MiscInfo {
            description: text("Count"),
            numeric: Some(3.0),
            ..MiscInfo::default()
        },
        MiscInfo {
            text: text("orphan"),
            ..MiscInfo::default()
        },
        MiscInfo {
            description: text("Nothing"),
            ..MiscInfo::default()
        },
    ]);
    assert_errors(
        &report,
        &[
            ("miscInfos[2].description", "is required"),
            (
                "miscInfos[3].text",
                "is required when there is no numeric value",
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 2: status values

#[test]
fn report_result_is_p_f_e_or_t() {
    for ok in [
        Status::Passed,
        Status::Failed,
        Status::Error,
        Status::Terminated,
    ] {
        let mut report = minimal_uut();
        report.result = Some(ok);
        assert_valid(&report);
    }
    for bad in [Status::Done, Status::Skipped] {
        let mut report = minimal_uut();
        report.result = Some(bad);
        assert_errors(&report, &[("result", "a report result is P, F, E or T")]);
    }
}

#[test]
fn step_status_is_one_of_p_d_s_f_e_t() {
    // The model cannot hold anything else; reading refuses it with the path.
    let mut json = serde_json::to_value(minimal_uut()).unwrap();
    json["root"]["steps"][3]["status"] = "X".into();
    let err = wsjf::from_str(&json.to_string()).unwrap_err();
    assert_eq!(err.location().unwrap().path, "root.steps[3].status");
    for status in Status::ALL {
        let mut report = minimal_uut();
        child(&mut report, 3).status = Some(status);
        assert_valid(&report);
    }
}

#[test]
fn measurement_status_is_p_f_or_s() {
    let mut report = minimal_uut();
    child(&mut report, 1).boolean_meas.as_mut().unwrap()[0].status = Some(Status::Done);
    num0(&mut report).status = Some(Status::Error);
    assert_errors(
        &report,
        &[
            (
                "root.steps[0].numericMeas[0].status",
                "is E; a measurement status is P, F or S",
            ),
            (
                "root.steps[1].booleanMeas[0].status",
                "is D; a measurement status is P, F or S",
            ),
        ],
    );
    let mut report = minimal_uut();
    child(&mut report, 2).string_meas.as_mut().unwrap()[0].status = None;
    assert_errors(
        &report,
        &[("root.steps[2].stringMeas[0].status", "is required")],
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 3: lengths

type Set = fn(&mut Report, String);

/// Every limited text of §1.15 on a UUT: (path, WRML limit, setter).
fn uut_limits() -> Vec<(&'static str, usize, Set)> {
    vec![
        ("pn", 100, |r, s| r.pn = Some(s)),
        ("sn", 100, |r, s| r.sn = Some(s)),
        ("rev", 100, |r, s| r.rev = Some(s)),
        ("machineName", 100, |r, s| r.machine_name = Some(s)),
        ("location", 100, |r, s| r.location = Some(s)),
        ("purpose", 100, |r, s| r.purpose = Some(s)),
        ("productName", 100, |r, s| r.product_name = Some(s)),
        ("processName", 100, |r, s| r.process_name = Some(s)),
        ("origin", 100, |r, s| r.origin = Some(s)),
        ("uut.user", 100, |r, s| {
            r.uut.as_mut().unwrap().user = Some(s)
        }),
        ("uut.comment", 5000, |r, s| {
            r.uut.as_mut().unwrap().comment = Some(s)
        }),
        ("uut.fixtureId", 100, |r, s| {
            r.uut.as_mut().unwrap().fixture_id = Some(s)
        }),
        ("uut.batchSN", 100, |r, s| {
            r.uut.as_mut().unwrap().batch_sn = Some(s)
        }),
        ("uut.errorMessage", 500, |r, s| {
            r.uut.as_mut().unwrap().error_message = Some(s)
        }),
        ("miscInfos[0].description", 100, |r, s| {
            r.misc_infos = Some(vec![MiscInfo {
                description: Some(s),
                text: text("t"),
                ..MiscInfo::default()
            }])
        }),
        ("miscInfos[0].text", 100, |r, s| {
            r.misc_infos = Some(vec![MiscInfo {
                description: text("d"),
                text: Some(s),
                ..MiscInfo::default()
            }])
        }),
        ("miscInfos[0].typedef", 30, |r, s| {
            r.misc_infos = Some(vec![MiscInfo {
                description: text("d"),
                text: text("t"),
                typedef: Some(s),
                ..MiscInfo::default()
            }])
        }),
        ("subUnits[0].partType", 50, |r, s| {
            r.sub_units = Some(vec![SubUnit {
                part_type: Some(s),
                ..SubUnit::default()
            }])
        }),
        ("subUnits[0].pn", 100, |r, s| {
            r.sub_units = Some(vec![SubUnit {
                pn: Some(s),
                ..SubUnit::default()
            }])
        }),
        ("subUnits[0].sn", 100, |r, s| {
            r.sub_units = Some(vec![SubUnit {
                sn: Some(s),
                ..SubUnit::default()
            }])
        }),
        ("subUnits[0].rev", 100, |r, s| {
            r.sub_units = Some(vec![SubUnit {
                rev: Some(s),
                ..SubUnit::default()
            }])
        }),
        ("assets[0].assetSN", 100, |r, s| {
            r.assets = Some(vec![wats_report::Asset {
                asset_sn: Some(s),
                ..Default::default()
            }])
        }),
        ("additionalData[0].name", 200, |r, s| {
            r.additional_data = Some(vec![wats_report::AdditionalData {
                name: Some(s),
                ..Default::default()
            }])
        }),
        ("root.name", 100, |r, s| {
            r.root.as_mut().unwrap().name = Some(s)
        }),
        ("root.steps[3].errorMessage", 200, |r, s| {
            child(r, 3).error_message = Some(s)
        }),
        ("root.steps[3].reportText", 100_000, |r, s| {
            child(r, 3).report_text = Some(s)
        }),
        ("root.steps[3].tsGuid", 30, |r, s| {
            child(r, 3).ts_guid = Some(s)
        }),
        ("root.steps[3].additionalResults[0].name", 200, |r, s| {
            child(r, 3).additional_results = Some(vec![wats_report::AdditionalData {
                name: Some(s),
                ..Default::default()
            }])
        }),
        ("root.seqCall.path", 500, |r, s| {
            r.root.as_mut().unwrap().seq_call.as_mut().unwrap().path = Some(s)
        }),
        ("root.seqCall.name", 200, |r, s| {
            r.root.as_mut().unwrap().seq_call.as_mut().unwrap().name = Some(s)
        }),
        ("root.seqCall.version", 30, |r, s| {
            r.root.as_mut().unwrap().seq_call.as_mut().unwrap().version = Some(s)
        }),
        ("root.steps[0].numericMeas[0].name", 100, |r, s| {
            num0(r).name = Some(s)
        }),
        ("root.steps[0].numericMeas[0].unit", 20, |r, s| {
            num0(r).unit = Some(s.into())
        }),
        ("root.steps[1].booleanMeas[0].name", 100, |r, s| {
            child(r, 1).boolean_meas.as_mut().unwrap()[0].name = Some(s)
        }),
        ("root.steps[2].stringMeas[0].name", 100, |r, s| {
            child(r, 2).string_meas.as_mut().unwrap()[0].name = Some(s)
        }),
        ("root.steps[2].stringMeas[0].value", 100, |r, s| {
            let m = &mut child(r, 2).string_meas.as_mut().unwrap()[0];
            m.comp_op = Some(CompOp::LOG.into());
            m.value = Some(s);
        }),
        ("root.steps[2].stringMeas[0].limit", 100, |r, s| {
            let m = &mut child(r, 2).string_meas.as_mut().unwrap()[0];
            m.comp_op = Some(CompOp::LOG.into());
            m.limit = Some(s);
        }),
        ("root.steps[0].chart.label", 100, |r, s| {
            child(r, 0).chart = Some(
                Chart {
                    label: Some(s),
                    ..Chart::default()
                }
                .into(),
            )
        }),
        ("root.steps[0].chart.xLabel", 50, |r, s| {
            child(r, 0).chart = Some(
                Chart {
                    x_label: Some(s),
                    ..Chart::default()
                }
                .into(),
            )
        }),
        ("root.steps[0].chart.yLabel", 50, |r, s| {
            child(r, 0).chart = Some(
                Chart {
                    y_label: Some(s),
                    ..Chart::default()
                }
                .into(),
            )
        }),
        ("root.steps[0].chart.xUnit", 20, |r, s| {
            child(r, 0).chart = Some(
                Chart {
                    x_unit: Some(s),
                    ..Chart::default()
                }
                .into(),
            )
        }),
        ("root.steps[0].chart.yUnit", 20, |r, s| {
            child(r, 0).chart = Some(
                Chart {
                    y_unit: Some(s),
                    ..Chart::default()
                }
                .into(),
            )
        }),
        ("root.steps[0].chart.series[0].name", 100, |r, s| {
            let series = Series {
                name: Some(s),
                ydata: text("1;2"),
                ..Series::default()
            };
            child(r, 0).chart = Some(
                Chart {
                    series: Some(vec![series]),
                    ..Chart::default()
                }
                .into(),
            )
        }),
        ("root.steps[3].messagePopup.response", 200, |r, s| {
            child(r, 3).message_popup = Some(
                MessagePopup {
                    response: Some(s),
                    ..MessagePopup::default()
                }
                .into(),
            )
        }),
        ("root.steps[3].attachment.name", 256, |r, s| {
            child(r, 3).attachment = Some(
                Attachment {
                    name: Some(s),
                    data: text("TWFu"),
                    ..Attachment::default()
                }
                .into(),
            )
        }),
        ("root.steps[3].attachment.contentType", 100, |r, s| {
            child(r, 3).attachment = Some(
                Attachment {
                    name: text("log.txt"),
                    content_type: Some(s),
                    data: text("TWFu"),
                    ..Attachment::default()
                }
                .into(),
            )
        }),
    ]
}

/// Every limited text of §1.15 that only a UUR carries.
fn uur_limits() -> Vec<(&'static str, usize, Set)> {
    vec![
        ("uur.user", 100, |r, s| {
            r.uur.as_mut().unwrap().user = Some(s)
        }),
        ("uur.comment", 5000, |r, s| {
            r.uur.as_mut().unwrap().comment = Some(s)
        }),
        ("uur.processName", 100, |r, s| {
            r.uur.as_mut().unwrap().process_name = Some(s)
        }),
        ("subUnits[0].failures[0].comRef", 50, |r, s| {
            failure0(r).com_ref = Some(s)
        }),
        ("subUnits[0].failures[0].funcBlock", 100, |r, s| {
            failure0(r).func_block = Some(s)
        }),
        ("subUnits[0].failures[0].artNumber", 100, |r, s| {
            failure0(r).art_number = Some(s)
        }),
        ("subUnits[0].failures[0].artRev", 100, |r, s| {
            failure0(r).art_rev = Some(s)
        }),
        ("subUnits[0].failures[0].artVendor", 500, |r, s| {
            failure0(r).art_vendor = Some(s)
        }),
        ("subUnits[0].failures[0].artDescription", 500, |r, s| {
            failure0(r).art_description = Some(s)
        }),
        ("binaryData[0].contentType", 100, |r, s| {
            r.binary_data = Some(vec![BinaryData {
                content_type: Some(s),
                name: text("photo.png"),
                data: text("TWFu"),
                ..BinaryData::default()
            }])
        }),
        ("binaryData[0].name", 256, |r, s| {
            r.binary_data = Some(vec![BinaryData {
                name: Some(s),
                data: text("TWFu"),
                ..BinaryData::default()
            }])
        }),
    ]
}

#[test]
fn length_limits() {
    let cases = uut_limits()
        .into_iter()
        .map(|c| (minimal_uut as fn() -> Report, c));
    let uur_cases = uur_limits()
        .into_iter()
        .map(|c| (uur_example as fn() -> Report, c));
    for (base, (path, max, set)) in cases.chain(uur_cases) {
        let mut at_limit = base();
        set(&mut at_limit, "x".repeat(max));
        assert_errors(&at_limit, &[]);
        let mut over = base();
        set(&mut over, "x".repeat(max + 1));
        let message = format!("is {} characters long; WATS allows at most {max}", max + 1);
        assert_errors(&over, &[(path, &message)]);
    }
}

#[test]
fn lengths_count_characters_after_trimming() {
    let mut report = minimal_uut();
    report.pn = Some("é".repeat(100)); // 200 bytes, 100 characters
    report.sn = Some(format!("  {}  ", "x".repeat(100)));
    assert_valid(&report);
    report.pn = Some("é".repeat(101));
    assert_errors(
        &report,
        &[("pn", "is 101 characters long; WATS allows at most 100")],
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 4: characters

#[test]
fn search_wildcards_in_sn_and_pn_are_refused_unless_allowed() {
    let mut report = minimal_uut();
    report.pn = text("PN/100");
    report.sn = text("SN*1?*");
    report.sub_units = Some(vec![SubUnit {
        sn: text("[A]"),
        pn: text("P%1"),
        ..Default::default()
    }]);
    assert_errors(
        &report,
        &[
            ("pn", "contains '/', which WATS searches treat as wildcards"),
            (
                "sn",
                "contains '*' '?', which WATS searches treat as wildcards",
            ),
            ("subUnits[0].pn", "contains '%'"),
            ("subUnits[0].sn", "contains '[' ']'"),
        ],
    );
    assert_errors_with(
        &Validator::default().allow_search_wildcards(true),
        &report,
        &[],
    );
    // Elsewhere they are ordinary characters.
    let mut report = minimal_uut();
    report.location = text("lab 3/4 [east]");
    assert_valid(&report);
}

#[test]
fn control_characters_are_refused() {
    let mut report = minimal_uut();
    report.sn = text("SN\u{1}1");
    child(&mut report, 0).name = text("Volt\u{7}age");
    report.uut.as_mut().unwrap().comment = text("tab\there\r\nnext line");
    num0(&mut report).unit = Some("V\u{FFFF}".into());
    assert_errors(
        &report,
        &[
            ("sn", "contains the control character U+0001 at character 2"),
            ("root.steps[0].name", "U+0007 at character 4"),
            ("root.steps[0].numericMeas[0].unit", "U+FFFF"),
        ],
    );
}

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
