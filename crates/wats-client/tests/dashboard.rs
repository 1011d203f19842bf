//! The web dashboard, in a real browser: headless Chromium driven over WebDriver
//! (`chromedriver`, Debian's `chromium` and `chromium-driver`), against the real `wats-client`
//! binary and a real `wats-server` on loopback.
//!
//! The browser test skips with a message when Chromium or chromedriver is missing, and fails
//! instead when `WATS_REQUIRE_BROWSER=1` (CI sets it). One browser session and one station
//! serve every scenario of the issue in turn (starting Chromium and the station is most of the
//! wall time). Screenshots of each page go to `<target dir>/dashboard-screenshots/`.
//!
//! Without a browser: the security rules over plain HTTP (Host header, sessions, CSRF, login
//! tokens), and the pages' speed with 100,000 queued entries.
//!
//! Why one file of ~1,000 lines: the browser test is one chain of scenarios over one browser
//! session and one station, because starting Chromium and the station is most of its wall time;
//! the plain-HTTP tests share its harness (the station process, the server, the waits). In a
//! file per scenario each would start its own browser and station, and in wats-client, where
//! each test file is its own binary (some tests set environment variables), link again.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use uuid::Uuid;
use wats::report::FetchOptions;
use wats::Wats;
use wats_report::{Report, ReportBuilder};

const USER: &str = "station";
const PASSWORD: &str = "pw-station";
const BIN: &str = env!("CARGO_BIN_EXE_wats-client");

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

// ---------------------------------------------------------------------------------------------
// Harness: a server, a station, a browser

struct Server {
    addr: SocketAddr,
    running: Option<wats_server::Running>,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let running = wats_server::start(wats_server::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database: wats_server::Database::Dir(dir.path().to_owned()),
            admin: Some((USER.into(), PASSWORD.into())),
            max_body_bytes: wats_server::DEFAULT_MAX_BODY_BYTES,
        })
        .await
        .unwrap();
        Server {
            addr: running.addr,
            running: Some(running),
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    async fn get(&self, id: Uuid) -> Option<Report> {
        let wats = Wats::builder()
            .base_url(self.url())
            .credentials(USER, PASSWORD)
            .no_cache()
            .no_rate_limit()
            .build()
            .unwrap();
        wats.report()
            .get_wsjf(id, &FetchOptions::default())
            .await
            .unwrap()
    }

    async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.unwrap();
        }
    }
}

/// A free loopback port: the station keeps its address across restarts, so the browser does.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Station {
    dir: tempfile::TempDir,
    child: Option<Child>,
    port: u16,
}

