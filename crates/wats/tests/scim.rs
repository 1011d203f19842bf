//! `wats::scim` against a real `wats-server` on SQLite and PostgreSQL: every SCIM endpoint
//! (token, pages, by id, by name, create, PATCH, delete), async and blocking, the token it
//! mints signing in, and bad input answered as a typed error naming it.

#[path = "../../wats-server/tests/common/mod.rs"]
mod server;

use server::{Backend, TestServer, PASSWORD, USER};
use wats::scim::{ScimName, ScimPatchOperation, ScimPatchRequest, ScimUser, ScimValue};
use wats::{Error, Wats};

async fn start(backend: Backend) -> Option<TestServer> {
    server::start(backend).await
}

both_backends!(super::start; every_call_async_and_blocking, bad_input_is_refused);

fn client(s: &TestServer) -> Wats {
    Wats::builder()
        .base_url(&s.base)
        .credentials(USER, PASSWORD)
        .no_rate_limit()
        .build()
        .unwrap()
}

async fn every_call_async_and_blocking(s: &TestServer) {
    let wats = client(s);
    let scim = wats.scim();
    let mut user = ScimUser::new("line-7", "station");
    user.name = Some(ScimName {
        formatted: Some("Line 7".into()),
        given_name: Some("Line".into()),
        family_name: Some("Seven".into()),
        ..Default::default()
    });
    user.emails = vec![ScimValue::primary("line7@example.com")];
    user.external_id = Some("aad-7".into());
    let created = scim.create_user(&user).await.unwrap();
    let id = created.id.clone().unwrap();
    assert_eq!(created.user_name.as_deref(), Some("line-7"));
    assert_eq!(created.display_name.as_deref(), Some("Line 7"));
    assert_eq!(created.role(), Some("station"));
    assert_eq!(created.active, Some(true));
    assert_eq!(
        created.emails[0].value.as_deref(),
        Some("line7@example.com")
    );
    assert_eq!(created.external_id.as_deref(), Some("aad-7"));
    assert_eq!(created.meta.as_ref().unwrap()["resourceType"], "User");

    assert_eq!(scim.user(&id).await.unwrap(), Some(created.clone()));
    assert_eq!(
        scim.user_by_name("line-7").await.unwrap(),
        Some(created.clone())
    );
    assert_eq!(scim.user_by_name("nobody").await.unwrap(), None);
    assert_eq!(
        scim.user(&uuid::Uuid::new_v4().to_string()).await.unwrap(),
        None
    );

    // Pages: 1-based, by name; the env admin is there too.
    for n in 0..3 {
        scim.create_user(&ScimUser::new(format!("page-{n}"), "operator"))
            .await
            .unwrap();
    }
    let first = scim.users(Some(1), Some(2)).await.unwrap();
    assert_eq!(first.total_results, 5);
    assert_eq!((first.start_index, first.items_per_page), (1, 2));
    let names = |users: &[ScimUser]| -> Vec<String> {
        users.iter().filter_map(|u| u.user_name.clone()).collect()
    };
    assert_eq!(names(&first.resources), ["line-7", "page-0"]);
    let third = scim.users(Some(5), Some(2)).await.unwrap();
    assert_eq!(names(&third.resources), [USER]);
    let all = scim.all_users(2).await.unwrap();
    assert_eq!(names(&all), ["line-7", "page-0", "page-1", "page-2", USER]);

    // PATCH: role, name, e-mail, active, several at once.
    let u = scim.set_role(&id, "engineer").await.unwrap();
    assert_eq!(u.role(), Some("engineer"));
    let u = scim.set_display_name(&id, "Line seven").await.unwrap();
    assert_eq!(u.display_name.as_deref(), Some("Line seven"));
    let u = scim.deactivate(&id).await.unwrap();
    assert_eq!(u.active, Some(false));
    let patch = ScimPatchRequest::new(vec![
        ScimPatchOperation::replace("active", true),
        ScimPatchOperation::replace("emails", "l7@example.com"),
        ScimPatchOperation {
            op: "remove".into(),
            path: Some("name.givenName".into()),
            value: None,
        },
    ]);
    let u = scim.update_user(&id, &patch).await.unwrap();
    assert_eq!(u.active, Some(true));
    assert_eq!(u.emails[0].value.as_deref(), Some("l7@example.com"));
    assert_eq!(u.name.as_ref().unwrap().given_name, None);
    assert_eq!(scim.user(&id).await.unwrap(), Some(u));

    // A token minted for the caller signs in.
    let t = scim.token(Some(7)).await.unwrap();
    assert_eq!(t.duration_days, Some(7));
    assert_eq!(t.user_name.as_deref(), Some(USER));
    let expires = chrono::DateTime::parse_from_rfc3339(t.expires_utc.as_deref().unwrap()).unwrap();
    let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours();
    assert!((167..=168).contains(&days), "{days} hours");
    let by_token = Wats::builder()
        .base_url(&s.base)
        .credentials(USER, t.token.as_deref().unwrap())
        .build()
        .unwrap();
    assert!(by_token
        .app()
        .version()
        .await
        .unwrap()
        .contains("wats-server"));

    // The blocking mirror, on its own thread (it must not run inside the async runtime).
    let base = s.base.clone();
    let id2 = id.clone();
    tokio::task::spawn_blocking(move || {
        let b = wats::blocking::Wats::builder()
            .base_url(&base)
            .credentials(USER, PASSWORD)
            .no_rate_limit()
            .build()
            .unwrap();
        let scim = b.scim();
        assert_eq!(scim.user(&id2).unwrap().unwrap().role(), Some("engineer"));
        assert!(scim.user_by_name("page-1").unwrap().is_some());
        assert_eq!(scim.users(Some(1), Some(1)).unwrap().resources.len(), 1);
        assert_eq!(scim.all_users(100).unwrap().len(), 5);
        let made = scim
            .create_user(&ScimUser::new("blocking-1", "operator"))
            .unwrap();
        let bid = made.id.unwrap();
        assert_eq!(scim.set_active(&bid, false).unwrap().active, Some(false));
        assert_eq!(scim.deactivate(&bid).unwrap().active, Some(false));
        assert_eq!(
            scim.set_role(&bid, "station").unwrap().role(),
            Some("station")
        );
        let u = scim.set_display_name(&bid, "B").unwrap();
        assert_eq!(u.display_name.as_deref(), Some("B"));
        let patch = ScimPatchRequest::new(vec![ScimPatchOperation::replace("active", true)]);
        assert_eq!(scim.update_user(&bid, &patch).unwrap().active, Some(true));
        assert!(scim.token(None).unwrap().token.is_some());
        scim.delete_user(&bid).unwrap();
        assert_eq!(scim.user(&bid).unwrap(), None);
    })
    .await
    .unwrap();

    scim.delete_user(&id).await.unwrap();
    assert_eq!(scim.user(&id).await.unwrap(), None);
    assert!(matches!(
        scim.delete_user(&id).await,
        Err(Error::NotFound { .. })
    ));
}

