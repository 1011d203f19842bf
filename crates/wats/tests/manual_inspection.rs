//! `wats::manual_inspection` against a real `wats-server` on SQLite and PostgreSQL: every
//! endpoint served (definitions, copy, instance count, relations and conflicts, sequences,
//! XAML and workflow content), async and blocking; unknown keys and the XAML kept as given;
//! bad input as a typed error naming it.

#[path = "../../wats-server/tests/common/mod.rs"]
mod server;

use server::{Backend, TestServer, PASSWORD, USER};
use uuid::Uuid;
use wats::manual_inspection::{
    DefinitionStatus, MiSequence, TestSequenceDefinition, TestSequenceRelation,
};
use wats::{Error, Wats};

async fn start(backend: Backend) -> Option<TestServer> {
    server::start(backend).await
}

both_backends!(super::start; definitions_relations_and_xaml, bad_input_is_refused);

fn client(s: &TestServer) -> Wats {
    Wats::builder()
        .base_url(&s.base)
        .credentials(USER, PASSWORD)
        .no_rate_limit()
        .build()
        .unwrap()
}

fn relation(def: Uuid, pn: &str) -> TestSequenceRelation {
    TestSequenceRelation {
        test_sequence_definition_id: Some(def),
        entity_schema: Some("Product".into()),
        entity_name: Some("PartNumber".into()),
        entity_value: Some(pn.into()),
        ..Default::default()
    }
}

