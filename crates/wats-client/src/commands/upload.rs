//! `wats-client upload --file …` and `wats-client test-connection`: talk to the server
//! directly, without the queue.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::config::Instance;
use crate::intake;
use crate::station::LOCAL_USER;
use anyhow::{bail, Context as _};
use wats_convert::Registry;
use wats_report::format::DEFAULT_MAX_FILE_BYTES;

use crate::control::client::ControlClient as Station;

/// The client for the instance's server: the configured one, or in local mode the running
/// station's embedded server.
pub(crate) fn client(instance: &Instance) -> anyhow::Result<wats::Wats> {
    let (config, _) = instance.load_effective()?;
    let mut builder = wats::Wats::builder().timeout(Duration::from_secs(30));
    if config.service_address.trim().is_empty() {
        let station = Station::find(instance)?.context(
            "no server is configured (local mode) and the station is not running: start it, or `wats-client config set service_address URL`",
        )?;
        let status = station.get("/status")?;
        let url = status["server"]
            .as_str()
            .context("the station names no server")?;
        let password = std::fs::read_to_string(instance.local_password_path())
            .context("reading the local server's password")?;
        builder = builder
            .base_url(url)
            .credentials(LOCAL_USER, password.trim());
    } else {
        builder = builder.base_url(&config.service_address);
        if let Some(token) = &config.api_token {
            builder = builder.token(token.expose());
        }
    }
    Ok(builder.no_rate_limit().build()?)
}

/// `test-connection`: asks the server for its version; exit 1 when it cannot be reached or
/// refuses the credentials.
pub fn test_connection(instance_name: &str) -> anyhow::Result<()> {
    let instance = Instance::resolve(instance_name)?;
    let wats = client(&instance)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let started = Instant::now();
    let version = runtime
        .block_on(wats.app().version())
        .with_context(|| format!("cannot reach {}", wats.base_url()))?;
    let processes = runtime
        .block_on(wats.process().list())
        .with_context(|| format!("{} answered, but refused the credentials", wats.base_url()))?;
    println!(
        "{}: WATS {version}, {} processes, credentials accepted ({} ms)",
        wats.base_url(),
        processes.len(),
        started.elapsed().as_millis()
    );
    Ok(())
}

/// Arguments of `upload`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files (or folders: every file in them) to convert and upload now.
    #[arg(long = "file", short, required = true, value_name = "PATH")]
    files: Vec<PathBuf>,
    /// Use this converter instead of detecting the format.
    #[arg(long, value_name = "NAME")]
    converter: Option<String>,
    /// Converter arguments, `key=value` (repeatable).
    #[arg(long = "arg", value_name = "KEY=VALUE")]
    args: Vec<String>,
    /// Uploads in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
}

/// Converts and uploads files directly (with a progress bar); exit 1 if any failed. Each file
/// goes through the station's intake: the same ids the station would give it (uploading a file
/// twice replaces, never doubles) and the configured station identity.
pub fn run(instance_name: &str, args: Args) -> anyhow::Result<()> {
    let instance = Instance::resolve(instance_name)?;
    let wats = client(&instance)?;
    let (config, _) = instance.load_effective()?;
    let mut files = Vec::new();
    for path in &args.files {
        collect(path, &mut files)?;
    }
    let context = intake::context(super::convert::parse_args(&args.args)?, Some(&config));
    let registry = Registry::builtin();
    let forced = match &args.converter {
        Some(name) => Some(registry.get(name).with_context(|| {
            format!(
                "unknown converter {name:?}; available: {}",
                registry.names().join(", ")
            )
        })?),
        None => None,
    };
    let validator = intake::Rules::for_config(Some(&config)).validator();
    let recipe = intake::Recipe {
        registry: &registry,
        converter: forced.as_ref(),
        context: &context,
        validator: &validator,
        auto_truncate: None,
    };
    let bar = indicatif::ProgressBar::new(files.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} files  {per_sec}  eta {eta}  {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let semaphore = std::sync::Arc::new(tokio::sync::Semaphore::new(args.concurrency.max(1)));
    let mut failures = Vec::new();
    let mut uploaded = 0usize;
    runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for (path, relative) in files {
            let reports =
                match intake::convert_file(&path, &relative, DEFAULT_MAX_FILE_BYTES, &recipe) {
                    Ok(converted) => converted.reports,
                    Err(e) => {
                        bar.inc(1);
                        failures.push(e.describe(&path));
                        continue;
                    }
                };
            let permit = semaphore
                .clone()
                .acquire_owned()
                .await
                .expect("never closed");
            let wats = wats.clone();
            tasks.spawn(async move {
                let _permit = permit;
                for r in &reports {
                    wats.report()
                        .submit(&r.for_submission())
                        .await
                        .with_context(|| format!("{}: upload", path.display()))?;
                }
                anyhow::Ok(reports.len())
            });
            while let Some(done) = tasks.try_join_next() {
                settle(done, &bar, &mut uploaded, &mut failures);
            }
        }
        while let Some(done) = tasks.join_next().await {
            settle(done, &bar, &mut uploaded, &mut failures);
        }
    });
    bar.finish_and_clear();
    println!(
        "{uploaded} reports uploaded, {} files failed",
        failures.len()
    );
    for f in &failures {
        eprintln!("  {f}");
    }
    if !failures.is_empty() {
        bail!("{} files were not uploaded", failures.len());
    }
    Ok(())
}

fn settle(
    done: Result<anyhow::Result<usize>, tokio::task::JoinError>,
    bar: &indicatif::ProgressBar,
    uploaded: &mut usize,
    failures: &mut Vec<String>,
) {
    bar.inc(1);
    match done {
        Ok(Ok(n)) => *uploaded += n,
        Ok(Err(e)) => failures.push(format!("{e:#}")),
        Err(e) => failures.push(e.to_string()),
    }
}

/// The files to upload, each with its name relative to the folder given (a file given alone:
/// its file name), as the station names a file relative to its watch folder: the derived ids
/// are then the ones the station gives the same file dropped at the top of its inbox.
fn collect(path: &Path, out: &mut Vec<(PathBuf, PathBuf)>) -> anyhow::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .with_context(|| format!("reading {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        entries.sort();
        for p in entries {
            let relative = p.strip_prefix(path).unwrap_or(&p).to_path_buf();
            out.push((p, relative));
        }
    } else {
        let relative = PathBuf::from(path.file_name().unwrap_or(path.as_os_str()));
        out.push((path.to_path_buf(), relative));
    }
    Ok(())
}
