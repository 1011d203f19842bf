//! The running station: watch folders → convert → durable queue → upload, plus the control
//! API, and in local mode an embedded `wats-server`.
//!
//! The order of the steps for one file is what makes it safe to kill the process at any
//! moment:
//!
//! 1. the source yields a stable file (size, mtime and hash settled);
//! 2. a worker reads it (bounded), converts it, freezes each report's identity (the id comes
//!    from the file, or is derived from the file's content and name, so a second conversion
//!    of the same file gives the same ids), validates it;
//! 3. every report is committed to the queue (fsync'ed);
//! 4. only then is the file moved to the done folder (or deleted, or kept);
//! 5. and the ledger records it (ack).
//!
//! A crash before 3 converts the file again; between 3 and 4 converts it again and the queue
//! recognises the ids (no duplicate); between 4 and 5 the file is already in the done folder.
//! A file no converter can read goes to the error folder with a `<name>.error` note saying why.
//! When the queue is full or the disk fails, the file is given back untouched and intake
//! pauses until the queue has room: nothing is lost, and the status says why.
//!
//! The jobs live in their own files: `setup` (a configured converter resolved for the run),
//! `worker` (one file through the pipeline), `files` (moves into done/error with notes),
//! `scheduled` (scheduled converters) and `local_server` (the embedded server of local mode).
//! This file holds the run loop; what the control API sees of it is `control::ControlState`,
//! built here. Whether intake is paused lives in `intake::pause`.

mod files;
mod local_server;
mod scheduled;
mod setup;
mod worker;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use tokio::sync::{mpsc, watch};
use wats_convert::Registry;
use wats_report::Uuid;

use crate::config::{Config, ConverterConfig, Instance};
use crate::control::ControlState;
use crate::durations;
use crate::metrics::Metrics;
use crate::queue::{Queue, QueueOptions};
use crate::source::Source;
use crate::uploader::{Uploader, UploaderOptions};

pub use crate::config::state::{
    CONTROL_INFO_FILE, CONTROL_SECRET_FILE, LOCAL_PASSWORD_FILE, QUEUE_FILE,
};
pub use crate::control::Exit;
pub use crate::intake::pause::{Intake, STORAGE_RETRY};
pub use crate::private::read_or_create_secret;
pub use local_server::LOCAL_USER;
pub use setup::{converter_type, ConverterType};

use local_server::start_local_server;
use scheduled::{run_scheduled, scheduled_job};
use setup::{readiness_marker, setup, FolderRule};
use worker::{process, settle, Verdict};

/// Settings of a run that are not in the configuration file.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Files larger than this go to the error folder unread.
    pub max_file_bytes: u64,
    /// Files converted at once.
    pub workers: usize,
    /// Uploader settings (concurrency and the reconnect cap come from the configuration).
    pub uploader: UploaderOptions,
    /// Replaces the configuration's `reconnect_max_seconds` (tests, `WATS_CLIENT_RECONNECT_MAX_MS`).
    pub reconnect_max: Option<Duration>,
    /// Print the banner (where to drop files, where to look) at start.
    pub banner: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            max_file_bytes: wats_report::format::DEFAULT_MAX_FILE_BYTES,
            // Two per core: a worker waits for the queue's fsync about as long as it
            // computes (measured: 371 → 487 files/s queued on 2 cores).
            workers: std::thread::available_parallelism()
                .map(|n| n.get() * 2)
                .unwrap_or(2)
                .clamp(1, 8),
            uploader: UploaderOptions::default(),
            reconnect_max: None,
            banner: true,
        }
    }
}

