//! `wats-client doctor`: checks an instance and says what to fix.
//!
//! Each check prints `OK`, `WARN` or `FAIL`, one line of what was found, and for anything
//! not OK a one-line fix. The exit code is 0 when nothing failed (warnings included), 1
//! otherwise. `--json` prints the same as one JSON object.
//!
//! The checks: the configuration loads and validates; the token is there and opens on this
//! machine; every enabled converter's watch, done and error folders exist (or can be created)
//! and are writable where they need to be; the data folder is writable and its disk has room;
//! the instance lock (running or not); the queue file opens and passes SQLite's `quick_check`,
//! and its counts (a parked report is a warning); the server answers `GET /api/App/Version`
//! with the token (local mode: nothing to reach yet).
//!
//! Doctor changes nothing a running station depends on: when the instance is running it reads
//! the queue through a read-only connection; when it is not, it holds the instance lock while
//! it opens the queue (which returns reports caught mid-upload to pending, as `start` would).
//! Writability is probed by creating and removing an empty folder (a file could be picked up
//! by a watching station).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{Config, ConfigError, Instance, PostAction};
use crate::queue::{Queue, QueueOptions, QueueStats};
use anyhow::bail;
use serde_json::{json, Value};

/// Below this much free space on the data folder's disk: FAIL.
pub const MIN_FREE_BYTES: u64 = 100 * 1024 * 1024;
/// Below this much: WARN.
pub const LOW_FREE_BYTES: u64 = 1024 * 1024 * 1024;

/// Arguments of `doctor`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Seconds to wait for the server.
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    pub timeout: u64,
}

impl Default for Args {
    fn default() -> Self {
        Self {
            json: false,
            timeout: 5,
        }
    }
}

/// A check's verdict, in increasing severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: String,
    pub status: Status,
    pub message: String,
    /// What to do about it (for WARN and FAIL).
    pub hint: Option<String>,
}

fn check(name: impl Into<String>, status: Status, message: impl Into<String>) -> Check {
    Check {
        name: name.into(),
        status,
        message: message.into(),
        hint: None,
    }
}

impl Check {
    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Every check of one instance.
#[derive(Debug, Clone)]
pub struct Report {
    pub instance: String,
    pub checks: Vec<Check>,
}

impl Report {
    /// The most severe verdict.
    pub fn status(&self) -> Status {
        self.checks
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(Status::Ok)
    }

    fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }

    /// The table printed by `doctor`.
    pub fn render(&self) -> String {
        let width = self
            .checks
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(0)
            .max(8);
        let mut out = format!("instance {}\n", self.instance);
        for c in &self.checks {
            let _ = writeln!(
                out,
                "{:<4}  {:<width$}  {}",
                c.status.as_str(),
                c.name,
                c.message
            );
            if let Some(hint) = &c.hint {
                let _ = writeln!(out, "{:<4}  {:<width$}  fix: {hint}", "", "");
            }
        }
        let (fail, warn) = (self.count(Status::Fail), self.count(Status::Warn));
        let _ = writeln!(
            out,
            "{} check(s): {} failed, {} warning(s)",
            self.checks.len(),
            fail,
            warn
        );
        out
    }