async fn bad_input_is_refused(s: &TestServer) {
    let wats = client(s);
    let scim = wats.scim();
    let message = |e: Error| match e {
        Error::Validation { message, .. } | Error::Conflict { message, .. } => message,
        other => panic!("expected a 400 or 409, got {other:?}"),
    };
    let e = scim
        .create_user(&ScimUser::new("x", "root"))
        .await
        .unwrap_err();
    assert!(message(e).contains("root"));
    let e = scim.create_user(&ScimUser::default()).await.unwrap_err();
    assert!(message(e).contains("userName"));
    let e = scim
        .create_user(&ScimUser::new("a:b", "station"))
        .await
        .unwrap_err();
    assert!(message(e).contains("userName"));
    let made = scim
        .create_user(&ScimUser::new("dup", "station"))
        .await
        .unwrap();
    let e = scim
        .create_user(&ScimUser::new("dup", "station"))
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Conflict { .. }), "{e:?}");
    let id = made.id.unwrap();
    let e = scim.set_role(&id, "boss").await.unwrap_err();
    assert!(message(e).contains("Operations[0]"));
    let bad = ScimPatchRequest::new(vec![ScimPatchOperation::replace("levels", "a;b")]);
    let e = scim.update_user(&id, &bad).await.unwrap_err();
    assert!(message(e).contains("levels"));
    let e = scim.token(Some(0)).await.unwrap_err();
    assert!(message(e).contains("duration"));
    // The env admin is the last active admin.
    let me = scim.user_by_name(USER).await.unwrap().unwrap().id.unwrap();
    let e = scim.set_role(&me, "engineer").await.unwrap_err();
    assert!(message(e).contains("last active admin"));
    let e = scim.delete_user(&me).await.unwrap_err();
    assert!(message(e).contains("last active admin"));
    // A second admin makes it possible.
    let other = scim
        .create_user(&ScimUser::new("admin-2", "admin"))
        .await
        .unwrap();
    assert_eq!(other.role(), Some("admin"));
    scim.delete_user(other.id.as_deref().unwrap())
        .await
        .unwrap();
}
