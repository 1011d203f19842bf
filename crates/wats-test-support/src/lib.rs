//! Helpers shared by the workspace's tests (a dev-dependency only, never published):
//!
//! - [`samples`], [`sample_path`], [`sample_text`], [`sample_bytes`]: the real files in
//!   `../shared/samples` beside the checkout (or `WATS_SAMPLES`);
//! - [`assert_json_eq`]: JSON equality that names the first difference by path.

use std::path::PathBuf;

/// `../shared/samples` beside the checkout, or `WATS_SAMPLES` when set.
///
/// # Panics
///
/// When the folder does not exist: the tests need the samples, and a skipped test would hide it.
pub fn samples() -> PathBuf {
    if let Ok(dir) = std::env::var("WATS_SAMPLES") {
        return PathBuf::from(dir);
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples");
    assert!(
        dir.is_dir(),
        "samples not found at {} (set WATS_SAMPLES)",
        dir.display()
    );
    dir
}

/// The path of a sample, `rel` being relative to [`samples`] (`"wats/uur-example.json"`).
pub fn sample_path(rel: &str) -> PathBuf {
    samples().join(rel)
}

/// A sample's text. Panics naming the file when it cannot be read.
pub fn sample_text(rel: &str) -> String {
    let path = sample_path(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A sample's bytes, with its path. Panics naming the file when it cannot be read.
pub fn sample_bytes(rel: &str) -> (PathBuf, Vec<u8>) {
    let path = sample_path(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, bytes)
}

/// Asserts JSON equality where numbers compare by value (`10` equals `10.0`, as in JSON
/// itself) and object keys in any order; a failure names the path of the first difference
/// (`path` is the root's name, e.g. `"report"`).
pub fn assert_json_eq(a: &serde_json::Value, b: &serde_json::Value, path: &str) {
    use serde_json::Value::*;
    match (a, b) {
        (Number(x), Number(y)) => {
            assert_eq!(x.as_f64(), y.as_f64(), "number differs at {path}")
        }
        (Object(x), Object(y)) => {
            let mut kx: Vec<_> = x.keys().collect();
            let mut ky: Vec<_> = y.keys().collect();
            kx.sort();
            ky.sort();
            assert_eq!(kx, ky, "keys differ at {path}");
            for (k, v) in x {
                assert_json_eq(v, &y[k], &format!("{path}.{k}"));
            }
        }
        (Array(x), Array(y)) => {
            assert_eq!(x.len(), y.len(), "array length differs at {path}");
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                assert_json_eq(v, w, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(a, b, "value differs at {path}"),
    }
}

/// Asserts that every `.rs` file directly in `tests_dir` is declared as a module in `main`
/// (the source of the crate's main test binary) or named in `separate` (the files that are
/// test binaries of their own, listed as `[[test]]` in Cargo.toml), so a new test file cannot
/// be silently left out when `autotests = false`.
pub fn assert_all_test_files_included(
    tests_dir: &std::path::Path,
    main: &str,
    main_name: &str,
    separate: &[&str],
) {
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(tests_dir).expect("tests folder") {
        let path = entry.expect("entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let is_file = path.extension().is_some_and(|e| e == "rs");
        // `tests/<name>/main.rs` is a test binary cargo would find by itself, and
        // `tests/<name>/mod.rs` a module: either must be listed too.
        let is_dir_module = path.join("mod.rs").is_file() || path.join("main.rs").is_file();
        if (!is_file && !is_dir_module)
            || path.file_name().is_some_and(|n| n == main_name)
            || separate.contains(&stem)
        {
            continue;
        }
        if !main.contains(&format!("mod {stem};")) {
            missing.push(stem.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "tests/{{{}}} are not modules of tests/{main_name}: add `mod <name>;` there \
         (this crate has one test binary, autotests = false)",
        missing.join(",")
    );
}
