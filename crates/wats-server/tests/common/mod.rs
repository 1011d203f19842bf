//! Test harness: a real `wats-server` on loopback over SQLite or PostgreSQL, driven by reqwest.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use serde_json::Value;

pub const USER: &str = "tester";
pub const PASSWORD: &str = "s3cret:with:colons";

/// `../shared/samples` beside the checkout (override with `WATS_SAMPLES`).
pub fn samples() -> PathBuf {
    if let Ok(dir) = std::env::var("WATS_SAMPLES") {
        return PathBuf::from(dir);
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples");
    assert!(
        dir.is_dir(),
        "samples not found at {} (set WATS_SAMPLES)",
        dir.display()
    );
    dir
}

pub fn sample(rel: &str) -> Vec<u8> {
    let path = samples().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestServer {
    pub base: String,
    pub client: reqwest::Client,
    pub db_url: String,
    running: Option<wats_server::Running>,
    _dir: Option<tempfile::TempDir>,
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .get(self.url(path))
            .basic_auth(USER, Some(PASSWORD))
    }

    pub fn post(&self, path: &str, body: impl Into<reqwest::Body>) -> reqwest::RequestBuilder {
        self.client
            .post(self.url(path))
            .basic_auth(USER, Some(PASSWORD))
            .body(body)
    }

    /// Posts WSJF and returns the status and the JSON answer.
    pub async fn submit(&self, report: &Value) -> (u16, Value) {
        let r = self
            .post("/api/Report/WSJF", report.to_string())
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let r = self.get(path).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// A database connection beside the server's (to check tables directly).
    pub async fn db(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.db_url).await.unwrap()
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.unwrap();
        }
    }
}

/// Runs each named `async fn(&TestServer)` against both backends, as the tests
/// `sqlite::<name>` and `postgres::<name>` (PostgreSQL is skipped, with the message [`start`]
/// prints, when it is absent). The first argument is the path of [`start`] from inside the
/// generated modules (`super::start`, or `super::server::start` where this module is
/// included under that name).
#[macro_export]
macro_rules! both_backends {
    ($start:path; $($name:ident),* $(,)?) => {
        mod sqlite { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let s = $start(super::Backend::Sqlite).await.unwrap();
                super::$name(&s).await;
                s.stop().await;
            }
        )* }
        mod postgres { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(s) = $start(super::Backend::Postgres).await else {
                    return;
                };
                super::$name(&s).await;
                s.stop().await;
            }
        )* }
    };
}

/// Starts a server on 127.0.0.1:0; `None` when PostgreSQL is wanted and not available.
pub async fn start(backend: Backend) -> Option<TestServer> {
    start_limited(backend, wats_server::DEFAULT_MAX_BODY_BYTES).await
}

/// [`start`] with another request body limit.
pub async fn start_limited(backend: Backend, max_body_bytes: usize) -> Option<TestServer> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_test_writer()
        .try_init();
    let (database, db_url, dir) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("wats.db").display());
            (
                wats_server::Database::Dir(dir.path().to_owned()),
                url,
                Some(dir),
            )
        }
        Backend::Postgres => {
            let url = postgres_database().await?;
            (wats_server::Database::Url(url.clone()), url, None)
        }
    };
    let running = wats_server::start(wats_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database,
        admin: Some((USER.into(), PASSWORD.into())),
        max_body_bytes,
    })
    .await
    .unwrap();
    Some(TestServer {
        base: format!("http://{}", running.addr),
        client: reqwest::Client::new(),
        db_url,
        running: Some(running),
        _dir: dir,
    })
}

// ---- PostgreSQL ---------------------------------------------------------------------------

/// The server URL (without a database name) of `WATS_TEST_DATABASE_URL` or a throwaway
/// cluster; `None` (after saying so) when neither is available.
fn postgres_server() -> Option<&'static (String, bool)> {
    static SERVER: OnceLock<Option<(String, bool)>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            if let Ok(url) = std::env::var("WATS_TEST_DATABASE_URL") {
                return Some((url, false));
            }
            match start_cluster() {
                Ok(url) => Some((url, true)),
                Err(e) => {
                    skip_postgres(&e.to_string());
                    None
                }
            }
        })
        .as_ref()
}

