//! The configuration library: round trips, validation paths, atomic writes, overrides, token
//! sealing, instance locks.

use std::fs;
use std::path::Path;

use serde_json::{json, Value};
use wats_client::config::{
    backup_path, check_schema, Config, ConfigError, ConverterConfig, Instance, PostAction, Secret,
    TOKEN_KEY,
};

fn instance(root: &Path, name: &str) -> Instance {
    Instance::at(name, &root.join("config"), &root.join("data")).unwrap()
}

fn write_doc(instance: &Instance, doc: &Value) {
    fs::create_dir_all(instance.config_dir()).unwrap();
    fs::write(
        instance.config_path(),
        serde_json::to_vec_pretty(doc).unwrap(),
    )
    .unwrap();
}

fn read_doc(instance: &Instance) -> Value {
    serde_json::from_slice(&fs::read(instance.config_path()).unwrap()).unwrap()
}

#[test]
fn round_trip_keeps_unknown_keys_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let inst = instance(dir.path(), "default");
    let doc = json!({
        "service_address": "https://wats.example.com",
        "station_name": "ICT-01",
        "location": "Line A",
        "purpose": "Production",
        "sn_mode": "Manual Entry",
        "proxy": {"enabled": false, "port": 8080},
        "converters": [{
            "name": "ict",
            "module_path": "pywats_client.converters.Foo",
            "watch_folder": "/tmp/in",
            "file_patterns": ["*.log"],
            "post_action": "keep",
            "arguments": {"limit": 3, "nested": {"a": [1, 2]}},
            "alarm_threshold": 0.5
        }]
    });
    write_doc(&inst, &doc);
    let config = inst.load().unwrap();
    assert_eq!(config.station_name, "ICT-01");
    assert_eq!(config.converters[0].post_action, PostAction::Keep);
    assert_eq!(config.converters[0].priority, 5, "default");
    assert!(config.converters[0].enabled, "default");
    assert_eq!(config.extra["sn_mode"], "Manual Entry");
    assert_eq!(
        config.converters[0].extra["module_path"],
        "pywats_client.converters.Foo"
    );

    inst.save(&config).unwrap();
    let written = read_doc(&inst);
    // Every key that was there is there with the same value; defaults were added.
    for (k, v) in doc.as_object().unwrap() {
        if k != "converters" {
            assert_eq!(&written[k], v, "{k}");
        }
    }
    for (k, v) in doc["converters"][0].as_object().unwrap() {
        assert_eq!(&written["converters"][0][k], v, "converters[0].{k}");
    }
    assert_eq!(written["converters"][0]["recursive"], false);
    assert_eq!(inst.load().unwrap(), config);
}

