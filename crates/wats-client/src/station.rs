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

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;
use serde_json::Value;
use tokio::sync::{mpsc, watch};
use wats_convert::external::ExternalConverter;
use wats_convert::{Context, Converter, Registry};
use wats_report::{Uuid, Validator};

use crate::config::{Config, ConverterConfig, Instance, PostAction};
use crate::intake::{self, Converted, Ids};
use crate::metrics::Metrics;
use crate::queue::{Queue, QueueError, QueueOptions};
use crate::source::{ReadyFile, Source};
use crate::uploader::{Uploader, UploaderControl, UploaderOptions};

/// The user the station uses on its embedded server in local mode.
pub const LOCAL_USER: &str = "station";
/// The file (in the instance's data folder) holding the embedded server's password.
pub const LOCAL_PASSWORD_FILE: &str = "local-server.password";
/// The file (in the instance's data folder) holding the control API's secret.
pub const CONTROL_SECRET_FILE: &str = "control.secret";
/// The file (in the instance's data folder) saying where the running station's control API is.
pub const CONTROL_INFO_FILE: &str = "control.json";
/// The queue database in the instance's data folder.
pub const QUEUE_FILE: &str = "queue.sqlite";

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Stop the process.
    Stop,
    /// Read the configuration again and start over.
    Restart,
}

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

/// Why intake is paused, if it is.
#[derive(Debug, Default)]
pub struct Intake {
    paused: AtomicBool,
    reason: Mutex<Option<String>>,
    /// For a storage failure: when to try again (a full queue resumes when it has room).
    retry_at: Mutex<Option<Instant>>,
}

/// How long intake waits after a storage failure (disk full, I/O error) before trying again.
pub const STORAGE_RETRY: Duration = Duration::from_secs(5);

impl Intake {
    /// Pauses intake for `reason` (logged once per change). `retry_after` is set for storage
    /// failures; without it intake resumes when the queue has room.
    pub fn pause_for(&self, reason: String, retry_after: Option<Duration>) {
        if !self.paused.swap(true, Ordering::SeqCst) {
            tracing::error!(%reason, "intake paused: files stay in the watch folders");
        }
        *self.reason.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason);
        *self.retry_at.lock().unwrap_or_else(|p| p.into_inner()) =
            retry_after.map(|d| Instant::now() + d);
    }

    /// Pauses intake until the queue has room.
    pub fn pause(&self, reason: String) {
        self.pause_for(reason, None);
    }

    /// For a storage failure: is it time to try again? `None` when waiting for room.
    fn storage_retry_due(&self) -> Option<bool> {
        let at = *self.retry_at.lock().unwrap_or_else(|p| p.into_inner());
        at.map(|at| Instant::now() >= at)
    }
    /// Resumes intake.
    pub fn resume(&self) {
        if self.paused.swap(false, Ordering::SeqCst) {
            tracing::info!("intake resumed");
        }
        *self.reason.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
    /// Is intake paused?
    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }
    /// The reason of the pause.
    pub fn reason(&self) -> Option<String> {
        self.reason
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// What the control API sees of a running station.
pub struct Shared {
    /// The instance name.
    pub instance: String,
    /// The queue.
    pub queue: Arc<Queue>,
    /// The uploader's controls.
    pub uploader: UploaderControl,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Intake state.
    pub intake: Arc<Intake>,
    /// What the watch folders do not take (special files, folders, refused symlinks).
    pub skipped: crate::source::SkippedList,
    /// The configuration with the token redacted.
    pub config: Value,
    /// The server reports go to.
    pub server_url: String,
    /// A client for readiness probes (short timeout).
    pub probe: wats::Wats,
    /// True in local mode (embedded server).
    pub local_mode: bool,
    /// The inbox folder of local mode (or of a station without converters).
    pub inbox: Option<PathBuf>,
    /// The secret mutating control calls must present.
    pub secret: String,
    /// When the station started.
    pub started: SystemTime,
    /// Ask the run loop to stop or restart.
    pub exit: watch::Sender<Option<Exit>>,
    /// Ask the sources to rescan now.
    pub rescan: mpsc::UnboundedSender<()>,
}

/// One watch folder's conversion setup.
struct Setup {
    converter: Option<Arc<dyn Converter>>,
    context: Context,
    /// The target's rules (the embedded server's in local mode).
    validator: Validator,
    /// The configuration's `auto_truncate`, if it sets one (else the converter's choice).
    auto_truncate: Option<bool>,
    post_action: PostAction,
    watch: PathBuf,
    done: PathBuf,
    error: PathBuf,
    /// For a folder converter: when a unit folder is complete.
    folder: Option<FolderRule>,
}

/// How a configured converter takes its input (`converter_type`, pyWATS's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConverterType {
    /// One file at a time (the default).
    File,
    /// A folder per unit, ready when its marker file appears (and the other rules hold).
    Folder,
    /// A program run on a schedule; what it prints is queued.
    Scheduled,
}

