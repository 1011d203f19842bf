//! proptest strategies for valid reports.
#![allow(dead_code)]

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use wats_report::*;

/// Text that every format carries unchanged: non-empty, no surrounding whitespace, no control
/// characters; includes XML and JSON metacharacters and non-ASCII letters.
pub fn text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9æøåÆØÅ<>&\"'_.:;/+-]([A-Za-z0-9 æøå<>&\"'_.:;/+-]{0,18}[A-Za-z0-9<>&\"'_.;+-])?"
}

pub fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |v| v.is_finite()),
        (-1_000_000i64..1_000_000).prop_map(|v| v as f64),
        (-1000.0f64..1000.0),
    ]
}

pub fn status() -> impl Strategy<Value = Status> {
    prop::sample::select(Status::ALL.to_vec())
}

pub fn meas_status() -> impl Strategy<Value = Status> {
    prop::sample::select(vec![Status::Passed, Status::Failed, Status::Skipped])
}

pub fn timestamp() -> impl Strategy<Value = Timestamp> {
    (
        0i64..4_000_000_000,
        0u32..10_000_000,
        -12i32..14,
        any::<bool>(),
    )
        .prop_map(|(secs, ticks, hours, utc)| {
            let at = chrono::DateTime::from_timestamp(secs, ticks * 100).unwrap();
            if utc {
                Timestamp::from_utc(at)
            } else {
                let offset = chrono::FixedOffset::east_opt(hours * 3600).unwrap();
                Timestamp::new(at.with_timezone(&offset))
            }
        })
}

pub fn comp_op() -> impl Strategy<Value = CompOpValue> {
    prop::sample::select(CompOp::ALL.to_vec()).prop_map(CompOpValue::from)
}

fn numeric_meas(named: bool) -> impl Strategy<Value = NumericMeasurement> {
    (
        comp_op(),
        text(),
        meas_status(),
        option::of(text()),
        number(),
        option::of(number()),
        option::of(number()),
    )
        .prop_map(
            move |(op, name, status, unit, value, low, high)| NumericMeasurement {
                comp_op: Some(op),
                name: named.then_some(name),
                status: Some(status),
                unit: unit.map(Into::into),
                value: Some(value),
                low_limit: low,
                high_limit: high,
                ..Default::default()
            },
        )
}

fn string_meas(named: bool) -> impl Strategy<Value = StringMeasurement> {
    (comp_op(), text(), meas_status(), text(), option::of(text())).prop_map(
        move |(op, name, status, value, limit)| StringMeasurement {
            comp_op: Some(op),
            name: named.then_some(name),
            status: Some(status),
            value: Some(value),
            limit,
            ..Default::default()
        },
    )
}

fn boolean_meas(named: bool) -> impl Strategy<Value = BooleanMeasurement> {
    (text(), meas_status()).prop_map(move |(name, status)| BooleanMeasurement {
        name: named.then_some(name),
        status: Some(status),
        ..Default::default()
    })
}

fn chart() -> impl Strategy<Value = Chart> {
    (
        text(),
        text(),
        option::of(text()),
        vec((text(), vec(number(), 1..6)), 1..3),
    )
        .prop_map(|(label, xl, xu, series)| Chart {
            chart_type: Some("Line".into()),
            label: Some(label),
            x_label: Some(xl),
            x_unit: xu,
            y_label: Some("Y".into()),
            series: Some(
                series
                    .into_iter()
                    .map(|(name, ys)| Series {
                        data_type: Some("XYG".into()),
                        name: Some(name),
                        xdata: Some(
                            (0..ys.len())
                                .map(|i| i.to_string())
                                .collect::<Vec<_>>()
                                .join(";"),
                        ),
                        ydata: Some(
                            ys.iter()
                                .map(|v| format!("{v}"))
                                .collect::<Vec<_>>()
                                .join(";"),
                        ),
                        ..Default::default()
                    })
                    .collect(),
            ),
            ..Default::default()
        })
}

