//! The repair configuration through `wats::process` against a real `wats-server` on SQLite
//! and PostgreSQL: the seeded defaults of repair operations 500 and 510, every call (async
//! and blocking), an edit, and UUR submission checked against it: a fail code the repair
//! operation does not define is refused naming it.

#[path = "../../wats-server/tests/common/mod.rs"]
mod server;

use serde_json::{json, Value};
use server::{Backend, TestServer, PASSWORD, USER};
use wats::process::{RepairCategory, RepairOperationConfig};
use wats::{Error, Wats};

async fn start(backend: Backend) -> Option<TestServer> {
    server::start(backend).await
}

both_backends!(super::start; defaults_edits_and_uur_validation);

fn client(s: &TestServer) -> Wats {
    Wats::builder()
        .base_url(&s.base)
        .credentials(USER, PASSWORD)
        .no_rate_limit()
        .no_cache()
        .build()
        .unwrap()
}

/// A UUR of repair operation `code` with one failure.
fn uur(code: i64, category: &str, fail_code: &str) -> Value {
    let mut r: Value = serde_json::from_slice(&server::sample("wats/uur-example.json")).unwrap();
    r["id"] = json!(uuid::Uuid::new_v4());
    r["processCode"] = json!(code);
    r["subUnits"][0]["failures"][0]["category"] = json!(category);
    r["subUnits"][0]["failures"][0]["code"] = json!(fail_code);
    r
}

