//! Units, phases and history, verification (with its latency figure), the single-unit calls.

use super::*;

pub async fn units_phases_and_history(s: &TestServer) {
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

pub async fn verification_from_reports(s: &TestServer) {
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

pub async fn verification_latency(s: &TestServer) {
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

/// The single-unit calls: query, create, update, tag, change part number, delete.
pub async fn single_unit_calls(s: &TestServer) {
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
