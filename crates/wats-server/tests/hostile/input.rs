//! Bad input: OData nesting, non-canonical base64, content types, string lengths; each a 4xx naming the limit.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odata_chains_and_nesting_are_400_naming_the_limit() {
    let _x = EXCLUSIVE.read().await;
    let s = start(limits()).await;
    assert_serving(&s).await;
    let chain = |op: &str| {
        (0..1000)
            .map(|i| format!("serialNumber eq 'S{i}'"))
            .collect::<Vec<_>>()
            .join(op)
    };
    for (filter, limit) in [
        (chain(" or "), "more than 256 conditions"),
        (chain(" and "), "more than 256 conditions"),
        (
            format!("{}serialNumber eq 'x'{}", "(".repeat(500), ")".repeat(500)),
            "nests deeper than 64",
        ),
    ] {
        let r = s
            .client
            .get(s.url("/api/Report/Query/Header"))
            .query(&[("$filter", filter)])
            .basic_auth(USER, Some(PASSWORD))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains(limit));
    }
    // Past SQLite's 2000 ORDER BY terms.
    let order = vec!["start desc"; 3000].join(",");
    let (status, body) = s
        .get(&format!("/api/Report/Query/Header?$orderby={order}"))
        .await;
    assert_eq!(status, 400);
    assert!(body.contains("lists 3000 items; at most 100"), "{body}");
    let (status, body) = s.get("/api/Report/Query/Header?$top=5").await;
    assert_eq!(status, 200, "{body}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_canonical_base64_is_refused_on_submit() {
    let _x = EXCLUSIVE.read().await;
    let s = start(limits()).await;
    for data in ["QR==", "QUJ=", "QUJDQR==\n"] {
        let (id, r) = uut(|r| attachment(r)["data"] = json!(data));
        let answer = s.submit(r.to_string(), "WSJF").await;
        assert_refused(
            &s,
            id,
            answer,
            "root.steps[0].attachment.data: is not canonical base64",
        )
        .await;
    }
    assert_serving(&s).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_types_that_are_not_media_types_are_refused() {
    let _x = EXCLUSIVE.read().await;
    let s = start(limits()).await;
    for ct in [
        "text/plain\r\nX-Evil: 1",
        "text/plain\n",
        "text/pl\u{7f}ain",
        "plain",
        "a/b c",
    ] {
        let (id, r) = uut(|r| attachment(r)["contentType"] = json!(ct));
        let answer = s.submit(r.to_string(), "WSJF").await;
        assert_refused(&s, id, answer, "attachment.contentType").await;
    }
    // Report-level attachments of a repair report too.
    let id = uuid::Uuid::new_v4();
    let uur = json!({
        "type": "R", "id": id, "pn": "PN-H", "sn": "SN-R", "rev": "A", "processCode": 500,
        "result": "P", "machineName": "ST1", "location": "Lab", "purpose": "Repair",
        "start": "2026-01-30T22:01:41+01:00", "uur": {"user": "op", "processCode": 10},
        "subUnits": [{"idx": 0, "pn": "PN-H", "sn": "SN-R", "rev": "A", "partType": "Main"}],
        "binaryData": [{"name": "x.bin", "contentType": "image/png\r\n", "data": "QR=="}]
    });
    let (status, body) = s.submit(uur.to_string(), "WSJF").await;
    assert_refused(&s, id, (status, body.clone()), "binaryData[0].contentType").await;
    assert!(body.contains("binaryData[0].data"), "{body}");
    assert_serving(&s).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn string_fields_are_bounded_naming_field_and_limit() {
    let _x = EXCLUSIVE.read().await;
    let s = start(limits()).await;
    let long = "x".repeat(101);
    for field in ["productName", "processName", "origin"] {
        let (id, r) = uut(|r| r[field] = json!(long));
        let answer = s.submit(r.to_string(), "WSJF").await;
        assert_refused(
            &s,
            id,
            answer,
            &format!("{field}: is 101 characters long; WATS allows at most 100"),
        )
        .await;
    }
    // Unknown keys, on the report and deep in a step.
    let (id, r) = uut(|r| r["payload"] = json!("y".repeat(100_000)));
    let answer = s.submit(r.to_string(), "WSJF").await;
    assert_refused(
        &s,
        id,
        answer,
        "payload: is a key WATS does not define; unknown keys take more than 65536 bytes",
    )
    .await;
    let (id, r) = uut(|r| {
        for i in 0..100 {
            r["root"]["steps"][0][format!("k{i}")] = json!("z".repeat(1000));
        }
    });
    let answer = s.submit(r.to_string(), "WSJF").await;
    assert_refused(&s, id, answer, "more than 65536 bytes").await;
    // WSXF ProductName.
    let (id, r) = uut(|r| r["productName"] = json!("p".repeat(20_000)));
    let report: wats_report::Report = serde_json::from_value(r).unwrap();
    let xml = wats_report::wsxf::to_string(&report);
    assert!(xml.contains("ProductName"));
    let answer = s.submit(xml, "WSXF").await;
    assert_refused(&s, id, answer, "productName: is 20000 characters long").await;
    assert_serving(&s).await;
    s.stop().await;
}