/// The `converter_type` of a converter entry.
pub fn converter_type(c: &ConverterConfig) -> anyhow::Result<ConverterType> {
    match c
        .extra
        .get("converter_type")
        .and_then(Value::as_str)
        .unwrap_or("file")
    {
        "file" => Ok(ConverterType::File),
        "folder" => Ok(ConverterType::Folder),
        "scheduled" => Ok(ConverterType::Scheduled),
        other => anyhow::bail!(
            "converter {:?}: converter_type {other:?} is not file, folder or scheduled",
            c.name
        ),
    }
}

/// When a unit folder is ready: `readiness_marker` (default `COMPLETE.marker`) exists — that
/// is what the watch folder looks for — and it holds at least `min_file_count` files and a
/// file matching each of `expected_files`.
#[derive(Debug)]
struct FolderRule {
    min_files: usize,
    expected: Vec<(String, globset::GlobMatcher)>,
}

impl FolderRule {
    fn from(c: &ConverterConfig) -> anyhow::Result<FolderRule> {
        let min_files = c
            .extra
            .get("min_file_count")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        let mut expected = Vec::new();
        for p in c
            .extra
            .get("expected_files")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let glob = globset::Glob::new(p)
                .with_context(|| format!("converter {:?}: expected_files {p:?}", c.name))?;
            expected.push((p.to_string(), glob.compile_matcher()));
        }
        Ok(FolderRule {
            min_files,
            expected,
        })
    }

    /// `None` when ready, else what is missing.
    fn missing(&self, folder: &Path) -> Option<String> {
        let names: Vec<String> = std::fs::read_dir(folder)
            .ok()?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        if names.len() < self.min_files {
            return Some(format!(
                "{} files, {} expected",
                names.len(),
                self.min_files
            ));
        }
        self.expected
            .iter()
            .find(|(_, m)| !names.iter().any(|n| m.is_match(n)))
            .map(|(p, _)| format!("no file matches {p:?}"))
    }
}

/// The marker a folder converter waits for.
fn readiness_marker(c: &ConverterConfig) -> String {
    c.extra
        .get("readiness_marker")
        .and_then(Value::as_str)
        .unwrap_or("COMPLETE.marker")
        .to_string()
}

/// What a worker did with a file.
enum Verdict {
    /// Reports queued, post action done: ack.
    Done,
    /// Moved to the error folder: ack.
    Failed,
    /// Left in place (intake must pause): release.
    Defer { reason: String, queue_full: bool },
    /// The file is gone or changed: release, the source will see it again if it comes back.
    Vanished,
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
        let password = read_or_create_secret(&data.join(LOCAL_PASSWORD_FILE))?;
        let running = start_local_server(&config, &data, &password).await?;
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
        .timeout(Duration::from_secs(5))
        .no_retry()
        .no_circuit_breaker()
        .build()?;

