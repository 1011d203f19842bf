//! Products, revisions, tags, groups, categories and vendors.

use wats::odata::field;
use wats::product::{
    BomItem, ChangeType, Product, ProductCategory, ProductGroup, ProductGroupDefinition,
    ProductGroupFilter, ProductQuery, ProductRevision, ProductState, Setting, Vendor,
};
use wats::{Method, Require};

use super::server::TestServer;
use super::{bad_request, client, not_found};

pub async fn products_and_revisions(s: &TestServer) {
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
    // Not JSON, or not the shape: 400 saying what was expected, for each endpoint.
    for (path, body, says) in [
        ("/api/Product", "{\"partNumber\": ", "invalid product"),
        ("/api/Product", "[]", "invalid product"),
        ("/api/Product/Products", "{}", "invalid products"),
        ("/api/Product/Revision", "\"A\"", "invalid revision"),
        (
            "/api/Product/Group",
            "{\"productGroupId\": \"x\"}",
            "productGroupId",
        ),
        (
            "/api/internal/Product/PutProductCategories",
            "[{\"Name\": 1}]",
            "[0].Name",
        ),
        (
            "/api/internal/Product/PutProductRevisionRelation",
            "{\"Quantity\": 1.5}",
            "Quantity",
        ),
    ] {
        let e = wats
            .request(Method::PUT, path)
            .body(body, "application/json")
            .send()
            .await
            .unwrap_err();
        bad_request(e, says);
    }

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
    // $top goes up to 100,000 here (the report query stops at 10,000).
    assert_eq!(
        p.query(&ProductQuery::new().top(100_000))
            .await
            .unwrap()
            .len(),
        5
    );
    bad_request(
        p.query(&ProductQuery::new().top(100_001))
            .await
            .unwrap_err(),
        "100000",
    );
}

pub async fn tags(s: &TestServer) {
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

pub async fn groups_categories_vendors(s: &TestServer) {
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
