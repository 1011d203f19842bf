//! `wats-client config init|show|get|set|validate|path`: the instance's configuration file.
//!
//! `get` and `set` take dotted key paths (`converters.0.enabled` or `converters[0].enabled`)
//! and work on the file as stored; environment overrides only show in `show` and `validate`.
//! The token is write-only: `set api_token` seals it, `get` refuses it, `show` redacts it.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use crate::config::{self, is_token_key, Config, ConfigError, ConverterConfig, Instance, Secret};
use anyhow::{bail, Context};
use serde_json::Value;

/// Arguments of `config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Create the instance's configuration (asks for each setting unless --non-interactive).
    Init(InitArgs),
    /// Print the configuration as the station sees it (environment overrides applied, token
    /// redacted).
    Show {
        /// Print the file as stored, without environment overrides.
        #[arg(long)]
        stored: bool,
    },
    /// Print one setting, by dotted key path (e.g. `converters.0.watch_folder`).
    Get {
        /// The key path.
        key: String,
    },
    /// Change one setting, by dotted key path; the file is validated before it is written.
    Set {
        /// The key path (`converters.0.enabled`; `converters.N` with N = the count appends).
        key: String,
        /// The value: typed by the key (`true`, `5`, `*.xml,*.json`), JSON for unknown keys;
        /// for `api_token`, `-` reads it from standard input.
        value: String,
    },
    /// Remove one setting or one array entry (`converters.1`); a known setting falls back to
    /// its default.
    Unset {
        /// The key path.
        key: String,
    },
    /// Check the configuration; every problem is printed with its key path.
    Validate,
    /// Print the path of the instance's configuration file.
    Path,
}

/// Arguments of `config init`.
#[derive(Debug, clap::Args)]
struct InitArgs {
    /// Do not ask; take the settings from the flags (and defaults).
    #[arg(long)]
    non_interactive: bool,
    /// Replace an existing configuration (its unknown keys are kept).
    #[arg(long)]
    force: bool,
    /// The WATS server URL (`service_address`).
    #[arg(long, visible_alias = "service-address", value_name = "URL")]
    server_url: Option<String>,
    /// The API token (stored encrypted). Prefer the interactive prompt or `WATS_AUTH_TOKEN`:
    /// a command line is visible to other users.
    #[arg(long, value_name = "TOKEN")]
    api_token: Option<String>,
    /// The station name (default: the host name).
    #[arg(long, value_name = "NAME")]
    station_name: Option<String>,
    /// The station's location.
    #[arg(long, value_name = "TEXT")]
    location: Option<String>,
    /// The station's purpose.
    #[arg(long, value_name = "TEXT")]
    purpose: Option<String>,
    /// Add a converter watching this folder.
    #[arg(long, value_name = "DIR")]
    watch_folder: Option<PathBuf>,
    /// The watched files' glob patterns (repeatable; default `*.*`).
    #[arg(long = "file-pattern", value_name = "GLOB")]
    file_patterns: Vec<String>,
    /// The converter's name (default `default`).
    #[arg(long, value_name = "NAME", default_value = "default")]
    converter_name: String,
}

/// Runs a `config` subcommand for `instance`.
pub fn run(instance: &str, args: Args) -> anyhow::Result<()> {
    let instance = Instance::resolve(instance)?;
    match args.command {
        Command::Init(init) => run_init(&instance, init),
        Command::Show { stored } => {
            let mut config = instance.load()?;
            if !stored {
                for o in config.apply_process_env() {
                    eprintln!("note: {} comes from ${}", o.key, o.variable);
                }
            }
            println!("{}", serde_json::to_string_pretty(&config.redacted_json())?);
            Ok(())
        }
        Command::Get { key } => {
            if is_token_key(&key) {
                bail!("the token is never printed; `config show` says whether one is set");
            }
            // The stored settings with the defaults filled in (a file that does not load is
            // refused, so `get` never disagrees with the station).
            let doc = serde_json::to_value(Config::from_value(instance.read_document()?)?)?;
            match config::get_path(&doc, &key)? {
                Value::String(s) => println!("{s}"),
                other => println!("{}", serde_json::to_string_pretty(other)?),
            }
            Ok(())
        }
        Command::Set { key, value } => run_set(&instance, &key, &value),
        Command::Unset { key } => {
            if is_token_key(&key) {
                return run_set(&instance, "api_token", "");
            }
            let sealer = instance.sealer()?;
            let mut doc = instance.read_document()?;
            config::remove_path(&mut doc, &key)?;
            instance.save(&Config::from_document(doc, &sealer)?)?;
            eprintln!("{key} removed from {}", instance.config_path().display());
            Ok(())
        }
        Command::Validate => run_validate(&instance),
        Command::Path => {
            println!("{}", instance.config_path().display());
            Ok(())
        }
    }
}

