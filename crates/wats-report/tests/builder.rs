//! The builder: kinds inferred from values, groups, statuses, sub units, UURs from UUTs.

use wats_report::builder::{ChartSpec, ReportBuilder};
use wats_report::rules::Mode;
use wats_report::{wsjf, CompOp, ReportType, Status, StepKind};

fn passing() -> ReportBuilder {
    ReportBuilder::uut("PCBA-100", "SN-0001", "A", 10)
        .operator("alice")
        .station("ST-01", "Line 1", "Production")
}

#[test]
fn kinds_follow_values() {
    let mut b = passing();
    b.add_step("num", 1.5);
    b.add_step("int", 3);
    b.add_step("flag", true);
    b.add_step("text", "abc");
    b.add_step("nums", vec![("a", 1.0), ("b", 2.0)]);
    b.add_step("flags", vec![true, true]);
    b.add_step("texts", vec![("x", "1")]);
    b.add_step("action", ());
    let r = b.build().unwrap();
    let kinds: Vec<_> = r
        .root
        .as_ref()
        .unwrap()
        .children()
        .iter()
        .map(|s| (s.kind(), s.step_type.clone().unwrap()))
        .collect();
    use StepKind::*;
    assert_eq!(
        kinds,
        vec![
            (Numeric, "ET_NLT".into()),
            (Numeric, "ET_NLT".into()),
            (PassFail, "ET_PFT".into()),
            (StringValue, "ET_SVT".into()),
            (Numeric, "ET_MNLT".into()),
            (PassFail, "ET_MPFT".into()),
            (StringValue, "ET_MSVT".into()),
            (Action, "Action".into()),
        ]
    );
    let flags = &r.root.as_ref().unwrap().children()[5];
    assert_eq!(
        flags.boolean_meas.as_ref().unwrap()[1].name.as_deref(),
        Some("1")
    );
    assert_eq!(r.result, Some(Status::Passed));
}

#[test]
fn groups_nest_and_are_reused() {
    let mut b = passing();
    b.group("Power/Rails")
        .add_step("3V3", 3.3)
        .unit("V")
        .limits(3.2, 3.4);
    b.group("Power/Rails")
        .add_step("5V", 5.0)
        .unit("V")
        .limits(4.8, 5.2);
    b.group("Power").add_step("Current", 0.2).unit("A").max(0.5);
    let r = b.build().unwrap();
    let root = r.root.as_ref().unwrap();
    assert_eq!(root.children().len(), 1);
    let power = &root.children()[0];
    assert_eq!(power.name.as_deref(), Some("Power"));
    assert_eq!(power.kind(), StepKind::Sequence);
    let rails = &power.children()[0];
    assert_eq!(rails.children().len(), 2);
    let current = &power.children()[1].numeric_meas.as_ref().unwrap()[0];
    // An upper-only limit is WATS's single limit: lowLimit with LE.
    assert_eq!(current.comp_op, Some(CompOp::LE.into()));
    assert_eq!(current.low_limit, Some(0.5));
    assert_eq!(current.high_limit, None);
    // Ids are depth-first from 1.
    let ids: Vec<_> = r.steps().iter().map(|s| s.id.unwrap()).collect();
    assert_eq!(ids, (1..=ids.len() as i64).collect::<Vec<_>>());
}

#[test]
fn a_failure_is_judged_and_propagates() {
    let mut b = passing();
    b.group("Power/Rails")
        .add_step("3V3", 3.3)
        .unit("V")
        .limits(3.2, 3.4);
    b.group("Power/Rails")
        .add_step("5V", 5.6)
        .unit("V")
        .limits(4.8, 5.2);
    b.add_step("Firmware", "1.4.2").limit("1.4.3");
    let r = b.build().unwrap();
    assert_eq!(r.result, Some(Status::Failed));
    let steps = r.steps();
    let five = steps
        .iter()
        .find(|s| s.name.as_deref() == Some("5V"))
        .unwrap();
    assert_eq!(five.status, Some(Status::Failed));
    assert_eq!(five.caused_uut_failure, Some(true));
    assert_eq!(r.uut.as_ref().unwrap().step_id_caused_uut_failure, five.id);
    for name in ["Rails", "Power", "Firmware"] {
        let s = steps
            .iter()
            .find(|s| s.name.as_deref() == Some(name))
            .unwrap();
        assert_eq!(s.status, Some(Status::Failed), "{name}");
    }
    assert_eq!(
        steps
            .iter()
            .filter(|s| s.caused_uut_failure == Some(true))
            .count(),
        1
    );
}

