//! Watch-folder sources: which files are ready to be converted.
//!
//! A [`Source`] watches one folder (a converter's `watch_folder`) and yields each matching file
//! once it is **stable**, as a [`ReadyFile`] with its size, mtime and SHA-256. The rules:
//!
//! * **Events are hints, the rescan is the truth.** File-system events (`notify`, debounced)
//!   only say where to look. Every `rescan_interval` the whole folder is listed and compared
//!   with a **ledger** of the files already handed over, so events that were missed, folders
//!   on network shares (which deliver none: [`WatchMode::Poll`] skips the watcher) and files
//!   present at start are all found. A watcher that reports an overflow triggers a rescan.
//! * **Stable before read.** A file is yielded only after its size and mtime were seen unchanged
//!   for `settle`, it could be opened and hashed, and its size and mtime were still the same
//!   after hashing. A file still being written is therefore not yielded until the writer stops.
//! * **At least once, never twice when done.** A yielded file is *in flight* until the caller
//!   calls [`Source::ack`] (after durably queuing its reports) or [`Source::release`] (it
//!   could not take it now). `ack` records path, size, mtime and hash in the ledger (SQLite,
//!   `synchronous=FULL`), so after a restart an acked file is not yielded again; a file yielded
//!   but not acked before a crash is yielded again. A file whose size or mtime changed after
//!   its ack is hashed again, and yielded again if its content changed (a touch is not a
//!   change). When a file disappears from a folder that could be listed, its ledger entry is
//!   dropped, so a new file with the same name is a new file. A folder that cannot be listed
//!   (a share gone away) drops nothing.
//! * **Patterns**: glob patterns (`globset`) match the file name, or the path relative to the
//!   watch folder when the pattern contains a `/`. `recursive` descends into subfolders,
//!   except the excluded ones (a converter's done and error folders).
//!
//! By job: `ledger` (what was acked, in SQLite), `matcher` (which names are taken), `worker`
//! (the thread: events, rescans, settling, hashing); this file holds the [`Source`] handle.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use notify_debouncer_full::DebounceEventResult;
use tokio::sync::mpsc;

pub use crate::config::WatchMode;
use crate::config::{Config, ConverterConfig};

/// The ledger file inside an instance's data folder.
pub use crate::config::state::LEDGER_FILE;

/// What can go wrong with a source.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The ledger database failed.
    #[error("ledger {path}: {source}")]
    Ledger {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// A glob pattern does not parse.
    #[error("file pattern {pattern:?}: {source}")]
    Pattern {
        pattern: String,
        #[source]
        source: globset::Error,
    },
    /// `ack` or `release` of a path that is not in flight.
    #[error("{0} is not in flight (not yielded, or already acked or released)")]
    NotInFlight(PathBuf),
    /// A folder could not be created or read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A file that is stable and may be read: what was seen when it was hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadyFile {
    /// The source (converter) name.
    pub source: String,
    pub path: PathBuf,
    pub size: u64,
    pub mtime: SystemTime,
    /// SHA-256 of the content, lowercase hex (empty when `refused`).
    pub hash: String,
    /// Not taken: a symlink out of the watch folder (without `follow_symlinks`), a dangling
    /// one or a loop. Its target was not read; the station moves the link to the error folder
    /// with this reason in the note.
    pub refused: Option<String>,
}

/// How one folder is watched.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// The source's name (the converter's).
    pub name: String,
    pub folder: PathBuf,
    /// Glob patterns; a file matching any is taken.
    pub patterns: Vec<String>,
    pub recursive: bool,
    pub mode: WatchMode,
    /// Subfolders never descended into (done and error folders).
    pub exclude: Vec<PathBuf>,
    /// How long size and mtime must stay unchanged.
    pub settle: Duration,
    /// Time between two full rescans (and the poll period in [`WatchMode::Poll`]).
    pub rescan_interval: Duration,
    /// Take symlinks whose target is outside the folder (default: refuse them; a link to a
    /// file inside the folder is always taken).
    pub follow_symlinks: bool,
}

impl SourceConfig {
    /// A source for `folder` with the defaults: every file (`*`), not recursive, events, 2 s
    /// settle, 60 s rescan.
    pub fn new(name: impl Into<String>, folder: impl Into<PathBuf>) -> Self {
        Self {
            name: name.into(),
            folder: folder.into(),
            patterns: vec!["*".into()],
            recursive: false,
            mode: WatchMode::Events,
            exclude: Vec::new(),
            settle: crate::durations::SETTLE,
            rescan_interval: crate::durations::RESCAN_INTERVAL,
            follow_symlinks: false,
        }
    }

    /// The source of a configured converter (its done and error folders excluded).
    pub fn from_converter(converter: &ConverterConfig, config: &Config) -> Self {
        Self {
            name: converter.name.clone(),
            folder: PathBuf::from(&converter.watch_folder),
            patterns: converter.file_patterns.clone(),
            recursive: converter.recursive,
            mode: converter.watch_mode,
            exclude: vec![converter.done_path(), converter.error_path()],
            settle: config.settle(),
            rescan_interval: Duration::from_secs(config.rescan_interval_seconds.max(1)),
            follow_symlinks: converter
                .extra
                .get("follow_symlinks")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false),
        }
    }
}

