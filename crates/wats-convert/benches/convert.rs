//! Conversion throughput per format on the sample files: ms per file, files/s and MB/s, with
//! the converter named (no detection) and with detection over every built-in converter.
//!
//! `cargo bench -p wats-convert --bench convert` (`WATS_SAMPLES` overrides the samples
//! folder; `--json` prints one JSON array of rows, a row with `error` for a sample that cannot
//! be read or converted, for `bench/compare-converters.sh`).
//!
//! `--check-wsjf DIR` instead checks each `*.json` report in DIR as the station checks WSJF
//! (the `wsjf` converter for the wire shape, then the report rules) and prints one JSON array of
//! `{"file", "error"?}`; `bench/compare-converters.sh` uses it on pyWATS's converter output.
//!
//! Every timed call reads the sample from disk first, as the station does (and as pyWATS's
//! converters do). `--floor` instead prints what no converter can avoid: reading the sample
//! (and the data folder named after it), and tokenizing it when it is XML.
//!
//! `--threads N` measures what N workers convert together, as the station's worker pool does
//! (one per core by default): `ms` is then wall time per file, the inverse of files/s.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use wats_convert::{Context, Registry, Source};
use wats_report::format::DEFAULT_MAX_FILE_BYTES;

/// The samples per converter (relative to the samples folder).
const CASES: &[(&str, &str)] = &[
    ("wsjf", "wats/uut-wsjf-export.json"),
    ("wsxf", "wats/uut-wsxf-export.xml"),
    ("csv", "csv/sample-enhanced.csv"),
    (
        "atml",
        "atml/ATML 2.02 [123456789][2 30 27 PM][5 15 2019].XML",
    ),
    ("atml", "atml/ATML 5.00 [2 31 11 PM][5 15 2019].xml"),
    ("teststand-xml", "teststand-xml/TSWithWats.xml"),
    ("teradyne-gr228x", "teradyne-gr228x/43420_BIO2.LOG"),
    ("teradyne-spectrum", "teradyne-spectrum/sample_ict_data.txt"),
    ("spea-3030", "spea-3030/testdata_SN9871234012.csv"),
    ("takaya", "takaya/V682780_B_BOT-20230301082027.ATD"),
    ("takaya-apt94xx", "takaya-apt94xx/11111-BV0001 (AT33).ATD"),
    ("xjtag", "xjtag/1234_14_25_32_10.08.2018_Pass.xjlog"),
    (
        "klippel",
        "klippel/DUT xyz115 2020-05-14 10-01-37-5 UTC+0200.txt",
    ),
    (
        "listen-soundcheck",
        "listen/Complete test 7-22-2020 (002).txt",
    ),
    ("saki-aoi", "saki/SAKI-testdata.xml"),
    ("sigmaquest", "sigmaquest/testdata_SN651658.xml"),
];

/// Runs `f` for about `budget`, returns the median time of one call.
fn time(budget: Duration, mut f: impl FnMut()) -> Duration {
    f(); // warm-up
    let mut samples = Vec::new();
    let started = Instant::now();
    while started.elapsed() < budget || samples.len() < 5 {
        let t = Instant::now();
        f();
        samples.push(t.elapsed());
        if samples.len() >= 10_000 {
            break;
        }
    }
    samples.sort();
    samples[samples.len() / 2]
}

/// Runs `f` on `threads` threads for about `budget`; returns wall time per call (all threads).
fn throughput(budget: Duration, threads: usize, f: impl Fn() + Sync) -> Duration {
    f(); // warm-up
    let started = Instant::now();
    let calls: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut n = 0u64;
                    while started.elapsed() < budget {
                        f();
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("worker")).sum()
    });
    started.elapsed() / calls.max(1) as u32
}

