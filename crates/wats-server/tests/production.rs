//! `wats::production` against a real `wats-server` on loopback, on SQLite and PostgreSQL
//! (PostgreSQL skipped with a message when absent; failed when `WATS_REQUIRE_POSTGRES=1`):
//! every production endpoint, the domain rules (verification from reports, assembly against
//! box-build templates, phase history, atomic serial-number allocation) and the answers to
//! bad input.
//!
//! Figures (printed; run with `--nocapture`): serial numbers taken per second by 8 concurrent
//! clients (`concurrent_serial_numbers`), verification latency of a unit with 100 reports
//! (`verification_latency`).

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{Backend, TestServer, PASSWORD, USER};
use serde_json::{json, Value};
use wats::product::{Product, ProductRevision};
use wats::production::{
    phase, ProductionBatch, SerialFormat, SerialNumberIdentifier, SerialNumberRange,
    SerialNumberType, Setting, TakeOptions, Unit,
};
use wats::{Error, Wats};

both_backends!(
    super::common::start;
    units_phases_and_history,
    verification_from_reports,
    assembly_against_the_template,
    serial_numbers,
    serial_number_files,
    concurrent_serial_numbers,
    concurrent_assembly_and_phases,
    verification_latency,
    bad_input,
    other_spellings,
    single_unit_calls,
);

fn client(s: &TestServer) -> Wats {
    Wats::builder()
        .base_url(&s.base)
        .credentials(USER, PASSWORD)
        .no_rate_limit()
        .build()
        .unwrap()
}

fn backend(s: &TestServer) -> &'static str {
    if s.db_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

#[track_caller]
fn bad_request(r: wats::Result<impl std::fmt::Debug>, needle: &str) {
    match r {
        Err(Error::Validation { ref message, .. }) => {
            assert!(message.contains(needle), "{needle:?} not in {message:?}")
        }
        other => panic!("expected 400 naming {needle:?}, got {other:?}"),
    }
}

#[track_caller]
fn not_found(r: wats::Result<impl std::fmt::Debug>, needle: &str) {
    match r {
        Err(Error::NotFound { ref message }) => {
            assert!(message.contains(needle), "{needle:?} not in {message:?}")
        }
        other => panic!("expected 404 naming {needle:?}, got {other:?}"),
    }
}

/// A product with revisions.
async fn product(w: &Wats, pn: &str, revisions: &[&str]) {
    w.product().save(&Product::new(pn)).await.unwrap();
    for r in revisions {
        w.product()
            .save_revision(&ProductRevision::new(pn, *r))
            .await
            .unwrap();
    }
}

/// A UUT of a serial number in a process, with a result letter (`P`, `F`, `E`).
async fn uut(
    s: &TestServer,
    pn: &str,
    sn: &str,
    process: i64,
    result: &str,
    minute: u32,
) -> uuid::Uuid {
    let id = uuid::Uuid::new_v4();
    let r = json!({
        "type": "T", "id": id, "pn": pn, "sn": sn, "rev": "A", "processCode": process,
        "result": result, "machineName": "ST1", "location": "Line 1", "purpose": "Test",
        "start": format!("2026-03-01T10:{:02}:{:02}Z", minute / 60, minute % 60),
        "uut": {"user": "op1"},
        "root": {"id": 1, "group": "M", "stepType": "SequenceCall", "name": "Main",
                 "status": result, "seqCall": {"path": "main.seq", "name": "Main", "version": "1"}}
    });
    let (status, body) = s.submit(&r).await;
    assert_eq!(status, 200, "{body}");
    id
}

