//! What `wats::product` (and levels) send: every method's exact method, path (with the
//! casing pyWATS uses), query and body, recorded by an in-test server. `wats-server` matches
//! paths without regard to case, so the end-to-end tests alone would not catch a misspelt
//! path; WATS's own routing is not guaranteed to be as forgiving.

mod common;

use common::{json, serve};
use uuid::Uuid;
use wats::odata::field;
use wats::product::{
    wsbf, BomItem, Product, ProductCategory, ProductGroup, ProductGroupDefinition,
    ProductGroupFilter, ProductQuery, ProductRevision, ProductRevisionRelation, Setting, Vendor,
};

const PARENT: &str = "11111111-1111-4111-8111-111111111111";
const CHILD: &str = "22222222-2222-4222-8222-222222222222";

/// What the in-test server answers: enough for each call to decode.
fn answer(method: &str, path: &str) -> &'static str {
    match (method, path) {
        (_, "/api/internal/Product/PostProductRevisionRelation") => {
            r#"[{"ParentProductRevisionId":"11111111-1111-4111-8111-111111111111",
                 "ProductRevisionId":"22222222-2222-4222-8222-222222222222",
                 "ProductRevisionRelationId":"33333333-3333-4333-8333-333333333333"}]"#
        }
        ("POST", "/api/SystemManager/Level") => "7",
        ("GET", "/api/SystemManager/Level") => "null",
        ("GET", "/api/Product/BOM") => r#"{"partNumber":"P","revision":"A"}"#,
        ("GET", "/api/Product/P%201%2Fx" | "/api/Product/P1/A") => "{}",
        ("GET", _) => "[]",
        ("PUT", "/api/Product/Products" | "/api/Product/Revisions") => "[]",
        ("PUT", p) if p.starts_with("/api/internal/Product/Put") && !p.contains("Relation") => "[]",
        ("PUT", "/api/internal/Product/BOM") => "[]",
        _ => "{}",
    }
}

