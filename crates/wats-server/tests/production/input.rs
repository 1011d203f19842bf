//! Bad input, and the internal and OpenAPI spellings the SDK does not use.

use super::*;

pub async fn bad_input(s: &TestServer) {
    let w = client(s);
    let p = w.production();
    let pn = unique("BAD");
    product(&w, &pn, &["A"]).await;
    not_found(
        p.create_unit("X", "NO-SUCH-PART", "A", None, None).await,
        "NO-SUCH-PART",
    );
    not_found(p.create_unit("X", &pn, "Q", None, None).await, "'Q'");
    bad_request(
        p.create_unit("X", &pn, "A", None, Some(3)).await,
        "unitPhase",
    );
    bad_request(
        p.save_units(&[Unit::default()]).await,
        "units[0].serialNumber",
    );
    bad_request(
        p.save_units(&[Unit {
            serial_number: Some("X".into()),
            part_number: Some(pn.clone()),
            ..Unit::default()
        }])
        .await,
        "units[0].revision",
    );
    bad_request(
        p.save_units(&[Unit {
            batch_number: Some("NO-SUCH-BATCH".into()),
            ..Unit::new("X", &pn, "A")
        }])
        .await,
        "units[0].batchNumber",
    );
    // Nothing of a refused list is kept.
    not_found(
        p.save_units(&[
            Unit::new("OK-1", &pn, "A"),
            Unit::new("BAD-2", "NO-SUCH-PART", "A"),
        ])
        .await,
        "units[1].partNumber",
    );
    assert!(p.unit("OK-1", &pn).await.unwrap().is_none());
    not_found(
        p.set_phase("NOPE", &pn, phase::FINALIZED, None).await,
        "'NOPE'",
    );
    bad_request(
        p.save_batch(&ProductionBatch::default()).await,
        "batch.batchNumber",
    );
    bad_request(
        p.take_serial_numbers(&sn_type(&w, "#", 0, 1).await, 0, &TakeOptions::default())
            .await,
        "quantity",
    );
    bad_request(
        p.save_serial_number_types(&[SerialNumberType {
            name: Some(unique("T")),
            reg_ex: Some("([".into()),
            ..Default::default()
        }])
        .await,
        "types[0].regEx",
    );
    // Raw requests: missing and malformed parameters are 400s naming them.
    let raw = |path: &str| {
        s.client
            .put(s.url(path))
            .basic_auth(USER, Some(PASSWORD))
            .send()
    };
    let r = raw("/api/Production/SetUnitPhase?serialNumber=A&partNumber=B&phase=Nope")
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("phase"));
    let r = raw("/api/Production/SetUnitPhase?partNumber=B&phase=16")
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("serialNumber"));
    let r = s
        .client
        .put(s.url("/api/Production/Units"))
        .basic_auth(USER, Some(PASSWORD))
        .header("content-type", "application/json")
        .body("[{\"serialNumber\": 5}]")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("[0].serialNumber"));
    let (status, _) = s.get_json("/api/Production/Units/Changes?$top=x").await;
    assert_eq!(status, 400);
    let (status, body) = s
        .get_json("/api/Production/SerialNumbers/ByRange?typeName=NOPE&from=1&to=2")
        .await;
    assert_eq!(status, 404, "{body}");
}

/// The internal and OpenAPI spellings the SDK does not use.
pub async fn other_spellings(s: &TestServer) {
    let w = client(s);
    let p = w.production();
    let pn = unique("SP");
    product(&w, &pn, &["1"]).await;
    let (parent, child) = (unique("P"), unique("C"));
    p.create_unit(&parent, &pn, "1", None, None).await.unwrap();
    p.create_unit(&child, &pn, "1", None, None).await.unwrap();
    p.add_child(&parent, &pn, &child, &pn).await.unwrap();
    let post = |path: String| {
        s.client
            .post(s.url(&path))
            .basic_auth(USER, Some(PASSWORD))
            .send()
    };
    let r = post(format!(
        "/api/internal/Production/RemoveChildUnit?serialNumber={parent}&partNumber={pn}\
         &childSerialNumber={child}&childPartNumber={pn}&cultureCode=en-US"
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["subUnits"], json!([]));
    // CheckChildUnits with the OpenAPI's parameter names.
    let (status, body) = s
        .get_json(&format!(
            "/api/Production/CheckChildUnits?parentSerialNumber={parent}&parentPartNumber={pn}"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["isComplete"], true);
    // Types on the internal path; take as JSON; SetUnitProcess by name.
    let t = sn_type(&w, "J-###", 0, 5).await;
    let (status, types) = s
        .get_json("/api/internal/Production/SerialNumbers/Types")
        .await;
    assert_eq!(status, 200);
    assert!(types
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["name"] == json!(t)));
    let r = post(format!(
        "/api/Production/SerialNumbers/Take?serialNumberType={t}&quantity=2&format=json"
    ))
    .await
    .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!(["J-001", "J-002"]));
    let name = w.app().processes(&Default::default()).await.unwrap()[0]
        .name
        .clone()
        .unwrap();
    let r = s
        .client
        .put(s.url(&format!(
            "/api/Production/SetUnitProcess?serialNumber={parent}&partNumber={pn}&processName={name}"
        )))
        .basic_auth(USER, Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .client
        .put(s.url(&format!(
            "/api/internal/Production/SerialNumbers/Generate?serialNumberType={t}&startAddress=1&endAddress=9223372036854775807"
        )))
        .basic_auth(USER, Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
