//! `wats::product` against a real `wats-server` on loopback, on SQLite and PostgreSQL
//! (PostgreSQL skipped with a message when absent; failed when `WATS_REQUIRE_POSTGRES=1`):
//! every product endpoint, the domain rules and the answers to bad input.

#[path = "../../wats-server/tests/common/mod.rs"]
mod server;

use server::{Backend, TestServer, PASSWORD, USER};
use wats::odata::field;
use wats::product::{
    wsbf, BomItem, ChangeType, Product, ProductCategory, ProductGroup, ProductGroupDefinition,
    ProductGroupFilter, ProductQuery, ProductRevision, ProductRevisionRelation, ProductState,
    Setting, Vendor,
};
use wats::{Error, Method, Require, Wats};

fn client(s: &TestServer) -> Wats {
    Wats::builder()
        .base_url(&s.base)
        .credentials(USER, PASSWORD)
        .no_rate_limit()
        .build()
        .unwrap()
}

fn bad_request(e: Error, needle: &str) {
    match e {
        Error::Validation { ref message, .. } => {
            assert!(message.contains(needle), "{needle:?} not in {message:?}")
        }
        other => panic!("expected 400 naming {needle:?}, got {other:?}"),
    }
}

fn not_found(e: Error) {
    assert!(
        matches!(e, Error::NotFound { .. }),
        "expected 404, got {e:?}"
    );
}

