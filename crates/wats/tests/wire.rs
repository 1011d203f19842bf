//! What the SDK sends and how it reads the answers, endpoint by endpoint: exact paths (with
//! WATS's casing), query parameters, headers and bodies, and the server's real exports from
//! `samples/wats/` as answers. The in-test server only records and replies; end-to-end tests
//! against `wats-server` are the other half of the contract.

mod common;

use common::{json, sample, serve, with_headers};
use futures_util::TryStreamExt;
use uuid::Uuid;
use wats::app::ProcessFilter;
use wats::odata::field;
use wats::report::{fields, AttachmentRef, FetchOptions, HeaderQuery};
use wats::{Error, Require};

const PROCESSES: &str = r#"[
  {"code":10,"name":"SW Debug","isTestOperation":true,"isRepairOperation":false,"isWipOperation":false,"processIndex":0,"state":1},
  {"code":100,"name":"PCBA test","description":"In-circuit","isTestOperation":true,"isRepairOperation":false,"isWipOperation":false,"processIndex":1,"state":1,"futureKey":{"a":1}},
  {"code":200,"name":"Assembly","isTestOperation":false,"isRepairOperation":false,"isWipOperation":true},
  {"code":500,"name":"Repair","isTestOperation":false,"isRepairOperation":true,"isWipOperation":false}
]"#;