async fn units_phases_and_history(s: &TestServer) {
    let w = client(s);
    let p = w.production();
    let pn = unique("PCB");
    product(&w, &pn, &["A", "B"]).await;
    let batch = unique("LOT");
    p.save_batch(&ProductionBatch {
        batch_number: Some(batch.clone()),
        batch_size: Some(10),
        ..Default::default()
    })
    .await
    .unwrap();

    // Create (internal) and save (public).
    let sn = unique("SN");
    let created = p
        .create_unit(&sn, &pn, "A", Some(&batch), Some(phase::UNDER_PRODUCTION))
        .await
        .unwrap();
    assert_eq!(created.unit_phase.as_deref(), Some("Under production"));
    assert_eq!(created.batch_number.as_deref(), Some(batch.as_str()));
    bad_request(
        p.create_unit(&sn, &pn, "A", None, None).await,
        "already exists",
    );
    let sn2 = unique("SN");
    let saved = p
        .save_units(&[Unit {
            tags: Some(vec![Setting::add("WorkOrder", "WO-1")]),
            current_location: Some("Line 1".into()),
            ..Unit::new(&sn2, &pn, "A")
        }])
        .await
        .unwrap();
    assert_eq!(saved[0].unit_phase_id, Some(phase::UNDER_PRODUCTION));
    assert_eq!(
        saved[0].product.as_ref().unwrap().part_number.as_deref(),
        Some(pn.as_str())
    );
    // An update changes only what it carries; part numbers are compared without case.
    let updated = p
        .save_units(&[Unit {
            serial_number: Some(sn2.to_lowercase()),
            part_number: Some(pn.to_lowercase()),
            revision: Some("B".into()),
            ..Unit::default()
        }])
        .await
        .unwrap();
    assert_eq!(updated[0].revision.as_deref(), Some("B"));
    assert_eq!(updated[0].current_location.as_deref(), Some("Line 1"));
    assert_eq!(
        updated[0].tags.as_ref().unwrap()[0].value.as_deref(),
        Some("WO-1")
    );
    let got = p.unit(&sn2, &pn).await.unwrap().unwrap();
    assert_eq!(got.revision.as_deref(), Some("B"));
    assert_eq!(got.product_revision.unwrap().revision.as_deref(), Some("B"));
    let by_sn = p.unit_by_serial(&sn2, None).await.unwrap().unwrap();
    assert_eq!(by_sn.part_number.as_deref(), Some(pn.as_str()));
    assert!(p.unit("NOPE", &pn).await.unwrap().is_none());

    // Phases: the list, setting one, the history and the change feed.
    let phases = p.phases().await.unwrap();
    assert_eq!(phases.len(), 12);
    assert_eq!(phase::resolve("finalized"), Some(16));
    p.set_phase(&sn, &pn, phase::FINALIZED, Some("all passed"))
        .await
        .unwrap();
    let now = p.unit_phase(&sn, &pn).await.unwrap().unwrap();
    assert_eq!(now.name.as_deref(), Some("Finalized"));
    let history = p.unit_state_history(&sn, &pn).await.unwrap();
    let kinds: Vec<&str> = history.iter().map(|h| h.change_type.as_str()).collect();
    assert_eq!(kinds, ["Created", "Phase"]);
    assert_eq!(history[1].old_unit_phase_id, Some(phase::UNDER_PRODUCTION));
    assert_eq!(history[1].unit_phase_id, Some(phase::FINALIZED));
    assert_eq!(history[1].comment.as_deref(), Some("all passed"));
    let changes = p.changes(Some(&sn), Some(&pn), None, None).await.unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[1].new_unit_phase_id, Some(phase::FINALIZED));
    p.acknowledge_change(changes[0].id.unwrap()).await.unwrap();
    let left = p.changes(Some(&sn), None, Some(10), None).await.unwrap();
    assert_eq!(left.len(), 1);
    assert!(matches!(
        p.acknowledge_change(changes[0].id.unwrap()).await,
        Err(Error::NotFound { .. })
    ));

    // Process: by code, unknown refused.
    p.set_process(&sn, &pn, 10, None).await.unwrap();
    let proc = p.unit_process(&sn, &pn).await.unwrap().unwrap();
    assert_eq!(proc.process_code, Some(10));
    assert!(proc.process_name.is_some());
    bad_request(p.set_process(&sn, &pn, 987_654, None).await, "processCode");
    assert_eq!(
        p.unit_state_history(&sn, &pn)
            .await
            .unwrap()
            .last()
            .unwrap()
            .change_type,
        "Process"
    );

    // Info, batches, sites, connection; blocking mirror.
    let info = p.unit_info(&sn, &pn).await.unwrap().unwrap();
    assert_eq!(info.status, "NotTested");
    assert_eq!(info.test_count, 0);
    let batches = p.batches(Some(&pn), None).await.unwrap();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].batch_size, Some(10));
    assert_eq!(p.batches(None, Some(&batch)).await.unwrap().len(), 1);
    let many = p
        .save_batches(&[ProductionBatch {
            batch_number: Some(batch.clone()),
            batch_size: Some(20),
            ..Default::default()
        }])
        .await
        .unwrap();
    assert_eq!(many[0].batch_size, Some(20));
    assert!(p.is_connected().await.unwrap());
    uut(s, &pn, &sn, 10, "P", 1).await;
    assert!(p
        .sites()
        .await
        .unwrap()
        .iter()
        .any(|site| site.name.as_deref() == Some("Line 1")));
    let base = s.base.clone();
    let (sn_b, pn_b) = (sn.clone(), pn.clone());
    tokio::task::spawn_blocking(move || {
        let b = wats::blocking::Wats::builder()
            .base_url(&base)
            .credentials(USER, PASSWORD)
            .build()
            .unwrap();
        let u = b.production().unit(&sn_b, &pn_b).unwrap().unwrap();
        assert_eq!(u.unit_phase_id, Some(phase::FINALIZED));
        assert!(b.production().is_passing(&sn_b, &pn_b).unwrap());
    })
    .await
    .unwrap();
}

