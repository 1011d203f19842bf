//! `wats-client software list | install NAME [--version V] | installed`: released packages
//! from the server into the instance's software folder (see [`crate::software`]).

use std::path::PathBuf;

use crate::config::Instance;
use crate::software::{folder_for, Installer};
use anyhow::Context as _;
use clap::{Parser, Subcommand};

/// `software` arguments.
#[derive(Debug, Parser)]
pub struct Args {
    /// The software folder (default: `software_folder` in the configuration, else
    /// `<data folder>/software`).
    #[arg(long, value_name = "DIR", global = true)]
    folder: Option<PathBuf>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// The newest released version of every package, and which are installed.
    List,
    /// Download, verify and install a released package (the newest, or `--version`).
    Install {
        /// Package name.
        name: String,
        /// A released version other than the newest.
        #[arg(long)]
        version: Option<i64>,
    },
    /// The installed packages, and which the server has revoked.
    Installed,
}

fn installer(instance: &Instance, folder: Option<PathBuf>) -> anyhow::Result<Installer> {
    let dir = match folder {
        Some(d) => d,
        None => {
            let (config, _) = instance.load_effective()?;
            folder_for(instance, &config)
        }
    };
    Ok(Installer::new(dir))
}

/// The installed packages of an instance, one line each, for `status` (nothing when none).
pub fn installed_lines(instance: &Instance) -> Vec<String> {
    let Ok(i) = installer(instance, None) else {
        return Vec::new();
    };
    match i.installed() {
        Ok(list) => list
            .iter()
            .map(|p| {
                format!(
                    "software: {} v{} in {} ({} files, installed {})",
                    p.name,
                    p.version,
                    i.root().join(&p.folder).display(),
                    p.files,
                    p.installed_utc
                )
            })
            .collect(),
        Err(e) => vec![format!(
            "software: cannot read the installed packages: {e:#}"
        )],
    }
}

/// Runs `software`.
pub fn run(instance_name: &str, args: Args) -> anyhow::Result<()> {
    let instance = Instance::resolve(instance_name)?;
    let installer = installer(&instance, args.folder)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match args.command {
        Cmd::List => {
            let wats = super::upload::client(&instance)?;
            let installed = installer.installed()?;
            let available = runtime
                .block_on(wats.software().available(&[]))
                .with_context(|| format!("cannot list the packages of {}", wats.base_url()))?;
            if available.is_empty() {
                println!("no released packages on {}", wats.base_url());
            }
            for p in available {
                let name = p.name.clone().unwrap_or_default();
                let mark = match installed
                    .iter()
                    .find(|i| i.name.eq_ignore_ascii_case(&name))
                {
                    Some(i) if Some(i.package_id) == p.package_id => "installed".to_owned(),
                    Some(i) => format!("v{} installed", i.version),
                    None => String::new(),
                };
                println!("{name}\tv{}\t{mark}", p.version.unwrap_or(0));
            }
        }
        Cmd::Install { name, version } => {
            let wats = super::upload::client(&instance)?;
            let done = runtime.block_on(installer.install(&wats, &name, version))?;
            println!(
                "installed {} v{} into {} ({} files, {} bytes)",
                done.name,
                done.version,
                installer.root().join(&done.folder).display(),
                done.files,
                done.bytes
            );
        }
        Cmd::Installed => {
            let list = installer.installed()?;
            if list.is_empty() {
                println!("no packages installed in {}", installer.root().display());
            }
            let revoked = match super::upload::client(&instance) {
                Ok(wats) if !list.is_empty() => runtime
                    .block_on(installer.revoked(&wats, false))
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            for p in &list {
                let note = if revoked.iter().any(|r| r.package_id == p.package_id) {
                    "\trevoked or replaced on the server"
                } else {
                    ""
                };
                println!("{}\tv{}\t{}{note}", p.name, p.version, p.folder);
            }
        }
    }
    Ok(())
}
