//! Bills of materials, box-build templates and the product hierarchy.

use wats::product::{wsbf, BomItem, Product, ProductRevision, ProductRevisionRelation};
use wats::{Error, Method, Require};

use super::server::TestServer;
use super::{bad_request, client, not_found};

pub async fn boms(s: &TestServer) {
    let wats = client(s);
    let p = wats.product();
    p.save(&Product::new("BOM-1")).await.unwrap();
    let rev = p
        .save_revision(&ProductRevision::new("BOM-1", "A"))
        .await
        .unwrap();
    let items = p
        .upload_bom(
            "BOM-1",
            "A",
            &[
                BomItem {
                    component_ref: Some("R1;R2".into()),
                    part_number: Some("R-10k".into()),
                    quantity: Some(2),
                    manufacturer: Some("Yageo".into()),
                    ..Default::default()
                },
                BomItem {
                    part_number: Some("C-1u".into()),
                    ..Default::default()
                },
            ],
        )
        .await
        .unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1].quantity, Some(1), "quantity defaults to 1");
    let read = p.bom("bom-1", "a").await.unwrap();
    assert_eq!(read, items);
    assert_eq!(read[0].product_revision_id, rev.product_revision_id);

    // WSBF replaces it.
    let doc = wsbf::Bom {
        part_number: "BOM-1".into(),
        revision: "A".into(),
        description: Some("board".into()),
        components: vec![wsbf::Component {
            number: Some("U-1".into()),
            revision: Some("2".into()),
            quantity: Some(3),
            reference: Some("U1".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    p.upload_wsbf(&doc).await.unwrap();
    let read = p.bom("BOM-1", "A").await.unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].part_number.as_deref(), Some("U-1"));
    assert_eq!(read[0].extra["revision"], "2");
    assert_eq!(wsbf::Component::from_bom_item(&read[0]), doc.components[0]);
    let public = p.bom_document("bom-1", "A").await.unwrap().unwrap();
    assert_eq!(public.part_number, "BOM-1");
    assert_eq!(public.components, doc.components);
    assert!(p.bom_document("BOM-1", "Z").await.unwrap().is_none());
    // The same document as JSON.
    let body = serde_json::json!({"partNumber": "BOM-1", "revision": "A",
        "components": [{"number": "Q-1", "quantity": 5, "reference": "Q1"}]});
    wats.request(Method::PUT, "/api/Product/BOM")
        .json_body(&body)
        .send()
        .await
        .unwrap();
    let read = p.bom("BOM-1", "A").await.unwrap();
    assert_eq!(read[0].part_number.as_deref(), Some("Q-1"));
    assert_eq!(read[0].quantity, Some(5));
    let e = wats
        .request(Method::PUT, "/api/Product/BOM")
        .json_body(&serde_json::json!({"revision": "A"}))
        .send()
        .await
        .unwrap_err();
    bad_request(e, "partNumber");

    // A BOM for a missing revision is refused with the reason; bad XML names the problem.
    let mut missing = doc.clone();
    missing.revision = "Z".into();
    let e = p.upload_wsbf(&missing).await.unwrap_err();
    assert!(
        matches!(&e, Error::NotFound { message } if message.contains("'Z'")),
        "{e:?}"
    );
    not_found(p.upload_bom("BOM-1", "Z", &[]).await.unwrap_err());
    let e = wats
        .request(Method::PUT, "/api/Product/BOM")
        .body("<BOM Revision=\"A\"/>", "application/xml")
        .send()
        .await
        .unwrap_err();
    bad_request(e, "Partnumber");
    let e = wats
        .request(Method::PUT, "/api/internal/Product/BOM")
        .query("partNumber", "BOM-1")
        .query("revision", "A")
        .json_body(&serde_json::json!([{"quantity": "two"}]))
        .send()
        .await
        .unwrap_err();
    bad_request(e, "[0].quantity");
    let kept = p.bom("BOM-1", "A").await.unwrap();
    assert_eq!(kept.len(), 1, "no partial write");
    assert_eq!(kept[0].part_number.as_deref(), Some("Q-1"));
    // The internal upload takes WSBF too (format=xml), for the revision it names.
    let xml = wsbf::Bom {
        part_number: "BOM-1".into(),
        revision: "A".into(),
        components: vec![wsbf::Component {
            number: Some("X-1".into()),
            ..Default::default()
        }],
        ..Default::default()
    }
    .to_xml();
    let stored: Vec<BomItem> = wats
        .request(Method::PUT, "/api/internal/Product/BOM")
        .query("partNumber", "bom-1")
        .query("revision", "A")
        .query("format", "xml")
        .body(xml.clone(), "application/xml")
        .json()
        .await
        .unwrap();
    assert_eq!(stored[0].part_number.as_deref(), Some("X-1"));
    let e = wats
        .request(Method::PUT, "/api/internal/Product/BOM")
        .query("partNumber", "OTHER")
        .query("revision", "A")
        .query("format", "xml")
        .body(xml, "application/xml")
        .send()
        .await
        .unwrap_err();
    bad_request(e, "not OTHER/A");
    let e = wats
        .request(Method::PUT, "/api/internal/Product/BOM")
        .query("partNumber", "BOM-1")
        .query("revision", "A")
        .query("format", "csv")
        .body("a,b", "text/csv")
        .send()
        .await
        .unwrap_err();
    bad_request(e, "format 'csv'");
    // A document type declaration is refused (no entity expansion, ever).
    let e = wats
        .request(Method::PUT, "/api/Product/BOM")
        .body(
            "<!DOCTYPE BOM [<!ENTITY x \"y\">]><BOM Partnumber=\"BOM-1\" Revision=\"A\"/>",
            "application/xml",
        )
        .send()
        .await
        .unwrap_err();
    bad_request(e, "document type");
    let kept = p.bom("BOM-1", "A").await.unwrap();
    assert_eq!(kept.len(), 1, "refused uploads write nothing");
    assert_eq!(kept[0].part_number.as_deref(), Some("X-1"));
}

pub async fn box_builds(s: &TestServer) {
    let wats = client(s);
    let p = wats.product();
    for (pn, rev) in [
        ("BOX", "1"),
        ("PCB", "A"),
        ("PCB", "B"),
        ("PSU", "7"),
        ("CHIP", "X"),
    ] {
        p.save(&Product::new(pn)).await.unwrap();
        p.save_revision(&ProductRevision::new(pn, rev))
            .await
            .unwrap();
    }
    let mut t = p.box_build("BOX", "1").await.require().unwrap();
    assert!(t.children().is_empty());
    t.add("PCB", "A", 2).await.unwrap();
    t.add("PSU", "7", 1).await.unwrap();
    assert!(t.has_changes());
    not_found(t.add("NOPE", "1", 1).await.unwrap_err());
    t.save().await.unwrap();
    assert!(!t.has_changes());
    assert_eq!(t.children().len(), 2);

    // A relation below a child: the hierarchy goes depth first.
    let pcb = p.revision("PCB", "A").await.unwrap().unwrap();
    let chip = p.revision("CHIP", "X").await.unwrap().unwrap();
    let rel = p
        .add_relation(&ProductRevisionRelation {
            parent_product_revision_id: pcb.product_revision_id,
            child_product_revision_id: chip.product_revision_id,
            quantity: Some(4),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rel.child_part_number.as_deref(), Some("CHIP"));
    let rows = p.hierarchy("BOX", "1").await.unwrap();
    let seen: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.hlevel.unwrap(),
                r.part_number.clone().unwrap(),
                r.quantity,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (0, "BOX".to_owned(), Some(1)),
            (1, "PCB".to_owned(), Some(2)),
            (2, "CHIP".to_owned(), Some(4)),
            (1, "PSU".to_owned(), Some(1)),
        ]
    );

    // Rules: a box cannot hold itself; both revisions must exist; quantity >= 1.
    let boxr = p.revision("BOX", "1").await.unwrap().unwrap();
    let e = p
        .add_relation(&ProductRevisionRelation {
            parent_product_revision_id: chip.product_revision_id,
            child_product_revision_id: boxr.product_revision_id,
            ..Default::default()
        })
        .await
        .unwrap_err();
    bad_request(e, "contains the parent");
    bad_request(
        p.add_relation(&ProductRevisionRelation {
            parent_product_revision_id: Some(uuid::Uuid::new_v4()),
            child_product_revision_id: chip.product_revision_id,
            ..Default::default()
        })
        .await
        .unwrap_err(),
        "ParentProductRevisionId",
    );
    bad_request(
        p.update_relation(&ProductRevisionRelation {
            quantity: Some(0),
            ..rel.clone()
        })
        .await
        .unwrap_err(),
        "Quantity",
    );
    not_found(
        p.update_relation(&ProductRevisionRelation {
            product_revision_relation_id: Some(uuid::Uuid::new_v4()),
            ..rel.clone()
        })
        .await
        .unwrap_err(),
    );

    // Edit the template: update, mask, remove, add; saved in one go.
    assert!(t.set_quantity("pcb", "a", 3));
    assert!(t.set_revision_mask("PCB", "A", Some("A,B%")));
    assert!(t.remove("PSU", "7"));
    t.add("PCB", "B", 1).await.unwrap();
    t.save().await.unwrap();
    let kids: Vec<_> = t
        .children()
        .iter()
        .map(|r| (r.child_revision.clone().unwrap(), r.quantity.unwrap()))
        .collect();
    assert_eq!(kids.len(), 2);
    assert!(kids.contains(&("A".to_owned(), 3)) && kids.contains(&("B".to_owned(), 1)));
    assert!(t.accepts("PCB", "B7"));
    assert!(!t.accepts("PSU", "7"));
    p.delete_relation(rel.product_revision_relation_id.unwrap())
        .await
        .unwrap();
    not_found(
        p.delete_relation(rel.product_revision_relation_id.unwrap())
            .await
            .unwrap_err(),
    );
    // A child in a template is not deleted from under it.
    bad_request(p.delete("pcb").await.unwrap_err(), "BOX/1");
    bad_request(p.delete_revision("PCB", "B").await.unwrap_err(), "BOX/1");
    t.clear();
    t.save().await.unwrap();
    assert_eq!(p.hierarchy("BOX", "1").await.unwrap().len(), 1);
    assert!(p.box_build("BOX", "9").await.unwrap().is_none());
    p.delete_revision("PCB", "b").await.unwrap();
    assert!(p.revision("PCB", "B").await.unwrap().is_none());
    // A product goes with its revisions, templates and BOMs.
    t.add("PCB", "A", 1).await.unwrap();
    t.save().await.unwrap();
    p.delete("BOX").await.unwrap();
    assert!(p.get("BOX").await.unwrap().is_none());
    not_found(p.hierarchy("BOX", "1").await.unwrap_err());
    not_found(p.delete("BOX").await.unwrap_err());
    p.delete("PCB").await.unwrap();
}

