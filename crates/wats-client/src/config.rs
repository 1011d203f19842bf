//! Station configuration (one JSON file per instance).
//!
//! * **Where**: `<config dir>/<instance>/config.json`, the config dir being the platform's
//!   (`$XDG_CONFIG_HOME/wats-client` on Linux, via `directories`), or `WATS_CLIENT_CONFIG_DIR`
//!   when set. Runtime data (ledger, queue) lives in `<data dir>/<instance>/`
//!   (`WATS_CLIENT_DATA_DIR`; defaults to the instance's config folder when only
//!   `WATS_CLIENT_CONFIG_DIR` is set, so a test stays inside its temp dir).
//! * **Keys**: pyWATS's names where they exist (`service_address`, `api_token`, `station_name`,
//!   `location`, `purpose`, `converters[]` with `name`, `watch_folder`, `file_patterns`,
//!   `recursive`, `post_action`, `done_folder`, `error_folder`, `arguments`, `priority`,
//!   `enabled`). Unknown keys, at the top level and inside converters, are kept and written
//!   back, so a round trip loses nothing.
//! * **Validation** names the key path of every problem (`converters[1].watch_folder: does not
//!   exist`). [`check_schema`] finds type, range and enum errors (a file with such errors is
//!   refused); [`Config::problems`] adds what needs the machine (folders exist) and what a
//!   running station needs (names present and unique).
//! * **Atomic writes**: temp file → fsync → the previous file copied to `config.json.bak` →
//!   rename over → fsync of the folder. The file is never missing or half written.
//! * **Environment overrides** apply at run time and are never written: the server URL from
//!   `WATS_BASE_URL` or `PYWATS_SERVER_URL`, the token from `WATS_AUTH_TOKEN` or
//!   `PYWATS_API_TOKEN`, `WATS_STATION_NAME` (or `PYWATS_STATION_NAME`), `WATS_LOCATION`,
//!   `WATS_PURPOSE`. The `WATS_*` name wins when both are set, as in the SDK.
//! * **The token is never stored in plain text.** It is sealed with ChaCha20-Poly1305 under a
//!   key derived from the machine id (`/etc/machine-id`) and a random per-instance salt kept
//!   beside the config (`token.salt`, owner-only), and written as `api_token_encrypted`. A copy
//!   of the config taken to another machine cannot be decrypted there. The OS keyring is not
//!   used yet. A plain `api_token` found in a hand-written file is read and encrypted at the
//!   next save. [`Secret`] redacts itself in `Debug`; [`Config::redacted_json`] is what
//!   `config show` prints.
//! * **One running station per instance**: [`Instance::lock`] takes an exclusive lock on
//!   `<instance config dir>/instance.lock`.
//!
//! Why one file of ~1,400 lines: the model, its schema table, the dotted-key get/set and the
//! sealed token all read and write the same `Config` fields, and a new key must be added to
//! each in one change; split, each part would import the others' private helpers. Splitting it
//! into `config/{model, schema, keys, seal}` is the open part of issue 12.

use std::collections::BTreeSet;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Overrides the root folder of the instances' configurations.
pub const ENV_CONFIG_DIR: &str = "WATS_CLIENT_CONFIG_DIR";
/// Overrides the root folder of the instances' runtime data.
pub const ENV_DATA_DIR: &str = "WATS_CLIENT_DATA_DIR";
/// The instance used when none is named.
pub const DEFAULT_INSTANCE: &str = "default";
/// The config file inside an instance's folder.
pub const CONFIG_FILE: &str = "config.json";
/// The key under which the sealed token is stored.
pub const TOKEN_KEY: &str = "api_token_encrypted";

const SALT_FILE: &str = "token.salt";
const LOCK_FILE: &str = "instance.lock";
const TOKEN_PREFIX: &str = "v1.";

/// Everything that can go wrong with a configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("{path}: not valid JSON: {message}")]
    Json { path: PathBuf, message: String },
    /// The file's content breaks the schema; one entry per problem.
    #[error("{}", join_problems(.0))]
    Invalid(Vec<Problem>),
    /// The instance has no configuration yet.
    #[error("no configuration at {0} (run `wats-client config init`)")]
    Missing(PathBuf),
    /// The token cannot be decrypted or encrypted.
    #[error("{0}")]
    Token(String),
    /// A dotted key path does not name a value.
    #[error("{0}")]
    Key(String),
    /// Another process holds the instance.
    #[error("instance {instance:?} is already running{}", holder.as_ref().map(|p| format!(" (pid {p})")).unwrap_or_default())]
    Locked {
        instance: String,
        holder: Option<String>,
    },
    /// No platform config dir and no override.
    #[error("no configuration folder on this platform; set {ENV_CONFIG_DIR}")]
    NoConfigDir,
    /// An instance name that is not a safe folder name.
    #[error("invalid instance name {0:?}: use 1-64 letters, digits, '-', '_' or '.'")]
    InstanceName(String),
}

fn join_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ConfigError + '_ {
    move |source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One validation finding: the key path and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `converters[1].watch_folder`
    pub path: String,
    /// `does not exist`
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

fn problem(path: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        path: path.into(),
        message: message.into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Secret

/// A token in memory. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }
    /// The token itself, for the HTTP client only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

// ---------------------------------------------------------------------------------------------
// The typed configuration

/// What happens to a source file once its reports are durably queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PostAction {
    /// Move it to `done_folder` (the default, as in pyWATS).
    #[default]
    Move,
    /// Delete it.
    Delete,
    /// Leave it where it is; the source's ledger keeps it from being read twice.
    Keep,
}

/// How a watch folder learns about new files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum WatchMode {
    /// File-system events as hints, plus the periodic rescan.
    #[default]
    Events,
    /// The periodic rescan only (network shares deliver no events).
    Poll,
}

