use std::time::Instant;
use wats_report::{builder::ReportBuilder, wsjf};
#[test]
fn timing2() {
    let mut b = ReportBuilder::uut("BENCH-PN", "BENCH-SN-1", "A", 10)
        .operator("bench")
        .station("s", "l", "p");
    for s in 0..100 {
        let mut g = b.group(&format!("Sequence {s}"));
        for i in 0..100 {
            g.add_step(format!("Step {i}"), 1.0 + i as f64 * 1e-3)
                .unit("V")
                .limits(0.9, 1.1);
        }
    }
    let r = b.build_unchecked();
    let mode = std::env::var("MODE").unwrap_or_default();
    let t = Instant::now();
    for _ in 0..50 {
        if mode == "ser" {
            std::hint::black_box(wsjf::to_string(&r));
        } else {
            let _ = std::hint::black_box(r.validate());
        }
    }
    eprintln!("{mode}: {:?}", t.elapsed() / 50);
}
#[test]
fn sizes() {
    eprintln!(
        "Step {} Num {} Report {}",
        std::mem::size_of::<wats_report::Step>(),
        std::mem::size_of::<wats_report::NumericMeasurement>(),
        std::mem::size_of::<wats_report::Report>()
    );
}
#[test]
fn phases() {
    for _ in 0..5 {
        let t = Instant::now();
        let mut b = ReportBuilder::uut("BENCH-PN", "BENCH-SN-1", "A", 10)
            .operator("bench")
            .station("s", "l", "p");
        for s in 0..100 {
            let mut g = b.group(&format!("Sequence {s}"));
            for i in 0..100 {
                g.add_step(format!("Step {i}"), 1.0 + i as f64 * 1e-3)
                    .unit("V")
                    .limits(0.9, 1.1);
            }
        }
        let ta = t.elapsed();
        let t = Instant::now();
        let r = b.build_unchecked();
        let tb = t.elapsed();
        let t = Instant::now();
        let _ = r.validate();
        let tv = t.elapsed();
        let t = Instant::now();
        let s = wsjf::to_string(&r);
        let ts = t.elapsed();
        let t = Instant::now();
        drop(r);
        drop(s);
        eprintln!(
            "add {ta:?} build {tb:?} validate {tv:?} ser {ts:?} drop {:?}",
            t.elapsed()
        );
    }
}
