//! Analytics against hand-computed fixtures, on SQLite and PostgreSQL: unit-based yield with
//! the first-run rule, TRY, RTY, periods that sum, wildcards and alternatives, top failures,
//! step analysis and measurement capability; and the 400s for bad input.
//!
//! The fixture (ICT = process 20, PCBA test = 50; range 2026-03-02 .. 2026-03-05):
//!
//! | unit | ICT runs (start, result, V)                                  | counted? |
//! |------|--------------------------------------------------------------|----------|
//! | U1   | 03-02 10:00 P 5.0                                            | FP       |
//! | U2   | 03-02 11:00 F 6.0; 12:00 P 5.0 (ST2)                         | SP       |
//! | U3   | 03-03 09:00 F 6.0; 10:00 F 6.0 (ST2); 11:00 P 5.0 (ST2)      | TP       |
//! | U4   | 03-03 12:00 F 4.0 (and I fails); repair 13:00; 03-04 09:00 F 6.0; 10:00 F 6.0; 11:00 P 5.0 | LP |
//! | U5   | 03-01 23:00 F 6.0 (before the range); 03-02 08:00 P 5.0      | no (TRY only) |
//! | U6   | 03-04 20:00 P 5.2; 03-05 10:00 F 6.0 (after the range)       | FP       |
//! | U7   | 03-04 21:00 F 6.0                                            | never passes |
//!
//! PCBA test: U1 03-02 14:00 P; U2 03-03 14:00 F, 15:00 P. Part number P2: U8 ICT 03-02 P.
use crate::common;
pub mod fixture;

use common::{Backend, TestServer};
use fixture::{fixture, uut, FROM, TO};
use serde_json::{json, Value};

async fn start(backend: Backend) -> Option<TestServer> {
    common::start(backend).await
}

both_backends!(super::start;
    unit_yield_by_hand,
    periods_sum_and_follow_the_first_run,
    retest_station_has_try_but_no_units,
    wildcards_alternatives_and_rty,
    step_analysis_and_capability,
    report_lists_and_history,
    group_and_misc_info_dimensions,
    bad_input_is_400_naming_it,
    top_failed_from_facts_and_edges,
    facts_follow_replacements_and_backfill,
    internal_lists_and_alarm_logs,
);