/// One converter: a watch folder, the files it takes, and what to do with them afterwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConverterConfig {
    pub name: String,
    /// Which converter reads the files: a converter's name (`teradyne-gr228x`), `auto` (pick
    /// by content), or `external` (a program, configured by `command`). Empty: `name` if it is
    /// a converter's name, otherwise `auto`.
    pub converter: String,
    pub enabled: bool,
    pub watch_folder: String,
    pub file_patterns: Vec<String>,
    pub recursive: bool,
    pub watch_mode: WatchMode,
    pub post_action: PostAction,
    pub done_folder: String,
    pub error_folder: String,
    /// 1 (highest) to 10 (lowest).
    pub priority: u8,
    pub arguments: Map<String, Value>,
    /// Keys this version does not know, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Default for ConverterConfig {
    fn default() -> Self {
        Self {
            name: String::new(),
            converter: String::new(),
            enabled: true,
            watch_folder: String::new(),
            file_patterns: vec!["*.*".to_string()],
            recursive: false,
            watch_mode: WatchMode::Events,
            post_action: PostAction::Move,
            done_folder: String::new(),
            error_folder: String::new(),
            priority: 5,
            arguments: Map::new(),
            extra: Map::new(),
        }
    }
}

impl ConverterConfig {
    /// `done_folder`, or `<watch_folder>/Done` when empty (pyWATS's convention).
    pub fn done_path(&self) -> PathBuf {
        folder_or(&self.done_folder, &self.watch_folder, "Done")
    }
    /// `error_folder`, or `<watch_folder>/Error` when empty.
    pub fn error_path(&self) -> PathBuf {
        folder_or(&self.error_folder, &self.watch_folder, "Error")
    }
}

fn folder_or(folder: &str, watch: &str, default: &str) -> PathBuf {
    if folder.is_empty() {
        Path::new(watch).join(default)
    } else {
        PathBuf::from(folder)
    }
}

/// The control API's default address.
pub const DEFAULT_CONTROL_ADDRESS: &str = "127.0.0.1:8765";
/// The embedded server's default address in local mode.
pub const DEFAULT_LOCAL_SERVER_ADDRESS: &str = "127.0.0.1:8780";

/// One instance's configuration.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// The WATS server's base URL; empty means not configured (local mode).
    pub service_address: String,
    /// The API token (`Basic` credentials). Never serialized by serde: see [`Config::to_json`].
    #[serde(skip)]
    pub api_token: Option<Secret>,
    pub station_name: String,
    pub location: String,
    pub purpose: String,
    /// Seconds between two rescans of every watch folder (the truth behind the events).
    pub rescan_interval_seconds: u64,
    /// Seconds a file's size and mtime must stay unchanged before it is read.
    pub settle_seconds: f64,
    /// Where the control API listens (`127.0.0.1:8765`; give each instance its own port).
    pub control_address: String,
    /// Where the embedded server listens in local mode (`127.0.0.1:8780`).
    pub local_server_address: String,
    /// Uploads in flight at once.
    pub upload_concurrency: u32,
    /// The longest wait, in seconds, between two probes of an unreachable server (the upload
    /// gate's backoff cap; also the longest delay before the station notices its return).
    pub reconnect_max_seconds: u64,
    /// Most reports held undelivered in the queue; intake pauses when it is full.
    pub max_queue_entries: u64,
    /// Hours a delivered entry is remembered before it is pruned.
    pub keep_done_hours: u64,
    pub converters: Vec<ConverterConfig>,
    /// Keys this version does not know, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            service_address: String::new(),
            api_token: None,
            station_name: String::new(),
            location: String::new(),
            purpose: String::new(),
            rescan_interval_seconds: 60,
            settle_seconds: 2.0,
            control_address: DEFAULT_CONTROL_ADDRESS.to_string(),
            local_server_address: DEFAULT_LOCAL_SERVER_ADDRESS.to_string(),
            upload_concurrency: 5,
            reconnect_max_seconds: 30,
            max_queue_entries: 100_000,
            keep_done_hours: 168,
            converters: Vec::new(),
            extra: Map::new(),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("service_address", &self.service_address)
            .field("api_token", &self.api_token.as_ref().map(|_| "<redacted>"))
            .field("station_name", &self.station_name)
            .field("location", &self.location)
            .field("purpose", &self.purpose)
            .field("rescan_interval_seconds", &self.rescan_interval_seconds)
            .field("settle_seconds", &self.settle_seconds)
            .field("control_address", &self.control_address)
            .field("local_server_address", &self.local_server_address)
            .field("upload_concurrency", &self.upload_concurrency)
            .field("reconnect_max_seconds", &self.reconnect_max_seconds)
            .field("max_queue_entries", &self.max_queue_entries)
            .field("keep_done_hours", &self.keep_done_hours)
            .field("converters", &self.converters)
            .field("extra", &self.extra)
            .finish()
    }
}

/// Which setting an environment variable replaced (for `config show`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub key: &'static str,
    pub variable: &'static str,
}

/// The environment variables that override settings, in precedence order per key.
pub const ENV_OVERRIDES: &[(&str, &[&str])] = &[
    ("service_address", &wats::ENV_BASE_URL),
    ("api_token", &wats::ENV_TOKEN),
    (
        "station_name",
        &["WATS_STATION_NAME", "PYWATS_STATION_NAME"],
    ),
    ("location", &["WATS_LOCATION"]),
    ("purpose", &["WATS_PURPOSE"]),
];