async fn defaults_edits_and_uur_validation(s: &TestServer) {
    let wats = client(s);
    let p = wats.process();

    // Seeded: 500 Repair and 510 RMA repair, with the fail codes WATS's samples use.
    let all = p.repair_configs().await.unwrap();
    assert_eq!(all.keys().copied().collect::<Vec<_>>(), [500, 510]);
    let repair = &all[&500];
    assert_eq!(repair.description.as_deref(), Some("Repair"));
    assert_eq!(
        (
            repair.uut_required,
            repair.bom_required,
            repair.vendor_required
        ),
        (Some(1), Some(1), Some(2))
    );
    let codes = p.fail_codes(500, None).await.unwrap();
    assert!(codes
        .iter()
        .any(|f| f.category == "Component" && f.code == "Burned Component"));
    assert!(codes
        .iter()
        .any(|f| f.category == "Component" && f.code == "Defect Component"));
    assert!(codes
        .iter()
        .all(|f| f.guid.is_some() && f.category_guid.is_some()));
    let component = p.fail_codes(500, Some("component")).await.unwrap();
    assert_eq!(component.len(), 5);
    assert!(component.iter().all(|f| f.category == "Component"));
    let cats = p.repair_categories(510).await.unwrap();
    assert_eq!(
        cats.iter()
            .filter_map(|c| c.description.clone())
            .collect::<Vec<_>>(),
        ["Component", "Soldering", "Mechanical", "Other"]
    );
    assert!(p.repair_categories(100).await.unwrap().is_empty());

    // By process id (and code).
    let repair_process = p.by_code(500).await.unwrap().unwrap();
    let id = repair_process.process_id.unwrap();
    assert_eq!(
        p.repair_config(id, None).await.unwrap().as_ref(),
        Some(repair)
    );
    assert_eq!(
        p.repair_config(id, Some(510)).await.unwrap().as_ref(),
        Some(&all[&510])
    );
    assert_eq!(
        p.repair_config(uuid::Uuid::new_v4(), None).await.unwrap(),
        None
    );

    // UURs: a defined fail code (any case) is taken, another is refused naming it.
    let (status, body) = s.submit(&uur(500, "component", "DEFECT COMPONENT")).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = s.submit(&uur(500, "Component", "Exploded")).await;
    assert_eq!(status, 400, "{body}");
    let message = body["Message"].as_str().unwrap();
    assert!(
        message.contains("subUnits[0].failures[0]")
            && message.contains("code='Exploded'")
            && message.contains("repair operation 500"),
        "{message}"
    );

    // An edit: a new tree for 510; ids are given to new entries; UURs follow it at once.
    let mut rma = RepairOperationConfig {
        description: Some("RMA".into()),
        comp_ref_mask: Some("^[A-Z]+[0-9]+$".into()),
        ..Default::default()
    };
    let mut water = RepairCategory::new("Water damage");
    water.fail_codes = vec![RepairCategory::new("Corrosion"), {
        let mut retired = RepairCategory::new("Retired code");
        retired.selectable = Some(false);
        retired
    }];
    rma.categories = vec![water];
    let saved = p.save_repair_config(510, &rma).await.unwrap();
    assert!(saved.categories[0].guid.is_some());
    assert!(saved.categories[0].fail_codes[0].guid.is_some());
    assert_eq!(saved.comp_ref_mask.as_deref(), Some("^[A-Z]+[0-9]+$"));
    assert_eq!(p.repair_configs().await.unwrap()[&510], saved);
    let (status, body) = s.submit(&uur(510, "Water damage", "Corrosion")).await;
    assert_eq!(status, 200, "{body}");
    // The component-reference mask: the sample's "U1" matches, "u-1" does not.
    let mut bad_ref = uur(510, "Water damage", "Corrosion");
    bad_ref["subUnits"][0]["failures"][0]["comRef"] = json!("u-1");
    let (status, body) = s.submit(&bad_ref).await;
    assert_eq!(status, 400, "{body}");
    let m = body["Message"].as_str().unwrap();
    assert!(
        m.contains("failures[0].comRef 'u-1'") && m.contains("^[A-Z]+[0-9]+$"),
        "{m}"
    );
    for (cat, code) in [
        ("Component", "Burned Component"),
        ("Water damage", "Retired code"),
    ] {
        let (status, body) = s.submit(&uur(510, cat, code)).await;
        assert_eq!(status, 400, "{cat}/{code}: {body}");
    }

    // Bad edits are 400s naming the field; a non-repair process is refused.
    let bad = |cats: Vec<RepairCategory>| RepairOperationConfig {
        categories: cats,
        ..Default::default()
    };
    let message = |e: Error| match e {
        Error::Validation { message, .. } => message,
        other => panic!("expected a 400, got {other:?}"),
    };
    let e = p
        .save_repair_config(500, &bad(vec![RepairCategory::default()]))
        .await
        .unwrap_err();
    assert!(message(e).contains("Categories[0].Description"));
    let twice = vec![RepairCategory::new("A"), RepairCategory::new("a")];
    let e = p.save_repair_config(500, &bad(twice)).await.unwrap_err();
    assert!(message(e).contains("given twice"));
    let bad_mask = RepairOperationConfig {
        comp_ref_mask: Some("[A-Z".into()),
        ..Default::default()
    };
    let e = p.save_repair_config(500, &bad_mask).await.unwrap_err();
    assert!(message(e).contains("CompRefMask"));
    let e = p.save_repair_config(100, &bad(vec![])).await.unwrap_err();
    assert!(message(e).contains("not a repair operation"));
    assert!(matches!(
        p.save_repair_config(999, &bad(vec![])).await,
        Err(Error::NotFound { .. })
    ));

    // The blocking mirror.
    let base = s.base.clone();
    tokio::task::spawn_blocking(move || {
        let b = wats::blocking::Wats::builder()
            .base_url(&base)
            .credentials(USER, PASSWORD)
            .no_rate_limit()
            .no_cache()
            .build()
            .unwrap();
        let p = b.process();
        assert_eq!(p.repair_configs().unwrap().len(), 2);
        assert_eq!(
            p.repair_config(id, None)
                .unwrap()
                .unwrap()
                .description
                .as_deref(),
            Some("Repair")
        );
        assert_eq!(p.repair_categories(510).unwrap().len(), 1);
        assert_eq!(p.fail_codes(510, None).unwrap().len(), 1);
        let cfg = p.repair_configs().unwrap()[&500].clone();
        assert_eq!(p.save_repair_config(500, &cfg).unwrap(), cfg);
    })
    .await
    .unwrap();
}