async fn post(s: &TestServer, path: &str, body: Value) -> (u16, Value) {
    let r = s
        .post(path, body.to_string())
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn rows(s: &TestServer, path: &str, body: Value) -> Vec<Value> {
    let (status, v) = post(s, path, body).await;
    assert_eq!(status, 200, "{path}: {v}");
    v.as_array()
        .cloned()
        .unwrap_or_else(|| panic!("{path}: {v}"))
}

fn close(v: &Value, expected: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    assert!((got - expected).abs() < 1e-9, "{got} != {expected}");
}

async fn unit_yield_by_hand(s: &TestServer) {
    let p = fixture(s).await;
    let r = rows(
        s,
        "/api/App/DynamicYield",
        json!({
            "partNumber": format!("{p}-P1"), "testOperation": "ICT",
            "dateFrom": FROM, "dateTo": TO, "dimensions": "partNumber;testOperation"
        }),
    )
    .await;
    assert_eq!(r.len(), 1, "{r:?}");
    let y = &r[0];
    assert_eq!(y["partNumber"], json!(format!("{p}-P1")));
    assert_eq!(y["testOperation"], "ICT");
    // U1..U4, U6, U7 (U5's first run is before the range).
    for (k, n) in [
        ("unitCount", 6),
        ("fpCount", 2),
        ("spCount", 3),
        ("tpCount", 4),
        ("lpCount", 5),
        ("fpFailCount", 4),
        ("spFailCount", 3),
        ("tpFailCount", 2),
        ("lpFailCount", 1),
        // 13 runs of the 6 units (U6's second, after the range, included).
        ("retestCount", 7),
        // Reports in the range: all but U5's first and U6's second.
        ("testReportCount", 13),
        ("testYieldCount", 6),
    ] {
        assert_eq!(y[k], json!(n), "{k} in {y}");
    }
    close(&y["fpy"], 200.0 / 6.0);
    close(&y["spy"], 50.0);
    close(&y["tpy"], 400.0 / 6.0);
    close(&y["lpy"], 500.0 / 6.0);
    close(&y["ppmFpy"], 4e6 / 6.0);
    close(&y["ppmLpy"], 1e6 / 6.0);
    close(&y["testYield"], 600.0 / 13.0);
    close(&y["ppmTestYield"], 7e6 / 13.0);
    assert_eq!(y["firstUtc"], "2026-03-02T08:00:00.000Z");
    assert_eq!(y["lastUtc"], "2026-03-05T10:00:00.000Z");
    // Only the KPIs asked for, when some are.
    let r = rows(
        s,
        "/api/App/DynamicYield?dimensions=fpy;partNumber",
        json!({
            "partNumber": format!("{p}-P1"), "testOperation": "ICT", "dateFrom": FROM, "dateTo": TO
        }),
    )
    .await;
    assert_eq!(
        r,
        vec![json!({"partNumber": format!("{p}-P1"), "fpy": 200.0 / 6.0})]
    );
    // A filter matching nothing is an empty answer.
    let r = rows(
        s,
        "/api/App/DynamicYield",
        json!({"partNumber": format!("{p}-none")}),
    )
    .await;
    assert!(r.is_empty());
}

async fn periods_sum_and_follow_the_first_run(s: &TestServer) {
    let p = fixture(s).await;
    let r = rows(
        s,
        "/api/App/DynamicYield",
        json!({
            "partNumber": format!("{p}-P1"), "testOperation": "ICT", "dateFrom": FROM,
            "dateTo": TO, "dateGrouping": "DAY", "dimensions": "period;partNumber"
        }),
    )
    .await;
    let kpis = [
        "unitCount",
        "fpCount",
        "spCount",
        "tpCount",
        "lpCount",
        "testReportCount",
        "testYieldCount",
    ];
    let got: Vec<(String, Vec<i64>)> = r
        .iter()
        .map(|y| {
            let n = kpis.iter().map(|k| y[*k].as_i64().unwrap_or(-1)).collect();
            (y["period"].as_str().unwrap().to_owned(), n)
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("2026-03-02T00:00:00Z".into(), vec![2, 1, 2, 2, 2, 4, 3]),
            ("2026-03-03T00:00:00Z".into(), vec![2, 0, 0, 1, 2, 4, 1]),
            ("2026-03-04T00:00:00Z".into(), vec![2, 1, 1, 1, 1, 5, 2]),
        ]
    );
    // Descending by period; and a week holds the same units as the days summed.
    let r = rows(
        s,
        "/api/App/DynamicYield",
        json!({
            "partNumber": format!("{p}-P1"), "testOperation": "ICT", "dateFrom": FROM,
            "dateTo": TO, "dateGrouping": 3, "dimensions": "period desc"
        }),
    )
    .await;
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["period"], "2026-03-02T00:00:00Z");
    assert_eq!(
        (r[0]["unitCount"].as_i64(), r[0]["fpCount"].as_i64()),
        (Some(6), Some(2))
    );
}

async fn retest_station_has_try_but_no_units(s: &TestServer) {
    let p = fixture(s).await;
    let r = rows(
        s,
        "/api/App/DynamicYield",
        json!({
            "partNumber": format!("{p}-P1"), "stationName": "ST2", "dateFrom": FROM, "dateTo": TO,
            "dimensions": "stationName"
        }),
    )
    .await;
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0]["unitCount"], 0);
    assert_eq!(
        (
            r[0]["testReportCount"].as_i64(),
            r[0]["testYieldCount"].as_i64()
        ),
        (Some(3), Some(2))
    );
    assert!(r[0].get("fpy").is_none(), "no units, no FPY: {}", r[0]);
}