impl Config {
    /// Parses a document (the file's JSON), refusing it when [`check_schema`] finds problems.
    /// A plain `api_token` is taken as the token; `api_token_encrypted` is left for
    /// [`Config::from_document`] to open.
    pub fn from_value(mut doc: Value) -> Result<Self, ConfigError> {
        let problems = check_schema(&doc);
        if !problems.is_empty() {
            return Err(ConfigError::Invalid(problems));
        }
        let obj = doc.as_object_mut().expect("schema checked: an object");
        let plain = obj.remove("api_token");
        obj.remove(TOKEN_KEY);
        let mut config: Config = serde_json::from_value(doc)
            .map_err(|e| ConfigError::Invalid(vec![problem("(document)", e.to_string())]))?;
        if let Some(Value::String(token)) = plain {
            if !token.is_empty() {
                config.api_token = Some(Secret(token));
            }
        }
        Ok(config)
    }

    /// Parses a file's document, opening the sealed token with `sealer`.
    pub fn from_document(doc: Value, sealer: &TokenSealer) -> Result<Self, ConfigError> {
        let sealed = doc
            .get(TOKEN_KEY)
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut config = Self::from_value(doc)?;
        if config.api_token.is_none() {
            if let Some(sealed) = sealed.filter(|s| !s.is_empty()) {
                config.api_token = Some(sealer.open(&sealed)?);
            }
        }
        Ok(config)
    }

    /// The document written to disk: every setting, unknown keys kept, the token sealed.
    pub fn to_document(&self, sealer: &TokenSealer) -> Result<Value, ConfigError> {
        let mut doc = serde_json::to_value(self).expect("config serializes");
        if let (Some(token), Some(obj)) = (&self.api_token, doc.as_object_mut()) {
            obj.insert(TOKEN_KEY.to_string(), Value::String(sealer.seal(token)?));
        }
        Ok(doc)
    }

    /// The configuration as `config show` prints it: the token replaced by `"<redacted>"`
    /// when one is set, and no sealed form either.
    pub fn redacted_json(&self) -> Value {
        let mut doc = serde_json::to_value(self).expect("config serializes");
        if let Some(obj) = doc.as_object_mut() {
            obj.remove(TOKEN_KEY);
            obj.remove("api_token");
            if self.api_token.is_some() {
                obj.insert("api_token".into(), Value::String("<redacted>".into()));
            }
        }
        doc
    }

    /// Applies the environment overrides found by `lookup` (normally `std::env::var`), and
    /// says which ones applied. They are never written back.
    pub fn apply_env(&mut self, lookup: impl Fn(&str) -> Option<String>) -> Vec<Override> {
        let mut applied = Vec::new();
        for (key, variables) in ENV_OVERRIDES {
            let Some((variable, value)) = variables
                .iter()
                .find_map(|v| lookup(v).filter(|s| !s.is_empty()).map(|s| (*v, s)))
            else {
                continue;
            };
            match *key {
                "service_address" => self.service_address = value,
                "api_token" => self.api_token = Some(Secret(value)),
                "station_name" => self.station_name = value,
                "location" => self.location = value,
                "purpose" => self.purpose = value,
                _ => unreachable!("every override key is handled"),
            }
            applied.push(Override { key, variable });
        }
        applied
    }

    /// [`Config::apply_env`] with the process environment.
    pub fn apply_process_env(&mut self) -> Vec<Override> {
        self.apply_env(|name| std::env::var(name).ok())
    }

    /// What keeps this configuration from running a station, beyond the schema: converter
    /// names present and unique, watch folders given and existing for enabled converters.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = check_schema(&serde_json::to_value(self).expect("serializes"));
        let address = self.service_address.trim();
        if !address.is_empty() {
            let rest = address
                .strip_prefix("https://")
                .or_else(|| address.strip_prefix("http://"));
            match rest {
                Some(host) if !host.is_empty() && !host.starts_with('/') => {}
                _ => problems.push(problem(
                    "service_address",
                    format!("expected an http:// or https:// URL, found {address:?}"),
                )),
            }
        }
        let mut names = BTreeSet::new();
        for (i, c) in self.converters.iter().enumerate() {
            let at = |key: &str| format!("converters[{i}].{key}");
            if c.name.trim().is_empty() {
                problems.push(problem(at("name"), "is required"));
            } else if !names.insert(c.name.as_str()) {
                problems.push(problem(
                    at("name"),
                    format!("{:?} is used by an earlier converter", c.name),
                ));
            }
            let scheduled =
                c.extra.get("converter_type").and_then(Value::as_str) == Some("scheduled");
            if c.watch_folder.trim().is_empty() {
                if !scheduled {
                    problems.push(problem(at("watch_folder"), "is required"));
                }
            } else if Path::new(&c.watch_folder).is_relative() {
                problems.push(problem(
                    at("watch_folder"),
                    "must be an absolute path (a service does not run in your folder)",
                ));
            } else if c.enabled {
                let watch = Path::new(&c.watch_folder);
                if !watch.exists() {
                    problems.push(problem(at("watch_folder"), "does not exist"));
                } else if !watch.is_dir() {
                    problems.push(problem(at("watch_folder"), "is not a folder"));
                }
            }
            if c.file_patterns.is_empty() {
                problems.push(problem(
                    at("file_patterns"),
                    "is empty: no file would be taken",
                ));
            }
            let watch = Path::new(&c.watch_folder);
            for (key, folder, used) in [
                (
                    "done_folder",
                    c.done_path(),
                    c.post_action == PostAction::Move,
                ),
                ("error_folder", c.error_path(), true),
            ] {
                if !used || c.watch_folder.trim().is_empty() {
                    continue;
                }
                if folder == watch {
                    problems.push(problem(
                        at(key),
                        "is the watch folder itself: files moved there would be read again",
                    ));
                } else if folder.exists() && !folder.is_dir() {
                    problems.push(problem(at(key), "is not a folder"));
                }
            }
        }
        problems.extend(crate::serial_pool::config_problems(&self.extra));
        problems
    }

    /// The settle time as a duration.
    pub fn settle(&self) -> Duration {
        Duration::from_secs_f64(self.settle_seconds.max(0.0))
    }
}