/// What no converter can avoid, for `--floor`: reading the sample and the data folder named
/// after it (Klippel's companion files), and, for XML, tokenizing it without building anything.
/// Returns ms per file for each (tokenizing `None` for other text).
fn floor(budget: Duration, path: &std::path::Path, bytes: &[u8]) -> (f64, Option<f64>) {
    let folder = path.with_extension("");
    let read = || {
        let bytes = wats_report::format::read_limited(path, DEFAULT_MAX_FILE_BYTES);
        let _ = std::hint::black_box(bytes);
        if let Ok(entries) = std::fs::read_dir(&folder) {
            for entry in entries.flatten() {
                let data = wats_report::format::read_limited(&entry.path(), DEFAULT_MAX_FILE_BYTES);
                let _ = std::hint::black_box(data);
            }
        }
    };
    let io_ms = time(budget, read).as_secs_f64() * 1e3;
    // Decoded as the converters decode it (UTF-16 and Latin-1 too).
    let text = Source::new(path, bytes).text();
    let text = text.as_ref();
    let tokenize_ms = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<')
        .then(|| {
            let t = time(budget, || {
                let mut tokens = wats_report::xml::Tokenizer::new(text);
                loop {
                    // A sample that does not tokenize would time less than its floor: say so.
                    let (_, token) = tokens
                        .next_token()
                        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    if matches!(token, wats_report::xml::Token::Eof) {
                        break;
                    }
                    let _ = std::hint::black_box(token);
                }
            });
            t.as_secs_f64() * 1e3
        });
    (io_ms, tokenize_ms)
}

/// The options that take a value.
const VALUED: &[&str] = &["--threads", "--check-wsjf"];

/// The value after option `name`, if given.
fn option<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    let i = args.iter().position(|a| a == name)?;
    args.get(i + 1).map(String::as_str)
}

/// What the station's validation says about these reports, one problem per line (`None`
/// when they are valid).
fn problems(reports: &[wats_report::Report]) -> Option<String> {
    let validator = wats_report::validate::Validator::default();
    let found: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            // The station gives a report without them an id and its own identity (from its
            // configuration) before it validates: so does this check, for both sides alike.
            let mut r = r.clone();
            r.id.get_or_insert_with(wats_report::Uuid::new_v4);
            for field in [&mut r.machine_name, &mut r.location, &mut r.purpose] {
                if field.as_deref().is_none_or(|f| f.trim().is_empty()) {
                    *field = Some("bench station".into());
                }
            }
            validator.validate(&r)
        })
        .map(|e| e.to_string())
        .collect();
    (!found.is_empty()).then(|| found.join("\n"))
}