async fn verification_from_reports(s: &TestServer) {
    let w = client(s);
    let p = w.production();
    let pn = unique("VER");
    let sn = unique("SN");
    // ICT fails, FCT passes, the ICT failure is repaired, ICT passes.
    let ict_fail = uut(s, &pn, &sn, 10, "F", 1).await;
    uut(s, &pn, &sn, 20, "P", 2).await;
    let g = p.verification(&sn, &pn, None).await.unwrap().unwrap();
    assert_eq!(g.status.as_deref(), Some("Failed"));
    assert_eq!(g.grade.as_deref(), Some("FAILED"));
    assert_eq!(g.all_processes_passed_last_run, Some(false));
    assert_eq!(g.all_processes_passed_any_run, Some(false));
    assert!(!p.is_passing(&sn, &pn).await.unwrap());
    let uur_id = uuid::Uuid::new_v4();
    let mut uur: Value = serde_json::from_slice(&common::sample("wats/uur-example.json")).unwrap();
    uur["id"] = json!(uur_id);
    uur["pn"] = json!(pn);
    uur["sn"] = json!(sn);
    uur["start"] = json!("2026-03-01T10:00:03Z");
    uur["uur"]["refUUT"] = json!(ict_fail);
    uur.as_object_mut().unwrap().remove("processName");
    assert_eq!(s.submit(&uur).await.0, 200);
    uut(s, &pn, &sn, 10, "P", 4).await;
    let g = p.verification(&sn, &pn, None).await.unwrap().unwrap();
    assert_eq!(g.status.as_deref(), Some("Passed"), "{g:?}");
    assert_eq!(g.grade.as_deref(), Some("PASSED"));
    assert_eq!(g.all_processes_passed_last_run, Some(true));
    assert_eq!(g.all_processes_passed_any_run, Some(true));
    assert_eq!(g.all_processes_passed_first_run, Some(false));
    assert_eq!(g.no_repairs, Some(false));
    assert_eq!(g.all_processes_executed_in_correct_order, Some(true));
    let r = g.results.unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].process_code, Some(10));
    assert_eq!(r[0].total_count, Some(2));
    assert_eq!(r[0].non_passed_count, Some(1));
    assert_eq!(r[0].repair_count, Some(1));
    assert_eq!(r[0].status.as_deref(), Some("Passed"));
    assert_eq!(r[0].station_name.as_deref(), Some("ST1"));
    assert_eq!(r[1].repair_count, Some(0));
    assert!(p.is_passing(&sn, &pn).await.unwrap());
    // A unit known from its reports only is a unit.
    let u = p.unit(&sn, &pn).await.unwrap().unwrap();
    assert_eq!(u.revision.as_deref(), Some("A"));
    assert_eq!(u.unit_phase_id, Some(phase::UNDER_PRODUCTION));
    let info = p.unit_info(&sn, &pn).await.unwrap().unwrap();
    assert_eq!((info.test_count, info.repair_count), (3, 1));
    assert_eq!(info.status, "Passed");
    // Another revision has no runs; an unknown unit has no verification.
    let g = p.verification(&sn, &pn, Some("Z")).await.unwrap().unwrap();
    assert_eq!(g.grade.as_deref(), Some("NOT_TESTED"));
    assert!(p.verification("NOPE", &pn, None).await.unwrap().is_none());
    // Out of order: FCT before ICT.
    let sn2 = unique("SN");
    uut(s, &pn, &sn2, 20, "P", 1).await;
    uut(s, &pn, &sn2, 10, "E", 2).await;
    let g = p.verification(&sn2, &pn, None).await.unwrap().unwrap();
    assert_eq!(g.all_processes_executed_in_correct_order, Some(false));
    assert_eq!(g.grade.as_deref(), Some("INCOMPLETE"));
}

