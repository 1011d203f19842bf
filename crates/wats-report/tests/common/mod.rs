//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared/samples` beside the checkout (override with `WATS_SAMPLES`).
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

pub fn sample(rel: &str) -> String {
    let path = samples().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// JSON equality where numbers compare by value (`10` equals `10.0`, as in JSON itself).
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
