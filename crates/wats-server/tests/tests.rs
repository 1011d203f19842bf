//! The server's integration tests on SQLite and PostgreSQL, one binary: each domain's file
//! beside this one is a module here (`autotests = false` in Cargo.toml), so the server and its
//! dependencies are linked once and one PostgreSQL cluster serves them all.
//!
//! Separate binaries (`[[test]]` in Cargo.toml), because they time things or spawn processes
//! and must not share the process with the rest: `hostile/`, `pywats.rs`, `scale_out.rs`, and
//! `authorization.rs` (it captures the process's log lines to look for secrets).
//! [`every_test_file_is_a_module`] fails when a new file is in neither list.

#[macro_use]
mod common;

mod analytics;
mod api;
mod charts;
mod production;

/// The files that are test binaries of their own.
const SEPARATE: &[&str] = &["authorization", "hostile", "pywats", "scale_out"];

#[test]
fn every_test_file_is_a_module() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    wats_test_support::assert_all_test_files_included(
        &dir,
        include_str!("tests.rs"),
        "tests.rs",
        SEPARATE,
    );
}
