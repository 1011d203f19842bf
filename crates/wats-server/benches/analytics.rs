//! Analytics at scale: loads reports of 20 numeric steps over 90 days, 50 part numbers and 5
//! processes through the storage layer (`ingest::prepare` + `Store::save_report`, 16 at a
//! time, no HTTP), then times, cold (first call) and warm (third call):
//!
//! * `DynamicYield` by part number and day for 30 days;
//! * `TestStepAnalysis` for one part number and process;
//! * `AggregatedMeasurements` for one path;
//! * `TopFailed` for one product group;
//!
//! on SQLite and (when one is found as the tests find it) PostgreSQL, with the ingest rate
//! and the database size. "Cold" is the first call on a store opened afresh after the load
//! (the database's own cache empty; the operating system's file cache is not dropped);
//! PostgreSQL's tables are `ANALYZE`d first, as autovacuum would after a load.
//!
//! ```sh
//! cargo bench -p wats-server --bench analytics                         # 20,000 reports
//! WATS_BENCH_ANALYTICS_REPORTS=1000000 cargo bench -p wats-server --bench analytics
//! WATS_BENCH_ANALYTICS_BACKENDS=sqlite cargo bench -p wats-server --bench analytics
//! ```
//!
//! Each backend's data is deleted before the next starts (1,000,000 reports take about 5 GB
//! on SQLite).

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use serde_json::{json, Value};
use wats_server::store::analytics::{measurements, steps, yields};
use wats_server::store::{Backend, Store};
use wats_types::analytics::{DateGrouping, WatsFilter};

const DAYS: u64 = 90;
const PARTS: usize = 50;
const PROCESSES: [i64; 5] = [10, 20, 30, 40, 50];

/// Report `i`: unit `i / 6`-ish, process by unit, start spread over 90 days, 1 in 10 failing.
fn report(i: usize, n: usize) -> String {
    let unit = i / 2;
    let pn = format!("BENCH-{:02}", unit % PARTS);
    let code = PROCESSES[(unit / PARTS) % PROCESSES.len()];
    let span = DAYS * 86_400;
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
        + chrono::Duration::seconds((i as u64 * span / n.max(1) as u64) as i64);
    let fail = i % 10 == 3;
    let steps: Vec<Value> = (0..20)
        .map(|k| {
            let bad = fail && k == 7;
            let v = 5.0 + ((i * 31 + k * 7) % 100) as f64 * 1e-3 + if bad { 1.0 } else { 0.0 };
            let st = if bad { "F" } else { "P" };
            json!({"id": k + 2, "group": "M", "stepType": "ET_NLT", "name": format!("Step {k}"),
                   "status": st, "causedUUTFailure": bad,
                   "numericMeas": [{"compOp": "GELE", "status": st, "unit": "V", "value": v,
                                    "lowLimit": 4.5, "highLimit": 5.5}]})
        })
        .collect();
    let st = if fail { "F" } else { "P" };
    json!({
        "type": "T", "id": uuid::Uuid::new_v4(), "pn": pn, "sn": format!("B-{unit}"), "rev": "A",
        "processCode": code, "result": st, "machineName": format!("ST{}", i % 7),
        "location": "Lab", "purpose": "Bench", "start": at.to_rfc3339(), "uut": {"user": "op"},
        "root": {"id": 1, "group": "M", "stepType": "SequenceCall", "name": "Main", "status": st,
                 "steps": steps}
    })
    .to_string()
}

