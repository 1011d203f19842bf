//! `wats-client software` as the real binary against a real `wats-server` (SQLite), through a
//! loopback proxy that can stall or corrupt file downloads:
//!
//! * version 1 is released and installed; version 2 is released;
//! * the install of version 2 is killed (SIGKILL) in the middle of its download: version 1
//!   stays intact and recorded;
//! * a corrupted download is refused by checksum, version 1 still intact;
//! * the install is run again and version 2 installs completely; `list`, `installed` and
//!   `status` show it, and the server logged the two completed downloads;
//! * the scheduled keeper installs a new release by itself and reports a revoked one.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::response::Response;
use base64::Engine as _;
use std::io::Write as _;
use wats::software::Package;

const USER: &str = "station-test";
const PASSWORD: &str = "pw:sw";

/// Forwards everything to the server; file downloads can be held forever or corrupted.
struct Proxy {
    upstream: String,
    client: reqwest::Client,
    downloads: AtomicUsize,
    /// Downloads from this count on never answer (0: off).
    stall_from: AtomicUsize,
    corrupt: AtomicBool,
}

async fn forward(State(p): State<Arc<Proxy>>, req: Request) -> Response {
    let path = req
        .uri()
        .path_and_query()
        .map(|x| x.as_str().to_owned())
        .unwrap_or_default();
    let is_download = path.contains("DownloadFile");
    if is_download {
        let n = p.downloads.fetch_add(1, Ordering::SeqCst) + 1;
        let from = p.stall_from.load(Ordering::SeqCst);
        if from > 0 && n >= from {
            std::future::pending::<()>().await;
        }
    }
    let (parts, body) = req.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap();
    let mut headers = parts.headers.clone();
    headers.remove("host");
    let r = p
        .client
        .request(parts.method, format!("{}{path}", p.upstream))
        .headers(headers)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let mut bytes = r.bytes().await.unwrap().to_vec();
    if is_download && p.corrupt.load(Ordering::SeqCst) && !bytes.is_empty() {
        bytes[0] ^= 0xff;
    }
    let mut out = Response::new(Body::from(bytes));
    *out.status_mut() = status;
    for (k, v) in headers.iter() {
        if k != "content-length" && k != "transfer-encoding" {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in entries {
        w.start_file(*name, o).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn cli(config: &Path, proxy: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wats-client"));
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    cmd.args(args)
        .env("WATS_CLIENT_CONFIG_DIR", config)
        .env_remove("WATS_CLIENT_DATA_DIR")
        .env("WATS_BASE_URL", proxy)
        .env("WATS_AUTH_TOKEN", token)
        .env_remove("PYWATS_SERVER_URL")
        .env_remove("PYWATS_API_TOKEN")
        .stdin(Stdio::null());
    cmd
}

fn run_ok(config: &Path, proxy: &str, args: &[&str]) -> String {
    let out = cli(config, proxy, args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn read_tree(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

async fn release(sw: &wats::software::SoftwareHandler<'_>, files: &[(&str, &[u8])]) -> uuid::Uuid {
    let p = sw.create(&Package::new("TestProgram")).await.unwrap();
    let id = p.package_id.unwrap();
    sw.upload_zip(id, zip_of(files), true).await.unwrap();
    sw.submit_for_review(id).await.unwrap();
    sw.release(id).await.unwrap();
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_survives_a_kill_mid_download() {
    let db = tempfile::tempdir().unwrap();
    let server = wats_server::start(wats_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: wats_server::Database::Dir(db.path().to_owned()),
        admin: Some((USER.into(), PASSWORD.into())),
        max_body_bytes: wats_server::DEFAULT_MAX_BODY_BYTES,
    })
    .await
    .unwrap();
    let upstream = format!("http://{}", server.addr);
    let proxy = Arc::new(Proxy {
        upstream: upstream.clone(),
        client: reqwest::Client::new(),
        downloads: AtomicUsize::new(0),
        stall_from: AtomicUsize::new(0),
        corrupt: AtomicBool::new(false),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .fallback(forward)
        .with_state(proxy.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let wats = wats::Wats::builder()
        .base_url(&upstream)
        .credentials(USER, PASSWORD)
        .no_rate_limit()
        .no_cache()
        .build()
        .unwrap();
    let sw = wats.software();
    let v1: &[(&str, &[u8])] = &[
        ("prog/main.txt", b"v1 main"),
        ("prog/old-only.txt", b"v1 only"),
    ];
    let v2: &[(&str, &[u8])] = &[
        ("prog/main.txt", b"v2 main"),
        ("prog/lib/a.txt", b"v2 a"),
        ("prog/lib/b.txt", b"v2 b"),
        ("prog/lib/c.txt", b"v2 c"),
    ];
    let id1 = release(&sw, v1).await;

    let config = tempfile::tempdir().unwrap();
    let soft = config.path().join("software");
    let soft_s = soft.to_str().unwrap().to_owned();
    let (c, p) = (config.path().to_owned(), proxy_url.clone());
    {
        let (c, p) = (c.clone(), p.clone());
        tokio::task::spawn_blocking(move || {
            run_ok(
                &c,
                &p,
                &["config", "init", "--non-interactive", "--station-name", "S"],
            )
        })
        .await
        .unwrap();
    }
    let installed_v1 = {
        let (c, p, s) = (c.clone(), p.clone(), soft_s.clone());
        tokio::task::spawn_blocking(move || {
            run_ok(
                &c,
                &p,
                &["software", "--folder", &s, "install", "TestProgram"],
            )
        })
        .await
        .unwrap()
    };
    assert!(
        installed_v1.contains("installed TestProgram v1"),
        "{installed_v1}"
    );
    let target = soft.join("TestProgram");
    let v1_tree = vec![
        ("prog/main.txt".to_owned(), "v1 main".to_owned()),
        ("prog/old-only.txt".to_owned(), "v1 only".to_owned()),
    ];
    assert_eq!(read_tree(&target), v1_tree);

    // Version 2 released; its install killed after the first of four files.
    let id2 = release(&sw, v2).await;
    let stall = proxy.downloads.load(Ordering::SeqCst) + 2;
    proxy.stall_from.store(stall, Ordering::SeqCst);
    let mut child = cli(
        &c,
        &p,
        &["software", "--folder", &soft_s, "install", "TestProgram"],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let started = Instant::now();
    while proxy.downloads.load(Ordering::SeqCst) < stall {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the install never reached its second file"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the install ended early"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL: no cleanup runs
    child.wait().unwrap();
    assert_eq!(read_tree(&target), v1_tree, "the kill touched version 1");
    let staged = soft.join(".staging");
    assert!(
        std::fs::read_dir(&staged).map(|d| d.count()).unwrap_or(0) == 1,
        "the killed install left its partial download in .staging"
    );
    let listed = {
        let (c, p, s) = (c.clone(), p.clone(), soft_s.clone());
        tokio::task::spawn_blocking(move || {
            run_ok(&c, &p, &["software", "--folder", &s, "installed"])
        })
        .await
        .unwrap()
    };
    assert!(listed.contains("TestProgram\tv1"), "{listed}");

    // A corrupted download is refused; version 1 stays.
    proxy.stall_from.store(0, Ordering::SeqCst);
    proxy.corrupt.store(true, Ordering::SeqCst);
    let out = cli(
        &c,
        &p,
        &["software", "--folder", &soft_s, "install", "TestProgram"],
    )
    .output()
    .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("does not match") && err.contains("nothing was installed"),
        "{err}"
    );
    assert_eq!(read_tree(&target), v1_tree);

    // Restarted cleanly: version 2 installs completely; version 1's extra file is gone.
    proxy.corrupt.store(false, Ordering::SeqCst);
    let (c2, p2, s2) = (c.clone(), p.clone(), soft_s.clone());
    let out = tokio::task::spawn_blocking(move || {
        run_ok(
            &c2,
            &p2,
            &["software", "--folder", &s2, "install", "TestProgram"],
        )
    })
    .await
    .unwrap();
    assert!(out.contains("installed TestProgram v2"), "{out}");
    let mut want: Vec<(String, String)> = v2
        .iter()
        .map(|(n, d)| (n.to_string(), String::from_utf8(d.to_vec()).unwrap()))
        .collect();
    want.sort();
    assert_eq!(read_tree(&target), want);
    assert!(!soft.join(".staging").exists() && !soft.join(".old").exists());
    // Installing the installed version again changes nothing.
    let (c2, p2, s2) = (c.clone(), p.clone(), soft_s.clone());
    let again = tokio::task::spawn_blocking(move || {
        run_ok(
            &c2,
            &p2,
            &[
                "software",
                "--folder",
                &s2,
                "install",
                "TestProgram",
                "--version",
                "2",
            ],
        )
    })
    .await
    .unwrap();
    assert!(again.contains("v2"), "{again}");

    // The station's views.
    let (c2, p2, s2) = (c.clone(), p.clone(), soft_s.clone());
    let list = tokio::task::spawn_blocking(move || {
        run_ok(&c2, &p2, &["software", "--folder", &s2, "list"])
    })
    .await
    .unwrap();
    assert!(list.contains("TestProgram\tv2\tinstalled"), "{list}");
    // `status` (the station is not running: exit 3) shows the installed package when the
    // software folder is the configured one.
    let (c2, p2) = (c.clone(), p.clone());
    let s2 = soft_s.clone();
    let status = tokio::task::spawn_blocking(move || {
        run_ok(&c2, &p2, &["config", "set", "software_folder", &s2]);
        cli(&c2, &p2, &["status"]).output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(status.status.code(), Some(3));
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("software: TestProgram v2"), "{text}");

    // The server logged the two completed downloads, not the killed or refused ones.
    let log = sw.download_history(0).await.unwrap();
    let ids: Vec<_> = log.iter().map(|d| d.package_id.unwrap()).collect();
    assert_eq!(ids, [id1, id2]);
    assert_eq!(log[1].download_size, Some(7 + 4 * 3));
    assert_eq!(log[1].user.as_deref(), Some(USER));
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeper_follows_releases_and_reports_revoked() {
    use wats_client::software::{keeper, Installer};
    let db = tempfile::tempdir().unwrap();
    let server = wats_server::start(wats_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: wats_server::Database::Dir(db.path().to_owned()),
        admin: Some((USER.into(), PASSWORD.into())),
        max_body_bytes: wats_server::DEFAULT_MAX_BODY_BYTES,
    })
    .await
    .unwrap();
    let wats = wats::Wats::builder()
        .base_url(format!("http://{}", server.addr))
        .credentials(USER, PASSWORD)
        .no_rate_limit()
        .no_cache()
        .build()
        .unwrap();
    let sw = wats.software();
    let dir = tempfile::tempdir().unwrap();
    let installer = Installer::new(dir.path());
    let names = vec!["TestProgram".to_owned(), "Missing".to_owned()];

    let id1 = release(&sw, &[("p/x.txt", b"one")]).await;
    let round = keeper::keep_once(&installer, &wats, &names).await;
    assert_eq!(round.installed.len(), 1);
    assert_eq!(round.installed[0].package_id, id1);
    assert_eq!(round.failed.len(), 1, "{:?}", round.failed);
    assert!(round.failed[0].1.contains("no Released version"));
    // Nothing new: nothing installed again.
    assert!(keeper::keep_once(&installer, &wats, &names)
        .await
        .installed
        .is_empty());

    let id2 = release(&sw, &[("p/x.txt", b"two")]).await;
    let round = keeper::keep_once(&installer, &wats, &names).await;
    assert_eq!(round.installed[0].package_id, id2);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("TestProgram/p/x.txt")).unwrap(),
        "two"
    );
    sw.revoke(id2).await.unwrap();
    // Revoked: reported, and the newest release still standing (v1) goes back in.
    let round = keeper::keep_once(&installer, &wats, &names).await;
    assert_eq!(round.revoked.len(), 1);
    assert_eq!(round.revoked[0].package_id, id2);
    assert_eq!(round.installed[0].package_id, id1);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("TestProgram/p/x.txt")).unwrap(),
        "one"
    );
    server.stop().await.unwrap();
}