// ---------------------------------------------------------------------------------------------
// Schema

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Str,
    Bool,
    Int(i64, i64),
    Number(f64, f64),
    Enum(&'static [&'static str]),
    Strings,
    Object,
    Converters,
}

const TOP_LEVEL: &[(&str, Kind)] = &[
    ("service_address", Kind::Str),
    ("api_token", Kind::Str),
    (TOKEN_KEY, Kind::Str),
    ("station_name", Kind::Str),
    ("location", Kind::Str),
    ("purpose", Kind::Str),
    ("rescan_interval_seconds", Kind::Int(1, 86_400)),
    ("settle_seconds", Kind::Number(0.0, 3600.0)),
    ("control_address", Kind::Str),
    ("local_server_address", Kind::Str),
    ("upload_concurrency", Kind::Int(1, 64)),
    ("reconnect_max_seconds", Kind::Int(1, 3600)),
    ("max_queue_entries", Kind::Int(1, 100_000_000)),
    ("keep_done_hours", Kind::Int(0, 87_600)),
    ("converters", Kind::Converters),
];

const CONVERTER: &[(&str, Kind)] = &[
    ("name", Kind::Str),
    ("converter", Kind::Str),
    ("enabled", Kind::Bool),
    ("watch_folder", Kind::Str),
    ("file_patterns", Kind::Strings),
    ("recursive", Kind::Bool),
    ("watch_mode", Kind::Enum(&["events", "poll"])),
    ("post_action", Kind::Enum(&["move", "delete", "keep"])),
    ("done_folder", Kind::Str),
    ("error_folder", Kind::Str),
    ("priority", Kind::Int(1, 10)),
    ("arguments", Kind::Object),
    ("follow_symlinks", Kind::Bool),
    ("auto_truncate", Kind::Bool),
];

fn kind_of(path: &[Segment]) -> Option<Kind> {
    match path {
        [Segment::Key(k)] => TOP_LEVEL.iter().find(|(n, _)| n == k).map(|(_, k)| *k),
        [Segment::Key(c), Segment::Index(_), Segment::Key(k)] if c == "converters" => {
            CONVERTER.iter().find(|(n, _)| n == k).map(|(_, k)| *k)
        }
        [Segment::Key(c), Segment::Index(_), Segment::Key(k), Segment::Index(_)]
            if c == "converters" && k == "file_patterns" =>
        {
            Some(Kind::Str)
        }
        _ => None,
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn check_kind(path: &str, kind: Kind, value: &Value, out: &mut Vec<Problem>) {
    let found = describe(value);
    match kind {
        Kind::Str => {
            if !value.is_string() {
                out.push(problem(path, format!("expected a string, found {found}")));
            }
        }
        Kind::Bool => {
            if !value.is_boolean() {
                out.push(problem(
                    path,
                    format!("expected true or false, found {found}"),
                ));
            }
        }
        Kind::Int(lo, hi) => match value.as_i64() {
            Some(n) if (lo..=hi).contains(&n) => {}
            _ => out.push(problem(
                path,
                format!("expected an integer from {lo} to {hi}, found {found}"),
            )),
        },
        Kind::Number(lo, hi) => match value.as_f64() {
            Some(n) if (lo..=hi).contains(&n) => {}
            _ => out.push(problem(
                path,
                format!("expected a number from {lo} to {hi}, found {found}"),
            )),
        },
        Kind::Enum(options) => match value.as_str() {
            Some(s) if options.contains(&s) => {}
            _ => out.push(problem(
                path,
                format!("expected one of {}, found {found}", options.join(", ")),
            )),
        },
        Kind::Object => {
            if !value.is_object() {
                out.push(problem(path, format!("expected an object, found {found}")));
            }
        }
        Kind::Strings => match value.as_array() {
            None => out.push(problem(
                path,
                format!("expected an array of glob patterns, found {found}"),
            )),
            Some(items) => {
                for (j, item) in items.iter().enumerate() {
                    let at = format!("{path}[{j}]");
                    match item.as_str() {
                        None => out.push(problem(
                            at,
                            format!("expected a glob pattern, found {}", describe(item)),
                        )),
                        Some(p) => {
                            if let Err(e) = globset::Glob::new(p) {
                                out.push(problem(
                                    at,
                                    format!("invalid glob pattern: {}", e.kind()),
                                ));
                            }
                        }
                    }
                }
            }
        },
        Kind::Converters => match value.as_array() {
            None => out.push(problem(path, format!("expected an array, found {found}"))),
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    let at = format!("{path}[{i}]");
                    let Some(obj) = item.as_object() else {
                        out.push(problem(
                            at,
                            format!("expected an object, found {}", describe(item)),
                        ));
                        continue;
                    };
                    for (key, kind) in CONVERTER {
                        if let Some(v) = obj.get(*key) {
                            check_kind(&format!("{at}.{key}"), *kind, v, out);
                        }
                    }
                }
            }
        },
    }
}

