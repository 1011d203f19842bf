//! Analytics against hand-computed fixtures, on SQLite and PostgreSQL: unit-based yield with
//! the first-run rule, TRY, RTY, periods that sum, wildcards and alternatives, top failures,
//! step analysis and measurement capability; and the 400s for bad input.
//!
//! The fixture (ICT = process 20, PCBA test = 50; range 2026-03-02 .. 2026-03-05):
//!
//! | unit | ICT runs (start, result, V)                                  | counted? |
//! |------|--------------------------------------------------------------|----------|
//! | U1   | 03-02 10:00 P 5.0                                            | FP       |
//! | U2   | 03-02 11:00 F 6.0; 12:00 P 5.0 (ST2)                         | SP       |
//! | U3   | 03-03 09:00 F 6.0; 10:00 F 6.0 (ST2); 11:00 P 5.0 (ST2)      | TP       |
//! | U4   | 03-03 12:00 F 4.0 (and I fails); repair 13:00; 03-04 09:00 F 6.0; 10:00 F 6.0; 11:00 P 5.0 | LP |
//! | U5   | 03-01 23:00 F 6.0 (before the range); 03-02 08:00 P 5.0      | no (TRY only) |
//! | U6   | 03-04 20:00 P 5.2; 03-05 10:00 F 6.0 (after the range)       | FP       |
//! | U7   | 03-04 21:00 F 6.0                                            | never passes |
//!
//! PCBA test: U1 03-02 14:00 P; U2 03-03 14:00 F, 15:00 P. Part number P2: U8 ICT 03-02 P.
use crate::common;
pub mod fixture;

use common::{Backend, TestServer};
use fixture::{fixture, uut, FROM, TO};
use serde_json::{json, Value};

async fn start(backend: Backend) -> Option<TestServer> {
    common::start(backend).await
}

both_backends!(super::start;
    unit_yield_by_hand,
    periods_sum_and_follow_the_first_run,
    retest_station_has_try_but_no_units,
    wildcards_alternatives_and_rty,
    step_analysis_and_capability,
    report_lists_and_history,
    group_and_misc_info_dimensions,
    bad_input_is_400_naming_it,
    top_failed_from_facts_and_edges,
    facts_follow_replacements_and_backfill,
    internal_lists_and_alarm_logs,
);

async fn post(s: &TestServer, path: &str, body: Value) -> (u16, Value) {
    let r = s
        .post(path, body.to_string())
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn rows(s: &TestServer, path: &str, body: Value) -> Vec<Value> {
    let (status, v) = post(s, path, body).await;
    assert_eq!(status, 200, "{path}: {v}");
    v.as_array()
        .cloned()
        .unwrap_or_else(|| panic!("{path}: {v}"))
}

fn close(v: &Value, expected: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    assert!((got - expected).abs() < 1e-9, "{got} != {expected}");
}

mod lists;
mod steps;
mod yields;

use lists::*;
use steps::*;
use yields::*;
