//! `wats::product` against a real `wats-server` on loopback, on SQLite and PostgreSQL
//! (PostgreSQL skipped with a message when absent; failed when `WATS_REQUIRE_POSTGRES=1`):
//! every product endpoint, the domain rules and the answers to bad input.

#[path = "../../../wats-server/tests/common/mod.rs"]
mod server;

use server::{Backend, TestServer, PASSWORD, USER};
use wats::{Error, Wats};

pub fn client(s: &TestServer) -> Wats {
    Wats::builder()
        .base_url(&s.base)
        .credentials(USER, PASSWORD)
        .no_rate_limit()
        .build()
        .unwrap()
}

pub fn bad_request(e: Error, needle: &str) {
    match e {
        Error::Validation { ref message, .. } => {
            assert!(message.contains(needle), "{needle:?} not in {message:?}")
        }
        other => panic!("expected 400 naming {needle:?}, got {other:?}"),
    }
}

pub fn not_found(e: Error) {
    assert!(
        matches!(e, Error::NotFound { .. }),
        "expected 404, got {e:?}"
    );
}

mod catalog;
mod service;
mod structure;

use catalog::{groups_categories_vendors, products_and_revisions, tags};
use service::{concurrent_saves, levels_and_blocking, raw_requests};
use structure::{boms, box_builds, hierarchy_is_bounded};

both_backends!(
    super::server::start;
    products_and_revisions,
    tags,
    groups_categories_vendors,
    boms,
    box_builds,
    hierarchy_is_bounded,
    levels_and_blocking,
    concurrent_saves,
    raw_requests
);
