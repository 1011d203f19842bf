//! The station end to end: N report files (100 numeric steps each) dropped into a watch
//! folder at once, timed until every report is accepted by a `wats-server` (SQLite, in this
//! bench process on loopback). Measures `wats-client`'s throughput, CPU time, idle, peak and
//! after-burst RSS (from `/proc`), so the figures are the station's own, not the server's.
//!
//! `cargo bench -p wats-client --bench station` (`WATS_BENCH_FILES`, default 10000).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};
use wats_report::ReportBuilder;

const USER: &str = "bench";
const PASSWORD: &str = "bench-pw";

fn report(i: usize) -> String {
    let mut b = ReportBuilder::uut("BENCH-PN", format!("SN-{i:06}"), "A", 10)
        .station("BENCH", "Lab", "Bench")
        .operator("op");
    for g in 0..10 {
        let mut group = b.group(&format!("Group {g}"));
        for s in 0..10 {
            let v = 1.0 + (i * 100 + g * 10 + s) as f64 * 1e-6;
            group
                .add_step(format!("Step {g}.{s}"), v)
                .unit("V")
                .limits(0.5, 1.5);
        }
    }
    wats_report::wsjf::to_string(&b.build().expect("a valid report"))
}

/// ((user, system) CPU seconds, VmRSS kB, VmHWM kB) of a process.
fn usage(pid: u32) -> ((f64, f64), u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 (1-based), i.e. 11 and 12 after the command.
    let cpu = (ticks(11) / 100.0, ticks(12) / 100.0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (cpu, kb("VmRSS:"), kb("VmHWM:"))
}

/// Runs `bench/pywats_station_bench.py` on freshly generated files (`WATS_BENCH_PYWATS_FILES`,
/// default 1000) when `WATS_BENCH_PYWATS` names a Python with pyWATS.
fn pywats_baseline(dir: &Path, url: &str) -> Option<Value> {
    let python = std::env::var("WATS_BENCH_PYWATS").ok()?;
    let files: usize = std::env::var("WATS_BENCH_PYWATS_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let folder = dir.join("pywats-in");
    std::fs::create_dir_all(&folder).unwrap();
    for i in 0..files {
        std::fs::write(folder.join(format!("p{i:06}.json")), report(1_000_000 + i)).unwrap();
    }
    eprintln!("pyWATS: {files} files …");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/pywats_station_bench.py");
    let out = Command::new(python)
        .arg(script)
        .args(["--folder", &folder.display().to_string(), "--url", url])
        .args(["--user", USER, "--password", PASSWORD])
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "pyWATS baseline failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

fn status(dir: &Path) -> Option<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_wats-client"))
        .args(["status", "--json"])
        .env("WATS_CLIENT_CONFIG_DIR", dir.join("cfg"))
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| serde_json::from_slice(&out.stdout).ok())
        .flatten()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let files: usize = std::env::var("WATS_BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir_in(std::env::var("WATS_BENCH_DIR").unwrap_or_else(|_| ".".into()))
        .expect("temp dir");
    let dir = dir.path().to_path_buf();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime
        .block_on(wats_server::start(wats_server::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database: wats_server::Database::Dir(dir.join("server")),
            admin: Some((USER.into(), PASSWORD.into())),
            max_body_bytes: wats_server::DEFAULT_MAX_BODY_BYTES,
        }))
        .unwrap();

    eprintln!("generating {files} files of 100 steps …");
    let staging = dir.join("staging");
    let inbox = dir.join("in");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::create_dir_all(&inbox).unwrap();
    let mut bytes = 0u64;
    for i in 0..files {
        let text = report(i);
        bytes += text.len() as u64;
        std::fs::write(staging.join(format!("r{i:06}.json")), text).unwrap();
    }

    let token = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    let config = json!({
        "service_address": format!("http://{}", server.addr),
        "api_token": token,
        "station_name": "BENCH",
        "location": "Lab",
        "purpose": "Bench",
        "settle_seconds": 0.5,
        "control_address": "127.0.0.1:0",
        "max_queue_entries": files as u64 + 1000,
        "upload_concurrency": std::env::var("WATS_BENCH_UPLOADS").ok().and_then(|v| v.parse::<u32>().ok()).unwrap_or(5),
        "converters": [{ "name": "in", "converter": "wsjf",
                         "watch_folder": inbox.display().to_string() }],
    });
    std::fs::create_dir_all(dir.join("cfg/default")).unwrap();
    std::fs::write(dir.join("cfg/default/config.json"), config.to_string()).unwrap();
    let mut child: Child = Command::new(env!("CARGO_BIN_EXE_wats-client"))
        .args(["start", "--no-banner"])
        .env("WATS_CLIENT_CONFIG_DIR", dir.join("cfg"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    while status(&dir).is_none() {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(3));
    let (_, idle_rss, _) = usage(pid);
    let (cpu_before, _, _) = usage(pid);
    // The bench process is the server (and the file mover, idle while measuring).
    let (server_before, _, _) = usage(std::process::id());

    eprintln!("dropping {files} files at once …");
    let started = Instant::now();
    for i in 0..files {
        let name = format!("r{i:06}.json");
        std::fs::rename(staging.join(&name), inbox.join(&name)).unwrap();
    }
    let mut last_print = Instant::now();
    let mut queued_at = None;
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let Some(s) = status(&dir) else { continue };
        let done = s["queue"]["done"].as_u64().unwrap_or(0);
        let converted = s["files"]["converted"].as_u64().unwrap_or(0);
        if queued_at.is_none() && converted as usize >= files {
            queued_at = Some(started.elapsed());
        }
        if last_print.elapsed() > Duration::from_secs(1) {
            eprintln!(
                "  {:>5.1} s: {converted} converted, {done} delivered",
                started.elapsed().as_secs_f64()
            );
            last_print = Instant::now();
        }
        if done as usize >= files {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(3600),
            "not done after an hour"
        );
    }
    let elapsed = started.elapsed();
    let (cpu_after, _, peak_rss) = usage(pid);
    let (server_after, _, _) = usage(std::process::id());
    let (user, system) = (cpu_after.0 - cpu_before.0, cpu_after.1 - cpu_before.1);
    let server_cpu = (server_after.0 + server_after.1) - (server_before.0 + server_before.1);
    // After the burst: once idle for a while the station gives freed memory back.
    std::thread::sleep(Duration::from_secs(25));
    let (_, after_rss, _) = usage(pid);
    let _ = child.kill();
    let _ = child.wait();

    // The same job done the pyWATS way, against the same server, on the same machine.
    let pywats = pywats_baseline(&dir, &format!("http://{}", server.addr));
    runtime.block_on(server.stop()).unwrap();

    let secs = elapsed.as_secs_f64();
    println!(
        "station end to end: {files} files × 100 steps ({:.1} MB)",
        bytes as f64 / 1e6
    );
    println!(
        "  all converted and queued after {:.2} s ({:.0} files/s)",
        queued_at.unwrap_or(elapsed).as_secs_f64(),
        files as f64 / queued_at.unwrap_or(elapsed).as_secs_f64()
    );
    println!(
        "  all accepted by the server after {secs:.2} s: {:.0} files/s end to end",
        files as f64 / secs
    );
    println!(
        "  wats-client CPU time {:.2} s ({:.2} ms/file: user {:.2}, system {:.2})",
        user + system,
        (user + system) * 1000.0 / files as f64,
        user * 1000.0 / files as f64,
        system * 1000.0 / files as f64
    );
    println!(
        "  wats-server CPU time {server_cpu:.2} s ({:.2} ms/report)",
        server_cpu * 1000.0 / files as f64
    );
    println!(
        "  wats-client RSS: idle {:.1} MB, peak {:.1} MB, 25 s after the burst {:.1} MB",
        idle_rss as f64 / 1024.0,
        peak_rss as f64 / 1024.0,
        after_rss as f64 / 1024.0
    );
    match pywats {
        Some(p) => {
            let fps = p["files_per_s"].as_f64().unwrap_or(0.0);
            println!(
                "pyWATS {} (parse + submit_report per file, sequential): {} files in {:.2} s = {:.0} files/s, CPU {:.2} ms/file, peak RSS {:.1} MB",
                p["pywats_version"].as_str().unwrap_or("?"),
                p["files"],
                p["seconds"].as_f64().unwrap_or(0.0),
                fps,
                p["cpu_seconds"].as_f64().unwrap_or(0.0) * 1000.0 / p["files"].as_f64().unwrap_or(1.0),
                p["peak_rss_mb"].as_f64().unwrap_or(0.0),
            );
            if fps > 0.0 {
                println!("  wats-client end to end / pyWATS: {:.1}x", files as f64 / secs / fps);
            }
        }
        None => println!("pyWATS baseline skipped (set WATS_BENCH_PYWATS=path/to/python with pywats-api installed; bench/setup-pywats.sh prints it)"),
    }
}