#[test]
fn explicit_statuses() {
    let mut b = passing();
    b.add_step("err", 1.0).status(Status::Error);
    b.add_step("skipped", 99.0)
        .limits(0.0, 1.0)
        .status(Status::Skipped);
    let r = b.build().unwrap();
    let steps = r.root.as_ref().unwrap().children();
    assert_eq!(
        steps[0].numeric_meas.as_ref().unwrap()[0].status,
        Some(Status::Failed)
    );
    assert_eq!(
        steps[1].numeric_meas, None,
        "a skipped step carries no measurement"
    );
    assert_eq!(r.result, Some(Status::Error));
}

#[test]
fn per_measurement_settings_and_charts() {
    let mut b = passing();
    b.add_step("Current", vec![("Mean", 61.0)])
        .measure("Min", 52.5, |m| {
            m.comp_op = Some(CompOp::GE.into());
            m.low_limit = Some(52.0);
        })
        .measure("Max", 75.0, |m| {
            m.comp_op = Some(CompOp::LE.into());
            m.low_limit = Some(72.0);
        })
        .chart_series(
            ChartSpec {
                label: "Burn-in",
                ..Default::default()
            },
            "Current",
            &[0.0, 1.0, 2.0],
            &[60.0, 61.5, 75.0],
        );
    let r = b.build().unwrap();
    let step = &r.root.as_ref().unwrap().children()[0];
    assert_eq!(step.step_type.as_deref(), Some("WATS_XYGMNLT"));
    let ms = step.numeric_meas.as_ref().unwrap();
    assert_eq!(
        ms.iter().map(|m| m.status.unwrap()).collect::<Vec<_>>(),
        [Status::Passed, Status::Passed, Status::Failed]
    );
    assert_eq!(step.status, Some(Status::Failed));
    let series = &step.chart.as_ref().unwrap().series.as_ref().unwrap()[0];
    assert_eq!(series.ydata.as_deref(), Some("60;61.5;75"));
    assert_eq!(series.y_values().unwrap(), vec![60.0, 61.5, 75.0]);
}

#[test]
fn sub_units_misc_and_attachments() {
    let mut b = passing()
        .comment("night shift")
        .fixture("FX-2")
        .exec_time(12.5);
    b.misc_info("Firmware", "1.4.2");
    b.sub_unit("PCBA", "SUB-1", "S-1", "B");
    b.add_step("Log", ())
        .attach("log.txt", "text/plain", b"hello");
    let r = b.build().unwrap();
    assert_eq!(
        r.misc_infos.as_ref().unwrap()[0].text.as_deref(),
        Some("1.4.2")
    );
    assert_eq!(
        r.sub_units.as_ref().unwrap()[0].pn.as_deref(),
        Some("SUB-1")
    );
    let att = r.root.as_ref().unwrap().children()[0]
        .attachment
        .as_ref()
        .unwrap();
    assert_eq!(att.data.as_deref(), Some("aGVsbG8="));
    let uut = r.uut.as_ref().unwrap();
    assert_eq!(
        (
            uut.comment.as_deref(),
            uut.fixture_id.as_deref(),
            uut.exec_time
        ),
        (Some("night shift"), Some("FX-2"), Some(12.5))
    );
}