async fn assembly_against_the_template(s: &TestServer) {
    let w = client(s);
    let p = w.production();
    let (boxp, pcb, psu, other) = (unique("BOX"), unique("PCB"), unique("PSU"), unique("OTH"));
    product(&w, &boxp, &["A"]).await;
    product(&w, &pcb, &["A", "A2", "B"]).await;
    product(&w, &psu, &["1"]).await;
    product(&w, &other, &["1"]).await;
    let mut t = w.product().box_build(&boxp, "A").await.unwrap().unwrap();
    t.add(&pcb, "A", 2).await.unwrap();
    t.set_revision_mask(&pcb, "A", Some("A%"));
    t.add(&psu, "1", 1).await.unwrap();
    t.save().await.unwrap();

    let parent = unique("MAIN");
    p.create_unit(&parent, &boxp, "A", None, None)
        .await
        .unwrap();
    let mut pcbs = Vec::new();
    for rev in ["A", "A2", "A", "B"] {
        let sn = unique("PCB");
        p.create_unit(&sn, &pcb, rev, None, None).await.unwrap();
        pcbs.push(sn);
    }
    let psu_sn = unique("PSU");
    p.create_unit(&psu_sn, &psu, "1", None, Some(phase::FINALIZED))
        .await
        .unwrap();
    let other_sn = unique("OTH");
    p.create_unit(&other_sn, &other, "1", None, None)
        .await
        .unwrap();

    let check = p.check_children(&parent, &boxp, None).await.unwrap();
    assert!(!check.is_complete);
    assert_eq!(check.missing_count, 3);

    let after = p.add_child(&parent, &boxp, &pcbs[0], &pcb).await.unwrap();
    assert_eq!(after.sub_units.as_ref().unwrap().len(), 1);
    p.add_child(&parent, &boxp, &pcbs[1], &pcb).await.unwrap();
    // Adding again is harmless.
    p.add_child(&parent, &boxp, &pcbs[1], &pcb).await.unwrap();
    bad_request(
        p.add_child(&parent, &boxp, &pcbs[2], &pcb).await,
        "takes 2 unit(s)",
    );
    bad_request(
        p.add_child(&parent, &boxp, &pcbs[3], &pcb).await,
        "Revision 'B'",
    );
    bad_request(
        p.add_child(&parent, &boxp, &other_sn, &other).await,
        "is not in the box build template",
    );
    // Internal, validated: the PSU must be Finalized (it is).
    p.add_child_validated(&parent, &boxp, &psu_sn, &psu, Some("1"), true)
        .await
        .unwrap();
    let check = p.validate_children(&parent, &boxp).await.unwrap();
    assert!(check.is_complete, "{check:?}");
    assert_eq!(check.child_units.len(), 3);
    let child = p.unit(&pcbs[0], &pcb).await.unwrap().unwrap();
    assert_eq!(child.parent_serial_number.as_deref(), Some(parent.as_str()));
    let changes = p.changes(Some(&pcbs[0]), None, None, None).await.unwrap();
    assert_eq!(
        changes.last().unwrap().new_parent_serial_number.as_deref(),
        Some(parent.as_str())
    );

    // A child already in another parent, and a unit built into its own child, are refused.
    let parent2 = unique("MAIN");
    p.create_unit(&parent2, &boxp, "A", None, None)
        .await
        .unwrap();
    bad_request(
        p.add_child(&parent2, &boxp, &pcbs[0], &pcb).await,
        "already a child unit",
    );
    let free_pcb = unique("PCB");
    p.create_unit(&free_pcb, &pcb, "A", None, None)
        .await
        .unwrap();
    bad_request(
        p.add_child_validated(&parent2, &boxp, &free_pcb, &pcb, None, true)
            .await,
        "must be in phase Finalized",
    );
    let (outer, inner) = (unique("O"), unique("I"));
    p.create_unit(&outer, &other, "1", None, None)
        .await
        .unwrap();
    p.create_unit(&inner, &other, "1", None, None)
        .await
        .unwrap();
    p.add_child(&outer, &other, &inner, &other).await.unwrap();
    bad_request(
        p.add_child(&inner, &other, &outer, &other).await,
        "cannot be built into itself",
    );
    bad_request(p.add_child(&outer, &other, &outer, &other).await, "itself");
    bad_request(
        p.add_child_validated(&parent2, &boxp, &free_pcb, &pcb, Some("B%"), false)
            .await,
        "not the expected 'B%'",
    );
    not_found(p.add_child(&parent2, &boxp, "NOPE", &pcb).await, "'NOPE'");

    // Hierarchy and contents.
    let h = p.unit_hierarchy(&parent, &boxp).await.unwrap().unwrap();
    assert_eq!(h.sub_units.as_ref().unwrap().len(), 3);
    let c = p
        .unit_contents(&parent, &boxp, Some("A"))
        .await
        .unwrap()
        .unwrap();
    let lines = c.children.unwrap();
    assert_eq!(lines.len(), 2);
    let pcb_line = lines
        .iter()
        .find(|l| l.part_number.as_deref() == Some(pcb.as_str()))
        .unwrap();
    assert_eq!(pcb_line.units.as_ref().unwrap().len(), 2);

    // Removing: one, then all; the history records both sides.
    bad_request(
        p.remove_child(&parent2, &boxp, &pcbs[0], &pcb).await,
        "is not a child unit",
    );
    let after = p
        .remove_child(&parent, &boxp, &pcbs[0], &pcb)
        .await
        .unwrap();
    assert_eq!(after.sub_units.unwrap().len(), 2);
    assert!(p
        .unit(&pcbs[0], &pcb)
        .await
        .unwrap()
        .unwrap()
        .parent_serial_number
        .is_none());
    let after = p.remove_all_children(&parent, &boxp).await.unwrap();
    assert!(after.sub_units.unwrap().is_empty());
    let kinds: Vec<String> = p
        .unit_state_history(&parent, &boxp)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.change_type)
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "ChildAdded").count(),
        3,
        "{kinds:?}"
    );
    assert_eq!(kinds.iter().filter(|k| *k == "ChildRemoved").count(), 3);
    // A parent without a template takes any child.
    p.add_child(&pcbs[2], &pcb, &other_sn, &other)
        .await
        .unwrap();
}

/// A serial-number type with `n` generated numbers; answers its name.
async fn sn_type(w: &Wats, format: &str, identifier: i32, n: i64) -> String {
    let name = unique("SNT");
    let saved = w
        .production()
        .save_serial_number_types(&[SerialNumberType {
            name: Some(name.clone()),
            description: Some("test".into()),
            format: Some(format.into()),
            identifier: Some(SerialNumberIdentifier(identifier)),
            ..Default::default()
        }])
        .await
        .unwrap();
    assert!(saved[0].identifier_name.is_some());
    if n > 0 {
        let added = w
            .production()
            .generate_serial_numbers(&name, "1", &n.to_string())
            .await
            .unwrap();
        assert_eq!(added, n);
    }
    name
}

