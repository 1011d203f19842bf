//! `wats::asset` against a real `wats-server` on SQLite and PostgreSQL: every endpoint, the
//! due dates and alarm state checked against hand-computed values, the log (user and time of
//! every change), files, the hierarchy, a UUT report raising an asset's counts, and bad input
//! answered with a `Validation` or `NotFound` error naming it.

#[path = "../../wats-server/tests/common/mod.rs"]
mod server;

use chrono::{Duration, TimeZone, Utc};
use serde_json::json;
use server::{Backend, TestServer, PASSWORD, USER};
use wats::asset::{AlarmState, Asset, AssetLogType, AssetQuery, AssetRef, AssetState, AssetType};
use wats::odata::field;
use wats::{Error, Wats};

async fn start(backend: Backend) -> Option<TestServer> {
    server::start(backend).await
}

both_backends!(super::start; rules_counts_and_dates, log_files_and_hierarchy,
               report_counts_and_bad_input);

fn client(s: &TestServer) -> Wats {
    Wats::builder()
        .base_url(&s.base)
        .credentials(USER, PASSWORD)
        .no_rate_limit()
        .no_cache()
        .build()
        .unwrap()
}

fn tag() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_uppercase()
}

/// A type: 100 uses between calibrations, 1000 in a life, calibration every 90 days,
/// maintenance every 30, warning at 80 %, alarm at 100 %.
async fn fixture_type(w: &Wats, t: &str) -> AssetType {
    w.asset()
        .save_type(
            &AssetType::new(format!("Fixture-{t}"))
                .running_count_limit(100)
                .total_count_limit(1000)
                .calibration_interval(90.0)
                .maintenance_interval(30.0)
                .thresholds(80.0, 100.0),
        )
        .await
        .unwrap()
}

