//! Memory under large bodies, large fetches and concurrent wrong passwords (RSS from /proc).

use super::*;

/// Large reports share a memory budget: four at once queue (the budget's peak stays at its
/// size), all are stored, and a small report is not held up behind them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_bodies_queue_under_the_shared_budget() {
    let _x = EXCLUSIVE.write().await;
    let budget = 8 * 1024 * 1024;
    let s = start(Limits {
        body_budget_bytes: budget,
        ..limits()
    })
    .await;
    let bodies: Vec<String> = (0..4).map(|_| large_report().1.to_string()).collect();
    assert!(bodies[0].len() > 5_000_000);
    let rss_before = rss_bytes();
    let started = Instant::now();
    let giants = at_once(&s, 4, |c, i| {
        c.post(s.url("/api/Report/WSJF"))
            .basic_auth(USER, Some(PASSWORD))
            .body(bodies[i].clone())
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let small_started = Instant::now();
    assert_serving(&s).await;
    let small = small_started.elapsed();
    for g in giants {
        assert_eq!(g.await.unwrap().0, 200);
    }
    let all = started.elapsed();
    let peak = metric(&s, "wats_body_budget_bytes_peak").await;
    assert!(peak <= budget as f64, "budget peak {peak} over {budget}");
    assert!(peak > 5e6, "the large lane was used ({peak})");
    assert_eq!(metric(&s, "wats_body_budget_bytes_in_use").await, 0.0);
    let grown = rss_bytes().saturating_sub(rss_before);
    eprintln!(
        "4 large reports: {all:?}; small request {small:?}; RSS +{} MiB",
        grown >> 20
    );
    assert!(grown < 400 << 20, "RSS grew by {} MiB", grown >> 20);
    s.stop().await;
}

/// Reading a large report back costs about as much as storing it: fetches take their share of
/// the same budget (two of 5.2 MB fit in 12 MiB; eight at once never exceed it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_fetches_share_the_budget() {
    let _x = EXCLUSIVE.write().await;
    let budget = 12 * 1024 * 1024;
    let s = start(Limits {
        body_budget_bytes: budget,
        ..limits()
    })
    .await;
    let (id, r) = large_report();
    let (status, body) = s.submit(r.to_string(), "WSJF").await;
    assert_eq!(status, 200, "{body}");
    let one = metric(&s, "wats_body_budget_bytes_peak").await;
    assert!(one > 5e6, "{one}");
    let fetches = at_once(&s, 8, |c, _| {
        c.get(s.url(&format!("/api/Report/Wsjf/{id}")))
            .basic_auth(USER, Some(PASSWORD))
    });
    for f in fetches {
        let (status, len) = f.await.unwrap();
        assert_eq!(status, 200);
        assert!(len > 5_000_000);
    }
    let peak = metric(&s, "wats_body_budget_bytes_peak").await;
    assert!(peak > 1.5 * one, "fetches did not take the budget ({peak})");
    assert!(peak <= budget as f64, "budget peak {peak} over {budget}");
    assert_eq!(metric(&s, "wats_body_budget_bytes_in_use").await, 0.0);
    s.stop().await;
}

/// 400 concurrent wrong passwords: Argon2 runs one at a time, RSS stays bounded, and a station
/// whose token is verified already is answered meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_wrong_passwords_keep_memory_bounded() {
    let _x = EXCLUSIVE.write().await;
    let s = start(Limits {
        argon2_concurrency: 1,
        login_failures_per_user: 1_000,
        login_failures_per_address: 1_000,
        // 400 client connections in this process can wait for a core longer than 500 ms.
        header_timeout: Duration::from_secs(10),
        ..limits()
    })
    .await;
    assert_serving(&s).await; // verifies (and remembers) the right token
    let rss_before = rss_bytes();
    let attempts = at_once(&s, 400, |c, i| {
        c.get(s.url("/api/App/Version"))
            .basic_auth(format!("user{}", i % 7), Some("wrong"))
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut peak = 0;
    let started = Instant::now();
    let (status, _) = s.get("/api/App/Version").await;
    let valid = started.elapsed();
    assert_eq!(status, 200);
    // Tens of milliseconds on an idle machine; 1.3 s was seen with 7 builds on 2 cores. Queued
    // behind 400 verifications it would take 3-5 s.
    assert!(
        valid < Duration::from_secs(2),
        "valid token answered in {valid:?}"
    );
    for a in attempts {
        peak = peak.max(rss_bytes());
        assert_eq!(a.await.unwrap().0, 401);
    }
    let grown = peak.saturating_sub(rss_before);
    eprintln!(
        "400 wrong passwords: RSS +{} MiB; valid token in {valid:?}",
        grown >> 20
    );
    assert!(grown < 200 << 20, "RSS grew by {} MiB", grown >> 20);
    assert!(metric(&s, "wats_logins_failed_total").await >= 400.0);
    s.stop().await;
}
