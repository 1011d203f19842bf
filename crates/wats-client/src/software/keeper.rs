//! The scheduled part of software distribution: while the station runs, every
//! `software_check_minutes` (default 60) it reports (warns about) installed packages the
//! server has revoked and installs the newest release of each package named in
//! `software_packages`.

use std::time::Duration;

use super::{folder_for, Installed, Installer};
use crate::config::{Config, Instance};

/// How often the keeper looks when the configuration does not say.
pub const DEFAULT_CHECK: Duration = Duration::from_secs(3600);

/// What one round did.
#[derive(Debug, Default)]
pub struct Round {
    /// Packages installed or updated in this round.
    pub installed: Vec<Installed>,
    /// Installed packages the server has revoked.
    pub revoked: Vec<Installed>,
    /// Packages that could not be installed, with why.
    pub failed: Vec<(String, String)>,
}

/// The packages to keep, from `software_packages`.
pub fn configured(config: &Config) -> Vec<String> {
    config
        .extra
        .get("software_packages")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// One round: the installed packages the server has revoked are reported, then each
/// configured package is brought to its newest release (after a revocation, that is the
/// newest release still standing).
pub async fn keep_once(installer: &Installer, wats: &wats::Wats, names: &[String]) -> Round {
    let mut round = Round::default();
    match installer.revoked(wats, true).await {
        Ok(list) => {
            for r in &list {
                tracing::warn!(package = %r.name, version = r.version, "installed software is revoked on the server");
            }
            round.revoked = list;
        }
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "cannot ask the server for revoked software")
        }
    }
    for name in names {
        let before = installer
            .installed()
            .ok()
            .and_then(|l| l.into_iter().find(|i| i.name.eq_ignore_ascii_case(name)));
        match installer.install(wats, name, None).await {
            Ok(i) if before.as_ref().map(|b| b.package_id) != Some(i.package_id) => {
                tracing::info!(package = %i.name, version = i.version, "software installed");
                round.installed.push(i);
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(package = %name, error = %format!("{e:#}"), "software not installed");
                round.failed.push((name.clone(), format!("{e:#}")));
            }
        }
    }
    round
}

/// Starts the keeper when `software_packages` names any package.
pub fn spawn(
    instance: &Instance,
    config: &Config,
    wats: wats::Wats,
) -> Option<tokio::task::JoinHandle<()>> {
    let names = configured(config);
    if names.is_empty() {
        return None;
    }
    let every = config
        .extra
        .get("software_check_minutes")
        .and_then(|v| v.as_u64())
        .filter(|m| *m > 0)
        .map_or(DEFAULT_CHECK, |m| Duration::from_secs(m * 60));
    let installer = Installer::new(folder_for(instance, config));
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            keep_once(&installer, &wats, &names).await;
        }
    }))
}
