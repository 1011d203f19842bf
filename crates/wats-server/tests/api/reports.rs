//! Reports in and out: sample round trips, WSXF, overwrite by id, compressed storage, server-filled fields, detail levels, attachments, measurements.

use super::*;

pub(super) async fn samples_round_trip(s: &TestServer) {
    for rel in ["wats/uut-wsjf-export.json", "wats/uur-example.json"] {
        let original = sample_json(rel);
        // Case-insensitive path, as WATS.
        let r = s
            .post("/api/report/wsjf", sample(rel))
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{rel}");
        let answer: Value = r.json().await.unwrap();
        assert_eq!(answer["ID"], original["id"], "{rel}");
        assert_eq!(answer["uuid"], original["id"], "{rel}");
        assert!(answer["Report_ID"].as_i64().unwrap() >= 1);

        let (status, mut back) = s
            .get_json(&format!(
                "/api/Report/Wsjf/{}",
                original["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(status, 200);
        let mut want = original.clone();
        drop_keys(&mut want, SERVER_FILLED);
        drop_keys(&mut back, SERVER_FILLED);
        assert_json_eq(&want, &back, rel);
    }
}

pub(super) async fn wsxf_sample_reads_back_equal(s: &TestServer) {
    let xml = sample("wats/uut-wsxf-export.xml");
    let r = s
        .post("/api/Report/WSXF", xml.clone())
        .header("content-type", "application/xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let id = r.json::<Value>().await.unwrap()["ID"]
        .as_str()
        .unwrap()
        .to_owned();
    let submitted = wats_report::wsxf::from_slice(&xml).unwrap();
    let strip = |mut r: wats_report::Report| {
        r.start_utc = None;
        r.process_name = None;
        r.product_name = None;
        r.origin = None;
        r.asset_stats = None;
        r
    };
    // Back as WSJF and as WSXF: the same report.
    let json = s
        .get(&format!("/api/Report/Wsjf/{id}"))
        .send()
        .await
        .unwrap();
    let from_json = wats_report::wsjf::from_str(&json.text().await.unwrap()).unwrap();
    assert_eq!(strip(from_json), strip(submitted.clone()));
    let xml_back = s
        .get(&format!("/api/report/wsxf/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(xml_back.status(), 200);
    assert!(xml_back.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("xml"));
    let from_xml = wats_report::wsxf::from_slice(&xml_back.bytes().await.unwrap()).unwrap();
    assert_eq!(strip(from_xml), strip(submitted));
}

pub(super) async fn overwrite_by_id(s: &TestServer) {
    let id = uuid::Uuid::new_v4();
    let pn = unique("PN");
    let first = small_uut(id, &pn, "SN-A", "2026-02-01T10:00:00+01:00", "P");
    assert_eq!(s.submit(&first).await.0, 200);
    let second = small_uut(id, &pn, "SN-B", "2026-02-01T10:00:00+01:00", "F");
    assert_eq!(s.submit(&second).await.0, 200);
    let (_, rows) = s
        .get_json(&format!(
            "/api/Report/Query/Header?$filter=partNumber eq '{pn}'"
        ))
        .await;
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["serialNumber"], "SN-B");
    assert_eq!(rows[0]["result"], "Failed");
    assert_eq!(rows[0]["receiveCount"], 2);
    let (_, back) = s.get_json(&format!("/api/Report/Wsjf/{id}")).await;
    assert_eq!(back["sn"], "SN-B");

    // Runs follow start time whatever the arrival order (10:00, 11:00, then 09:00): the late
    // report takes its place and the runs after it move; a replaced report keeps its place.
    let pn = unique("PN-RUN");
    let ids: Vec<uuid::Uuid> = (0..3).map(|_| uuid::Uuid::new_v4()).collect();
    for (id, start) in ids.iter().zip(["10:00", "11:00", "09:00"]) {
        let r = small_uut(
            *id,
            &pn,
            "SN-R",
            &format!("2026-02-01T{start}:00+01:00"),
            "P",
        );
        assert_eq!(s.submit(&r).await.0, 200);
    }
    let again = small_uut(ids[1], &pn, "SN-R", "2026-02-01T11:00:00+01:00", "F");
    assert_eq!(s.submit(&again).await.0, 200);
    let (_, rows) = s
        .get_json(&format!(
            "/api/Report/Query/Header?$filter=partNumber eq '{pn}'"
        ))
        .await;
    let mut runs: Vec<(String, i64, i64)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["uuid"].as_str().unwrap().to_lowercase(),
                r["run"].as_i64().unwrap(),
                r["receiveCount"].as_i64().unwrap(),
            )
        })
        .collect();
    runs.sort();
    let mut expected = vec![
        (ids[0].to_string(), 2, 1),
        (ids[1].to_string(), 3, 2),
        (ids[2].to_string(), 1, 1),
    ];
    expected.sort();
    assert_eq!(runs, expected);

    // A re-submission that moves a report to another unit renumbers both units.
    let pn = unique("PN-MOVE");
    let (a, b, c) = (
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4(),
    );
    for (id, sn, start) in [(a, "SN-M", "09"), (b, "SN-M", "10"), (c, "SN-M", "11")] {
        let r = small_uut(id, &pn, sn, &format!("2026-02-01T{start}:00:00Z"), "P");
        assert_eq!(s.submit(&r).await.0, 200);
    }
    let moved = small_uut(b, &pn, "SN-N", "2026-02-01T10:00:00Z", "P");
    assert_eq!(s.submit(&moved).await.0, 200);
    let (_, rows) = s
        .get_json(&format!(
            "/api/Report/Query/Header?$filter=partNumber eq '{pn}'"
        ))
        .await;
    let mut runs: Vec<(String, String, i64)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["uuid"].as_str().unwrap().to_lowercase(),
                r["serialNumber"].as_str().unwrap().to_owned(),
                r["run"].as_i64().unwrap(),
            )
        })
        .collect();
    runs.sort();
    let mut expected = vec![
        (a.to_string(), "SN-M".to_owned(), 1),
        (b.to_string(), "SN-N".to_owned(), 1),
        (c.to_string(), "SN-M".to_owned(), 2),
    ];
    expected.sort();
    assert_eq!(runs, expected);
}

