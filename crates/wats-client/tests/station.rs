//! The station end to end, as real processes: the `wats-client` binary started on a temporary
//! instance, files dropped into its watch folder, reports checked on a real `wats-server`
//! (in this test process, on loopback). Also the crash test: SIGKILL at random moments while
//! files flow in, and at the end every report is on the server exactly once and no file is
//! lost. `WATS_CRASH_FILES` (default 300), `WATS_CRASH_KILLS` (at least this many kills,
//! default 8) make it longer; `WATS_CRASH_SEED` replays a run.
//!
//! Why one file of ~1,350 lines: every test here starts the real `wats-client` binary against a
//! real server, and they share the harness (the `Station` and `Server` wrappers, the fault
//! proxy, the waits); one test binary links once (the station binaries are the largest of the
//! workspace), where a file per scenario would link the harness a dozen times.

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

#[test]
fn files_dropped_in_the_watch_folder_reach_the_server() {
    let server = Server::start();
    let mut station = Station::new(&server.url(), json!({}));
    station.start();
    station.wait_running();
    let inbox = station.inbox();

    // WSJF and WSXF written by our model, the WATS UUR sample, and files that must be refused.
    let pn = format!("E2E-{}", &Uuid::new_v4().simple().to_string()[..8]);
    let pass = generated(&pn, "SN-1", true);
    let fail = generated(&pn, "SN-2", false);
    assert_eq!(fail.result, Some(Status::Failed));
    std::fs::write(inbox.join("pass.json"), wats_report::wsjf::to_string(&pass)).unwrap();
    std::fs::write(inbox.join("fail.xml"), wats_report::wsxf::to_string(&fail)).unwrap();
    std::fs::copy(
        samples().join("wats/uur-example.json"),
        inbox.join("uur.json"),
    )
    .unwrap();
    // A real WATS refuses to re-import its own UUT export (loop shape, see report-formats §1.10):
    // the station says so in the error folder instead of sending it.
    std::fs::copy(
        samples().join("wats/uut-wsjf-export.json"),
        inbox.join("export.json"),
    )
    .unwrap();
    std::fs::copy(
        samples().join("csv/sample-enhanced.csv"),
        inbox.join("sample.csv"),
    )
    .unwrap();
    std::fs::write(
        inbox.join("line.csv"),
        format!(
            "SerialNumber,PartNumber,TestDate,StepName,Value,LowLimit,HighLimit,Unit,Result\n\
             CSV-1,{pn},2026-03-01 10:00:00,Vout,5.01,4.9,5.1,V,PASS\n\
             CSV-2,{pn},2026-03-01 10:01:00,Vout,5.4,4.9,5.1,V,FAIL\n"
        ),
    )
    .unwrap();
    std::fs::write(inbox.join("notes.txt"), "not a test result\n").unwrap();
    std::fs::write(inbox.join("broken.json"), "{\"type\":\"T\",\"pn\":").unwrap();

    let done = inbox.join("Done");
    let error = inbox.join("Error");
    wait(60, "every file to be handled", || {
        files_in(&done).len() == 5 && files_in(&error).len() == 6
    });
    assert_eq!(
        files_in(&done),
        [
            "fail.xml",
            "line.csv",
            "pass.json",
            "sample.csv",
            "uur.json"
        ]
        .map(String::from)
        .into_iter()
        .collect()
    );
    for name in ["export.json", "notes.txt", "broken.json"] {
        let note = std::fs::read_to_string(error.join(format!("{name}.error"))).unwrap();
        assert!(note.contains(name), "{note}");
    }
    let note = std::fs::read_to_string(error.join("broken.json.error")).unwrap();
    assert!(note.contains("1:"), "the note names the place: {note}");
    let note = std::fs::read_to_string(error.join("export.json.error")).unwrap();
    assert!(note.contains("endingIndex"), "{note}");
    assert!(files_in(&inbox).is_empty());

    // Each report on the server, as sent (the station fills nothing the file had).
    let uur_id: Uuid = serde_json::from_str::<Value>(
        &std::fs::read_to_string(samples().join("wats/uur-example.json")).unwrap(),
    )
    .unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    wait(30, "the reports on the server", || {
        [pass.id.unwrap(), fail.id.unwrap(), uur_id]
            .iter()
            .all(|id| server.get(*id).is_some())
    });
    // The CSV's two units, with ids derived from the file.
    wait(30, "the CSV reports on the server", || {
        server.ids_for_part(&pn).len() == 4
    });
    let back = server.get(fail.id.unwrap()).unwrap();
    assert_eq!(back.sn.as_deref(), Some("SN-2"));
    assert_eq!(back.result, Some(Status::Failed));
    assert_eq!(back.machine_name.as_deref(), Some("ST-GEN"));

    // Status, metrics and the queue through the CLI and the control API.
    let status = station.status().unwrap();
    assert_eq!(status["files"]["converted"], 5, "{status}");
    assert_eq!(status["files"]["failed"], 3, "{status}");
    assert_eq!(status["connectivity"], "online", "{status}");
    wait(10, "the uploads to settle", || {
        station.status().unwrap()["queue"]["done"] == 6
    });
    let (code, list, _) = station.run(&["queue", "list", "--state", "done", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<Vec<Value>>(&list).unwrap().len(), 6);
    let data = station.dir.path().join("cfg/default/data");
    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("control.json")).unwrap()).unwrap();
    let metrics = http_get(info["address"].as_str().unwrap(), "/metrics");
    assert!(
        metrics.contains("wats_files_converted_total 5"),
        "{metrics}"
    );
    assert!(
        metrics.contains("wats_reports_uploaded_total 6"),
        "{metrics}"
    );
    let config = http_get(info["address"].as_str().unwrap(), "/config");
    assert!(
        !config.contains(PASSWORD) && !config.contains("c3RhdGlvbj"),
        "{config}"
    );

    // Mutating calls need the secret.
    let (code, _) = http_post(info["address"].as_str().unwrap(), "/stop", None);
    assert_eq!(code, 401);
    station.stop();
    assert!(!data.join("control.json").exists());
}

