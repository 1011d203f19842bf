//! The typed configuration: defaults, environment overrides, loading, saving, problems.

use super::*;

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
        // The serial-number pools (a key of their own module, kept in `extra`).
        problems.extend(crate::serial_pool::config_problems(&self.extra));
        // The dashboard's public origin (a key of its own module, kept in `extra`).
        if let Some(p) = crate::dashboard::security::origin_problem(&self.extra) {
            problems.push(p);
        }
        problems
    }

    /// The settle time as a duration.
    pub fn settle(&self) -> Duration {
        Duration::from_secs_f64(self.settle_seconds.max(0.0))
    }
}