#[tokio::test]
async fn every_product_call_on_the_wire() {
    let server = serve(|seen, _| json(200, answer(seen.method.as_str(), &seen.path))).await;
    let wats = server.client().no_cache().build().unwrap();
    let p = wats.product();
    let parent: Uuid = PARENT.parse().unwrap();
    let child: Uuid = CHILD.parse().unwrap();

    p.products().await.unwrap();
    p.query(
        &ProductQuery::new()
            .filter(field("state").eq(1))
            .order_by("name")
            .top(5)
            .skip(10),
    )
    .await
    .unwrap();
    p.get("P 1/x").await.unwrap();
    p.save(&Product::new("P1")).await.unwrap();
    p.save_many(&[Product::new("P1")]).await.unwrap();
    p.delete("P1").await.unwrap();
    p.revision("P1", "A").await.unwrap();
    p.save_revision(&ProductRevision::new("P1", "A"))
        .await
        .unwrap();
    p.save_revisions(&[]).await.unwrap();
    p.delete_revision("P1", "A").await.unwrap();
    p.product_tags("P1").await.unwrap();
    p.set_product_tags("P1", &[Setting::add("k", "v")])
        .await
        .unwrap();
    p.revision_tags("P1", "A").await.unwrap();
    p.set_revision_tags("P1", "A", &[]).await.unwrap();
    p.groups().await.unwrap();
    p.save_group(&ProductGroup {
        product_group_name: Some("G".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    p.add_group_filter("G", &ProductGroupFilter::exclude("P%").revision("A"))
        .await
        .unwrap();
    p.group_filters(Some(3)).await.unwrap();
    p.group_definitions(None, true).await.unwrap();
    p.create_group_definition(&ProductGroupDefinition::default())
        .await
        .unwrap();
    p.update_group_definition(&ProductGroupDefinition::default())
        .await
        .unwrap();
    p.delete_group(3).await.unwrap();
    p.groups_for_product("P1").await.unwrap();
    p.groups_for_revision("P1", "A").await.unwrap();
    p.categories().await.unwrap();
    p.save_categories(&[ProductCategory::default()])
        .await
        .unwrap();
    p.vendors().await.unwrap();
    p.save_vendor(&Vendor::default()).await.unwrap();
    p.delete_vendor(parent).await.unwrap();
    p.bom("P1", "A").await.unwrap();
    p.upload_bom("P1", "A", &[BomItem::default()])
        .await
        .unwrap();
    p.upload_wsbf(&wsbf::Bom {
        part_number: "P1".into(),
        revision: "A".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    p.bom_document("P1", "A").await.unwrap();
    p.hierarchy("P1", "A").await.unwrap();
    let rel = ProductRevisionRelation {
        parent_product_revision_id: Some(parent),
        child_product_revision_id: Some(child),
        quantity: Some(2),
        ..Default::default()
    };
    p.add_relation(&rel).await.unwrap();
    p.update_relation(&rel).await.unwrap();
    p.delete_relation(child).await.unwrap();
    assert_eq!(wats.app().create_level(&["A", "B"]).await.unwrap(), 7);
    assert_eq!(wats.app().level_id(&["A", "B"]).await.unwrap(), None);

    let seen: Vec<String> = server
        .requests()
        .iter()
        .map(|s| {
            let q = if s.query.is_empty() {
                String::new()
            } else {
                format!("?{}", s.query)
            };
            format!("{} {}{q}", s.method, s.path)
        })
        .collect();
    let expected = [
        "GET /api/Product/Query",
        "GET /api/Product/Query?$filter=state%20eq%201&$orderby=name&$top=5&$skip=10",
        "GET /api/Product/P%201%2Fx",
        "PUT /api/Product",
        "PUT /api/Product/Products",
        "DELETE /api/Product/P1",
        "GET /api/Product/P1/A",
        "PUT /api/Product/Revision",
        "PUT /api/Product/Revisions",
        "DELETE /api/Product/P1/A",
        "GET /api/internal/Product/GetProductTags?partNumber=P1",
        "PUT /api/internal/Product/PutProductTags?partNumber=P1",
        "GET /api/internal/Product/GetRevisionTags?partNumber=P1&revision=A",
        "PUT /api/internal/Product/PutRevisionTags?partNumber=P1&revision=A",
        "GET /api/Product/Groups",
        "PUT /api/Product/Group",
        "POST /api/Product/ProductGroupFilter?productGroup=G&partNumber=P%25&revision=A&exclude=true",
        "GET /api/Product/ProductGroupFilter?productGroupId=3",
        "GET /api/Product/ProductGroup?includeFilters=true",
        "POST /api/Product/ProductGroup",
        "PUT /api/Product/ProductGroup",
        "DELETE /api/Product/ProductGroup/3",
        "GET /api/internal/Product/GetGroupsForProduct?partNumber=P1",
        "GET /api/Product/ProductGroupsByProduct?partNumber=P1&revision=A",
        "GET /api/internal/Product/GetProductCategories",
        "PUT /api/internal/Product/PutProductCategories",
        "GET /api/Product/Vendors",
        "PUT /api/Product/Vendors",
        "DELETE /api/Product/Vendors/11111111-1111-4111-8111-111111111111",
        "GET /api/internal/Product/Bom?partNumber=P1&revision=A",
        "PUT /api/internal/Product/BOM?partNumber=P1&revision=A&format=json",
        "PUT /api/Product/BOM",
        "GET /api/Product/BOM?partNumber=P1&revision=A",
        "GET /api/internal/Product/GetProductInfo?partNumber=P1&revision=A",
        "POST /api/internal/Product/PostProductRevisionRelation",
        "PUT /api/internal/Product/PutProductRevisionRelation",
        "DELETE /api/internal/Product/DeleteProductRevisionRelation?productRevisionRelationId=22222222-2222-4222-8222-222222222222",
        "POST /api/SystemManager/Level",
        "GET /api/SystemManager/Level?hierarchy=A&hierarchy=B",
    ];
    assert_eq!(seen, expected);

    // Bodies: JSON with WATS's names; the WSBF upload is XML.
    let reqs = server.requests();
    let body = |i: usize| String::from_utf8(reqs[i].body.clone()).unwrap();
    assert_eq!(body(3), r#"{"partNumber":"P1"}"#);
    assert_eq!(body(7), r#"{"revision":"A","PartNumber":"P1"}"#);
    assert_eq!(body(11), r#"[{"key":"k","value":"v","change":1}]"#);
    assert_eq!(body(15), r#"{"productGroupName":"G"}"#);
    assert_eq!(
        reqs[31].headers.get("content-type").unwrap(),
        "application/xml"
    );
    assert!(body(31).starts_with("<BOM xmlns=\"http://wats.virinco.com/schemas/WATS/wsbf\""));
    assert_eq!(
        body(34),
        format!(
            r#"{{"ParentProductRevisionId":"{PARENT}","ProductRevisionId":"{CHILD}","Quantity":2}}"#
        )
    );
    assert_eq!(body(37), r#"["A","B"]"#);
}

#[tokio::test]
async fn raw_requests_retry_only_what_is_safe() {
    // 503 for the first two requests that arrive, 200 after.
    let server = serve(|_, i| {
        if i < 2 {
            json(503, r#"{"Message":"busy"}"#)
        } else {
            json(200, "[]")
        }
    })
    .await;
    let wats = server.client().no_cache().build().unwrap();
    let e = wats
        .request(wats::Method::POST, "/api/Product/X")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, wats::Error::Server { .. }), "{e:?}");
    assert_eq!(server.hits(), 1, "a POST is not sent twice");
    let v: serde_json::Value = wats
        .request(wats::Method::POST, "/api/Product/X")
        .idempotent()
        .json()
        .await
        .unwrap();
    assert_eq!(v, serde_json::json!([]));
    assert_eq!(server.hits(), 3, "an idempotent POST is retried");
}
