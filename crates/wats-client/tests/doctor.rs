//! `doctor` against temp instances: a good one with a real in-process `wats-server` (all OK),
//! and broken ones (a folder that cannot exist, an unreachable server, a wrong or unreadable
//! token, a damaged queue, parked reports, a running instance).

use std::fs;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use wats_client::config::{Config, ConverterConfig, Instance, PostAction, Secret};
use wats_client::queue::{ErrorKind, Queue, QueueOptions};
use wats_report::{ReportBuilder, Status as ReportStatus};

use wats_client::commands::doctor;

use doctor::Status;

const USER: &str = "station";
const PASSWORD: &str = "pw-123";
const TIMEOUT: Duration = Duration::from_secs(5);

/// A `wats-server` on loopback, served by its own runtime while the test thread stays
/// synchronous (doctor uses the blocking SDK).
struct Server {
    addr: SocketAddr,
    running: Option<wats_server::Running>,
    runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
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
            running: Some(running),
            runtime,
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            let _ = self.runtime.block_on(r.stop());
        }
    }
}

fn token(user: &str, password: &str) -> Secret {
    Secret::new(base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

/// An instance in `root` with one converter whose folders all exist.
fn good_instance(root: &Path, server: Option<&Server>) -> Instance {
    let instance = Instance::at("line-1", &root.join("config"), &root.join("data")).unwrap();
    let watch = root.join("in");
    fs::create_dir_all(watch.join("Done")).unwrap();
    fs::create_dir_all(watch.join("Error")).unwrap();
    let config = Config {
        service_address: server.map(Server::url).unwrap_or_default(),
        api_token: server.map(|_| token(USER, PASSWORD)),
        station_name: "ST-1".into(),
        converters: vec![ConverterConfig {
            name: "wsjf".into(),
            watch_folder: watch.display().to_string(),
            file_patterns: vec!["*.json".into()],
            ..ConverterConfig::default()
        }],
        ..Config::default()
    };
    instance.save(&config).unwrap();
    instance
}

fn edit(instance: &Instance, change: impl FnOnce(&mut Config)) {
    let mut config = instance.load().unwrap();
    change(&mut config);
    instance.save(&config).unwrap();
}

/// The check named `name`.
fn find<'a>(report: &'a doctor::Report, name: &str) -> Option<&'a doctor::Check> {
    report.checks.iter().find(|c| c.name == name)
}

fn status_of(report: &doctor::Report, name: &str) -> Status {
    find(report, name)
        .unwrap_or_else(|| panic!("no check {name:?} in\n{}", report.render()))
        .status
}

#[test]
fn a_good_instance_with_a_real_server_is_all_ok() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let instance = good_instance(tmp.path(), Some(&server));
    // A queue with a delivered-to-be report in it.
    let queue = Queue::open(doctor::queue_path(&instance), QueueOptions::default()).unwrap();
    let report = ReportBuilder::uut("PN-1", "SN-1", "A", 10)
        .station("ST-1", "Lab", "Test")
        .result(ReportStatus::Passed)
        .build_unchecked();
    queue.enqueue(&report, None).unwrap();
    drop(queue);

    let report = doctor::diagnose(&instance, TIMEOUT);
    let text = report.render();
    assert_eq!(report.status(), Status::Ok, "{text}");
    for name in [
        "config",
        "token",
        "converter wsjf",
        "data",
        "running",
        "queue",
        "reports",
        "server",
    ] {
        assert_eq!(status_of(&report, name), Status::Ok, "{text}");
    }
    assert!(text.contains("reachable, version"), "{text}");
    assert!(text.contains("1 pending, 0 uploading, 0 parked"), "{text}");
    assert!(text.contains("0 failed, 0 warning(s)"), "{text}");
    assert!(!text.contains("fix:"), "{text}");

    let json = report.to_json();
    assert_eq!(json["status"], "OK");
    assert_eq!(json["instance"], "line-1");
    assert!(json["checks"].as_array().unwrap().len() >= 8);
}

#[test]
fn local_mode_needs_no_server_and_no_token() {
    let tmp = tempfile::tempdir().unwrap();
    let instance = good_instance(tmp.path(), None);
    let report = doctor::diagnose(&instance, TIMEOUT);
    assert_eq!(report.status(), Status::Ok, "{}", report.render());
    assert!(find(&report, "server")
        .unwrap()
        .message
        .contains("local mode: the embedded server starts with `start`"));
    assert!(find(&report, "token")
        .unwrap()
        .message
        .contains("local mode"));
    assert!(find(&report, "queue").unwrap().message.contains("none yet"));
}

