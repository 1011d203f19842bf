//! The HTTP contract, end to end over loopback, against SQLite and PostgreSQL.
//!
//! Every test runs on both backends through `both_backends!` below. This file holds the list,
//! the shared helpers, the App endpoints and the OpenAPI document; `reports.rs` reports in and
//! out, `queries.rs` header queries, `errors.rs` the 4xx answers.

use crate::common;

use std::io::Read as _;

use common::{assert_json_eq, drop_keys, sample, start, Backend, TestServer, SERVER_FILLED};
use serde_json::{json, Value};
use sqlx::Row as _;

both_backends!(
    super::start;
    samples_round_trip,
    wsxf_sample_reads_back_equal,
    overwrite_by_id,
    documents_stored_compressed,
    query_by_serial_part_date_with_paging,
    query_options_and_errors,
    auth_errors,
    not_found_and_bad_ids,
    invalid_bodies,
    app_endpoints_and_process_editing,
    server_filled_fields,
    detail_levels,
    attachments_and_certificate,
    measurements_stored,
    header_by_misc_info,
    openapi_document,
);

fn sample_json(rel: &str) -> Value {
    serde_json::from_slice(&sample(rel)).unwrap()
}

/// A small UUT with one numeric step, unique by `sn`/`pn`.
fn small_uut(id: uuid::Uuid, pn: &str, sn: &str, start: &str, result: &str) -> Value {
    json!({
        "type": "T", "id": id, "pn": pn, "sn": sn, "rev": "A", "processCode": 10,
        "result": result, "machineName": "ST1", "location": "Lab", "purpose": "Test",
        "start": start,
        "uut": {"user": "op1", "comment": "c"},
        "miscInfos": [{"description": "Lot", "text": format!("lot-{sn}")}],
        "subUnits": [{"partType": "PCBA", "pn": "SUB-PN", "sn": format!("sub-{sn}"), "rev": "1"}],
        "root": {"id": 1, "group": "M", "stepType": "SequenceCall", "name": "MainSequence Callback",
                 "status": result, "seqCall": {"path": "main.seq", "name": "MainSequence", "version": "2.1"},
                 "steps": [
            {"id": 2, "group": "M", "stepType": "ET_NLT", "name": "Voltage", "status": result,
             "numericMeas": [{"compOp": "GELE", "status": result, "unit": "V", "value": 5.01,
                              "lowLimit": 4.5, "highLimit": 5.5}]}
        ]}
    })
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

async fn app_endpoints_and_process_editing(s: &TestServer) {
    let (status, version) = s.get_json("/api/App/Version").await;
    assert_eq!(status, 200);
    assert!(version.as_str().unwrap().contains("wats-server"));

    let (_, list) = s.get_json("/api/App/Processes").await;
    let names: Vec<(i64, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["code"].as_i64().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    for want in [
        (10, "SW Debug"),
        (50, "PCBA test"),
        (100, "Test"),
        (500, "Repair"),
    ] {
        assert!(names.contains(&want), "{want:?} in {names:?}");
    }
    let (_, repair) = s
        .get_json("/api/app/processes?includeRepairOperations=true")
        .await;
    assert!(repair
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["isRepairOperation"] == true));
    assert!(!repair.as_array().unwrap().is_empty());
    let (status, _) = s
        .get_json("/api/App/Processes?includeTestOperations=maybe")
        .await;
    assert_eq!(status, 400);

    // Edit through WATS's internal process API.
    let r = s
        .post(
            "/api/internal/Process/PostProcess",
            json!({"Code": 600, "Name": "Conformal coating", "IsWIPOperation": true}).to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let created: Value = r.json().await.unwrap();
    let pid = created["ProcessID"].as_str().unwrap().to_owned();
    let (_, list) = s.get_json("/api/App/Processes").await;
    assert!(list.as_array().unwrap().iter().any(|p| p["code"] == 600));
    let r = s
        .client
        .put(s.url("/api/internal/Process/PutProcess"))
        .basic_auth(common::USER, Some(common::PASSWORD))
        .body(json!({"ProcessID": pid, "Code": 600, "Name": "Coating", "IsWIPOperation": true, "State": 0}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, list) = s.get_json("/api/App/Processes").await;
    assert!(
        !list.as_array().unwrap().iter().any(|p| p["code"] == 600),
        "inactive hidden"
    );
    let (_, list) = s
        .get_json("/api/App/Processes?includeInactiveProcesses=true")
        .await;
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "Coating"));
    let r = s
        .post(
            "/api/internal/Process/PostProcess",
            json!({"Code": 601, "Name": "sw debug"}).to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "duplicate name");
    let r = s
        .client
        .delete(s.url(&format!("/api/internal/Process/DeleteProcess/{pid}")))
        .basic_auth(common::USER, Some(common::PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, _) = s
        .get_json(&format!("/api/internal/Process/GetProcess/{pid}"))
        .await;
    assert_eq!(status, 404);

    let (status, levels) = s.get_json("/api/App/Levels").await;
    assert_eq!((status, levels), (200, json!([])));
    let (status, groups) = s
        .get_json("/api/App/ProductGroups?includeFilters=true")
        .await;
    assert_eq!((status, groups), (200, json!([])));
}

async fn openapi_document(s: &TestServer) {
    // Public, like WATS's swagger.
    let r = s
        .client
        .get(s.url("/swagger/v1/swagger.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/App/Version",
        "/api/App/Processes",
        "/api/Report/WSJF",
        "/api/Report/Wsjf/{id}",
        "/api/Report/Query/Header",
        "/api/Report/Attachment",
    ] {
        assert!(paths.contains_key(p), "{p}");
    }
    assert!(doc["paths"]["/api/Report/WSJF"]["post"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["basic"]["scheme"],
        "basic"
    );
}

mod errors;
mod queries;
mod reports;

use errors::*;
use queries::*;
use reports::*;