pub(super) async fn documents_stored_compressed(s: &TestServer) {
    let id = uuid::Uuid::new_v4();
    let report = small_uut(id, &unique("PN"), "SN-Z", "2026-02-01T10:00:00+01:00", "P");
    assert_eq!(s.submit(&report).await.0, 200);
    let (_, stored) = s.get_json(&format!("/api/Report/Wsjf/{id}")).await;
    assert_eq!(stored["sn"], "SN-Z");
    let db = s.db().await;
    let row = sqlx::query("SELECT document, packed FROM reports WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(&db)
        .await
        .unwrap();
    let plain: String = row.try_get(0).unwrap();
    let packed: Option<Vec<u8>> = row.try_get(1).unwrap();
    assert!(plain.is_empty());
    assert!(packed.is_some_and(|p| !p.is_empty()));
    // A report stored before documents were packed: plain, `packed` NULL. It reads the same.
    let mut old = stored.clone();
    old["sn"] = "SN-OLD".into();
    sqlx::query("UPDATE reports SET document = $1, packed = NULL WHERE id = $2")
        .bind(old.to_string())
        .bind(id.to_string())
        .execute(&db)
        .await
        .unwrap();
    let (status, back) = s.get_json(&format!("/api/Report/Wsjf/{id}")).await;
    assert_eq!((status, &back["sn"]), (200, &Value::from("SN-OLD")));
}

pub(super) async fn server_filled_fields(s: &TestServer) {
    let id = uuid::Uuid::new_v4();
    let mut r = small_uut(
        id,
        "PN-FILL",
        "  SN-FILL  ",
        "2026-04-01T12:00:00.5+02:00",
        "P",
    );
    r["subUnits"][0]["rev"] = json!("01     ");
    r["miscInfos"][0]["numeric"] = json!(0);
    assert_eq!(s.submit(&r).await.0, 200);
    let (_, back) = s.get_json(&format!("/api/Report/Wsjf/{id}")).await;
    assert_eq!(back["startUTC"], "2026-04-01T10:00:00.5000000Z");
    assert_eq!(back["processName"], "SW Debug");
    assert_eq!(back["origin"], common::USER);
    assert_eq!(back["sn"], "SN-FILL");
    assert_eq!(back["subUnits"][0]["rev"], "01");
    assert!(back["miscInfos"][0].get("numeric").is_none());
    assert_eq!(back["assetStats"], json!([]));

    // A UUR referencing the UUT: the UUT lists it, the UUR's binaryData gets an id.
    let uur_id = uuid::Uuid::new_v4();
    let mut uur = sample_json("wats/uur-example.json");
    uur["id"] = json!(uur_id);
    uur["uur"]["refUUT"] = json!(id);
    uur.as_object_mut().unwrap().remove("processName");
    let (status, _) = s.submit(&uur).await;
    assert_eq!(status, 200);
    let (_, back_uur) = s.get_json(&format!("/api/Report/Wsjf/{uur_id}")).await;
    assert_eq!(back_uur["processName"], "Repair");
    assert_eq!(back_uur["uur"]["processName"], "Burn In test");
    assert_eq!(back_uur["uur"]["active"], true);
    let (_, back) = s.get_json(&format!("/api/Report/Wsjf/{id}")).await;
    assert_eq!(back["uut"]["referencedByUURs"][0]["id"], json!(uur_id));
    let (_, rows) = s
        .get_json(&format!(
            "/api/Report/Query/Header?reportType=R&$filter=referencedUut eq {id}"
        ))
        .await;
    assert_eq!(rows[0]["uuid"], json!(uur_id));
}

pub(super) async fn detail_levels(s: &TestServer) {
    let original = sample_json("wats/uut-wsjf-export.json");
    let mut r = original.clone();
    let id = uuid::Uuid::new_v4();
    r["id"] = json!(id);
    assert_eq!(s.submit(&r).await.0, 200);
    let get = |q: &str| {
        let path = format!("/api/Report/Wsjf/{id}?{q}");
        async move { s.get_json(&path).await }
    };
    let (_, d0) = get("detailLevel=0").await;
    assert_eq!(d0["sn"], original["sn"]);
    assert!(d0.get("root").is_none() && d0.get("uut").is_none() && d0.get("miscInfos").is_none());
    let (_, d1) = get("detailLevel=1").await;
    assert!(d1.get("root").is_none());
    assert_eq!(d1["uut"], original["uut"]);
    let (_, d2) = get("detaillevel=2").await;
    let steps = d2["root"]["steps"].as_array().unwrap();
    assert!(!steps.is_empty());
    fn all_steps(v: &Value, out: &mut Vec<Value>) {
        out.push(v.clone());
        for c in v["steps"].as_array().into_iter().flatten() {
            all_steps(c, out);
        }
    }
    let mut s2 = Vec::new();
    all_steps(&d2["root"], &mut s2);
    assert!(s2.iter().all(|s| s.get("numericMeas").is_none()));
    let (_, d3) = get("detailLevel=3").await;
    let mut s3 = Vec::new();
    all_steps(&d3["root"], &mut s3);
    let mut s7 = Vec::new();
    all_steps(&original["root"], &mut s7);
    assert_eq!(s3.len(), s7.len());
    assert!(s2.len() < s3.len());
    assert!(s3
        .iter()
        .all(|s| s.get("numericMeas").is_none() && s.get("chart").is_none()));
    let (_, d6) = get("detailLevel=6&includeChartdata=false").await;
    let mut s6 = Vec::new();
    all_steps(&d6["root"], &mut s6);
    let charts: Vec<&Value> = s6.iter().filter_map(|s| s.get("chart")).collect();
    assert!(!charts.is_empty());
    assert!(charts.iter().all(|c| c.get("series").is_none()));
    let (_, d7) = get("").await;
    let (mut a, mut b) = (original.clone(), d7);
    a["id"] = json!(id);
    drop_keys(&mut a, SERVER_FILLED);
    drop_keys(&mut b, SERVER_FILLED);
    assert_json_eq(&a, &b, "");
}

pub(super) async fn attachments_and_certificate(s: &TestServer) {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let id = uuid::Uuid::new_v4();
    let mut r = small_uut(id, &unique("PN"), "SN-ATT", "2026-05-01T08:00:00Z", "P");
    r["root"]["steps"].as_array_mut().unwrap().push(json!({
        "id": 3, "group": "M", "stepType": "Action", "name": "Photo", "status": "P",
        "attachment": {"name": "photo.png", "contentType": "image/png", "data": b64(b"\x89PNG fake")}
    }));
    assert_eq!(s.submit(&r).await.0, 200);
    let a = s
        .get(&format!("/api/Report/Attachment?reportId={id}&stepId=3"))
        .send()
        .await
        .unwrap();
    assert_eq!(a.status(), 200);
    assert_eq!(a.headers()["content-type"], "image/png");
    assert!(a.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("photo.png"));
    assert_eq!(&a.bytes().await.unwrap()[..], b"\x89PNG fake");
    let (status, _) = s
        .get_json(&format!("/api/Report/Attachment?reportId={id}&stepId=2"))
        .await;
    assert_eq!(status, 404);
    let (status, _) = s
        .get_json(&format!("/api/Report/Attachment?reportId={id}"))
        .await;
    assert_eq!(status, 400);
    let (_, rows) = s
        .get_json(&format!(
            "/api/Report/Query/Header?$filter=uuid eq {id}&$expand=attachments"
        ))
        .await;
    assert_eq!(
        rows[0]["attachments"],
        json!([{"stepId": 3, "filename": "photo.png"}])
    );

    // Repair report attachment by id.
    let uur_id = uuid::Uuid::new_v4();
    let mut uur = sample_json("wats/uur-example.json");
    uur["id"] = json!(uur_id);
    uur["binaryData"] =
        json!([{"contentType": "text/plain", "name": "note.txt", "data": b64(b"fixed it")}]);
    assert_eq!(s.submit(&uur).await.0, 200);
    let (_, back) = s.get_json(&format!("/api/Report/Wsjf/{uur_id}")).await;
    let att_id = back["binaryData"][0]["id"].as_str().unwrap().to_owned();
    let a = s
        .get(&format!(
            "/api/Report/Attachment?reportId={uur_id}&attachmentId={att_id}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(a.status(), 200);
    assert_eq!(&a.bytes().await.unwrap()[..], b"fixed it");
    let (_, no_data) = s
        .get_json(&format!(
            "/api/Report/Wsjf/{uur_id}?includeAttachments=false"
        ))
        .await;
    assert!(no_data["binaryData"][0].get("data").is_none());

    // All attachments as a zip.
    let z = s
        .get(&format!("/api/Report/Attachments/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(z.status(), 200);
    assert_eq!(z.headers()["content-type"], "application/zip");
    let bytes = z.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(archive.len(), 1);
    let mut f = archive.by_index(0).unwrap();
    assert_eq!(f.name(), "3_photo.png");
    let mut content = Vec::new();
    f.read_to_end(&mut content).unwrap();
    assert_eq!(content, b"\x89PNG fake");

    let c = s
        .get(&format!("/api/Report/Certificate/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(c.status(), 200);
    let text = c.text().await.unwrap();
    assert!(
        text.contains("TEST CERTIFICATE") && text.contains("SN-ATT") && text.contains("Passed")
    );
}

pub(super) async fn measurements_stored(s: &TestServer) {
    let original = sample_json("wats/uut-wsjf-export.json");
    let mut r = original.clone();
    let id = uuid::Uuid::new_v4();
    r["id"] = json!(id);
    assert_eq!(s.submit(&r).await.0, 200);
    // Expected: one row per numeric/boolean/string measurement in the tree.
    fn count(v: &Value) -> usize {
        ["numericMeas", "booleanMeas", "stringMeas"]
            .iter()
            .map(|k| v[k].as_array().map_or(0, Vec::len))
            .sum::<usize>()
            + v["steps"]
                .as_array()
                .into_iter()
                .flatten()
                .map(count)
                .sum::<usize>()
    }
    let db = s.db().await;
    let key = id.hyphenated().to_string();
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM measurements WHERE report_id = $1")
        .bind(&key)
        .fetch_one(&db)
        .await
        .unwrap()
        .get(0);
    assert_eq!(n as usize, count(&original["root"]));
    let row = sqlx::query(
        "SELECT step_path, value, unit, low_limit, comp_op, status FROM measurements \
         WHERE report_id = $1 AND step_name = 'SingleEQFail'",
    )
    .bind(&key)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(
        row.get::<String, _>(0),
        "MainSequence Callback¶Numeric tests¶SingleEQFail"
    );
    assert_eq!(row.get::<f64, _>(1), 500.0);
    assert_eq!(row.get::<String, _>(2), "V");
    assert_eq!(row.get::<f64, _>(3), 501.0);
    assert_eq!(row.get::<String, _>(4), "EQ");
    assert_eq!(row.get::<String, _>(5), "F");
    // Overwriting replaces the rows rather than adding to them.
    assert_eq!(s.submit(&r).await.0, 200);
    let n2: i64 = sqlx::query("SELECT COUNT(*) FROM measurements WHERE report_id = $1")
        .bind(&key)
        .fetch_one(&db)
        .await
        .unwrap()
        .get(0);
    assert_eq!(n2, n);
    db.close().await;
}