#[test]
fn a_broken_folder_and_an_unreachable_server_fail() {
    let tmp = tempfile::tempdir().unwrap();
    let instance = good_instance(tmp.path(), None);
    let blocker = tmp.path().join("a-file");
    fs::write(&blocker, "not a folder").unwrap();
    edit(&instance, |c| {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        c.service_address = "http://127.0.0.1:1".into();
        c.api_token = Some(token(USER, PASSWORD));
        c.converters[0].error_folder = blocker.join("Error").display().to_string();
    });
    let report = doctor::diagnose(&instance, TIMEOUT);
    let text = report.render();
    assert_eq!(report.status(), Status::Fail, "{text}");
    let converter = find(&report, "converter wsjf").unwrap();
    assert_eq!(converter.status, Status::Fail, "{text}");
    assert!(converter.message.contains("is a file"), "{text}");
    assert!(converter.hint.is_some());
    let server = find(&report, "server").unwrap();
    assert_eq!(server.status, Status::Fail, "{text}");
    assert!(server.message.contains("not reachable"), "{text}");
    assert!(text.contains("fix: check the URL"), "{text}");
    // The rest is still checked and fine.
    assert_eq!(status_of(&report, "data"), Status::Ok, "{text}");
    assert_eq!(status_of(&report, "token"), Status::Ok, "{text}");
}

#[test]
fn a_missing_watch_folder_warns_and_missing_done_folders_are_fine() {
    let tmp = tempfile::tempdir().unwrap();
    let instance = good_instance(tmp.path(), None);
    let later = tmp.path().join("later");
    edit(&instance, |c| {
        c.converters[0].watch_folder = later.display().to_string();
        c.converters.push(ConverterConfig {
            name: "off".into(),
            enabled: false,
            watch_folder: "/nonexistent/off".into(),
            ..ConverterConfig::default()
        });
    });
    let report = doctor::diagnose(&instance, TIMEOUT);
    let text = report.render();
    assert_eq!(report.status(), Status::Warn, "{text}");
    let converter = find(&report, "converter wsjf").unwrap();
    assert_eq!(converter.status, Status::Warn, "{text}");
    assert!(converter.message.contains("does not exist yet"), "{text}");
    assert!(
        converter.message.contains("created when first needed"),
        "{text}"
    );
    assert!(converter.hint.as_deref().unwrap().starts_with("mkdir -p"));
    assert!(
        find(&report, "converter off").is_none(),
        "disabled ones are skipped"
    );
    assert_eq!(status_of(&report, "config"), Status::Ok, "{text}");

    edit(&instance, |c| {
        c.converters[0].post_action = PostAction::Keep;
        c.converters[0].watch_folder = tmp.path().join("in").display().to_string();
    });
    let report = doctor::diagnose(&instance, TIMEOUT);
    assert_eq!(report.status(), Status::Ok, "{}", report.render());
    assert!(!find(&report, "converter wsjf")
        .unwrap()
        .message
        .contains("done"));
}

#[test]
fn a_wrong_token_and_a_missing_token_fail_against_the_server() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let instance = good_instance(tmp.path(), Some(&server));
    edit(&instance, |c| c.api_token = Some(token(USER, "wrong")));
    let report = doctor::diagnose(&instance, TIMEOUT);
    let check = find(&report, "server").unwrap();
    assert_eq!(check.status, Status::Fail, "{}", report.render());
    assert!(
        check.message.contains("refuses the token"),
        "{}",
        check.message
    );
    assert!(check
        .hint
        .as_deref()
        .unwrap()
        .contains("config set api_token"));

    edit(&instance, |c| c.api_token = None);
    let report = doctor::diagnose(&instance, TIMEOUT);
    assert_eq!(status_of(&report, "token"), Status::Fail);
    let server = find(&report, "server").unwrap();
    assert_eq!(server.status, Status::Fail, "{}", report.render());
    assert!(
        server.message.contains("needs a token"),
        "{}",
        report.render()
    );
}

#[test]
fn a_token_sealed_elsewhere_fails_but_the_rest_is_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let instance = good_instance(tmp.path(), None);
    let mut doc: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(instance.config_path()).unwrap()).unwrap();
    doc["api_token_encrypted"] = "v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAA".into();
    fs::write(instance.config_path(), doc.to_string()).unwrap();
    let report = doctor::diagnose(&instance, TIMEOUT);
    let text = report.render();
    assert_eq!(status_of(&report, "token"), Status::Fail, "{text}");
    assert_eq!(status_of(&report, "config"), Status::Ok, "{text}");
    assert_eq!(status_of(&report, "converter wsjf"), Status::Ok, "{text}");
}