async fn rules_counts_and_dates(s: &TestServer) {
    let w = client(s);
    let t = tag();
    let ty = fixture_type(&w, &t).await;
    let type_id = ty.type_id.expect("the server mints a type id");
    assert_eq!(ty.calibration_interval, Some(90.0));
    let sn = format!("FIX-{t}");
    let a = w
        .asset()
        .save(
            &Asset::new(&sn, type_id)
                .name("Bed of nails")
                .location("Line 1"),
        )
        .await
        .unwrap();
    assert!(a.asset_id.is_some());
    assert_eq!((a.total_count, a.running_count), (Some(0), Some(0)));
    assert_eq!(a.state, Some(AssetState::IN_OPERATION));
    let r = AssetRef::serial(&sn);

    // Due dates by hand: calibrated 2026-01-10 + 90 days = 2026-04-10; maintained
    // 2026-01-01 + 30 days = 2026-01-31.
    let jan10 = Utc.with_ymd_and_hms(2026, 1, 10, 0, 0, 0).unwrap();
    let jan1 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    w.asset()
        .record_calibration(&r, Some(jan10), Some("annual"))
        .await
        .unwrap();
    w.asset()
        .record_maintenance(&r, Some(jan1), None)
        .await
        .unwrap();
    let got = w.asset().get(&sn).await.unwrap().unwrap();
    let utc = |t: Option<wats::wats_report::Timestamp>| t.map(|t| t.utc());
    assert_eq!(utc(got.last_calibration_date), Some(jan10));
    assert_eq!(
        utc(got.next_calibration_date),
        Some(Utc.with_ymd_and_hms(2026, 4, 10, 0, 0, 0).unwrap())
    );
    assert_eq!(
        utc(got.next_maintenance_date),
        Some(Utc.with_ymd_and_hms(2026, 1, 31, 0, 0, 0).unwrap())
    );
    assert_eq!(got.asset_type.unwrap().type_id, Some(type_id));
    // Dates filter as instants: due before May, not after.
    for (cmp, n) in [("lt", 1), ("gt", 0)] {
        let q = AssetQuery::new().filter(wats::odata::Filter::raw(format!(
            "serialNumber eq '{sn}' and nextCalibrationDate {cmp} 2026-05-01T00:00:00Z"
        )));
        assert_eq!(w.asset().list(&q).await.unwrap().len(), n, "{cmp}");
    }
    let q = AssetQuery::new().filter(wats::odata::Filter::raw(format!(
        "serialNumber eq '{sn}' and lastCalibrationDate eq 2026-01-10"
    )));
    assert_eq!(w.asset().list(&q).await.unwrap().len(), 1);

    // External calibration: the next date is the one given.
    let feb1 = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
    let next = Utc.with_ymd_and_hms(2030, 2, 1, 0, 0, 0).unwrap();
    w.asset()
        .record_calibration_external(&r, Some(feb1), next, None)
        .await
        .unwrap();
    let got = w.asset().get(&sn).await.unwrap().unwrap();
    assert_eq!(utc(got.last_calibration_date), Some(feb1));
    assert_eq!(utc(got.next_calibration_date), Some(next));
    w.asset()
        .record_maintenance_external(&r, None, next, Some("by the vendor"))
        .await
        .unwrap();

    // Alarm state, relative to now: calibrated 45 of 90 days ago (50 %), maintained now.
    let now = Utc::now();
    w.asset()
        .record_calibration(&r, Some(now - Duration::days(45)), None)
        .await
        .unwrap();
    w.asset().record_maintenance(&r, None, None).await.unwrap();
    let st = w.asset().status(&r).await.unwrap();
    assert_eq!(st.alarm_state, Some(AlarmState::OK), "{st:?}");
    let pct = st.calibration_percent.unwrap();
    assert!((pct - 50.0).abs() < 0.1, "calibration at {pct} %");
    // 85 of 100 uses: a warning; 105: an alarm (the running count restarted at calibration).
    w.asset().increment(&r, 85, false).await.unwrap();
    let st = w.asset().status(&r).await.unwrap();
    assert_eq!(st.alarm_state, Some(AlarmState::WARNING), "{st:?}");
    assert_eq!(st.running_count_percent, Some(85.0));
    w.asset().increment(&r, 20, false).await.unwrap();
    let st = w.asset().status(&r).await.unwrap();
    assert_eq!(st.alarm_state, Some(AlarmState::ALARM), "{st:?}");
    assert!(st.message.unwrap().contains("running count"));
    let got = w.asset().get(&sn).await.unwrap().unwrap();
    assert_eq!((got.running_count, got.total_count), (Some(105), Some(105)));
    // Reset: OK again; total unchanged.
    w.asset()
        .reset_running_count(&r, Some("after repair"))
        .await
        .unwrap();
    let st = w.asset().status(&r).await.unwrap();
    assert_eq!(st.alarm_state, Some(AlarmState::OK));
    w.asset().set_running_count(&r, 7).await.unwrap();
    w.asset().set_total_count(&r, 990).await.unwrap();
    let got = w.asset().get(&sn).await.unwrap().unwrap();
    assert_eq!((got.running_count, got.total_count), (Some(7), Some(990)));
    // 990 of 1000 in a life: warning (99 %).
    assert_eq!(
        w.asset().status(&r).await.unwrap().alarm_state,
        Some(AlarmState::WARNING)
    );
    // Overdue calibration (91 of 90 days): alarm.
    w.asset()
        .record_calibration(&r, Some(now - Duration::days(91)), None)
        .await
        .unwrap();
    assert_eq!(
        w.asset().status(&r).await.unwrap().alarm_state,
        Some(AlarmState::ALARM)
    );

    // Counts by total (the difference is added to both).
    let r2 = s
        .client
        .put(s.url(&format!(
            "/api/Asset/Count?serialNumber={sn}&totalCount=995"
        )))
        .basic_auth(USER, Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r2.status(), 200);
    let got = w.asset().get(&sn).await.unwrap().unwrap();
    assert_eq!((got.running_count, got.total_count), (Some(5), Some(995)));

    // State.
    w.asset()
        .set_state(&r, AssetState::IN_CALIBRATION)
        .await
        .unwrap();
    let in_cal = w
        .asset()
        .in_state(AssetState::IN_CALIBRATION)
        .await
        .unwrap();
    assert!(in_cal
        .iter()
        .any(|a| a.serial_number.as_deref() == Some(&sn)));

    // The blocking client sees the same.
    let (base, sn2) = (s.base.clone(), sn.clone());
    std::thread::spawn(move || {
        let w = wats::blocking::Wats::builder()
            .base_url(&base)
            .credentials(USER, PASSWORD)
            .no_rate_limit()
            .build()
            .unwrap();
        let st = w.asset().status(&AssetRef::serial(&sn2)).unwrap();
        assert_eq!(st.state, Some(AssetState::IN_CALIBRATION));
        w.asset()
            .increment(&AssetRef::serial(&sn2), 1, false)
            .unwrap();
        let a = w.asset().get(&sn2).unwrap().unwrap();
        assert_eq!(a.total_count, Some(996));
    })
    .join()
    .unwrap();
}