async fn products_and_revisions(s: &TestServer) {
    let wats = client(s);
    let p = wats.product();
    let saved = p
        .save(&Product {
            name: Some("Main board".into()),
            description: Some("first".into()),
            tags: Some(vec![Setting::add("family", "boards")]),
            extra: [("futureField".to_owned(), serde_json::json!({"k": [1, 2]}))]
                .into_iter()
                .collect(),
            ..Product::new("PCB-100")
        })
        .await
        .unwrap();
    let id = saved.product_id.expect("an id is minted");
    assert_eq!(saved.state, Some(ProductState::ACTIVE));
    assert_eq!(saved.non_serial, Some(false));
    assert_eq!(saved.revisions.as_deref(), Some(&[][..]));
    assert_eq!(saved.extra["futureField"], serde_json::json!({"k": [1, 2]}));
    let tags = saved.tags.clone().unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].change, None, "change is an instruction, not stored");

    // Part numbers ignore case; absent fields are unchanged.
    let updated = p
        .save(&Product {
            state: Some(ProductState::INACTIVE),
            ..Product::new("pcb-100")
        })
        .await
        .unwrap();
    assert_eq!(updated.product_id, Some(id));
    assert_eq!(
        updated.part_number.as_deref(),
        Some("PCB-100"),
        "spelling kept"
    );
    assert_eq!(updated.description.as_deref(), Some("first"));
    assert_eq!(updated.state, Some(ProductState::INACTIVE));
    assert!(p.active_products().await.unwrap().is_empty());

    // Another product may not take the part number.
    let e = p
        .save(&Product {
            product_id: Some(uuid::Uuid::new_v4()),
            ..Product::new("Pcb-100")
        })
        .await
        .unwrap_err();
    bad_request(e, "partNumber");

    // Revisions: by part number, listed with the product, by path.
    let a = p
        .save_revision(&ProductRevision {
            name: Some("first build".into()),
            ..ProductRevision::new("PCB-100", "A")
        })
        .await
        .unwrap();
    assert_eq!(a.product_id, Some(id));
    assert_eq!(a.part_number.as_deref(), Some("PCB-100"));
    let b = p
        .save_revisions(&[
            ProductRevision::new("PCB-100", "B"),
            ProductRevision {
                product_id: Some(id),
                revision: Some("C".into()),
                state: Some(ProductState::INACTIVE),
                ..Default::default()
            },
        ])
        .await
        .unwrap();
    assert_eq!(b.len(), 2);
    let revs = p.revisions("PCB-100").await.unwrap();
    let names: Vec<_> = revs.iter().map(|r| r.revision.clone().unwrap()).collect();
    assert_eq!(names, ["A", "B", "C"]);
    assert!(revs
        .iter()
        .all(|r| r.part_number.as_deref() == Some("PCB-100")));
    let got = p.revision("pcb-100", "a").await.require().unwrap();
    assert_eq!(got.product_revision_id, a.product_revision_id);
    assert_eq!(got.name.as_deref(), Some("first build"));
    assert!(p.revision("PCB-100", "Z").await.unwrap().is_none());
    assert!(p.get("NO-SUCH").await.unwrap().is_none());

    // A revision id cannot move to another product; an unknown product is 404.
    p.save(&Product::new("PCB-200")).await.unwrap();
    let e = p
        .save_revision(&ProductRevision {
            product_revision_id: a.product_revision_id,
            ..ProductRevision::new("PCB-200", "A")
        })
        .await
        .unwrap_err();
    bad_request(e, "another product");
    not_found(
        p.save_revision(&ProductRevision::new("NO-SUCH", "A"))
            .await
            .unwrap_err(),
    );
    bad_request(
        p.save_revision(&ProductRevision {
            revision: Some("A".into()),
            ..Default::default()
        })
        .await
        .unwrap_err(),
        "productId or partNumber",
    );

    // Bulk saves are all or none.
    let e = p
        .save_many(&[Product::new("BULK-1"), Product::new("  ")])
        .await
        .unwrap_err();
    bad_request(e, "products[1].partNumber");
    assert!(p.get("BULK-1").await.unwrap().is_none(), "no partial write");
    let many = p
        .save_many(&[Product::new("BULK-1"), Product::new("BULK-2")])
        .await
        .unwrap();
    assert_eq!(many.len(), 2);

    // A product saved with revisions saves them.
    let with = p
        .save(&Product {
            revisions: Some(vec![ProductRevision {
                revision: Some("1.0".into()),
                ..Default::default()
            }]),
            ..Product::new("PCB-300")
        })
        .await
        .unwrap();
    assert_eq!(with.revisions.unwrap()[0].revision.as_deref(), Some("1.0"));

    // Bad values name the field.
    bad_request(
        p.save(&Product {
            state: Some(ProductState(7)),
            ..Product::new("PCB-100")
        })
        .await
        .unwrap_err(),
        "state",
    );
    let e = wats
        .request(Method::PUT, "/api/Product")
        .json_body(&serde_json::json!({"partNumber": "X", "nonSerial": "yes"}))
        .send()
        .await
        .unwrap_err();
    bad_request(e, "nonSerial");

    let list = p.products().await.unwrap();
    let pn: Vec<_> = list
        .iter()
        .map(|v| v.part_number.clone().unwrap())
        .collect();
    assert_eq!(pn, ["BULK-1", "BULK-2", "PCB-100", "PCB-200", "PCB-300"]);

    // The query: filter (text ignoring case), order, page.
    let pns = |list: Vec<wats::product::ProductView>| -> Vec<String> {
        list.into_iter().map(|v| v.part_number.unwrap()).collect()
    };
    let q = ProductQuery::new()
        .filter(
            field("partNumber")
                .starts_with("pcb-")
                .and(field("state").eq(1)),
        )
        .order_by("partNumber desc");
    assert_eq!(pns(p.query(&q).await.unwrap()), ["PCB-300", "PCB-200"]);
    let q = ProductQuery::new().order_by("partNumber").skip(1).top(2);
    assert_eq!(pns(p.query(&q).await.unwrap()), ["BULK-2", "PCB-100"]);
    let q = ProductQuery::new().filter(field("description").eq("FIRST"));
    assert_eq!(pns(p.query(&q).await.unwrap()), ["PCB-100"]);
    let e = p
        .query(&ProductQuery::new().filter(field("serialNumber").eq("x")))
        .await
        .unwrap_err();
    bad_request(e, "serialNumber");
    let e = p
        .query(&ProductQuery::new().order_by("nope"))
        .await
        .unwrap_err();
    bad_request(e, "nope");
}