#[test]
fn schema_problems_name_the_key_path() {
    let doc = json!({
        "station_name": 12,
        "rescan_interval_seconds": 0,
        "converters": [
            {"name": "a", "watch_folder": "/x", "priority": 11},
            {"name": "b", "post_action": "archive", "enabled": "yes",
             "file_patterns": ["*.xml", "[bad", 3]},
            "not an object"
        ]
    });
    let problems: Vec<String> = check_schema(&doc).iter().map(ToString::to_string).collect();
    let expect = [
        "station_name: expected a string, found 12",
        "rescan_interval_seconds: expected an integer from 1 to 86400, found 0",
        "converters[0].priority: expected an integer from 1 to 10, found 11",
        "converters[1].enabled: expected true or false, found \"yes\"",
        "converters[1].file_patterns[1]: invalid glob pattern",
        "converters[1].file_patterns[2]: expected a glob pattern, found 3",
        "converters[1].post_action: expected one of move, delete, keep, found \"archive\"",
        "converters[2]: expected an object, found \"not an object\"",
    ];
    for e in expect {
        assert!(
            problems.iter().any(|p| p.starts_with(e)),
            "missing {e:?} in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expect.len(), "{problems:#?}");

    // Loading such a file is refused with the same messages.
    let dir = tempfile::tempdir().unwrap();
    let inst = instance(dir.path(), "default");
    write_doc(&inst, &doc);
    match inst.load() {
        Err(ConfigError::Invalid(p)) => assert_eq!(p.len(), expect.len()),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn semantic_problems_name_the_key_path() {
    let dir = tempfile::tempdir().unwrap();
    let watch = dir.path().join("in");
    fs::create_dir(&watch).unwrap();
    let file = dir.path().join("file");
    fs::write(&file, "x").unwrap();
    let config = Config {
        converters: vec![
            ConverterConfig {
                name: "a".into(),
                watch_folder: watch.display().to_string(),
                ..Default::default()
            },
            ConverterConfig {
                name: "b".into(),
                watch_folder: dir.path().join("missing").display().to_string(),
                ..Default::default()
            },
            ConverterConfig {
                name: "a".into(),
                watch_folder: file.display().to_string(),
                ..Default::default()
            },
            ConverterConfig {
                name: "".into(),
                watch_folder: "".into(),
                enabled: false,
                ..Default::default()
            },
            ConverterConfig {
                name: "off".into(),
                watch_folder: dir.path().join("missing").display().to_string(),
                enabled: false,
                ..Default::default()
            },
            ConverterConfig {
                name: "rel".into(),
                watch_folder: "relative/in".into(),
                ..Default::default()
            },
            ConverterConfig {
                name: "loop".into(),
                watch_folder: watch.display().to_string(),
                done_folder: watch.display().to_string(),
                error_folder: file.display().to_string(),
                file_patterns: vec![],
                ..Default::default()
            },
        ],
        service_address: "wats.example.com".into(),
        ..Config::default()
    };
    let problems: Vec<String> = config.problems().iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            "service_address: expected an http:// or https:// URL, found \"wats.example.com\"",
            "converters[1].watch_folder: does not exist",
            "converters[2].name: \"a\" is used by an earlier converter",
            "converters[2].watch_folder: is not a folder",
            "converters[3].name: is required",
            "converters[3].watch_folder: is required",
            "converters[5].watch_folder: must be an absolute path (a service does not run in your folder)",
            "converters[6].file_patterns: is empty: no file would be taken",
            "converters[6].done_folder: is the watch folder itself: files moved there would be read again",
            "converters[6].error_folder: is not a folder",
        ]
    );
}

#[test]
fn writes_are_atomic_and_keep_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let inst = instance(dir.path(), "default");
    let mut config = Config {
        station_name: "first".into(),
        ..Config::default()
    };
    inst.save(&config).unwrap();
    assert!(
        !backup_path(&inst.config_path()).exists(),
        "nothing to back up yet"
    );
    config.station_name = "second".into();
    inst.save(&config).unwrap();
    let bak: Value =
        serde_json::from_slice(&fs::read(backup_path(&inst.config_path())).unwrap()).unwrap();
    assert_eq!(bak["station_name"], "first");
    assert_eq!(read_doc(&inst)["station_name"], "second");
    // No temp files left behind.
    let names: Vec<String> = fs::read_dir(inst.config_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(inst.config_path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "config is owner-only: {mode:o}");
    }

    // A missing file is recovered from its backup; a corrupt one is an error naming it.
    fs::remove_file(inst.config_path()).unwrap();
    assert_eq!(inst.load().unwrap().station_name, "first");
    fs::write(inst.config_path(), "{ not json").unwrap();
    let err = inst.load().unwrap_err().to_string();
    assert!(
        err.contains("config.json") && err.contains("not valid JSON"),
        "{err}"
    );
    assert!(err.contains("config.json.bak"), "names the backup: {err}");
}

#[test]
fn environment_overrides_apply_and_are_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let inst = instance(dir.path(), "default");
    let stored = Config {
        service_address: "https://stored".into(),
        station_name: "stored".into(),
        ..Config::default()
    };
    inst.save(&stored).unwrap();
    let env = |name: &str| -> Option<String> {
        match name {
            "PYWATS_SERVER_URL" => Some("https://pywats".into()),
            "WATS_BASE_URL" => Some("https://wats".into()),
            "PYWATS_API_TOKEN" => Some("env-token".into()),
            "PYWATS_STATION_NAME" => Some("py-station".into()),
            "WATS_LOCATION" => Some("".into()),
            _ => None,
        }
    };
    let mut config = inst.load().unwrap();
    let applied = config.apply_env(env);
    assert_eq!(
        config.service_address, "https://wats",
        "WATS_* wins over PYWATS_*"
    );
    assert_eq!(config.api_token.as_ref().unwrap().expose(), "env-token");
    assert_eq!(config.station_name, "py-station");
    assert_eq!(config.location, "", "an empty variable is no override");
    let vars: Vec<_> = applied.iter().map(|o| (o.key, o.variable)).collect();
    assert_eq!(
        vars,
        [
            ("service_address", "WATS_BASE_URL"),
            ("api_token", "PYWATS_API_TOKEN"),
            ("station_name", "PYWATS_STATION_NAME"),
        ]
    );
    assert_eq!(inst.load().unwrap(), stored, "the file is untouched");
}

fn files_contain(dir: &Path, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() && String::from_utf8_lossy(&fs::read(&path).unwrap()).contains(needle) {
            hits.push(path.display().to_string());
        }
    }
    hits
}