async fn log_files_and_hierarchy(s: &TestServer) {
    let w = client(s);
    let t = tag();
    let ty = fixture_type(&w, &t).await;
    let type_id = ty.type_id.unwrap();
    let station = w
        .asset()
        .save(&Asset::new(format!("ST-{t}"), type_id))
        .await
        .unwrap();
    let dmm = w
        .asset()
        .save(&Asset::new(format!("DMM-{t}"), type_id).parent_serial(format!("ST-{t}")))
        .await
        .unwrap();
    assert_eq!(dmm.parent_asset_id, station.asset_id);
    let probe = w
        .asset()
        .save(&Asset::new(format!("PRB-{t}"), type_id))
        .await
        .unwrap();
    let probe = w
        .asset()
        .set_parent(
            probe.asset_id.as_deref().unwrap(),
            dmm.asset_id.as_deref().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        probe.parent_serial_number.as_deref(),
        Some(&*format!("DMM-{t}"))
    );
    let st_ref = AssetRef::id(station.asset_id.clone().unwrap());
    let all = w.asset().sub_assets(&st_ref, None).await.unwrap();
    let direct = w.asset().sub_assets(&st_ref, Some(1)).await.unwrap();
    assert_eq!((all.len(), direct.len()), (2, 1));
    // Counting with children counts the whole tree.
    w.asset().increment(&st_ref, 2, true).await.unwrap();
    let p = w.asset().get(&format!("PRB-{t}")).await.unwrap().unwrap();
    assert_eq!(p.total_count, Some(2));
    // A cycle is refused.
    let err = w
        .asset()
        .set_parent(
            station.asset_id.as_deref().unwrap(),
            probe.asset_id.as_deref().unwrap(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");

    // Update: the change is logged with the user.
    let mut d = w.asset().get(&format!("DMM-{t}")).await.unwrap().unwrap();
    d.location = Some("Lab B".into());
    d.total_count = Some(999_999); // ignored: counts have their own calls
    d.asset_children = None;
    d.asset_log = None;
    d.asset_type = None;
    let d = w.asset().save(&d).await.unwrap();
    assert_eq!(d.location.as_deref(), Some("Lab B"));
    assert_eq!(d.total_count, Some(2));
    let id = d.asset_id.clone().unwrap();
    w.asset()
        .add_message(&id, "connector replaced", Some("john"))
        .await
        .unwrap();
    let log = w
        .asset()
        .log(&AssetQuery::new().filter(field("assetId").eq(id.as_str())))
        .await
        .unwrap();
    let kinds: Vec<_> = log.iter().map(|e| e.log_type.unwrap()).collect();
    assert_eq!(kinds[0], AssetLogType::REGISTER);
    let loc = log
        .iter()
        .find(|e| e.property.as_deref() == Some("location"))
        .expect("the location change is logged");
    assert_eq!(loc.value.as_deref(), Some("Lab B"));
    assert_eq!(loc.user.as_deref(), Some(USER));
    let age = Utc::now() - loc.date.unwrap().utc();
    assert!(age < Duration::minutes(5), "logged {age} ago");
    let msg = log.last().unwrap();
    assert_eq!(
        (msg.log_type, msg.comment.as_deref(), msg.user.as_deref()),
        (
            Some(AssetLogType::MESSAGE),
            Some("connector replaced"),
            Some("john")
        )
    );
    // OData over the log and the assets.
    let top1 = w
        .asset()
        .log(&AssetQuery::new().order_by("logId desc").top(1))
        .await
        .unwrap();
    assert_eq!(top1.len(), 1);
    let mine = w
        .asset()
        .list(
            &AssetQuery::new()
                .filter(field("serialNumber").ends_with(&t))
                .order_by("serialNumber desc")
                .skip(1),
        )
        .await
        .unwrap();
    let sns: Vec<_> = mine
        .iter()
        .map(|a| a.serial_number.clone().unwrap())
        .collect();
    assert_eq!(sns, [format!("PRB-{t}"), format!("DMM-{t}")]);

    // Files: bytes and content type kept, listed, deleted.
    let pdf = b"%PDF-1.4 not really".to_vec();
    w.asset()
        .upload_file(&id, "cert.pdf", pdf.clone(), "application/pdf")
        .await
        .unwrap();
    w.asset()
        .upload_file(
            &id,
            "config.json",
            &b"{\"pins\": 3}"[..],
            "application/json",
        )
        .await
        .unwrap();
    assert_eq!(
        w.asset().files(&id).await.unwrap(),
        ["cert.pdf", "config.json"]
    );
    assert_eq!(
        w.asset().download_file(&id, "cert.pdf").await.unwrap(),
        Some(pdf.clone())
    );
    let raw = s
        .get(&format!(
            "/api/internal/Blob/Asset?assetId={id}&filename=cert.pdf"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers()["content-type"], "application/pdf");
    assert_eq!(raw.headers()["x-content-type-options"], "nosniff");
    assert!(raw.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let json_form: wats::asset::AssetFile = s
        .get(&format!(
            "/api/internal/Blob/Asset?assetId={id}&filename=cert.pdf"
        ))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(wats::asset::file_content(&json_form).unwrap(), pdf);
    assert_eq!(
        w.asset().download_file(&id, "nope.txt").await.unwrap(),
        None
    );
    let err = w.asset().delete_files(&id, &[]).await.unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    let err = w
        .asset()
        .upload_file(&id, "../evil", &b"x"[..], "text/plain")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    w.asset().delete_files(&id, &["cert.pdf"]).await.unwrap();
    assert_eq!(w.asset().files(&id).await.unwrap(), ["config.json"]);

    // Delete the middle of the tree: its child moves up to the station; its log goes.
    w.asset().delete(&AssetRef::id(&id)).await.unwrap();
    assert_eq!(w.asset().get(&id).await.unwrap(), None);
    let p = w.asset().get(&format!("PRB-{t}")).await.unwrap().unwrap();
    assert_eq!(p.parent_asset_id, station.asset_id);
    let log = w
        .asset()
        .log(&AssetQuery::new().filter(field("assetId").eq(id.as_str())))
        .await
        .unwrap();
    assert!(log.is_empty());
}

async fn report_counts_and_bad_input(s: &TestServer) {
    let w = client(s);
    let t = tag();
    let ty = fixture_type(&w, &t).await;
    let sn = format!("FX-{t}");
    w.asset()
        .save(&Asset::new(&sn, ty.type_id.unwrap()))
        .await
        .unwrap();

    // A UUT naming the asset (3 uses) and one naming no known asset.
    let id = uuid::Uuid::new_v4().to_string();
    let report = json!({
        "type": "T", "id": id, "pn": format!("PN-{t}"), "sn": "U1", "rev": "A",
        "processCode": 10, "result": "P", "machineName": "ST1", "location": "Lab",
        "purpose": "Test", "start": "2026-03-02T08:00:00+00:00", "uut": {"user": "op"},
        "assets": [{"assetSN": sn, "usageCount": 3}, {"assetSN": format!("NONE-{t}")}],
        "root": {"id": 1, "group": "M", "stepType": "SequenceCall", "name": "Main",
                 "status": "P", "steps": []}
    });
    let (status, body) = s.submit(&report).await;
    assert_eq!(status, 200, "{body}");
    let a = w.asset().get(&sn).await.unwrap().unwrap();
    assert_eq!((a.total_count, a.running_count), (Some(3), Some(3)));
    assert_eq!(
        a.last_seen_date.map(|t| t.utc()),
        Some(Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap())
    );
    // Resubmitting the same report counts nothing more.
    let (status, _) = s.submit(&report).await;
    assert_eq!(status, 200);
    let a = w.asset().get(&sn).await.unwrap().unwrap();
    assert_eq!(a.total_count, Some(3));
    let log = a.asset_log.unwrap();
    let by_report = log
        .iter()
        .find(|e| e.comment.as_deref().is_some_and(|c| c.contains(&id)))
        .expect("the report's count is logged");
    assert_eq!(by_report.user.as_deref(), Some(USER));

    // Bad input: a Validation error naming the field, unknown assets NotFound.
    let v = |e: Error, what: &str| match e {
        Error::Validation { message, .. } => {
            assert!(message.contains(what), "{message:?} should name {what}")
        }
        other => panic!("expected a validation error naming {what}, got {other:?}"),
    };
    let r = AssetRef::serial(&sn);
    v(
        w.asset().set_state(&r, AssetState(9)).await.unwrap_err(),
        "state",
    );
    v(
        w.asset().increment(&r, 0, false).await.unwrap_err(),
        "incrementBy",
    );
    v(
        w.asset().set_running_count(&r, -1).await.unwrap_err(),
        "runningCount",
    );
    v(
        w.asset()
            .save(&Asset {
                serial_number: Some(format!("NT-{t}")),
                ..Asset::default()
            })
            .await
            .unwrap_err(),
        "typeId",
    );
    v(
        w.asset()
            .save(&Asset::new(format!("UT-{t}"), uuid::Uuid::new_v4()))
            .await
            .unwrap_err(),
        "typeId",
    );
    v(
        w.asset()
            .save(&Asset::new(format!("X-{t}"), ty.type_id.unwrap()).parent_serial("missing"))
            .await
            .unwrap_err(),
        "parentSerialNumber",
    );
    v(
        w.asset()
            .save_type(&AssetType::new(format!("T2-{t}")).thresholds(90.0, 50.0))
            .await
            .unwrap_err(),
        "warningThreshold",
    );
    v(
        w.asset()
            .save_type(&AssetType::new(format!("T3-{t}")).calibration_interval(-5.0))
            .await
            .unwrap_err(),
        "calibrationInterval",
    );
    v(
        w.asset()
            .list(&AssetQuery::new().filter(field("nope").eq(1)))
            .await
            .unwrap_err(),
        "nope",
    );
    let missing = AssetRef::serial(format!("MISSING-{t}"));
    for e in [
        w.asset().status(&missing).await.unwrap_err(),
        w.asset().increment(&missing, 1, false).await.unwrap_err(),
        w.asset().delete(&missing).await.unwrap_err(),
    ] {
        assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
    }
    assert_eq!(w.asset().get(&format!("MISSING-{t}")).await.unwrap(), None);
    // Neither id nor serial number: 400 naming both.
    let r = s.get("/api/Asset/Status").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("serialNumber"));
    // A type is matched by name without regard to case: saving it again updates it.
    let again = w
        .asset()
        .save_type(&AssetType::new(format!("fixture-{t}")).running_count_limit(50))
        .await
        .unwrap();
    assert_eq!(again.type_id, ty.type_id);
    assert_eq!(again.running_count_limit, Some(50));
    assert_eq!(again.type_name.as_deref(), Some(&*format!("Fixture-{t}")));
}
