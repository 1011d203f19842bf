//! Fault tests: each resilience layer against a real HTTP server on loopback that injects the
//! fault (503s, dropped connections, 400, 429 with Retry-After, slow answers, failures then
//! recovery) and counts what arrived.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{json, serve, serve_dropping, with_headers};
use wats::report::FetchOptions;
use wats::{BreakerConfig, BreakerState, CacheConfig, Error, RateLimit};

const VERSION: &str = r#""2025.3.9.824""#;

#[tokio::test]
async fn retries_503_then_succeeds() {
    let server = serve(|_, i| {
        if i < 2 {
            json(503, "")
        } else {
            json(200, VERSION)
        }
    })
    .await;
    let wats = server.client().build().unwrap();
    assert_eq!(wats.app().version().await.unwrap(), "2025.3.9.824");
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn gives_up_after_max_attempts_with_the_last_status() {
    let server = serve(|_, _| json(502, r#"{"Message":"bad gateway"}"#)).await;
    let wats = server.client().no_circuit_breaker().build().unwrap();
    let err = wats.app().levels().await.unwrap_err();
    assert!(
        matches!(&err, Error::Server { status, .. } if status.as_u16() == 502),
        "{err:?}"
    );
    assert!(err.to_string().contains("bad gateway"), "{err}");
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn retries_dropped_connections() {
    let server = serve_dropping(2, |_, _| json(200, VERSION)).await;
    let wats = server.client().build().unwrap();
    assert_eq!(wats.app().version().await.unwrap(), "2025.3.9.824");
    assert_eq!(server.connections.load(Ordering::SeqCst), 3);
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn dropped_connections_surface_as_connection_errors_when_retries_run_out() {
    let server = serve_dropping(usize::MAX, |_, _| json(200, VERSION)).await;
    let wats = server.client().no_circuit_breaker().build().unwrap();
    let err = wats.app().version().await.unwrap_err();
    assert!(matches!(err, Error::Connection(_)), "{err:?}");
    assert!(err.is_transient());
    assert_eq!(server.connections.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn no_retry_on_400_and_the_field_is_named() {
    let server = serve(|_, _| {
        json(
            400,
            r#"{"Message":"The request is invalid.","ModelState":{"sn":["The sn field is required."]}}"#,
        )
    })
    .await;
    let wats = server.client().build().unwrap();
    let err = wats.app().levels().await.unwrap_err();
    match &err {
        Error::Validation { message, field } => {
            assert_eq!(field.as_deref(), Some("sn"));
            assert!(message.contains("The sn field is required."), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.is_transient());
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn honours_retry_after_on_429() {
    let server = serve(|_, i| {
        if i == 0 {
            with_headers(429, &[("retry-after", "1")], "slow down")
        } else {
            json(200, VERSION)
        }
    })
    .await;
    let wats = server.client().build().unwrap();
    let start = Instant::now();
    wats.app().version().await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_returned_not_waited_out() {
    let server = serve(|_, _| with_headers(429, &[("retry-after", "120")], "slow down")).await;
    let wats = server.client().build().unwrap();
    let start = Instant::now();
    let err = wats.app().version().await.unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1));
    match err {
        Error::Server {
            status,
            retry_after,
            ..
        } => {
            assert_eq!(status.as_u16(), 429);
            assert_eq!(retry_after, Some(Duration::from_secs(120)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn posts_are_not_retried_unless_idempotent() {
    let server = serve(|_, _| json(503, "")).await;
    let wats = server.client().no_circuit_breaker().build().unwrap();
    // Raw WSXF: the SDK cannot know the id, so a 503 is not retried.
    let err = wats.report().submit_wsxf("<Reports/>").await.unwrap_err();
    assert!(err.is_transient());
    assert_eq!(server.hits(), 1);
    // A WSJF report with an id is idempotent: retried.
    let report = wats_report::wsjf::from_str(&common::sample("uut-wsjf-export.json")).unwrap();
    wats.report().submit(&report).await.unwrap_err();
    assert_eq!(server.hits(), 4);
}

#[tokio::test]
async fn report_submission_survives_a_503() {
    let report = wats_report::wsjf::from_str(&common::sample("uut-wsjf-export.json")).unwrap();
    let id = report.id.unwrap();
    let server = serve(move |_, i| {
        if i == 0 {
            json(503, "")
        } else {
            json(
                200,
                &format!(r#"{{"ID":"{id}","uuid":"{id}","Report_ID":1}}"#),
            )
        }
    })
    .await;
    let wats = server.client().build().unwrap();
    let result = wats.report().submit(&report).await.unwrap();
    assert_eq!(result.id, Some(id));
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].body, seen[1].body,
        "the replay sends the same report"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_are_retried_for_gets_and_reported() {
    let server = serve(|_, _| {
        // A slow server (blocking one worker thread is enough for the test).
        std::thread::sleep(Duration::from_millis(400));
        json(200, VERSION)
    })
    .await;
    let wats = server
        .client()
        .timeout(Duration::from_millis(100))
        .retry(common::fast_retry(2))
        .no_circuit_breaker()
        .build()
        .unwrap();
    let err = wats.app().version().await.unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn breaker_opens_on_5xx_and_closes_after_the_cool_down() {
    let healthy = Arc::new(AtomicBool::new(false));
    let h = healthy.clone();
    let server = serve(move |_, _| {
        if h.load(Ordering::SeqCst) {
            json(200, VERSION)
        } else {
            json(500, r#"{"message":"db down"}"#)
        }
    })
    .await;
    let wats = server
        .client()
        .no_retry()
        .no_cache()
        .circuit_breaker(BreakerConfig {
            failure_threshold: 3,
            cool_down: Duration::from_millis(300),
        })
        .build()
        .unwrap();
    for _ in 0..3 {
        let err = wats.app().levels().await.unwrap_err();
        assert!(matches!(err, Error::Server { .. }), "{err:?}");
    }
    assert_eq!(wats.breaker_state(), Some(BreakerState::Open));
    let err = wats.app().levels().await.unwrap_err();
    assert!(matches!(err, Error::CircuitOpen { .. }), "{err:?}");
    assert!(err.is_transient());
    assert_eq!(server.hits(), 3, "an open breaker sends nothing");

    // After the cool-down a failing probe re-opens it…
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(wats.breaker_state(), Some(BreakerState::HalfOpen));
    wats.app().levels().await.unwrap_err();
    assert_eq!(wats.breaker_state(), Some(BreakerState::Open));
    assert_eq!(server.hits(), 4);

    // …and a successful one closes it.
    healthy.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(wats.app().version().await.unwrap(), "2025.3.9.824");
    assert_eq!(wats.breaker_state(), Some(BreakerState::Closed));
    wats.app().version().await.unwrap();
}

#[tokio::test]
async fn client_errors_do_not_open_the_breaker() {
    let server = serve(|_, _| json(404, r#"{"message":"no such report"}"#)).await;
    let wats = server
        .client()
        .circuit_breaker(BreakerConfig {
            failure_threshold: 2,
            cool_down: Duration::from_secs(60),
        })
        .build()
        .unwrap();
    for _ in 0..5 {
        let got = wats
            .report()
            .get_wsjf(uuid::Uuid::new_v4(), &FetchOptions::default())
            .await
            .unwrap();
        assert!(got.is_none());
    }
    assert_eq!(wats.breaker_state(), Some(BreakerState::Closed));
    assert_eq!(server.hits(), 5);
}

#[tokio::test]
async fn rate_limit_holds() {
    let server = serve(|_, _| json(200, VERSION)).await;
    let wats = server
        .client()
        .rate_limit(RateLimit {
            max_requests: 3,
            window: Duration::from_millis(800),
        })
        .build()
        .unwrap();
    let start = Instant::now();
    let calls = (0..7).map(|_| {
        let wats = wats.clone();
        tokio::spawn(async move { wats.app().version().await.map(|_| Instant::now()) })
    });
    let mut done = Vec::new();
    for c in calls {
        done.push(c.await.unwrap().unwrap() - start);
    }
    done.sort();
    // 3 at once, 3 after one window, the 7th after two.
    assert!(done[2] < Duration::from_millis(800), "{done:?}");
    assert!(done[3] >= Duration::from_millis(800), "{done:?}");
    assert!(done[6] >= Duration::from_millis(1600), "{done:?}");
    assert_eq!(server.hits(), 7);
}

#[tokio::test]
async fn rate_limited_callers_do_not_block_the_runtime() {
    let server = serve(|_, _| json(200, VERSION)).await;
    let wats = server
        .client()
        .rate_limit(RateLimit {
            max_requests: 1,
            window: Duration::from_secs(30),
        })
        .build()
        .unwrap();
    wats.app().version().await.unwrap();
    let waiting = tokio::spawn({
        let wats = wats.clone();
        async move { wats.app().version().await }
    });
    // The runtime keeps serving other work while the second call waits for its slot.
    let t = Instant::now();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(t.elapsed() < Duration::from_millis(500));
    assert!(!waiting.is_finished());
    waiting.abort();
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn get_cache_serves_repeats_and_a_write_invalidates_its_resource() {
    let report = wats_report::wsjf::from_str(&common::sample("uut-wsjf-export.json")).unwrap();
    let id = report.id.unwrap();
    let body = common::sample("uut-wsjf-export.json");
    let server = serve(move |seen, _| match seen.path.as_str() {
        "/api/App/Levels" => json(200, r#"[{"levelId":1,"levelName":"PCBA"}]"#),
        "/api/Report/WSJF" => json(200, &format!(r#"{{"ID":"{id}"}}"#)),
        _ => json(200, &body),
    })
    .await;
    let wats = server.client().build().unwrap();
    let opts = FetchOptions::detail(7);
    let count = |path: &str| server.requests().iter().filter(|s| s.path == path).count();
    let wsjf_path = format!("/api/Report/Wsjf/{id}");

    wats.app().levels().await.unwrap();
    wats.app().levels().await.unwrap();
    wats.report().get_wsjf(id, &opts).await.unwrap().unwrap();
    wats.report().get_wsjf(id, &opts).await.unwrap().unwrap();
    assert_eq!((count("/api/App/Levels"), count(&wsjf_path)), (1, 1));
    // Different query, different entry.
    wats.report()
        .get_wsjf(id, &FetchOptions::detail(3))
        .await
        .unwrap();
    assert_eq!(count(&wsjf_path), 2);

    // A write to the report resource drops cached report GETs, not the App ones.
    wats.report().submit(&report).await.unwrap();
    wats.report().get_wsjf(id, &opts).await.unwrap().unwrap();
    wats.app().levels().await.unwrap();
    assert_eq!((count("/api/App/Levels"), count(&wsjf_path)), (1, 3));
}

#[tokio::test]
async fn get_cache_expires_and_can_be_turned_off() {
    let server = serve(|_, _| json(200, r#"[]"#)).await;
    let wats = server
        .client()
        .cache(CacheConfig {
            ttl: Duration::from_millis(200),
            ..CacheConfig::default()
        })
        .build()
        .unwrap();
    wats.app().levels().await.unwrap();
    wats.app().levels().await.unwrap();
    assert_eq!(server.hits(), 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    wats.app().levels().await.unwrap();
    assert_eq!(server.hits(), 2);

    let uncached = server.client().no_cache().build().unwrap();
    uncached.app().levels().await.unwrap();
    uncached.app().levels().await.unwrap();
    assert_eq!(server.hits(), 4);
}

#[tokio::test]
async fn errors_are_not_cached() {
    let server = serve(|_, i| {
        if i == 0 {
            json(404, "")
        } else {
            json(200, "[]")
        }
    })
    .await;
    let wats = server.client().build().unwrap();
    assert!(wats.app().levels().await.is_err());
    assert!(wats.app().levels().await.is_ok());
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn connection_refused_is_a_transient_connection_error() {
    // Bind and drop to get a port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let wats = wats::Wats::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .token("dGVzdDp0ZXN0")
        .no_proxy()
        .retry(common::fast_retry(2))
        .build()
        .unwrap();
    let err = wats.app().version().await.unwrap_err();
    assert!(matches!(err, Error::Connection(_)), "{err:?}");
    assert!(err.is_transient());
}