mod ledger;
mod matcher;
mod worker;

pub use ledger::{Ledger, LedgerEntry};
use matcher::Matcher;
use worker::Worker;
pub use worker::{hash_file, hex};

// ---------------------------------------------------------------------------------------------
// Source

enum Msg {
    Fs(DebounceEventResult),
    Recheck(PathBuf),
    Rescan,
    Stop,
}

struct Shared {
    ledger: Ledger,
    /// The ledger's entries under this source's folder.
    seen: HashMap<PathBuf, LedgerEntry>,
    in_flight: HashMap<PathBuf, ReadyFile>,
    /// Entries matching the patterns that are not files to take (a FIFO, a socket, a device, a
    /// folder; a refused symlink), with why: each is logged once, shown in the status, and
    /// forgotten when it leaves the folder.
    skipped: BTreeMap<PathBuf, String>,
}

/// A view of what the sources skip, for the status (cheap to clone, valid while they run).
#[derive(Clone, Default)]
pub struct SkippedList(Vec<Arc<Mutex<Shared>>>);

impl SkippedList {
    /// The skipped entries and why, by path (at most `limit`).
    pub fn list(&self, limit: usize) -> Vec<(PathBuf, String)> {
        let mut all: Vec<(PathBuf, String)> = self
            .0
            .iter()
            .flat_map(|s| {
                lock(s)
                    .skipped
                    .iter()
                    .map(|(p, r)| (p.clone(), r.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        all.sort();
        all.truncate(limit);
        all
    }
}

impl std::fmt::Debug for SkippedList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SkippedList").finish_non_exhaustive()
    }
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(|p| p.into_inner())
}

/// One watched folder inside a [`Source`].
struct Watched {
    name: String,
    tx_msg: std_mpsc::Sender<Msg>,
    shared: Arc<Mutex<Shared>>,
    thread: Option<JoinHandle<()>>,
}

/// Running watch-folder sources (one thread per folder) feeding one stream of ready files.
/// Dropping it stops the threads.
pub struct Source {
    rx: mpsc::Receiver<ReadyFile>,
    watched: Vec<Watched>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("names", &self.names())
            .finish()
    }
}

/// `<instance data dir>/ledger.sqlite`
pub fn ledger_path(instance: &crate::config::Instance) -> PathBuf {
    instance.ledger_path()
}

fn start_one(
    config: SourceConfig,
    ledger: &Path,
    out: mpsc::Sender<ReadyFile>,
) -> Result<Watched, SourceError> {
    let folder = std::fs::canonicalize(&config.folder).unwrap_or_else(|_| config.folder.clone());
    let exclude = config
        .exclude
        .iter()
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
        .collect();
    let matcher = Matcher::new(&config.patterns)?;
    let ledger = Ledger::open(ledger)?;
    let seen = ledger.entries_under(&folder)?;
    let shared = Arc::new(Mutex::new(Shared {
        ledger,
        seen,
        in_flight: HashMap::new(),
        skipped: BTreeMap::new(),
    }));
    let (tx_msg, rx_msg) = std_mpsc::channel();
    let mut worker = Worker {
        name: config.name.clone(),
        folder,
        recursive: config.recursive,
        follow_symlinks: config.follow_symlinks,
        mode: config.mode,
        exclude,
        settle: config.settle,
        rescan_interval: config.rescan_interval,
        matcher,
        shared: Arc::clone(&shared),
        msgs: rx_msg,
        tx_msg: tx_msg.clone(),
        out,
        candidates: HashMap::new(),
        debouncer: None,
    };
    let thread = std::thread::Builder::new()
        .name(format!("source-{}", config.name))
        .spawn(move || worker.run())
        .map_err(|source| SourceError::Io {
            path: config.folder.clone(),
            source,
        })?;
    Ok(Watched {
        name: config.name,
        tx_msg,
        shared,
        thread: Some(thread),
    })
}

impl Source {
    /// Starts watching one folder (and scans it at once). `ledger` is the ledger file,
    /// normally [`ledger_path`]. A folder that does not exist yet is polled until it does.
    pub fn start(config: SourceConfig, ledger: &Path) -> Result<Self, SourceError> {
        Self::start_many(vec![config], ledger)
    }

    /// Starts watching several folders (a station's converters) into one stream; each
    /// [`ReadyFile`] names its source.
    pub fn start_many(configs: Vec<SourceConfig>, ledger: &Path) -> Result<Self, SourceError> {
        let (tx, rx) = mpsc::channel(256);
        let mut source = Self {
            rx,
            watched: Vec::new(),
        };
        for config in configs {
            // On an error, dropping `source` stops the folders already started.
            source.watched.push(start_one(config, ledger, tx.clone())?);
        }
        Ok(source)
    }