/// Type, range, enum and glob checks over a whole document, each finding with its key path.
/// Unknown keys are not problems (they are kept).
pub fn check_schema(doc: &Value) -> Vec<Problem> {
    let mut out = Vec::new();
    let Some(obj) = doc.as_object() else {
        out.push(problem(
            "(document)",
            format!("expected a JSON object, found {}", describe(doc)),
        ));
        return out;
    };
    for (key, kind) in TOP_LEVEL {
        if let Some(v) = obj.get(*key) {
            check_kind(key, *kind, v, &mut out);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Dotted key paths

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// `converters.0.enabled` and `converters[0].enabled` both name the same value.
fn parse_key(key: &str) -> Result<Vec<Segment>, ConfigError> {
    let bad = || ConfigError::Key(format!("invalid key {key:?}"));
    let mut out = Vec::new();
    for part in key.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            match name.parse::<usize>() {
                Ok(i) if !out.is_empty() => out.push(Segment::Index(i)),
                _ => out.push(Segment::Key(name.to_string())),
            }
        } else if rest.is_empty() {
            return Err(bad());
        }
        while let Some(stripped) = rest.strip_prefix('[') {
            let end = stripped.find(']').ok_or_else(bad)?;
            let i = stripped[..end].parse::<usize>().map_err(|_| bad())?;
            out.push(Segment::Index(i));
            rest = &stripped[end + 1..];
        }
        if !rest.is_empty() {
            return Err(bad());
        }
    }
    if out.is_empty() || !matches!(out[0], Segment::Key(_)) {
        return Err(bad());
    }
    Ok(out)
}

fn render_path(path: &[Segment]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Segment::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Segment::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Is `key` the token (which `get` refuses and `set` seals)?
pub fn is_token_key(key: &str) -> bool {
    matches!(key, "api_token" | TOKEN_KEY)
}

/// The value at a dotted key path in a document.
pub fn get_path<'a>(doc: &'a Value, key: &str) -> Result<&'a Value, ConfigError> {
    let path = parse_key(key)?;
    let mut here = doc;
    for (n, seg) in path.iter().enumerate() {
        let next = match seg {
            Segment::Key(k) => here.as_object().and_then(|o| o.get(k)),
            Segment::Index(i) => here.as_array().and_then(|a| a.get(*i)),
        };
        here = next
            .ok_or_else(|| ConfigError::Key(format!("no setting {}", render_path(&path[..=n]))))?;
    }
    Ok(here)
}

/// Turns the text of `config set KEY VALUE` into JSON: by the schema's type where the key is
/// known (so `station_name 123` stays a string, `file_patterns *.xml,*.json` is a list), as
/// JSON where it parses, and as a string otherwise.
pub fn parse_value(key: &str, text: &str) -> Result<Value, ConfigError> {
    let path = parse_key(key)?;
    let at = render_path(&path);
    let invalid = |what: &str| {
        ConfigError::Invalid(vec![problem(
            at.clone(),
            format!("expected {what}, found {text:?}"),
        )])
    };
    Ok(match kind_of(&path) {
        Some(Kind::Str) | Some(Kind::Enum(_)) => Value::String(text.to_string()),
        Some(Kind::Bool) => match text.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Value::Bool(true),
            "false" | "0" | "no" | "off" => Value::Bool(false),
            _ => return Err(invalid("true or false")),
        },
        Some(Kind::Int(..)) => Value::from(
            text.trim()
                .parse::<i64>()
                .map_err(|_| invalid("an integer"))?,
        ),
        Some(Kind::Number(..)) => Value::from(
            text.trim()
                .parse::<f64>()
                .map_err(|_| invalid("a number"))?,
        ),
        Some(Kind::Strings) => match serde_json::from_str::<Value>(text) {
            Ok(v @ Value::Array(_)) => v,
            _ => Value::Array(
                text.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_string()))
                    .collect(),
            ),
        },
        _ => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string())),
    })
}

/// Removes the value at a dotted key path (an array element shifts the ones after it).
pub fn remove_path(doc: &mut Value, key: &str) -> Result<Value, ConfigError> {
    let path = parse_key(key)?;
    let (last, parents) = path.split_last().expect("a key has a segment");
    let mut here = doc;
    for (n, seg) in parents.iter().enumerate() {
        let next = match seg {
            Segment::Key(k) => here.as_object_mut().and_then(|o| o.get_mut(k)),
            Segment::Index(i) => here.as_array_mut().and_then(|a| a.get_mut(*i)),
        };
        here = next
            .ok_or_else(|| ConfigError::Key(format!("no setting {}", render_path(&path[..=n]))))?;
    }
    let removed = match last {
        Segment::Key(k) => here.as_object_mut().and_then(|o| o.remove(k)),
        Segment::Index(i) => here
            .as_array_mut()
            .filter(|a| *i < a.len())
            .map(|a| a.remove(*i)),
    };
    removed.ok_or_else(|| ConfigError::Key(format!("no setting {}", render_path(&path))))
}

