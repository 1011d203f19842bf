//! `wats-client config …` run as the real binary, with `WATS_CLIENT_CONFIG_DIR` in a temp dir.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const TOKEN: &str = "dG9rZW4tbmV2ZXItcHJpbnRlZA==";

fn run(root: &Path, args: &[&str]) -> Output {
    run_with(root, args, &[], None)
}

fn run_with(root: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wats-client"));
    cmd.args(args)
        .env("WATS_CLIENT_CONFIG_DIR", root)
        .env_remove("WATS_CLIENT_DATA_DIR");
    for v in [
        "WATS_BASE_URL",
        "PYWATS_SERVER_URL",
        "WATS_AUTH_TOKEN",
        "PYWATS_API_TOKEN",
        "WATS_STATION_NAME",
        "PYWATS_STATION_NAME",
        "WATS_LOCATION",
        "WATS_PURPOSE",
    ] {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn all_files_text(dir: &Path) -> String {
    let mut text = String::new();
    for entry in fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            text.push_str(&String::from_utf8_lossy(&fs::read(&p).unwrap()));
        } else if p.is_dir() {
            text.push_str(&all_files_text(&p));
        }
    }
    text
}

#[test]
fn init_non_interactive_then_show_get_set_validate() {
    let root = tempfile::tempdir().unwrap();
    let watch = root.path().join("inbox");
    fs::create_dir(&watch).unwrap();
    let out = run(
        root.path(),
        &[
            "config",
            "init",
            "--non-interactive",
            "--server-url",
            "https://wats.example.com",
            "--api-token",
            TOKEN,
            "--station-name",
            "ICT-01",
            "--location",
            "Line A",
            "--watch-folder",
            watch.to_str().unwrap(),
            "--file-pattern",
            "*.json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let path = root.path().join("default/config.json");
    assert!(stdout(&out).contains(path.to_str().unwrap()));
    let doc: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(doc["service_address"], "https://wats.example.com");
    assert_eq!(doc["converters"][0]["file_patterns"][0], "*.json");

    // init again refuses to overwrite.
    let again = run(root.path(), &["config", "init", "--non-interactive"]);
    assert_eq!(code(&again), 1);
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );

    let show = run(root.path(), &["config", "show"]);
    assert_eq!(code(&show), 0, "{}", stderr(&show));
    let shown: Value = serde_json::from_str(&stdout(&show)).unwrap();
    assert_eq!(shown["api_token"], "<redacted>");
    assert_eq!(shown["station_name"], "ICT-01");
    assert!(!stdout(&show).contains(TOKEN) && !stderr(&show).contains(TOKEN));

    let get = run(root.path(), &["config", "get", "converters.0.watch_folder"]);
    assert_eq!(code(&get), 0, "{}", stderr(&get));
    assert_eq!(stdout(&get).trim(), watch.to_str().unwrap());
    let get = run(
        root.path(),
        &["config", "get", "converters[0].file_patterns"],
    );
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&get)).unwrap(),
        serde_json::json!(["*.json"])
    );
    let get = run(root.path(), &["config", "get", "settle_seconds"]);
    assert_eq!(stdout(&get).trim(), "2.0", "defaults are readable");
    let get = run(root.path(), &["config", "get", "api_token"]);
    assert_eq!(code(&get), 1);
    assert!(!stdout(&get).contains(TOKEN));
    let get = run(root.path(), &["config", "get", "nope.deeper"]);
    assert_eq!(code(&get), 1);
    assert!(stderr(&get).contains("no setting nope"), "{}", stderr(&get));

    let set = run(
        root.path(),
        &["config", "set", "converters.0.enabled", "false"],
    );
    assert_eq!(code(&set), 0, "{}", stderr(&set));
    let get = run(root.path(), &["config", "get", "converters.0.enabled"]);
    assert_eq!(stdout(&get).trim(), "false");
    assert!(root.path().join("default/config.json.bak").exists());

    // Unknown keys are accepted and kept.
    let set = run(root.path(), &["config", "set", "site.line", "{\"id\": 7}"]);
    assert_eq!(code(&set), 0, "{}", stderr(&set));
    let get = run(root.path(), &["config", "get", "site.line.id"]);
    assert_eq!(stdout(&get).trim(), "7");

    // A bad value is refused with its path, and the file is unchanged.
    let before = fs::read(&path).unwrap();
    let set = run(
        root.path(),
        &["config", "set", "converters.0.post_action", "archive"],
    );
    assert_eq!(code(&set), 1);
    assert!(
        stderr(&set).contains("converters[0].post_action: expected one of move, delete, keep"),
        "{}",
        stderr(&set)
    );
    let set = run(
        root.path(),
        &["config", "set", "converters.0.priority", "high"],
    );
    assert_eq!(code(&set), 1);
    assert!(
        stderr(&set).contains("converters[0].priority"),
        "{}",
        stderr(&set)
    );
    assert_eq!(fs::read(&path).unwrap(), before);

    let ok = run(root.path(), &["config", "validate"]);
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));

    // A second converter on a folder that does not exist: set warns, validate refuses.
    let set = run(
        root.path(),
        &[
            "config",
            "set",
            "converters.1",
            "{\"name\": \"aoi\", \"watch_folder\": \"/nonexistent/aoi\"}",
        ],
    );
    assert_eq!(code(&set), 0, "{}", stderr(&set));
    assert!(stderr(&set).contains("warning: converters[1].watch_folder: does not exist"));
    let bad = run(root.path(), &["config", "validate"]);
    assert_eq!(code(&bad), 1);
    assert!(
        stderr(&bad).contains("converters[1].watch_folder: does not exist"),
        "{}",
        stderr(&bad)
    );

    // unset removes an array entry (and validate is happy again) or a key.
    let unset = run(root.path(), &["config", "unset", "converters.1"]);
    assert_eq!(code(&unset), 0, "{}", stderr(&unset));
    assert_eq!(code(&run(root.path(), &["config", "validate"])), 0);
    let unset = run(root.path(), &["config", "unset", "site"]);
    assert_eq!(code(&unset), 0, "{}", stderr(&unset));
    assert_eq!(code(&run(root.path(), &["config", "get", "site"])), 1);
    assert_eq!(code(&run(root.path(), &["config", "unset", "site"])), 1);

    // The token never reached any file in plain text.
    assert!(!all_files_text(root.path()).contains(TOKEN));
}

