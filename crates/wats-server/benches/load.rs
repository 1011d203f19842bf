//! Load: reports/s and submission latency (p50/p99) for one and two `wats-server` processes on
//! one PostgreSQL database, at 8 and 32 concurrent submitters, and for one server on SQLite.
//!
//! ```sh
//! cargo bench -p wats-server --bench load                    # 3,000 reports per row
//! WATS_BENCH_REPORTS=10000 cargo bench -p wats-server --bench load
//! WATS_TEST_DATABASE_URL=postgres://user:pw@host/db cargo bench -p wats-server --bench load
//! ```
//!
//! The servers are the release binary, as separate processes; the submitters are tokio tasks
//! in this process posting WSJF over loopback (reports of 50 numeric steps, ~10 kB). Without
//! `WATS_TEST_DATABASE_URL`, PostgreSQL is a throwaway cluster started with `fsync=off` (as the
//! tests start it): its commits cost no disk flush, while SQLite's do (`synchronous = FULL`),
//! so compare PostgreSQL rows with each other, and SQLite with its own earlier figures.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/common/process.rs"]
mod process;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{PASSWORD, USER};
use process::Process;
use serde_json::{json, Value};

fn report(i: usize) -> String {
    let steps: Vec<Value> = (0..50)
        .map(|k| {
            json!({"id": k + 2, "group": "M", "stepType": "ET_NLT", "name": format!("Step {k}"),
                   "status": "P", "numericMeas": [{"compOp": "GELE", "status": "P", "unit": "V",
                   "value": 1.0 + k as f64 * 1e-3, "lowLimit": 0.9, "highLimit": 1.1}]})
        })
        .collect();
    json!({
        "type": "T", "id": uuid::Uuid::new_v4(), "pn": "LOAD-PN", "sn": format!("LOAD-{}", i / 3),
        "rev": "A", "processCode": 10, "result": "P", "machineName": "ST1", "location": "Lab",
        "purpose": "Load", "start": format!("2026-05-01T{:02}:{:02}:{:02}+00:00", (i / 3600) % 24, (i / 60) % 60, i % 60),
        "uut": {"user": "op"},
        "root": {"id": 1, "group": "M", "stepType": "SequenceCall", "name": "Main", "status": "P",
                 "steps": steps}
    })
    .to_string()
}

struct Row {
    rate: f64,
    p50: Duration,
    p99: Duration,
    failed: usize,
}

async fn run(bases: &[String], submitters: usize, reports: usize) -> Row {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let bodies: Arc<Vec<String>> = Arc::new((0..reports).map(report).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for k in 0..submitters {
        let (client, bodies, next, failed) =
            (client.clone(), bodies.clone(), next.clone(), failed.clone());
        let base = bases[k % bases.len()].clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let t = Instant::now();
                let ok = client
                    .post(format!("{base}/api/Report/WSJF"))
                    .basic_auth(USER, Some(PASSWORD))
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                latencies.push(t.elapsed());
                if !ok {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = start.elapsed();
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Row {
        rate: reports as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
        failed: failed.load(Ordering::Relaxed),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let reports: usize = std::env::var("WATS_BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let client = reqwest::Client::new();
    println!("{reports} reports of 50 numeric steps per row; servers are separate processes");
    println!("| backend | servers | submitters | reports/s | p50 ms | p99 ms | failed |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut configs = vec![("sqlite", 1, 8), ("sqlite", 1, 32)];
    for servers in [1, 2] {
        for submitters in [8, 32] {
            configs.push(("postgres", servers, submitters));
        }
    }
    for (backend, servers, submitters) in configs {
        let dir = tempfile::tempdir().unwrap();
        let database = match backend {
            "sqlite" => dir.path().display().to_string(),
            _ => {
                match common::postgres_database().await {
                    Some(url) => url,
                    None => {
                        println!("| postgres | {servers} | {submitters} | skipped: no PostgreSQL | | | |");
                        continue;
                    }
                }
            }
        };
        let mut procs: Vec<Process> = (0..servers).map(|_| Process::spawn(&database)).collect();
        for p in &mut procs {
            p.wait_ready(&client).await;
        }
        let bases: Vec<String> = procs.iter().map(|p| p.base.clone()).collect();
        let row = run(&bases, submitters, reports).await;
        println!(
            "| {backend} | {servers} | {submitters} | {:.0} | {:.1} | {:.1} | {} |",
            row.rate,
            row.p50.as_secs_f64() * 1e3,
            row.p99.as_secs_f64() * 1e3,
            row.failed
        );
        drop(procs);
    }
}