fn run_set(instance: &Instance, key: &str, value: &str) -> anyhow::Result<()> {
    let sealer = instance.sealer()?;
    let mut config = if is_token_key(key) {
        // The old token is replaced, so it need not (and may not) decrypt here.
        let mut config = match instance.load_without_token() {
            Ok(config) => config,
            Err(ConfigError::Missing(_)) => Config::default(),
            Err(e) => return Err(e.into()),
        };
        let value = if value == "-" {
            // From standard input, so the token is not on a command line.
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim().to_string()
        } else {
            value.to_string()
        };
        config.api_token = (!value.is_empty()).then(|| Secret::new(value));
        config
    } else {
        let mut doc = match instance.read_document() {
            Ok(doc) => doc,
            Err(ConfigError::Missing(_)) => Config::default().to_document(&sealer)?,
            Err(e) => return Err(e.into()),
        };
        let parsed = config::parse_value(key, value)?;
        config::set_path(&mut doc, key, parsed)?;
        Config::from_document(doc, &sealer)?
    };
    instance.save(&config)?;
    if is_token_key(key) {
        eprintln!(
            "api_token {}",
            if config.api_token.is_some() {
                "set (stored encrypted)"
            } else {
                "cleared"
            }
        );
    } else {
        eprintln!("{key} set in {}", instance.config_path().display());
    }
    config.apply_process_env();
    for p in config.problems() {
        eprintln!("warning: {p}");
    }
    warn_exposed(&config);
    Ok(())
}

/// A control address other machines reach is worth a warning (issue 16).
fn warn_exposed(config: &Config) {
    if let Some(w) = crate::dashboard::security::exposure_warning(&config.control_address) {
        eprintln!("warning: {w}");
    }
}

fn run_validate(instance: &Instance) -> anyhow::Result<()> {
    let path = instance.config_path();
    let (config, _) = match instance.load_effective() {
        Ok(loaded) => loaded,
        Err(ConfigError::Invalid(problems)) => {
            for p in &problems {
                eprintln!("{p}");
            }
            bail!("{}: {} problem(s)", path.display(), problems.len());
        }
        Err(e) => return Err(e.into()),
    };
    let problems = config.problems();
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("{p}");
        }
        bail!("{}: {} problem(s)", path.display(), problems.len());
    }
    warn_exposed(&config);
    println!("{}: ok", path.display());
    Ok(())
}