/// Shared sub-assemblies multiply in the hierarchy (a child appears under each parent): a
/// chain of 17 "diamonds" has 17 × 4 relations but over 2^17 paths. The answer is bounded.
pub async fn hierarchy_is_bounded(s: &TestServer) {
    let wats = client(s);
    let p = wats.product();
    let mut ids = Vec::new();
    for level in 0..=17 {
        for side in ["N", "L", "R"] {
            let pn = format!("D{level}{side}");
            p.save(&Product::new(pn.as_str())).await.unwrap();
            let r = p
                .save_revision(&ProductRevision::new(pn, "1"))
                .await
                .unwrap();
            ids.push(r.product_revision_id);
        }
    }
    let id = |level: usize, side: usize| ids[level * 3 + side];
    for level in 0..17 {
        for (from, to) in [(0, 1), (0, 2), (1, 3), (2, 3)] {
            // (from, to) over (this N, L, R, next N).
            let parent = if from == 0 {
                id(level, 0)
            } else {
                id(level, from)
            };
            let child = if to == 3 {
                id(level + 1, 0)
            } else {
                id(level, to)
            };
            p.add_relation(&ProductRevisionRelation {
                parent_product_revision_id: parent,
                child_product_revision_id: child,
                ..Default::default()
            })
            .await
            .unwrap();
        }
    }
    // Near the bottom it is small: a diamond's top, each side, and the next top under both
    // (rows(k) = 1 + 2 * (1 + rows(k + 1)), rows(17) = 1).
    assert_eq!(p.hierarchy("D16N", "1").await.unwrap().len(), 5);
    assert_eq!(p.hierarchy("D15N", "1").await.unwrap().len(), 13);
    let e = p.hierarchy("D0N", "1").await.unwrap_err();
    bad_request(e, "more than 100000 rows");
}
