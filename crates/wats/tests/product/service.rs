//! Levels, the blocking client, concurrency, body limits, raw requests and the OpenAPI
//! document.

use wats::odata::field;
use wats::product::{BomItem, Product, ProductQuery, ProductRevision};
use wats::{Error, Method};

use super::server::{self, Backend, TestServer, PASSWORD, USER};
use super::{bad_request, client, not_found};

pub async fn levels_and_blocking(s: &TestServer) {
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

pub async fn concurrent_saves(s: &TestServer) {
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

pub async fn raw_requests(s: &TestServer) {
    let wats = client(s);
    // Every product route is behind authentication.
    let stranger = wats::Wats::builder()
        .base_url(&s.base)
        .credentials(USER, "wrong")
        .no_rate_limit()
        .build()
        .unwrap();
    for (method, path) in [("GET", "/api/Product/Query"), ("PUT", "/api/Product")] {
        let e = stranger
            .request(method.parse().unwrap(), path)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Unauthorized { .. }),
            "{method} {path}: {e:?}"
        );
    }
    wats.product().save(&Product::new("RAW-1")).await.unwrap();
    let v: serde_json::Value = wats
        .request(Method::GET, "/api/internal/Product/GetProductByPN")
        .query("PN", "raw-1")
        .json()
        .await
        .unwrap();
    assert_eq!(v["partNumber"], "RAW-1");

    // The OpenAPI's spellings: bulk products at /api/Products, vendors as a list of
    // {VendorName}, deleted by name in the body.
    let saved: Vec<Product> = wats
        .request(Method::PUT, "/api/Products")
        .json_body(&[Product::new("RAW-2"), Product::new("RAW-3")])
        .json()
        .await
        .unwrap();
    assert_eq!(saved.len(), 2);
    let vendors: serde_json::Value = wats
        .request(Method::PUT, "/api/Product/Vendors")
        .json_body(&serde_json::json!([{"VendorName": "V1"}, {"VendorName": "V2"}]))
        .json()
        .await
        .unwrap();
    assert_eq!(vendors.as_array().map(Vec::len), Some(2));
    assert!(vendors[0]["vendorId"].is_string());
    let e = wats
        .request(Method::DELETE, "/api/Product/Vendors")
        .json_body(&serde_json::json!([{"VendorName": "v1"}, {"VendorName": "nope"}]))
        .send()
        .await
        .unwrap_err();
    not_found(e);
    assert_eq!(
        wats.product().vendors().await.unwrap().len(),
        2,
        "all or none"
    );
    wats.request(Method::DELETE, "/api/Product/Vendors")
        .json_body(&serde_json::json!([{"VendorName": "v1"}, {"VendorName": "V2"}]))
        .send()
        .await
        .unwrap();
    assert!(wats.product().vendors().await.unwrap().is_empty());

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
    // An unknown part number: 404 with WATS's error body, {"Message": "..."}.
    let raw = reqwest::Client::new()
        .get(format!("{}/api/Product/NO-SUCH", s.base))
        .basic_auth(USER, Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 404);
    let body: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"Message": "Product 'NO-SUCH' was not found"})
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
