//! A source's thread: events as hints, the rescan as the truth, candidates until they
//! settle, hashing, and what it hands over or skips.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use notify_debouncer_full::notify::{self, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::*;

pub(super) struct Candidate {
    pub(super) size: u64,
    pub(super) mtime: SystemTime,
    pub(super) since: Instant,
}

pub(super) struct Worker {
    pub(super) name: String,
    pub(super) folder: PathBuf,
    pub(super) recursive: bool,
    pub(super) follow_symlinks: bool,
    pub(super) mode: WatchMode,
    pub(super) exclude: Vec<PathBuf>,
    pub(super) settle: Duration,
    pub(super) rescan_interval: Duration,
    pub(super) matcher: Matcher,
    pub(super) shared: Arc<Mutex<Shared>>,
    pub(super) msgs: std_mpsc::Receiver<Msg>,
    pub(super) tx_msg: std_mpsc::Sender<Msg>,
    pub(super) out: mpsc::Sender<ReadyFile>,
    pub(super) candidates: HashMap<PathBuf, Candidate>,
    pub(super) debouncer: Option<Box<dyn std::any::Any + Send>>,
}

pub(super) enum Flow {
    Continue,
    Stop,
}

impl Worker {
    pub(super) fn run(&mut self) {
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
    pub(super) fn ensure_watching(&mut self) {
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

    pub(super) fn excluded(&self, path: &Path) -> bool {
        self.exclude.iter().any(|x| path.starts_with(x))
    }

    /// Is `path` a file this source takes (by place and pattern; not checking the disk)?
    pub(super) fn wanted(&self, path: &Path) -> bool {
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

    pub(super) fn observe_event_path(&mut self, path: &Path) {
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
    pub(super) fn observe(&mut self, path: &Path) {
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
    pub(super) fn follow(&self, path: &Path) -> Result<std::fs::Metadata, String> {
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
    pub(super) fn skip(&mut self, path: &Path, reason: String) {
        self.candidates.remove(path);
        let mut shared = lock(&self.shared);
        if shared.skipped.get(path) != Some(&reason) {
            tracing::warn!(source = %self.name, path = %path.display(), %reason, "not taken");
            shared.skipped.insert(path.to_path_buf(), reason);
        }
    }

    /// Hands a symlink that may not be followed over as refused (once; the station moves it to
    /// the error folder with a note).
    pub(super) fn refuse(&mut self, path: &Path, reason: String) {
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

    pub(super) fn forget(&mut self, path: &Path) {
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
    pub(super) fn walk(
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
    pub(super) fn rescan(&mut self) {
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
    pub(super) fn check_candidates(&mut self) -> Flow {
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
    pub(super) fn settle_one(&mut self, path: &Path) -> Option<ReadyFile> {
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
pub(super) fn not_a_file(t: &std::fs::FileType) -> &'static str {
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
    Ok(hex(&hasher.finalize()))
}

/// Bytes as lowercase hex: the one spelling of a content hash (the ledger's, the intake's
/// check that a file is unchanged) and of the control secret.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