#[test]
fn a_missing_or_invalid_configuration_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let instance = Instance::at("none", &tmp.path().join("c"), &tmp.path().join("d")).unwrap();
    let report = doctor::diagnose(&instance, TIMEOUT);
    let config = find(&report, "config").unwrap();
    assert_eq!(config.status, Status::Fail);
    assert!(config.hint.as_deref().unwrap().contains("config init"));
    assert!(find(&report, "server").is_none());
    assert_eq!(status_of(&report, "running"), Status::Ok);
    assert!(!tmp.path().join("c").exists(), "doctor created nothing");

    fs::create_dir_all(instance.config_dir()).unwrap();
    fs::write(
        instance.config_path(),
        r#"{"converters": [{"name": "x", "priority": 99}]}"#,
    )
    .unwrap();
    let report = doctor::diagnose(&instance, TIMEOUT);
    let config = find(&report, "config").unwrap();
    assert_eq!(config.status, Status::Fail, "{}", report.render());
    assert!(
        config.message.contains("converters[0].priority"),
        "{}",
        config.message
    );
}

#[test]
fn parked_reports_warn_and_a_running_instance_is_read_only() {
    let tmp = tempfile::tempdir().unwrap();
    let instance = good_instance(tmp.path(), None);
    let queue = Queue::open(doctor::queue_path(&instance), QueueOptions::default()).unwrap();
    for sn in ["SN-1", "SN-2"] {
        let report = ReportBuilder::uut("PN-1", sn, "A", 10)
            .station("ST-1", "Lab", "Test")
            .result(ReportStatus::Passed)
            .build_unchecked();
        queue.enqueue(&report, None).unwrap();
    }
    let claimed = queue.claim_due(SystemTime::now(), 2).unwrap();
    queue
        .park(claimed[0].id(), ErrorKind::Rejected, "bad part number")
        .unwrap();

    // The station is "running": it holds the lock and has an upload in flight.
    let lock = instance.lock().unwrap();
    let report = doctor::diagnose(&instance, TIMEOUT);
    let text = report.render();
    assert!(
        find(&report, "running").unwrap().message.starts_with("yes"),
        "{text}"
    );
    assert_eq!(status_of(&report, "queue"), Status::Ok, "{text}");
    let reports = find(&report, "reports").unwrap();
    assert_eq!(reports.status, Status::Warn, "{text}");
    assert!(
        reports.message.contains("0 pending, 1 uploading, 1 parked"),
        "{text}"
    );
    assert_eq!(report.status(), Status::Warn);
    // Doctor did not return the in-flight upload to pending behind the station's back.
    assert_eq!(queue.stats().unwrap().uploading, 1);
    drop(lock);
    drop(queue);

    // Stopped: doctor opens the queue as `start` would (the interrupted upload is pending).
    let report = doctor::diagnose(&instance, TIMEOUT);
    let text = report.render();
    assert!(
        find(&report, "running").unwrap().message.starts_with("no"),
        "{text}"
    );
    assert!(text.contains("1 pending, 0 uploading, 1 parked"), "{text}");
    instance.lock().expect("doctor released the lock");
}

#[test]
fn a_damaged_queue_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let instance = good_instance(tmp.path(), None);
    let path = doctor::queue_path(&instance);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, vec![0x5a; 8192]).unwrap();
    let report = doctor::diagnose(&instance, TIMEOUT);
    let queue = find(&report, "queue").unwrap();
    assert_eq!(queue.status, Status::Fail, "{}", report.render());
    assert!(queue.hint.as_deref().unwrap().contains(".recover"));
}

/// `run` as `main` calls it: the instance from `WATS_CLIENT_CONFIG_DIR`, an error (exit 1)
/// when a check fails. The only test that touches the environment.
#[test]
fn run_fails_exactly_when_a_check_fails() {
    let tmp = tempfile::tempdir().unwrap();
    std::env::set_var(
        wats_client::config::ENV_CONFIG_DIR,
        tmp.path().join("config"),
    );
    let instance = Instance::resolve("line-1").unwrap();
    let watch = tmp.path().join("in");
    fs::create_dir_all(&watch).unwrap();
    instance
        .save(&Config {
            converters: vec![ConverterConfig {
                name: "wsjf".into(),
                watch_folder: watch.display().to_string(),
                ..ConverterConfig::default()
            }],
            ..Config::default()
        })
        .unwrap();
    let ok = doctor::run("line-1", doctor::Args::default());
    let json = doctor::run(
        "line-1",
        doctor::Args {
            json: true,
            timeout: 1,
        },
    );
    edit(&instance, |c| {
        c.service_address = "http://127.0.0.1:1".into();
    });
    let failed = doctor::run("line-1", doctor::Args::default());
    std::env::remove_var(wats_client::config::ENV_CONFIG_DIR);
    ok.unwrap();
    json.unwrap();
    let err = failed.unwrap_err().to_string();
    assert!(err.contains("check(s) failed"), "{err}");
}