async fn tags(s: &TestServer) {
    let wats = client(s);
    let p = wats.product();
    p.save(&Product::new("TAG-1")).await.unwrap();
    p.save_revision(&ProductRevision::new("TAG-1", "A"))
        .await
        .unwrap();
    let set = p
        .set_product_tags("TAG-1", &[Setting::add("a", "1"), Setting::add("b", "2")])
        .await
        .unwrap();
    assert_eq!(set.len(), 2);
    // Replaced, with the deleted one left out.
    let mut gone = Setting::add("a", "1");
    gone.change = Some(ChangeType::DELETE);
    let set = p
        .set_product_tags("tag-1", &[gone, Setting::add("b", "3")])
        .await
        .unwrap();
    assert_eq!(set.len(), 1);
    let read = p.product_tags("TAG-1").await.unwrap();
    assert_eq!(read[0].key.as_deref(), Some("b"));
    assert_eq!(read[0].value.as_deref(), Some("3"));
    assert_eq!(
        p.get("TAG-1").await.unwrap().unwrap().tags.unwrap()[0]
            .value
            .as_deref(),
        Some("3")
    );
    p.set_revision_tags("TAG-1", "A", &[Setting::add("fw", "1.2")])
        .await
        .unwrap();
    let read = p.revision_tags("TAG-1", "a").await.unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].value.as_deref(), Some("1.2"));
    not_found(p.product_tags("NO-SUCH").await.unwrap_err());
    not_found(p.revision_tags("TAG-1", "Z").await.unwrap_err());
    bad_request(
        p.set_product_tags("TAG-1", &[Setting::default()])
            .await
            .unwrap_err(),
        "key",
    );
}

