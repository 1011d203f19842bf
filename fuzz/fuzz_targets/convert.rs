//! Any bytes into every built-in converter (detection and conversion), under a few file
//! names: an error or reports, never a panic, never a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wats_convert::{Context, Registry, Source};

const NAMES: [&str; 8] = [
    "x.txt", "x.csv", "x.xml", "x.log", "x.atd", "x.xjlog", "x.json", "x",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let path = std::path::Path::new(NAMES[selector as usize % NAMES.len()]);
    let source = Source::new(path, bytes);
    let registry = Registry::builtin();
    let context = Context::default();
    for converter in registry.iter() {
        let _ = converter.detect(&source);
        // The external converter is not built in, so this never runs a program.
        let _ = converter.convert(&source, &context);
    }
});