/// A station against a server that refuses everything: reports are parked with the reason,
/// and `queue retry-failed` sends them again once the server accepts.
#[test]
fn refused_reports_are_parked_and_retried_from_the_cli() {
    let server = Server::start();
    // Point the station at a wrong path first: the server answers 404 → parked (4xx).
    let mut station = Station::new(&format!("{}/nowhere", server.url()), json!({}));
    station.start();
    station.wait_running();
    let pn = format!("PARK-{}", &Uuid::new_v4().simple().to_string()[..8]);
    let report = generated(&pn, "SN-P", true);
    std::fs::write(
        station.inbox().join("r.json"),
        wats_report::wsjf::to_string(&report),
    )
    .unwrap();
    wait(30, "the report to be parked", || {
        station.status().unwrap()["queue"]["parked"] == 1
    });
    let (_, list, _) = station.run(&["queue", "list", "--state", "parked", "--json"]);
    let list: Vec<Value> = serde_json::from_str(&list).unwrap();
    assert_eq!(list[0]["id"], report.id.unwrap().to_string());
    assert!(
        list[0]["last_error"].as_str().unwrap().contains("404"),
        "{list:?}"
    );

    // Fix the address, restart through the CLI, then retry the parked entry.
    station.stop();
    let cfg = station.dir.path().join("cfg/default/config.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
    doc["service_address"] = json!(server.url());
    std::fs::write(&cfg, doc.to_string()).unwrap();
    station.start();
    station.wait_running();
    let (code, out, err) = station.run(&["queue", "retry", &report.id.unwrap().to_string()]);
    assert_eq!(code, 0, "{out}{err}");
    wait(30, "the retried report on the server", || {
        server.get(report.id.unwrap()).is_some()
    });
    station.stop();
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

/// SIGKILL at random moments while files flow in; at the end every report is on the server
/// exactly once (by id) and every source file is in the done folder.
#[test]
fn killed_at_random_moments_loses_and_duplicates_nothing() {
    let files: usize = std::env::var("WATS_CRASH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let seed: u64 = std::env::var("WATS_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    let min_kills: usize = std::env::var("WATS_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    eprintln!("crash test: {files} files, WATS_CRASH_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let server = Server::start();
    let mut station = Station::new(&server.url(), json!({}));
    let inbox = station.inbox();
    let pn = format!("CRASH-{}", &Uuid::new_v4().simple().to_string()[..8]);

    // Half WSJF (ids from the file), half WSXF; some files hold no valid report.
    let mut expected = BTreeSet::new();
    let mut names = Vec::new();
    for i in 0..files {
        let report = generated(&pn, &format!("SN-{i:05}"), i % 7 != 0);
        expected.insert(report.id.unwrap());
        let (name, text) = if i % 2 == 0 {
            (
                format!("r{i:05}.json"),
                wats_report::wsjf::to_string(&report),
            )
        } else {
            (
                format!("r{i:05}.xml"),
                wats_report::wsxf::to_string(&report),
            )
        };
        names.push((name, text));
    }

    let writer = {
        let inbox = inbox.clone();
        let seed = rng.u64(..);
        std::thread::spawn(move || {
            let mut rng = fastrand::Rng::with_seed(seed);
            for chunk in names.chunks(25) {
                for (name, text) in chunk {
                    // Written in place, as test equipment does; the settle time covers it.
                    std::fs::write(inbox.join(name), text).unwrap();
                }
                std::thread::sleep(Duration::from_millis(rng.u64(0..150)));
            }
        })
    };

    let started = Instant::now();
    let mut kills = 0;
    while !writer.is_finished() || kills < min_kills {
        station.start();
        std::thread::sleep(Duration::from_millis(rng.u64(100..1200)));
        station.kill();
        kills += 1;
        assert!(started.elapsed() < Duration::from_secs(600), "too slow");
    }
    writer.join().unwrap();

    // A last clean run drains everything.
    station.start();
    station.wait_running();
    let done = inbox.join("Done");
    wait(240, "every file in the done folder", || {
        files_in(&done).len() >= files
    });
    wait(120, "the queue to drain", || {
        let s = station.status().unwrap();
        s["queue"]["pending"] == 0 && s["queue"]["uploading"] == 0
    });
    let status = station.status().unwrap();
    assert_eq!(status["queue"]["parked"], 0, "{status}");
    station.stop();

    let found = server.ids_for_part(&pn);
    let unique: BTreeSet<Uuid> = found.iter().copied().collect();
    assert_eq!(unique.len(), found.len(), "an id stored twice");
    assert_eq!(
        unique, expected,
        "reports missing or extra after {kills} kills"
    );
    assert_eq!(files_in(&done).len(), files, "source files lost or doubled");
    assert!(files_in(&inbox).is_empty());
    assert!(files_in(&inbox.join("Error")).is_empty());
    eprintln!(
        "crash test: {files} files, {kills} kills, {:.1} s",
        started.elapsed().as_secs_f64()
    );
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

/// The server down, then slow, then answering 500/503/429 at random: nothing is lost,
/// everything arrives once the weather clears; the closed gate shows in `/status`,
/// `/health/ready` and `/metrics`, and the retries in the metrics.
#[test]
fn an_outage_loses_nothing_and_backoff_shows_in_the_metrics() {
    let server = Server::start();
    let mut proxy = FaultProxy::start(&server, 0);
    let port = proxy.addr.port();
    let mut station = Station::new(&proxy.url(), json!({}));
    station.start();
    station.wait_running();
    let pn = format!("OUT-{}", &Uuid::new_v4().simple().to_string()[..8]);
    let mut expected = BTreeSet::new();
    let mut drop_batch = |from: usize, to: usize| {
        for i in from..to {
            let r = generated(&pn, &format!("SN-{i:04}"), true);
            expected.insert(r.id.unwrap());
            std::fs::write(
                station.inbox().join(format!("o{i:04}.json")),
                wats_report::wsjf::to_string(&r),
            )
            .unwrap();
        }
    };

    // Down: connections refused.
    proxy.shut();
    drop_batch(0, 40);
    wait(
        30,
        "the files to be queued while the server is down",
        || station.status().unwrap()["queue"]["pending"].as_u64() == Some(40),
    );
    std::thread::sleep(Duration::from_secs(2));
    let status = station.status().unwrap();
    assert_eq!(
        status["connectivity"], "offline",
        "the station sees the outage"
    );
    // The gate says why, since when and what the last probe met; the backlog's age shows.
    assert_eq!(status["gate"]["state"], "closed");
    assert_eq!(status["gate"]["reason"], "server unreachable");
    assert!(status["gate"]["since"].is_u64());
    assert!(status["gate"]["last_probe_error"].is_string(), "{status}");
    assert!(status["backlog"]["oldest_age_seconds"].is_u64(), "{status}");
    assert_eq!(metric(&station, "wats_upload_gate_open"), 0.0);
    assert!(metric(&station, "wats_server_offline_seconds_total") >= 1.0);
    let ready = http_get(&control_address(&station), "/health/ready");
    assert!(
        ready.contains("upload gate closed: server unreachable"),
        "{ready}"
    );
    // Back, but slow, then stormy.
    proxy = FaultProxy::start(&server, port);
    proxy.set(Weather::Slow(Duration::from_millis(700)));
    drop_batch(40, 60);
    std::thread::sleep(Duration::from_secs(2));
    proxy.set(Weather::Stormy);
    drop_batch(60, 100);
    std::thread::sleep(Duration::from_secs(4));
    assert!(proxy.faults.load(std::sync::atomic::Ordering::SeqCst) > 0);
    proxy.set(Weather::Fine);

    wait(90, "every report delivered after the outage", || {
        station.status().unwrap()["queue"]["done"].as_u64() == Some(100)
    });
    assert!(metric(&station, "wats_upload_retries_total") > 0.0);
    assert_eq!(metric(&station, "wats_reports_parked_total"), 0.0);
    assert!(metric(&station, "wats_reconnects_total") >= 1.0);
    assert_eq!(metric(&station, "wats_upload_gate_open"), 1.0);
    station.stop();
    let found = server.ids_for_part(&pn);
    assert_eq!(found.len(), 100);
    assert_eq!(found.into_iter().collect::<BTreeSet<_>>(), expected);
}

/// `upload` goes through the station's intake: the ids `convert` shows (derived from the file
/// for formats without their own), the configured station name where the file names none, the
/// file's own where it does; uploading the same files twice replaces, never doubles.
#[test]
fn upload_twice_leaves_one_report_each_with_the_station_identity() {
    let server = Server::start();
    let station = Station::new(&server.url(), json!({}));
    let csv = samples().join("csv/sample-enhanced.csv");
    let atml = samples().join("atml/ATML 2.02 [123456789][2 30 27 PM][5 15 2019].XML");
    let mut expected = Vec::new();
    for file in [&csv, &atml] {
        let (code, out, err) = station.run(&["convert", file.to_str().unwrap(), "--compact"]);
        assert_eq!(code, 0, "{err}");
        let json: Value = serde_json::from_str(&out).unwrap();
        let reports = match json {
            Value::Array(a) => a,
            one => vec![one],
        };
        for r in reports {
            expected.push((
                Uuid::parse_str(r["id"].as_str().expect("convert gives every report an id"))
                    .unwrap(),
                r["pn"].as_str().unwrap().to_owned(),
            ));
        }
    }
    for round in 0..2 {
        let (code, out, err) = station.run(&[
            "upload",
            "--file",
            csv.to_str().unwrap(),
            "--file",
            atml.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "round {round}: {out}{err}");
    }
    let pns: BTreeSet<&str> = expected.iter().map(|(_, pn)| pn.as_str()).collect();
    let mut on_server = BTreeSet::new();
    for pn in pns {
        on_server.extend(server.ids_for_part(pn));
    }
    let ids: BTreeSet<Uuid> = expected.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        on_server, ids,
        "one report per converted report, twice uploaded"
    );
    for (id, _) in &expected {
        let r = server.get(*id).unwrap();
        let from_atml = r.machine_name.as_deref() == Some("TS-2016-BETA");
        assert!(
            from_atml || r.machine_name.as_deref() == Some("E2E-STATION"),
            "{id}: station {:?}",
            r.machine_name
        );
    }
    let atml_id = expected.last().unwrap().0;
    assert_eq!(
        server.get(atml_id).unwrap().machine_name.as_deref(),
        Some("TS-2016-BETA"),
        "the station the file names beats the configuration"
    );
    let csv_id = expected[0].0;
    assert_eq!(
        server.get(csv_id).unwrap().machine_name.as_deref(),
        Some("E2E-STATION"),
        "the configuration beats a converter's placeholder"
    );
}

/// The inbox says what it does with what is not a file: a symlink out of the folder (to a
/// "secret" here) goes to the error folder with a note, its target never read or uploaded; a
/// FIFO is listed in `status` and left alone.
#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_inbox_is_refused_with_a_note_and_a_fifo_is_listed() {
    let server = Server::start();
    let mut station = Station::new(&server.url(), json!({}));
    let secret = generated("SECRET-PN", "SN-SECRET", true);
    let outside = station.dir.path().join("secret.json");
    std::fs::write(&outside, wats_report::wsjf::to_string(&secret)).unwrap();
    std::os::unix::fs::symlink(&outside, station.inbox().join("link.json")).unwrap();
    assert!(Command::new("mkfifo")
        .arg(station.inbox().join("pipe.json"))
        .status()
        .unwrap()
        .success());
    station.start();
    station.wait_running();
    let note = station.inbox().join("Error/link.json.error");
    wait(20, "the refused link's note", || note.exists());
    let text = std::fs::read_to_string(&note).unwrap();
    assert!(text.contains("outside the watch folder"), "{text}");
    assert!(
        std::fs::symlink_metadata(station.inbox().join("Error/link.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(outside.exists(), "the target is untouched");
    wait(10, "the FIFO in the status", || {
        station.status().unwrap()["intake"]["skipped"]
            .as_array()
            .is_some_and(|a| {
                a.iter()
                    .any(|e| e["path"].as_str().unwrap().ends_with("pipe.json"))
            })
    });
    assert!(
        server.get(secret.id.unwrap()).is_none(),
        "never read, never uploaded"
    );
    station.stop();
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

/// The queue's disk fills up: intake stops with a clear message, the files stay where they
/// are, and once there is room again everything is delivered.
#[test]
fn a_full_disk_stops_intake_and_loses_nothing() {
    let server = Server::start();
    let mut station = Station::new(&server.url(), json!({}));
    let data = station.dir.path().join("data-tmpfs");
    let _tmpfs = match Tmpfs::mount(&data, "3m") {
        Ok(t) => t,
        Err(why) if std::env::var_os("WATS_REQUIRE_TMPFS").is_none() => {
            eprintln!("SKIPPED: cannot mount a tmpfs ({why}); set WATS_REQUIRE_TMPFS=1 to fail");
            return;
        }
        Err(why) => panic!("cannot mount a tmpfs: {why}"),
    };
    station.data_dir = Some(data.clone());
    station.start();
    station.wait_running();

    // Fill the disk the queue is on.
    let filler = data.join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).and_then(|_| f.sync_all()).is_ok() {}
    }
    let pn = format!("FULL-{}", &Uuid::new_v4().simple().to_string()[..8]);
    let mut expected = BTreeSet::new();
    for i in 0..20 {
        let r = generated(&pn, &format!("SN-{i:04}"), true);
        expected.insert(r.id.unwrap());
        std::fs::write(
            station.inbox().join(format!("f{i:04}.json")),
            wats_report::wsjf::to_string(&r),
        )
        .unwrap();
    }
    wait(30, "intake to stop on the full disk", || {
        let s = station.status().unwrap();
        s["files"]["deferred"].as_u64().unwrap_or(0) > 0
    });
    let status = station.status().unwrap();
    assert_eq!(status["files"]["converted"], 0, "{status}");
    assert_eq!(
        files_in(&station.inbox()).len(),
        20,
        "the files stay in place"
    );
    assert!(files_in(&station.inbox().join("Error")).is_empty());
    let reason = status["intake"]["reason"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        status["intake"]["paused"] == true && reason.to_lowercase().contains("full"),
        "a clear message: {status}"
    );

    // Room again: everything goes through.
    std::fs::remove_file(&filler).unwrap();
    wait(60, "every report delivered after the disk has room", || {
        station.status().unwrap()["queue"]["done"].as_u64() == Some(20)
    });
    assert_eq!(files_in(&station.inbox().join("Done")).len(), 20);
    station.stop();
    let found = server.ids_for_part(&pn);
    assert_eq!(found.into_iter().collect::<BTreeSet<_>>(), expected);
}

/// The README's first command: `start` with no configuration at all runs in local mode with an
/// embedded server and an inbox, and a dropped file's report lands on that server.
#[test]
fn start_without_configuration_runs_in_local_mode() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg");
    let command = |args: &[&str]| {
        let mut c = Command::new(BIN);
        c.args(args).env("WATS_CLIENT_CONFIG_DIR", &cfg);
        for k in wats::ENV_BASE_URL.iter().chain(wats::ENV_TOKEN.iter()) {
            c.env_remove(k);
        }
        c
    };
    let child = command(&["start"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let data = cfg.join("default/data");
    let inbox = data.join("inbox");
    let status = || {
        let out = command(&["status", "--json"]).output().unwrap();
        out.status
            .success()
            .then(|| serde_json::from_slice::<Value>(&out.stdout).unwrap())
    };
    wait(30, "the local station", || status().is_some());
    let s = status().unwrap();
    assert_eq!(s["mode"], "local", "{s}");
    assert_eq!(s["inbox"], inbox.display().to_string());
    std::fs::copy(
        samples().join("wats/uur-example.json"),
        inbox.join("uur.json"),
    )
    .unwrap();
    // WATS's own exports, which WATS's import rules refuse (loop shape, status agreement):
    // in local mode the station checks what the embedded server checks, so they go through.
    for name in ["uut-wsjf-export.json", "uut-wsxf-export.xml"] {
        std::fs::copy(samples().join("wats").join(name), inbox.join(name)).unwrap();
    }
    // (Both exports are one report, by id: it is delivered once and replaced.)
    wait(30, "the reports delivered to the embedded server", || {
        status().unwrap()["queue"]["done"] == 2
            && inbox.join("Done/uut-wsjf-export.json").exists()
            && inbox.join("Done/uut-wsxf-export.xml").exists()
    });
    assert!(
        !inbox.join("Error").exists()
            || std::fs::read_dir(inbox.join("Error"))
                .unwrap()
                .next()
                .is_none(),
        "nothing went to the error folder"
    );
    // The embedded server holds it, under the station's own credentials.
    let password = std::fs::read_to_string(data.join("local-server.password")).unwrap();
    let server = s["server"].as_str().unwrap().to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let wats = Wats::builder()
        .base_url(&server)
        .credentials("station", password.trim())
        .build()
        .unwrap();
    let id = "5bd0e8f1-5d4a-4ba3-9a5b-4a7e2c5f4d11";
    let uur: Value = serde_json::from_str(
        &std::fs::read_to_string(samples().join("wats/uur-example.json")).unwrap(),
    )
    .unwrap();
    let id: Uuid = uur["id"].as_str().unwrap_or(id).parse().unwrap();
    let back = rt
        .block_on(wats.report().get_wsjf(id, &FetchOptions::default()))
        .unwrap();
    assert!(back.is_some(), "the UUR is on the embedded server");
    // The station's state is its user's alone: folders 0700, databases and configuration 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&cfg.join("default")), 0o700);
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&cfg.join("default/config.json")), 0o600);
        let databases: Vec<PathBuf> = std::fs::read_dir(&data)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                name.ends_with(".sqlite")
                    || name.ends_with(".sqlite-wal")
                    || name.ends_with(".password")
                    || name.ends_with(".secret")
            })
            .collect();
        assert!(databases.len() >= 4, "{databases:?}");
        for db in databases {
            assert_eq!(mode(&db), 0o600, "{}", db.display());
        }
    }
    assert!(command(&["stop"]).status().unwrap().success());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let banner = String::from_utf8_lossy(&out.stdout);
    assert!(banner.contains(&inbox.display().to_string()), "{banner}");
    assert!(banner.contains("local mode"), "{banner}");
}

/// Under systemd (`Type=notify`, `WatchdogSec`): the station says READY=1 once it runs, pings
/// WATCHDOG=1 from its loop, and says STOPPING=1 when it stops.
#[cfg(unix)]
#[test]
fn the_station_signals_systemd_readiness_and_watchdog() {
    use std::os::unix::net::UnixDatagram;
    let server = Server::start();
    let mut station = Station::new(&server.url(), json!({}));
    let socket_path = station.dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let child = station
        .command(&["start", "--no-banner"])
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "300000")
        .env_remove("WATCHDOG_PID")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    station.child = Some(child);
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen
        .iter()
        .filter(|m: &&String| m.contains("WATCHDOG=1"))
        .count()
        < 3
    {
        assert!(Instant::now() < deadline, "messages so far: {seen:?}");
        let n = socket.recv(&mut buf).unwrap();
        seen.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    assert!(seen[0].contains("READY=1"), "{seen:?}");
    station.stop();
    let mut stopping = false;
    while let Ok(n) = socket.recv(&mut buf) {
        if String::from_utf8_lossy(&buf[..n]).contains("STOPPING=1") {
            stopping = true;
            break;
        }
    }
    assert!(stopping, "STOPPING=1 on stop");
}

/// A converter written as a program (here a shell script): the station runs it on each file
/// and uploads what it prints; a failing run puts the file in the error folder with the
/// program's message.
#[cfg(unix)]
#[test]
fn an_external_converter_program_feeds_the_station() {
    use std::os::unix::fs::PermissionsExt;
    let server = Server::start();
    let tools = tempfile::tempdir().unwrap();
    let template = generated("EXT-PN", "EXT-SN", true);
    let template_path = tools.path().join("report.json");
    std::fs::write(&template_path, wats_report::wsjf::to_string(&template)).unwrap();
    let script = tools.path().join("conv.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nif grep -q BAD \"$1\"; then echo \"cannot read $1: BAD marker\" >&2; exit 2; fi\ncat '{}'\n",
            template_path.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut station = Station::new(&server.url(), json!({}));
    let cfg = station.dir.path().join("cfg/default/config.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
    doc["converters"][0]["converter"] = json!("external");
    doc["converters"][0]["command"] = json!([script.display().to_string()]);
    doc["converters"][0]["timeout_seconds"] = json!(10);
    std::fs::write(&cfg, doc.to_string()).unwrap();
    station.start();
    station.wait_running();
    std::fs::write(station.inbox().join("good.mtl"), "raw").unwrap();
    std::fs::write(station.inbox().join("bad.mtl"), "BAD").unwrap();
    // The id is the station's (derived from the file), not the one the program printed.
    wait(30, "the external converter's report on the server", || {
        server.ids_for_part("EXT-PN").len() == 1
    });
    wait(10, "the bad file in the error folder", || {
        station.inbox().join("Error/bad.mtl.error").exists()
    });
    let note = std::fs::read_to_string(station.inbox().join("Error/bad.mtl.error")).unwrap();
    assert!(note.contains("BAD marker"), "{note}");
    station.stop();
}

/// A folder converter: a unit is a folder, converted once its marker file is there (and it
/// holds the expected files); the whole folder moves to Done. A scheduled converter: a
/// program run every second whose reports are queued.
#[cfg(unix)]
#[test]
fn folder_and_scheduled_converters() {
    use std::os::unix::fs::PermissionsExt;
    let server = Server::start();
    let tools = tempfile::tempdir().unwrap();
    let exe = |name: &str, body: String| {
        let p = tools.path().join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p.display().to_string()
    };
    let template = tools.path().join("t.json");
    std::fs::write(
        &template,
        wats_report::wsjf::to_string(&generated("FOLD-PN", "FOLD-SN", true)),
    )
    .unwrap();
    // The folder converter checks it got the folder with its data file.
    let folder_conv = exe(
        "folder.sh",
        format!("test -d \"$1\" && test -f \"$1/data.txt\" || {{ echo \"not a unit folder: $1\" >&2; exit 1; }}\ncat '{}'", template.display()),
    );
    let counter = tools.path().join("n");
    let sched_template = tools.path().join("s.json");
    std::fs::write(
        &sched_template,
        wats_report::wsjf::to_string(&generated("SCHED-PN", "SCHED", true)),
    )
    .unwrap();
    let sched_conv = exe(
        "sched.sh",
        format!(
            "n=$(cat '{c}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '{c}'\nsed -e \"s/\\\"sn\\\":\\\"SCHED\\\"/\\\"sn\\\":\\\"SCHED-$n\\\"/\" -e 's/\"id\":\"[^\"]*\",//' '{t}'",
            c = counter.display(),
            t = sched_template.display()
        ),
    );
    let mut station = Station::new(&server.url(), json!({}));
    let units = station.dir.path().join("units");
    std::fs::create_dir_all(&units).unwrap();
    let cfg = station.dir.path().join("cfg/default/config.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
    doc["converters"] = json!([
        { "name": "units", "converter": "external", "converter_type": "folder",
          "command": [folder_conv], "watch_folder": units.display().to_string(),
          "readiness_marker": "READY", "expected_files": ["data.*"], "min_file_count": 2 },
        { "name": "sync", "converter": "external", "converter_type": "scheduled",
          "command": [sched_conv], "schedule_interval_seconds": 1, "run_on_startup": true,
          "watch_folder": "" }
    ]);
    std::fs::write(&cfg, doc.to_string()).unwrap();
    station.start();
    station.wait_running();

    // A complete unit and one whose marker came before its data.
    let u1 = units.join("unit-1");
    std::fs::create_dir_all(&u1).unwrap();
    std::fs::write(u1.join("data.txt"), "measurements").unwrap();
    std::fs::write(u1.join("READY"), "").unwrap();
    let u2 = units.join("unit-2");
    std::fs::create_dir_all(&u2).unwrap();
    std::fs::write(u2.join("READY"), "").unwrap();
    wait(30, "the complete unit folder in Done", || {
        units.join("Done/unit-1/data.txt").exists()
    });
    assert!(u2.join("READY").exists(), "an incomplete unit waits");
    std::fs::write(u2.join("data.txt"), "late data").unwrap();
    wait(30, "the second unit once complete", || {
        units.join("Done/unit-2").exists()
    });
    wait(30, "both folder reports on the server", || {
        server.ids_for_part("FOLD-PN").len() == 2
    });
    // The scheduled program ran at start and then every second.
    wait(30, "scheduled reports", || {
        server.ids_for_part("SCHED-PN").len() >= 2
    });
    station.stop();
}

/// A full queue (server unreachable, `max_queue_entries` reached) pauses intake with the
/// reason; the other files wait in the watch folder and flow once the server is back.
#[test]
fn a_full_queue_pauses_intake_until_there_is_room() {
    let server = Server::start();
    let mut proxy = FaultProxy::start(&server, 0);
    let port = proxy.addr.port();
    proxy.shut();
    let mut station = Station::new(
        &format!("http://127.0.0.1:{port}"),
        json!({ "max_queue_entries": 5 }),
    );
    station.start();
    station.wait_running();
    let pn = format!("QFULL-{}", &Uuid::new_v4().simple().to_string()[..8]);
    for i in 0..12 {
        let r = generated(&pn, &format!("SN-{i:03}"), true);
        std::fs::write(
            station.inbox().join(format!("q{i:03}.json")),
            wats_report::wsjf::to_string(&r),
        )
        .unwrap();
    }
    wait(30, "intake to pause on the full queue", || {
        let s = station.status().unwrap();
        s["intake"]["paused"] == true && s["queue"]["pending"].as_u64() == Some(5)
    });
    let s = station.status().unwrap();
    assert!(
        s["intake"]["reason"]
            .as_str()
            .unwrap()
            .contains("queue is full"),
        "{s}"
    );
    assert_eq!(
        files_in(&station.inbox()).len(),
        7,
        "the rest wait in the watch folder"
    );
    // The server comes back: everything flows.
    let _proxy = FaultProxy::start(&server, port);
    wait(90, "all twelve delivered", || {
        server.ids_for_part(&pn).len() == 12
    });
    wait(30, "every file in Done", || {
        files_in(&station.inbox().join("Done")).len() == 12
    });
    station.stop();
}

/// `restart` reads the configuration again in the same process: a converter enabled in the
/// file while running starts to work after the restart.
#[test]
fn restart_reads_the_configuration_again() {
    let server = Server::start();
    let mut station = Station::new(&server.url(), json!({}));
    station.start();
    station.wait_running();
    let pid = station.status().unwrap()["pid"].clone();
    let second = station.dir.path().join("second");
    std::fs::create_dir_all(&second).unwrap();
    let (code, _, err) = station.run(&[
        "config",
        "set",
        "converters.1",
        &json!({
            "name": "second", "converter": "wsjf", "watch_folder": second.display().to_string()
        })
        .to_string(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = station.run(&["restart"]);
    assert_eq!(code, 0, "{err}");
    // The control API is down for a moment while the station restarts: ask until it answers
    // (the report delivered from the new folder below proves the restart happened).
    let mut now = Value::Null;
    wait(20, "the restarted station", || {
        station.status().map(|s| now = s["pid"].clone()).is_some()
    });
    assert_eq!(now, pid, "same process");
    let report = generated("RESTART-PN", "SN-R", true);
    std::fs::write(second.join("r.json"), wats_report::wsjf::to_string(&report)).unwrap();
    wait(30, "the new folder's report on the server", || {
        server.get(report.id.unwrap()).is_some()
    });
    station.stop();
}

/// The serial-number pool: filled online; the server stopped; numbers taken offline; the
/// station SIGKILLed and restarted; taken again. No number is handed out twice, none is lost
/// from the pool, and an empty pool offline is a clear error that hands out nothing.
#[test]
fn serial_pool_survives_offline_and_sigkill() {
    use std::collections::HashSet;
    use wats::production::{SerialNumberType, TakeOptions};

    let mut server = Server::start();
    let wats = server.client();
    let ty = "POOL-SN";
    server.runtime.block_on(async {
        let p = wats.production();
        p.save_serial_number_types(&[SerialNumberType {
            name: Some(ty.into()),
            format: Some("SN-######".into()),
            ..Default::default()
        }])
        .await
        .unwrap();
        p.generate_serial_numbers(ty, "1", "500").await.unwrap();
        // Someone else took the first three: the pool starts after them.
        p.take_serial_numbers(ty, 3, &TakeOptions::default())
            .await
            .unwrap();
    });
    let mut station = Station::new(
        &server.url(),
        json!({ "serial_pools": [{ "type": ty, "low_water": 10, "batch_size": 30 }] }),
    );
    station.start();
    station.wait_running();
    let level = |s: &Station| -> Option<(u64, u64)> {
        let st = s.status()?;
        let pool = &st["serial_pools"][0];
        Some((pool["available"].as_u64()?, pool["handed_out"].as_u64()?))
    };
    wait(30, "the pool filled online", || {
        level(&station) == Some((40, 0))
    });
    let take = |s: &Station, n: u32| -> Result<Vec<String>, String> {
        let (code, out, err) = s.run(&["serial", "take", ty, "--count", &n.to_string()]);
        if code == 0 {
            Ok(out.lines().map(str::to_owned).collect())
        } else {
            Err(err)
        }
    };
    let mut handed: Vec<String> = take(&station, 5).unwrap();
    assert_eq!(
        handed,
        [
            "SN-000004",
            "SN-000005",
            "SN-000006",
            "SN-000007",
            "SN-000008"
        ]
    );
    // The control API: GET shows the levels, /metrics too; taking needs the secret.
    let data = station.dir.path().join("cfg/default/data");
    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("control.json")).unwrap()).unwrap();
    let addr = info["address"].as_str().unwrap().to_owned();
    let metrics = http_get(&addr, "/metrics");
    assert!(
        metrics.contains("wats_client_serial_pool_available{type=\"POOL-SN\"} 35"),
        "{metrics}"
    );
    let (code, _) = http_post(&addr, &format!("/serial/{ty}/take?count=1"), None);
    assert_eq!(code, 401);
    let secret = std::fs::read_to_string(data.join("control.secret")).unwrap();
    let (code, body) = http_post(
        &addr,
        &format!("/serial/{ty}/take?count=1"),
        Some(secret.trim()),
    );
    assert_eq!(code, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    handed.push(answer["serial_numbers"][0].as_str().unwrap().to_owned());

    // The server goes away: numbers still come, from the pool.
    if let Some(r) = server.running.take() {
        server.runtime.block_on(r.stop()).unwrap();
    }
    for _ in 0..4 {
        handed.extend(take(&station, 3).unwrap());
    }
    // 5 + 1 + 12 handed out.
    // SIGKILL right after a hand-out, then start again, still offline.
    station.kill();
    station.start();
    station.wait_running();
    assert_eq!(level(&station), Some((40 - 18, 18)));
    handed.extend(take(&station, 19).unwrap());
    // Three left; five asked for, and no server to refill from: refused, nothing handed out.
    let err = take(&station, 5).unwrap_err();
    assert!(
        err.contains("has 3 number(s), 5 were asked for") && err.contains("cannot be reached"),
        "{err}"
    );
    assert_eq!(level(&station), Some((3, 37)));
    handed.extend(take(&station, 3).unwrap());
    let distinct: HashSet<&String> = handed.iter().collect();
    assert_eq!(
        distinct.len(),
        handed.len(),
        "a number was handed out twice"
    );
    // Nothing lost: exactly the 40 reserved numbers, in order, were handed out.
    let expected: Vec<String> = (4..44).map(|a| format!("SN-{a:06}")).collect();
    assert_eq!(handed, expected);
    let metrics = {
        let st = station.status().unwrap();
        st["serial_pools"][0].clone()
    };
    assert_eq!(metrics["available"], 0);
    assert_eq!(metrics["below_low_water"], true);
    let (_, text, _) = station.run(&["status"]);
    assert!(
        text.contains("serial:  POOL-SN 0 available, 40 handed out (low water 10, batch 30) LOW"),
        "{text}"
    );
    station.stop();
}