    /// Starts a source for every enabled converter of a station's configuration, with the
    /// instance's ledger.
    pub fn for_station(
        config: &Config,
        instance: &crate::config::Instance,
    ) -> Result<Self, SourceError> {
        let configs = config
            .converters
            .iter()
            .filter(|c| c.enabled)
            .map(|c| SourceConfig::from_converter(c, config))
            .collect();
        Self::start_many(configs, &ledger_path(instance))
    }

    /// What the sources skip (special files, folders, refused symlinks), for the status.
    pub fn skipped(&self) -> SkippedList {
        SkippedList(self.watched.iter().map(|w| w.shared.clone()).collect())
    }

    /// The sources (converters) watched.
    pub fn names(&self) -> Vec<&str> {
        self.watched.iter().map(|w| w.name.as_str()).collect()
    }

    /// The next stable file (waits for one).
    pub async fn next(&mut self) -> Option<ReadyFile> {
        self.rx.recv().await
    }

    /// The next stable file, from a thread outside an async runtime.
    pub fn blocking_next(&mut self) -> Option<ReadyFile> {
        self.rx.blocking_recv()
    }

    /// A stable file if one is ready now.
    pub fn try_next(&mut self) -> Option<ReadyFile> {
        self.rx.try_recv().ok()
    }

    fn holder(&self, path: &Path) -> Result<&Watched, SourceError> {
        self.watched
            .iter()
            .find(|w| lock(&w.shared).in_flight.contains_key(path))
            .ok_or_else(|| SourceError::NotInFlight(path.to_path_buf()))
    }

    /// Marks a yielded file done: its reports are durably queued. Recorded in the ledger
    /// (durable when this returns) with the size, mtime and hash it was yielded with, unless
    /// it has already left the folder (then there is nothing to remember).
    pub fn ack(&self, path: &Path) -> Result<(), SourceError> {
        self.ack_many(&[path.to_path_buf()])
    }

    /// [`Source::ack`] for several files, in one ledger transaction per folder (one fsync
    /// instead of one per file). Refused as a whole if any of them is not in flight.
    pub fn ack_many(&self, paths: &[PathBuf]) -> Result<(), SourceError> {
        let mut groups: Vec<(&Watched, Vec<&PathBuf>)> = Vec::new();
        for path in paths {
            let holder = self.holder(path)?;
            match groups.iter_mut().find(|(w, _)| std::ptr::eq(*w, holder)) {
                Some((_, group)) => group.push(path),
                None => groups.push((holder, vec![path])),
            }
        }
        for (watched, group) in groups {
            // A file that already left the folder (moved to done, deleted) needs no ledger
            // entry: it cannot be yielded again, and recording it only for the rescan to forget
            // it was an fsync'ed write and a delete per delivered file.
            let (gone, present): (Vec<&PathBuf>, Vec<&PathBuf>) = group.into_iter().partition(|p| {
                matches!(std::fs::symlink_metadata(p), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
            });
            let mut shared = lock(&watched.shared);
            for path in gone {
                shared.in_flight.remove(path);
                shared.skipped.remove(path);
            }
            let entries: Vec<(PathBuf, LedgerEntry)> = present
                .iter()
                .filter_map(|p| shared.in_flight.get(*p))
                .map(|f| {
                    (
                        f.path.clone(),
                        LedgerEntry {
                            size: f.size,
                            mtime: f.mtime,
                            hash: f.hash.clone(),
                        },
                    )
                })
                .collect();
            if !entries.is_empty() {
                shared.ledger.record_many(&entries)?;
            }
            for (path, entry) in entries {
                shared.in_flight.remove(&path);
                shared.seen.insert(path.clone(), entry);
                let _ = watched.tx_msg.send(Msg::Recheck(path));
            }
        }
        Ok(())
    }

    /// Gives a yielded file back without recording it (the caller could not take it now);
    /// it is yielded again once seen stable again.
    pub fn release(&self, path: &Path) -> Result<(), SourceError> {
        let watched = self.holder(path)?;
        lock(&watched.shared).in_flight.remove(path);
        let _ = watched.tx_msg.send(Msg::Recheck(path.to_path_buf()));
        Ok(())
    }

    /// Asks for a full rescan of every folder now.
    pub fn rescan(&self) {
        for w in &self.watched {
            let _ = w.tx_msg.send(Msg::Rescan);
        }
    }

    /// The files yielded and neither acked nor released.
    pub fn in_flight(&self) -> Vec<PathBuf> {
        self.watched
            .iter()
            .flat_map(|w| {
                lock(&w.shared)
                    .in_flight
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Stops the threads and waits for them.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        for w in &self.watched {
            let _ = w.tx_msg.send(Msg::Stop);
        }
        self.rx.close();
        for w in &mut self.watched {
            if let Some(thread) = w.thread.take() {
                let _ = thread.join();
            }
        }
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        self.shutdown();
    }
}
