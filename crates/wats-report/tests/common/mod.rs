//! Shared helpers for the integration tests: the workspace's, under the names these tests use.
#![allow(unused_imports)]

pub use wats_test_support::{assert_json_eq, sample_text as sample, samples};