/// Sets the value at a dotted key path, creating objects on the way; an index equal to an
/// array's length appends.
pub fn set_path(doc: &mut Value, key: &str, value: Value) -> Result<(), ConfigError> {
    let path = parse_key(key)?;
    let mut here = doc;
    for (n, seg) in path.iter().enumerate() {
        let last = n + 1 == path.len();
        let next_is_index = matches!(path.get(n + 1), Some(Segment::Index(_)));
        let fresh = || {
            if next_is_index {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            }
        };
        let where_ = render_path(&path[..n.max(1)]);
        here = match seg {
            Segment::Key(k) => {
                let obj = here
                    .as_object_mut()
                    .ok_or_else(|| ConfigError::Key(format!("{where_} is not an object")))?;
                if last {
                    obj.insert(k.clone(), value);
                    return Ok(());
                }
                obj.entry(k.clone()).or_insert_with(fresh)
            }
            Segment::Index(i) => {
                let arr = here
                    .as_array_mut()
                    .ok_or_else(|| ConfigError::Key(format!("{where_} is not an array")))?;
                if *i > arr.len() {
                    return Err(ConfigError::Key(format!(
                        "{}: index out of range (the array has {} entries)",
                        render_path(&path[..=n]),
                        arr.len()
                    )));
                }
                if *i == arr.len() {
                    arr.push(if last { Value::Null } else { fresh() });
                }
                if last {
                    arr[*i] = value;
                    return Ok(());
                }
                &mut arr[*i]
            }
        };
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Token sealing

/// Seals and opens the token with a key bound to this machine and this instance.
pub struct TokenSealer {
    key: [u8; 32],
}

impl TokenSealer {
    /// A sealer from a machine id and a salt (tests use this directly).
    pub fn new(machine_id: &[u8], salt: &[u8]) -> Self {
        let mut h = Sha256::new();
        h.update(b"wats-client token key v1\0");
        h.update((machine_id.len() as u64).to_le_bytes());
        h.update(machine_id);
        h.update(salt);
        Self {
            key: h.finalize().into(),
        }
    }

    /// The sealer for an instance folder: this machine's id and the instance's salt file,
    /// created (owner-only) when missing.
    pub fn for_dir(dir: &Path) -> Result<Self, ConfigError> {
        let salt = read_or_create_salt(&dir.join(SALT_FILE))?;
        Ok(Self::new(&machine_id(), &salt))
    }

    /// `v1.<base64 nonce>.<base64 ciphertext>`
    pub fn seal(&self, token: &Secret) -> Result<String, ConfigError> {
        use chacha20poly1305::aead::{Aead, KeyInit};
        use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
        let cipher = ChaCha20Poly1305::new(&Key::from(self.key));
        let mut nonce = [0u8; 12];
        getrandom::getrandom(&mut nonce)
            .map_err(|e| ConfigError::Token(format!("no randomness for the token nonce: {e}")))?;
        let sealed = cipher
            .encrypt(&Nonce::from(nonce), token.expose().as_bytes())
            .map_err(|_| ConfigError::Token("cannot encrypt the token".into()))?;
        Ok(format!(
            "{TOKEN_PREFIX}{}.{}",
            B64.encode(nonce),
            B64.encode(sealed)
        ))
    }

    /// Opens what [`TokenSealer::seal`] made.
    pub fn open(&self, sealed: &str) -> Result<Secret, ConfigError> {
        use chacha20poly1305::aead::{Aead, KeyInit};
        use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
        let malformed = || ConfigError::Token(format!("{TOKEN_KEY}: not a sealed token"));
        let rest = sealed.strip_prefix(TOKEN_PREFIX).ok_or_else(malformed)?;
        let (nonce, body) = rest.split_once('.').ok_or_else(malformed)?;
        let nonce: [u8; 12] = B64
            .decode(nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or_else(malformed)?;
        let body = B64.decode(body).map_err(|_| malformed())?;
        let cipher = ChaCha20Poly1305::new(&Key::from(self.key));
        let plain = cipher
            .decrypt(&Nonce::from(nonce), body.as_ref())
            .map_err(|_| {
                ConfigError::Token(format!(
                    "{TOKEN_KEY}: cannot be decrypted on this machine (was the config copied from \
                 another one, or {SALT_FILE} replaced?); set the token again with \
                 `wats-client config set api_token TOKEN`"
                ))
            })?;
        String::from_utf8(plain)
            .map(Secret)
            .map_err(|_| malformed())
    }
}

/// This machine's id: `/etc/machine-id` or `/var/lib/dbus/machine-id`; where there is none
/// (other platforms for now), the host and user names, which still binds the key to a place.
pub fn machine_id() -> Vec<u8> {
    for path in ["/etc/machine-id", "/var/lib/dbus/machine-id"] {
        if let Ok(id) = fs::read_to_string(path) {
            let id = id.trim();
            if !id.is_empty() {
                return id.as_bytes().to_vec();
            }
        }
    }
    let host = std::env::var("COMPUTERNAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .or_else(|_| fs::read_to_string("/etc/hostname").map(|s| s.trim().to_string()))
        .unwrap_or_default();
    let user = std::env::var("USERNAME")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_default();
    format!("fallback:{host}:{user}").into_bytes()
}

fn read_or_create_salt(path: &Path) -> Result<Vec<u8>, ConfigError> {
    match fs::read(path) {
        Ok(salt) if salt.len() >= 16 => return Ok(salt),
        Ok(_) => {
            return Err(ConfigError::Token(format!(
                "{}: too short to be a salt",
                path.display()
            )))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(path)(e)),
    }
    let mut salt = [0u8; 32];
    getrandom::getrandom(&mut salt)
        .map_err(|e| ConfigError::Token(format!("no randomness for the salt: {e}")))?;
    write_atomic(path, &salt, false)?;
    Ok(salt.to_vec())
}

// ---------------------------------------------------------------------------------------------
// Files

fn owner_only(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

fn sync_dir(dir: &Path) -> Result<(), ConfigError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err(dir))?;
    }
    let _ = dir;
    Ok(())
}

/// Writes `bytes` to `path` so that a reader sees the old or the new content, never a mix:
/// a temp file beside it, fsync, (the previous file copied to `<name>.bak` the same way when
/// `backup`), rename over, fsync of the folder. New files are owner-only.
pub fn write_atomic(path: &Path, bytes: &[u8], backup: bool) -> Result<(), ConfigError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let write_tmp = |target: &Path, content: &[u8]| -> Result<(), ConfigError> {
        let tmp = dir.join(format!(
            ".{name}.{}.{}.tmp",
            std::process::id(),
            fastrand::u64(..)
        ));
        let result = (|| {
            let mut f = owner_only(OpenOptions::new().write(true).create_new(true)).open(&tmp)?;
            f.write_all(content)?;
            f.sync_all()?;
            fs::rename(&tmp, target)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map_err(io_err(target))
    };
    if backup {
        match fs::read(path) {
            Ok(old) => write_tmp(&backup_path(path), &old)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(path)(e)),
        }
    }
    write_tmp(path, bytes)?;
    sync_dir(dir)
}

/// `<path>.bak`
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".bak");
    PathBuf::from(name)
}

