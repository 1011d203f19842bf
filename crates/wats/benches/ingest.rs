//! Ingest and fetch throughput: reports of 200 numeric steps submitted through the SDK with
//! concurrency 8 to a local `wats-server` (SQLite), then fetched back the same way.
//!
//! ```sh
//! cargo bench -p wats --bench ingest                       # 10,000 reports
//! WATS_BENCH_REPORTS=2000 cargo bench -p wats --bench ingest
//! ```
//!
//! The SDK's client-side rate limit (500 requests per 60 s by default) is turned off: it would
//! measure the limit, not the client and server.

use std::time::Instant;

use futures_util::{stream, StreamExt, TryStreamExt};
use wats::report::FetchOptions;
use wats::Wats;
use wats_report::builder::ReportBuilder;
use wats_report::{wsjf, Report};

const CONCURRENCY: usize = 8;

fn report(i: usize) -> Report {
    let mut b = ReportBuilder::uut("BENCH-PN", format!("BENCH-SN-{i:06}"), "A", 10)
        .operator("bench")
        .station("bench-station", "lab", "Benchmark");
    for s in 0..10 {
        let mut seq = b.group(&format!("Sequence {s}"));
        for k in 0..20 {
            seq.add_step(format!("Step {k}"), 1.0 + k as f64 * 1e-3)
                .unit("V")
                .limits(0.9, 1.1);
        }
    }
    b.build().expect("valid report")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let count: usize = std::env::var("WATS_BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir()?;
    let server = wats_server::start(wats_server::Config {
        listen: "127.0.0.1:0".parse()?,
        database: wats_server::Database::Dir(dir.path().to_owned()),
        admin: Some(("bench".into(), "bench".into())),
        max_body_bytes: wats_server::DEFAULT_MAX_BODY_BYTES,
    })
    .await?;
    let wats = Wats::builder()
        .base_url(format!("http://{}", server.addr))
        .credentials("bench", "bench")
        .no_rate_limit()
        .no_cache()
        .build()?;

    let reports: Vec<Report> = (0..count).map(report).collect();
    let bytes: usize = reports
        .iter()
        .take(100)
        .map(|r| wsjf::to_string(r).len())
        .sum::<usize>()
        / 100.min(count).max(1);
    println!("{count} reports of 200 numeric steps (~{} kB each as WSJF), concurrency {CONCURRENCY}, client rate limit off", bytes / 1000);

    let start = Instant::now();
    stream::iter(reports.iter().map(|r| {
        let wats = &wats;
        async move { wats.report().submit(r).await }
    }))
    .buffer_unordered(CONCURRENCY)
    .try_for_each(|_| async { Ok(()) })
    .await?;
    let ingest = start.elapsed().as_secs_f64();
    println!(
        "ingest: {:.1} s, {:.0} reports/s, {:.1} MB/s",
        ingest,
        count as f64 / ingest,
        (count * bytes) as f64 / ingest / 1e6
    );

    let options = FetchOptions::default();
    let start = Instant::now();
    let fetched = stream::iter(reports.iter().map(|r| {
        let (wats, options) = (&wats, &options);
        async move {
            wats.report()
                .get_wsjf_strict(r.id.expect("id"), options)
                .await
        }
    }))
    .buffer_unordered(CONCURRENCY)
    .try_fold(0usize, |n, r| async move {
        assert_eq!(r.root.as_ref().map(|root| root.count()), Some(211));
        Ok(n + 1)
    })
    .await?;
    let fetch = start.elapsed().as_secs_f64();
    assert_eq!(fetched, count);
    println!(
        "fetch: {:.1} s, {:.0} reports/s",
        fetch,
        count as f64 / fetch
    );
    Ok(())
}
