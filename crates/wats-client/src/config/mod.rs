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
//! The parts, by job:
//!
//! | module | job |
//! |---|---|
//! | `model` | the typed [`Config`] and [`ConverterConfig`], defaults, environment overrides, loading, saving, [`Config::problems`] |
//! | `schema` | the table of keys and kinds, [`check_schema`] |
//! | `keys` | dotted key paths for `config get/set/unset` ([`get_path`], [`set_path`], [`parse_value`]) |
//! | `seal` | the token sealed to this machine ([`TokenSealer`]) |
//! | `files` | atomic writes with a backup ([`write_atomic`]) |
//! | `instance` | instances, their folders and file names ([`Instance`], [`state`]), the instance lock |
//!
//! A new key is added in `model` (the field) and `schema` (its kind); `keys` and `seal` work on
//! any key.

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

mod files;
mod instance;
mod keys;
mod model;
mod schema;
mod seal;
#[cfg(test)]
mod tests;

pub use files::*;
pub use instance::*;
pub use keys::*;
pub use model::*;
pub use schema::*;
pub use seal::*;

use files::owner_only;
use keys::Segment;
use schema::{kind_of, Kind};

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