#[tokio::test]
async fn auth_header_and_default_headers() {
    let server = serve(|seen, _| {
        if seen.header("authorization") == Some("Basic dXNlcjpwdw==") {
            json(200, r#""1.0""#)
        } else {
            json(
                401,
                r#"{"Message":"Authorization has been denied for this request."}"#,
            )
        }
    })
    .await;
    let wats = server.client().build().unwrap();
    wats.app().version().await.unwrap();
    let seen = server.last();
    assert_eq!(seen.path, "/api/App/Version");
    assert_eq!(seen.header("accept"), Some("application/json"));
    assert!(seen.header("user-agent").unwrap().starts_with("wats-rs/"));

    let bad = server.client().token("d3Jvbmc6d3Jvbmc=").build().unwrap();
    let err = bad.app().version().await.unwrap_err();
    match err {
        Error::Unauthorized { message } => assert!(message.contains("denied"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.hits(), 2, "401 is not retried");
}

#[tokio::test]
async fn app_endpoints() {
    let server = serve(|seen, _| match seen.path.as_str() {
        "/api/App/Version" => json(200, r#""2025.3.9.824""#),
        "/api/App/Processes" => json(200, PROCESSES),
        "/api/App/Levels" => json(200, r#"[{"levelId":1,"levelName":"PCBA"}]"#),
        "/api/App/ProductGroups" => json(
            200,
            r#"[{"productGroupId":3,"productGroupName":"Boards","filters":[]}]"#,
        ),
        _ => json(404, ""),
    })
    .await;
    let wats = server.client().build().unwrap();
    assert_eq!(wats.app().version().await.unwrap(), "2025.3.9.824");

    let filter = ProcessFilter {
        include_inactive_processes: Some(true),
        include_test_operations: Some(false),
        ..Default::default()
    };
    let processes = wats.app().processes(&filter).await.unwrap();
    let seen = server.last();
    assert_eq!(
        seen.param("includeInactiveProcesses").as_deref(),
        Some("true")
    );
    assert_eq!(
        seen.param("includeTestOperations").as_deref(),
        Some("false")
    );
    assert_eq!(seen.param("includeWipOperations"), None);
    assert_eq!(processes.len(), 4);
    assert_eq!(processes[1].name.as_deref(), Some("PCBA test"));
    assert_eq!(processes[1].extra["futureKey"], serde_json::json!({"a": 1}));
    // Unknown keys are written back.
    let back = serde_json::to_value(&processes[1]).unwrap();
    assert_eq!(back["futureKey"]["a"], 1);
    assert_eq!(back["isTestOperation"], true);

    let levels = wats.app().levels().await.unwrap();
    assert_eq!(levels[0].level_name.as_deref(), Some("PCBA"));
    let groups = wats.app().product_groups(Some(true)).await.unwrap();
    assert_eq!(
        server.last().param("includeFilters").as_deref(),
        Some("true")
    );
    assert_eq!(groups[0].product_group_id, Some(3));
    assert!(groups[0].extra.contains_key("filters"));
}

#[tokio::test]
async fn process_lookups_are_cached_and_refreshable() {
    let server = serve(|_, _| json(200, PROCESSES)).await;
    let wats = server.client().build().unwrap();
    let p = wats.process();
    assert_eq!(
        p.by_code(100).await.unwrap().unwrap().name.as_deref(),
        Some("PCBA test")
    );
    assert_eq!(
        p.by_name("pcba TEST").await.unwrap().unwrap().code,
        Some(100)
    );
    assert_eq!(
        p.test_operation("SW Debug").await.unwrap().unwrap().code,
        Some(10)
    );
    assert!(
        p.test_operation(500).await.unwrap().is_none(),
        "500 is not a test operation"
    );
    assert_eq!(
        p.repair_operation(500).await.unwrap().unwrap().code,
        Some(500)
    );
    assert_eq!(
        p.wip_operation("assembly").await.unwrap().unwrap().code,
        Some(200)
    );
    assert_eq!(
        p.default_test_operation().await.unwrap().unwrap().code,
        Some(100)
    );
    assert_eq!(
        p.default_repair_operation().await.unwrap().unwrap().code,
        Some(500)
    );
    assert!(p.by_code(999).await.unwrap().is_none());
    assert!(matches!(
        p.by_code(999).await.require(),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(server.hits(), 1, "one list load serves every lookup");
    // The process list is loaded with no parameters: the server decides.
    assert_eq!(server.last().query, "");

    p.refresh().await.unwrap();
    assert_eq!(
        server.hits(),
        2,
        "refresh goes to the server, past the GET cache"
    );
    p.clear().await;
    p.by_code(10).await.unwrap();
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn process_list_expires_after_its_ttl() {
    let server = serve(|_, _| json(200, PROCESSES)).await;
    let wats = server
        .client()
        .no_cache()
        .process_cache_ttl(std::time::Duration::from_millis(100))
        .build()
        .unwrap();
    wats.process().by_code(100).await.unwrap();
    wats.process().by_code(100).await.unwrap();
    assert_eq!(server.hits(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    wats.process().by_code(100).await.unwrap();
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn submit_wsjf_sends_the_report_without_server_fields() {
    let text = sample("uut-wsjf-export.json");
    let report = wats_report::wsjf::from_str(&text).unwrap();
    let id = report.id.unwrap();
    let server = serve(move |_, _| {
        json(
            200,
            &format!(r#"{{"ID":"{id}","uuid":"{id}","Report_ID":42}}"#),
        )
    })
    .await;
    let wats = server.client().build().unwrap();
    let result = wats.report().submit(&report).await.unwrap();
    assert_eq!(
        (result.id, result.uuid, result.report_id),
        (Some(id), Some(id), Some(42))
    );

    let seen = server.last();
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("POST", "/api/Report/WSJF")
    );
    assert_eq!(seen.header("content-type"), Some("application/json"));
    let sent = wats_report::wsjf::from_slice(&seen.body).unwrap();
    assert_eq!(sent, report.for_submission());
    let raw: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
    assert!(raw.get("startUTC").is_none());
    assert_eq!(raw["id"], id.to_string());
}

#[tokio::test]
async fn submit_failures_keep_the_server_message() {
    let server = serve(|_, _| {
        with_headers(
            400,
            &[("content-type", "text/plain")],
            "root -> step Loops -> loop SequenceCallLoop: endingIndex is required to be the same as highest index.",
        )
    })
    .await;
    let wats = server.client().build().unwrap();
    let report = wats_report::wsjf::from_str(&sample("uut-wsjf-export.json")).unwrap();
    match wats.report().submit(&report).await.unwrap_err() {
        Error::Validation { message, field } => {
            assert!(message.starts_with("root -> step Loops"), "{message}");
            assert_eq!(field, None);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn submit_uur_and_wsxf() {
    let server =
        serve(|_, _| json(200, r#"[{"ID":"9f8e7d6c-0000-4000-8000-000000000001"}]"#)).await;
    let wats = server.client().build().unwrap();
    let uur = wats_report::wsjf::from_str(&sample("uur-example.json")).unwrap();
    assert!(uur.is_uur());
    let r = wats.report().submit_uur(&uur).await.unwrap();
    assert_eq!(
        r.id.unwrap().to_string(),
        "9f8e7d6c-0000-4000-8000-000000000001"
    );
    assert_eq!(server.last().path, "/api/Report/WSJF");

    let uut = wats_report::wsjf::from_str(&sample("uut-wsjf-export.json")).unwrap();
    let err = wats.report().submit_uur(&uut).await.unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert_eq!(server.hits(), 1, "refused before sending");

    let xml = sample("uut-wsxf-export.xml");
    wats.report().submit_wsxf(xml.clone()).await.unwrap();
    let seen = server.last();
    assert_eq!(seen.path, "/api/Report/WSXF");
    assert_eq!(seen.header("content-type"), Some("application/xml"));
    assert_eq!(seen.body, xml.as_bytes());

    wats.report().submit_as_wsxf(&uut).await.unwrap();
    let seen = server.last();
    let back = wats_report::wsxf::from_slice(&seen.body).unwrap();
    assert_eq!(back.id, uut.id);
}

#[tokio::test]
async fn get_wsjf_and_wsxf_by_id() {
    let text = sample("uut-wsjf-export.json");
    let xml = sample("uut-wsxf-export.xml");
    let report = wats_report::wsjf::from_str(&text).unwrap();
    let id = report.id.unwrap();
    let server = serve(move |seen, _| {
        if seen.path == format!("/api/Report/Wsjf/{id}") {
            json(200, &text)
        } else if seen.path == format!("/api/Report/Wsxf/{id}") {
            with_headers(200, &[("content-type", "application/xml")], &xml)
        } else {
            json(404, r#"{"message":"Report not found"}"#)
        }
    })
    .await;
    let wats = server.client().build().unwrap();
    let opts = FetchOptions {
        detail_level: Some(7),
        include_chartdata: Some(false),
        include_attachments: Some(true),
        include_indexes: Some(true),
    };
    let got = wats.report().get_wsjf(id, &opts).await.unwrap().unwrap();
    assert_eq!(got, report, "the export reads back equal");
    let seen = server.last();
    assert_eq!(seen.param("detailLevel").as_deref(), Some("7"));
    assert_eq!(seen.param("includeChartdata").as_deref(), Some("false"));
    assert_eq!(seen.param("includeAttachments").as_deref(), Some("true"));
    assert_eq!(seen.param("includeIndexes"), None, "WSXF only");

    let bytes = wats.report().get_wsxf(id, &opts).await.unwrap().unwrap();
    let seen = server.last();
    assert_eq!(seen.header("accept"), Some("application/xml"));
    assert_eq!(seen.param("includeIndexes").as_deref(), Some("true"));
    assert_eq!(wats_report::wsxf::from_slice(&bytes).unwrap().id, Some(id));

    let missing = Uuid::new_v4();
    assert!(wats
        .report()
        .get_wsjf(missing, &opts)
        .await
        .unwrap()
        .is_none());
    assert!(wats
        .report()
        .get_wsxf(missing, &opts)
        .await
        .unwrap()
        .is_none());
    let err = wats
        .report()
        .get_wsjf_strict(missing, &opts)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::NotFound { message } if message == "Report not found"),
        "{err:?}"
    );

    let bad = FetchOptions::detail(8);
    assert!(matches!(
        wats.report().get_wsjf(id, &bad).await,
        Err(Error::Config(_))
    ));
}

#[tokio::test]
async fn a_malformed_report_is_a_decode_error_with_a_path() {
    let server = serve(|_, _| json(200, r#"{"type":"T","id":"not-a-guid"}"#)).await;
    let wats = server.client().build().unwrap();
    let err = wats
        .report()
        .get_wsjf(Uuid::new_v4(), &FetchOptions::default())
        .await
        .unwrap_err();
    match err {
        Error::Decode { path, message } => {
            assert!(path.starts_with("/api/Report/Wsjf/"), "{path}");
            assert!(message.contains("id"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

fn headers_json(skip: usize, top: usize, total: usize) -> String {
    let items: Vec<serde_json::Value> = (skip..total.min(skip + top))
        .map(|i| {
            serde_json::json!({
                "uuid": Uuid::from_u128(i as u128).to_string(),
                "serialNumber": format!("SN{i}"),
                "partNumber": "PN",
                "reportType": "T",
                "start": "2026-01-30T21:01:41Z",
                "result": "Passed",
                "processCode": 100,
            })
        })
        .collect();
    serde_json::to_string(&items).unwrap()
}

#[tokio::test]
async fn header_queries_quote_and_page() {
    let server = serve(|seen, _| {
        let n = |k: &str, d: usize| seen.param(k).map_or(d, |v| v.parse().unwrap());
        json(200, &headers_json(n("$skip", 0), n("$top", 10), 25))
    })
    .await;
    let wats = server.client().build().unwrap();
    let since = chrono::DateTime::parse_from_rfc3339("2026-01-01T01:00:00+01:00").unwrap();
    let filter = fields::SERIAL_NUMBER
        .eq("O'Brien")
        .and(fields::START.ge(since))
        .and(fields::SUB_UNITS.any("s", field("s/partNumber").eq("PN-2")));
    let got = wats
        .report()
        .headers(
            HeaderQuery::uut()
                .filter(filter)
                .order_by("start desc")
                .expand("subUnits")
                .expand("miscInfo")
                .top(5),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(got.len(), 5);
    assert_eq!(got[0].serial_number.as_deref(), Some("SN0"));
    let seen = server.last();
    assert_eq!(seen.path, "/api/Report/Query/Header");
    assert_eq!(seen.param("reportType").as_deref(), Some("U"));
    assert_eq!(
        seen.param("$filter").as_deref(),
        Some("serialNumber eq 'O''Brien' and start ge 2026-01-01T00:00:00Z and subUnits/any(s: s/partNumber eq 'PN-2')")
    );
    // Spaces travel as %20 (not `+`), quotes as %27 (the URL parser's choice for `'`).
    assert!(
        seen.query
            .contains("$filter=serialNumber%20eq%20%27O%27%27Brien%27"),
        "{}",
        seen.query
    );
    assert_eq!(seen.param("$orderby").as_deref(), Some("start desc"));
    assert_eq!(seen.param("$expand").as_deref(), Some("subUnits,miscInfo"));

    // Over WATS's $top maximum: refused before sending.
    let n = server.hits();
    let err = wats
        .report()
        .headers(HeaderQuery::uut().top(10_001))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)));
    assert_eq!(server.hits(), n);

    // Paging: 25 headers in pages of 10.
    let all: Vec<_> = wats
        .report()
        .headers(HeaderQuery::uur().order_by("uuid").page_size(10))
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 25);
    assert_eq!(all[24].serial_number.as_deref(), Some("SN24"));
    let pages: Vec<_> = server.requests()[n..]
        .iter()
        .map(|s| {
            (
                s.param("reportType").unwrap(),
                s.param("$skip").unwrap(),
                s.param("$top").unwrap(),
            )
        })
        .collect();
    let page = |skip: &str| ("R".to_owned(), skip.to_owned(), "10".to_owned());
    assert_eq!(pages, vec![page("0"), page("10"), page("20")]);

    // A limit and a start.
    let some = wats
        .report()
        .headers(HeaderQuery::uut().skip(3).top(12).page_size(5))
        .all()
        .await
        .unwrap();
    assert_eq!(some.len(), 12);
    assert_eq!(some[0].serial_number.as_deref(), Some("SN3"));
}

#[tokio::test]
async fn headers_by_misc_info() {
    let server = serve(|_, _| json(200, &headers_json(0, 2, 2))).await;
    let wats = server.client().build().unwrap();
    let got = wats
        .report()
        .headers_by_misc_info("Firmware", "1.2 & up", Some(50))
        .await
        .unwrap();
    assert_eq!(got.len(), 2);
    let seen = server.last();
    assert_eq!(seen.path, "/api/Report/Query/HeaderByMiscInfo");
    assert_eq!(seen.param("description").as_deref(), Some("Firmware"));
    assert_eq!(seen.param("stringValue").as_deref(), Some("1.2 & up"));
    assert_eq!(seen.param("data").as_deref(), Some("1.2 & up"));
    assert_eq!(seen.param("$top").as_deref(), Some("50"));
}

#[tokio::test]
async fn attachments_and_certificates() {
    let server = serve(|seen, _| match seen.path.as_str() {
        "/api/Report/Attachment"
        | "/api/Report/Certificate/00000000-0000-0000-0000-000000000007" => with_headers(
            200,
            &[("content-type", "application/octet-stream")],
            "\u{1}bytes",
        ),
        p if p.starts_with("/api/Report/Attachments/") => {
            with_headers(200, &[("content-type", "application/zip")], "PK")
        }
        _ => json(404, ""),
    })
    .await;
    let wats = server.client().build().unwrap();
    let id = Uuid::from_u128(7);
    let a = wats
        .report()
        .attachment(id, AttachmentRef::Step(12))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&a[..], b"\x01bytes");
    let seen = server.last();
    assert_eq!(
        seen.param("reportId").as_deref(),
        Some("00000000-0000-0000-0000-000000000007")
    );
    assert_eq!(seen.param("stepId").as_deref(), Some("12"));
    assert_eq!(seen.header("accept"), Some("*/*"));

    let att = Uuid::from_u128(9);
    wats.report()
        .attachment(id, AttachmentRef::Id(att))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(server.last().param("attachmentId"), Some(att.to_string()));

    assert_eq!(
        &wats.report().attachments_zip(id).await.unwrap().unwrap()[..],
        b"PK"
    );
    assert_eq!(server.last().path, format!("/api/Report/Attachments/{id}"));
    assert!(wats.report().certificate(id).await.unwrap().is_some());
    assert!(wats
        .report()
        .certificate(Uuid::from_u128(8))
        .await
        .unwrap()
        .is_none());
}
