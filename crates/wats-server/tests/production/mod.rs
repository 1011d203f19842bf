//! `wats::production` against a real `wats-server` on loopback, on SQLite and PostgreSQL
//! (PostgreSQL skipped with a message when absent; failed when `WATS_REQUIRE_POSTGRES=1`):
//! every production endpoint, the domain rules (verification from reports, assembly against
//! box-build templates, phase history, atomic serial-number allocation) and the answers to
//! bad input.
//!
//! Figures (printed; run with `--nocapture`): serial numbers taken per second by 8 concurrent
//! clients (`concurrent_serial_numbers`), verification latency of a unit with 100 reports
//! (`verification_latency`).

use crate::common;

mod assembly;
mod input;
mod serials;
mod units;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{Backend, TestServer, PASSWORD, USER};
use serde_json::{json, Value};
use wats::product::{Product, ProductRevision};
use wats::production::{
    phase, ProductionBatch, SerialFormat, SerialNumberIdentifier, SerialNumberRange,
    SerialNumberType, Setting, TakeOptions, Unit,
};
use wats::{Error, Wats};

pub use assembly::*;
pub use input::*;
pub use serials::*;
pub use units::*;

both_backends!(
    super::common::start;
    units_phases_and_history,
    verification_from_reports,
    assembly_against_the_template,
    serial_numbers,
    serial_number_files,
    concurrent_serial_numbers,
    concurrent_assembly_and_phases,
    verification_latency,
    bad_input,
    other_spellings,
    single_unit_calls,
);

pub fn client(s: &TestServer) -> Wats {
    Wats::builder()
        .base_url(&s.base)
        .credentials(USER, PASSWORD)
        .no_rate_limit()
        .build()
        .unwrap()
}

pub fn backend(s: &TestServer) -> &'static str {
    if s.db_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}

pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

#[track_caller]
pub fn bad_request(r: wats::Result<impl std::fmt::Debug>, needle: &str) {
    match r {
        Err(Error::Validation { ref message, .. }) => {
            assert!(message.contains(needle), "{needle:?} not in {message:?}")
        }
        other => panic!("expected 400 naming {needle:?}, got {other:?}"),
    }
}

#[track_caller]
pub fn not_found(r: wats::Result<impl std::fmt::Debug>, needle: &str) {
    match r {
        Err(Error::NotFound { ref message }) => {
            assert!(message.contains(needle), "{needle:?} not in {message:?}")
        }
        other => panic!("expected 404 naming {needle:?}, got {other:?}"),
    }
}

/// A product with revisions.
pub async fn product(w: &Wats, pn: &str, revisions: &[&str]) {
    w.product().save(&Product::new(pn)).await.unwrap();
    for r in revisions {
        w.product()
            .save_revision(&ProductRevision::new(pn, *r))
            .await
            .unwrap();
    }
}

/// A UUT of a serial number in a process, with a result letter (`P`, `F`, `E`).
pub async fn uut(
    s: &TestServer,
    pn: &str,
    sn: &str,
    process: i64,
    result: &str,
    minute: u32,
) -> uuid::Uuid {
    let id = uuid::Uuid::new_v4();
    let r = json!({
        "type": "T", "id": id, "pn": pn, "sn": sn, "rev": "A", "processCode": process,
        "result": result, "machineName": "ST1", "location": "Line 1", "purpose": "Test",
        "start": format!("2026-03-01T10:{:02}:{:02}Z", minute / 60, minute % 60),
        "uut": {"user": "op1"},
        "root": {"id": 1, "group": "M", "stepType": "SequenceCall", "name": "Main",
                 "status": result, "seqCall": {"path": "main.seq", "name": "Main", "version": "1"}}
    });
    let (status, body) = s.submit(&r).await;
    assert_eq!(status, 200, "{body}");
    id
}
