//! Rules 1–4: required fields, status values, lengths, characters.

use super::*;

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
