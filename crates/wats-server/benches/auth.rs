//! Authenticated requests/s with a valid (cached) credential, per role: `GET /api/App/Version`
//! (the lightest route, so authentication and the role check are most of the work) and
//! `GET /api/App/Processes`, over loopback from 8 concurrent clients, one server on SQLite in
//! this process.
//!
//! ```sh
//! # a short run in the dev profile (no release build):
//! cargo bench -p wats-server --bench auth --profile dev
//! WATS_BENCH_REQUESTS=20000 cargo bench -p wats-server --bench auth --profile dev
//! ```
//!
//! Users and tokens are written to the database directly (SQL only), so that the HTTP part of
//! this file runs against a server from before roles existed: there, only the password admin
//! is measured (`WATS_BENCH_ADMIN_ONLY=1`, and drop the role-check timing at the end, which
//! needs `wats_server::authz`). Last, the role check alone is timed (1,000,000 lookups).

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use common::{Backend, PASSWORD, USER};
use sha2::Digest as _;

/// Inserts a user of `role` with a token; its Basic header.
async fn user(db: &sqlx::AnyPool, role: &str) -> String {
    let name = format!("bench-{role}");
    let id = uuid::Uuid::new_v4().to_string();
    let now = chrono::Utc::now().timestamp_micros();
    sqlx::query(
        "INSERT INTO users (user_id, username, role, active, created_utc, modified_utc) \
         VALUES ($1, $2, $3, 1, $4, $4)",
    )
    .bind(&id)
    .bind(&name)
    .bind(role)
    .bind(now)
    .execute(db)
    .await
    .unwrap();
    let secret = uuid::Uuid::new_v4().simple().to_string();
    let hash: String = sha2::Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    sqlx::query(
        "INSERT INTO user_tokens (token_id, user_id, token_hash, created_utc, expires_utc) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(&id)
    .bind(hash)
    .bind(now)
    .bind(now + 86_400_000_000)
    .execute(db)
    .await
    .unwrap();
    basic(&name, &secret)
}

fn basic(user: &str, secret: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"))
    )
}

async fn rate(base: &str, path: &str, header: &str, requests: usize) -> f64 {
    let client = reqwest::Client::new();
    let url = format!("{base}{path}");
    // Warm: the credential is verified once and cached.
    let r = client
        .get(&url)
        .header("authorization", header)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    let left = Arc::new(AtomicUsize::new(requests));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (client, url, header, left) =
            (client.clone(), url.clone(), header.to_owned(), left.clone());
        tasks.push(tokio::spawn(async move {
            while left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
            {
                let r = client
                    .get(&url)
                    .header("authorization", &header)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                r.bytes().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    requests as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let requests: usize = std::env::var("WATS_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000);
    let admin_only = std::env::var("WATS_BENCH_ADMIN_ONLY").is_ok_and(|v| v == "1");
    let s = common::start(Backend::Sqlite).await.unwrap();
    let mut who = vec![("admin (password)".to_owned(), basic(USER, PASSWORD))];
    if !admin_only {
        let db = s.db().await;
        for role in ["station", "operator", "engineer", "admin"] {
            who.push((format!("{role} (token)"), user(&db, role).await));
        }
        db.close().await;
    }
    println!("{requests} requests per row, 8 clients, SQLite, one server in this process");
    println!("| credential | /api/App/Version req/s | /api/App/Processes req/s |");
    println!("|---|---|---|");
    for (name, header) in &who {
        let v = rate(&s.base, "/api/App/Version", header, requests).await;
        let p = rate(&s.base, "/api/App/Processes", header, requests).await;
        println!("| {name} | {v:.0} | {p:.0} |");
    }
    s.stop().await;
    if !admin_only {
        // The role check alone: the table lookup every request makes.
        let n = 1_000_000u32;
        let started = Instant::now();
        for i in 0..n {
            let path = if i % 2 == 0 {
                "/api/Product/{partNumber}"
            } else {
                "/api/Report/WSJF"
            };
            let _ = std::hint::black_box(wats_server::authz::authorize(
                wats_server::authz::Role::Station,
                &axum::http::Method::POST,
                std::hint::black_box(path),
            ));
        }
        println!(
            "role check alone: {:.0} ns per request",
            started.elapsed().as_nanos() as f64 / f64::from(n)
        );
    }
}
