//! The report model's integration tests: round trips, WSXF, validation, properties.
//!
//! One test binary for the crate (`autotests = false` in Cargo.toml): each file beside this one
//! is a module here, so the dependencies are linked once rather than once per file.
//! [`every_test_file_is_a_module`] fails when a new file is not listed below.

mod builder;
mod common;
mod malformed_json;
mod operators;
mod propagation;
mod proptest_roundtrip;
mod roundtrip;
mod strategies;
mod validate;
mod wsxf;

#[test]
fn every_test_file_is_a_module() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    wats_test_support::assert_all_test_files_included(
        &dir,
        include_str!("tests.rs"),
        "tests.rs",
        &[],
    );
}