async fn load(store: &Arc<Store>, n: usize) -> f64 {
    let processes = store.processes().await.unwrap();
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (store, next, processes) = (store.clone(), next.clone(), processes.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let r = wats_report::wsjf::from_str(&report(i, n)).unwrap();
                let p = wats_server::ingest::prepare(r, &processes, "bench").unwrap();
                let doc = wats_report::wsjf::to_string(&p.report);
                store.save_report(p, &doc).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

async fn time<F, Fut>(mut f: F) -> (Duration, Duration, usize)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let t = Instant::now();
    let rows = f().await;
    let cold = t.elapsed();
    f().await;
    let t = Instant::now();
    f().await;
    (cold, t.elapsed(), rows)
}

async fn queries(store: &Arc<Store>) {
    let backend = store.backend();
    let now = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
    let month = WatsFilter {
        date_from: Some("2026-02-01T00:00:00Z".into()),
        date_to: Some("2026-03-03T00:00:00Z".into()),
        date_grouping: Some(DateGrouping::DAY),
        dimensions: Some("partNumber;period".into()),
        ..Default::default()
    };
    let one = WatsFilter {
        part_number: Some("BENCH-07".into()),
        test_operation: Some("ICT".into()),
        date_from: Some("2026-01-01T00:00:00Z".into()),
        ..Default::default()
    };
    let path = WatsFilter {
        part_number: Some("BENCH-07".into()),
        date_from: Some("2026-01-01T00:00:00Z".into()),
        ..Default::default()
    };
    let group = WatsFilter {
        product_group: Some("Bench group".into()),
        date_from: Some("2026-01-01T00:00:00Z".into()),
        ..Default::default()
    };
    let results = [
        (
            "DynamicYield pn x day, 30 days",
            time(|| async {
                let mut tx = store.product_read().await.unwrap();
                yields::dynamic_yield(&mut tx, backend, &month, now)
                    .await
                    .unwrap()
                    .len()
            })
            .await,
        ),
        (
            "TestStepAnalysis one pn + process",
            time(|| async {
                let mut tx = store.product_read().await.unwrap();
                steps::step_analysis(&mut tx, backend, &one, now)
                    .await
                    .unwrap()
                    .len()
            })
            .await,
        ),
        (
            "AggregatedMeasurements one path",
            time(|| async {
                let mut tx = store.product_read().await.unwrap();
                measurements::aggregated(&mut tx, backend, &path, Some("Main¶Step 7"), now)
                    .await
                    .unwrap()
                    .len()
            })
            .await,
        ),
        (
            "TopFailed one product group",
            time(|| async {
                let mut tx = store.product_read().await.unwrap();
                steps::top_failed(&mut tx, backend, &group, now)
                    .await
                    .unwrap()
                    .len()
            })
            .await,
        ),
    ];
    for (name, (cold, warm, rows)) in results {
        println!(
            "  {name:<36} cold {:>8.1} ms  warm {:>8.1} ms  ({rows} rows)",
            cold.as_secs_f64() * 1e3,
            warm.as_secs_f64() * 1e3
        );
    }
}

async fn bench(name: &str, url: &str, n: usize) {
    let store = Arc::new(Store::open(url).await.unwrap());
    // A product group of 10 part numbers, for TopFailed.
    let mut tx = store.product_write().await.unwrap();
    let g = tx
        .save_group(wats_types::product::ProductGroup {
            product_group_name: Some("Bench group".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let id = g.product_group_id.unwrap();
    for k in 0..10 {
        let f = wats_types::product::ProductGroupFilter::include(format!("BENCH-{k:02}"));
        tx.add_group_filter(id, &f).await.unwrap();
    }
    tx.commit().await.unwrap();
    let rate = load(&store, n).await;
    println!("{name}: {n} reports x 20 steps loaded at {rate:.0} reports/s");
    store.close().await;
    let store = Arc::new(Store::open(url).await.unwrap());
    let pool = store.pool().clone();
    if store.backend() == Backend::Postgres {
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    }
    let size: i64 = match store.backend() {
        Backend::Sqlite => sqlx::query_scalar(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
        )
        .fetch_one(&pool)
        .await
        .unwrap_or(0),
        Backend::Postgres => sqlx::query_scalar("SELECT pg_database_size(current_database())")
            .fetch_one(&pool)
            .await
            .unwrap_or(0),
    };
    println!("  database size {:.1} MB", size as f64 / 1e6);
    queries(&store).await;
    store.close().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::var("WATS_BENCH_ANALYTICS_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let backends = std::env::var("WATS_BENCH_ANALYTICS_BACKENDS")
        .unwrap_or_else(|_| "sqlite,postgres".into())
        .to_ascii_lowercase();
    if backends.contains("sqlite") {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        );
        bench("SQLite", &url, n).await;
    }
    if backends.contains("postgres") {
        if let Some(pg) = common::postgres_database().await {
            bench("PostgreSQL", &pg, n).await;
        }
    }
}
