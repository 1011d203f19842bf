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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use notify_debouncer_full::notify::{self, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
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

// ---------------------------------------------------------------------------------------------
// Ledger

/// What the ledger remembers of an acked file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub size: u64,
    pub mtime: SystemTime,
    pub hash: String,
}

/// The files already handed over and acked (SQLite, WAL, `synchronous=FULL`).
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
}

fn path_key(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned().into_bytes()
    }
}

fn key_path(bytes: Vec<u8>) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        PathBuf::from(std::ffi::OsString::from_vec(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
    }
}

fn to_nanos(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
    }
}

fn from_nanos(n: i64) -> SystemTime {
    if n >= 0 {
        UNIX_EPOCH + Duration::from_nanos(n as u64)
    } else {
        UNIX_EPOCH - Duration::from_nanos(n.unsigned_abs())
    }
}

impl Ledger {
    /// Opens (creating) the ledger at `path`.
    pub fn open(path: &Path) -> Result<Self, SourceError> {
        if let Some(dir) = path.parent() {
            crate::private::dir(dir).map_err(|source| SourceError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        crate::private::file(path).map_err(|source| SourceError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let err = |source| SourceError::Ledger {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS seen (
                path BLOB PRIMARY KEY,
                size INTEGER NOT NULL,
                mtime_ns INTEGER NOT NULL,
                hash TEXT NOT NULL,
                acked_at_ns INTEGER NOT NULL
            )",
        )
        .map_err(err)?;
        Ok(Self {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn err(&self) -> impl FnOnce(rusqlite::Error) -> SourceError + '_ {
        |source| SourceError::Ledger {
            path: self.path.clone(),
            source,
        }
    }

    /// The entry for `path`, if it was acked and not forgotten since.
    pub fn get(&self, path: &Path) -> Result<Option<LedgerEntry>, SourceError> {
        self.conn
            .query_row(
                "SELECT size, mtime_ns, hash FROM seen WHERE path = ?1",
                params![path_key(path)],
                |r| {
                    Ok(LedgerEntry {
                        size: r.get::<_, i64>(0)? as u64,
                        mtime: from_nanos(r.get(1)?),
                        hash: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(self.err())
    }

    /// Every entry under `folder`.
    pub fn entries_under(
        &self,
        folder: &Path,
    ) -> Result<HashMap<PathBuf, LedgerEntry>, SourceError> {
        let mut stmt = self
            .conn
            .prepare("SELECT path, size, mtime_ns, hash FROM seen")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    key_path(r.get(0)?),
                    LedgerEntry {
                        size: r.get::<_, i64>(1)? as u64,
                        mtime: from_nanos(r.get(2)?),
                        hash: r.get(3)?,
                    },
                ))
            })
            .map_err(self.err())?;
        let mut out = HashMap::new();
        for row in rows {
            let (path, entry) = row.map_err(self.err())?;
            if path.starts_with(folder) {
                out.insert(path, entry);
            }
        }
        Ok(out)
    }

    /// Records an acked file (durable when this returns).
    pub fn record(&self, path: &Path, entry: &LedgerEntry) -> Result<(), SourceError> {
        self.conn
            .execute(
                "INSERT INTO seen (path, size, mtime_ns, hash, acked_at_ns) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(path) DO UPDATE SET size = ?2, mtime_ns = ?3, hash = ?4, acked_at_ns = ?5",
                params![
                    path_key(path),
                    entry.size as i64,
                    to_nanos(entry.mtime),
                    entry.hash,
                    to_nanos(SystemTime::now())
                ],
            )
            .map(drop)
            .map_err(self.err())
    }

    /// Records several acked files in one transaction.
    pub fn record_many(&mut self, entries: &[(PathBuf, LedgerEntry)]) -> Result<(), SourceError> {
        let path = self.path.clone();
        let err = |source| SourceError::Ledger {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO seen (path, size, mtime_ns, hash, acked_at_ns) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(path) DO UPDATE SET size = ?2, mtime_ns = ?3, hash = ?4, acked_at_ns = ?5",
                )
                .map_err(err)?;
            let now = to_nanos(SystemTime::now());
            for (p, e) in entries {
                stmt.execute(params![
                    path_key(p),
                    e.size as i64,
                    to_nanos(e.mtime),
                    e.hash,
                    now
                ])
                .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// Forgets a file (it is gone). Not waiting for an fsync: a forget undone by a power cut
    /// is done again at the next rescan, and one fsync per delivered file (it leaves the
    /// folder) was half of the station's fsyncs.
    pub fn forget(&self, path: &Path) -> Result<(), SourceError> {
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(self.err())?;
        let result = self
            .conn
            .execute("DELETE FROM seen WHERE path = ?1", params![path_key(path)])
            .map(drop)
            .map_err(self.err());
        // Restored whatever the delete did; a failure to restore is an error, not a weaker
        // ledger.
        self.conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(self.err())?;
        result
    }
}

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

/// File-name and relative-path glob sets.
struct Matcher {
    names: GlobSet,
    relative: GlobSet,
}

impl Matcher {
    fn new(patterns: &[String]) -> Result<Self, SourceError> {
        let mut names = GlobSetBuilder::new();
        let mut relative = GlobSetBuilder::new();
        for pattern in patterns {
            let glob = GlobBuilder::new(pattern)
                .literal_separator(true)
                .case_insensitive(cfg!(windows))
                .build()
                .map_err(|source| SourceError::Pattern {
                    pattern: pattern.clone(),
                    source,
                })?;
            if pattern.contains('/') {
                relative.add(glob);
            } else {
                names.add(glob);
            }
        }
        let build = |b: GlobSetBuilder| {
            b.build().map_err(|source| SourceError::Pattern {
                pattern: patterns.join(", "),
                source,
            })
        };
        Ok(Self {
            names: build(names)?,
            relative: build(relative)?,
        })
    }

    fn matches(&self, relative: &Path) -> bool {
        relative
            .file_name()
            .is_some_and(|name| self.names.is_match(name))
            || self.relative.is_match(relative)
    }
}

struct Candidate {
    size: u64,
    mtime: SystemTime,
    since: Instant,
}

struct Worker {
    name: String,
    folder: PathBuf,
    recursive: bool,
    follow_symlinks: bool,
    mode: WatchMode,
    exclude: Vec<PathBuf>,
    settle: Duration,
    rescan_interval: Duration,
    matcher: Matcher,
    shared: Arc<Mutex<Shared>>,
    msgs: std_mpsc::Receiver<Msg>,
    tx_msg: std_mpsc::Sender<Msg>,
    out: mpsc::Sender<ReadyFile>,
    candidates: HashMap<PathBuf, Candidate>,
    debouncer: Option<Box<dyn std::any::Any + Send>>,
}

enum Flow {
    Continue,
    Stop,
}

impl Worker {
    fn run(&mut self) {
        let mut next_rescan = Instant::now();
        loop {
            let now = Instant::now();
            if now >= next_rescan {
                self.ensure_watching();
                self.rescan();
                next_rescan = Instant::now() + self.rescan_interval;
            }
            if let Flow::Stop = self.check_candidates() {
                return;
            }
            let mut wake = next_rescan;
            if !self.candidates.is_empty() {
                let tick =
                    (self.settle / 4).clamp(Duration::from_millis(10), Duration::from_millis(250));
                wake = wake.min(Instant::now() + tick);
            }
            let timeout = wake.saturating_duration_since(Instant::now());
            let first = match self.msgs.recv_timeout(timeout) {
                Ok(msg) => msg,
                Err(std_mpsc::RecvTimeoutError::Timeout) => continue,
                Err(std_mpsc::RecvTimeoutError::Disconnected) => return,
            };
            let mut pending = vec![first];
            pending.extend(self.msgs.try_iter());
            for msg in pending {
                match msg {
                    Msg::Stop => return,
                    Msg::Rescan => next_rescan = Instant::now(),
                    Msg::Recheck(path) => self.observe(&path),
                    Msg::Fs(Ok(events)) => {
                        for event in events {
                            if event.need_rescan() {
                                next_rescan = Instant::now();
                            }
                            for path in &event.paths {
                                self.observe_event_path(path);
                            }
                        }
                    }
                    Msg::Fs(Err(errors)) => {
                        for e in errors {
                            tracing::warn!(source = %self.name, error = %e, "watcher error; rescanning");
                        }
                        next_rescan = Instant::now();
                    }
                }
            }
        }
    }

    /// Starts the file-system watcher in events mode, once the folder exists.
    fn ensure_watching(&mut self) {
        if self.mode != WatchMode::Events || self.debouncer.is_some() || !self.folder.is_dir() {
            return;
        }
        let tx = self.tx_msg.clone();
        let handler = move |result: DebounceEventResult| {
            let _ = tx.send(Msg::Fs(result));
        };
        let mode = if self.recursive {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        let started = new_debouncer(Duration::from_millis(100), None, handler).and_then(|mut d| {
            d.watch(&self.folder, mode)?;
            Ok(d)
        });
        match started {
            Ok(d) => self.debouncer = Some(Box::new(d)),
            Err(e) => {
                tracing::warn!(source = %self.name, folder = %self.folder.display(), error = %e,
                    "cannot watch; relying on rescans");
                // Do not try again at every rescan of a folder that refuses watching.
                if !matches!(e.kind, notify::ErrorKind::PathNotFound) {
                    self.mode = WatchMode::Poll;
                }
            }
        }
    }

    fn excluded(&self, path: &Path) -> bool {
        self.exclude.iter().any(|x| path.starts_with(x))
    }

    /// Is `path` a file this source takes (by place and pattern; not checking the disk)?
    fn wanted(&self, path: &Path) -> bool {
        let Ok(relative) = path.strip_prefix(&self.folder) else {
            return false;
        };
        if relative.as_os_str().is_empty() || self.excluded(path) {
            return false;
        }
        if !self.recursive && relative.components().count() != 1 {
            return false;
        }
        self.matcher.matches(relative)
    }

    fn observe_event_path(&mut self, path: &Path) {
        if self.recursive && path.is_dir() && path.starts_with(&self.folder) && !self.excluded(path)
        {
            // A folder created or moved in: its files may have come with it.
            let mut found = Vec::new();
            let _ = self.walk(path, &mut found, &mut HashSet::new());
            for file in found {
                self.observe(&file);
            }
        } else {
            self.observe(path);
        }
    }

    /// Looks at one path: starts or restarts its settle clock, or forgets it when gone. What
    /// is not a file to take is skipped (reported once) or, for a symlink that may not be
    /// followed, handed over refused, without reading its target.
    fn observe(&mut self, path: &Path) {
        if !self.wanted(path) {
            return;
        }
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.forget(path);
                return;
            }
            Err(e) => {
                self.skip(path, format!("cannot be read: {e}"));
                return;
            }
        };
        let meta = if meta.file_type().is_symlink() {
            match self.follow(path) {
                Ok(target) => target,
                Err(reason) => {
                    self.refuse(path, reason);
                    return;
                }
            }
        } else {
            meta
        };
        if !meta.is_file() {
            self.skip(path, not_a_file(&meta.file_type()).to_string());
            return;
        }
        if lock(&self.shared).skipped.remove(path).is_some() {
            tracing::info!(source = %self.name, path = %path.display(), "now a file: taken");
        }
        let size = meta.len();
        let mtime = meta.modified().unwrap_or(UNIX_EPOCH);
        {
            let shared = lock(&self.shared);
            if shared.in_flight.contains_key(path) {
                return; // looked at again after its ack or release
            }
            if let Some(seen) = shared.seen.get(path) {
                if seen.size == size && seen.mtime == mtime {
                    self.candidates.remove(path);
                    return;
                }
            }
        }
        match self.candidates.get_mut(path) {
            Some(c) if c.size == size && c.mtime == mtime => {}
            Some(c) => {
                c.size = size;
                c.mtime = mtime;
                c.since = Instant::now();
            }
            None => {
                self.candidates.insert(
                    path.to_path_buf(),
                    Candidate {
                        size,
                        mtime,
                        since: Instant::now(),
                    },
                );
            }
        }
    }

    /// The metadata of a symlink's target, when the link may be followed: its target is inside
    /// the watch folder, or `follow_symlinks` is set. Otherwise why not.
    fn follow(&self, path: &Path) -> Result<std::fs::Metadata, String> {
        let target = std::fs::canonicalize(path)
            .map_err(|e| format!("a symlink that leads nowhere (dangling, or a loop): {e}"))?;
        if !self.follow_symlinks && !target.starts_with(&self.folder) {
            return Err(format!(
                "a symlink to {}, outside the watch folder; not followed (set follow_symlinks \
                 on the converter to take such links)",
                target.display()
            ));
        }
        std::fs::metadata(&target)
            .map_err(|e| format!("a symlink whose target cannot be read: {e}"))
    }

    /// Notes once that `path` is not taken, and why.
    fn skip(&mut self, path: &Path, reason: String) {
        self.candidates.remove(path);
        let mut shared = lock(&self.shared);
        if shared.skipped.get(path) != Some(&reason) {
            tracing::warn!(source = %self.name, path = %path.display(), %reason, "not taken");
            shared.skipped.insert(path.to_path_buf(), reason);
        }
    }

    /// Hands a symlink that may not be followed over as refused (once; the station moves it to
    /// the error folder with a note).
    fn refuse(&mut self, path: &Path, reason: String) {
        self.candidates.remove(path);
        let ready = {
            let mut shared = lock(&self.shared);
            if shared.in_flight.contains_key(path) || shared.skipped.get(path) == Some(&reason) {
                return;
            }
            shared.skipped.insert(path.to_path_buf(), reason.clone());
            let ready = ReadyFile {
                source: self.name.clone(),
                path: path.to_path_buf(),
                size: 0,
                mtime: UNIX_EPOCH,
                hash: String::new(),
                refused: Some(reason),
            };
            shared.in_flight.insert(path.to_path_buf(), ready.clone());
            ready
        };
        if self.out.blocking_send(ready).is_err() {
            lock(&self.shared).in_flight.remove(path);
        }
    }

    fn forget(&mut self, path: &Path) {
        self.candidates.remove(path);
        let mut shared = lock(&self.shared);
        shared.skipped.remove(path);
        if shared.seen.remove(path).is_some() {
            if let Err(e) = shared.ledger.forget(path) {
                tracing::warn!(path = %path.display(), error = %e, "cannot update the ledger");
            }
        }
    }

    /// Lists `dir` (recursively when configured) into `found`; `listed` gets every folder that
    /// could be listed.
    fn walk(
        &self,
        dir: &Path,
        found: &mut Vec<PathBuf>,
        listed: &mut HashSet<PathBuf>,
    ) -> std::io::Result<()> {
        let mut stack = vec![dir.to_path_buf()];
        let mut first_error = None;
        while let Some(dir) = stack.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) => {
                    tracing::debug!(folder = %dir.display(), error = %e, "cannot list");
                    first_error.get_or_insert(e);
                    continue;
                }
            };
            let mut complete = true;
            for entry in entries {
                let Ok(entry) = entry else {
                    complete = false;
                    continue;
                };
                let path = entry.path();
                match entry.file_type() {
                    Ok(t) if t.is_dir() => {
                        if self.recursive && !self.excluded(&path) {
                            stack.push(path);
                        } else if !self.recursive && self.wanted(&path) {
                            // A folder matching the patterns (`x.json/`): reported, not taken.
                            found.push(path);
                        }
                    }
                    Ok(_) => {
                        if self.wanted(&path) {
                            found.push(path);
                        }
                    }
                    Err(_) => complete = false,
                }
            }
            if complete {
                listed.insert(dir);
            }
        }
        match first_error {
            Some(e) if !listed.contains(dir) => Err(e),
            _ => Ok(()),
        }
    }

    /// Lists the whole folder: every file is observed; ledger entries and candidates of files
    /// gone from a folder that could be listed are dropped.
    fn rescan(&mut self) {
        let mut found = Vec::new();
        let mut listed = HashSet::new();
        let folder = self.folder.clone();
        if let Err(e) = self.walk(&folder, &mut found, &mut listed) {
            tracing::warn!(source = %self.name, folder = %folder.display(), error = %e, "cannot list the watch folder");
            // A folder removed (or a share gone) takes its watch with it: watch it again once
            // it is back.
            self.debouncer = None;
        }
        let present: HashSet<&PathBuf> = found.iter().collect();
        let gone =
            |p: &PathBuf| !present.contains(p) && p.parent().is_some_and(|d| listed.contains(d));
        let forgotten: Vec<PathBuf> = {
            let mut shared = lock(&self.shared);
            shared.skipped.retain(|p, _| !gone(p));
            shared.seen.keys().filter(|p| gone(p)).cloned().collect()
        };
        for path in forgotten {
            self.forget(&path);
        }
        self.candidates.retain(|p, _| !gone(p));
        for path in &found {
            self.observe(path);
        }
    }

    /// Yields every candidate that stayed unchanged for the settle time.
    fn check_candidates(&mut self) -> Flow {
        let now = Instant::now();
        let due: Vec<PathBuf> = self
            .candidates
            .iter()
            .filter(|(_, c)| now.duration_since(c.since) >= self.settle)
            .map(|(p, _)| p.clone())
            .collect();
        for path in due {
            let Some(ready) = self.settle_one(&path) else {
                continue;
            };
            lock(&self.shared)
                .in_flight
                .insert(path.clone(), ready.clone());
            tracing::debug!(source = %self.name, path = %path.display(), "ready");
            if self.out.blocking_send(ready).is_err() {
                return Flow::Stop;
            }
        }
        Flow::Continue
    }

    /// Checks a due candidate: unchanged, openable, unchanged after hashing, and not already
    /// acked with the same content.
    fn settle_one(&mut self, path: &Path) -> Option<ReadyFile> {
        let c = self.candidates.get(path)?;
        let (size, mtime) = (c.size, c.mtime);
        let restart = |this: &mut Self, size, mtime| {
            if let Some(c) = this.candidates.get_mut(path) {
                c.size = size;
                c.mtime = mtime;
                c.since = Instant::now();
            }
        };
        let stat =
            |p: &Path| std::fs::metadata(p).map(|m| (m.len(), m.modified().unwrap_or(UNIX_EPOCH)));
        match stat(path) {
            Ok(now) if now == (size, mtime) => {}
            Ok((s, m)) => {
                restart(self, s, m);
                return None;
            }
            Err(_) => {
                self.forget(path);
                return None;
            }
        }
        let hash = match hash_file(path) {
            Ok(h) => h,
            Err(e) => {
                tracing::debug!(path = %path.display(), error = %e, "not readable yet");
                restart(self, size, mtime);
                return None;
            }
        };
        match stat(path) {
            Ok(now) if now == (size, mtime) => {}
            Ok((s, m)) => {
                restart(self, s, m);
                return None;
            }
            Err(_) => {
                self.forget(path);
                return None;
            }
        }
        self.candidates.remove(path);
        let mut shared = lock(&self.shared);
        if let Some(seen) = shared.seen.get(path) {
            if seen.hash == hash && seen.size == size {
                // Touched, not changed: remember the new mtime and move on.
                let entry = LedgerEntry { size, mtime, hash };
                if let Err(e) = shared.ledger.record(path, &entry) {
                    tracing::warn!(path = %path.display(), error = %e, "cannot update the ledger");
                }
                shared.seen.insert(path.to_path_buf(), entry);
                return None;
            }
        }
        Some(ReadyFile {
            source: self.name.clone(),
            path: path.to_path_buf(),
            size,
            mtime,
            hash,
            refused: None,
        })
    }
}

/// Why an entry of this type is not a file to take.
fn not_a_file(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe), not a file";
        }
        if t.is_socket() {
            return "a socket, not a file";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device, not a file";
        }
    }
    if t.is_dir() {
        "a folder, not a file (the converter is not recursive)"
    } else {
        "not a regular file"
    }
}

/// SHA-256 of a file's content, lowercase hex.
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}
