//! The unmodified pyWATS client (`pywats-api==0.6.0rc1`, its sync `pyWATS` class) drives a
//! `wats-server` on loopback: version, processes, a UUT with nested steps submitted and read
//! back, header queries, a UUR referencing it, attachments, certificate, WSXF and errors; then
//! the product service: products, revisions, groups, tags, vendors, categories, BOMs (JSON and
//! WSBF), a box-build template and the product hierarchy; the production service (units,
//! phases, verification after real submissions, assembly, serial numbers, batches); analytics,
//! assets and software; SCIM users and tokens, the repair configuration, root-cause tickets and
//! manual inspection. Once on SQLite and once on PostgreSQL. The Python side is
//! `tests/pywats/compat.py` (with its groups `compat_*.py`).
//!
//! The interpreter is `$PYWATS_PYTHON` if set, else the virtualenv `bench/setup-pywats.sh`
//! creates or reuses (`$PYWATS_VENV`, default `~/.cache/wats-bench/pywats-venv`; installing
//! needs `python3` with `venv` and access to PyPI). Without them the test says
//! `SKIPPED: pyWATS not available (…)` and passes, unless `WATS_REQUIRE_PYWATS=1` (CI), where
//! it fails.

mod common;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{start, Backend, PASSWORD, USER};

/// How long creating the venv and installing pyWATS may take.
const SETUP_TIMEOUT: Duration = Duration::from_secs(600);
/// How long the compatibility script may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Says clearly that the test is skipped, or fails it when pyWATS is required.
fn skip(reason: &str) {
    if std::env::var("WATS_REQUIRE_PYWATS").is_ok_and(|v| v == "1") {
        panic!("pyWATS is required (WATS_REQUIRE_PYWATS=1) but not available: {reason}");
    }
    eprintln!("SKIPPED: pyWATS not available ({reason})");
}

/// Runs a command to completion with a time limit, capturing its output.
fn run_with_timeout(mut cmd: Command, limit: Duration) -> Result<Output, String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    // Drain both pipes on threads so a chatty child cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                let stdout =
                    String::from_utf8_lossy(&out_t.join().unwrap_or_default()).into_owned();
                let stderr =
                    String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned();
                return Err(format!(
                    "{cmd:?} timed out after {} s\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
                    limit.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("cannot wait for {cmd:?}: {e}")),
        }
    };
    Ok(Output {
        status,
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
    })
}

fn tail(text: &[u8], lines: usize) -> String {
    let text = String::from_utf8_lossy(text);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A Python interpreter that can `import pywats`, or why there is none.
fn pywats_python() -> Result<PathBuf, String> {
    let python = match std::env::var_os("PYWATS_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => {
            let base = std::env::var_os("PYTHON").unwrap_or_else(|| "python3".into());
            let probe = Command::new(&base)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            if !probe.is_ok_and(|s| s.success()) {
                return Err(format!("{} not found", Path::new(&base).display()));
            }
            let script = manifest_dir().join("../../bench/setup-pywats.sh");
            let mut cmd = Command::new("bash");
            cmd.arg(&script);
            let out = run_with_timeout(cmd, SETUP_TIMEOUT)?;
            if !out.status.success() {
                return Err(format!(
                    "{} failed ({}):\n{}",
                    script.display(),
                    out.status,
                    tail(&out.stderr, 15)
                ));
            }
            let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            PathBuf::from(path.lines().last().unwrap_or_default())
        }
    };
    let check = Command::new(&python)
        .args(["-c", "import pywats; print(pywats.__version__)"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !check.status.success() {
        return Err(format!(
            "{} cannot import pywats:\n{}",
            python.display(),
            tail(&check.stderr, 5)
        ));
    }
    Ok(python)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pywats_client_drives_the_server() {
    drive(Backend::Sqlite).await;
}

/// The same run on PostgreSQL (skipped with a message when it is absent, failed when
/// `WATS_REQUIRE_POSTGRES=1`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pywats_client_drives_the_server_on_postgres() {
    drive(Backend::Postgres).await;
}

async fn drive(backend: Backend) {
    let started = Instant::now();
    let python = match tokio::task::spawn_blocking(pywats_python).await.unwrap() {
        Ok(p) => p,
        Err(reason) => return skip(&reason),
    };
    let setup = started.elapsed();

    let Some(server) = start(backend).await else {
        return;
    };
    let token = wats_server::auth::basic_token(USER, PASSWORD);
    let script = manifest_dir().join("tests/pywats/compat.py");
    let mut cmd = Command::new(&python);
    cmd.arg(&script)
        .args(["--url", &server.base, "--token", &token])
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        // No station from the environment: the script names its own.
        .env_remove("PYWATS_STATION");
    let ran = Instant::now();
    let out = tokio::task::spawn_blocking(move || run_with_timeout(cmd, RUN_TIMEOUT))
        .await
        .unwrap();
    let run = ran.elapsed();
    server.stop().await;

    let out = out.unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "compat.py failed ({}) with {}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        out.status,
        python.display()
    );
    assert!(
        stdout.contains("PASS:"),
        "compat.py exited 0 without passing\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
    );
    println!("{stdout}");
    println!(
        "pyWATS compatibility ({backend:?}): setup {:.1} s, run {:.1} s ({})",
        setup.as_secs_f64(),
        run.as_secs_f64(),
        python.display()
    );
}