async fn serial_numbers(s: &TestServer) {
    let w = client(s);
    let p = w.production();
    let t = sn_type(&w, "SN-######", 0, 10).await;
    assert!(p
        .serial_number_types()
        .await
        .unwrap()
        .iter()
        .any(|x| x.name.as_deref() == Some(t.as_str())));
    let opts = TakeOptions::for_unit("MAIN-1", "BOX-1").station("ST-7");
    let got = p.take_serial_numbers(&t, 3, &opts).await.unwrap();
    assert_eq!(got, ["SN-000001", "SN-000002", "SN-000003"]);
    // More than are free: refused, nothing taken.
    bad_request(
        p.take_serial_numbers(&t, 8, &TakeOptions::default()).await,
        "7 free",
    );
    let stats = p.serial_number_statistics(Some(&t)).await.unwrap();
    assert_eq!(
        (stats.free, stats.taken, stats.total),
        (Some(7), Some(3), Some(10))
    );
    assert_eq!(p.serial_number_count(&t, None, None).await.unwrap(), 3);
    assert_eq!(
        p.serial_number_count(&t, Some("2"), Some("SN-000009"))
            .await
            .unwrap(),
        2
    );
    let by_ref = p
        .serial_numbers_by_reference(&t, Some("MAIN-1"), None)
        .await
        .unwrap();
    assert_eq!(by_ref.len(), 3);
    assert_eq!(by_ref[0].station_name.as_deref(), Some("ST-7"));
    assert_eq!(by_ref[0].ref_pn.as_deref(), Some("BOX-1"));
    assert_eq!(by_ref[0].state.as_deref(), Some("Taken"));
    let range = p.serial_numbers_by_range(&t, "2", "4").await.unwrap();
    let states: Vec<_> = range.iter().map(|r| r.state.clone().unwrap()).collect();
    assert_eq!(states, ["Taken", "Taken", "Free"]);
    assert_eq!(
        p.find_serial_numbers(&t, "1", "10").await.unwrap().len(),
        10
    );

    // A freed range is handed out first.
    let freed = p
        .free_serial_numbers(&[SerialNumberRange {
            type_name: Some(t.clone()),
            start_address: Some("SN-000002".into()),
            end_address: Some("2".into()),
            ..Default::default()
        }])
        .await
        .unwrap();
    assert_eq!(freed, 1);
    let again = p
        .take_serial_numbers(&t, 2, &TakeOptions::default())
        .await
        .unwrap();
    assert_eq!(again, ["SN-000002", "SN-000004"]);
    let ranges = p.serial_number_ranges(Some(&t)).await.unwrap();
    assert_eq!(ranges.len(), 1);
    assert_eq!(ranges[0].start_address.as_deref(), Some("1"));
    assert_eq!(ranges[0].end_address.as_deref(), Some("10"));
    assert_eq!(ranges[0].taken, Some(4));
    // Delete free numbers of a range.
    let deleted = p
        .delete_free_serial_numbers(&[SerialNumberRange {
            type_name: Some(t.clone()),
            start_address: Some("9".into()),
            end_address: Some("10".into()),
            ..Default::default()
        }])
        .await
        .unwrap();
    assert_eq!(deleted, 2);
    assert_eq!(
        p.serial_number_ranges(Some(&t)).await.unwrap()[0]
            .end_address
            .as_deref(),
        Some("8")
    );

    // MAC addresses: hexadecimal.
    let mac = sn_type(&w, "00:1A:##:##:##:##", 1, 0).await;
    p.generate_serial_numbers(&mac, "00:1A:00:00:00:FE", "00:1A:00:00:01:01")
        .await
        .unwrap();
    let got = p
        .take_serial_numbers(&mac, 2, &TakeOptions::default())
        .await
        .unwrap();
    assert_eq!(got, ["00:1A:00:00:00:FE", "00:1A:00:00:00:FF"]);
    not_found(
        p.take_serial_numbers("NO-SUCH-TYPE", 1, &TakeOptions::default())
            .await,
        "NO-SUCH-TYPE",
    );
}

