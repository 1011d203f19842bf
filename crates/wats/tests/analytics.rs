//! `wats::analytics` against a real `wats-server` on SQLite and PostgreSQL: the typed filter
//! and dimensions reach the server, rows come back typed, async and blocking agree, and bad
//! input is a `Validation` error naming it. (The yield arithmetic itself is pinned by
//! `wats-server`'s `tests/analytics.rs`.)
//!
//! Data: part number `<p>-PN`, ICT, three units on 2026-03-02: U1 passes; U2 fails (V = 6.0)
//! then passes; U3 fails. FPY 1/3, SPY 2/3; 4 reports, 2 passed.

#[path = "../../wats-server/tests/common/mod.rs"]
mod server;

use chrono::{TimeZone, Utc};
use serde_json::json;
use server::{Backend, TestServer, PASSWORD, USER};
use wats::analytics::{DateGrouping, Dimensions, Filter};
use wats::{Error, Wats};

async fn start(backend: Backend) -> Option<TestServer> {
    server::start(backend).await
}

both_backends!(super::start; typed_calls_async_and_blocking);

fn client(s: &TestServer) -> Wats {
    Wats::builder()
        .base_url(&s.base)
        .credentials(USER, PASSWORD)
        .no_rate_limit()
        .build()
        .unwrap()
}

async fn load(s: &TestServer, pn: &str) {
    for (unit, hour, pass, v) in [
        ("U1", 8, true, 5.0),
        ("U2", 9, false, 6.0),
        ("U2", 10, true, 5.0),
        ("U3", 11, false, 6.0),
    ] {
        let st = if pass { "P" } else { "F" };
        let report = json!({
            "type": "T", "id": uuid::Uuid::new_v4().to_string(), "pn": pn,
            "sn": format!("{pn}-{unit}"), "rev": "A", "processCode": 20, "result": st,
            "machineName": "ST1", "location": "Lab", "purpose": "Test",
            "start": format!("2026-03-02T{hour:02}:00:00+00:00"), "uut": {"user": "op"},
            "root": {"id": 1, "group": "M", "stepType": "SequenceCall", "name": "Main",
                     "status": st, "steps": [
                {"id": 2, "group": "M", "stepType": "ET_NLT", "name": "V", "status": st,
                 "numericMeas": [{"compOp": "GELE", "status": st, "unit": "V", "value": v,
                                  "lowLimit": 4.5, "highLimit": 5.5}]}]}
        });
        let (status, body) = s.submit(&report).await;
        assert_eq!(status, 200, "{body}");
    }
}

async fn typed_calls_async_and_blocking(s: &TestServer) {
    let pn = format!("SDK{}-PN", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    load(s, &pn).await;
    let wats = client(s);
    let an = wats.analytics();
    let day = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    let f = Filter::new()
        .part_number(&pn)
        .test_operation("ICT")
        .from(day)
        .to(day + chrono::Duration::days(1));

    let rows = an
        .dynamic_yield(
            &f.clone()
                .date_grouping(DateGrouping::DAY)
                .dimensions(Dimensions::new().asc("partNumber").asc("period")),
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let y = &rows[0];
    assert_eq!(y.part_number.as_deref(), Some(pn.as_str()));
    assert_eq!(y.period.as_deref(), Some("2026-03-02T00:00:00Z"));
    assert_eq!(
        (y.unit_count, y.fp_count, y.sp_count, y.lp_count),
        (Some(3), Some(1), Some(2), Some(2))
    );
    assert_eq!(y.fpy, Some(100.0 / 3.0));
    assert_eq!((y.test_report_count, y.test_yield), (Some(4), Some(50.0)));

    let worst = an.worst_yield(&f).await.unwrap();
    assert_eq!(worst.len(), 1);
    let top = an.top_failed(&f).await.unwrap();
    assert_eq!(
        (top[0].step_path.as_deref(), top[0].fail_count),
        (Some("Main¶V"), Some(2))
    );
    let tsa = an.test_step_analysis(&f).await.unwrap();
    assert_eq!(tsa[0].step_count, Some(3), "run 1 only: {tsa:?}");
    let agg = an.aggregated_measurements(&f, "Main/V").await.unwrap();
    assert_eq!((agg[0].count, agg[0].avg), (Some(4), Some(5.5)));
    let values = an.measurements(&f, "Main¶V").await.unwrap();
    assert_eq!(values.len(), 4);

    // The internal lists: every measurement, newest first; per step, its executions.
    let list = an.measurement_list(&f).await.unwrap();
    let got: Vec<(Option<String>, Option<f64>, Option<&str>)> = list
        .iter()
        .map(|m| (m.serial_number.clone(), m.value, m.status.as_deref()))
        .collect();
    let sn = |u: &str| Some(format!("{pn}-{u}"));
    assert_eq!(
        got,
        [
            (sn("U3"), Some(6.0), Some("Failed")),
            (sn("U2"), Some(5.0), Some("Passed")),
            (sn("U2"), Some(6.0), Some("Failed")),
            (sn("U1"), Some(5.0), Some("Passed")),
        ]
    );
    assert_eq!(list[0].station_name.as_deref(), Some("ST1"));
    let steps = an.step_status_list(&f).await.unwrap();
    assert_eq!(steps.len(), 1, "{steps:?}");
    let v = &steps[0];
    assert_eq!(
        (
            v.total_count,
            v.pass_count,
            v.fail_count,
            v.status.as_deref()
        ),
        (Some(4), Some(2), Some(2), Some("Failed"))
    );
    assert_eq!(v.serial_number, sn("U3"));
    assert!(an.alarm_logs(&Filter::new()).await.unwrap().is_empty());

    match an
        .dynamic_yield(&f.clone().dimensions(Dimensions::new().asc("colour")))
        .await
    {
        Err(Error::Validation { message, .. }) => assert!(message.contains("colour")),
        other => panic!("expected a 400 naming colour, got {other:?}"),
    }
    let none = an
        .dynamic_yield(&Filter::new().part_number(format!("{pn}-nothing")))
        .await
        .unwrap();
    assert!(none.is_empty());

    // The blocking client answers the same.
    let base = s.base.clone();
    let expected = rows.clone();
    std::thread::spawn(move || {
        let wats = wats::blocking::Wats::builder()
            .base_url(&base)
            .credentials(USER, PASSWORD)
            .no_rate_limit()
            .build()
            .unwrap();
        let an = wats.analytics();
        assert_eq!(an.step_status_list(&f).unwrap().len(), 1);
        assert_eq!(an.measurement_list(&f).unwrap().len(), 4);
        assert!(an.alarm_logs(&f).unwrap().is_empty());
        let f = f
            .date_grouping(DateGrouping::DAY)
            .dimensions(Dimensions::new().asc("partNumber").asc("period"));
        assert_eq!(an.dynamic_yield(&f).unwrap(), expected);
    })
    .join()
    .unwrap();
}