/// A fresh database for one test.
pub async fn postgres_database() -> Option<String> {
    let Some((url, _)) = postgres_server() else {
        skip_postgres("no server");
        return None;
    };
    static N: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "wats_test_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        rand_suffix()
    );
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(url).await.ok();
    match admin {
        Some(pool) => {
            if sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&pool)
                .await
                .is_ok()
            {
                pool.close().await;
                Some(with_database(url, &name))
            } else {
                // No CREATEDB right: share the given database (tests use unique data).
                pool.close().await;
                Some(url.clone())
            }
        }
        None => {
            skip_postgres(&format!("cannot connect to {url}"));
            None
        }
    }
}

/// Says clearly that a PostgreSQL test was skipped — or fails it when the environment
/// requires PostgreSQL (`WATS_REQUIRE_POSTGRES=1`, set by CI, which installs it).
fn skip_postgres(reason: &str) {
    if std::env::var("WATS_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        panic!("PostgreSQL is required (WATS_REQUIRE_POSTGRES=1) but not available: {reason}");
    }
    eprintln!("SKIPPED: PostgreSQL not available ({reason})");
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn find_tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.push("/usr/local/bin".into());
    dirs.push("/usr/lib/postgresql/15/bin".into());
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// Starts a PostgreSQL cluster in a temporary directory on a free loopback port, stopped and
/// removed when this test process exits.
fn start_cluster() -> Result<String, String> {
    let initdb = find_tool("initdb").ok_or("initdb not found")?;
    let pg_ctl = find_tool("pg_ctl").ok_or("pg_ctl not found")?;
    let dir = std::env::temp_dir().join(format!("wats-server-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let data = dir.join("data");
    // PostgreSQL refuses to run as root: run it as the `postgres` user then.
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let run = |program: &PathBuf, args: &[&str]| -> Result<(), String> {
        let mut cmd = if is_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        let out = cmd.args(args).output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} failed: {}",
                program.display(),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    if is_root {
        Command::new("chown")
            .args(["-R", "postgres:"])
            .arg(&dir)
            .status()
            .map_err(|e| e.to_string())?;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let data_s = data.display().to_string();
    run(
        &initdb,
        &[
            "-D",
            &data_s,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
    )?;
    let opts = format!(
        "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c max_connections=200",
        dir.display()
    );
    run(
        &pg_ctl,
        &[
            "-D",
            &data_s,
            "-o",
            &opts,
            "-l",
            &format!("{}/log", dir.display()),
            "-w",
            "start",
        ],
    )?;
    // Stop and remove the cluster once this test process is gone.
    let me = std::process::id();
    let stop = format!(
        "while kill -0 {me} 2>/dev/null; do sleep 1; done; {} {} -D {data_s} -m immediate stop >/dev/null 2>&1; rm -rf {}",
        if is_root { "runuser -u postgres --" } else { "" },
        pg_ctl.display(),
        dir.display()
    );
    Command::new("sh")
        .args(["-c", &stop])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    Ok(format!("postgres://postgres@127.0.0.1:{port}/postgres"))
}

// ---- JSON helpers -------------------------------------------------------------------------

/// Removes keys by path (`uut.referencedByUURs`) from a JSON value.
pub fn drop_keys(v: &mut Value, paths: &[&str]) {
    for path in paths {
        let parts: Vec<&str> = path.split('.').collect();
        let mut cur = &mut *v;
        for (i, p) in parts.iter().enumerate() {
            if i == parts.len() - 1 {
                if let Some(o) = cur.as_object_mut() {
                    o.remove(*p);
                }
            } else {
                match cur.get_mut(*p) {
                    Some(next) => cur = next,
                    None => break,
                }
            }
        }
    }
}

/// JSON equality where numbers compare by value (`10` equals `10.0`).
pub fn assert_json_eq(a: &Value, b: &Value, path: &str) {
    use Value::*;
    match (a, b) {
        (Number(x), Number(y)) => assert_eq!(x.as_f64(), y.as_f64(), "number differs at {path}"),
        (Object(x), Object(y)) => {
            let mut kx: Vec<_> = x.keys().collect();
            let mut ky: Vec<_> = y.keys().collect();
            kx.sort();
            ky.sort();
            assert_eq!(kx, ky, "keys differ at {path}");
            for (k, v) in x {
                assert_json_eq(v, &y[k], &format!("{path}.{k}"));
            }
        }
        (Array(x), Array(y)) => {
            assert_eq!(x.len(), y.len(), "array length differs at {path}");
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                assert_json_eq(v, w, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(a, b, "value differs at {path}"),
    }
}

/// The fields the server fills: dropped from both sides before comparing.
pub const SERVER_FILLED: &[&str] = &[
    "startUTC",
    "processName",
    "productName",
    "origin",
    "assetStats",
    "uut.referencedByUURs",
    "uur.active",
    "uur.processName",
];
