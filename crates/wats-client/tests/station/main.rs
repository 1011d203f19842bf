//! The station end to end, as real processes: the `wats-client` binary started on a temporary
//! instance, files dropped into its watch folder, reports checked on a real `wats-server`
//! (in this test process, on loopback). Also the crash test: SIGKILL at random moments while
//! files flow in, and at the end every report is on the server exactly once and no file is
//! lost. `WATS_CRASH_FILES` (default 300), `WATS_CRASH_KILLS` (at least this many kills,
//! default 8) make it longer; `WATS_CRASH_SEED` replays a run.
//!
//! This file holds the harness (the `Station` and `Server` wrappers, the fault proxy, the
//! waits); the scenarios are in `flow.rs`, `faults.rs` and `service.rs`, all in one test binary.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};
use uuid::Uuid;
use wats::report::{fields, FetchOptions, HeaderQuery};
use wats::Wats;
use wats_report::{Report, ReportBuilder, Status};

const USER: &str = "station";
const PASSWORD: &str = "pw-station";
const BIN: &str = env!("CARGO_BIN_EXE_wats-client");

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples")
}

/// A wats-server on its own runtime thread, for the life of the test.
struct Server {
    addr: SocketAddr,
    runtime: tokio::runtime::Runtime,
    running: Option<wats_server::Running>,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let running = runtime
            .block_on(wats_server::start(wats_server::Config {
                listen: "127.0.0.1:0".parse().unwrap(),
                database: wats_server::Database::Dir(dir.path().to_owned()),
                admin: Some((USER.into(), PASSWORD.into())),
                max_body_bytes: wats_server::DEFAULT_MAX_BODY_BYTES,
            }))
            .unwrap();
        Server {
            addr: running.addr,
            runtime,
            running: Some(running),
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn client(&self) -> Wats {
        Wats::builder()
            .base_url(self.url())
            .credentials(USER, PASSWORD)
            .no_cache()
            .no_rate_limit()
            .build()
            .unwrap()
    }

    fn get(&self, id: Uuid) -> Option<Report> {
        let wats = self.client();
        self.runtime
            .block_on(wats.report().get_wsjf(id, &FetchOptions::default()))
            .unwrap()
    }

    /// The ids of the UUT reports with this part number.
    fn ids_for_part(&self, pn: &str) -> Vec<Uuid> {
        let wats = self.client();
        let headers = self
            .runtime
            .block_on(
                wats.report()
                    .headers(
                        HeaderQuery::uut()
                            .filter(fields::PART_NUMBER.eq(pn))
                            .top(10_000),
                    )
                    .send(),
            )
            .unwrap();
        headers.iter().filter_map(|h| h.uuid).collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            let _ = self.runtime.block_on(r.stop());
        }
    }
}

/// A station instance in a temporary folder.
struct Station {
    dir: tempfile::TempDir,
    child: Option<Child>,
    /// Where the instance's data (queue, ledger) lives, when not under `dir`.
    data_dir: Option<PathBuf>,
}