async fn serial_number_files(s: &TestServer) {
    let w = client(s);
    let p = w.production();
    let t = sn_type(&w, "IMP-####", 0, 0).await;
    let csv = format!("serialNumberType,serialNumber,state\n{t},IMP-0007\n{t},IMP-0003,Free\n{t},X-EXTERNAL,Reserved\n");
    assert_eq!(
        p.import_serial_numbers(csv, SerialFormat::Csv)
            .await
            .unwrap(),
        3
    );
    // A bad line: 400 naming it, nothing imported.
    let bad = format!("{t},IMP-0010\n{t},IMP-0011,Lost\n");
    bad_request(
        p.import_serial_numbers(bad, SerialFormat::Csv).await,
        "line 2",
    );
    let dup = format!("{t},IMP-0012\n{t},IMP-0007\n");
    bad_request(
        p.import_serial_numbers(dup, SerialFormat::Csv).await,
        "line 2",
    );
    bad_request(
        p.import_serial_numbers("NOPE-TYPE,A\n", SerialFormat::Csv)
            .await,
        "line 1",
    );
    let xml = format!("<SerialNumbers serialNumberType=\"{t}\">\n  <SN id=\"IMP-0020\"/>\n  <SN id=\"IMP-0021\" state=\"Taken\" refSN=\"U1\"/>\n</SerialNumbers>");
    assert_eq!(
        p.import_serial_numbers(xml, SerialFormat::Xml)
            .await
            .unwrap(),
        2
    );
    bad_request(
        p.import_serial_numbers(
            format!("<SerialNumbers serialNumberType=\"{t}\">\n<SN/>"),
            SerialFormat::Xml,
        )
        .await,
        "line 2",
    );
    let stats = p.serial_number_statistics(Some(&t)).await.unwrap();
    assert_eq!(
        (stats.total, stats.reserved, stats.taken),
        (Some(5), Some(1), Some(1))
    );
    // Imported numbers the format reads are taken by address.
    let got = p
        .take_serial_numbers(&t, 2, &TakeOptions::default())
        .await
        .unwrap();
    assert_eq!(got, ["IMP-0003", "IMP-0007"]);

    // Export, then import into a fresh type: the same numbers and states.
    let csv = p
        .export_serial_numbers(&t, None, SerialFormat::Csv)
        .await
        .unwrap();
    let csv = String::from_utf8(csv.to_vec()).unwrap();
    assert!(csv.starts_with("serialNumberType,serialNumber,state"));
    assert_eq!(csv.lines().count(), 6);
    let xml = p
        .export_serial_numbers(&t, Some("Taken"), SerialFormat::Xml)
        .await
        .unwrap();
    let xml = String::from_utf8(xml.to_vec()).unwrap();
    assert_eq!(xml.matches("<SN ").count(), 3, "{xml}");
    let t2 = sn_type(&w, "IMP-####", 0, 0).await;
    let moved = csv.replace(&t, &t2);
    assert_eq!(
        p.import_serial_numbers(moved, SerialFormat::Csv)
            .await
            .unwrap(),
        5
    );
    let stats2 = p.serial_number_statistics(Some(&t2)).await.unwrap();
    assert_eq!((stats2.taken, stats2.reserved), (Some(3), Some(1)));
}

