//! `wats-client converters list|detect|enable|disable`.

use std::path::PathBuf;

use crate::config::Instance;
use anyhow::{bail, Context as _};
use wats_convert::{Registry, Source};
use wats_report::format::{read_limited, DEFAULT_MAX_FILE_BYTES};

/// Arguments of `converters`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// The converters this build knows, and the ones the instance configures.
    List,
    /// Every converter's confidence that it can read FILE, best first.
    Detect {
        /// The file.
        file: PathBuf,
    },
    /// Enable a configured converter (by its `name` in the configuration).
    Enable {
        /// The configured converter's name.
        name: String,
    },
    /// Disable a configured converter.
    Disable {
        /// The configured converter's name.
        name: String,
    },
}

/// Runs the subcommand.
pub fn run(instance_name: &str, args: Args) -> anyhow::Result<()> {
    let registry = Registry::builtin();
    match args.command {
        Command::List => {
            println!(
                "{:<20} {:<8} {:<18} DESCRIPTION",
                "NAME", "VERSION", "PATTERNS"
            );
            for c in registry.iter() {
                println!(
                    "{:<20} {:<8} {:<18} {}",
                    c.name(),
                    c.version(),
                    c.patterns().join(","),
                    c.description()
                );
            }
            let instance = Instance::resolve(instance_name)?;
            if instance.exists() {
                let config = instance.load_without_token()?;
                println!("\nconfigured in {:?}:", instance.name());
                if config.converters.is_empty() {
                    println!("  (none: `start` watches an inbox with auto-detection)");
                }
                for c in &config.converters {
                    let kind = if c.converter.is_empty() {
                        &c.name
                    } else {
                        &c.converter
                    };
                    println!(
                        "  {:<16} {:<9} converter {:<18} watches {}",
                        c.name,
                        if c.enabled { "enabled" } else { "disabled" },
                        kind,
                        c.watch_folder
                    );
                }
            }
        }
        Command::Detect { file } => {
            let bytes = read_limited(&file, DEFAULT_MAX_FILE_BYTES)?;
            let source = Source::new(&file, &bytes);
            let scores = registry.detect(&source);
            for d in &scores {
                println!("{:>5.2}  {}", d.confidence, d.name);
            }
            match registry.best(&source) {
                Some((c, _)) => println!("→ {}", c.name()),
                None => println!("→ no converter recognises this file"),
            }
        }
        Command::Enable { name } => set_enabled(instance_name, &name, true)?,
        Command::Disable { name } => set_enabled(instance_name, &name, false)?,
    }
    Ok(())
}

fn set_enabled(instance_name: &str, name: &str, enabled: bool) -> anyhow::Result<()> {
    let instance = Instance::resolve(instance_name)?;
    let mut config = instance
        .load()
        .with_context(|| format!("loading {}", instance.config_path().display()))?;
    let Some(c) = config.converters.iter_mut().find(|c| c.name == name) else {
        let names: Vec<_> = config.converters.iter().map(|c| c.name.as_str()).collect();
        bail!("no converter named {name:?} is configured (configured: {names:?})");
    };
    c.enabled = enabled;
    instance.save(&config)?;
    println!(
        "{name} {} (a running station picks this up on `wats-client restart`)",
        if enabled { "enabled" } else { "disabled" }
    );
    Ok(())
}
