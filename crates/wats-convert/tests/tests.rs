//! The converters' integration tests: one module per converter, real sample files.
//!
//! One test binary for the crate (`autotests = false` in Cargo.toml): each file beside this one
//! is a module here, so the dependencies are linked once rather than once per file.
//! [`every_test_file_is_a_module`] fails when a new file is not listed below.

mod atml;
mod common;
mod external;
mod keysight_i3070;
mod klippel;
mod listen;
mod mapping;
mod saki;
mod sigmaquest;
mod spea3030;
mod takaya;
mod teradyne_gr228x;
mod teradyne_spectrum;
mod teststand;
mod wstf;
mod xjtag;

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