async fn definitions_relations_and_xaml(s: &TestServer) {
    let wats = client(s);
    let mi = wats.manual_inspection();
    let mut d = TestSequenceDefinition {
        name: Some("Visual".into()),
        description: Some("Look at it".into()),
        on_fail_require_repair: Some(2),
        xaml: Some("<Activity a=\"1\"/>".into()),
        ..Default::default()
    };
    d.extra.insert("LogOperator".into(), true.into());
    d.extra.insert("CreatedBySite".into(), "Site A".into());
    let made = mi.create_definition(&d).await.unwrap();
    let id = made.test_sequence_definition_id.unwrap();
    assert_eq!(made.status, Some(DefinitionStatus::DRAFT));
    assert_eq!((made.version, made.is_global), (Some(1), Some(false)));
    assert_eq!(made.created_by.as_deref(), Some(USER));
    assert_eq!(made.extra["LogOperator"], true);
    assert_eq!(made.extra["CreatedBySite"], "Site A");
    assert_eq!(made.xaml.as_deref(), Some("<Activity a=\"1\"/>"));
    assert_eq!(made.instances_count, Some(0));
    let global = mi
        .create_definition(&TestSequenceDefinition {
            name: Some("Global".into()),
            is_global: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    let gid = global.test_sequence_definition_id.unwrap();

    let names = |v: Vec<TestSequenceDefinition>| -> Vec<String> {
        v.into_iter().filter_map(|d| d.name).collect()
    };
    assert_eq!(
        names(mi.definitions(Some(false)).await.unwrap()),
        ["Visual"]
    );
    assert_eq!(names(mi.definitions(Some(true)).await.unwrap()), ["Global"]);
    assert_eq!(
        names(mi.definitions(None).await.unwrap()),
        ["Global", "Visual"]
    );
    assert_eq!(mi.definition(id).await.unwrap(), Some(made.clone()));
    assert_eq!(mi.definition(Uuid::new_v4()).await.unwrap(), None);
    assert_eq!(mi.instances_count(id).await.unwrap(), 0);

    // Update: only the fields sent; status stamps.
    let u = mi
        .update_definition(&TestSequenceDefinition {
            test_sequence_definition_id: Some(id),
            description: Some("Look closely".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(u.description.as_deref(), Some("Look closely"));
    assert_eq!(u.name.as_deref(), Some("Visual"));
    assert_eq!(u.extra["LogOperator"], true);
    // Life cycle: draft <-> pending -> released; only a draft is edited.
    let e = mi
        .set_status(id, DefinitionStatus::RELEASED)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("from draft to released"), "{e}");
    mi.set_status(id, DefinitionStatus::PENDING).await.unwrap();
    let e = mi.put_xaml(id, "<Other/>").await.unwrap_err();
    assert!(e.to_string().contains("Only a draft"), "{e}");
    let r = mi.set_status(id, DefinitionStatus::RELEASED).await.unwrap();
    assert_eq!(r.status, Some(DefinitionStatus::RELEASED));
    assert_eq!(r.released_by.as_deref(), Some(USER));
    let late = TestSequenceDefinition {
        test_sequence_definition_id: Some(id),
        description: Some("late".into()),
        ..Default::default()
    };
    let e = mi.update_definition(&late).await.unwrap_err();
    assert!(e.to_string().contains("Only a draft"), "{e}");
    let e = mi
        .set_status(id, DefinitionStatus::DRAFT)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("from released to draft"), "{e}");

    // Relations and conflicts.
    let a = mi.create_relation(&relation(id, "PCB-1")).await.unwrap();
    assert!(a.test_sequence_relation_id.is_some());
    let b = mi.create_relation(&relation(gid, "pcb-1")).await.unwrap();
    mi.create_relation(&relation(gid, "PCB-2")).await.unwrap();
    assert_eq!(mi.relations(id).await.unwrap(), std::slice::from_ref(&a));
    assert_eq!(mi.relations(gid).await.unwrap().len(), 2);
    let c = mi.relation_conflicts(id).await.unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(
        (
            c[0].test_sequence_relation_id,
            c[0].name.as_deref(),
            c[0].entity_value.as_deref()
        ),
        (b.test_sequence_relation_id, Some("Global"), Some("pcb-1"))
    );
    assert_eq!(mi.relation_conflicts_legacy(id).await.unwrap(), c);
    let moved = mi
        .update_relation(&TestSequenceRelation {
            test_sequence_relation_id: b.test_sequence_relation_id,
            entity_value: Some("PCB-3".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(moved.entity_schema.as_deref(), Some("Product"));
    assert!(mi.relation_conflicts(id).await.unwrap().is_empty());
    assert_eq!(mi.delete_relation(&moved).await.unwrap(), moved);
    assert_eq!(mi.relations(gid).await.unwrap().len(), 1);
    assert_eq!(mi.definition(id).await.unwrap().unwrap().relations, [a]);

    // Copy: a draft with the XAML, without relations.
    let copy = mi.copy_definition(id).await.unwrap();
    let cid = copy.test_sequence_definition_id.unwrap();
    assert_ne!(cid, id);
    assert_eq!(copy.status, Some(DefinitionStatus::DRAFT));
    assert_eq!(copy.version, Some(2), "the next version of its name");
    assert_eq!(
        (copy.name.as_deref(), copy.released.as_deref()),
        (Some("Visual"), None)
    );
    assert_eq!(copy.xaml.as_deref(), Some("<Activity a=\"1\"/>"));
    assert!(copy.relations.is_empty());
    // Releasing version 2 revokes version 1.
    mi.set_status(cid, DefinitionStatus::PENDING).await.unwrap();
    mi.set_status(cid, DefinitionStatus::RELEASED)
        .await
        .unwrap();
    let old = mi.definition(id).await.unwrap().unwrap();
    assert_eq!(old.status, Some(DefinitionStatus::REVOKED));
    assert!(old.revoked.is_some() && old.released.is_some());

    // XAML and workflow content, as given.
    let xaml = "<Activity xmlns=\"x\">\n  <Step Name=\"é\"/>\n</Activity>";
    mi.put_xaml(gid, xaml).await.unwrap();
    assert_eq!(mi.xaml(gid).await.unwrap().as_deref(), Some(xaml));
    assert_eq!(mi.wwf_content(gid).await.unwrap().as_deref(), Some(xaml));
    let third = mi
        .create_definition(&TestSequenceDefinition {
            name: Some("No XAML".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        mi.xaml(third.test_sequence_definition_id.unwrap())
            .await
            .unwrap(),
        None
    );
    assert_eq!(third.version, Some(1));
    let tid = third.test_sequence_definition_id.unwrap();

    // Sequences.
    let seqs = mi.sequences().await.unwrap();
    assert_eq!(seqs.len(), 4);
    let s2 = mi
        .update_sequence(&MiSequence {
            test_sequence_definition_id: Some(tid),
            name: Some("Visual v2".into()),
            version: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (s2.name.as_deref(), s2.version),
        (Some("Visual v2"), Some(2))
    );
    mi.delete_sequence(cid).await.unwrap();
    assert_eq!(mi.definition(cid).await.unwrap(), None);
    assert!(matches!(
        mi.delete_sequence(cid).await,
        Err(Error::NotFound { .. })
    ));

    // The blocking mirror.
    let base = s.base.clone();
    tokio::task::spawn_blocking(move || {
        let b = wats::blocking::Wats::builder()
            .base_url(&base)
            .credentials(USER, PASSWORD)
            .no_rate_limit()
            .build()
            .unwrap();
        let mi = b.manual_inspection();
        let d = mi
            .create_definition(&TestSequenceDefinition {
                name: Some("B".into()),
                ..Default::default()
            })
            .unwrap();
        let id = d.test_sequence_definition_id.unwrap();
        assert!(mi.definition(id).unwrap().is_some());
        assert_eq!(mi.definitions(Some(false)).unwrap().len(), 3);
        assert_eq!(mi.instances_count(id).unwrap(), 0);
        let d = mi
            .update_definition(&TestSequenceDefinition {
                test_sequence_definition_id: Some(id),
                version: Some(3),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(d.version, Some(3));
        mi.put_xaml(id, "<A/>").unwrap();
        mi.set_status(id, DefinitionStatus::PENDING).unwrap();
        let r = mi.create_relation(&relation(id, "PCB-1")).unwrap();
        assert_eq!(mi.relations(id).unwrap().len(), 1);
        assert_eq!(mi.relation_conflicts(id).unwrap().len(), 1);
        assert_eq!(mi.relation_conflicts_legacy(id).unwrap().len(), 1);
        let r = mi
            .update_relation(&TestSequenceRelation {
                entity_key: Some("k".into()),
                ..r
            })
            .unwrap();
        mi.delete_relation(&r).unwrap();
        assert_eq!(mi.xaml(id).unwrap().as_deref(), Some("<A/>"));
        assert_eq!(mi.wwf_content(id).unwrap().as_deref(), Some("<A/>"));
        let c = mi.copy_definition(id).unwrap();
        assert_eq!(c.version, Some(4));
        assert_eq!(mi.sequences().unwrap().len(), 5);
        mi.update_sequence(&MiSequence {
            test_sequence_definition_id: c.test_sequence_definition_id,
            status: Some(DefinitionStatus::PENDING),
            ..Default::default()
        })
        .unwrap();
        mi.delete_sequence(c.test_sequence_definition_id.unwrap())
            .unwrap();
    })
    .await
    .unwrap();
}

async fn bad_input_is_refused(s: &TestServer) {
    let wats = client(s);
    let mi = wats.manual_inspection();
    let message = |e: Error| match e {
        Error::Validation { message, .. } => message,
        other => panic!("expected a 400, got {other:?}"),
    };
    let e = mi
        .create_definition(&TestSequenceDefinition::default())
        .await
        .unwrap_err();
    assert!(message(e).contains("Name"));
    let d = mi
        .create_definition(&TestSequenceDefinition {
            name: Some("x".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let id = d.test_sequence_definition_id.unwrap();
    let e = mi.set_status(id, DefinitionStatus(9)).await.unwrap_err();
    assert!(message(e).contains("Status 9"));
    let e = mi
        .update_definition(&TestSequenceDefinition {
            test_sequence_definition_id: Some(id),
            on_fail_require_repair: Some(5),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(message(e).contains("OnFailRequireRepair"));
    let e = mi
        .update_definition(&TestSequenceDefinition::default())
        .await
        .unwrap_err();
    assert!(message(e).contains("TestSequenceDefinitionId"));
    let e = mi
        .create_relation(&TestSequenceRelation {
            test_sequence_definition_id: Some(id),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(message(e).contains("EntitySchema"));
    assert!(matches!(
        mi.create_relation(&relation(Uuid::new_v4(), "P")).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        mi.update_relation(&TestSequenceRelation {
            test_sequence_relation_id: Some(Uuid::new_v4()),
            ..Default::default()
        })
        .await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        mi.relations(Uuid::new_v4()).await,
        Err(Error::NotFound { .. })
    ));
    let r = s
        .get("/api/internal/ManualInspection/GetTestSequenceDefinition?definitionId=nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("definitionId"));
}