#[test]
fn token_set_and_env_overrides() {
    let root = tempfile::tempdir().unwrap();
    let out = run(
        root.path(),
        &["config", "init", "--non-interactive", "--station-name", "S"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let show: Value =
        serde_json::from_slice(&run(root.path(), &["config", "show"]).stdout).unwrap();
    assert!(show.get("api_token").is_none(), "no token set: {show}");

    let set = run(root.path(), &["config", "set", "api_token", TOKEN]);
    assert_eq!(code(&set), 0, "{}", stderr(&set));
    assert!(!stderr(&set).contains(TOKEN));
    assert!(!all_files_text(root.path()).contains(TOKEN));
    let show = run(root.path(), &["config", "show"]);
    assert!(!stdout(&show).contains(TOKEN));
    assert!(stdout(&show).contains("<redacted>"));

    // `-` reads the token from standard input.
    let set = run_with(
        root.path(),
        &["config", "set", "api_token", "-"],
        &[],
        Some("from-stdin-token\n"),
    );
    assert_eq!(code(&set), 0, "{}", stderr(&set));
    assert!(!all_files_text(root.path()).contains("from-stdin-token"));
    let sealed: Value =
        serde_json::from_slice(&fs::read(root.path().join("default/config.json")).unwrap())
            .unwrap();
    assert!(sealed["api_token_encrypted"]
        .as_str()
        .unwrap()
        .starts_with("v1."));

    let env = [
        ("PYWATS_SERVER_URL", "https://from-pywats-env"),
        ("WATS_AUTH_TOKEN", "env-token-value"),
        ("WATS_STATION_NAME", "ENV-STATION"),
    ];
    let show = run_with(root.path(), &["config", "show"], &env, None);
    let shown: Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(shown["service_address"], "https://from-pywats-env");
    assert_eq!(shown["station_name"], "ENV-STATION");
    assert!(!stdout(&show).contains("env-token-value"));
    assert!(stderr(&show).contains("service_address comes from $PYWATS_SERVER_URL"));
    let stored = run_with(root.path(), &["config", "show", "--stored"], &env, None);
    let stored: Value = serde_json::from_slice(&stored.stdout).unwrap();
    assert_eq!(stored["station_name"], "S");
    // `set` under an environment override writes the stored value, not the override.
    let set = run_with(
        root.path(),
        &["config", "set", "location", "L2"],
        &env,
        None,
    );
    assert_eq!(code(&set), 0);
    let doc: Value =
        serde_json::from_slice(&fs::read(root.path().join("default/config.json")).unwrap())
            .unwrap();
    assert_eq!(doc["station_name"], "S");
    assert_eq!(doc["service_address"], "");
    assert!(!all_files_text(root.path()).contains("env-token-value"));
}

#[test]
fn interactive_init_reads_answers_from_stdin() {
    let root = tempfile::tempdir().unwrap();
    let answers = format!("https://wats.local\n{TOKEN}\nST-9\nLab\n\n\n");
    let out = run_with(
        root.path(),
        &["--instance", "lab", "config", "init"],
        &[],
        Some(&answers),
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("WATS server URL"));
    let doc: Value =
        serde_json::from_slice(&fs::read(root.path().join("lab/config.json")).unwrap()).unwrap();
    assert_eq!(doc["service_address"], "https://wats.local");
    assert_eq!(doc["station_name"], "ST-9");
    assert_eq!(doc["location"], "Lab");
    assert_eq!(doc["converters"], serde_json::json!([]));
    assert!(!all_files_text(root.path()).contains(TOKEN));
    // The default instance is untouched.
    assert!(!root.path().join("default").exists());

    // Input ending early is a refusal, not a half-written file.
    let root2 = tempfile::tempdir().unwrap();
    let out = run_with(root2.path(), &["config", "init"], &[], Some("https://x\n"));
    assert_eq!(code(&out), 1);
    assert!(!root2.path().join("default/config.json").exists());
}

#[test]
fn a_token_sealed_elsewhere_can_be_replaced() {
    let root = tempfile::tempdir().unwrap();
    let out = run(
        root.path(),
        &[
            "config",
            "init",
            "--non-interactive",
            "--api-token",
            TOKEN,
            "--location",
            "L",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // As if the file came from another machine: the key no longer matches.
    fs::write(root.path().join("default/token.salt"), [9u8; 32]).unwrap();
    let show = run(root.path(), &["config", "show"]);
    assert_eq!(code(&show), 1);
    assert!(
        stderr(&show).contains("cannot be decrypted on this machine"),
        "{}",
        stderr(&show)
    );
    let set = run(
        root.path(),
        &["config", "set", "api_token", "new-token-here"],
    );
    assert_eq!(code(&set), 0, "{}", stderr(&set));
    let show = run(root.path(), &["config", "show"]);
    assert_eq!(code(&show), 0, "{}", stderr(&show));
    let shown: Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(shown["location"], "L", "the other settings are kept");

    // init --force also recovers, from an undecryptable token or a broken file.
    fs::write(root.path().join("default/token.salt"), [8u8; 32]).unwrap();
    let out = run(
        root.path(),
        &["config", "init", "--non-interactive", "--force"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the token is not kept"),
        "{}",
        stderr(&out)
    );
    assert_eq!(code(&run(root.path(), &["config", "show"])), 0);
    fs::write(root.path().join("default/config.json"), "[1, 2").unwrap();
    let out = run(
        root.path(),
        &["config", "init", "--non-interactive", "--force"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("starting from the defaults"),
        "{}",
        stderr(&out)
    );
    assert_eq!(code(&run(root.path(), &["config", "validate"])), 0);
}

#[test]
fn usage_errors_and_missing_config() {
    let root = tempfile::tempdir().unwrap();
    let out = run(root.path(), &["config", "show"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("config init"), "{}", stderr(&out));
    let out = run(root.path(), &["--instance", "../evil", "config", "show"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let out = run(root.path(), &["config", "frobnicate"]);
    assert_eq!(code(&out), 2);
    let out = run(root.path(), &["config", "set", "only-key"]);
    assert_eq!(code(&out), 2);
    let out = run(root.path(), &["--instance", "st2", "config", "path"]);
    assert_eq!(
        stdout(&out).trim(),
        root.path().join("st2/config.json").to_str().unwrap()
    );

    // A file with schema errors: validate lists every problem with its path.
    fs::create_dir_all(root.path().join("default")).unwrap();
    fs::write(
        root.path().join("default/config.json"),
        r#"{"station_name": 5, "converters": [{"name": "a", "priority": 0}]}"#,
    )
    .unwrap();
    let out = run(root.path(), &["config", "validate"]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains("station_name: expected a string, found 5"),
        "{err}"
    );
    assert!(
        err.contains("converters[0].priority: expected an integer from 1 to 10, found 0"),
        "{err}"
    );
    assert!(err.contains("2 problem(s)"), "{err}");
}