#[test]
fn the_token_is_sealed_on_disk_and_redacted_in_output() {
    let dir = tempfile::tempdir().unwrap();
    let inst = instance(dir.path(), "default");
    let token = "c2VjcmV0LXRva2VuLTEyMzQ1";
    let config = Config {
        api_token: Some(Secret::new(token)),
        ..Config::default()
    };
    inst.save(&config).unwrap();
    inst.save(&config).unwrap(); // and a .bak
    assert!(backup_path(&inst.config_path()).exists());
    assert_eq!(
        files_contain(inst.config_dir(), token),
        Vec::<String>::new()
    );
    let doc = read_doc(&inst);
    assert!(doc.get("api_token").is_none());
    assert!(doc[TOKEN_KEY].as_str().unwrap().starts_with("v1."));
    assert_eq!(inst.load().unwrap().api_token.unwrap().expose(), token);

    // Debug and the redacted view never show it.
    assert!(!format!("{config:?}").contains(token));
    let shown = config.redacted_json().to_string();
    assert!(
        !shown.contains(token) && shown.contains("<redacted>"),
        "{shown}"
    );

    // A plain token in a hand-written file is read, and sealed at the next save.
    write_doc(&inst, &json!({"api_token": "plain-token-xyz"}));
    let loaded = inst.load().unwrap();
    assert_eq!(
        loaded.api_token.as_ref().unwrap().expose(),
        "plain-token-xyz"
    );
    inst.save(&loaded).unwrap();
    assert_eq!(
        files_contain(inst.config_dir(), "plain-token-xyz").len(),
        1,
        "only the .bak of the hand-written file"
    );
    inst.save(&loaded).unwrap();
    assert_eq!(
        files_contain(inst.config_dir(), "plain-token-xyz"),
        Vec::<String>::new()
    );

    // A different salt (another machine or instance) cannot open it.
    fs::write(inst.config_dir().join("token.salt"), [7u8; 32]).unwrap();
    let err = inst.load().unwrap_err().to_string();
    assert!(err.contains("cannot be decrypted on this machine"), "{err}");
}

#[test]
fn a_second_start_of_the_same_instance_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = instance(dir.path(), "station1");
    let b = instance(dir.path(), "station2");
    let held = a.lock().unwrap();
    match a.lock() {
        Err(ConfigError::Locked { instance, holder }) => {
            assert_eq!(instance, "station1");
            assert_eq!(holder, Some(std::process::id().to_string()));
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    let _other = b.lock().expect("instances are independent");
    drop(held);
    a.lock().expect("free again after the holder drops it");
}

#[test]
fn instance_names_are_folder_safe() {
    let root = Path::new("/tmp");
    for bad in ["", "../x", "a/b", ".hidden", "x y", &"n".repeat(65)] {
        assert!(Instance::at(bad, root, root).is_err(), "{bad:?}");
    }
    let ok = Instance::at("line-2_st.1", root, root).unwrap();
    assert_eq!(ok.config_path(), Path::new("/tmp/line-2_st.1/config.json"));
}

#[test]
fn the_lock_holds_against_another_process() {
    // util-linux `flock` takes the same flock(2) lock from a separate process.
    if std::process::Command::new("flock")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no flock(1)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let inst = instance(dir.path(), "default");
    let held = inst.lock().unwrap();
    let probe = std::process::Command::new("flock")
        .args(["--nonblock", "--exclusive"])
        .arg(held.path())
        .arg("true")
        .status()
        .unwrap();
    assert!(
        !probe.success(),
        "another process cannot take the lock while it is held"
    );
    drop(held);

    let mut holder = std::process::Command::new("flock")
        .args(["--exclusive", "--close"]) // the lock stays with flock, not with `sleep`
        .arg(dir.path().join("config/default/instance.lock"))
        .args(["sleep", "10"])
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let refused = loop {
        match inst.lock() {
            Err(ConfigError::Locked { .. }) => break true,
            Ok(lock) => drop(lock), // the child has not taken it yet
            Err(e) => panic!("{e}"),
        }
        if std::time::Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert!(
        refused,
        "a second start is refused while another process holds the instance"
    );
    inst.lock().expect("free once the other process is gone");
}
