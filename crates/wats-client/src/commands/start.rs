//! `wats-client start`: run the station in the foreground until Ctrl+C, SIGTERM, `stop`.

use crate::config::{Config, Instance};
use crate::station::{self, Exit, RunOptions};
use anyhow::Context as _;

/// Arguments of `start`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Do not print the banner.
    #[arg(long)]
    no_banner: bool,
    /// Files converted at once (default: twice the number of cores, at most 8).
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// Files larger than this many bytes go to the error folder unread.
    #[arg(long, value_name = "BYTES", default_value_t = wats_report::format::DEFAULT_MAX_FILE_BYTES)]
    max_bytes: u64,
}

/// Runs the station; `restart` (control API) reads the configuration again and starts over.
pub fn run(instance_name: &str, log: &crate::logging::LogArgs, args: Args) -> anyhow::Result<()> {
    let instance = Instance::resolve(instance_name)?;
    let _log = crate::logging::init(&instance, &log.service())?;
    if !instance.exists() {
        // First start on a fresh machine: local mode, an inbox, nothing to answer.
        let config = Config {
            station_name: wats_report::builder::host_name()
                .unwrap_or("station")
                .to_string(),
            ..Config::default()
        };
        instance.save(&config)?;
        println!(
            "Created the configuration {} (local mode; `wats-client config init` to connect to a WATS server).",
            instance.config_path().display()
        );
    }
    let mut options = RunOptions {
        max_file_bytes: args.max_bytes,
        banner: !args.no_banner,
        ..RunOptions::default()
    };
    if let Some(n) = args.workers {
        options.workers = n.max(1);
    }
    // Tuning knobs for tests and for sites that want a different retry pace.
    let millis = |k: &str| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(std::time::Duration::from_millis)
    };
    if let Some(base) = millis("WATS_CLIENT_BACKOFF_BASE_MS") {
        options.uploader.backoff_base = base;
        options.uploader.backoff_min = options.uploader.backoff_min.min(base);
        options.uploader.poll_interval = options.uploader.poll_interval.min(base * 5);
    }
    if let Some(cap) = millis("WATS_CLIENT_BACKOFF_CAP_MS") {
        options.uploader.backoff_cap = cap;
    }
    if let Some(max) = millis("WATS_CLIENT_RECONNECT_MAX_MS") {
        options.reconnect_max = Some(max);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    loop {
        let exit = runtime.block_on(station::run(&instance, options.clone(), shutdown_signal()))?;
        match exit {
            Exit::Stop => return Ok(()),
            Exit::Restart => {
                println!("Restarting with the configuration read again.");
                options.banner = false;
            }
        }
    }
}

/// Resolves on Ctrl+C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