#[test]
fn identity_is_fixed_when_the_builder_is_created() {
    let mut b = passing();
    b.add_step("x", 1.0);
    let (id, start) = (b.report().id, b.report().start);
    let r = b.build().unwrap();
    assert_eq!((r.id, r.start), (id, start));
    // And survives serialization exactly.
    let back = wsjf::from_str(&wsjf::to_string(&r)).unwrap();
    assert_eq!(back, r);
}

#[test]
fn start_keeps_its_offset_and_start_utc_is_never_sent() {
    use chrono::{FixedOffset, TimeZone};
    let at = FixedOffset::east_opt(-5 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 3, 1, 8, 30, 0)
        .unwrap();
    let mut b = passing().start(at);
    b.add_step("x", 1.0);
    let r = b.build().unwrap();
    assert_eq!(r.start_utc, None);
    let json = wsjf::to_string(&r);
    assert!(
        json.contains(r#""start":"2026-03-01T08:30:00.0000000-05:00""#),
        "{json}"
    );
    assert!(!json.contains("startUTC"));
    // A report read from a server export has startUTC; the submission form drops it.
    let mut exported = r.clone();
    exported.start_utc = Some(wats_report::Timestamp::from_utc(r.start.unwrap().utc()));
    assert!(wsjf::to_string(&exported).contains(r#""startUTC":"2026-03-01T13:30:00.0000000Z""#));
    assert!(!wsjf::to_string(&exported.for_submission()).contains("startUTC"));
}

#[test]
fn invalid_reports_are_not_built() {
    let mut b = ReportBuilder::uut("PN*", "SN-1", "A", 10);
    b.add_step("x".repeat(101), 1.0);
    let errors = b.build().unwrap_err();
    let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
    assert!(paths.contains(&"pn"), "{errors:?}");
    assert!(paths.contains(&"root.steps[0].name"), "{errors:?}");
}

#[test]
fn uur_from_a_failed_uut() {
    let mut b = passing();
    b.sub_unit("PCBA", "SUB-1", "S-1", "B");
    b.add_step("5V", 5.6).limits(4.8, 5.2);
    let uut = b.build().unwrap();
    assert_eq!(uut.result, Some(Status::Failed));

    let mut repair = ReportBuilder::uur_from(&uut, 500)
        .operator("bob")
        .comment("replaced U1");
    let failed_step = uut.uut.as_ref().unwrap().step_id_caused_uut_failure;
    let f = repair.failure(1, "Component", "Burned");
    f.com_ref = Some("U1".into());
    f.ref_step_id = failed_step;
    let uur = repair.build().unwrap();
    assert_eq!(uur.report_type, Some(ReportType::Uur));
    assert_eq!(uur.process_code, Some(500));
    let info = uur.uur.as_ref().unwrap();
    assert_eq!(info.ref_uut, uut.id);
    assert_eq!(
        info.process_code,
        Some(10),
        "the test operation in which it failed"
    );
    assert_eq!(info.user.as_deref(), Some("bob"));
    let units = uur.sub_units.as_ref().unwrap();
    assert_eq!(
        (
            units[0].idx,
            units[0].part_type.as_deref(),
            units[0].sn.as_deref()
        ),
        (Some(0), Some("Main"), Some("SN-0001"))
    );
    assert_eq!((units[1].idx, units[1].parent_idx), (Some(1), Some(0)));
    assert_eq!(
        units[1].failures.as_ref().unwrap()[0].com_ref.as_deref(),
        Some("U1")
    );
    assert_eq!(
        (uur.pn.as_deref(), uur.sn.as_deref()),
        (Some("PCBA-100"), Some("SN-0001"))
    );
}

#[test]
fn import_mode_keeps_given_verdicts() {
    let mut b = passing().mode(Mode::Import).result(Status::Passed);
    b.add_step("x", 99.0)
        .limits(0.0, 1.0)
        .status(Status::Passed);
    let r = b.build().unwrap();
    assert_eq!(r.result, Some(Status::Passed));
}