async fn groups_categories_vendors(s: &TestServer) {
    let wats = client(s);
    let p = wats.product();
    p.save(&Product::new("GRP-1")).await.unwrap();
    p.save_revision(&ProductRevision::new("GRP-1", "A"))
        .await
        .unwrap();
    p.save(&Product::new("GRP-2")).await.unwrap();
    let g = p
        .save_group(&ProductGroup {
            product_group_name: Some("Boards".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(g.product_group_id.is_some());
    bad_request(
        p.save_group(&ProductGroup {
            product_group_name: Some("boards".into()),
            ..Default::default()
        })
        .await
        .unwrap_err(),
        "productGroupName",
    );
    // Visible to analytics filters.
    let app = wats.app().product_groups(None).await.unwrap();
    assert_eq!(app, vec![g.clone()]);
    assert_eq!(p.groups().await.unwrap(), vec![g.clone()]);

    p.add_group_filter("Boards", &ProductGroupFilter::include("GRP-%"))
        .await
        .unwrap();
    p.add_group_filter("boards", &ProductGroupFilter::exclude("GRP-2"))
        .await
        .unwrap();
    assert_eq!(
        p.groups_for_product("grp-1").await.unwrap(),
        vec![g.clone()]
    );
    assert!(p.groups_for_product("GRP-2").await.unwrap().is_empty());
    assert_eq!(
        p.groups_for_revision("GRP-1", "A").await.unwrap(),
        vec![g.clone()]
    );
    not_found(p.groups_for_product("NO-SUCH").await.unwrap_err());
    not_found(
        p.add_group_filter("No group", &ProductGroupFilter::include("X"))
            .await
            .unwrap_err(),
    );
    let renamed = p
        .save_group(&ProductGroup {
            product_group_name: Some("PCBAs".into()),
            ..g.clone()
        })
        .await
        .unwrap();
    assert_eq!(renamed.product_group_id, g.product_group_id);

    // The full form: description, visibility, filters; the same groups.
    let defs = p.group_definitions(None, true).await.unwrap();
    assert_eq!(defs.len(), 1);
    assert_eq!(defs[0].id, g.product_group_id);
    assert_eq!(defs[0].name.as_deref(), Some("PCBAs"));
    assert_eq!(defs[0].is_public, Some(true));
    let filters = defs[0].filters.clone().unwrap();
    assert_eq!(filters.len(), 2);
    assert_eq!(filters[1].exclude, Some(true));
    assert_eq!(p.group_filters(g.product_group_id).await.unwrap(), filters);
    let private = p
        .create_group_definition(&ProductGroupDefinition {
            name: Some("Lab only".into()),
            description: Some("not for analytics".into()),
            is_public: Some(false),
            ..Default::default()
        })
        .await
        .unwrap();
    let id = private.id.unwrap();
    assert_eq!(private.is_public, Some(false));
    let updated = p
        .update_group_definition(&ProductGroupDefinition {
            id: Some(id),
            name: Some("Lab".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        updated.description.as_deref(),
        Some("not for analytics"),
        "kept"
    );
    assert_eq!(updated.is_public, Some(false), "kept");
    bad_request(
        p.update_group_definition(&ProductGroupDefinition {
            id: Some(id),
            name: Some("pcbas".into()),
            ..Default::default()
        })
        .await
        .unwrap_err(),
        "name",
    );
    not_found(
        p.update_group_definition(&ProductGroupDefinition {
            id: Some(999),
            name: Some("X".into()),
            ..Default::default()
        })
        .await
        .unwrap_err(),
    );
    assert_eq!(wats.app().product_groups(None).await.unwrap().len(), 2);
    let with = wats.app().product_groups(Some(true)).await.unwrap();
    assert_eq!(with[0].extra["filters"].as_array().map(Vec::len), Some(2));
    assert_eq!(with[1].extra["filters"], serde_json::json!([]));
    let f = p
        .add_group_filter("Lab", &ProductGroupFilter::include("GRP-2").revision("A"))
        .await
        .unwrap();
    assert_eq!(f.product_group_id, Some(id));
    assert_eq!(p.groups_for_revision("GRP-2", "A").await.unwrap().len(), 1);
    assert!(p
        .groups_for_revision("GRP-2", "B")
        .await
        .unwrap()
        .is_empty());
    p.delete_group(id).await.unwrap();
    not_found(p.delete_group(id).await.unwrap_err());
    assert!(
        p.group_filters(Some(id)).await.unwrap().is_empty(),
        "filters go too"
    );
    assert_eq!(wats.app().product_groups(None).await.unwrap().len(), 1);

    // Categories: created, named on the product, renamed.
    let cats = p
        .save_categories(&[ProductCategory {
            name: Some("PCB".into()),
            description: Some("boards".into()),
            ..Default::default()
        }])
        .await
        .unwrap();
    let cat = cats[0].product_category_id.unwrap();
    let prod = p
        .save(&Product {
            product_category_id: Some(cat),
            ..Product::new("GRP-1")
        })
        .await
        .unwrap();
    assert_eq!(prod.product_category_name.as_deref(), Some("PCB"));
    let view = p.products().await.unwrap();
    assert_eq!(view[0].category.as_deref(), Some("PCB"));
    let cats = p
        .save_categories(&[ProductCategory {
            product_category_id: Some(cat),
            name: Some("PCBA".into()),
            ..Default::default()
        }])
        .await
        .unwrap();
    assert_eq!(cats.len(), 1);
    assert_eq!(cats[0].description.as_deref(), Some("boards"), "kept");
    assert_eq!(p.categories().await.unwrap(), cats);
    bad_request(
        p.save(&Product {
            product_category_id: Some(uuid::Uuid::new_v4()),
            ..Product::new("GRP-1")
        })
        .await
        .unwrap_err(),
        "productCategoryId",
    );

    // Vendors: saved, renamed, refused while a BOM line names them, then deleted.
    let v = p
        .save_vendor(&Vendor {
            vendor_name: Some("Acme".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let vid = v.vendor_id.unwrap();
    let other = p
        .save_vendor(&Vendor {
            vendor_name: Some("Other".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    bad_request(
        p.save_vendor(&Vendor {
            vendor_name: Some("ACME".into()),
            ..other.clone()
        })
        .await
        .unwrap_err(),
        "VendorName",
    );
    // Matched by name: the same vendor, updated.
    let same = p
        .save_vendor(&Vendor {
            vendor_name: Some("acme".into()),
            extra: [("city".to_owned(), serde_json::json!("Oslo"))]
                .into_iter()
                .collect(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(same.vendor_id, Some(vid));
    assert_eq!(same.vendor_name.as_deref(), Some("Acme"));
    assert_eq!(p.vendors().await.unwrap().len(), 2);
    p.delete_vendor(other.vendor_id.unwrap()).await.unwrap();
    p.upload_bom(
        "GRP-1",
        "A",
        &[BomItem {
            part_number: Some("R-1".into()),
            vendor: Some("acme".into()),
            ..Default::default()
        }],
    )
    .await
    .unwrap();
    bad_request(p.delete_vendor(vid).await.unwrap_err(), "in use");
    p.upload_bom("GRP-1", "A", &[]).await.unwrap();
    p.delete_vendor(vid).await.unwrap();
    assert!(p.vendors().await.unwrap().is_empty());
    not_found(p.delete_vendor(vid).await.unwrap_err());
}

async fn boms(s: &TestServer) {
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
    assert_eq!(
        p.bom("BOM-1", "A").await.unwrap().len(),
        1,
        "no partial write"
    );
}

async fn box_builds(s: &TestServer) {
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

async fn levels_and_blocking(s: &TestServer) {
    let wats = client(s);
    let app = wats.app();
    assert!(app.levels().await.unwrap().is_empty());
    let line = app
        .create_level(&["Europe", "Oslo", "Line 2"])
        .await
        .unwrap();
    // Existing levels are reused, names compared without regard to case.
    assert_eq!(
        app.create_level(&["europe", "OSLO", "Line 2"])
            .await
            .unwrap(),
        line
    );
    let other = app
        .create_level(&["Europe", "Bergen", "Line 2"])
        .await
        .unwrap();
    assert_ne!(other, line, "sibling names are unique, not global ones");
    assert_eq!(
        app.level_id(&["Europe", "Oslo", "Line 2"]).await.unwrap(),
        Some(line)
    );
    assert_eq!(app.level_id(&["Europe", "Paris"]).await.unwrap(), None);
    let levels = app.levels().await.unwrap();
    assert_eq!(levels.len(), 5);
    assert!(levels
        .iter()
        .any(|l| l.level_id == Some(line as i32) && l.level_name.as_deref() == Some("Line 2")));
    bad_request(app.create_level(&[]).await.unwrap_err(), "hierarchy");
    bad_request(
        app.create_level(&["Europe", " "]).await.unwrap_err(),
        "hierarchy[1]",
    );

    // The blocking client: the same calls, from a plain thread.
    let base = s.base.clone();
    std::thread::spawn(move || {
        let wats = wats::blocking::Wats::builder()
            .base_url(&base)
            .credentials(USER, PASSWORD)
            .no_rate_limit()
            .build()
            .unwrap();
        let p = wats.product();
        p.save(&Product::new("BLK-1")).unwrap();
        p.save(&Product::new("BLK-2")).unwrap();
        p.save_revisions(&[
            ProductRevision::new("BLK-1", "A"),
            ProductRevision::new("BLK-2", "A"),
        ])
        .unwrap();
        let mut t = p.box_build("BLK-1", "A").unwrap().expect("BLK-1/A exists");
        t.add("BLK-2", "A", 4).unwrap();
        t.save().unwrap();
        let rows = p.hierarchy("BLK-1", "A").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].quantity, Some(4));
        let raw: serde_json::Value = wats
            .send(wats.request(Method::GET, "/api/Product/BLK-2"))
            .unwrap();
        assert_eq!(raw["partNumber"], "BLK-2");
        assert!(p.get("BLK-3").unwrap().is_none());
    })
    .join()
    .unwrap();
}

async fn concurrent_saves(s: &TestServer) {
    // The same new part number from many requests at once: one product, and every answer a
    // success or a 409 (PostgreSQL may see the race), never a 500.
    let wats = client(s);
    let saves = (0..8).map(|i| {
        let wats = wats.clone();
        async move {
            wats.product()
                .save(&Product {
                    name: Some(format!("racer {i}")),
                    ..Product::new("RACE-1")
                })
                .await
        }
    });
    let results = futures_util::future::join_all(saves).await;
    for r in &results {
        assert!(
            matches!(r, Ok(_) | Err(Error::Conflict { .. })),
            "unexpected answer {r:?}"
        );
    }
    assert!(results.iter().any(Result::is_ok));
    let list = wats
        .product()
        .query(&ProductQuery::new().filter(field("partNumber").eq("RACE-1")))
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
}

/// Bodies over the server's limit are refused (413) before they are read whole, on every
/// product write; the product is not written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_refused() {
    let s = server::start_limited(Backend::Sqlite, 16 * 1024)
        .await
        .unwrap();
    let wats = client(&s);
    let big = Product {
        description: Some("x".repeat(32 * 1024)),
        ..Product::new("BIG-1")
    };
    let e = wats.product().save(&big).await.unwrap_err();
    assert!(
        matches!(&e, Error::Server { status, .. } if status.as_u16() == 413),
        "{e:?}"
    );
    let items = vec![
        BomItem {
            description: Some("y".repeat(1024)),
            ..Default::default()
        };
        32
    ];
    let e = wats
        .product()
        .upload_bom("BIG-1", "A", &items)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Server { status, .. } if status.as_u16() == 413),
        "{e:?}"
    );
    assert!(wats.product().get("BIG-1").await.unwrap().is_none());
    s.stop().await;
}

async fn raw_requests(s: &TestServer) {
    let wats = client(s);
    wats.product().save(&Product::new("RAW-1")).await.unwrap();
    let v: serde_json::Value = wats
        .request(Method::GET, "/api/internal/Product/GetProductByPN")
        .query("PN", "raw-1")
        .json()
        .await
        .unwrap();
    assert_eq!(v["partNumber"], "RAW-1");
    let r: ProductRevision = wats
        .request(Method::PUT, "/api/Products/Revisions")
        .json_body(&[ProductRevision::new("RAW-1", "A")])
        .json::<Vec<ProductRevision>>()
        .await
        .unwrap()
        .remove(0);
    // The revision's part number is written as WATS's OpenAPI spells it.
    let by_query: serde_json::Value = wats
        .request(Method::GET, "/api/Product")
        .query("partNumber", "RAW-1")
        .query("revision", "A")
        .json()
        .await
        .unwrap();
    assert_eq!(by_query["PartNumber"], "RAW-1");
    assert_eq!(
        by_query["productRevisionId"],
        r.product_revision_id.unwrap().to_string()
    );
    not_found(
        wats.request(Method::GET, "/api/Product/NO-SUCH")
            .send()
            .await
            .unwrap_err(),
    );
    assert!(matches!(
        wats.request(Method::GET, "no-slash").send().await,
        Err(Error::Config(_))
    ));
    // The OpenAPI document lists every product (and level) route.
    let doc: serde_json::Value = wats
        .request(Method::GET, "/swagger/v1/swagger.json")
        .json()
        .await
        .unwrap();
    for (method, path) in ROUTES {
        assert!(
            doc["paths"][path].get(method).is_some(),
            "{method} {path} is not in the OpenAPI document"
        );
    }
}

/// The routes of the Product domain and of levels.
const ROUTES: &[(&str, &str)] = &[
    ("delete", "/api/Product/ProductGroup/{id}"),
    ("delete", "/api/Product/Vendors"),
    ("delete", "/api/Product/Vendors/{vendorId}"),
    ("delete", "/api/Product/{partNumber}"),
    ("delete", "/api/Product/{partNumber}/{revision}"),
    (
        "delete",
        "/api/internal/Product/DeleteProductRevisionRelation",
    ),
    ("get", "/api/Product"),
    ("get", "/api/Product/BOM"),
    ("get", "/api/Product/Groups"),
    ("get", "/api/Product/ProductGroup"),
    ("get", "/api/Product/ProductGroupFilter"),
    ("get", "/api/Product/ProductGroupsByProduct"),
    ("get", "/api/Product/Query"),
    ("get", "/api/Product/Vendors"),
    ("get", "/api/Product/{partNumber}"),
    ("get", "/api/Product/{partNumber}/{revision}"),
    ("get", "/api/SystemManager/Level"),
    ("get", "/api/internal/Product/BOM"),
    ("get", "/api/internal/Product/GetGroupsForProduct"),
    ("get", "/api/internal/Product/GetProductByPN"),
    ("get", "/api/internal/Product/GetProductCategories"),
    ("get", "/api/internal/Product/GetProductInfo"),
    ("get", "/api/internal/Product/GetProductTags"),
    ("get", "/api/internal/Product/GetRevisionTags"),
    ("post", "/api/Product/ProductGroup"),
    ("post", "/api/Product/ProductGroupFilter"),
    ("post", "/api/SystemManager/Level"),
    ("post", "/api/internal/Product/PostProductRevisionRelation"),
    ("put", "/api/Product"),
    ("put", "/api/Product/BOM"),
    ("put", "/api/Product/Group"),
    ("put", "/api/Product/ProductGroup"),
    ("put", "/api/Product/Products"),
    ("put", "/api/Product/Revision"),
    ("put", "/api/Product/Revisions"),
    ("put", "/api/Product/Vendors"),
    ("put", "/api/Products"),
    ("put", "/api/Products/Revisions"),
    ("put", "/api/internal/Product/BOM"),
    ("put", "/api/internal/Product/PutProductCategories"),
    ("put", "/api/internal/Product/PutProductRevisionRelation"),
    ("put", "/api/internal/Product/PutProductTags"),
    ("put", "/api/internal/Product/PutRevisionTags"),
];

both_backends!(
    super::server::start;
    products_and_revisions,
    tags,
    groups_categories_vendors,
    boms,
    box_builds,
    levels_and_blocking,
    concurrent_saves,
    raw_requests
);