    /// The same as JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "instance": self.instance,
            "status": self.status().as_str(),
            "checks": self.checks.iter().map(|c| json!({
                "name": c.name,
                "status": c.status.as_str(),
                "message": c.message,
                "hint": c.hint,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Runs `doctor` for `instance`: prints the report; an error (exit 1) when a check failed.
pub fn run(instance: &str, args: Args) -> anyhow::Result<()> {
    let instance = Instance::resolve(instance)?;
    let report = diagnose(&instance, Duration::from_secs(args.timeout.max(1)));
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report.to_json())?);
    } else {
        print!("{}", report.render());
    }
    let failed = report.count(Status::Fail);
    if failed > 0 {
        bail!("{failed} check(s) failed");
    }
    Ok(())
}

/// `<data dir>/queue.sqlite`
pub fn queue_path(instance: &Instance) -> PathBuf {
    instance.queue_path()
}

/// Runs every check; `timeout` bounds the server check.
pub fn diagnose(instance: &Instance, timeout: Duration) -> Report {
    let mut checks = Vec::new();
    let name = instance.name();
    let config = check_config(instance, &mut checks);
    if let Some(config) = &config {
        check_folders(config, &mut checks);
    }
    checks.push(check_data_dir(instance.data_dir()));
    let lock = check_lock(instance, &mut checks);
    check_queue(&queue_path(instance), lock.is_some(), &mut checks);
    drop(lock);
    if let Some(config) = &config {
        checks.push(check_server(name, config, timeout));
    }
    Report {
        instance: name.to_string(),
        checks,
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration and token

/// A folder named in the configuration that does not exist yet: the folder checks judge it.
fn is_missing_folder(problem: &crate::config::Problem) -> bool {
    problem.message == "does not exist"
        && ["watch_folder", "done_folder", "error_folder"]
            .iter()
            .any(|k| problem.path.ends_with(k))
}

fn check_config(instance: &Instance, checks: &mut Vec<Check>) -> Option<Config> {
    let path = instance.config_path();
    let n = instance.name();
    if !instance.exists() {
        checks.push(
            check(
                "config",
                Status::Fail,
                format!("no configuration at {}", path.display()),
            )
            .hint(format!("wats-client --instance {n} config init")),
        );
        return None;
    }
    let (mut config, token_error) = match instance.load() {
        Ok(config) => (config, None),
        Err(ConfigError::Token(e)) => match instance.load_without_token() {
            Ok(config) => (config, Some(e)),
            Err(e) => return config_failed(checks, n, e),
        },
        Err(e) => return config_failed(checks, n, e),
    };
    let overrides = config.apply_process_env();
    let problems: Vec<String> = config
        .problems()
        .into_iter()
        .filter(|p| !is_missing_folder(p))
        .map(|p| p.to_string())
        .collect();
    let enabled = config.converters.iter().filter(|c| c.enabled).count();
    let mut message = format!(
        "{}: {} converter(s), {enabled} enabled",
        path.display(),
        config.converters.len()
    );
    if !overrides.is_empty() {
        let vars: Vec<String> = overrides
            .iter()
            .map(|o| format!("{} from ${}", o.key, o.variable))
            .collect();
        let _ = write!(message, "; {}", vars.join(", "));
    }
    checks.push(if problems.is_empty() {
        check("config", Status::Ok, message)
    } else {
        check(
            "config",
            Status::Fail,
            format!("{} problem(s): {}", problems.len(), problems.join("; ")),
        )
        .hint(format!(
            "see `wats-client --instance {n} config validate`; change settings with `config set`"
        ))
    });

    let token_from_env = overrides.iter().find(|o| o.key == "api_token");
    let local = config.service_address.trim().is_empty();
    checks.push(match (&token_error, &config.api_token) {
        (Some(e), _) if token_from_env.is_none() => check("token", Status::Fail, e.clone())
            .hint(format!("wats-client --instance {n} config set api_token -")),
        (_, Some(_)) => match token_from_env {
            Some(o) => check("token", Status::Ok, format!("from ${}", o.variable)),
            None => check("token", Status::Ok, "present (stored encrypted)"),
        },
        (_, None) if local => check("token", Status::Ok, "none (local mode needs none)"),
        (_, None) => check(
            "token",
            Status::Fail,
            "none: the server will refuse every upload",
        )
        .hint(format!(
            "wats-client --instance {n} config set api_token - (reads it from standard input)"
        )),
    });
    Some(config)
}

fn config_failed(checks: &mut Vec<Check>, instance: &str, error: ConfigError) -> Option<Config> {
    let message = match &error {
        ConfigError::Invalid(problems) => format!(
            "{} problem(s): {}",
            problems.len(),
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => other.to_string(),
    };
    checks.push(check("config", Status::Fail, message).hint(format!(
        "fix the file (`wats-client --instance {instance} config path` names it), or start over \
         with `config init --force`"
    )));
    None
}

// ---------------------------------------------------------------------------------------------
// Folders

/// Creates and removes an empty folder in `dir` (a file could be taken by a watching station).
fn probe_writable(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(
        ".wats-client-doctor-{}-{:x}",
        std::process::id(),
        fastrand::u64(..)
    ));
    fs::create_dir(&probe)?;
    fs::remove_dir(&probe)
}

/// How a folder stands.
enum FolderState {
    /// Exists and is usable.
    Ready,
    /// Does not exist; its nearest existing ancestor is writable.
    Creatable,
    /// Cannot be used: why.
    Broken(String),
}

fn folder_state(path: &Path, write: bool) -> FolderState {
    match fs::metadata(path) {
        Ok(m) if !m.is_dir() => FolderState::Broken("is not a folder".into()),
        Ok(_) => {
            if let Err(e) = fs::read_dir(path) {
                return FolderState::Broken(format!("cannot be listed: {e}"));
            }
            match (write, probe_writable(path)) {
                (true, Err(e)) => FolderState::Broken(format!("is not writable: {e}")),
                _ => FolderState::Ready,
            }
        }
        // Not found, or a file where a folder should be on the way (ENOTDIR).
        Err(e) if e.kind() != std::io::ErrorKind::PermissionDenied => {
            let mut ancestor = path.parent();
            while let Some(dir) = ancestor {
                match fs::metadata(dir) {
                    Ok(m) if m.is_dir() => {
                        return match probe_writable(dir) {
                            Ok(()) => FolderState::Creatable,
                            Err(e) => FolderState::Broken(format!(
                                "does not exist and cannot be created ({} is not writable: {e})",
                                dir.display()
                            )),
                        };
                    }
                    Ok(_) => {
                        return FolderState::Broken(format!(
                            "does not exist and cannot be created ({} is a file)",
                            dir.display()
                        ))
                    }
                    Err(_) => ancestor = dir.parent(),
                }
            }
            FolderState::Broken(format!("cannot be created: {e}"))
        }
        Err(e) => FolderState::Broken(format!("cannot be read: {e}")),
    }
}

fn check_folders(config: &Config, checks: &mut Vec<Check>) {
    let enabled: Vec<_> = config.converters.iter().filter(|c| c.enabled).collect();
    if enabled.is_empty() {
        checks.push(
            check(
                "converters",
                Status::Warn,
                "none enabled: no folder is watched",
            )
            .hint("wats-client config init --force --watch-folder DIR, or `config set converters.0.watch_folder DIR`"),
        );
        return;
    }
    for c in enabled {
        let name = format!("converter {}", c.name);
        if c.watch_folder.trim().is_empty() || Path::new(&c.watch_folder).is_relative() {
            // Reported by the config check.
            checks.push(check(
                name,
                Status::Fail,
                "watch_folder must be an absolute path",
            ));
            continue;
        }
        let mut folders = vec![(
            "watch",
            PathBuf::from(&c.watch_folder),
            c.post_action != PostAction::Keep,
        )];
        if c.post_action == PostAction::Move {
            folders.push(("done", c.done_path(), true));
        }
        folders.push(("error", c.error_path(), true));
        let mut status = Status::Ok;
        let mut notes = Vec::new();
        let mut hints = Vec::new();
        for (role, path, write) in folders {
            let shown = path.display();
            match folder_state(&path, write) {
                FolderState::Ready => notes.push(format!("{role} {shown}")),
                FolderState::Creatable if role == "watch" => {
                    status = status.max(Status::Warn);
                    notes.push(format!(
                        "{role} {shown} does not exist yet (nothing is collected until it does)"
                    ));
                    hints.push(format!("mkdir -p '{shown}'"));
                }
                FolderState::Creatable => {
                    notes.push(format!("{role} {shown} (created when first needed)"));
                }
                FolderState::Broken(why) => {
                    status = Status::Fail;
                    notes.push(format!("{role} {shown} {why}"));
                    hints.push(format!(
                        "create {shown} as a folder this account can write, or change \
                         converters[].{role}_folder"
                    ));
                }
            }
        }
        let mut found = check(name, status, notes.join("; "));
        if !hints.is_empty() {
            found = found.hint(hints.join("; "));
        }
        checks.push(found);
    }
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn check_data_dir(dir: &Path) -> Check {
    let shown = dir.display();
    let (status, mut message) = match folder_state(dir, true) {
        FolderState::Ready => (Status::Ok, format!("{shown}: writable")),
        FolderState::Creatable => (Status::Ok, format!("{shown}: created at the first start")),
        FolderState::Broken(why) => {
            return check("data", Status::Fail, format!("{shown} {why}"))
                .hint("give this account a writable data folder, or set WATS_CLIENT_DATA_DIR")
        }
    };
    let existing = dir.ancestors().find(|d| d.is_dir()).unwrap_or(dir);
    match fs4::available_space(existing) {
        Ok(free) => {
            let _ = write!(message, ", {} free", human_bytes(free));
            let hint = "free disk space: the station stops taking files when the disk is full";
            if free < MIN_FREE_BYTES {
                return check("data", Status::Fail, message).hint(hint);
            }
            if free < LOW_FREE_BYTES {
                return check("data", Status::Warn, message).hint(hint);
            }
        }
        Err(e) => {
            let _ = write!(message, " (free space unknown: {e})");
        }
    }
    check("data", status, message)
}

// ---------------------------------------------------------------------------------------------
// Lock and queue

fn check_lock(instance: &Instance, checks: &mut Vec<Check>) -> Option<crate::config::InstanceLock> {
    if !instance.config_dir().is_dir() {
        checks.push(check("running", Status::Ok, "no: not set up yet"));
        return None;
    }
    match instance.lock() {
        Ok(lock) => {
            checks.push(check(
                "running",
                Status::Ok,
                "no (the instance lock is free)",
            ));
            Some(lock)
        }
        Err(ConfigError::Locked { holder, .. }) => {
            let pid = holder.map(|p| format!(" (pid {p})")).unwrap_or_default();
            checks.push(check(
                "running",
                Status::Ok,
                format!("yes{pid}: the instance lock is held"),
            ));
            None
        }
        Err(e) => {
            checks.push(
                check("running", Status::Warn, format!("cannot tell: {e}"))
                    .hint("check the permissions of the instance's configuration folder"),
            );
            None
        }
    }
}

fn check_queue(path: &Path, locked: bool, checks: &mut Vec<Check>) {
    let shown = path.display();
    if !path.exists() {
        checks.push(check(
            "queue",
            Status::Ok,
            format!("{shown}: none yet (created at the first start)"),
        ));
        return;
    }
    let corrupt_hint = format!(
        "stop the station and keep a copy of {shown} (with its -wal file); `sqlite3 {shown} \
         .recover` can save its reports"
    );
    let result = if locked {
        // Nobody else has it: open it the way the station does.
        Queue::open(path, QueueOptions::default())
            .map_err(|e| e.to_string())
            .and_then(|q| {
                let problems = q.integrity_check().map_err(|e| e.to_string())?;
                let stats = q.stats().map_err(|e| e.to_string())?;
                Ok((problems, stats))
            })
    } else {
        read_only_queue(path).map_err(|e| e.to_string())
    };
    let (problems, stats) = match result {
        Ok(found) => found,
        Err(e) => {
            checks.push(
                check(
                    "queue",
                    Status::Fail,
                    format!("{shown}: cannot be read: {e}"),
                )
                .hint(corrupt_hint),
            );
            return;
        }
    };
    if problems.is_empty() {
        checks.push(check(
            "queue",
            Status::Ok,
            format!("{shown}: integrity check passed"),
        ));
    } else {
        checks.push(
            check(
                "queue",
                Status::Fail,
                format!("{shown}: damaged: {}", problems.join("; ")),
            )
            .hint(corrupt_hint),
        );
    }
    let counts = format!(
        "{} pending, {} uploading, {} parked, {} delivered ({} to deliver)",
        stats.pending,
        stats.uploading,
        stats.parked,
        stats.done,
        human_bytes(stats.bytes)
    );
    checks.push(if stats.parked > 0 {
        check("reports", Status::Warn, counts).hint(
            "the server refused the parked reports; their reasons are kept in the queue: fix \
             the cause, then retry them",
        )
    } else {
        check("reports", Status::Ok, counts)
    });
}

/// Integrity and counts through a read-only connection (the station is running).
fn read_only_queue(path: &Path) -> rusqlite::Result<(Vec<String>, QueueStats)> {
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let mut problems = conn
        .prepare("PRAGMA quick_check")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    problems.retain(|p| p != "ok");
    let mut stats = QueueStats::default();
    let mut stmt = conn
        .prepare("SELECT state, COUNT(*), COALESCE(SUM(bytes), 0) FROM entries GROUP BY state")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)? as u64,
            r.get::<_, i64>(2)? as u64,
        ))
    })?;
    for row in rows {
        let (state, n, bytes) = row?;
        match state.as_str() {
            "pending" => stats.pending = n,
            "uploading" => stats.uploading = n,
            "done" => stats.done = n,
            "parked" => stats.parked = n,
            _ => {}
        }
        if state != "done" {
            stats.bytes += bytes;
        }
    }
    Ok((problems, stats))
}