async fn concurrent_serial_numbers(s: &TestServer) {
    const CLIENTS: usize = 8;
    const EACH: usize = 1000;
    let w = client(s);
    let t = sn_type(&w, "C-#########", 0, (CLIENTS * EACH) as i64 + 100).await;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let w = client(s);
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let opts = TakeOptions::default().station(format!("ST-{c}"));
            let mut mine = Vec::with_capacity(EACH);
            for _ in 0..EACH {
                mine.extend(
                    w.production()
                        .take_serial_numbers(&t, 1, &opts)
                        .await
                        .unwrap(),
                );
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!(all.len(), CLIENTS * EACH);
    assert_eq!(
        distinct.len(),
        CLIENTS * EACH,
        "a number was handed out twice"
    );
    let count = w
        .production()
        .serial_number_count(&t, None, None)
        .await
        .unwrap();
    assert_eq!(count, (CLIENTS * EACH) as i64);
    let stats = w
        .production()
        .serial_number_statistics(Some(&t))
        .await
        .unwrap();
    assert_eq!(stats.free, Some(100));
    eprintln!(
        "FIGURE serial numbers, {CLIENTS} clients x {EACH} takes of 1 ({}): {:.0}/s ({} in {:.2} s)",
        backend(s),
        all.len() as f64 / elapsed.as_secs_f64(),
        all.len(),
        elapsed.as_secs_f64()
    );
}

async fn concurrent_assembly_and_phases(s: &TestServer) {
    let w = client(s);
    let p = w.production();
    let pn = unique("CA");
    product(&w, &pn, &["1"]).await;
    let child = unique("CHILD");
    p.create_unit(&child, &pn, "1", None, None).await.unwrap();
    let mut parents = Vec::new();
    for _ in 0..8 {
        let sn = unique("PAR");
        p.create_unit(&sn, &pn, "1", None, None).await.unwrap();
        parents.push(sn);
    }
    // Eight parents race for one child: exactly one gets it.
    let mut tasks = Vec::new();
    for parent in parents.clone() {
        let w = client(s);
        let (pn, child) = (pn.clone(), child.clone());
        tasks.push(tokio::spawn(async move {
            w.production().add_child(&parent, &pn, &child, &pn).await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(Error::Validation { message, .. }) => {
                assert!(message.contains("already a child unit"), "{message}")
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(won, 1);
    let with_child: usize = {
        let mut n = 0;
        for parent in &parents {
            n += p
                .unit(parent, &pn)
                .await
                .unwrap()
                .unwrap()
                .sub_units
                .unwrap()
                .len();
        }
        n
    };
    assert_eq!(with_child, 1);
    // Concurrent phase changes of one unit: every one is in the history, in some order.
    let phases = [2, 4, 8, 16, 32, 64, 128, 256];
    let mut tasks = Vec::new();
    for ph in phases {
        let w = client(s);
        let (pn, child) = (pn.clone(), child.clone());
        tasks.push(tokio::spawn(async move {
            w.production()
                .set_phase(&child, &pn, ph, None)
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let history = p.unit_state_history(&child, &pn).await.unwrap();
    let set: Vec<&_> = history
        .iter()
        .filter(|h| h.change_type == "Phase")
        .collect();
    assert_eq!(set.len(), 8);
    // Each change saw the phase the previous one left.
    for pair in set.windows(2) {
        assert_eq!(pair[1].old_unit_phase_id, pair[0].unit_phase_id);
    }
    let last = set.last().unwrap().unit_phase_id;
    assert_eq!(
        p.unit(&child, &pn).await.unwrap().unwrap().unit_phase_id,
        last
    );
}

async fn verification_latency(s: &TestServer) {
    let w = client(s);
    let pn = unique("LAT");
    let sn = unique("SN");
    for i in 0..100u32 {
        let process = [10, 20, 30, 40][(i % 4) as usize];
        uut(s, &pn, &sn, process, if i % 7 == 0 { "F" } else { "P" }, i).await;
    }
    let p = w.production();
    let g = p.verification(&sn, &pn, None).await.unwrap().unwrap();
    let runs: i32 = g
        .results
        .as_ref()
        .unwrap()
        .iter()
        .map(|r| r.total_count.unwrap())
        .sum();
    assert_eq!(runs, 100);
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        p.verification(&sn, &pn, None).await.unwrap().unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    eprintln!(
        "FIGURE verification of a unit with 100 reports ({}): median {:.2} ms, p90 {:.2} ms (HTTP on loopback, 50 calls)",
        backend(s),
        times[25].as_secs_f64() * 1e3,
        times[45].as_secs_f64() * 1e3
    );
}

async fn bad_input(s: &TestServer) {
    let w = client(s);
    let p = w.production();
    let pn = unique("BAD");
    product(&w, &pn, &["A"]).await;
    not_found(
        p.create_unit("X", "NO-SUCH-PART", "A", None, None).await,
        "NO-SUCH-PART",
    );
    not_found(p.create_unit("X", &pn, "Q", None, None).await, "'Q'");
    bad_request(
        p.create_unit("X", &pn, "A", None, Some(3)).await,
        "unitPhase",
    );
    bad_request(
        p.save_units(&[Unit::default()]).await,
        "units[0].serialNumber",
    );
    bad_request(
        p.save_units(&[Unit {
            serial_number: Some("X".into()),
            part_number: Some(pn.clone()),
            ..Unit::default()
        }])
        .await,
        "units[0].revision",
    );
    bad_request(
        p.save_units(&[Unit {
            batch_number: Some("NO-SUCH-BATCH".into()),
            ..Unit::new("X", &pn, "A")
        }])
        .await,
        "units[0].batchNumber",
    );
    // Nothing of a refused list is kept.
    not_found(
        p.save_units(&[
            Unit::new("OK-1", &pn, "A"),
            Unit::new("BAD-2", "NO-SUCH-PART", "A"),
        ])
        .await,
        "units[1].partNumber",
    );
    assert!(p.unit("OK-1", &pn).await.unwrap().is_none());
    not_found(
        p.set_phase("NOPE", &pn, phase::FINALIZED, None).await,
        "'NOPE'",
    );
    bad_request(
        p.save_batch(&ProductionBatch::default()).await,
        "batch.batchNumber",
    );
    bad_request(
        p.take_serial_numbers(&sn_type(&w, "#", 0, 1).await, 0, &TakeOptions::default())
            .await,
        "quantity",
    );
    bad_request(
        p.save_serial_number_types(&[SerialNumberType {
            name: Some(unique("T")),
            reg_ex: Some("([".into()),
            ..Default::default()
        }])
        .await,
        "types[0].regEx",
    );
    // Raw requests: missing and malformed parameters are 400s naming them.
    let raw = |path: &str| {
        s.client
            .put(s.url(path))
            .basic_auth(USER, Some(PASSWORD))
            .send()
    };
    let r = raw("/api/Production/SetUnitPhase?serialNumber=A&partNumber=B&phase=Nope")
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("phase"));
    let r = raw("/api/Production/SetUnitPhase?partNumber=B&phase=16")
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("serialNumber"));
    let r = s
        .client
        .put(s.url("/api/Production/Units"))
        .basic_auth(USER, Some(PASSWORD))
        .header("content-type", "application/json")
        .body("[{\"serialNumber\": 5}]")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("[0].serialNumber"));
    let (status, _) = s.get_json("/api/Production/Units/Changes?$top=x").await;
    assert_eq!(status, 400);
    let (status, body) = s
        .get_json("/api/Production/SerialNumbers/ByRange?typeName=NOPE&from=1&to=2")
        .await;
    assert_eq!(status, 404, "{body}");
}

/// The internal and OpenAPI spellings the SDK does not use.
async fn other_spellings(s: &TestServer) {
    let w = client(s);
    let p = w.production();
    let pn = unique("SP");
    product(&w, &pn, &["1"]).await;
    let (parent, child) = (unique("P"), unique("C"));
    p.create_unit(&parent, &pn, "1", None, None).await.unwrap();
    p.create_unit(&child, &pn, "1", None, None).await.unwrap();
    p.add_child(&parent, &pn, &child, &pn).await.unwrap();
    let post = |path: String| {
        s.client
            .post(s.url(&path))
            .basic_auth(USER, Some(PASSWORD))
            .send()
    };
    let r = post(format!(
        "/api/internal/Production/RemoveChildUnit?serialNumber={parent}&partNumber={pn}\
         &childSerialNumber={child}&childPartNumber={pn}&cultureCode=en-US"
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["subUnits"], json!([]));
    // CheckChildUnits with the OpenAPI's parameter names.
    let (status, body) = s
        .get_json(&format!(
            "/api/Production/CheckChildUnits?parentSerialNumber={parent}&parentPartNumber={pn}"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["isComplete"], true);
    // Types on the internal path; take as JSON; SetUnitProcess by name.
    let t = sn_type(&w, "J-###", 0, 5).await;
    let (status, types) = s
        .get_json("/api/internal/Production/SerialNumbers/Types")
        .await;
    assert_eq!(status, 200);
    assert!(types
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["name"] == json!(t)));
    let r = post(format!(
        "/api/Production/SerialNumbers/Take?serialNumberType={t}&quantity=2&format=json"
    ))
    .await
    .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!(["J-001", "J-002"]));
    let name = w.app().processes(&Default::default()).await.unwrap()[0]
        .name
        .clone()
        .unwrap();
    let r = s
        .client
        .put(s.url(&format!(
            "/api/Production/SetUnitProcess?serialNumber={parent}&partNumber={pn}&processName={name}"
        )))
        .basic_auth(USER, Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .client
        .put(s.url(&format!(
            "/api/internal/Production/SerialNumbers/Generate?serialNumberType={t}&startAddress=1&endAddress=9223372036854775807"
        )))
        .basic_auth(USER, Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

/// The single-unit calls: query, create, update, tag, change part number, delete.
async fn single_unit_calls(s: &TestServer) {
    let w = client(s);
    let p = w.production();
    let (pn, pn2) = (unique("SU"), unique("SU2"));
    product(&w, &pn, &["A"]).await;
    product(&w, &pn2, &["X"]).await;
    let sn = unique("SN");
    let made = p
        .create_unit_public(&Unit::new(&sn, &pn, "A"))
        .await
        .unwrap();
    assert_eq!(made.unit_phase_id, Some(phase::UNDER_PRODUCTION));
    bad_request(
        p.create_unit_public(&Unit {
            parent_serial_number: Some("X".into()),
            ..Unit::new(unique("SN"), &pn, "A")
        })
        .await,
        "parentSerialNumber",
    );
    let updated = p
        .update_unit(&Unit {
            current_location: Some("Rack 4".into()),
            ..Unit::new(&sn, &pn, "A")
        })
        .await
        .unwrap();
    assert_eq!(updated.current_location.as_deref(), Some("Rack 4"));
    not_found(p.update_unit(&Unit::new("NOPE", &pn, "A")).await, "'NOPE'");
    let tagged = p.set_unit_tag(&sn, &pn, "Lot", "L1").await.unwrap();
    let tagged2 = p.set_unit_tag(&sn, &pn, "lot", "L2").await.unwrap();
    assert_eq!(tagged.tags.unwrap().len(), 1);
    assert_eq!(tagged2.tags.unwrap()[0].value.as_deref(), Some("L2"));
    let other = unique("SN");
    p.create_unit(&other, &pn, "A", None, Some(phase::FINALIZED))
        .await
        .unwrap();
    let found = p
        .query_units(
            Some(&wats::odata::field("partNumber").eq(pn.as_str())),
            Some("serialNumber desc"),
            Some(10),
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
    assert!(found[0].serial_number >= found[1].serial_number);
    let finalized = p
        .query_units(
            Some(
                &wats::odata::field("partNumber")
                    .eq(pn.as_str())
                    .and(wats::odata::field("unitPhaseId").eq(16)),
            ),
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(finalized.len(), 1);
    assert_eq!(finalized[0].unit_phase.as_deref(), Some("Finalized"));
    // Re-keyed: the old key is gone, the history followed.
    let moved = p.change_unit(&sn, &pn, &pn2, "X").await.unwrap();
    assert_eq!(moved.revision.as_deref(), Some("X"));
    assert!(p.unit(&sn, &pn).await.unwrap().is_none());
    let kinds: Vec<String> = p
        .unit_state_history(&sn, &pn2)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.change_type)
        .collect();
    assert_eq!(kinds.first().map(String::as_str), Some("Created"));
    assert_eq!(kinds.last().map(String::as_str), Some("PartChanged"));
    not_found(p.change_unit(&other, &pn, &pn2, "Q").await, "'Q'");
    // Delete: refused with children, then done.
    p.add_child(&sn, &pn2, &other, &pn).await.unwrap();
    bad_request(p.delete_unit(&sn, &pn2).await, "child unit");
    p.delete_unit(&other, &pn).await.unwrap();
    p.delete_unit(&sn, &pn2).await.unwrap();
    assert!(p.unit(&sn, &pn2).await.unwrap().is_none());
    not_found(p.delete_unit(&sn, &pn2).await, "was not found");
}
