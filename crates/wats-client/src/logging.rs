//! Logging: `tracing` events to standard error and to rotated files per instance.
//!
//! * **Standard error**: human-readable text by default, JSON lines with `--log-format json`
//!   or `WATS_LOG_FORMAT=json` (the flag wins). Colours only on a terminal and without
//!   `NO_COLOR`. Under systemd (stderr is the journal, `JOURNAL_STREAM`) the text has no
//!   timestamp and no colours: the journal stamps each line itself.
//! * **Level**: `--log-level`, else `RUST_LOG`, else `info`. Both take `EnvFilter` directives
//!   (`debug`, `wats_client=debug,wats=info`); a bad directive is an error, not a silent
//!   default.
//! * **Files**: `<instance data dir>/logs/wats-client.log`, in the same format as standard
//!   error (without colours). **Size-based rotation**: before a line would take the file past
//!   `max_file_bytes` (default 10 MiB) it is renamed to `wats-client.log.1`, the older ones
//!   shift up (`.1` → `.2` …) and the oldest goes, so at most `max_files` files (default 5,
//!   the active one included) exist. Sizes rather than days because a station's volume is
//!   uneven: a quiet week and a day of retries should both fit in a bounded disk. Every line
//!   is written with one `write` to the file as it happens (no buffer, no background thread),
//!   so the last lines before a crash are on disk. Only one process per instance should write
//!   the file (the running station, which holds the instance lock); one-shot commands log to
//!   standard error only ([`LogOptions::console`]).
//! * Panics are logged as `error` events (with their location) before the default hook runs,
//!   so they reach the file too.

use std::fs::{self, File, OpenOptions};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};

use tracing::Dispatch;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::config::Instance;

/// Chooses the log format when `--log-format` is not given (`text` or `json`).
pub const ENV_LOG_FORMAT: &str = "WATS_LOG_FORMAT";
/// The standard filter variable (`tracing`'s `EnvFilter` directives).
pub const ENV_RUST_LOG: &str = "RUST_LOG";
/// The level when neither `--log-level` nor `RUST_LOG` says one.
pub const DEFAULT_LEVEL: &str = "info";
/// The log folder inside an instance's data folder.
// The name lives with the instance's other files (`config::state`); kept here for callers
// that named it here. Unused where a test includes this file by path.
#[allow(unused_imports)]
pub use crate::config::state::LOG_DIR;
/// The active log file's name; rotated ones add `.1`, `.2`, ….
pub const LOG_FILE: &str = "wats-client.log";
/// Default size at which the log file is rotated.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;
/// Default number of log files kept, the active one included.
pub const DEFAULT_MAX_FILES: usize = 5;

/// What can go wrong setting up logging.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// `--log-level` or `RUST_LOG` does not parse.
    #[error("invalid log level {directives:?} (from {from}): {message}")]
    Filter {
        directives: String,
        from: &'static str,
        message: String,
    },
    /// `--log-format` or `WATS_LOG_FORMAT` names no format.
    #[error("invalid log format {0:?} (from {ENV_LOG_FORMAT}): expected text or json")]
    Format(String),
    /// The log file cannot be opened.
    #[error("log file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A global subscriber was already installed.
    #[error("logging is already set up in this process")]
    AlreadyInitialized,
}

/// How lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line (`timestamp`, `level`, `target`, `message` and the event's
    /// fields at the top level, `span`/`spans` when inside spans).
    Json,
}

impl FromStr for LogFormat {
    type Err = LogError;
    fn from_str(s: &str) -> Result<Self, LogError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" | "human" | "pretty" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(LogError::Format(s.to_string())),
        }
    }
}

/// The command-line flags, to `#[command(flatten)]` into the top-level parser.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LogArgs {
    /// Log level or filter directives (`debug`, `wats_client=debug,info`); default `RUST_LOG`,
    /// else `info`.
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// Log line format; default `WATS_LOG_FORMAT`, else `text`.
    #[arg(long, global = true, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
}

impl LogArgs {
    /// Options for the long-running station: standard error and the instance's log files.
    pub fn service(&self) -> LogOptions {
        LogOptions {
            level: self.log_level.clone(),
            format: self.log_format,
            ..LogOptions::default()
        }
    }

    /// Options for a one-shot command: standard error only.
    pub fn console(&self) -> LogOptions {
        LogOptions {
            file: false,
            ..self.service()
        }
    }
}

