//! Report model benchmarks, the figures compared against pyWATS (see `bench/README.md`).
//!
//! * `parse_export`: WSJF text of the real server export → model.
//! * `parse_export_wsxf`: the same report as WSXF → model.
//! * `build_serialize_10k`: build a report of 100 sequences × 100 numeric steps with the
//!   builder (statuses computed, validated) and serialize it to WSJF.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use wats_report::builder::ReportBuilder;
use wats_report::{wsjf, wsxf};

fn sample(name: &str) -> String {
    let dir = std::env::var("WATS_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples")
        });
    std::fs::read_to_string(dir.join("wats").join(name)).expect("sample file")
}

/// The 10,000-step report of the benchmark: 100 sequences of 100 numeric steps.
pub fn build_10k() -> String {
    let mut b = ReportBuilder::uut("BENCH-PN", "BENCH-SN-1", "A", 10)
        .operator("bench")
        .station("bench-station", "lab", "Benchmark");
    for s in 0..100 {
        let mut seq = b.group(&format!("Sequence {s}"));
        for i in 0..100 {
            seq.add_step(format!("Step {i}"), 1.0 + (i as f64) * 1e-3)
                .unit("V")
                .limits(0.9, 1.1);
        }
    }
    let report = b.build().expect("valid report");
    wsjf::to_string(&report)
}

fn benches(c: &mut Criterion) {
    let json = sample("uut-wsjf-export.json");
    let xml = sample("uut-wsxf-export.xml");
    c.bench_function("parse_export", |b| {
        b.iter(|| wsjf::from_str(black_box(&json)).unwrap())
    });
    c.bench_function("parse_export_wsxf", |b| {
        b.iter(|| wsxf::from_str(black_box(&xml)).unwrap())
    });
    let report = wsjf::from_str(&json).unwrap();
    c.bench_function("write_export_wsjf", |b| {
        b.iter(|| wsjf::to_string(black_box(&report)))
    });
    c.bench_function("write_export_wsxf", |b| {
        b.iter(|| wsxf::to_string(black_box(&report)))
    });
    let mut group = c.benchmark_group("large");
    group.sample_size(30);
    group.bench_function("build_serialize_10k", |b| b.iter(build_10k));
    group.finish();
}

criterion_group!(report_benches, benches);
criterion_main!(report_benches);
