//! Instances: their config and data folders, the names of the files in them, the lock.

use super::*;

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