/// What [`init`] sets up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOptions {
    /// The filter; `None`: `RUST_LOG`, else [`DEFAULT_LEVEL`].
    pub level: Option<String>,
    /// The format; `None`: `WATS_LOG_FORMAT`, else text.
    pub format: Option<LogFormat>,
    /// Write to standard error.
    pub stderr: bool,
    /// Write to `<data dir>/logs/wats-client.log`.
    pub file: bool,
    /// Rotate before the file would grow past this many bytes.
    pub max_file_bytes: u64,
    /// Files kept, the active one included (at least 1).
    pub max_files: usize,
}

impl Default for LogOptions {
    fn default() -> Self {
        Self {
            level: None,
            format: None,
            stderr: true,
            file: true,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_files: DEFAULT_MAX_FILES,
        }
    }
}

impl LogOptions {
    /// Standard error only (one-shot commands).
    pub fn console() -> Self {
        Self {
            file: false,
            ..Self::default()
        }
    }

    /// The format in force: the option, else `WATS_LOG_FORMAT`, else text.
    pub fn resolved_format(&self) -> Result<LogFormat, LogError> {
        if let Some(format) = self.format {
            return Ok(format);
        }
        match std::env::var(ENV_LOG_FORMAT) {
            Ok(v) if !v.trim().is_empty() => v.parse(),
            _ => Ok(LogFormat::Text),
        }
    }

    /// The filter in force: the option, else `RUST_LOG`, else `info`.
    pub fn resolved_filter(&self) -> Result<EnvFilter, LogError> {
        let env = std::env::var(ENV_RUST_LOG)
            .ok()
            .filter(|v| !v.trim().is_empty());
        let (directives, from) = match (&self.level, env) {
            (Some(level), _) => (level.clone(), "--log-level"),
            (None, Some(env)) => (env, ENV_RUST_LOG),
            (None, None) => (DEFAULT_LEVEL.to_string(), "the default"),
        };
        EnvFilter::builder()
            .parse(&directives)
            .map_err(|e| LogError::Filter {
                message: e.to_string(),
                directives,
                from,
            })
    }
}

/// Keeps logging alive; hold it until the process ends. Lines are written as they happen, so
/// dropping it loses nothing; it says where the file is.
#[derive(Debug)]
#[must_use = "logging stays set up only while the guard is held"]
pub struct LogGuard {
    file: Option<Arc<RollingFile>>,
}

impl LogGuard {
    /// The active log file, when logging to a file.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref().map(RollingFile::path)
    }
}

/// `<instance data dir>/logs`
pub fn log_dir(instance: &Instance) -> PathBuf {
    instance.log_dir()
}

/// Installs the global subscriber for `instance` (files under [`log_dir`] when
/// `options.file`), bridges `log` records, and logs panics. Call once, early in `main`.
pub fn init(instance: &Instance, options: &LogOptions) -> Result<LogGuard, LogError> {
    install(build(Some(instance), options)?)
}

/// Installs the global subscriber without files (commands that have no instance yet).
pub fn init_console(options: &LogOptions) -> Result<LogGuard, LogError> {
    let options = LogOptions {
        file: false,
        ..options.clone()
    };
    install(build(None, &options)?)
}

fn install((dispatch, guard): (Dispatch, LogGuard)) -> Result<LogGuard, LogError> {
    // Also routes records of libraries that use the `log` crate (notify among them) to the
    // same layers.
    dispatch
        .try_init()
        .map_err(|_| LogError::AlreadyInitialized)?;
    log_panics();
    Ok(guard)
}

/// Builds the subscriber without installing it (tests use it with
/// `tracing::dispatcher::with_default`). `instance` is needed only when `options.file`.
pub fn build(
    instance: Option<&Instance>,
    options: &LogOptions,
) -> Result<(Dispatch, LogGuard), LogError> {
    let format = options.resolved_format()?;
    let filter = options.resolved_filter()?;
    let mut layers: Vec<Box<dyn Layer<Registry> + Send + Sync>> = Vec::new();
    let mut file = None;
    if options.stderr {
        let journal = stderr_is_journal();
        let ansi = !journal && io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        layers.push(match format {
            LogFormat::Json => json_layer(io::stderr),
            LogFormat::Text if journal => tracing_subscriber::fmt::layer()
                .with_writer(io::stderr)
                .with_ansi(false)
                .without_time()
                .boxed(),
            LogFormat::Text => tracing_subscriber::fmt::layer()
                .with_writer(io::stderr)
                .with_ansi(ansi)
                .boxed(),
        });
    }
    if options.file {
        if let Some(instance) = instance {
            let rolling = Arc::new(RollingFile::open(
                log_dir(instance).join(LOG_FILE),
                options.max_file_bytes,
                options.max_files,
            )?);
            layers.push(match format {
                LogFormat::Json => json_layer(rolling.clone()),
                LogFormat::Text => tracing_subscriber::fmt::layer()
                    .with_writer(rolling.clone())
                    .with_ansi(false)
                    .boxed(),
            });
            file = Some(rolling);
        }
    }
    let subscriber = Registry::default().with(layers.with_filter(filter));
    Ok((Dispatch::new(subscriber), LogGuard { file }))
}