/// A leaf step of a random kind.
fn leaf() -> impl Strategy<Value = Step> {
    let common = (
        text(),
        status(),
        option::of(number()),
        option::of(text()),
        option::of(timestamp()),
    );
    let payload = prop_oneof![
        Just(Step::default()),
        (
            any::<bool>(),
            vec(numeric_meas(true), 2..4),
            numeric_meas(false)
        )
            .prop_map(|(multi, many, one)| Step {
                step_type: Some(if multi { "ET_MNLT" } else { "ET_NLT" }.into()),
                numeric_meas: Some(if multi { many } else { vec![one] }),
                ..Default::default()
            }),
        (
            any::<bool>(),
            vec(string_meas(true), 2..4),
            string_meas(false)
        )
            .prop_map(|(multi, many, one)| Step {
                step_type: Some("ET_SVT".into()),
                string_meas: Some(if multi { many } else { vec![one] }),
                ..Default::default()
            }),
        (
            any::<bool>(),
            vec(boolean_meas(true), 2..4),
            boolean_meas(false)
        )
            .prop_map(|(multi, many, one)| Step {
                step_type: Some("ET_PFT".into()),
                boolean_meas: Some(if multi { many } else { vec![one] }),
                ..Default::default()
            }),
        (numeric_meas(false), chart()).prop_map(|(m, c)| Step {
            step_type: Some("WATS_XYGMNLT".into()),
            numeric_meas: Some(vec![m]),
            chart: Some(Box::new(c)),
            ..Default::default()
        }),
        number().prop_map(|code| Step {
            step_type: Some("CallExecutable".into()),
            call_exe: Some(
                CallExe {
                    exit_code: Some(code),
                    ..Default::default()
                }
                .into()
            ),
            ..Default::default()
        }),
        (option::of(text()), 0i64..8).prop_map(|(response, button)| Step {
            step_type: Some("MessagePopup".into()),
            message_popup: Some(
                MessagePopup {
                    response,
                    button: Some(button),
                    ..Default::default()
                }
                .into()
            ),
            ..Default::default()
        }),
    ];
    (common, payload).prop_map(|((name, status, time, report_text, start), payload)| Step {
        group: Some(StepGroup::Main),
        step_type: payload.step_type.clone().or(Some("Action".into())),
        name: Some(name),
        status: Some(status),
        tot_time: time,
        report_text,
        start,
        caused_uut_failure: Some(false),
        ..payload
    })
}

/// A step tree up to a few levels deep.
pub fn step_tree() -> impl Strategy<Value = Step> {
    leaf().prop_recursive(3, 40, 6, |inner| {
        (text(), status(), vec(inner, 0..6)).prop_map(|(name, status, steps)| Step {
            group: Some(StepGroup::Main),
            step_type: Some("SequenceCall".into()),
            name: Some(name.clone()),
            status: Some(status),
            caused_uut_failure: Some(false),
            seq_call: Some(
                SeqCall {
                    path: Some("seq.seq".into()),
                    name: Some(name),
                    version: Some("1.0".into()),
                    ..Default::default()
                }
                .into(),
            ),
            steps: Some(steps),
            ..Default::default()
        })
    })
}

pub fn uut_report() -> impl Strategy<Value = Report> {
    let header = (
        text(),
        text(),
        text(),
        1i64..9999,
        prop::sample::select(vec![
            Status::Passed,
            Status::Failed,
            Status::Error,
            Status::Terminated,
        ]),
        text(),
        text(),
        text(),
        timestamp(),
    );
    let uut = (
        option::of(text()),
        option::of(text()),
        option::of(number()),
        option::of(-1i64..16),
        option::of(text()),
    );
    let misc = vec(
        (
            text(),
            prop_oneof![
                text().prop_map(|t| (Some(t), None)),
                (-1000i64..1000).prop_map(|n| (None, Some(n as f64)))
            ],
        ),
        0..4,
    );
    let subs = vec((text(), text(), text(), text()), 0..3);
    (header, uut, misc, subs, step_tree()).prop_map(|(h, u, misc, subs, tree)| {
        let mut root = Step {
            name: Some("MainSequence Callback".into()),
            steps: Some(vec![tree]),
            seq_call: Some(Default::default()),
            ..Default::default()
        };
        root.renumber(1);
        Report {
            report_type: Some(ReportType::Uut),
            id: Some(Uuid::new_v4()),
            pn: Some(h.0),
            sn: Some(h.1),
            rev: Some(h.2),
            process_code: Some(h.3),
            result: Some(h.4),
            machine_name: Some(h.5),
            location: Some(h.6),
            purpose: Some(h.7),
            start: Some(h.8),
            uut: Some(UutInfo {
                user: u.0,
                comment: u.1,
                exec_time: u.2,
                test_socket_index: u.3,
                fixture_id: u.4,
                ..Default::default()
            }),
            misc_infos: Some(
                misc.into_iter()
                    .map(|(d, (t, n))| MiscInfo {
                        description: Some(d),
                        text: t,
                        numeric: n,
                        ..Default::default()
                    })
                    .collect(),
            ),
            sub_units: Some(
                subs.into_iter()
                    .map(|(pt, pn, sn, rev)| SubUnit {
                        part_type: Some(pt),
                        pn: Some(pn),
                        sn: Some(sn),
                        rev: Some(rev),
                        ..Default::default()
                    })
                    .collect(),
            ),
            root: Some(root),
            ..Default::default()
        }
    })
}