async fn wildcards_alternatives_and_rty(s: &TestServer) {
    let p = fixture(s).await;
    for pn in [
        format!("{p}-P%"),
        format!("{p}-P1;{p}-P2"),
        format!("{}-p_", p.to_lowercase()),
    ] {
        let r = rows(
            s,
            "/api/App/DynamicYield",
            json!({
                "partNumber": pn, "testOperation": "ICT", "dateFrom": FROM, "dateTo": TO,
                "dimensions": "unitCount desc;partNumber"
            }),
        )
        .await;
        let got: Vec<(Value, Value)> = r
            .iter()
            .map(|y| (y["partNumber"].clone(), y["unitCount"].clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (json!(format!("{p}-P1")), json!(6)),
                (json!(format!("{p}-P2")), json!(1))
            ],
            "{pn}"
        );
    }
    // RTY over ICT (FPY 2/6) and PCBA test (1/2): 1/6.
    let r = rows(
        s,
        "/api/App/DynamicYield",
        json!({
            "partNumber": format!("{p}-P1"), "dateFrom": FROM, "dateTo": TO,
            "dimensions": "partNumber"
        }),
    )
    .await;
    assert_eq!(r[0]["unitCount"], 8);
    close(&r[0]["rty"], 100.0 / 6.0);
    // The worst-yield list puts ICT first; high volume too (6 units against 2).
    let r = rows(
        s,
        "/api/App/WorstYield",
        json!({
        "partNumber": format!("{p}-P1"), "dateFrom": FROM, "dateTo": TO}),
    )
    .await;
    let ops: Vec<&str> = r
        .iter()
        .map(|y| y["testOperation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["ICT", "PCBA test"]);
    let r = rows(
        s,
        "/api/App/HighVolume",
        json!({
        "partNumber": format!("{p}-%"), "dateFrom": FROM, "dateTo": TO, "topCount": 1}),
    )
    .await;
    assert_eq!(r.len(), 1);
    assert_eq!(
        (r[0]["testOperation"].as_str(), r[0]["unitCount"].as_i64()),
        (Some("ICT"), Some(6))
    );
}

async fn step_analysis_and_capability(s: &TestServer) {
    let p = fixture(s).await;
    let base = json!({"partNumber": format!("{p}-P1"), "testOperation": "ICT",
                      "dateFrom": FROM, "dateTo": TO});
    let top = rows(s, "/api/App/TopFailed", base.clone()).await;
    let got: Vec<(Value, Value, Value)> = top
        .iter()
        .map(|t| {
            (
                t["stepPath"].clone(),
                t["failCount"].clone(),
                t["totalCount"].clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (json!("Main¶V"), json!(7), json!(13)),
            (json!("Main¶I"), json!(1), json!(13))
        ]
    );
    close(&top[0]["failRate"], 700.0 / 13.0);
    assert_eq!(top[0]["firstFailDate"], "2026-03-02T11:00:00.000Z");

    // Run 1 (the default): U1 5.0 P, U2 6.0 F, U3 6.0 F, U4 4.0 F, U6 5.2 P, U7 6.0 F.
    let tsa = rows(s, "/api/App/TestStepAnalysis", base.clone()).await;
    let v = tsa.iter().find(|r| r["stepPath"] == "Main¶V").expect("V");
    for (k, n) in [
        ("stepCount", 6),
        ("stepPassedCount", 2),
        ("stepFailedCount", 4),
        ("stepCausedUutFailed", 4),
        ("measureCount", 6),
        ("measureCountWof", 2),
    ] {
        assert_eq!(v[k], json!(n), "{k} in {v}");
    }
    close(&v["avg"], 32.2 / 6.0);
    close(&v["min"], 4.0);
    close(&v["max"], 6.0);
    // Without failures: 5.0 and 5.2, mean 5.1, σ = √0.02; limits 4.5 .. 5.5.
    let sigma = 0.02f64.sqrt();
    close(&v["avgWof"], 5.1);
    close(&v["varWof"], 0.02);
    close(&v["cpWof"], 1.0 / (6.0 * sigma));
    close(&v["cpUpperWof"], 0.4 / (3.0 * sigma));
    close(&v["cpLowerWof"], 0.6 / (3.0 * sigma));
    close(&v["cpkWof"], 0.4 / (3.0 * sigma));
    close(&v["sigmaHigh3Wof"], 5.1 + 3.0 * sigma);
    close(&v["limit1"], 4.5);
    close(&v["limit2"], 5.5);
    let i = tsa.iter().find(|r| r["stepPath"] == "Main¶I").expect("I");
    assert_eq!(
        (
            i["stepFailedCount"].as_i64(),
            i["stepCausedUutFailed"].as_i64()
        ),
        (Some(1), Some(0))
    );

    // U4 in the range: 4.0, 6.0, 6.0, 5.0 → mean 5.25, variance 2.75 / 3.
    let mut f = base.clone();
    f["serialNumber"] = json!(format!("{p}-U4"));
    let agg = rows(
        s,
        "/api/App/AggregatedMeasurements?measurementPaths=Main%C2%B6V",
        f.clone(),
    )
    .await;
    assert_eq!(agg.len(), 1, "{agg:?}");
    let a = &agg[0];
    let sigma = (2.75f64 / 3.0).sqrt();
    assert_eq!(a["count"], 4);
    close(&a["avg"], 5.25);
    close(&a["var"], 2.75 / 3.0);
    close(&a["stdev"], sigma);
    close(&a["cpLower"], 0.75 / (3.0 * sigma));
    close(&a["cpUpper"], 0.25 / (3.0 * sigma));
    close(&a["cpk"], 0.25 / (3.0 * sigma));
    close(&a["cp"], 1.0 / (6.0 * sigma));
    // The same through the body, in pyWATS's display form; and the values themselves.
    f["measurementPaths"] = json!("Main/V");
    let m = rows(s, "/api/App/Measurements", f).await;
    let values: Vec<f64> = m.iter().map(|m| m["value"].as_f64().unwrap()).collect();
    assert_eq!(values, [5.0, 6.0, 6.0, 4.0], "newest first");
    assert_eq!(m[3]["status"], "Failed");
}

async fn report_lists_and_history(s: &TestServer) {
    let p = fixture(s).await;
    let pn1 = format!("{p}-P1");
    let uut = rows(
        s,
        "/api/App/UutReport",
        json!({
        "partNumber": pn1, "testOperation": "ICT", "dateFrom": FROM, "dateTo": TO}),
    )
    .await;
    assert_eq!(uut.len(), 13);
    assert_eq!(uut[0]["startUtc"], "2026-03-04T21:00:00Z", "newest first");
    let uur = rows(
        s,
        "/api/App/UurReport",
        json!({"partNumber": pn1, "dateFrom": FROM, "dateTo": TO}),
    )
    .await;
    assert_eq!(uur.len(), 1);
    assert_eq!(uur[0]["serialNumber"], json!(format!("{p}-U4")));
    // A unit's whole history, its repair and the runs outside any range included.
    let h = rows(
        s,
        "/api/App/SerialNumberHistory",
        json!({"serialNumber": format!("{p}-U4")}),
    )
    .await;
    let kinds: Vec<&str> = h
        .iter()
        .map(|r| r["reportType"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["T", "R", "T", "T", "T"], "oldest first");
    let h = rows(
        s,
        "/api/App/SerialNumberHistory",
        json!({"serialNumber": format!("{p}-U5;{p}-U6")}),
    )
    .await;
    assert_eq!(h.len(), 4);
    let (status, got) = s
        .get_json(&format!(
            "/api/App/UutReport?serialNumber={p}-U6&dateFrom=2026-03-01&topCount=1"
        ))
        .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got.as_array().map(Vec::len), Some(1));
    assert_eq!(got[0]["run"], 2);
}

async fn group_and_misc_info_dimensions(s: &TestServer) {
    let p = fixture(s).await;
    let group = format!("G-{p}");
    let r = s
        .client
        .put(s.url("/api/Product/Group"))
        .basic_auth(common::USER, Some(common::PASSWORD))
        .header("content-type", "application/json")
        .body(json!({"productGroupName": group}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let path = format!("/api/Product/ProductGroupFilter?productGroup={group}&partNumber={p}-P1");
    let r = s.post(&path, "").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "{:?}", r.text().await);
    let range = json!({"dateFrom": FROM, "dateTo": TO, "partNumber": format!("{p}-%")});
    let mut f = range.clone();
    f["dimensions"] = json!("productGroup;testOperation;unitCount");
    let got: Vec<(Value, Value, Value)> = rows(s, "/api/App/DynamicYield", f)
        .await
        .iter()
        .map(|y| {
            (
                y["productGroup"].clone(),
                y["testOperation"].clone(),
                y["unitCount"].clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (Value::Null, json!("ICT"), json!(1)),
            (json!(group), json!("ICT"), json!(6)),
            (json!(group), json!("PCBA test"), json!(2)),
        ]
    );
    let mut f = range.clone();
    f["productGroup"] = json!(group.to_lowercase());
    f["dimensions"] = json!("partNumber;unitCount");
    let r = rows(s, "/api/App/DynamicYield", f).await;
    assert_eq!(
        r,
        vec![json!({"partNumber": format!("{p}-P1"), "unitCount": 8})]
    );

    // Misc infos: two lots on units of their own; a unit is in the row of each value.
    let pn = format!("{p}-M");
    for (unit, lots, pass) in [("M1", vec!["L1"], true), ("M2", vec!["L1", "L2"], false)] {
        let mut r = uut(
            &pn,
            &format!("{p}-{unit}"),
            20,
            "2026-03-02T10:00:00Z",
            pass,
            5.0,
            false,
        );
        r["miscInfos"] = json!(lots
            .iter()
            .map(|l| json!({"description": "Lot", "text": l}))
            .collect::<Vec<_>>());
        assert_eq!(s.submit(&r).await.0, 200);
    }
    let f = json!({"partNumber": pn, "dateFrom": FROM, "dateTo": TO,
                   "dimensions": "miscInfoString;miscInfoDescription;unitCount;fpCount"});
    assert_eq!(
        rows(s, "/api/App/DynamicYield", f).await,
        vec![
            json!({"miscInfoString": "L1", "miscInfoDescription": "Lot", "unitCount": 2, "fpCount": 1}),
            json!({"miscInfoString": "L2", "miscInfoDescription": "Lot", "unitCount": 1, "fpCount": 0}),
        ]
    );
    let f = json!({"partNumber": pn, "miscInfoString": "L2", "dateFrom": FROM, "dateTo": TO,
                   "dimensions": "partNumber;unitCount"});
    assert_eq!(
        rows(s, "/api/App/DynamicYield", f).await,
        vec![json!({"partNumber": pn, "unitCount": 1})]
    );
}

async fn bad_input_is_400_naming_it(s: &TestServer) {
    for (path, body, names) in [
        (
            "/api/App/DynamicYield",
            json!({"dimensions": "partNumber;colour"}),
            "colour",
        ),
        (
            "/api/App/DynamicYield",
            json!({"dimensions": "partNumber sideways"}),
            "sideways",
        ),
        (
            "/api/App/DynamicYield",
            json!({"dateFrom": "last tuesday"}),
            "dateFrom",
        ),
        (
            "/api/App/DynamicYield",
            json!({"periodCount": -3, "dateGrouping": 4}),
            "periodCount",
        ),
        (
            "/api/App/DynamicYield",
            json!({"dateGrouping": 12}),
            "dateGrouping",
        ),
        (
            "/api/App/DynamicYield",
            json!({"dateFrom": TO, "dateTo": FROM}),
            "dateFrom",
        ),
        (
            "/api/App/DynamicYield",
            json!({"topCount": 1000000}),
            "10000",
        ),
        (
            "/api/App/DynamicYield",
            json!({"status": "sideways"}),
            "status",
        ),
        (
            "/api/App/DynamicYield",
            json!({"periodCount": "many"}),
            "periodCount",
        ),
        (
            "/api/App/TestStepAnalysis",
            json!({"partNumber": "X"}),
            "testOperation",
        ),
        (
            "/api/App/AggregatedMeasurements",
            json!({}),
            "measurementPaths",
        ),
        ("/api/App/TopFailed", json!({"run": -7}), "run"),
    ] {
        let (status, v) = post(s, path, body.clone()).await;
        assert_eq!(status, 400, "{path} {body}: {v}");
        let msg = v["Message"].as_str().unwrap_or_default();
        assert!(msg.contains(names), "{path} {body}: {msg}");
    }
    // Not JSON at all; and the GET forms' parameters.
    let r = s
        .post("/api/App/DynamicYield", "{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    for (path, names) in [
        ("/api/App/WorstYield?days=0", "days"),
        ("/api/App/UutReport?topCount=lots", "topCount"),
        ("/api/App/TopFailed?dateFrom=yesterday", "dateFrom"),
        ("/api/internal/App/TopFailed?processCode=x", "processCode"),
        (
            "/charts/histogram.svg?measurementPaths=A;B",
            "one measurement path",
        ),
    ] {
        let (status, v) = s.get_json(path).await;
        assert_eq!(status, 400, "{path}: {v}");
        let msg = v["Message"].as_str().unwrap_or_default();
        assert!(msg.contains(names), "{path}: {msg}");
    }
    // Ids that name nothing answer an empty list, not an error.
    for path in [
        "/api/App/VolumeYield?productGroupId=987654",
        "/api/App/HighVolume?levelId=987654",
    ] {
        assert_eq!(s.get_json(path).await, (200, json!([])), "{path}");
    }
}

/// `(stepPath, failCount, totalCount, firstFailDate, lastFailDate)` of `TopFailed`.
async fn top(s: &TestServer, body: Value) -> Vec<(String, i64, i64, String, String)> {
    rows(s, "/api/App/TopFailed", body)
        .await
        .iter()
        .map(|t| {
            (
                t["stepPath"].as_str().unwrap_or_default().to_owned(),
                t["failCount"].as_i64().unwrap_or(-1),
                t["totalCount"].as_i64().unwrap_or(-1),
                t["firstFailDate"].as_str().unwrap_or_default().to_owned(),
                t["lastFailDate"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn failing(rows: [(&str, i64, i64, &str, &str); 2]) -> Vec<(String, i64, i64, String, String)> {
    rows.iter()
        .map(|(p, f, t, a, b)| ((*p).into(), *f, *t, (*a).into(), (*b).into()))
        .collect()
}

/// TopFailed by part number alone reads the step facts for whole days, and the measurement
/// rows for the partial days at the range's ends; a station filter reads only the rows. Both
/// give the hand-computed counts.
async fn top_failed_from_facts_and_edges(s: &TestServer) {
    let p = fixture(s).await;
    // Both processes, 03-02 .. 03-05: 13 ICT + 3 PCBA reports; V fails in 7 + 1 (U2's PCBA
    // 03-03 14:00), I in U4's first run.
    let whole = failing([
        (
            "Main¶V",
            8,
            16,
            "2026-03-02T11:00:00.000Z",
            "2026-03-04T21:00:00.000Z",
        ),
        (
            "Main¶I",
            1,
            16,
            "2026-03-03T12:00:00.000Z",
            "2026-03-03T12:00:00.000Z",
        ),
    ]);
    // 03-02 10:30 .. 03-04 10:30: U2 11:00, 12:00 and U1's PCBA 14:00; all six of 03-03; U4
    // 09:00 and 10:00 on 03-04. V fails in U2 11:00, U3 ×2, U4 12:00, U2 PCBA, U4 ×2.
    let edges = failing([
        (
            "Main¶V",
            7,
            11,
            "2026-03-02T11:00:00.000Z",
            "2026-03-04T10:00:00.000Z",
        ),
        (
            "Main¶I",
            1,
            11,
            "2026-03-03T12:00:00.000Z",
            "2026-03-03T12:00:00.000Z",
        ),
    ]);
    for (from, to, expected) in [
        (FROM, TO, &whole),
        ("2026-03-02T10:30:00Z", "2026-03-04T10:30:00Z", &edges),
    ] {
        let f = json!({"partNumber": format!("{p}-P1"), "dateFrom": from, "dateTo": to});
        assert_eq!(&top(s, f.clone()).await, expected, "{from} .. {to}");
        // All runs, said aloud, is still the facts; a station filter is the rows.
        let mut all = f.clone();
        all["run"] = json!(-2);
        assert_eq!(&top(s, all).await, expected, "run -2, {from} .. {to}");
        let mut rows_only = f;
        rows_only["stationName"] = json!("ST%");
        assert_eq!(&top(s, rows_only).await, expected, "ST%, {from} .. {to}");
    }
    // An open end (a partial first day, then whole days): U6's 03-05 failure comes in.
    let open = top(
        s,
        json!({"partNumber": format!("{p}-P1"), "dateFrom": "2026-03-02T06:00:00Z"}),
    )
    .await;
    assert_eq!(
        (open[0].1, open[0].2, open[0].4.as_str()),
        (9, 17, "2026-03-05T10:00:00.000Z")
    );
}

/// A replaced report leaves the facts as if it had come as it is now; and the migration's
/// backfill rebuilds the facts ingest keeps.
async fn facts_follow_replacements_and_backfill(s: &TestServer) {
    let p = fixture(s).await;
    let pn = format!("{p}-P1");
    let f = json!({"partNumber": pn, "dateFrom": FROM, "dateTo": TO});
    // U9 fails V on 03-04 22:00, the newest failure; then the same report comes passing.
    let mut r = uut(
        &pn,
        &format!("{p}-U9"),
        20,
        "2026-03-04T22:00:00+00:00",
        false,
        6.0,
        false,
    );
    assert_eq!(s.submit(&r).await.0, 200);
    let v = &top(s, f.clone()).await[0];
    assert_eq!(
        (v.1, v.2, v.4.as_str()),
        (9, 17, "2026-03-04T22:00:00.000Z")
    );
    r["result"] = json!("P");
    r["root"]["status"] = json!("P");
    r["root"]["steps"][0]["status"] = json!("P");
    r["root"]["steps"][0]["numericMeas"][0]["status"] = json!("P");
    r["root"]["steps"][0]["numericMeas"][0]["value"] = json!(5.0);
    assert_eq!(s.submit(&r).await.0, 200);
    let v = &top(s, f.clone()).await[0];
    assert_eq!(
        (v.1, v.2, v.4.as_str()),
        (8, 17, "2026-03-04T21:00:00.000Z")
    );

    let dims = json!({"partNumber": pn, "dateFrom": FROM, "dateTo": TO, "dateGrouping": 4,
                      "dimensions": "partNumber;testOperation;period;stationName"});
    let yields = rows(s, "/api/App/DynamicYield", dims.clone()).await;
    let failed = top(s, f.clone()).await;
    // Wipe this fixture's facts, as a database from before migration 0018 has none, and run
    // the migration's backfill statements.
    let db = s.db().await;
    let like = format!("{p}-%");
    sqlx::query(
        "UPDATE reports SET unit_runs = NULL, unit_pass_run = NULL, unit_last_utc = NULL \
         WHERE pn LIKE $1",
    )
    .bind(like.as_str())
    .execute(&db)
    .await
    .unwrap();
    sqlx::query("DELETE FROM step_day_facts WHERE pn LIKE $1")
        .bind(like.as_str())
        .execute(&db)
        .await
        .unwrap();
    assert!(top(s, f.clone()).await.is_empty(), "the facts are gone");
    let migration = if s.db_url.starts_with("postgres") {
        include_str!("../migrations/postgres/0018_analytics_facts.sql")
    } else {
        include_str!("../migrations/sqlite/0018_analytics_facts.sql")
    };
    let statements: Vec<String> = migration
        .split(';')
        .map(|st| {
            st.lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|st| {
            let st = st.trim_start();
            st.starts_with("UPDATE") || st.starts_with("INSERT")
        })
        .collect();
    assert_eq!(statements.len(), 3, "the backfills: {statements:?}");
    for st in &statements {
        sqlx::query(st).execute(&db).await.unwrap();
    }
    db.close().await;
    assert_eq!(rows(s, "/api/App/DynamicYield", dims).await, yields);
    assert_eq!(top(s, f).await, failed);
}

/// The internal MeasurementList and StepStatusList on the fixture, and the (empty) alarm logs.
async fn internal_lists_and_alarm_logs(s: &TestServer) {
    let p = fixture(s).await;
    // U4's ICT runs in the range, newest first: 03-04 11:00 (V 5.0 P), 10:00 (6.0 F), 09:00
    // (6.0 F), 03-03 12:00 (4.0 F, and I = 2.0 fails); V before I in each.
    let u4 = json!({"partNumber": format!("{p}-P1"), "testOperation": "ICT",
                    "serialNumber": format!("{p}-U4"), "dateFrom": FROM, "dateTo": TO});
    let list = rows(
        s,
        "/api/internal/App/MeasurementList?stepFilters=",
        u4.clone(),
    )
    .await;
    let got: Vec<(&str, f64, &str)> = list
        .iter()
        .map(|m| {
            (
                m["stepPath"].as_str().unwrap(),
                m["value"].as_f64().unwrap(),
                m["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Main¶V", 5.0, "Passed"),
            ("Main¶I", 1.0, "Passed"),
            ("Main¶V", 6.0, "Failed"),
            ("Main¶I", 1.0, "Passed"),
            ("Main¶V", 6.0, "Failed"),
            ("Main¶I", 1.0, "Passed"),
            ("Main¶V", 4.0, "Failed"),
            ("Main¶I", 2.0, "Failed"),
        ]
    );
    let first = &list[0];
    assert_eq!(first["startUtc"], "2026-03-04T11:00:00.000Z");
    assert_eq!(first["serialNumber"], json!(format!("{p}-U4")));
    assert_eq!(
        (first["limitLow"].as_f64(), first["limitHigh"].as_f64()),
        (Some(4.5), Some(5.5))
    );
    assert_eq!(first["stationName"], "ST1");
    // Narrowed to one path and capped.
    let mut one = u4.clone();
    one["measurementPaths"] = json!("Main/I");
    one["maxCount"] = json!(3);
    let values: Vec<f64> = rows(s, "/api/internal/App/MeasurementList", one)
        .await
        .iter()
        .map(|m| m["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, [1.0, 1.0, 1.0]);

    // All 13 ICT runs of P1 in the range: V ran 13 times, failed 7; I failed once. The
    // newest run is U7's (03-04 21:00): V failed, I passed.
    let ict = json!({"partNumber": format!("{p}-P1"), "testOperation": "ICT",
                     "dateFrom": FROM, "dateTo": TO});
    let steps = rows(s, "/api/internal/App/StepStatusList", ict).await;
    let got: Vec<(&str, i64, i64, i64, &str)> = steps
        .iter()
        .map(|t| {
            (
                t["stepPath"].as_str().unwrap(),
                t["totalCount"].as_i64().unwrap(),
                t["passCount"].as_i64().unwrap(),
                t["failCount"].as_i64().unwrap(),
                t["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Main¶V", 13, 6, 7, "Failed"),
            ("Main¶I", 13, 12, 1, "Passed")
        ]
    );
    assert_eq!(steps[0]["serialNumber"], json!(format!("{p}-U7")));
    assert_eq!(steps[0]["startUtc"], "2026-03-04T21:00:00.000Z");
    assert_eq!(steps[0]["partNumber"], json!(format!("{p}-P1")));
    assert_eq!(steps[0]["revision"], "A");

    // WATS's XML step filters cannot be applied: a 400 naming them, not a wider answer.
    for path in [
        "/api/internal/App/MeasurementList?stepFilters=%3CFilter%2F%3E",
        "/api/internal/App/StepStatusList?sequenceFilters=%3CFilter%2F%3E",
    ] {
        let (status, v) = post(s, path, json!({})).await;
        assert_eq!(status, 400, "{path}: {v}");
        let msg = v["Message"].as_str().unwrap_or_default();
        assert!(msg.contains("Filters is not supported"), "{msg}");
    }
    let (status, v) = s
        .get_json("/api/internal/App/StepStatusList?days=7&stepFilters=%3CX%2F%3E")
        .await;
    assert_eq!(status, 400, "{v}");
    // The GET forms; an id naming nothing is an empty list.
    let (status, v) = s
        .get_json("/api/internal/App/MeasurementList?productGroupId=987654&days=7")
        .await;
    assert_eq!((status, v), (200, json!([])));

    // No alarms are configured here, so none were logged; the filter is still checked.
    let logs = "/api/internal/Trigger/GetAlarmAndNotificationLogs";
    assert!(rows(s, logs, json!({"topCount": 5})).await.is_empty());
    for (query, body, names) in [
        ("?includeTypes=1;9", json!({}), "includeTypes"),
        ("", json!({"dateFrom": "soon"}), "dateFrom"),
        ("", json!({"topCount": -1}), "topCount"),
    ] {
        let (status, v) = post(s, &format!("{logs}{query}"), body).await;
        assert_eq!(status, 400, "{query}: {v}");
        let msg = v["Message"].as_str().unwrap_or_default();
        assert!(msg.contains(names), "{msg}");
    }
}