// ---------------------------------------------------------------------------------------------
// Instances

/// The names of the files and folders in an instance's data folder: the one place they are
/// written down (see "Local state" in `docs/ARCHITECTURE.md`). Code asks [`Instance`] for the
/// paths rather than joining these names itself.
pub mod state {
    /// The durable queue of reports (SQLite).
    pub const QUEUE_FILE: &str = "queue.sqlite";
    /// The ledger of files the watch folders have taken (SQLite).
    pub const LEDGER_FILE: &str = "ledger.sqlite";
    /// Where the running station's control API listens (JSON, removed at a clean stop).
    pub const CONTROL_INFO_FILE: &str = "control.json";
    /// The secret mutating control calls must present.
    pub const CONTROL_SECRET_FILE: &str = "control.secret";
    /// The password of the station's user on the embedded server (local mode).
    pub const LOCAL_PASSWORD_FILE: &str = "local-server.password";
    /// The embedded server's data folder (local mode).
    pub const SERVER_DIR: &str = "server";
    /// The inbox of a station without converters.
    pub const INBOX_DIR: &str = "inbox";
    /// The station's log files (`start`).
    pub const LOG_DIR: &str = "logs";
}

/// A named instance: its configuration folder and its runtime data folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    name: String,
    config_dir: PathBuf,
    data_dir: PathBuf,
}

/// Checks an instance name (it becomes a folder name).
pub fn check_instance_name(name: &str) -> Result<(), ConfigError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ConfigError::InstanceName(name.to_string()))
    }
}

impl Instance {
    /// The instance `name` under explicit roots.
    pub fn at(name: &str, config_root: &Path, data_root: &Path) -> Result<Self, ConfigError> {
        check_instance_name(name)?;
        Ok(Self {
            name: name.to_string(),
            config_dir: config_root.join(name),
            data_dir: data_root.join(name),
        })
    }

    /// The instance `name` under the platform folders or the `WATS_CLIENT_*_DIR` overrides.
    pub fn resolve(name: &str) -> Result<Self, ConfigError> {
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let dirs = || directories::ProjectDirs::from("", "", "wats-client");
        let config_root = match env(ENV_CONFIG_DIR) {
            Some(p) => p,
            None => dirs()
                .ok_or(ConfigError::NoConfigDir)?
                .config_dir()
                .to_path_buf(),
        };
        let data_root = match (env(ENV_DATA_DIR), env(ENV_CONFIG_DIR)) {
            (Some(p), _) => p,
            (None, Some(config)) => config,
            (None, None) => dirs()
                .ok_or(ConfigError::NoConfigDir)?
                .data_local_dir()
                .to_path_buf(),
        };
        let mut instance = Self::at(name, &config_root, &data_root)?;
        if env(ENV_DATA_DIR).is_none() && env(ENV_CONFIG_DIR).is_some() {
            instance.data_dir = instance.config_dir.join("data");
        }
        Ok(instance)
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn config_dir(&self) -> &Path {
        &self.config_dir
    }
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
    /// `<config dir>/config.json`
    pub fn config_path(&self) -> PathBuf {
        self.config_dir.join(CONFIG_FILE)
    }
    /// `<data dir>/queue.sqlite`: the durable queue.
    pub fn queue_path(&self) -> PathBuf {
        self.data_dir.join(state::QUEUE_FILE)
    }
    /// `<data dir>/ledger.sqlite`: the files the watch folders have taken.
    pub fn ledger_path(&self) -> PathBuf {
        self.data_dir.join(state::LEDGER_FILE)
    }
    /// `<data dir>/control.json`: where the running station's control API listens.
    pub fn control_info_path(&self) -> PathBuf {
        self.data_dir.join(state::CONTROL_INFO_FILE)
    }
    /// `<data dir>/control.secret`: the control API's secret.
    pub fn control_secret_path(&self) -> PathBuf {
        self.data_dir.join(state::CONTROL_SECRET_FILE)
    }
    /// `<data dir>/local-server.password`: the station's password on the embedded server.
    pub fn local_password_path(&self) -> PathBuf {
        self.data_dir.join(state::LOCAL_PASSWORD_FILE)
    }
    /// `<data dir>/server`: the embedded server's data (local mode).
    pub fn server_dir(&self) -> PathBuf {
        self.data_dir.join(state::SERVER_DIR)
    }
    /// `<data dir>/inbox`: the inbox of a station without converters.
    pub fn inbox_dir(&self) -> PathBuf {
        self.data_dir.join(state::INBOX_DIR)
    }
    /// `<data dir>/logs`: the station's log files.
    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join(state::LOG_DIR)
    }

    /// Is there a configuration file (or its backup)?
    pub fn exists(&self) -> bool {
        self.config_path().exists() || backup_path(&self.config_path()).exists()
    }

    /// The file's document as JSON. A missing file with a backup beside it is read from the
    /// backup; a file that is not JSON is an error that names it (and the backup, if any).
    pub fn read_document(&self) -> Result<Value, ConfigError> {
        let path = self.config_path();
        let bak = backup_path(&path);
        let (used, text) = match fs::read_to_string(&path) {
            Ok(t) => (path.clone(), t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match fs::read_to_string(&bak) {
                Ok(t) => (bak.clone(), t),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(ConfigError::Missing(path))
                }
                Err(e) => return Err(io_err(&bak)(e)),
            },
            Err(e) => return Err(io_err(&path)(e)),
        };
        serde_json::from_str(&text).map_err(|e| {
            let mut message = e.to_string();
            if used == path && bak.exists() {
                message.push_str(&format!(" (the previous version is in {})", bak.display()));
            }
            ConfigError::Json {
                path: used,
                message,
            }
        })
    }

