//! Wrong credentials, unknown ids and invalid bodies: each a 4xx naming the problem.

use super::*;

pub(super) async fn auth_errors(s: &TestServer) {
    let url = s.url("/api/App/Version");
    for request in [
        s.client.get(&url),
        s.client.get(&url).basic_auth(common::USER, Some("wrong")),
        s.client
            .get(&url)
            .basic_auth("nobody", Some(common::PASSWORD)),
        s.client
            .get(&url)
            .header("authorization", "Basic !!!notbase64"),
        s.client.get(&url).header("authorization", "Bearer abc"),
    ] {
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert!(r.headers().contains_key("www-authenticate"));
        let body: Value = r.json().await.unwrap();
        assert!(body["Message"].as_str().unwrap().contains("denied"));
    }
    // The token form WATS clients send: base64(user:password), passwords may hold ':'.
    let token = wats_server::auth::basic_token(common::USER, common::PASSWORD);
    let r = s
        .client
        .get(&url)
        .header("authorization", format!("Basic {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Reports too.
    let r = s
        .client
        .post(s.url("/api/Report/WSJF"))
        .body(sample("wats/uur-example.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

pub(super) async fn not_found_and_bad_ids(s: &TestServer) {
    let missing = uuid::Uuid::new_v4();
    for path in [
        format!("/api/Report/Wsjf/{missing}"),
        format!("/api/Report/Wsxf/{missing}"),
        format!("/api/Report/Attachments/{missing}"),
        format!("/api/Report/Certificate/{missing}"),
        format!("/api/Report/Attachment?reportId={missing}&stepId=1"),
        "/api/NoSuchThing".to_owned(),
    ] {
        let (status, body) = s.get_json(&path).await;
        assert_eq!(status, 404, "{path}");
        assert!(body["Message"].is_string(), "{path}");
    }
    let (status, body) = s.get_json("/api/Report/Wsjf/not-a-guid").await;
    assert_eq!(status, 400);
    assert!(body["Message"].as_str().unwrap().contains("GUID"));
    let (status, _) = s
        .get_json(&format!("/api/Report/Wsjf/{missing}?detailLevel=9"))
        .await;
    assert_eq!(status, 400);
}

pub(super) async fn invalid_bodies(s: &TestServer) {
    let post = |body: String| async move {
        let r = s
            .post("/api/Report/WSJF", body)
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        (
            status,
            body["Message"].as_str().unwrap_or_default().to_owned(),
        )
    };
    let (status, message) = post("{\"type\": \"T\",".into()).await;
    assert_eq!(status, 400);
    assert!(message.contains("Invalid report"), "{message}");

    let (status, message) = post("[{}]".into()).await;
    assert_eq!(status, 400);
    assert!(message.contains("not an array"), "{message}");

    let mut r = small_uut(
        uuid::Uuid::new_v4(),
        "PN",
        "SN",
        "2026-01-01T00:00:00Z",
        "P",
    );
    r.as_object_mut().unwrap().remove("pn");
    let (status, message) = post(r.to_string()).await;
    assert_eq!(status, 400);
    assert!(message.contains("pn"), "{message}");

    let mut r = small_uut(
        uuid::Uuid::new_v4(),
        "PN",
        "SN",
        "2026-01-01T00:00:00Z",
        "P",
    );
    r["processCode"] = json!(4242);
    let (status, message) = post(r.to_string()).await;
    assert_eq!(status, 400);
    assert!(
        message.contains("4242 is not a defined process"),
        "{message}"
    );

    let mut r = small_uut(
        uuid::Uuid::new_v4(),
        "PN",
        "SN",
        "2026-01-01T00:00:00Z",
        "P",
    );
    r["root"]["steps"][0]["numericMeas"][0]["value"] = json!("many");
    let (status, message) = post(r.to_string()).await;
    assert_eq!(status, 400);
    assert!(
        message.contains("root.steps[0].numericMeas[0].value"),
        "{message}"
    );

    let r = s
        .post("/api/Report/WSXF", "<Reports><Report")
        .header("content-type", "application/xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
