//! `wats-client dashboard`: the running station's web dashboard, as a URL with a one-time login
//! token (valid for a few minutes, once), printed, and opened in a browser when a desktop is
//! present.

use crate::config::Instance;
use crate::control::client::ControlClient;
use anyhow::Context as _;

/// Arguments of `dashboard`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the URL only; do not open a browser.
    #[arg(long)]
    no_open: bool,
}

/// Asks the running station for a login token and prints the URL.
pub fn run(instance_name: &str, args: Args) -> anyhow::Result<()> {
    let instance = Instance::resolve(instance_name)?;
    let station = ControlClient::find(&instance)?.with_context(|| {
        format!("the station {instance_name:?} is not running (start it with `wats-client start`)")
    })?;
    let answer = station.call(reqwest::Method::POST, "/ui/login-token")?;
    let token = answer["token"]
        .as_str()
        .context("the station gave no login token")?;
    let base = public_base(&instance, station.base());
    let url = format!("{base}/ui/login?token={token}");
    println!("{url}");
    eprintln!(
        "The link signs in once, within {} minutes.",
        answer["expires_in_seconds"].as_u64().unwrap_or(300) / 60
    );
    if !args.no_open && desktop() {
        open(&url);
    }
    Ok(())
}

/// Where a browser reaches the station: the configured `dashboard_origin` (a TLS proxy), else
/// the control address (an unspecified one through loopback).
fn public_base(instance: &Instance, base: &str) -> String {
    let configured = instance
        .read_document()
        .ok()
        .and_then(|d| {
            d.get(crate::dashboard::security::ORIGIN_KEY)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        })
        .filter(|o| !o.trim().is_empty());
    match configured {
        Some(origin) => origin.trim_end_matches('/').to_string(),
        None => base
            .replace("://0.0.0.0:", "://127.0.0.1:")
            .replace("://[::]:", "://[::1]:"),
    }
}

fn desktop() -> bool {
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return true;
    }
    std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
}

fn open(url: &str) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    // Best effort: the URL is printed either way.
    let _ = std::process::Command::new(program)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
