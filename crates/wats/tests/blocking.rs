//! The blocking facade: same calls, same errors, same layers, no async in sight.

mod common;

use std::time::Duration;

use common::{json, sample, serve, Server};
use uuid::Uuid;
use wats::report::{FetchOptions, HeaderQuery};
use wats::Error;

/// The server runs on its own runtime; the test thread stays synchronous.
fn start(
    respond: impl Fn(&common::Seen, usize) -> axum::response::Response + Send + Sync + 'static,
) -> (tokio::runtime::Runtime, Server) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(serve(respond));
    (rt, server)
}

fn client(server: &Server) -> wats::blocking::Wats {
    wats::blocking::Wats::builder()
        .base_url(server.url())
        .credentials("user", "pw")
        .no_proxy()
        .retry(common::fast_retry(3))
        .build()
        .unwrap()
}

#[test]
fn blocking_calls_with_retries_and_errors() {
    let text = sample("uut-wsjf-export.json");
    let report = wats_report::wsjf::from_str(&text).unwrap();
    let id = report.id.unwrap();
    let (_rt, server) = start(move |seen, i| match seen.path.as_str() {
        "/api/App/Version" if i == 0 => json(503, ""),
        "/api/App/Version" => json(200, r#""2025.3.9.824""#),
        "/api/App/Processes" => json(
            200,
            r#"[{"code":100,"name":"PCBA test","isTestOperation":true}]"#,
        ),
        "/api/Report/WSJF" => json(200, &format!(r#"{{"ID":"{id}"}}"#)),
        "/api/Report/Query/Header" => {
            let skip: usize = seen.param("$skip").map_or(0, |v| v.parse().unwrap());
            let top: usize = seen.param("$top").map_or(10, |v| v.parse().unwrap());
            let items: Vec<_> = (skip..7.min(skip + top))
                .map(|i| serde_json::json!({"serialNumber": format!("SN{i}")}))
                .collect();
            json(200, &serde_json::to_string(&items).unwrap())
        }
        p if p == format!("/api/Report/Wsjf/{id}") => json(200, &text),
        _ => json(404, r#"{"message":"nope"}"#),
    });
    let wats = client(&server);
    assert_eq!(wats.app().version().unwrap(), "2025.3.9.824");
    assert_eq!(server.hits(), 2, "the 503 was retried");

    let test = wats.process().test_operation("pcba test").unwrap().unwrap();
    assert_eq!(test.code, Some(100));

    assert_eq!(wats.report().submit(&report).unwrap().id, Some(id));
    let back = wats
        .report()
        .get_wsjf(id, &FetchOptions::default())
        .unwrap();
    assert_eq!(back, Some(report));
    assert!(wats
        .report()
        .get_wsjf(Uuid::new_v4(), &FetchOptions::default())
        .unwrap()
        .is_none());
    assert!(matches!(
        wats.report()
            .get_wsjf_strict(Uuid::new_v4(), &FetchOptions::default()),
        Err(Error::NotFound { .. })
    ));

    let serials: Vec<String> = wats
        .report()
        .headers(HeaderQuery::uut().page_size(3))
        .iter()
        .map(|h| h.unwrap().serial_number.unwrap())
        .collect();
    assert_eq!(
        serials,
        (0..7).map(|i| format!("SN{i}")).collect::<Vec<_>>()
    );
}

#[test]
fn blocking_client_is_shared_between_threads() {
    let (_rt, server) = start(|_, _| json(200, r#""1""#));
    let wats = client(&server);
    std::thread::scope(|s| {
        for _ in 0..4 {
            let wats = wats.clone();
            s.spawn(move || {
                for _ in 0..5 {
                    wats.app().version().unwrap();
                }
            });
        }
    });
    // The version endpoint is never cached.
    assert_eq!(server.hits(), 20);
}

#[test]
fn blocking_timeout() {
    let (_rt, server) = start(|_, _| {
        std::thread::sleep(Duration::from_millis(300));
        json(200, "[]")
    });
    let wats = wats::blocking::Wats::builder()
        .base_url(server.url())
        .token("dGVzdDp0ZXN0")
        .no_proxy()
        .no_retry()
        .timeout(Duration::from_millis(50))
        .build()
        .unwrap();
    assert!(matches!(wats.app().levels(), Err(Error::Timeout(_))));
}
