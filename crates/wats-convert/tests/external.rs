//! External converters with real programs (shell scripts written to a temp folder).
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;
use wats_convert::external::ExternalConverter;
use wats_convert::{Context, Converter, Source};
use wats_report::{ReportBuilder, Status};

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn wsjf(sn: &str) -> String {
    let r = ReportBuilder::uut("EXT-PN", sn, "A", 10)
        .station("S", "L", "P")
        .result(Status::Passed)
        .build_unchecked();
    wats_report::wsjf::to_string(&r)
}

fn run(
    conv: &ExternalConverter,
    dir: &Path,
    cx: &Context,
) -> Result<Vec<wats_report::Report>, wats_convert::ConvertError> {
    let input = dir.join("input.dat");
    std::fs::write(&input, b"raw tester output").unwrap();
    conv.convert(&Source::new(&input, b"raw tester output"), cx)
}

#[test]
fn a_program_printing_one_report_or_an_array() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.json");
    std::fs::write(&one, wsjf("SN-1")).unwrap();
    let many = dir.path().join("many.json");
    std::fs::write(&many, format!("[{},{}]", wsjf("SN-2"), wsjf("SN-3"))).unwrap();
    let p = script(dir.path(), "one.sh", &format!("cat '{}'", one.display()));
    let conv = ExternalConverter::from_config(&json!({"name": "one", "command": [p]})).unwrap();
    let reports = run(&conv, dir.path(), &Context::default()).unwrap();
    assert_eq!(reports[0].sn.as_deref(), Some("SN-1"));
    let p = script(dir.path(), "many.sh", &format!("cat '{}'", many.display()));
    let conv = ExternalConverter::from_config(
        &json!({"name": "many", "command": p.display().to_string()}),
    )
    .unwrap();
    let reports = run(&conv, dir.path(), &Context::default()).unwrap();
    assert_eq!(reports.len(), 2);
}

#[test]
fn the_program_gets_the_file_and_the_context() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("seen.txt");
    let template = dir.path().join("r.json");
    std::fs::write(&template, wsjf("SN-CTX")).unwrap();
    let p = script(
        dir.path(),
        "ctx.sh",
        &format!(
            "echo \"$1|$WATS_CONVERTER_FILE|$WATS_CONVERTER_ARGUMENTS|$WATS_STATION_NAME\" > '{}'; cat '{}'",
            out.display(),
            template.display()
        ),
    );
    let conv = ExternalConverter::from_config(&json!({"name": "ctx", "command": [p]})).unwrap();
    let mut cx = Context::default().arg("part_number", "X-1");
    cx.station_name = Some("ST-9".into());
    run(&conv, dir.path(), &cx).unwrap();
    let seen = std::fs::read_to_string(out).unwrap();
    let input = dir.path().join("input.dat").display().to_string();
    assert_eq!(
        seen.trim(),
        format!("{input}|{input}|{{\"part_number\":\"X-1\"}}|ST-9")
    );
}

#[test]
fn failures_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cx = Context::default();
    // Non-zero exit: stderr is the message.
    let p = script(
        dir.path(),
        "fail.sh",
        "echo 'line 7: no serial number' >&2; exit 3",
    );
    let conv = ExternalConverter::from_config(&json!({"name": "f", "command": [p]})).unwrap();
    let err = run(&conv, dir.path(), &cx).unwrap_err();
    assert!(
        err.message.contains("line 7: no serial number") && err.message.contains("3"),
        "{err}"
    );
    // Garbage on stdout: the position is named.
    let p = script(dir.path(), "garbage.sh", "echo '{\"type\": \"T\", oops'");
    let conv = ExternalConverter::from_config(&json!({"name": "g", "command": [p]})).unwrap();
    let err = run(&conv, dir.path(), &cx).unwrap_err();
    assert!(
        err.message.contains("no valid WSJF") && err.message.contains("1:"),
        "{err}"
    );
    // Nothing printed.
    let p = script(dir.path(), "silent.sh", "true");
    let conv = ExternalConverter::from_config(&json!({"name": "s", "command": [p]})).unwrap();
    assert!(run(&conv, dir.path(), &cx)
        .unwrap_err()
        .message
        .contains("printed nothing"));
    // Too much output.
    let p = script(
        dir.path(),
        "flood.sh",
        "yes xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx | head -c 5000000",
    );
    let conv = ExternalConverter::from_config(
        &json!({"name": "b", "command": [p], "max_output_bytes": 100000}),
    )
    .unwrap();
    assert!(run(&conv, dir.path(), &cx)
        .unwrap_err()
        .message
        .contains("more than 100000 bytes"));
    // A program that does not exist.
    let conv =
        ExternalConverter::from_config(&json!({"name": "n", "command": ["/nonexistent/conv"]}))
            .unwrap();
    let err = run(&conv, dir.path(), &cx).unwrap_err();
    assert!(
        err.message.contains("cannot run") && err.message.contains("/nonexistent/conv"),
        "{err}"
    );
    // Bad configuration.
    assert!(ExternalConverter::from_config(&json!({"name": "x"}))
        .unwrap_err()
        .message
        .contains("command"));
    assert!(ExternalConverter::from_config(
        &json!({"name": "x", "command": "c", "timeout_seconds": -1})
    )
    .is_err());
}

#[test]
fn a_hanging_program_and_its_children_are_killed_at_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("child.pid");
    let p = script(
        dir.path(),
        "hang.sh",
        &format!("sleep 300 & echo $! > '{}'; sleep 300", pidfile.display()),
    );
    let conv =
        ExternalConverter::from_config(&json!({"name": "h", "command": [p], "timeout_seconds": 1}))
            .unwrap();
    let started = Instant::now();
    let err = run(&conv, dir.path(), &Context::default()).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(err.message.contains("did not finish within 1 s"), "{err}");
    let child: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let alive = Path::new(&format!("/proc/{child}")).exists()
        && !std::fs::read_to_string(format!("/proc/{child}/stat"))
            .unwrap_or_default()
            .contains(") Z ");
    assert!(!alive, "the program's child {child} survived");
}

#[test]
fn detection_follows_the_patterns() {
    let conv = ExternalConverter::from_config(
        &json!({"name": "p", "command": ["x"], "file_patterns": ["*.mtl"]}),
    )
    .unwrap();
    assert_eq!(conv.detect(&Source::new(Path::new("/a/b.mtl"), b"")), 0.5);
    assert_eq!(conv.detect(&Source::new(Path::new("/a/b.txt"), b"")), 0.0);
}
