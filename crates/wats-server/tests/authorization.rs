//! Who may do what, on SQLite and PostgreSQL: every route of the router (as its OpenAPI
//! document lists it) called with every role, against `wats_server::authz::RULES`; every
//! route has a rule; the table in `docs/authorization.md` is the one the server applies;
//! credentials that are missing, wrong, expired or deactivated get 401; changes to a user
//! take effect at once despite the verified-token cache; `wats-server user` manages users on
//! the database; and no secret reaches a log line.

mod common;

use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::http::Method;
use common::{start, Backend, TestServer, PASSWORD, USER};
use serde_json::{json, Value};
use wats_server::authz::{rule_for, Role, RULES};

both_backends!(super::start;
    every_role_on_every_route,
    bad_credentials_are_401,
    changes_take_effect_at_once,
    the_cli_manages_users,
);

/// Runs `wats-server user --database-url URL ARGS…`; its status, stdout and stderr.
async fn cli(s: &TestServer, args: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wats-server"));
    cmd.args(["user", "--database-url", &s.db_url]).args(args);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `Authorization` header value the CLI printed.
fn header_in(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("Authorization: "))
        .unwrap_or_else(|| panic!("no token in {stdout}"))
        .to_owned()
}

/// A new user of `role` made with the CLI, and its Basic header.
async fn user_with_role(s: &TestServer, role: Role) -> (String, String) {
    let name = format!("{role}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let (ok, out, err) = cli(s, &["add", &name, "--role", role.as_str()]).await;
    assert!(ok, "{out}{err}");
    (name, header_in(&out))
}

fn admin_header() -> String {
    format!("Basic {}", wats_server::auth::basic_token(USER, PASSWORD))
}

async fn call(s: &TestServer, method: &Method, path: &str, auth: Option<&str>) -> (u16, String) {
    let mut r = s.client.request(method.clone(), s.url(path));
    if let Some(a) = auth {
        r = r.header("authorization", a);
    }
    if *method != Method::GET && *method != Method::DELETE {
        r = r.header("content-type", "application/json").body("{}");
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

/// Every (method, route template) the router serves, from its OpenAPI document.
async fn routes(s: &TestServer) -> Vec<(Method, String)> {
    let doc: Value = s
        .client
        .get(s.url(wats_server::OPENAPI_PATH))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in ["get", "post", "put", "patch", "delete"] {
            if item.get(m).is_some() {
                out.push((m.to_uppercase().parse().unwrap(), path.clone()));
            }
        }
    }
    assert!(out.len() > 50, "the document lists the routes: {out:?}");
    out
}

/// A template with each `{param}` filled with a GUID (valid for ids, a harmless name
/// otherwise).
fn fill(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(a) = rest.find('{') {
        out.push_str(&rest[..a]);
        let b = rest[a..].find('}').map_or(rest.len(), |b| a + b + 1);
        out.push_str("00000000-0000-0000-0000-0000000000aa");
        rest = &rest[b..];
    }
    out.push_str(rest);
    out
}

async fn every_role_on_every_route(s: &TestServer) {
    let mut headers = Vec::new();
    for role in Role::ALL {
        headers.push((role, user_with_role(s, role).await.1));
    }
    let mut wrong = Vec::new();
    let routes = routes(s).await;
    for (method, template) in &routes {
        let rule = rule_for(method, template);
        let path = fill(template);
        for (role, header) in &headers {
            let allowed = rule.map_or(*role == Role::Admin, |r| *role >= r.role);
            let (status, body) = call(s, method, &path, Some(header)).await;
            let ok = if allowed {
                !matches!(status, 401 | 403 | 500)
            } else {
                status == 403
                    && rule.is_none_or(|r| body.contains(r.permission))
                    && body.contains(role.as_str())
            };
            if !ok {
                wrong.push(format!(
                    "{method} {template} as {role} (allowed: {allowed}): {status} {body}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn every_route_has_a_rule() {
    let s = start(Backend::Sqlite).await.unwrap();
    let missing: Vec<String> = routes(&s)
        .await
        .into_iter()
        .filter(|(m, p)| rule_for(m, p).is_none())
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    s.stop().await;
    assert!(
        missing.is_empty(),
        "add these routes to wats_server::authz::RULES (and docs/authorization.md):\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_docs_show_the_table_the_server_applies() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/authorization.md"),
    )
    .unwrap();
    let table = wats_server::authz::markdown_table();
    assert!(
        doc.contains(&table),
        "docs/authorization.md must contain the table as \
         wats_server::authz::markdown_table() prints it:\n{table}"
    );
    assert_eq!(table.lines().count(), RULES.len() + 2);
}

async fn bad_credentials_are_401(s: &TestServer) {
    let get = Method::GET;
    let version = "/api/App/Version";
    let (name, good) = user_with_role(s, Role::Station).await;
    assert_eq!(call(s, &get, version, Some(&good)).await.0, 200);
    let basic = |u: &str, p: &str| format!("Basic {}", wats_server::auth::basic_token(u, p));
    for header in [
        None,
        Some(basic(&name, "not-the-token")),
        Some(basic("nobody", "x")),
        Some("Bearer abc".to_owned()),
        Some("Basic !!!".to_owned()),
    ] {
        let (status, body) = call(s, &get, version, header.as_deref()).await;
        assert_eq!(status, 401, "{header:?}: {body}");
    }
    // A token of another user does not sign in as this one.
    let (_, other) = user_with_role(s, Role::Admin).await;
    let other_secret = decode_secret(&other);
    assert_eq!(
        call(s, &get, version, Some(&basic(&name, &other_secret)))
            .await
            .0,
        401
    );
    // An expired token.
    let secret = "expired-token-secret-0123456789ab";
    insert_token(s, &name, secret, -1).await;
    assert_eq!(
        call(s, &get, version, Some(&basic(&name, secret))).await.0,
        401
    );
    // A valid token without the role: 403 naming the permission.
    let (status, body) = call(s, &Method::PUT, "/api/Product", Some(&good)).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("Product.Write"), "{body}");
}

/// The secret inside a Basic header.
fn decode_secret(header: &str) -> String {
    use base64::Engine as _;
    let b64 = header.strip_prefix("Basic ").unwrap();
    let text = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let text = String::from_utf8(text).unwrap();
    text.split_once(':').unwrap().1.to_owned()
}

/// Stores a token for `user` expiring `seconds` from now (negative: already expired).
async fn insert_token(s: &TestServer, user: &str, secret: &str, seconds: i64) {
    let db = s.db().await;
    let now = chrono::Utc::now().timestamp_micros();
    sqlx::query(
        "INSERT INTO user_tokens (token_id, user_id, token_hash, created_utc, expires_utc) \
         SELECT $1, user_id, $2, $3, $4 FROM users WHERE username = $5",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(wats_server::auth::token_hash(secret))
    .bind(now)
    .bind(now + seconds * 1_000_000)
    .bind(user)
    .execute(&db)
    .await
    .unwrap();
    db.close().await;
}

async fn scim(s: &TestServer, method: Method, path: &str, body: Value) -> (u16, Value) {
    let r = s
        .client
        .request(method, s.url(path))
        .header("authorization", admin_header())
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

fn replace(path: &str, value: Value) -> Value {
    json!({"schemas": [wats_types::scim::PATCH_SCHEMA],
           "Operations": [{"op": "replace", "path": path, "value": value}]})
}

async fn changes_take_effect_at_once(s: &TestServer) {
    let (status, created) = scim(
        s,
        Method::POST,
        "/api/SCIM/v2/Users",
        json!({"userName": "op-cache", "roles": [{"value": "operator"}]}),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let user_path = format!("/api/SCIM/v2/Users/{id}");
    let (ok, out, err) = cli(s, &["token", "op-cache", "--days", "1"]).await;
    assert!(ok, "{out}{err}");
    let me = header_in(&out);
    let get = Method::GET;
    let post = Method::POST;
    let version = "/api/App/Version";
    let analytics = "/api/App/DynamicYield";
    assert_eq!(call(s, &get, version, Some(&me)).await.0, 200);
    assert_ne!(call(s, &post, analytics, Some(&me)).await.0, 403);

    // Demoted: the cached token now carries the new role.
    let (status, body) = scim(
        s,
        Method::PATCH,
        &user_path,
        replace("roles", "station".into()),
    )
    .await;
    assert_eq!(
        (status, &body["roles"][0]["value"]),
        (200, &json!("station"))
    );
    let (status, body) = call(s, &post, analytics, Some(&me)).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("Analytics.Read"), "{body}");
    assert_eq!(call(s, &get, version, Some(&me)).await.0, 200);

    // Deactivated: refused at once; reactivated: accepted again.
    let (status, _) = scim(
        s,
        Method::PATCH,
        &user_path,
        replace("active", false.into()),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(call(s, &get, version, Some(&me)).await.0, 401);
    let (status, _) = scim(s, Method::PATCH, &user_path, replace("active", true.into())).await;
    assert_eq!(status, 200);
    assert_eq!(call(s, &get, version, Some(&me)).await.0, 200);

    // A token expiring while cached is refused from its expiry on (the cache keeps 30 s).
    let secret = "short-lived-token-0123456789abcd";
    insert_token(s, "op-cache", secret, 2).await;
    let short = format!(
        "Basic {}",
        wats_server::auth::basic_token("op-cache", secret)
    );
    assert_eq!(call(s, &get, version, Some(&short)).await.0, 200);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(call(s, &get, version, Some(&short)).await.0, 401);

    // Deleted: refused at once, its tokens gone with it.
    let (status, _) = scim(s, Method::DELETE, &user_path, Value::Null).await;
    assert_eq!(status, 200);
    assert_eq!(call(s, &get, version, Some(&me)).await.0, 401);
    let db = s.db().await;
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM user_tokens WHERE user_id = $1")
        .bind(&id)
        .fetch_one(&db)
        .await
        .unwrap();
    db.close().await;
    assert_eq!(left, 0);

    // The last active admin cannot be switched off (the env admin is the only one here).
    let (_, me_admin) = scim(
        s,
        Method::GET,
        &format!("/api/SCIM/v2/Users/userName={USER}"),
        Value::Null,
    )
    .await;
    let admin_path = format!("/api/SCIM/v2/Users/{}", me_admin["id"].as_str().unwrap());
    let (status, body) = scim(
        s,
        Method::PATCH,
        &admin_path,
        replace("active", false.into()),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["Message"]
        .as_str()
        .unwrap()
        .contains("last active admin"));
}

async fn the_cli_manages_users(s: &TestServer) {
    let (ok, out, err) = cli(s, &["add", "line-1", "--role", "Station"]).await;
    assert!(ok, "{out}{err}");
    let header = header_in(&out);
    let secret = decode_secret(&header);
    assert!(!err.contains(&secret), "the token is not logged: {err}");
    let (ok, _, err) = cli(s, &["add", "line-1", "--role", "station"]).await;
    assert!(!ok && err.contains("exists already"), "{err}");
    let (ok, _, err) = cli(s, &["add", "x", "--role", "root"]).await;
    assert!(!ok && err.contains("root"), "{err}");

    let (ok, out, _) = cli(s, &["list"]).await;
    assert!(ok);
    let line = out.lines().find(|l| l.starts_with("line-1 ")).unwrap();
    assert!(line.contains("station") && line.contains("yes"), "{line}");
    assert!(
        out.lines()
            .any(|l| l.starts_with(USER) && l.contains("admin")),
        "{out}"
    );

    let (status, _) = call(s, &Method::POST, "/api/Report/WSJF", Some(&header)).await;
    assert_eq!(
        status, 400,
        "a station may submit (the empty report is refused)"
    );

    // A second token works beside the first.
    let (ok, out, _) = cli(s, &["token", "line-1", "--days", "7"]).await;
    assert!(ok);
    let second = header_in(&out);
    assert_ne!(second, header);
    assert_eq!(
        call(s, &Method::GET, "/api/App/Version", Some(&second))
            .await
            .0,
        200
    );
    let (ok, _, err) = cli(s, &["token", "line-1", "--days", "0"]).await;
    assert!(!ok && err.contains("1 to"), "{err}");

    let (ok, _, _) = cli(s, &["deactivate", "line-1"]).await;
    assert!(ok);
    let (_, out, _) = cli(s, &["list"]).await;
    let line = out.lines().find(|l| l.starts_with("line-1 ")).unwrap();
    assert!(line.contains(" no "), "{line}");
    let (ok, _, err) = cli(s, &["token", "line-1"]).await;
    assert!(!ok && err.contains("deactivated"), "{err}");
    let (ok, _, err) = cli(s, &["deactivate", USER]).await;
    assert!(!ok && err.contains("last active admin"), "{err}");
    let (ok, _, err) = cli(s, &["deactivate", "nobody"]).await;
    assert!(!ok && err.contains("no user"), "{err}");
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn no_secret_reaches_a_log_line() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // One thread: the server's tasks log through this subscriber too.
    let s = start(Backend::Sqlite).await.unwrap();
    let (_, station) = user_with_role(&s, Role::Station).await;
    let secret = decode_secret(&station);
    let get = Method::GET;
    assert_eq!(
        call(&s, &get, "/api/App/Version", Some(&station)).await.0,
        200
    );
    assert_eq!(
        call(&s, &Method::PUT, "/api/Product", Some(&station))
            .await
            .0,
        403
    );
    let wrong = format!(
        "Basic {}",
        wats_server::auth::basic_token(USER, "wrong-password-xyz")
    );
    assert_eq!(
        call(&s, &get, "/api/App/Version", Some(&wrong)).await.0,
        401
    );
    assert_eq!(
        call(&s, &get, "/api/App/Version", Some(&admin_header()))
            .await
            .0,
        200
    );
    let (status, token) = scim(
        &s,
        Method::GET,
        "/api/SCIM/v2/Token?duration=1",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    let minted = token["token"].as_str().unwrap().to_owned();
    s.stop().await;
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.len() > 100, "the server logged: {logs}");
    for secret in [
        secret.as_str(),
        station.as_str(),
        PASSWORD,
        "wrong-password-xyz",
        minted.as_str(),
        &wats_server::auth::token_hash(&secret),
    ] {
        assert!(!logs.contains(secret), "a secret in the logs: {secret}");
    }
}