fn json_layer<W>(writer: W) -> Box<dyn Layer<Registry> + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(true)
        .with_writer(writer)
        .boxed()
}

/// Is standard error the systemd journal? (`JOURNAL_STREAM` is `device:inode` of the stream
/// systemd connected; it must be fd 2's, not one inherited from a parent.)
fn stderr_is_journal() -> bool {
    let Some(value) = std::env::var_os("JOURNAL_STREAM") else {
        return false;
    };
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let Some((dev, ino)) = value.to_str().and_then(|v| v.split_once(':')) else {
            return false;
        };
        match fs::metadata("/proc/self/fd/2") {
            Ok(m) => dev.parse() == Ok(m.dev()) && ino.parse() == Ok(m.ino()),
            Err(_) => false,
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = value;
        true
    }
}

fn log_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_string());
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(target: "panic", location, "panic: {message}");
        previous(info);
    }));
}

// ---------------------------------------------------------------------------------------------
// The rotated file

/// A log file rotated by size, keeping at most `max_files` files. Each `write` is one line and
/// goes to the file at once; it rotates first when the line would not fit.
#[derive(Debug)]
pub struct RollingFile {
    path: PathBuf,
    max_bytes: u64,
    max_files: usize,
    state: Mutex<Active>,
}

#[derive(Debug)]
struct Active {
    file: File,
    size: u64,
    rotate_failed: bool,
}

impl RollingFile {
    /// Opens (appends to) `path`, creating its folder; removes rotated files beyond
    /// `max_files` left by an earlier, larger setting.
    pub fn open(path: PathBuf, max_bytes: u64, max_files: usize) -> Result<Self, LogError> {
        let io_err = |source| LogError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io_err)?;
        }
        let file = open_append(&path).map_err(io_err)?;
        let size = file.metadata().map_err(io_err)?.len();
        let rolling = Self {
            max_bytes: max_bytes.max(1),
            max_files: max_files.max(1),
            state: Mutex::new(Active {
                file,
                size,
                rotate_failed: false,
            }),
            path,
        };
        rolling.prune_extra();
        Ok(rolling)
    }

    /// The active file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The `n`th rotated file (`wats-client.log.n`; 1 is the newest).
    pub fn rotated_path(&self, n: usize) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    fn lock(&self) -> MutexGuard<'_, Active> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn prune_extra(&self) {
        let (Some(dir), Some(name)) = (self.path.parent(), self.path.file_name()) else {
            return;
        };
        let prefix = format!("{}.", name.to_string_lossy());
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let file_name = file_name.to_string_lossy();
            let n = file_name
                .strip_prefix(&prefix)
                .and_then(|n| n.parse::<usize>().ok());
            if matches!(n, Some(n) if n >= self.max_files) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    fn rotate(&self, active: &mut Active) -> io::Result<()> {
        if self.max_files == 1 {
            active.file.set_len(0)?;
            active.size = 0;
            return Ok(());
        }
        let oldest = self.rotated_path(self.max_files - 1);
        match fs::remove_file(&oldest) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        for n in (1..self.max_files - 1).rev() {
            match fs::rename(self.rotated_path(n), self.rotated_path(n + 1)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        fs::rename(&self.path, self.rotated_path(1))?;
        active.file = open_append(&self.path)?;
        active.size = 0;
        Ok(())
    }

    fn write_line(&self, line: &[u8]) -> io::Result<()> {
        let mut active = self.lock();
        if active.size > 0 && active.size + line.len() as u64 > self.max_bytes {
            match self.rotate(&mut active) {
                Ok(()) => active.rotate_failed = false,
                Err(e) => {
                    // Keep writing to the file we have; say so once per failure streak.
                    if !active.rotate_failed {
                        eprintln!("wats-client: cannot rotate {}: {e}", self.path.display());
                    }
                    active.rotate_failed = true;
                }
            }
        }
        active.file.write_all(line)?;
        active.size += line.len() as u64;
        Ok(())
    }
}

impl Write for &RollingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_line(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o640);
    }
    options.open(path)
}
