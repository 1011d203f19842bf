//! Header queries: serial, part, dates, paging, misc info, options and their errors.

use super::*;

pub(super) async fn query_by_serial_part_date_with_paging(s: &TestServer) {
    let pn = unique("PN");
    let mut ids = Vec::new();
    for i in 0..25 {
        let id = uuid::Uuid::new_v4();
        ids.push(id);
        let start = format!("2026-03-01T{:02}:{:02}:00Z", 8 + i / 60, i % 60);
        let result = if i % 5 == 0 { "F" } else { "P" };
        let (status, _) = s
            .submit(&small_uut(id, &pn, &format!("SN-{i:03}"), &start, result))
            .await;
        assert_eq!(status, 200);
    }
    let q = |extra: &str| format!("/api/Report/Query/Header?$filter=partNumber eq '{pn}'{extra}");

    // Default: 10 most recent first.
    let (status, rows) = s.get_json(&q("")).await;
    assert_eq!(status, 200);
    let rows = rows.as_array().unwrap().clone();
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[0]["serialNumber"], "SN-024");
    assert_eq!(rows[9]["serialNumber"], "SN-015");

    // Paging in start order covers everything once.
    let mut seen = Vec::new();
    for page in 0..3 {
        let (_, rows) = s
            .get_json(&q(&format!(
                "&$orderby=start asc&$top=10&$skip={}",
                page * 10
            )))
            .await;
        for r in rows.as_array().unwrap() {
            seen.push(r["serialNumber"].as_str().unwrap().to_owned());
        }
    }
    let want: Vec<String> = (0..25).map(|i| format!("SN-{i:03}")).collect();
    assert_eq!(seen, want);

    // By serial number.
    let (_, rows) = s
        .get_json(&format!(
            "/api/Report/Query/Header?$filter=serialNumber eq 'SN-007' and partNumber eq '{pn}'"
        ))
        .await;
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["uuid"], json!(ids[7]));
    assert_eq!(rows[0]["processName"], "SW Debug");
    assert_eq!(rows[0]["userName"], "op1");
    assert_eq!(rows[0]["swFilename"], "main.seq");

    // Date range (half-open), one bound with an offset.
    let (_, rows) = s
        .get_json(&format!(
            "/api/Report/Query/Header?$top=100&$orderby=start&$filter=partNumber eq '{pn}' and start ge 2026-03-01T08:05:00Z and start lt 2026-03-01T09:10:00%2B01:00"
        ))
        .await;
    let sns: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["serialNumber"].as_str().unwrap())
        .collect();
    assert_eq!(
        sns,
        (5..10).map(|i| format!("SN-{i:03}")).collect::<Vec<_>>()
    );

    // Result, in, contains, not, any().
    let count = |v: &Value| v.as_array().unwrap().len();
    let (_, rows) = s.get_json(&q(" and result eq 'Failed'&$top=100")).await;
    assert_eq!(count(&rows), 5);
    let (_, rows) = s
        .get_json(&q(
            " and serialNumber in ('SN-001','SN-002','nope')&$top=100",
        ))
        .await;
    assert_eq!(count(&rows), 2);
    let (_, rows) = s
        .get_json(&q(" and contains(serialNumber,'-01')&$top=100"))
        .await;
    assert_eq!(count(&rows), 10);
    let (_, rows) = s
        .get_json(&q(" and not startswith(serialNumber,'SN-00')&$top=100"))
        .await;
    assert_eq!(count(&rows), 15);
    let (_, rows) = s
        .get_json(&q(
            " and subUnits/any(s: s/serialNumber eq 'sub-SN-012')&$top=100",
        ))
        .await;
    assert_eq!(count(&rows), 1);
    let (_, rows) = s
        .get_json(&q(
            " and miscInfo/any(m: m/description eq 'Lot' and m/value eq 'lot-SN-003')",
        ))
        .await;
    assert_eq!(count(&rows), 1);
    // reportType R excludes test reports.
    let (_, rows) = s.get_json(&q("&reportType=R")).await;
    assert_eq!(count(&rows), 0);
    let (_, rows) = s.get_json(&q("&reportType=U&$top=100")).await;
    assert_eq!(count(&rows), 25);
}

pub(super) async fn query_options_and_errors(s: &TestServer) {
    let pn = unique("PN");
    let id = uuid::Uuid::new_v4();
    s.submit(&small_uut(id, &pn, "SN-1", "2026-03-02T10:00:00Z", "P"))
        .await;
    let base = format!("/api/Report/Query/Header?$filter=partNumber eq '{pn}'");

    let (_, rows) = s
        .get_json(&format!("{base}&$select=uuid,serialNumber"))
        .await;
    let row = rows[0].as_object().unwrap();
    let mut keys: Vec<_> = row.keys().collect();
    keys.sort();
    assert_eq!(keys, ["serialNumber", "uuid"]);

    let (_, rows) = s
        .get_json(&format!(
            "{base}&$expand=subUnits,miscInfo,attachments,uurSubUnits"
        ))
        .await;
    assert_eq!(
        rows[0]["subUnits"],
        json!([{"partType": "PCBA", "serialNumber": "sub-SN-1", "partNumber": "SUB-PN", "revision": "1"}])
    );
    assert_eq!(
        rows[0]["miscInfo"],
        json!([{"description": "Lot", "value": "lot-SN-1"}])
    );
    assert_eq!(rows[0]["attachments"], json!([]));
    assert_eq!(rows[0]["uurSubUnits"], json!([]));

    for (query, needle) in [
        ("$filter=serialNumber eq", "expected a value"),
        ("$filter=bogus eq 1", "unknown property 'bogus'"),
        ("$filter=processCode eq 'x'", "integer"),
        ("$filter=processCode add 1 eq 2", "'add' is not supported"),
        (
            "$filter=round(executionTime) eq 1",
            "round() is not supported",
        ),
        ("$top=10001", "limit of 10000"),
        ("$top=-5", "non-negative"),
        ("$orderby=bogus", "unknown property 'bogus'"),
        ("$expand=bogus", "unknown property 'bogus'"),
        ("$select=bogus", "unknown property 'bogus'"),
        ("$count=true", "$count is not supported"),
        ("reportType=X", "reportType"),
    ] {
        let r = s
            .get(&format!("/api/Report/Query/Header?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{query}");
        let body: Value = r.json().await.unwrap();
        let message = body["Message"].as_str().unwrap();
        assert!(message.contains(needle), "{query}: {message}");
    }
}

pub(super) async fn header_by_misc_info(s: &TestServer) {
    let id = uuid::Uuid::new_v4();
    let sn = unique("SN");
    s.submit(&small_uut(id, "PN-MISC", &sn, "2026-06-01T08:00:00Z", "P"))
        .await;
    let (status, rows) = s
        .get_json(&format!(
            "/api/Report/Query/HeaderByMiscInfo?description=Lot&data=lot-{sn}"
        ))
        .await;
    assert_eq!(status, 200);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["uuid"], json!(id));
    assert_eq!(
        rows[0]["miscData"],
        json!([{"description": "Lot", "data": format!("lot-{sn}")}])
    );
    // pyWATS's parameter name.
    let (_, rows) = s
        .get_json(&format!(
            "/api/Report/Query/HeaderByMiscInfo?description=Lot&stringValue=lot-{sn}&$top=5"
        ))
        .await;
    assert_eq!(rows.as_array().unwrap().len(), 1);
    let (status, _) = s.get_json("/api/Report/Query/HeaderByMiscInfo").await;
    assert_eq!(status, 400);
}