impl Station {
    fn new(server_url: &str, extra: Value) -> Station {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
        let mut config = json!({
            "service_address": server_url,
            "api_token": token,
            "station_name": "DASH-STATION",
            "location": "Lab",
            "purpose": "Test",
            "settle_seconds": 0.2,
            "rescan_interval_seconds": 1,
            "control_address": format!("127.0.0.1:{port}"),
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
            port,
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn inbox(&self) -> PathBuf {
        self.dir.path().join("in")
    }

    fn config(&self) -> Value {
        let text =
            std::fs::read_to_string(self.dir.path().join("cfg/default/config.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("cfg/default/data")
    }

    fn secret(&self) -> String {
        std::fs::read_to_string(self.data_dir().join("control.secret"))
            .unwrap()
            .trim()
            .to_string()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env("WATS_CLIENT_CONFIG_DIR", self.dir.path().join("cfg"))
            .env_remove("WATS_CLIENT_DATA_DIR")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env("WATS_CLIENT_BACKOFF_BASE_MS", "200")
            .env("WATS_CLIENT_BACKOFF_CAP_MS", "1000")
            .env("WATS_CLIENT_RECONNECT_MAX_MS", "1000");
        for k in wats::ENV_BASE_URL
            .iter()
            .chain(wats::ENV_TOKEN.iter())
            .chain(["WATS_STATION_NAME", "PYWATS_STATION_NAME"].iter())
        {
            cmd.env_remove(k);
        }
        cmd
    }

    async fn start(&mut self) {
        let child = self
            .command(&["start", "--no-banner"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        // The configured port, unless another process took it meanwhile (the station then
        // says in `control.json` where it went).
        let info = self.data_dir().join("control.json");
        wait(20, "the station's control.json", || {
            let exists = info.exists();
            async move { exists }
        })
        .await;
        let text = std::fs::read_to_string(&info).unwrap();
        let address: Value = serde_json::from_str(&text).unwrap();
        let address: SocketAddr = address["address"].as_str().unwrap().parse().unwrap();
        self.port = address.port();
        let base = self.base();
        wait(20, "the station to answer", || {
            let base = base.clone();
            async move {
                http()
                    .get(format!("{base}/health/live"))
                    .send()
                    .await
                    .is_ok()
            }
        })
        .await;
    }

    /// `wats-client dashboard --no-open`: the login URL.
    fn login_url(&self) -> String {
        let out = self.command(&["dashboard", "--no-open"]).output().unwrap();
        assert!(
            out.status.success(),
            "dashboard: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    async fn status(&self) -> Value {
        http()
            .get(format!("{}/status", self.base()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Panics with the station's log when `result` is an error.
    fn expect<T>(&self, result: Result<T, String>) -> T {
        result.unwrap_or_else(|e| {
            let log = std::fs::read_to_string(self.data_dir().join("logs/wats-client.log"))
                .unwrap_or_default();
            panic!("{e}\n--- the station's log:\n{log}")
        })
    }

    fn drop_report(&self, name: &str, report: &Report) {
        let tmp = self.dir.path().join(format!(".{name}.tmp"));
        std::fs::write(&tmp, wats_report::wsjf::to_string(report)).unwrap();
        std::fs::rename(&tmp, self.inbox().join(name)).unwrap();
    }
}

impl Drop for Station {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn wait<F, Fut>(secs: u64, what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !cond().await {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A report without a station name: the station stamps its own.
fn report(pn: &str, sn: &str) -> Report {
    let mut b = ReportBuilder::uut(pn, sn, "A", 10).operator("op");
    {
        let mut g = b.group("Power");
        g.add_step("3V3", 3.31).unit("V").limits(3.2, 3.4);
    }
    let mut r = b.build().unwrap();
    r.machine_name = None;
    r
}

fn screenshots_dir() -> PathBuf {
    // `<target>/debug/deps/dashboard-…` → `<target>/dashboard-screenshots`.
    let exe = std::env::current_exe().unwrap();
    let target = exe
        .ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(std::env::temp_dir);
    let dir = target.join("dashboard-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// chromedriver on a free port, and the Chromium binary, or why not.
struct Browser {
    driver: Child,
    client: Client,
    shots: PathBuf,
}

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

impl Browser {
    async fn start() -> Option<Browser> {
        let required = std::env::var("WATS_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        let (Some(driver), Some(chromium)) = (
            find_program(&["chromedriver"]),
            find_program(&["chromium", "chromium-browser", "google-chrome"]),
        ) else {
            assert!(
                !required,
                "WATS_REQUIRE_BROWSER=1 but chromium and chromedriver are not installed \
                 (apt-get install chromium chromium-driver)"
            );
            eprintln!(
                "SKIPPED: the dashboard's browser test needs chromium and chromedriver \
                 (apt-get install chromium chromium-driver); set WATS_REQUIRE_BROWSER=1 to fail \
                 instead"
            );
            return None;
        };
        let port = free_port();
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,900",
                         "--no-first-run", "--disable-extensions"],
            }),
        );
        let start = Instant::now();
        let client = loop {
            let mut builder =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
            match builder
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => break c,
                Err(e) if start.elapsed() > Duration::from_secs(30) => {
                    panic!("cannot start a Chromium session: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Some(Browser {
            driver: child,
            client,
            shots: screenshots_dir(),
        })
    }

    async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// Waits until the element `css` exists and its text contains `wanted`.
    async fn wait_text(&self, secs: u64, css: &str, wanted: &str) -> String {
        let start = Instant::now();
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if let Ok(t) = el.text().await {
                    if t.contains(wanted) {
                        return t;
                    }
                }
            }
            if start.elapsed() > Duration::from_secs(secs) {
                let source = self.client.source().await.unwrap_or_default();
                panic!("timed out waiting for {css} to show {wanted:?}; page:\n{source}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// [`Browser::wait_text`] that gives up with the page instead of panicking.
    async fn try_text(&self, secs: u64, css: &str, wanted: &str) -> Result<String, String> {
        let start = Instant::now();
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if let Ok(t) = el.text().await {
                    if t.contains(wanted) {
                        return Ok(t);
                    }
                }
            }
            if start.elapsed() > Duration::from_secs(secs) {
                let source = self.client.source().await.unwrap_or_default();
                return Err(format!(
                    "timed out waiting for {css} to show {wanted:?}; page:\n{source}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    async fn fill(&self, css: &str, value: &str) {
        let el = self.client.find(Locator::Css(css)).await.unwrap();
        el.clear().await.unwrap();
        el.send_keys(value).await.unwrap();
    }

    async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// The browser test

/// Every "Done means" of the dashboard's issue, in one browser session against one station.
#[test]
fn dashboard_in_a_real_browser() {
    runtime().block_on(async {
        let Some(browser) = Browser::start().await else {
            return;
        };
        let result = scenarios(&browser).await;
        browser.close().await;
        result.unwrap();
    });
}

async fn scenarios(b: &Browser) -> TestResult {
    let t0 = Instant::now();
    let phase = |name: &str| eprintln!("{:>6.1} s  {name}", t0.elapsed().as_secs_f64());
    let mut server = Server::start().await;
    phase("A wrong path first");
    // A wrong path first: the server answers 404, so reports are parked.
    let mut station = Station::new(&format!("{}/nowhere", server.url()), json!({}));
    station.start().await;
    let base = station.base();

    phase("Reading needs no login on loopback");
    // Reading needs no login on loopback; a change without a session is refused.
    b.client.goto(&format!("{base}/ui/setup")).await?;
    b.wait_text(5, "#readonly", "Read only").await;
    b.fill("#station_name", "NO-SESSION").await;
    b.click("#apply").await;
    b.wait_text(5, "#message", "needs a session").await;
    assert_eq!(station.config()["station_name"], "DASH-STATION");

    phase("Sign in with the one-time link");
    // Sign in with the one-time link; the link works once.
    let login = station.login_url();
    assert!(
        login.starts_with(&format!("{base}/ui/login?token=")),
        "{login}"
    );
    b.client.goto(&login).await?;
    b.wait_text(10, "h1", "Dashboard").await;
    assert!(b.client.find(Locator::Css("#readonly")).await.is_err());
    let reused = http().get(&login).send().await?;
    assert_eq!(reused.status(), 401);

    phase("A cross-origin POST (a page elsewhere submitting a form to the station) is refused");
    // A cross-origin POST (a page elsewhere submitting a form to the station) is refused,
    // even with the session signed in.
    let evil = format!(
        "data:text/html,<form method=post action='{base}/ui/setup'>\
         <input name=service_address value=http://evil.example.com>\
         <input name=station_name value=EVIL><input name=location value=x>\
         <input name=purpose value=x></form><script>document.forms[0].submit()</script>"
    );
    b.client.goto(&evil).await?;
    b.wait_text(10, "#message", "").await;
    let refused = b.text("#message").await;
    assert!(
        refused.contains("cross-origin") || refused.contains("needs a session"),
        "{refused}"
    );
    assert_eq!(station.config()["station_name"], "DASH-STATION");

    phase("Every page loads");
    // Every page loads; a screenshot of each.
    for (path, title, shot) in [
        ("/ui/", "Dashboard", "dashboard"),
        ("/ui/queue", "Queue", "queue"),
        ("/ui/converters", "Converters", "converters"),
        ("/ui/setup", "Setup", "setup"),
        ("/ui/logs", "Logs", "logs"),
    ] {
        b.client.goto(&format!("{base}{path}")).await?;
        b.wait_text(10, "h1", title).await;
        b.shot(shot).await;
    }

    phase(
        "Park a report (the server refuses it), see it with the server's reason on the Queue page",
    );
    // Park a report (the server refuses it), see it with the server's reason on the Queue page.
    let parked = report("DASH-PARK", "SN-PARK");
    station.drop_report("parked.json", &parked);
    let parked_id = parked.id.unwrap();
    b.client
        .goto(&format!("{base}/ui/queue?state=parked"))
        .await?;
    let start = Instant::now();
    loop {
        let found = b
            .client
            .find(Locator::Css(&format!("tr[data-id='{parked_id}']")))
            .await
            .is_ok();
        if found {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "never parked");
        tokio::time::sleep(Duration::from_millis(300)).await;
        b.client.refresh().await?;
    }
    let reason = b
        .text(&format!("tr[data-id='{parked_id}'] td.reason"))
        .await;
    assert!(reason.contains("404"), "{reason}");
    b.shot("queue-parked").await;
    phase("Its WSJF, viewed and offered for download");
    // Its WSJF, viewed and offered for download.
    b.client
        .goto(&format!("{base}/ui/queue/{parked_id}"))
        .await?;
    b.wait_text(5, "pre.doc", "SN-PARK").await;
    b.shot("queue-entry").await;

    phase("Setup");
    // Setup: a field the validation refuses is shown next to it; nothing is saved.
    b.client.goto(&format!("{base}/ui/setup")).await?;
    b.fill("#service_address", "ftp://wrong").await;
    b.click("#apply").await;
    b.wait_text(5, ".field.invalid .field-error", "http").await;
    b.shot("setup-invalid").await;
    assert_eq!(
        station.config()["service_address"],
        format!("{}/nowhere", server.url())
    );
    phase("Test connection with the right URL, then apply it and a new station name");
    // Test connection with the right URL, then apply it and a new station name: the station
    // restarts, and the page comes back saying so.
    b.fill("#service_address", &server.url()).await;
    b.click("#test").await;
    b.wait_text(10, "#test-result", "Online").await;
    b.fill("#station_name", "DASH-STATION-2").await;
    b.click("#apply").await;
    station.expect(b.try_text(30, "#saved", "Saved").await);
    assert_eq!(station.config()["station_name"], "DASH-STATION-2");
    assert!(station.config().get("api_token").is_none(), "token sealed");
    let setup_html = b.client.source().await?;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    assert!(!setup_html.contains(&token), "the token is never rendered");

    phase("Retry the parked report from the Queue page");
    // Retry the parked report from the Queue page: it reaches the server.
    b.client
        .goto(&format!("{base}/ui/queue?state=parked"))
        .await?;
    b.click(&format!("button[value='retry:{parked_id}']")).await;
    b.wait_text(5, "#flash", "1 entry sent back").await;
    wait(30, "the retried report on the server", || {
        let s = &server;
        async move { s.get(parked_id).await.is_some() }
    })
    .await;

    phase("A dropped file arrives on the dashboard as uploaded, stamped with the new station name");
    // A dropped file arrives on the dashboard as uploaded, stamped with the new station name.
    b.client.goto(&format!("{base}/ui/")).await?;
    let fresh = report("DASH-NEW", "SN-NEW");
    station.drop_report("fresh-unit.json", &fresh);
    b.wait_text(30, "#uploads", "fresh-unit.json").await;
    b.wait_text(10, "#badge", "Online").await;
    b.shot("dashboard-uploaded").await;
    let stored = server.get(fresh.id.unwrap()).await.expect("on the server");
    assert_eq!(stored.machine_name.as_deref(), Some("DASH-STATION-2"));

    phase("Disable, then enable the converter");
    // Disable, then enable the converter.
    b.client.goto(&format!("{base}/ui/converters")).await?;
    b.click("tr[data-name='drop'] button[value='false']").await;
    b.wait_text(30, "tr[data-name='drop']", "Disabled").await;
    assert_eq!(station.config()["converters"][0]["enabled"], false);
    b.shot("converters-disabled").await;
    b.click("tr[data-name='drop'] button[value='true']").await;
    b.wait_text(30, "tr[data-name='drop']", "Enabled").await;
    assert_eq!(station.config()["converters"][0]["enabled"], true);

    phase("Try a file");
    // Try a file: the converter and its WSJF; nothing queued.
    let queued_before = station.status().await["reports"]["queued"].clone();
    let sample = station.dir.path().join("try-me.json");
    std::fs::write(
        &sample,
        wats_report::wsjf::to_string(&report("DASH-TRY", "SN-TRY")),
    )?;
    b.client
        .find(Locator::Css("#try-file"))
        .await?
        .send_keys(&sample.display().to_string())
        .await?;
    b.click("#try-button").await;
    b.wait_text(10, "#try-wsjf", "SN-TRY").await;
    let taken_by = b.text("#try-converter-name").await;
    assert!(!taken_by.is_empty());
    assert!(b.text("#scores").await.contains(&taken_by));
    b.shot("converters-try").await;
    assert_eq!(
        station.status().await["reports"]["queued"],
        queued_before,
        "trying a file queues nothing"
    );

    phase("Logs");
    // Logs: the live tail and the filter.
    b.client
        .goto(&format!("{base}/ui/logs?level=INFO&q=station+started"))
        .await?;
    b.wait_text(5, "#log", "station started").await;
    // A file no converter reads: its warning arrives in the open page (the live tail), and
    // the Converters page shows it as the last error.
    b.client.goto(&format!("{base}/ui/logs?level=WARN")).await?;
    b.wait_text(5, "h1", "Logs").await;
    std::fs::write(
        station.inbox().join("garbage.bin"),
        b"\x00\x01 not a report",
    )?;
    b.wait_text(30, "#log", "garbage.bin").await;
    b.shot("logs-live").await;
    b.client.goto(&format!("{base}/ui/converters")).await?;
    b.wait_text(5, "tr[data-name='drop'] td.reason", "garbage.bin")
        .await;

    phase("Stop the server");
    // Stop the server: a new report cannot go, and the dashboard says offline, with why.
    server.stop().await;
    b.client.goto(&format!("{base}/ui/")).await?;
    station.drop_report("while-offline.json", &report("DASH-OFF", "SN-OFF"));
    b.wait_text(60, "#connection", "Offline").await;
    let why = b.text("#reason").await;
    assert!(why.contains("does not answer"), "{why}");
    b.wait_text(10, "#badge", "Offline").await;
    b.shot("dashboard-offline").await;

    phase("A phone-sized screen");
    // A phone-sized screen.
    b.client.set_window_size(390, 844).await?;
    b.client.goto(&format!("{base}/ui/queue")).await?;
    b.wait_text(5, "h1", "Queue").await;
    b.shot("queue-phone").await;

    // The waiting report's WSJF downloads; then it is dropped, after a confirmation.
    let waiting = b.client.find(Locator::Css("tr[data-id]")).await?;
    let waiting_id = waiting.attr("data-id").await?.expect("an entry id");
    let wsjf = http()
        .get(format!("{base}/ui/queue/{waiting_id}/wsjf"))
        .send()
        .await?;
    assert_eq!(wsjf.status(), 200);
    assert!(wsjf.headers()["content-disposition"]
        .to_str()?
        .contains("attachment"));
    assert!(wsjf.text().await?.contains("SN-OFF"));
    b.click(&format!("input[value='{waiting_id}']")).await;
    b.click("button[value='drop']").await;
    b.wait_text(5, "h1", "Drop entries?").await;
    b.click("#confirm-drop").await;
    b.wait_text(5, "#flash", "1 entry dropped").await;
    assert_eq!(station.status().await["queue"]["pending"], 0);

    // The log file downloads.
    let log = http()
        .get(format!("{base}/ui/logs/download"))
        .send()
        .await?;
    assert_eq!(log.status(), 200);
    assert!(log.text().await?.contains("station started"));
    phase("done");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Without a browser

/// The rules of the control address, over plain HTTP: the Host header on every route, changes
/// need a session (or the secret), a session's change needs its own origin and its form token.
#[test]
fn control_address_security() {
    runtime().block_on(async {
        let server = Server::start().await;
        let mut station = Station::new(&server.url(), json!({}));
        station.start().await;
        let base = station.base();
        let h = http();

        // A foreign Host header (DNS rebinding) is refused on every route, the API's too.
        for path in ["/status", "/ui/", "/config"] {
            let r = h
                .get(format!("{base}{path}"))
                .header("host", format!("rebound.example.com:{}", station.port))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 421, "{path}");
        }
        // Reading on loopback needs nothing; changing does.
        assert_eq!(
            h.get(format!("{base}/ui/queue"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        let r = h.post(format!("{base}/rescan")).send().await.unwrap();
        assert_eq!(r.status(), 401);

        // A login token comes only with the secret, and signs in once.
        let r = h
            .post(format!("{base}/ui/login-token"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let answer: Value = h
            .post(format!("{base}/ui/login-token"))
            .bearer_auth(station.secret())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = answer["token"].as_str().unwrap();
        let r = h
            .get(format!("{base}/ui/login?token={token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        let session = cookie.split(';').next().unwrap().to_string();

        // The session's form token, from a page.
        let page = h
            .get(format!("{base}/ui/setup"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = page
            .split("name=\"csrf\" content=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("a form token in the page")
            .to_string();
        let form = |csrf: &str| {
            format!(
                "csrf={csrf}&service_address={}&station_name=CHANGED&location=L&purpose=P",
                server.url()
            )
        };
        let post = |origin: Option<&str>, body: String| {
            let mut r = h
                .post(format!("{base}/ui/setup"))
                .header("cookie", &session)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
            if let Some(o) = origin {
                r = r.header("origin", o);
            }
            r.send()
        };
        // Another origin, no origin, a wrong form token: refused, nothing saved.
        assert_eq!(
            post(Some("http://evil.example.com"), form(&csrf))
                .await
                .unwrap()
                .status(),
            403
        );
        assert_eq!(post(None, form(&csrf)).await.unwrap().status(), 403);
        assert_eq!(
            post(Some(&base), form("forged")).await.unwrap().status(),
            403
        );
        assert_eq!(station.config()["station_name"], "DASH-STATION");
        // Its own origin with the form token: saved (and the station restarts).
        assert_eq!(post(Some(&base), form(&csrf)).await.unwrap().status(), 200);
        assert_eq!(station.config()["station_name"], "CHANGED");
        drop(server);
    });
}

/// A station whose control address is published through a proxy (`dashboard_origin`) needs a
/// login for every route, reads included; `config validate` warns about a non-loopback address.
#[test]
fn exposed_station_needs_a_login_everywhere() {
    runtime().block_on(async {
        let server = Server::start().await;
        let mut station = Station::new(
            &server.url(),
            json!({ "dashboard_origin": "https://station-12.example.com" }),
        );
        station.start().await;
        let base = station.base();
        let h = http();
        let r = h.get(format!("{base}/status")).send().await.unwrap();
        assert_eq!(r.status(), 401);
        let r = h.get(format!("{base}/ui/queue")).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/ui/login");
        assert_eq!(
            h.get(format!("{base}/ui/login"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        let r = h
            .get(format!("{base}/status"))
            .bearer_auth(station.secret())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        // The proxy's name is this station's; the CLI still works (it sends the secret).
        let r = h
            .get(format!("{base}/health/live"))
            .header("host", "station-12.example.com")
            .bearer_auth(station.secret())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let out = station.command(&["status"]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let url = station.login_url();
        assert!(
            url.starts_with("https://station-12.example.com/ui/login?token="),
            "{url}"
        );

        // `config set` and `validate` warn about an address other machines reach.
        let out = station
            .command(&["config", "set", "control_address", "0.0.0.0:8799"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("reachable from other machines"), "{err}");
        let out = station.command(&["config", "validate"]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("reachable from other machines"), "{err}");
        // A public origin with a path is a configuration problem, not a surprise at start.
        let out = station
            .command(&[
                "config",
                "set",
                "dashboard_origin",
                "https://a.example.com/ui",
            ])
            .output()
            .unwrap();
        assert!(out.status.success());
        let out = station.command(&["config", "validate"]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("dashboard_origin"),
            "{err}"
        );
    });
}

/// The Queue page and the dashboard with 100,000 queued entries: each page is one index walk,
/// so the first and the last page of entries answer as fast as a small queue's.
#[test]
fn pages_stay_fast_with_100k_entries() {
    const N: usize = 100_000;
    runtime().block_on(async {
        let mut station = Station::new("http://127.0.0.1:9/nowhere", json!({}));
        // The queue, filled directly (enqueueing 100,000 reports one by one would be the test).
        let queue_path = station.data_dir().join("queue.sqlite");
        drop(wats_client::queue::Queue::open(&queue_path, Default::default()).unwrap());
        let mut conn = rusqlite::Connection::open(&queue_path).unwrap();
        let tx = conn.transaction().unwrap();
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO entries (id, document, doc_hash, bytes, source, state, attempts,
                         next_attempt_at, last_error_kind, last_error_text, created_at, updated_at)
                     VALUES (?1, '{}', 0, 2, ?2, 'parked', 1, ?3, 'refused', 'HTTP 400: no', ?3, ?3)",
                )
                .unwrap();
            let now = 1_800_000_000_000i64;
            for i in 0..N {
                insert
                    .execute(rusqlite::params![
                        Uuid::new_v4().to_string(),
                        format!("/in/file-{i}.json"),
                        now + i as i64
                    ])
                    .unwrap();
            }
        }
        tx.commit().unwrap();
        drop(conn);
        station.start().await;
        let base = station.base();
        let h = http();
        let last_page = N / 50 - 1;
        for path in [
            "/ui/".to_string(),
            "/ui/queue?state=parked".to_string(),
            format!("/ui/queue?state=parked&page={last_page}"),
            "/ui/queue?state=parked&since=1h".to_string(),
        ] {
            let mut best = Duration::MAX;
            for _ in 0..3 {
                let t = Instant::now();
                let r = h.get(format!("{base}{path}")).send().await.unwrap();
                assert_eq!(r.status(), 200, "{path}");
                let body = r.text().await.unwrap();
                best = best.min(t.elapsed());
                if path.contains("page=") {
                    assert!(body.contains(&format!("file-{}.json", N - 1)), "the last entry");
                }
            }
            eprintln!("{path}: {:.1} ms with {N} entries", best.as_secs_f64() * 1000.0);
            assert!(best < Duration::from_millis(500), "{path} took {best:?}");
        }
    });
}