    /// The sealer for this instance's token.
    pub fn sealer(&self) -> Result<TokenSealer, ConfigError> {
        TokenSealer::for_dir(&self.config_dir)
    }

    /// Loads the configuration as stored (no environment overrides).
    pub fn load(&self) -> Result<Config, ConfigError> {
        let doc = self.read_document()?;
        let sealer = self.sealer()?;
        Config::from_document(doc, &sealer)
    }

    /// Loads the configuration without its sealed token (for replacing a token that cannot be
    /// decrypted here, e.g. after the file was copied from another machine).
    pub fn load_without_token(&self) -> Result<Config, ConfigError> {
        let mut doc = self.read_document()?;
        if let Some(obj) = doc.as_object_mut() {
            obj.remove(TOKEN_KEY);
            obj.remove("api_token");
        }
        Config::from_value(doc)
    }

    /// Loads the configuration and applies the process environment's overrides.
    pub fn load_effective(&self) -> Result<(Config, Vec<Override>), ConfigError> {
        let mut config = self.load()?;
        let overrides = config.apply_process_env();
        Ok((config, overrides))
    }

    /// Writes the configuration atomically, keeping the previous file as `config.json.bak`.
    pub fn save(&self, config: &Config) -> Result<(), ConfigError> {
        let problems = check_schema(&serde_json::to_value(config).expect("serializes"));
        if !problems.is_empty() {
            return Err(ConfigError::Invalid(problems));
        }
        crate::private::dir(&self.config_dir).map_err(io_err(&self.config_dir))?;
        let doc = config.to_document(&self.sealer()?)?;
        let mut text = serde_json::to_string_pretty(&doc).expect("serializes");
        text.push('\n');
        write_atomic(&self.config_path(), text.as_bytes(), true)
    }

    /// Takes the instance's exclusive lock, held until the returned guard is dropped. A second
    /// holder, in this process or another, gets [`ConfigError::Locked`].
    pub fn lock(&self) -> Result<InstanceLock, ConfigError> {
        crate::private::dir(&self.config_dir).map_err(io_err(&self.config_dir))?;
        let path = self.config_dir.join(LOCK_FILE);
        let mut file = owner_only(OpenOptions::new().read(true).write(true).create(true))
            .truncate(false)
            .open(&path)
            .map_err(io_err(&path))?;
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim().to_string();
                return Err(ConfigError::Locked {
                    instance: self.name.clone(),
                    holder: (!holder.is_empty()).then_some(holder),
                });
            }
            Err(fs4::TryLockError::Error(e)) => return Err(io_err(&path)(e)),
        }
        file.set_len(0)
            .and_then(|()| file.write_all(std::process::id().to_string().as_bytes()))
            .and_then(|()| file.sync_all())
            .map_err(io_err(&path))?;
        Ok(InstanceLock { _file: file, path })
    }
}

/// Holds an instance's lock; dropping it releases the lock.
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
    path: PathBuf,
}

impl InstanceLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths() {
        assert_eq!(
            parse_key("converters.0.enabled").unwrap(),
            parse_key("converters[0].enabled").unwrap()
        );
        assert!(parse_key("").is_err());
        assert!(parse_key("a..b").is_err());
        assert!(parse_key("[0]").is_err());
        assert_eq!(
            render_path(&parse_key("converters.2.file_patterns.1").unwrap()),
            "converters[2].file_patterns[1]"
        );
    }

    #[test]
    fn set_and_get_paths() {
        let mut doc = serde_json::json!({"converters": []});
        set_path(&mut doc, "converters.0.name", "a".into()).unwrap();
        set_path(&mut doc, "converters[0].enabled", false.into()).unwrap();
        set_path(&mut doc, "x.y", 3.into()).unwrap();
        assert_eq!(get_path(&doc, "converters.0.name").unwrap(), "a");
        assert_eq!(get_path(&doc, "x.y").unwrap(), 3);
        assert!(set_path(&mut doc, "converters.5.name", "b".into()).is_err());
        assert!(get_path(&doc, "converters.1").is_err());
    }

    #[test]
    fn values_follow_the_schema() {
        assert_eq!(parse_value("station_name", "123").unwrap(), "123");
        assert_eq!(parse_value("converters.0.enabled", "no").unwrap(), false);
        assert_eq!(
            parse_value("converters.0.file_patterns", "*.xml, *.json").unwrap(),
            serde_json::json!(["*.xml", "*.json"])
        );
        assert!(parse_value("converters.0.priority", "high").is_err());
        assert_eq!(
            parse_value("custom", "{\"a\":1}").unwrap(),
            serde_json::json!({"a":1})
        );
        assert_eq!(parse_value("custom", "hello").unwrap(), "hello");
    }

    #[test]
    fn sealing_round_trips_and_binds_to_the_key() {
        let a = TokenSealer::new(b"machine-a", b"salt-salt-salt-salt");
        let b = TokenSealer::new(b"machine-b", b"salt-salt-salt-salt");
        let sealed = a.seal(&Secret::new("tok3n")).unwrap();
        assert!(!sealed.contains("tok3n"));
        assert_eq!(a.open(&sealed).unwrap().expose(), "tok3n");
        assert!(b.open(&sealed).is_err());
        assert!(a.open("garbage").is_err());
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?} {s}").contains("hunter2"));
        let c = Config {
            api_token: Some(s),
            ..Config::default()
        };
        assert!(!format!("{c:?}").contains("hunter2"));
        assert!(!c.redacted_json().to_string().contains("hunter2"));
    }
}