fn run_init(instance: &Instance, args: InitArgs) -> anyhow::Result<()> {
    let path = instance.config_path();
    let mut config = if instance.exists() {
        if !args.force {
            bail!(
                "{} already exists; use `config set` to change it, or `config init --force` to \
                 start over",
                path.display()
            );
        }
        match instance.load() {
            Ok(config) => config,
            Err(ConfigError::Token(e)) => {
                eprintln!("warning: {e}; the token is not kept");
                instance.load_without_token()?
            }
            Err(e @ (ConfigError::Invalid(_) | ConfigError::Json { .. })) => {
                eprintln!(
                    "warning: starting from the defaults ({e}); the old file stays in {}",
                    config::backup_path(&path).display()
                );
                Config::default()
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        Config::default()
    };
    if args.non_interactive {
        if let Some(v) = args.server_url {
            config.service_address = v;
        }
        if let Some(v) = args.api_token {
            config.api_token = (!v.is_empty()).then(|| Secret::new(v));
        }
        config.station_name = args
            .station_name
            .unwrap_or_else(|| non_empty_or(&config.station_name, host_name()));
        if let Some(v) = args.location {
            config.location = v;
        }
        if let Some(v) = args.purpose {
            config.purpose = v;
        }
        if let Some(dir) = args.watch_folder {
            add_converter(&mut config, &args.converter_name, dir, args.file_patterns);
        }
    } else {
        let mut prompt = Prompt::new();
        config.service_address = prompt.ask(
            "WATS server URL (empty: local mode)",
            args.server_url
                .as_deref()
                .unwrap_or(&config.service_address),
        )?;
        let token = match args.api_token {
            Some(t) => t,
            None => prompt.secret(if config.api_token.is_some() {
                "API token (empty: keep the current one)"
            } else {
                "API token (empty: none)"
            })?,
        };
        if !token.is_empty() {
            config.api_token = Some(Secret::new(token));
        }
        let default_station = non_empty_or(
            &config.station_name,
            args.station_name.unwrap_or_else(host_name),
        );
        config.station_name = prompt.ask("Station name", &default_station)?;
        config.location = prompt.ask(
            "Location",
            args.location.as_deref().unwrap_or(&config.location),
        )?;
        config.purpose = prompt.ask(
            "Purpose",
            args.purpose.as_deref().unwrap_or(&config.purpose),
        )?;
        let folder = prompt.ask(
            "Watch folder (empty: none)",
            &args
                .watch_folder
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        )?;
        if !folder.is_empty() {
            add_converter(
                &mut config,
                &args.converter_name,
                folder.into(),
                args.file_patterns,
            );
        }
    }
    instance
        .save(&config)
        .context("cannot write the configuration")?;
    println!("wrote {}", path.display());
    for p in config.problems() {
        eprintln!("warning: {p}");
    }
    Ok(())
}

/// The machine's name, or nothing for the user to fill in.
fn host_name() -> String {
    wats_report::builder::host_name()
        .unwrap_or_default()
        .to_string()
}

fn non_empty_or(current: &str, fallback: String) -> String {
    if current.is_empty() {
        fallback
    } else {
        current.to_string()
    }
}

fn add_converter(config: &mut Config, name: &str, dir: PathBuf, patterns: Vec<String>) {
    let dir = std::path::absolute(&dir).unwrap_or(dir);
    let mut converter = ConverterConfig {
        name: name.to_string(),
        watch_folder: dir.display().to_string(),
        ..ConverterConfig::default()
    };
    if !patterns.is_empty() {
        converter.file_patterns = patterns;
    }
    match config.converters.iter_mut().find(|c| c.name == name) {
        Some(existing) => {
            converter.extra = std::mem::take(&mut existing.extra);
            *existing = converter;
        }
        None => config.converters.push(converter),
    }
}

/// Questions on standard error, answers from standard input (a terminal or a pipe).
struct Prompt {
    input: std::io::StdinLock<'static>,
}

impl Prompt {
    fn new() -> Self {
        Self {
            input: std::io::stdin().lock(),
        }
    }

    fn line(&mut self) -> anyhow::Result<String> {
        let mut line = String::new();
        if self.input.read_line(&mut line)? == 0 {
            bail!("standard input ended before every setting was answered (use --non-interactive)");
        }
        Ok(line.trim().to_string())
    }

    fn ask(&mut self, question: &str, default: &str) -> anyhow::Result<String> {
        if default.is_empty() {
            eprint!("{question}: ");
        } else {
            eprint!("{question} [{default}]: ");
        }
        std::io::stderr().flush()?;
        let answer = self.line()?;
        Ok(if answer.is_empty() {
            default.to_string()
        } else {
            answer
        })
    }

    fn secret(&mut self, question: &str) -> anyhow::Result<String> {
        if std::io::stdin().is_terminal() {
            Ok(rpassword::prompt_password(format!("{question}: "))?
                .trim()
                .to_string())
        } else {
            eprint!("{question}: ");
            std::io::stderr().flush()?;
            self.line()
        }
    }
}
