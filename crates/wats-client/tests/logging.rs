//! Logging: lines reach the instance's file, JSON lines parse, rotation keeps at most N files.

use std::fs;
use std::path::Path;

use wats_client::config;

use wats_client::logging;

use logging::{LogFormat, LogOptions, RollingFile};

fn instance(dir: &Path) -> config::Instance {
    config::Instance::at("station-1", &dir.join("config"), &dir.join("data")).unwrap()
}

fn options(format: LogFormat) -> LogOptions {
    LogOptions {
        level: Some("info".into()),
        format: Some(format),
        stderr: false,
        ..LogOptions::default()
    }
}

fn log_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_line_reaches_the_instance_file_at_the_level() {
    let tmp = tempfile::tempdir().unwrap();
    let instance = instance(tmp.path());
    let (dispatch, guard) = logging::build(Some(&instance), &options(LogFormat::Text)).unwrap();
    let path = guard.file().unwrap().to_path_buf();
    assert_eq!(
        path,
        tmp.path()
            .join("data/station-1/logs")
            .join(logging::LOG_FILE)
    );
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::info!(file = "a.xml", "queued the report");
        tracing::debug!("too detailed for info");
    });
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("queued the report"), "{text}");
    assert!(text.contains("file=\"a.xml\""), "{text}");
    assert!(text.contains("INFO"), "{text}");
    assert!(!text.contains("too detailed"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colours in files: {text:?}");
}

#[test]
fn json_lines_parse() {
    let tmp = tempfile::tempdir().unwrap();
    let instance = instance(tmp.path());
    let mut opts = options(LogFormat::Json);
    opts.level = Some("debug".into());
    let (dispatch, guard) = logging::build(Some(&instance), &opts).unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        let span = tracing::info_span!("upload", id = "42");
        let _entered = span.enter();
        tracing::warn!(attempt = 3, "server busy, \"retrying\"\nlater");
        tracing::debug!(bytes = 1024u64, "sent");
    });
    let text = fs::read_to_string(guard.file().unwrap()).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0]["level"], "WARN");
    assert_eq!(lines[0]["message"], "server busy, \"retrying\"\nlater");
    assert_eq!(lines[0]["attempt"], 3);
    assert_eq!(lines[0]["span"]["name"], "upload");
    assert_eq!(lines[0]["span"]["id"], "42");
    assert!(lines[0]["timestamp"].is_string());
    assert_eq!(lines[1]["level"], "DEBUG");
    assert_eq!(lines[1]["bytes"], 1024);
}

#[test]
fn rotation_keeps_at_most_n_files_and_whole_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let instance = instance(tmp.path());
    let mut opts = options(LogFormat::Json);
    opts.max_file_bytes = 1000;
    opts.max_files = 3;
    let (dispatch, guard) = logging::build(Some(&instance), &opts).unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        for n in 0..200 {
            tracing::info!(n, "line");
        }
    });
    let dir = logging::log_dir(&instance);
    assert_eq!(
        log_files(&dir),
        ["wats-client.log", "wats-client.log.1", "wats-client.log.2"]
    );
    // Oldest first: .2, .1, active. Every line whole; numbers consecutive up to the last one.
    let mut numbers = Vec::new();
    for name in ["wats-client.log.2", "wats-client.log.1", "wats-client.log"] {
        let text = fs::read_to_string(dir.join(name)).unwrap();
        assert!(text.len() <= 1000, "{name}: {} bytes", text.len());
        assert!(text.ends_with('\n'));
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            numbers.push(v["n"].as_u64().unwrap());
        }
    }
    assert_eq!(*numbers.last().unwrap(), 199);
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{numbers:?}");
    drop(guard);
}

#[test]
fn rolling_file_appends_prunes_and_truncates() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("logs").join("x.log");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, "old line\n").unwrap();
    // Left over from a setting that kept more files.
    fs::write(tmp.path().join("logs/x.log.3"), "stale\n").unwrap();
    fs::write(tmp.path().join("logs/x.log.9"), "stale\n").unwrap();
    fs::write(tmp.path().join("logs/x.log.1"), "kept\n").unwrap();
    let rolling = RollingFile::open(path.clone(), 30, 3).unwrap();
    assert_eq!(
        log_files(&tmp.path().join("logs")),
        ["x.log", "x.log.1"],
        "files past the limit go"
    );
    (&rolling).write_all(b"appended\n").unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "old line\nappended\n");
    (&rolling)
        .write_all(b"this one does not fit anymore\n")
        .unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "this one does not fit anymore\n"
    );
    assert_eq!(
        fs::read_to_string(rolling.rotated_path(1)).unwrap(),
        "old line\nappended\n"
    );
    assert_eq!(
        fs::read_to_string(rolling.rotated_path(2)).unwrap(),
        "kept\n"
    );
    // A line longer than the limit still gets written (alone in its file).
    let long = format!("{}\n", "x".repeat(100));
    (&rolling).write_all(long.as_bytes()).unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), long);
    assert_eq!(log_files(&tmp.path().join("logs")).len(), 3);

    // One file: rotation empties it.
    let single = tmp.path().join("one.log");
    let rolling = RollingFile::open(single.clone(), 10, 1).unwrap();
    (&rolling).write_all(b"first line\n").unwrap();
    (&rolling).write_all(b"second\n").unwrap();
    assert_eq!(fs::read_to_string(&single).unwrap(), "second\n");
    assert!(!rolling.rotated_path(1).exists());
}

#[test]
fn console_only_needs_no_instance_and_bad_settings_are_errors() {
    let (_dispatch, guard) = logging::build(None, &LogOptions::console()).unwrap();
    assert!(guard.file().is_none());

    let bad = LogOptions {
        level: Some("info,=[".into()),
        ..LogOptions::console()
    };
    let err = logging::build(None, &bad).unwrap_err().to_string();
    assert!(err.contains("--log-level"), "{err}");

    assert_eq!("JSON".parse::<LogFormat>().unwrap(), LogFormat::Json);
    assert_eq!("text".parse::<LogFormat>().unwrap(), LogFormat::Text);
    assert!("xml".parse::<LogFormat>().is_err());

    let args = logging::LogArgs {
        log_level: Some("debug".into()),
        log_format: Some(LogFormat::Json),
    };
    assert!(args.service().file);
    assert!(!args.console().file);
    assert_eq!(args.console().format, Some(LogFormat::Json));
}