// ---------------------------------------------------------------------------------------------
// Server

fn check_server(instance: &str, config: &Config, timeout: Duration) -> Check {
    let address = config.service_address.trim();
    if address.is_empty() {
        return check(
            "server",
            Status::Ok,
            "local mode: the embedded server starts with `start`",
        );
    }
    let mut builder = wats::blocking::Wats::builder()
        .base_url(address)
        .timeout(timeout)
        .connect_timeout(timeout)
        .no_retry()
        .no_cache()
        .no_circuit_breaker()
        .no_rate_limit();
    builder = match &config.api_token {
        Some(token) => builder.token(token.expose()),
        // The SDK wants a token; a placeholder still shows whether the server is reachable
        // (it answers 401, reported as "needs a token").
        None => builder.token("none"),
    };
    let client = match builder.build() {
        Ok(client) => client,
        Err(e) => {
            return check("server", Status::Fail, format!("{address}: {e}")).hint(format!(
                "check service_address (`wats-client --instance {instance} config get \
                 service_address`)"
            ))
        }
    };
    match client.app().version() {
        Ok(version) => check(
            "server",
            Status::Ok,
            format!("{}: reachable, version {version}", client.base_url()),
        ),
        Err(e @ (wats::Error::Unauthorized { .. } | wats::Error::Forbidden { .. })) => {
            let what = if config.api_token.is_some() {
                "refuses the token"
            } else {
                "needs a token"
            };
            check(
                "server",
                Status::Fail,
                format!("{}: reachable, but {what}: {e}", client.base_url()),
            )
            .hint(format!(
                "set a valid token: wats-client --instance {instance} config set api_token -"
            ))
        }
        Err(e) => check(
            "server",
            Status::Fail,
            format!("{}: not reachable: {e}", client.base_url()),
        )
        .hint(
            "check the URL (`config get service_address`), the network, and the proxy \
             (HTTPS_PROXY / NO_PROXY)",
        ),
    }
}