/// Reads each `*.json` report in `dir` with the `wsjf` converter and validates it, as
/// `wats-client convert` and the station do; prints one JSON array.
fn check_wsjf(registry: &Registry, dir: &str) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let wsjf = registry.get("wsjf").expect("the wsjf converter");
    let rows: Vec<serde_json::Value> = files
        .iter()
        .map(|path| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let bytes = match wats_report::format::read_limited(path, DEFAULT_MAX_FILE_BYTES) {
                Ok(bytes) => bytes,
                Err(e) => return serde_json::json!({ "file": name, "error": e.to_string() }),
            };
            match wsjf.convert(&Source::new(path, &bytes), &Context::default()) {
                Ok(reports) => serde_json::json!({ "file": name, "error": problems(&reports) }),
                Err(e) => serde_json::json!({ "file": name, "error": e.to_string() }),
            }
        })
        .collect();
    println!("{}", serde_json::Value::Array(rows));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let json = args.iter().any(|a| a == "--json");
    // Any other argument filters the converters by name (as with `cargo bench -- <filter>`).
    let filters: Vec<&String> = args[1..]
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && !VALUED.contains(&args[*i].as_str()))
        .map(|(_, a)| a)
        .collect();
    let samples = std::env::var_os("WATS_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples")
        });
    let registry = Registry::builtin();
    if let Some(dir) = option(&args, "--check-wsjf") {
        return check_wsjf(&registry, dir);
    }
    let context = Context::default().arg("time_zone", "UTC");
    let budget = Duration::from_millis(
        std::env::var("WATS_BENCH_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(700),
    );
    let threads: usize = option(&args, "--threads")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut rows = Vec::new();
    let floor_only = args.iter().any(|a| a == "--floor");
    if !json && !floor_only {
        println!("| converter | sample | KB | reports | ms/file | files/s | MB/s | with detection ms/file |");
        println!("|---|---|---:|---:|---:|---:|---:|---:|");
    }
    for (name, rel) in CASES {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let path = samples.join(rel);
        // A sample that cannot be read or converted is a row with its error, so that the
        // comparison shows why instead of a gap.
        let failed = |rows: &mut Vec<serde_json::Value>, error: String| {
            if json {
                rows.push(serde_json::json!({"converter": name, "sample": rel, "error": error}));
            } else {
                println!("| {name} | {rel} | | | error: {error} | | | |");
            }
        };
        let bytes = match wats_report::format::read_limited(&path, DEFAULT_MAX_FILE_BYTES) {
            Ok(bytes) => bytes,
            Err(e) => {
                failed(&mut rows, e.to_string());
                continue;
            }
        };
        if floor_only {
            let (io_ms, tokenize_ms) = floor(budget, &path, &bytes);
            if json {
                rows.push(serde_json::json!({
                    "converter": name,
                    "sample": rel,
                    "read_ms": io_ms,
                    "tokenize_ms": tokenize_ms,
                }));
            } else {
                let tokenize = tokenize_ms.map_or("-".into(), |ms| format!("{ms:.4}"));
                println!("{name:<18} read {io_ms:.4} ms  tokenize {tokenize} ms  ({rel})");
            }
            continue;
        }
        let source = Source::new(&path, &bytes);
        let converter = registry.get(name).expect("a built-in converter");
        let (reports, invalid) = match converter.convert(&source, &context) {
            Ok(r) => (r.len(), problems(&r)),
            Err(e) => {
                failed(&mut rows, e.to_string());
                continue;
            }
        };
        // `--detectors` prints what each converter's detection costs on this sample.
        if args.iter().any(|a| a == "--detectors") {
            for c in registry.iter() {
                let t = time(budget / 10, || {
                    let _ = std::hint::black_box(c.detect(&source));
                });
                println!(
                    "  detect {:<20} {:>8.1} µs",
                    c.name(),
                    t.as_secs_f64() * 1e6
                );
            }
        }
        // Each call reads the file, as the station does and as pyWATS's converters do (they
        // open the file themselves): reading is part of converting a file.
        let read = || {
            wats_report::format::read_limited(&path, DEFAULT_MAX_FILE_BYTES)
                .unwrap_or_else(|e| panic!("{rel}, read before, no longer reads: {e}"))
        };
        let convert = || {
            let bytes = read();
            let source = Source::new(&path, &bytes);
            let _ = std::hint::black_box(converter.convert(&source, &context));
        };
        let direct = if threads > 1 {
            throughput(budget, threads, convert)
        } else {
            time(budget, convert)
        };
        // `--direct` skips the detection timing (for profiling one converter alone).
        let detected = (!args.iter().any(|a| a == "--direct")).then(|| {
            time(budget / 2, || {
                let bytes = read();
                let source = Source::new(&path, &bytes);
                let _ = std::hint::black_box(registry.convert(None, &source, &context));
            })
        });
        let detect_ms = detected.map(|t| t.as_secs_f64() * 1e3);
        let ms = direct.as_secs_f64() * 1e3;
        let mb_s = bytes.len() as f64 / 1e6 / direct.as_secs_f64();
        if !json {
            println!(
                "| {name} | {} | {:.1} | {reports} | {ms:.3} | {:.0} | {mb_s:.1} | {} |",
                rel.rsplit('/').next().unwrap_or(rel),
                bytes.len() as f64 / 1024.0,
                1.0 / direct.as_secs_f64(),
                detect_ms.map_or("-".into(), |ms| format!("{ms:.3}")),
            );
        }
        rows.push(serde_json::json!({
            "converter": name,
            "sample": rel,
            "bytes": bytes.len(),
            "reports": reports,
            "ms": ms,
            "detect_ms": detect_ms,
            "invalid": invalid,
        }));
    }
    if json {
        println!("{}", serde_json::Value::Array(rows));
    }
}