/// Runs the station of `instance` until it is asked to stop or restart (`stop` resolving,
/// the control API, or a storage failure of the queue).
pub async fn run(
    instance: &Instance,
    options: RunOptions,
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<Exit> {
    let _lock = instance.lock()?;
    let (mut config, overrides) = instance.load_effective()?;
    for o in &overrides {
        tracing::info!(
            key = o.key,
            variable = o.variable,
            "setting taken from the environment"
        );
    }
    let problems = config.problems();
    if !problems.is_empty() {
        let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        anyhow::bail!(
            "the configuration {} has problems:\n  {}",
            instance.config_path().display(),
            list.join("\n  ")
        );
    }
    let data = instance.data_dir().to_path_buf();
    crate::private::dir(&data).with_context(|| format!("creating {}", data.display()))?;

    // Local mode: an embedded server under the data folder.
    let local_mode = config.service_address.trim().is_empty();
    let mut local_server = None;
    let mut client = wats::Wats::builder();
    let server_url;
    if local_mode {
        let password = read_or_create_secret(&instance.local_password_path())?;
        let running = start_local_server(&config, &instance.server_dir(), &password).await?;
        server_url = format!("http://{}", running.addr);
        client = client
            .base_url(&server_url)
            .credentials(LOCAL_USER, &password);
        local_server = Some(running);
    } else {
        server_url = config.service_address.clone();
        client = client.base_url(&config.service_address);
        if let Some(token) = &config.api_token {
            client = client.token(token.expose());
        }
    }
    // The queue paces uploads; the SDK's request budget would only stall a backlog.
    // The queue paces uploads (backoff per entry); the SDK's request budget and circuit
    // breaker would only stall a backlog after an outage.
    let client = client.no_rate_limit().no_cache().no_circuit_breaker();
    let probe = client
        .clone()
        .timeout(durations::READY_PROBE_TIMEOUT)
        .no_retry()
        .no_circuit_breaker()
        .build()?;

    // A station without converters gets an inbox that takes every format.
    let mut inbox = None;
    if config.converters.is_empty() {
        let folder = instance.inbox_dir();
        config.converters.push(ConverterConfig {
            name: "inbox".into(),
            converter: "auto".into(),
            watch_folder: folder.display().to_string(),
            file_patterns: vec!["*".into()],
            ..ConverterConfig::default()
        });
        inbox = Some(folder);
    }
    let registry = Registry::builtin();
    let mut setups = HashMap::new();
    let mut scheduled = Vec::new();
    let mut source_configs = Vec::new();
    for c in config.converters.iter().filter(|c| c.enabled) {
        let kind = converter_type(c)?;
        if kind == ConverterType::Scheduled {
            scheduled.push(scheduled_job(c, &config)?);
            continue;
        }
        std::fs::create_dir_all(&c.watch_folder)
            .with_context(|| format!("creating the watch folder {}", c.watch_folder))?;
        let mut s = setup(c, &config, &registry)?;
        let mut source_config = crate::source::SourceConfig::from_converter(c, &config);
        if kind == ConverterType::Folder {
            if s.converter.is_none() {
                anyhow::bail!(
                    "converter {:?}: a folder converter needs a converter name or \"external\", not auto",
                    c.name
                );
            }
            s.folder = Some(FolderRule::from(c)?);
            source_config.patterns = vec![readiness_marker(c)];
            source_config.recursive = true;
        }
        setups.insert(c.name.clone(), s);
        source_configs.push(source_config);
    }
    let setups = Arc::new(setups);

    let queue = Arc::new(Queue::open(
        instance.queue_path(),
        QueueOptions {
            max_entries: config.max_queue_entries,
            ..QueueOptions::default()
        },
    )?);
    let mut uploader_options = options.uploader.clone();
    uploader_options.concurrency = config.upload_concurrency.max(1) as usize;
    uploader_options.reconnect_max = options
        .reconnect_max
        .unwrap_or(Duration::from_secs(config.reconnect_max_seconds.max(1)));
    // Software kept at its newest release, when `software_packages` names any (its own
    // client: the uploader's paces report uploads).
    let software = if crate::software::keeper::configured(&config).is_empty() {
        None
    } else {
        crate::software::keeper::spawn(instance, &config, client.clone().build()?)
    };
    let serial_pool = open_serial_pool(instance, &config, &client)?;
    let uploader = Uploader::spawn(queue.clone(), client, uploader_options)?;

    let metrics = Arc::new(Metrics::default());
    let intake = Arc::new(Intake::default());
    let (exit_tx, mut exit_rx) = watch::channel(None);
    let (rescan_tx, mut rescan_rx) = mpsc::unbounded_channel();
    // With every watched converter disabled (from the dashboard, say) there is no source, and
    // its closed channel must not read as "the sources ended": the station keeps uploading.
    let watching = !source_configs.is_empty();
    let mut source = Source::start_many(source_configs, &instance.ledger_path())?;
    let secret = read_or_create_secret(&instance.control_secret_path())?;
    let shared = Arc::new(ControlState {
        instance: instance.name().to_string(),
        queue: queue.clone(),
        uploader: uploader.control(),
        metrics: metrics.clone(),
        intake: intake.clone(),
        skipped: source.skipped(),
        config: config.redacted_json(),
        server_url: server_url.clone(),
        probe,
        local_mode,
        inbox: inbox.clone(),
        secret,
        started: SystemTime::now(),
        exit: exit_tx,
        rescan: rescan_tx,
        home: instance.clone(),
        serial_pool: serial_pool.clone(),
    });
    let refiller = serial_pool.map(|pool| {
        let (stop, stopped) = watch::channel(false);
        (stop, tokio::spawn(pool.run(stopped)))
    });
    let control = crate::control::serve(
        shared.clone(),
        &config.control_address,
        &instance.control_info_path(),
    )
    .await?;

    let scheduler = tokio::spawn(run_scheduled(
        scheduled,
        queue.clone(),
        metrics.clone(),
        exit_rx.clone(),
    ));
    if options.banner {
        print_banner(&shared, &config, control.addr, instance);
    }
    tracing::info!(instance = instance.name(), server = %server_url, local_mode, control = %control.addr, "station started");
    // Under systemd (Type=notify): ready now, then a watchdog ping from this loop, so a hung
    // loop gets the service restarted.
    let notifier = crate::systemd::Notifier::from_env();
    let _ = notifier.ready_with_status(&format!("uploading to {server_url}"));
    let mut watchdog = tokio::time::interval(
        crate::systemd::watchdog_interval().unwrap_or(durations::NO_WATCHDOG_TICK),
    );

    let mut stop = std::pin::pin!(stop);
    let max_workers = options.workers.max(1);
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(PathBuf, Verdict)>();
    let mut in_flight = 0usize;
    let mut prune = tokio::time::interval(durations::PRUNE_INTERVAL);
    let mut intake_check = tokio::time::interval(durations::INTAKE_CHECK);
    // Memory back to the system once a burst is over (see `release_memory`).
    let mut idle_check = tokio::time::interval(durations::IDLE_TRIM_AFTER);
    let activity =
        || metrics.files_seen.load(Ordering::Relaxed) + shared.uploader.status().uploaded;
    let (mut last_activity, mut trimmed_at) = (activity(), activity());
    let keep_done = Duration::from_secs(config.keep_done_hours.saturating_mul(3600));
    let exit = loop {
        tokio::select! {
            biased;
            _ = &mut stop => break Exit::Stop,
            changed = exit_rx.changed() => {
                match (changed, *exit_rx.borrow()) {
                    (Ok(()), Some(e)) => break e,
                    (Err(_), _) => break Exit::Stop,
                    _ => {}
                }
            }
            _ = watchdog.tick() => {
                let _ = notifier.watchdog();
            }
            Some((path, verdict)) = done_rx.recv() => {
                in_flight -= 1;
                settle(&source, &path, verdict, &intake, &metrics);
            }
            file = source.next(), if watching && in_flight < max_workers && !intake.is_paused() => {
                let Some(file) = file else { break Exit::Stop };
                in_flight += 1;
                metrics.files_seen.fetch_add(1, Ordering::Relaxed);
                let (setups, queue, metrics, registry, tx) =
                    (setups.clone(), queue.clone(), metrics.clone(), registry.clone(), done_tx.clone());
                let max = options.max_file_bytes;
                tokio::task::spawn_blocking(move || {
                    let path = file.path.clone();
                    let verdict = process(&file, &setups, &registry, &queue, &metrics, max);
                    let _ = tx.send((path, verdict));
                });
            }
            _ = intake_check.tick(), if intake.is_paused() => {
                match intake.storage_retry_due() {
                    Some(true) => intake.resume(),
                    Some(false) => {}
                    None => match queue.stats() {
                        Ok(stats) if stats.undelivered() < config.max_queue_entries => intake.resume(),
                        Ok(_) => {}
                        Err(e) => intake.pause_for(format!("the queue cannot be read: {e}"), Some(STORAGE_RETRY)),
                    },
                }
            }
            _ = idle_check.tick() => {
                // Quiet for a whole period after some work: give the freed memory back.
                let now = activity();
                if now == last_activity && now != trimmed_at && in_flight == 0 {
                    release_memory();
                    trimmed_at = now;
                }
                last_activity = now;
            }
            Some(()) = rescan_rx.recv() => source.rescan(),
            _ = prune.tick() => {
                let before = SystemTime::now() - keep_done;
                match queue.prune_done(before) {
                    Ok(n) if n > 0 => tracing::info!(pruned = n, "delivered entries pruned"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "pruning the queue failed"),
                }
            }
        }
    };

    tracing::info!(?exit, "station stopping");
    let _ = notifier.stopping();
    // Finish the files being converted (each takes at most one conversion).
    while in_flight > 0 {
        match done_rx.recv().await {
            Some((path, verdict)) => {
                in_flight -= 1;
                settle(&source, &path, verdict, &intake, &metrics);
            }
            None => break,
        }
    }
    source.stop();
    scheduler.abort();
    if let Some(software) = software {
        software.abort();
    }
    if let Some((stop, task)) = refiller {
        let _ = stop.send(true);
        let _ = task.await;
    }
    if let Err(e) = uploader.shutdown().await {
        tracing::error!(error = %e, "the uploader stopped with an error");
    }
    control.stop().await;
    if let Some(server) = local_server {
        server.stop().await?;
    }
    let _ = std::fs::remove_file(instance.control_info_path());
    Ok(exit)
}

/// The serial-number pools of the configuration (`serial_pools`), if any, with a client that
/// gives up quickly: a take waits on a refill only while the server answers.
fn open_serial_pool(
    instance: &Instance,
    config: &Config,
    client: &wats::WatsBuilder,
) -> anyhow::Result<Option<Arc<crate::serial_pool::SerialPool>>> {
    let pools = crate::serial_pool::configs(&config.extra).unwrap_or_default();
    if pools.is_empty() {
        return Ok(None);
    }
    let client = client
        .clone()
        .timeout(durations::READY_PROBE_TIMEOUT)
        .no_retry()
        .build()?;
    let path = instance.data_dir().join(crate::serial_pool::POOL_FILE);
    Ok(Some(Arc::new(crate::serial_pool::SerialPool::open(
        &path,
        pools,
        client,
        &config.station_name,
    )?)))
}

/// Returns the allocator's free memory to the system. glibc keeps what a burst of conversions
/// freed in its per-thread arenas (measured: 17 MB idle, 104 MB after 25 files, and it stayed
/// there); `malloc_trim` releases it. Elsewhere a no-op.
fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim only walks the allocator's own free lists.
        let released = unsafe { libc::malloc_trim(0) };
        tracing::debug!(
            released = released != 0,
            "idle: freed memory returned to the system"
        );
    }
}

