//! Report lists, serial-number history, the internal lists and alarm logs, and the 400s for bad input.

use super::*;

pub(super) async fn report_lists_and_history(s: &TestServer) {
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

/// The internal MeasurementList and StepStatusList on the fixture, and the (empty) alarm logs.
pub(super) async fn internal_lists_and_alarm_logs(s: &TestServer) {
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

pub(super) async fn bad_input_is_400_naming_it(s: &TestServer) {
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
