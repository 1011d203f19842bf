//! The SDK against a real `wats-server` on loopback, on SQLite and on PostgreSQL (skipped with a
//! message when PostgreSQL is absent; failed instead when `WATS_REQUIRE_POSTGRES=1`).

#[path = "../../wats-server/tests/common/mod.rs"]
mod server;

use futures_util::TryStreamExt;
use server::{Backend, TestServer, PASSWORD, USER};
use wats::odata::field;
use wats::report::{FetchOptions, HeaderQuery};
use wats::{Error, Wats};
use wats_report::builder::ReportBuilder;
use wats_report::{wsjf, Report, Status};

fn client(s: &TestServer) -> Wats {
    Wats::builder()
        .base_url(&s.base)
        .credentials(USER, PASSWORD)
        .no_rate_limit()
        .build()
        .unwrap()
}

/// A report as the server keeps it, without what the server fills in.
fn comparable(report: &Report) -> serde_json::Value {
    let mut v = serde_json::to_value(report.for_submission()).unwrap();
    server::drop_keys(
        &mut v,
        &[
            "startUTC",
            "origin",
            "processName",
            "productName",
            "assetStats",
            "uur.active",
            "uur.processName",
            "binaryData",
        ],
    );
    strip_empty(v)
}

fn strip_empty(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
                .map(|(k, v)| (k, strip_empty(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_empty).collect()),
        other => other,
    }
}

fn uut(sn: &str, pn: &str) -> Report {
    let mut b =
        ReportBuilder::uut(pn, sn, "A", 10)
            .operator("sdk")
            .station("sdk-station", "lab", "Test");
    b.group("Power")
        .add_step("3V3", 3.3)
        .unit("V")
        .limits(3.2, 3.4);
    b.add_step("Self test", true);
    b.build().unwrap()
}

async fn roundtrip_samples(s: &TestServer) {
    let wats = client(s);
    assert!(!wats.app().version().await.unwrap().is_empty());
    let repair = wats
        .process()
        .by_code(500)
        .await
        .unwrap()
        .expect("process 500");
    assert_eq!(repair.name.as_deref(), Some("Repair"));
    for name in ["uut-wsjf-export.json", "uur-example.json"] {
        let text = String::from_utf8(server::sample(&format!("wats/{name}"))).unwrap();
        let report = wsjf::from_str(&text).unwrap();
        let result = wats.report().submit(&report).await.unwrap();
        assert_eq!(result.id.or(result.uuid), report.id, "{name}");
        let back = wats
            .report()
            .get_wsjf_strict(report.id.unwrap(), &FetchOptions::default())
            .await
            .unwrap();
        server::assert_json_eq(&comparable(&back), &comparable(&report), name);
    }
    // WSXF in, the same report out.
    let r = uut("SDK-XML-1", "SDK-PN");
    wats.report().submit_as_wsxf(&r).await.unwrap();
    let back = wats
        .report()
        .get_wsjf_strict(r.id.unwrap(), &FetchOptions::default())
        .await
        .unwrap();
    server::assert_json_eq(&comparable(&back), &comparable(&r), "wsxf");
}

async fn queries_page(s: &TestServer) {
    let wats = client(s);
    let pn = format!("PAGE-{}", std::process::id());
    for i in 0..25 {
        wats.report()
            .submit(&uut(&format!("SN-{i:03}"), &pn))
            .await
            .unwrap();
    }
    let query = HeaderQuery::uut()
        .filter(field("partNumber").eq(pn.as_str()))
        .page_size(10);
    let all: Vec<_> = wats
        .report()
        .headers(query)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 25);
    let mut serials: Vec<_> = all
        .iter()
        .map(|h| h.serial_number.clone().unwrap())
        .collect();
    serials.sort();
    serials.dedup();
    assert_eq!(serials.len(), 25, "every report once across pages");
    let one = wats
        .report()
        .headers(
            HeaderQuery::uut().filter(
                field("serialNumber")
                    .eq("SN-007")
                    .and(field("partNumber").eq(pn.as_str())),
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
}

async fn errors_map(s: &TestServer) {
    let bad = Wats::builder()
        .base_url(&s.base)
        .credentials(USER, "wrong")
        .no_retry()
        .build()
        .unwrap();
    assert!(matches!(
        bad.app().version().await,
        Err(Error::Unauthorized { .. })
    ));
    let wats = client(s);
    let missing = wats_report::Uuid::new_v4();
    assert!(wats
        .report()
        .get_wsjf(missing, &FetchOptions::default())
        .await
        .unwrap()
        .is_none());
    assert!(matches!(
        wats.report()
            .get_wsjf_strict(missing, &FetchOptions::default())
            .await,
        Err(Error::NotFound { .. })
    ));
    let mut invalid = uut("SN-BAD", "PN-BAD");
    invalid.pn = None;
    match wats.report().submit(&invalid).await {
        Err(Error::Validation { message, .. }) => assert!(message.contains("pn"), "{message}"),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

async fn uur_for_a_failed_uut(s: &TestServer) {
    let wats = client(s);
    let mut b = ReportBuilder::uut("UUR-PN", "UUR-SN-1", "A", 10);
    b.add_step("5V", 5.6).limits(4.8, 5.2);
    let failed = b.build().unwrap();
    assert_eq!(failed.result, Some(Status::Failed));
    wats.report().submit(&failed).await.unwrap();
    let mut repair = ReportBuilder::uur_from(&failed, 500).operator("fixer");
    repair.failure(0, "Component", "Burned Component").com_ref = Some("U1".into());
    let uur = repair.build().unwrap();
    wats.report().submit_uur(&uur).await.unwrap();
    let back = wats
        .report()
        .get_wsjf_strict(uur.id.unwrap(), &FetchOptions::default())
        .await
        .unwrap();
    assert_eq!(back.uur.as_ref().unwrap().ref_uut, failed.id);
    let uut_back = wats
        .report()
        .get_wsjf_strict(failed.id.unwrap(), &FetchOptions::default())
        .await
        .unwrap();
    let refs = uut_back.uut.unwrap().referenced_by_uurs.unwrap_or_default();
    assert!(refs.iter().any(|r| r.id == uur.id));
}

both_backends!(
    super::server::start;
    roundtrip_samples,
    queries_page,
    errors_map,
    uur_for_a_failed_uut
);

/// The blocking facade against the same server.
#[test]
fn blocking_facade() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let s = rt.block_on(server::start(Backend::Sqlite)).unwrap();
    let base = s.base.clone();
    std::thread::spawn(move || {
        let wats = wats::blocking::Wats::builder()
            .base_url(base)
            .credentials(USER, PASSWORD)
            .no_rate_limit()
            .build()
            .unwrap();
        assert!(!wats.app().version().unwrap().is_empty());
        let r = uut("SDK-BLOCK-1", "SDK-BLOCK");
        wats.report().submit(&r).unwrap();
        let back = wats
            .report()
            .get_wsjf(r.id.unwrap(), &FetchOptions::default())
            .unwrap()
            .unwrap();
        assert_eq!(back.sn.as_deref(), Some("SDK-BLOCK-1"));
        assert!(wats
            .report()
            .get_wsjf(wats_report::Uuid::new_v4(), &FetchOptions::default())
            .unwrap()
            .is_none());
    })
    .join()
    .unwrap();
    rt.block_on(s.stop());
}