fn print_banner(
    shared: &ControlState,
    config: &Config,
    control: std::net::SocketAddr,
    instance: &Instance,
) {
    let mut lines = Vec::new();
    let mode = if shared.local_mode {
        "local mode: embedded WATS server"
    } else {
        "uploading to a WATS server"
    };
    lines.push(format!(
        "WATS station {:?} is running ({mode})",
        shared.instance
    ));
    for c in config.converters.iter().filter(|c| c.enabled) {
        match converter_type(c) {
            Ok(ConverterType::Scheduled) => {
                lines.push(format!("  Runs {:?} on a schedule", c.name));
                continue;
            }
            Ok(ConverterType::Folder) => {
                lines.push(format!(
                    "  Unit folders in  {}   (ready when {} appears)",
                    c.watch_folder,
                    readiness_marker(c)
                ));
                continue;
            }
            _ => {}
        }
        let what = if c.converter.is_empty() || c.converter == "auto" {
            "any known format".to_string()
        } else {
            c.converter.clone()
        };
        lines.push(format!("  Drop files into   {}   ({what})", c.watch_folder));
        lines.push(format!(
            "    converted files → {}   unreadable files (+ .error note) → {}",
            c.done_path().display(),
            c.error_path().display()
        ));
    }
    lines.push(format!("  Reports go to     {}", shared.server_url));
    if shared.local_mode {
        lines.push(format!(
            "    user {LOCAL_USER}, password in {}",
            instance.local_password_path().display()
        ));
        lines.push(format!(
            "    e.g. curl -u {LOCAL_USER}:$(cat '{}') {}/api/Report/Query/Header",
            instance.local_password_path().display(),
            shared.server_url
        ));
    }
    lines.push(format!(
        "  Status            http://{control}/status   (or `wats-client --instance {} status`)",
        shared.instance
    ));
    lines.push("  Stop with Ctrl+C or `wats-client stop`.".to_string());
    println!("{}", lines.join("\n"));
}

/// The queue of an instance, opened without starting the station (for the CLI).
pub fn open_queue(instance: &Instance) -> anyhow::Result<Queue> {
    let path = instance.queue_path();
    if !path.exists() {
        anyhow::bail!(
            "no queue yet at {} (the station has not run)",
            path.display()
        );
    }
    Ok(Queue::open(path, QueueOptions::default())?)
}

/// A report id, for the CLI.
pub fn parse_id(text: &str) -> anyhow::Result<Uuid> {
    Uuid::parse_str(text.trim()).with_context(|| format!("{text:?} is not a report id (UUID)"))
}