    // A station without converters gets an inbox that takes every format.
    let mut inbox = None;
    if config.converters.is_empty() {
        let folder = data.join("inbox");
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
        data.join(QUEUE_FILE),
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
    let uploader = Uploader::spawn(queue.clone(), client, uploader_options)?;

    let metrics = Arc::new(Metrics::default());
    let intake = Arc::new(Intake::default());
    let (exit_tx, mut exit_rx) = watch::channel(None);
    let (rescan_tx, mut rescan_rx) = mpsc::unbounded_channel();
    let mut source = Source::start_many(source_configs, &crate::source::ledger_path(instance))?;
    let secret = read_or_create_secret(&data.join(CONTROL_SECRET_FILE))?;
    let shared = Arc::new(Shared {
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
    });
    let control = crate::control::serve(shared.clone(), &config.control_address, &data).await?;

    let scheduler = tokio::spawn(run_scheduled(
        scheduled,
        queue.clone(),
        metrics.clone(),
        exit_rx.clone(),
    ));
    if options.banner {
        print_banner(&shared, &config, control.addr, &data);
    }
    tracing::info!(instance = instance.name(), server = %server_url, local_mode, control = %control.addr, "station started");
    // Under systemd (Type=notify): ready now, then a watchdog ping from this loop, so a hung
    // loop gets the service restarted.
    let notifier = crate::systemd::Notifier::from_env();
    let _ = notifier.ready_with_status(&format!("uploading to {server_url}"));
    let mut watchdog = tokio::time::interval(
        crate::systemd::watchdog_interval().unwrap_or(Duration::from_secs(3600)),
    );

    let mut stop = std::pin::pin!(stop);
    let max_workers = options.workers.max(1);
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(PathBuf, Verdict)>();
    let mut in_flight = 0usize;
    let mut prune = tokio::time::interval(Duration::from_secs(3600));
    let mut intake_check = tokio::time::interval(Duration::from_secs(1));
    // Memory back to the system once a burst is over (see `release_memory`).
    let mut idle_check = tokio::time::interval(IDLE_TRIM_AFTER);
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
            file = source.next(), if in_flight < max_workers && !intake.is_paused() => {
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
    if let Err(e) = uploader.shutdown().await {
        tracing::error!(error = %e, "the uploader stopped with an error");
    }
    control.stop().await;
    if let Some(server) = local_server {
        server.stop().await?;
    }
    let _ = std::fs::remove_file(data.join(CONTROL_INFO_FILE));
    Ok(exit)
}

/// How long the station must be quiet (no file taken, no report delivered) after some work
/// before it gives freed memory back.
const IDLE_TRIM_AFTER: Duration = Duration::from_secs(10);

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

/// Acks or releases a file after its worker's verdict.
fn settle(source: &Source, path: &Path, verdict: Verdict, intake: &Intake, metrics: &Metrics) {
    let result = match verdict {
        Verdict::Done | Verdict::Failed => source.ack(path),
        Verdict::Vanished => source.release(path),
        Verdict::Defer { reason, queue_full } => {
            metrics.files_deferred.fetch_add(1, Ordering::Relaxed);
            if queue_full {
                intake.pause(format!(
                    "the queue is full ({reason}); waiting for uploads to make room"
                ));
            } else {
                intake.pause_for(reason, Some(STORAGE_RETRY));
            }
            source.release(path)
        }
    };
    if let Err(e) = result {
        tracing::error!(file = %path.display(), error = %e, "cannot record the file in the ledger");
    }
}

/// Resolves a configured converter.
fn setup(c: &ConverterConfig, config: &Config, registry: &Registry) -> anyhow::Result<Setup> {
    let kind = if c.converter.is_empty() {
        if registry.get(&c.name).is_some() {
            c.name.as_str()
        } else if c.extra.contains_key("command") {
            "external"
        } else {
            "auto"
        }
    } else {
        c.converter.as_str()
    };
    let converter: Option<Arc<dyn Converter>> = match kind {
        "auto" => None,
        "external" => {
            let spec = serde_json::to_value(c)?;
            Some(Arc::new(ExternalConverter::from_config(&spec).map_err(
                |e| anyhow::anyhow!("converter {:?}: {e}", c.name),
            )?))
        }
        name => Some(registry.get(name).ok_or_else(|| {
            anyhow::anyhow!(
                "converter {:?}: unknown converter {name:?}; available: auto, external, {}",
                c.name,
                registry.names().join(", ")
            )
        })?),
    };
    let context = crate::intake::context(c.arguments.clone(), Some(config));
    Ok(Setup {
        converter,
        context,
        validator: intake::Rules::for_config(Some(config)).validator(),
        auto_truncate: c.extra.get("auto_truncate").and_then(Value::as_bool),
        post_action: c.post_action,
        watch: PathBuf::from(&c.watch_folder),
        done: c.done_path(),
        error: c.error_path(),
        folder: None,
    })
}

/// A scheduled converter: a program run every `schedule_interval_seconds` (and at start when
/// `run_on_startup`), whose printed reports are queued.
struct ScheduledJob {
    name: String,
    converter: ExternalConverter,
    context: Context,
    validator: Validator,
    interval: Duration,
    run_on_startup: bool,
}

fn scheduled_job(c: &ConverterConfig, config: &Config) -> anyhow::Result<ScheduledJob> {
    let spec = serde_json::to_value(c)?;
    let converter = ExternalConverter::from_config(&spec)
        .map_err(|e| anyhow::anyhow!("scheduled converter {:?}: {e}", c.name))?;
    let seconds = c
        .extra
        .get("schedule_interval_seconds")
        .and_then(Value::as_f64)
        .filter(|s| *s >= 1.0)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "scheduled converter {:?}: schedule_interval_seconds (at least 1) is required",
                c.name
            )
        })?;
    Ok(ScheduledJob {
        name: c.name.clone(),
        converter,
        context: crate::intake::context(c.arguments.clone(), Some(config)),
        validator: intake::Rules::for_config(Some(config)).validator(),
        interval: Duration::from_secs_f64(seconds),
        run_on_startup: c
            .extra
            .get("run_on_startup")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

/// Runs the scheduled converters until the station stops; one run of a job at a time.
async fn run_scheduled(
    jobs: Vec<ScheduledJob>,
    queue: Arc<Queue>,
    metrics: Arc<Metrics>,
    mut exit: watch::Receiver<Option<Exit>>,
) {
    let mut tasks = tokio::task::JoinSet::new();
    for job in jobs {
        let (queue, metrics) = (queue.clone(), metrics.clone());
        let job = Arc::new(job);
        tasks.spawn(async move {
            let start = if job.run_on_startup {
                tokio::time::Instant::now()
            } else {
                tokio::time::Instant::now() + job.interval
            };
            let mut ticks = tokio::time::interval_at(start, job.interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                ticks.tick().await;
                let (job, queue, metrics) = (job.clone(), queue.clone(), metrics.clone());
                let _ = tokio::task::spawn_blocking(move || run_job(&job, &queue, &metrics)).await;
            }
        });
    }
    let _ = exit.changed().await;
    tasks.abort_all();
}

fn run_job(job: &ScheduledJob, queue: &Queue, metrics: &Metrics) {
    let mut reports = match job.converter.run(None, &job.context) {
        Ok(r) => r,
        Err(e) => {
            metrics.files_failed.fetch_add(1, Ordering::Relaxed);
            tracing::error!(converter = %job.name, error = %e, "scheduled converter failed");
            return;
        }
    };
    if let Err(problems) =
        intake::prepare(&mut reports, Ids::FromContent, &job.context, &job.validator)
    {
        metrics.files_failed.fetch_add(1, Ordering::Relaxed);
        tracing::error!(converter = %job.name, error = %problems.join("; "), "scheduled converter printed an invalid report; nothing queued");
        return;
    }
    for report in &reports {
        match queue.enqueue(report, None) {
            Ok(_) => {
                metrics.reports_queued.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                tracing::error!(converter = %job.name, error = %e, "cannot queue a scheduled report")
            }
        }
    }
}

/// Converts one file and queues its reports, then does the post action. Runs on a blocking
/// thread.
fn process(
    file: &ReadyFile,
    setups: &HashMap<String, Setup>,
    registry: &Registry,
    queue: &Queue,
    metrics: &Metrics,
    max_bytes: u64,
) -> Verdict {
    let started = Instant::now();
    let Some(setup) = setups.get(&file.source) else {
        return Verdict::Vanished;
    };
    if let Some(reason) = &file.refused {
        // A symlink that may not be followed: moved aside with the reason, target unread.
        return fail(setup, &file.path, None, reason, metrics);
    }
    // A folder converter's unit is the folder holding the marker.
    let unit_folder = setup.folder.as_ref().map(|rule| {
        let folder = file.path.parent().unwrap_or(&setup.watch).to_path_buf();
        (rule, folder)
    });
    if let Some((rule, folder)) = &unit_folder {
        if let Some(missing) = rule.missing(folder) {
            tracing::debug!(folder = %folder.display(), %missing, "unit folder not complete yet");
            return Verdict::Vanished;
        }
    }
    let marker = &file.path;
    let path: &Path = match &unit_folder {
        Some((_, folder)) => folder,
        None => marker,
    };
    let bytes = match wats_report::format::read_limited(marker, max_bytes) {
        Ok(bytes) => bytes,
        Err(wats_report::ReadError::Io { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            return Verdict::Vanished
        }
        Err(e) => return fail(setup, path, None, &e.to_string(), metrics),
    };
    // The file must still be the one the source hashed: a writer may have come back.
    if intake::content_hash(&bytes) != file.hash {
        return Verdict::Vanished;
    }
    metrics
        .bytes_read
        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
    let relative = path.strip_prefix(&setup.watch).unwrap_or(path);
    let recipe = intake::Recipe {
        registry,
        converter: setup.converter.as_ref(),
        context: &setup.context,
        validator: &setup.validator,
        auto_truncate: setup.auto_truncate,
    };
    let Converted {
        converter,
        reports,
        truncated,
    } = match intake::convert(path, relative, &bytes, &file.hash, &recipe) {
        Ok(converted) => converted,
        Err(e) => return fail(setup, path, e.converter(), &e.to_string(), metrics),
    };
    if !truncated.is_empty() {
        tracing::warn!(file = %path.display(), converter = converter.name(), cuts = %truncated.join("; "), "texts over WATS's limits cut (AutoTruncate); the cut is recorded in the report");
    }
    for report in &reports {
        match queue.enqueue(report, Some(path)) {
            Ok(_) => {
                metrics.reports_queued.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                let queue_full = matches!(e, QueueError::Full { .. });
                return Verdict::Defer {
                    reason: format!("{}: {e}", path.display()),
                    queue_full,
                };
            }
        }
    }
    metrics.files_converted.fetch_add(1, Ordering::Relaxed);
    metrics.conversion_latency.observe(started.elapsed());
    match setup.post_action {
        PostAction::Move => {
            if let Err(e) = move_into(path, &setup.watch, &setup.done) {
                tracing::error!(file = %path.display(), error = %e, "reports queued, but the file could not be moved to the done folder");
            }
        }
        PostAction::Delete => {
            if let Err(e) = std::fs::remove_file(path) {
                tracing::error!(file = %path.display(), error = %e, "reports queued, but the file could not be deleted");
            }
        }
        PostAction::Keep => {}
    }
    tracing::debug!(file = %path.display(), converter = converter.name(), reports = reports.len(), "converted");
    Verdict::Done
}

/// Moves a file that could not be converted into the error folder, with a `.error` note.
fn fail(
    setup: &Setup,
    path: &Path,
    converter: Option<&str>,
    message: &str,
    metrics: &Metrics,
) -> Verdict {
    metrics.files_failed.fetch_add(1, Ordering::Relaxed);
    tracing::warn!(file = %path.display(), error = %message, "file not converted; moved to the error folder");
    match move_into(path, &setup.watch, &setup.error) {
        Ok(moved) => {
            let mut note = moved.clone().into_os_string();
            note.push(".error");
            let text = format!(
                "file: {}\nwhen: {}\nconverter: {}\nerror: {}\n",
                path.display(),
                chrono::Local::now().to_rfc3339(),
                converter.unwrap_or("auto-detect"),
                message
            );
            if let Err(e) = std::fs::write(&note, text) {
                tracing::error!(note = %PathBuf::from(note).display(), error = %e, "cannot write the .error note");
            }
            Verdict::Failed
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Verdict::Vanished,
        Err(e) => {
            tracing::error!(file = %path.display(), error = %e, "cannot move the file to the error folder; it stays in place");
            Verdict::Failed
        }
    }
}

/// Moves `path` (inside `watch`) to the same relative place under `target`, never
/// overwriting: `name (2).ext` when the name is taken. Returns the new path.
fn move_into(path: &Path, watch: &Path, target: &Path) -> std::io::Result<PathBuf> {
    let relative = path
        .strip_prefix(watch)
        .unwrap_or_else(|_| Path::new(path.file_name().unwrap_or_default()));
    let mut dest = target.join(relative);
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let stem = dest
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = dest
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let mut n = 2;
    while dest.exists() {
        dest.set_file_name(format!("{stem} ({n}){ext}"));
        n += 1;
    }
    match std::fs::rename(path, &dest) {
        Ok(()) => Ok(dest),
        // Another file system: copy, sync, then remove the original.
        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
            std::fs::copy(path, &dest)?;
            std::fs::File::open(&dest)?.sync_all()?;
            std::fs::remove_file(path)?;
            Ok(dest)
        }
        Err(e) => Err(e),
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Reads a secret file, creating it (owner-only) with a random value on first use.
pub fn read_or_create_secret(path: &Path) -> anyhow::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(s) if !s.trim().is_empty() => return Ok(s.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    }
    let mut raw = [0u8; 24];
    getrandom::getrandom(&mut raw).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let secret = hex(&raw);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(secret.as_bytes())?;
    file.sync_all()?;
    Ok(secret)
}

/// Starts the embedded server on the configured address, or on a free port when that one is
/// taken (another instance).
async fn start_local_server(
    config: &Config,
    data: &Path,
    password: &str,
) -> anyhow::Result<wats_server::Running> {
    let wanted: std::net::SocketAddr = config.local_server_address.parse().with_context(|| {
        format!(
            "local_server_address {:?} is not an address like 127.0.0.1:8780",
            config.local_server_address
        )
    })?;
    let server_config = |listen| wats_server::Config {
        listen,
        database: wats_server::Database::Dir(data.join("server")),
        admin: Some((LOCAL_USER.to_string(), password.to_string())),
        max_body_bytes: wats_server::DEFAULT_MAX_BODY_BYTES,
    };
    match wats_server::start(server_config(wanted)).await {
        Ok(running) => Ok(running),
        Err(e) if wanted.port() != 0 && format!("{e:#}").contains("cannot listen") => {
            tracing::warn!(address = %wanted, "the local server address is taken; using a free port");
            let mut any = wanted;
            any.set_port(0);
            wats_server::start(server_config(any)).await
        }
        Err(e) => Err(e),
    }
}

fn print_banner(shared: &Shared, config: &Config, control: std::net::SocketAddr, data: &Path) {
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
            data.join(LOCAL_PASSWORD_FILE).display()
        ));
        lines.push(format!(
            "    e.g. curl -u {LOCAL_USER}:$(cat '{}') {}/api/Report/Query/Header",
            data.join(LOCAL_PASSWORD_FILE).display(),
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
    let path = instance.data_dir().join(QUEUE_FILE);
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