impl Station {
    fn new(server_url: &str, extra: Value) -> Station {
        let dir = tempfile::tempdir().unwrap();
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
        let mut config = json!({
            "service_address": server_url,
            "api_token": token,
            "station_name": "E2E-STATION",
            "location": "Lab",
            "purpose": "Test",
            "settle_seconds": 0.2,
            "rescan_interval_seconds": 1,
            "control_address": "127.0.0.1:0",
            "converters": [{
                "name": "drop",
                "converter": "auto",
                "watch_folder": dir.path().join("in").display().to_string(),
                "file_patterns": ["*"],
            }],
        });
        if let (Some(c), Some(e)) = (config.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                c.insert(k.clone(), v.clone());
            }
        }
        let instance = dir.path().join("cfg/default");
        std::fs::create_dir_all(&instance).unwrap();
        std::fs::create_dir_all(dir.path().join("in")).unwrap();
        std::fs::write(instance.join("config.json"), config.to_string()).unwrap();
        Station {
            dir,
            child: None,
            data_dir: None,
        }
    }

    fn inbox(&self) -> PathBuf {
        self.dir.path().join("in")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env("WATS_CLIENT_CONFIG_DIR", self.dir.path().join("cfg"))
            .env_remove("WATS_CLIENT_DATA_DIR")
            .env("WATS_CLIENT_BACKOFF_BASE_MS", "200")
            .env("WATS_CLIENT_BACKOFF_CAP_MS", "1000")
            .env("WATS_CLIENT_RECONNECT_MAX_MS", "1000");
        for k in wats::ENV_BASE_URL.iter().chain(wats::ENV_TOKEN.iter()) {
            cmd.env_remove(k);
        }
        if let Some(data) = &self.data_dir {
            cmd.env("WATS_CLIENT_DATA_DIR", data);
        }
        cmd
    }

    fn start(&mut self) {
        let child = self
            .command(&["start", "--no-banner"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.command(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn status(&self) -> Option<Value> {
        let (code, out, _) = self.run(&["status", "--json"]);
        (code == 0).then(|| serde_json::from_str(&out).unwrap())
    }

    fn wait_running(&self) {
        wait(20, "the station to answer", || self.status().is_some());
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill(); // SIGKILL
            let _ = c.wait();
        }
    }

    fn stop(&mut self) {
        let (code, _, err) = self.run(&["stop"]);
        assert_eq!(code, 0, "stop: {err}");
        if let Some(mut c) = self.child.take() {
            let status = c.wait().unwrap();
            assert!(status.success(), "the station exited with {status}");
        }
    }
}

impl Drop for Station {
    fn drop(&mut self) {
        self.kill();
    }
}

fn wait(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn files_in(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn generated(pn: &str, sn: &str, pass: bool) -> Report {
    let mut b = ReportBuilder::uut(pn, sn, "A", 10)
        .station("ST-GEN", "Lab", "Test")
        .operator("op");
    {
        let mut g = b.group("Power/Rails");
        g.add_step("3V3", 3.31).unit("V").limits(3.2, 3.4);
        g.add_step("5V", if pass { 5.02 } else { 5.6 })
            .unit("V")
            .limits(4.9, 5.1);
    }
    b.add_step("Firmware", "v2.1").limit("v2.1");
    b.add_step("Self test", true);
    b.build().unwrap()
}

fn http_get(addr: &str, path: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        reqwest::Client::new()
            .get(format!("http://{addr}{path}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    })
}

fn http_post(addr: &str, path: &str, secret: Option<&str>) -> (u16, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut req = reqwest::Client::new().post(format!("http://{addr}{path}"));
        if let Some(s) = secret {
            req = req.bearer_auth(s);
        }
        let resp = req.send().await.unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    })
}

/// What the fault proxy does with each request.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Weather {
    /// Pass everything through.
    Fine,
    /// Answer 500, 503 or 429 (with `Retry-After: 1`) at random, pass the rest.
    Stormy,
    /// Wait this long before passing through.
    Slow(Duration),
}

/// A proxy in front of the server that can also be switched off (connections refused).
struct FaultProxy {
    addr: SocketAddr,
    weather: std::sync::Arc<std::sync::Mutex<Weather>>,
    faults: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl FaultProxy {
    fn start(server: &Server, port: u16) -> FaultProxy {
        let weather = std::sync::Arc::new(std::sync::Mutex::new(Weather::Fine));
        let faults = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let upstream = server.url();
        let (w, f) = (weather.clone(), faults.clone());
        let http = reqwest::Client::new();
        let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
            let (w, f, http, upstream) = (w.clone(), f.clone(), http.clone(), upstream.clone());
            async move {
                use axum::response::IntoResponse;
                let weather = *w.lock().unwrap();
                match weather {
                    Weather::Stormy if fastrand::u8(..) < 170 => {
                        f.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let status = [500u16, 503, 429][fastrand::usize(..3)];
                        let mut r = (
                            axum::http::StatusCode::from_u16(status).unwrap(),
                            "{\"Message\":\"storm\"}",
                        )
                            .into_response();
                        r.headers_mut().insert("retry-after", "1".parse().unwrap());
                        return r;
                    }
                    Weather::Slow(d) => tokio::time::sleep(d).await,
                    _ => {}
                }
                let (parts, body) = req.into_parts();
                let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
                let path = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let mut out = http.request(parts.method.clone(), format!("{upstream}{path}"));
                for (k, v) in parts.headers.iter() {
                    if k != "host" && k != "content-length" {
                        out = out.header(k, v);
                    }
                }
                match out.body(bytes).send().await {
                    Ok(resp) => {
                        let status = resp.status();
                        let body = resp.bytes().await.unwrap_or_default();
                        (status, [("content-type", "application/json")], body).into_response()
                    }
                    Err(_) => axum::http::StatusCode::BAD_GATEWAY.into_response(),
                }
            }
        });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let listener = server
            .runtime
            .block_on(tokio::net::TcpListener::bind(("127.0.0.1", port)))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        server.runtime.spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await
                .unwrap()
        });
        FaultProxy {
            addr,
            weather,
            faults,
            stop: Some(tx),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn set(&self, weather: Weather) {
        *self.weather.lock().unwrap() = weather;
    }

    /// Switches the proxy off: connections are refused (the server is "down").
    fn shut(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The address of the station's control API.
fn control_address(station: &Station) -> String {
    let data = match &station.data_dir {
        Some(d) => d.join("default"),
        None => station.dir.path().join("cfg/default/data"),
    };
    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("control.json")).unwrap()).unwrap();
    info["address"].as_str().unwrap().to_owned()
}

fn metric(station: &Station, name: &str) -> f64 {
    let text = http_get(&control_address(station), "/metrics");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no metric {name} in\n{text}"))
}

/// A small tmpfs, unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts one, or says why not (not root, no mount permission in a container).
    fn mount(dir: &Path, size: &str) -> Result<Tmpfs, String> {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(Tmpfs(dir.to_owned()))
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

mod faults;
mod flow;
mod service;
