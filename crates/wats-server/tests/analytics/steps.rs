//! Step analysis, capability, top failures from the facts and from the rows, and the facts after replacements and a backfill.

use super::*;

pub(super) async fn step_analysis_and_capability(s: &TestServer) {
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

/// `(stepPath, failCount, totalCount, firstFailDate, lastFailDate)` of `TopFailed`.
pub(super) async fn top(s: &TestServer, body: Value) -> Vec<(String, i64, i64, String, String)> {
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

pub(super) fn failing(
    rows: [(&str, i64, i64, &str, &str); 2],
) -> Vec<(String, i64, i64, String, String)> {
    rows.iter()
        .map(|(p, f, t, a, b)| ((*p).into(), *f, *t, (*a).into(), (*b).into()))
        .collect()
}

/// TopFailed by part number alone reads the step facts for whole days, and the measurement
/// rows for the partial days at the range's ends; a station filter reads only the rows. Both
/// give the hand-computed counts.
pub(super) async fn top_failed_from_facts_and_edges(s: &TestServer) {
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
pub(super) async fn facts_follow_replacements_and_backfill(s: &TestServer) {
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
        include_str!("../../migrations/postgres/0018_analytics_facts.sql")
    } else {
        include_str!("../../migrations/sqlite/0018_analytics_facts.sql")
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
