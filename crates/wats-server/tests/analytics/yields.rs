//! Yield against the hand-computed fixture: units by the first-run rule, periods, retests, wildcards and alternatives, RTY, dimensions.

use super::*;

pub(super) async fn unit_yield_by_hand(s: &TestServer) {
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

pub(super) async fn periods_sum_and_follow_the_first_run(s: &TestServer) {
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

pub(super) async fn retest_station_has_try_but_no_units(s: &TestServer) {
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

pub(super) async fn wildcards_alternatives_and_rty(s: &TestServer) {
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

pub(super) async fn group_and_misc_info_dimensions(s: &TestServer) {
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
