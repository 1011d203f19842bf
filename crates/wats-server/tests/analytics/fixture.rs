//! The hand-computed analytics fixture shared by `tests/analytics.rs` and `tests/charts.rs`
//! (the table is in `tests/analytics.rs`).

use serde_json::{json, Value};

use crate::common::TestServer;

pub const FROM: &str = "2026-03-02T00:00:00Z";
pub const TO: &str = "2026-03-05T00:00:00Z";

pub fn uut(pn: &str, sn: &str, code: i64, start: &str, pass: bool, v: f64, i_fails: bool) -> Value {
    let st = |p: bool| if p { "P" } else { "F" };
    let v_pass = (4.5..=5.5).contains(&v);
    json!({
        "type": "T", "id": uuid::Uuid::new_v4().to_string(), "pn": pn, "sn": sn, "rev": "A",
        "processCode": code, "result": st(pass), "machineName": "ST1", "location": "Lab",
        "purpose": "Test", "start": start, "uut": {"user": "op1"},
        "root": {"id": 1, "group": "M", "stepType": "SequenceCall", "name": "Main",
                 "status": st(pass), "steps": [
            {"id": 2, "group": "M", "stepType": "ET_NLT", "name": "V", "status": st(v_pass),
             "causedUUTFailure": !v_pass,
             "numericMeas": [{"compOp": "GELE", "status": st(v_pass), "unit": "V", "value": v,
                              "lowLimit": 4.5, "highLimit": 5.5}]},
            {"id": 3, "group": "M", "stepType": "ET_NLT", "name": "I",
             "status": st(!i_fails),
             "numericMeas": [{"compOp": "LE", "status": st(!i_fails), "unit": "A",
                              "value": if i_fails { 2.0 } else { 1.0 }, "lowLimit": 1.5}]}
        ]}
    })
}

/// Loads the fixture; returns the part-number prefix (unique per test, as PostgreSQL may be
/// shared).
pub async fn fixture(s: &TestServer) -> String {
    let p = format!("AY{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    let pn1 = format!("{p}-P1");
    let pn2 = format!("{p}-P2");
    let sn = |n: u32| format!("{p}-U{n}");
    let d = |day: u32, hm: &str| format!("2026-03-{day:02}T{hm}:00+00:00");
    let mut reports = vec![
        uut(&pn1, &sn(1), 20, &d(2, "10:00"), true, 5.0, false),
        uut(&pn1, &sn(2), 20, &d(2, "11:00"), false, 6.0, false),
        uut(&pn1, &sn(3), 20, &d(3, "09:00"), false, 6.0, false),
        uut(&pn1, &sn(4), 20, &d(3, "12:00"), false, 4.0, true),
        uut(&pn1, &sn(4), 20, &d(4, "09:00"), false, 6.0, false),
        uut(&pn1, &sn(4), 20, &d(4, "10:00"), false, 6.0, false),
        uut(&pn1, &sn(4), 20, &d(4, "11:00"), true, 5.0, false),
        uut(&pn1, &sn(5), 20, &d(1, "23:00"), false, 6.0, false),
        uut(&pn1, &sn(5), 20, &d(2, "08:00"), true, 5.0, false),
        uut(&pn1, &sn(6), 20, &d(4, "20:00"), true, 5.2, false),
        uut(&pn1, &sn(6), 20, &d(5, "10:00"), false, 6.0, false),
        uut(&pn1, &sn(7), 20, &d(4, "21:00"), false, 6.0, false),
        uut(&pn1, &sn(1), 50, &d(2, "14:00"), true, 5.0, false),
        uut(&pn1, &sn(2), 50, &d(3, "14:00"), false, 6.0, false),
        uut(&pn1, &sn(2), 50, &d(3, "15:00"), true, 5.0, false),
        uut(&pn2, &sn(8), 20, &d(2, "10:00"), true, 5.0, false),
    ];
    // Retests on the retest station ST2.
    for (unit, hm) in [(2, "12:00"), (3, "10:00"), (3, "11:00")] {
        let pass = hm != "10:00";
        let mut r = uut(
            &pn1,
            &sn(unit),
            20,
            &d(if unit == 2 { 2 } else { 3 }, hm),
            pass,
            if pass { 5.0 } else { 6.0 },
            false,
        );
        r["machineName"] = json!("ST2");
        reports.push(r);
    }
    // Submitted newest first: the server numbers runs by start time, not arrival.
    reports.reverse();
    for r in &reports {
        let (status, body) = s.submit(r).await;
        assert_eq!(status, 200, "{body}");
    }
    // A repair of U4 between its runs 1 and 2 (a UUR: not a run of the test).
    let repair = json!({
        "type": "R", "id": uuid::Uuid::new_v4().to_string(), "pn": pn1, "sn": sn(4),
        "rev": "A", "processCode": 500, "result": "P", "machineName": "RS1",
        "location": "Lab", "purpose": "Repair", "start": d(3, "13:00"),
        "uur": {"user": "rep", "processCode": 20, "refUUT": null},
        "subUnits": [{"partType": "Main", "pn": pn1, "rev": "A", "sn": sn(4), "idx": 0}]
    });
    let (status, body) = s.submit(&repair).await;
    assert_eq!(status, 200, "{body}");
    p
}
