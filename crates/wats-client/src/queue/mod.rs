//! The durable report queue (SQLite, WAL, `synchronous=FULL`).
//!
//! Files by job: this one holds the types, opening and the claim path; `commit.rs` the group
//! commit (writes that share a transaction); `ops.rs` the other state changes, listings and
//! maintenance; `tests.rs` the unit tests.
//!
//! One row per report, keyed by the report's own id (a UUID frozen when the report was built),
//! so a replay of the same report replaces its row instead of adding a second one. Every entry
//! is in one of four states:
//!
//! ```text
//!             enqueue                claim_due                complete
//!   (new) ───────────────▶ pending ─────────────▶ uploading ───────────▶ done ──▶ (pruned)
//!                            ▲  ▲                   │  │  │
//!                            │  └── retry_later ────┘  │  │ park
//!                            │  └── release / recover ─┘  ▼
//!                            └──────── retry_parked ──── parked
//! ```
//!
//! * Every call is one SQLite transaction, committed with an fsync before it returns
//!   (`synchronous=FULL`): when [`Queue::enqueue`] returns `Ok`, the report survives a crash or
//!   a power cut, and the caller may delete or move the source file. The one exception is
//!   [`Queue::complete`]: undoing it (a power cut before the next checkpoint) only means one
//!   more upload of a report the server replaces by id, so it does not wait for an fsync.
//! * **Group commit**: enqueues and deliveries that arrive while a transaction runs (intake
//!   workers and uploads run in parallel) wait and go into the next transaction together, each
//!   still answered only after that transaction is committed. A refusal (queue full, wrong
//!   state) is answered per caller; a storage failure redoes the group job by job.
//! * **Claim guard**: [`Queue::claim_due`] moves entries to `uploading` in the same transaction
//!   that selects them, and the verdicts ([`complete`](Queue::complete),
//!   [`retry_later`](Queue::retry_later), [`park`](Queue::park), [`release`](Queue::release))
//!   only apply to an entry that is `uploading`. An entry is therefore never handed out twice
//!   at once, and a verdict for an entry nobody holds is refused.
//! * **Crash recovery**: an entry caught `uploading` when the process died goes back to
//!   `pending` when the queue is opened again ([`Queue::recover`]). Its attempt counter keeps
//!   the attempt that was cut short.
//! * **Bounded**: `max_entries` and `max_bytes` bound the entries not yet delivered. When a new
//!   report does not fit, [`Queue::enqueue`] fails with [`QueueError::Full`] and stores
//!   nothing: intake pauses (the source file stays where it is) and the caller raises an alarm.
//!   Nothing already queued is ever dropped to make room.
//! * **Loud storage errors**: a full disk, an I/O error or a corrupt database file surface as
//!   [`QueueError::Storage`] with a [`StorageErrorKind`]; nothing is swallowed.
//! * A delivered (`done`) entry keeps its metadata and a hash of its document, not the
//!   document itself, until [`Queue::prune_done`] removes it; a replay of the identical
//!   document is then recognised as [`EnqueueOutcome::AlreadyDelivered`].
//! * **Compressed documents**: a document is stored LZ4-compressed (`packed`; WSJF shrinks
//!   5–7×), so a week offline takes a fraction of the disk, and each enqueue writes one or two
//!   pages instead of an overflow chain (fewer writes and checksums per report). Entries from
//!   before schema version 2 keep their plain `document` and are read as they are.
//!
//! Why one file of ~1,500 lines: the queue's invariants (the claim guard, verdicts only on an
//! uploading entry, the group commit, recovery at open) live in the SQL of these methods and
//! must be read together; a change to one state transition touches the schema, the commit
//! path and the verdicts at once. About a third of it is the unit tests of those invariants.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use tokio::sync::Notify;
use uuid::Uuid;
use wats_report::Report;

/// The schema this code reads and writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entries (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    document        TEXT    NOT NULL,
    packed          BLOB,
    doc_hash        INTEGER NOT NULL,
    bytes           INTEGER NOT NULL,
    source          TEXT,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'uploading', 'done', 'parked')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error_kind TEXT,
    last_error_text TEXT,
    requeue         INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_due ON entries (state, next_attempt_at, seq);
-- The counts per state come from `entries_due` and the undelivered bytes from the totals
-- below; an index on (state, bytes) only cost a page write per enqueue, claim and verdict.
DROP INDEX IF EXISTS entries_state_bytes;
-- Running totals of the undelivered entries, kept by triggers: the bound check reads one row
-- instead of counting every undelivered entry per enqueue (a week offline is a large backlog).
-- Created from a count on first open, so a database from before it gets it too.
CREATE TABLE IF NOT EXISTS undelivered (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    entries INTEGER NOT NULL,
    bytes   INTEGER NOT NULL
);
-- Counted only when the row is missing: the WHERE term skips the scan, the HAVING term the row.
INSERT INTO undelivered (id, entries, bytes)
    SELECT 1, COUNT(*), COALESCE(SUM(bytes), 0) FROM entries
    WHERE state != 'done' AND NOT EXISTS (SELECT 1 FROM undelivered)
    HAVING NOT EXISTS (SELECT 1 FROM undelivered);
CREATE TRIGGER IF NOT EXISTS undelivered_insert AFTER INSERT ON entries
    WHEN NEW.state != 'done'
BEGIN
    UPDATE undelivered SET entries = entries + 1, bytes = bytes + NEW.bytes WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS undelivered_delete AFTER DELETE ON entries
    WHEN OLD.state != 'done'
BEGIN
    UPDATE undelivered SET entries = entries - 1, bytes = bytes - OLD.bytes WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS undelivered_update AFTER UPDATE OF state, bytes ON entries
BEGIN
    UPDATE undelivered SET
        entries = entries - (OLD.state != 'done') + (NEW.state != 'done'),
        bytes = bytes - (CASE WHEN OLD.state != 'done' THEN OLD.bytes ELSE 0 END)
                      + (CASE WHEN NEW.state != 'done' THEN NEW.bytes ELSE 0 END)
    WHERE id = 1;
END;
";

/// Longest error text stored per entry (the server's message is cut here).
pub const MAX_ERROR_TEXT: usize = 4096;

/// Limits and settings of a [`Queue`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueOptions {
    /// Most entries not yet delivered (pending, uploading, parked). Default 10 000.
    pub max_entries: u64,
    /// Most bytes of WSJF documents not yet delivered. Default 1 GiB.
    pub max_bytes: u64,
    /// How long a call waits for a lock held by another connection. Default 5 s.
    pub busy_timeout: Duration,
}

impl Default for QueueOptions {
    fn default() -> Self {
        QueueOptions {
            max_entries: 10_000,
            max_bytes: 1 << 30,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// Where an entry is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// Waiting to be uploaded (possibly not before `next_attempt_at`).
    Pending,
    /// Handed to an uploader by [`Queue::claim_due`]; not handed out again until a verdict.
    Uploading,
    /// The server answered 2xx.
    Done,
    /// Refused by the server for a reason that retrying will not fix; waits for an operator.
    Parked,
}

impl State {
    /// All states, in life order.
    pub const ALL: [State; 4] = [State::Pending, State::Uploading, State::Done, State::Parked];

    /// The name stored in the database and shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Uploading => "uploading",
            State::Done => "done",
            State::Parked => "parked",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        State::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown queue state {s:?}"))
    }
}

/// Why the last attempt failed, as stored with the entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The connection failed or broke.
    Network,
    /// The request timed out.
    Timeout,
    /// 5xx, or an answer that could not be understood.
    Server,
    /// 429 Too Many Requests.
    RateLimited,
    /// 4xx: the server refused the report (validation and the like).
    Rejected,
    /// 401/403.
    Auth,
    /// The stored document could not be read back as a report.
    Corrupt,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Server => "server",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Rejected => "rejected",
            ErrorKind::Auth => "auth",
            ErrorKind::Corrupt => "corrupt",
            ErrorKind::Other => "other",
        }
    }

    fn parse(s: &str) -> ErrorKind {
        [
            ErrorKind::Network,
            ErrorKind::Timeout,
            ErrorKind::Server,
            ErrorKind::RateLimited,
            ErrorKind::Rejected,
            ErrorKind::Auth,
            ErrorKind::Corrupt,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
        .unwrap_or(ErrorKind::Other)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The last failure recorded for an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastError {
    /// Its class.
    pub kind: ErrorKind,
    /// The message (the server's, when it gave one), at most [`MAX_ERROR_TEXT`] bytes.
    pub text: String,
}

/// An entry's metadata (everything but the document).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryInfo {
    /// The report's id.
    pub id: Uuid,
    /// The state.
    pub state: State,
    /// The file the report came from, if any.
    pub source: Option<PathBuf>,
    /// Upload attempts started (a claim counts as one).
    pub attempts: u32,
    /// Not claimed before this time.
    pub next_attempt_at: SystemTime,
    /// Why the last attempt failed.
    pub last_error: Option<LastError>,
    /// Size of the WSJF document in bytes.
    pub bytes: u64,
    /// When the report was first queued.
    pub created_at: SystemTime,
    /// Last change.
    pub updated_at: SystemTime,
}

/// A claimed entry: its metadata and the WSJF document to upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Metadata.
    pub info: EntryInfo,
    /// The report as WSJF (empty when `damaged`).
    pub document: String,
    /// Why the stored document could not be read back (a damaged row), if it could not.
    pub damaged: Option<String>,
}

impl Entry {
    /// The report's id.
    pub fn id(&self) -> Uuid {
        self.info.id
    }
}

/// What [`Queue::enqueue`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnqueueOutcome {
    /// A new entry.
    Inserted,
    /// An entry with this id existed (pending, parked, or delivered with a different
    /// document); its document was replaced and it is pending again.
    Replaced,
    /// The entry is being uploaded right now; the new document is stored and will be
    /// uploaded again after the current attempt, whatever its outcome.
    ReplacedWhileUploading,
    /// The identical document was already delivered; nothing changed.
    AlreadyDelivered,
}

/// Counts by state and the bytes still to deliver.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Entries waiting.
    pub pending: u64,
    /// Entries being uploaded.
    pub uploading: u64,
    /// Entries delivered and not yet pruned.
    pub done: u64,
    /// Entries refused, waiting for an operator.
    pub parked: u64,
    /// Bytes of documents not yet delivered (pending + uploading + parked).
    pub bytes: u64,
}

impl QueueStats {
    /// Entries not yet delivered.
    pub fn undelivered(&self) -> u64 {
        self.pending + self.uploading + self.parked
    }

    /// The count for one state.
    pub fn count(&self, state: State) -> u64 {
        match state {
            State::Pending => self.pending,
            State::Uploading => self.uploading,
            State::Done => self.done,
            State::Parked => self.parked,
        }
    }
}

/// Which parked entries [`Queue::retry_parked`] returns to pending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// One entry.
    One(Uuid),
    /// Every parked entry.
    All,
}

/// What kind of storage failure happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageErrorKind {
    /// The disk (or the database's size limit) is full.
    DiskFull,
    /// The operating system reported an I/O error (including a failed fsync).
    Io,
    /// The database file is damaged or is not a queue database.
    Corrupt,
    /// Another connection held a lock for longer than the busy timeout.
    Busy,
    /// The file cannot be opened or written (permissions, read-only file system).
    CannotOpen,
    /// Any other SQLite error.
    Other,
}

/// A queue operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// The database could not be read or written. Intake must stop: what is on disk is not
    /// known to match what the caller believes.
    #[error("queue storage error ({kind:?}) while trying to {op}: {source}")]
    Storage {
        /// The class of failure.
        kind: StorageErrorKind,
        /// What the queue was doing.
        op: &'static str,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The report does not fit; nothing was stored. Intake pauses until entries are delivered
    /// (or dropped by an operator).
    #[error(
        "the queue is full: {entries} undelivered entries ({bytes} bytes) with limits of \
         {max_entries} entries and {max_bytes} bytes; the report ({report_bytes} bytes) was not queued"
    )]
    Full {
        /// Undelivered entries now.
        entries: u64,
        /// Undelivered bytes now.
        bytes: u64,
        /// The entry limit.
        max_entries: u64,
        /// The byte limit.
        max_bytes: u64,
        /// The size of the refused report.
        report_bytes: u64,
    },
    /// The report has no `id`; a queued report must carry the id it was built with, so that a
    /// replay overwrites rather than duplicates.
    #[error("the report has no id; set it when the report is built so that a replay overwrites")]
    MissingId,
    /// No entry with this id.
    #[error("no queue entry {0}")]
    NotFound(Uuid),
    /// The entry is not in a state that allows this operation (e.g. a verdict for an entry
    /// that is not `uploading`, or dropping an entry while it is uploaded).
    #[error("queue entry {id} is {actual}; {op} needs it {expected}")]
    WrongState {
        /// The entry.
        id: Uuid,
        /// The operation.
        op: &'static str,
        /// Its state.
        actual: State,
        /// The state the operation needs.
        expected: &'static str,
    },
    /// The caller leading a group transaction (see `Queue::submit`) failed before answering.
    #[error("the queue's group writer failed before answering")]
    GroupFailed,
    /// The stored document of an entry could not be read back (a damaged row).
    #[error("the stored document of entry {id} cannot be read: {why}")]
    Damaged {
        /// The entry.
        id: Uuid,
        /// Why.
        why: String,
    },
    /// The database was written by a newer version of this program.
    #[error(
        "the queue database has schema version {found}; this program knows up to {SCHEMA_VERSION}"
    )]
    SchemaTooNew {
        /// The version found.
        found: i64,
    },
    /// The database could not be put in WAL mode (e.g. a network file system).
    #[error("the queue database could not be put in WAL mode (journal mode is {0:?})")]
    NoWal(String),
    /// The directory for the database could not be created.
    #[error("cannot create the queue directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl QueueError {
    /// Whether this is the "queue full" refusal.
    pub fn is_full(&self) -> bool {
        matches!(self, QueueError::Full { .. })
    }

    /// The storage failure class, when this is one.
    pub fn storage_kind(&self) -> Option<StorageErrorKind> {
        match self {
            QueueError::Storage { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    fn storage(op: &'static str) -> impl FnOnce(rusqlite::Error) -> QueueError {
        move |source| {
            use rusqlite::ErrorCode as C;
            let kind = match source.sqlite_error_code() {
                Some(C::DiskFull) => StorageErrorKind::DiskFull,
                Some(C::SystemIoFailure) => StorageErrorKind::Io,
                Some(C::DatabaseCorrupt | C::NotADatabase) => StorageErrorKind::Corrupt,
                Some(C::DatabaseBusy | C::DatabaseLocked) => StorageErrorKind::Busy,
                Some(C::CannotOpen | C::ReadOnly | C::PermissionDenied) => {
                    StorageErrorKind::CannotOpen
                }
                _ => StorageErrorKind::Other,
            };
            QueueError::Storage { kind, op, source }
        }
    }
}

/// The result of queue operations.
pub type Result<T, E = QueueError> = std::result::Result<T, E>;

/// The durable queue. `Send + Sync`: share it in an `Arc`; calls are serialized on one
/// connection and block on disk I/O (call them from `spawn_blocking` in async code).
pub struct Queue {
    conn: Mutex<Connection>,
    path: PathBuf,
    options: QueueOptions,
    notify: Arc<Notify>,
    group: Mutex<Group>,
}

impl fmt::Debug for Queue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("path", &self.path)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Queue {
    /// Opens (or creates) the queue at `path`, then returns entries caught `uploading` by a
    /// crash to `pending` ([`recover`](Self::recover)).
    pub fn open(path: impl AsRef<Path>, options: QueueOptions) -> Result<Queue> {
        let path = path.as_ref().to_owned();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::private::dir(dir).map_err(|source| QueueError::CreateDir {
                path: dir.to_owned(),
                source,
            })?;
        }
        crate::private::file(&path).map_err(|source| QueueError::CreateDir {
            path: path.clone(),
            source,
        })?;
        let conn = Connection::open(&path).map_err(QueueError::storage("open the database"))?;
        conn.busy_timeout(options.busy_timeout)
            .map_err(QueueError::storage("set the busy timeout"))?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(QueueError::storage("enable WAL"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(QueueError::NoWal(mode));
        }
        conn.execute_batch("PRAGMA synchronous=FULL;")
            .map_err(QueueError::storage("set synchronous=FULL"))?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(QueueError::storage("read the schema version"))?;
        if version > SCHEMA_VERSION {
            return Err(QueueError::SchemaTooNew { found: version });
        }
        conn.execute_batch(&format!("BEGIN IMMEDIATE; {SCHEMA}"))
            .map_err(QueueError::storage("create the schema"))?;
        // Version 1 had no `packed` column; its entries keep their plain documents.
        let upgrade = conn
            .query_row(
                "SELECT COUNT(*) = 0 FROM pragma_table_info('entries') WHERE name = 'packed'",
                [],
                |r| r.get::<_, bool>(0),
            )
            .and_then(|missing| {
                if missing {
                    conn.execute_batch("ALTER TABLE entries ADD COLUMN packed BLOB;")?;
                }
                conn.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"))
            });
        if let Err(e) = upgrade {
            let _ = conn.execute_batch("ROLLBACK;");
            return Err(QueueError::storage("upgrade the schema")(e));
        }
        let queue = Queue {
            conn: Mutex::new(conn),
            path,
            options,
            notify: Arc::new(Notify::new()),
            group: Mutex::new(Group::default()),
        };
        queue.recover()?;
        Ok(queue)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The limits in force.
    pub fn options(&self) -> &QueueOptions {
        &self.options
    }

    /// Notified whenever an entry becomes pending (enqueue, release, retry of parked
    /// entries): an uploader waits on it instead of polling.
    pub fn wake_handle(&self) -> Arc<Notify> {
        self.notify.clone()
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a transaction half-applied (SQLite
        // rolls back an unfinished transaction when it is dropped), so a poisoned lock is
        // still a consistent connection.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores `report` (durably, fsync'ed) for upload. Idempotent by report id: a replay
    /// replaces the stored document instead of adding an entry. Refuses with
    /// [`QueueError::Full`] when it does not fit, and [`QueueError::MissingId`] without an id.
    pub fn enqueue(&self, report: &Report, source: Option<&Path>) -> Result<EnqueueOutcome> {
        let id = report.id.ok_or(QueueError::MissingId)?;
        // Stored in the submission form: the uploader sends it as it is.
        let document = wats_report::wsjf::to_string(&report.for_submission());
        self.enqueue_document(id, &document, source)
    }

    /// Like [`enqueue`](Self::enqueue), for a WSJF document already serialized (its id is
    /// given separately; the caller guarantees they match).
    pub fn enqueue_document(
        &self,
        id: Uuid,
        document: &str,
        source: Option<&Path>,
    ) -> Result<EnqueueOutcome> {
        let job = Job::Enqueue {
            id,
            hash: fnv1a(document.as_bytes()),
            bytes: document.len() as u64,
            packed: wats_report::packed::pack(document),
            source: source.map(|p| p.to_string_lossy().into_owned()),
        };
        match self.submit(job)? {
            Done::Enqueued(outcome) => Ok(outcome),
            Done::Completed { .. } => unreachable!("an enqueue answers as an enqueue"),
        }
    }

    /// Claims up to `limit` pending entries due at `now` (oldest due first), marking them
    /// `uploading` and counting an attempt, in one transaction. A claimed entry is not handed
    /// out again until [`complete`](Self::complete), [`retry_later`](Self::retry_later),
    /// [`park`](Self::park) or [`release`](Self::release) — or a restart.
    pub fn claim_due(&self, now: SystemTime, limit: usize) -> Result<Vec<Entry>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let now_ms = millis(now);
        let stamp = millis(SystemTime::now());
        let mut conn = self.conn();
        // Relaxed (no fsync wait): undoing a claim leaves the entry `pending`, which is what
        // recovery makes of a claimed entry anyway.
        relax(&conn, "claim")?;
        let result = claim_in(&mut conn, now_ms, stamp, limit);
        unrelax(&conn)?;
        result
    }
}

mod commit;
mod ops;
#[cfg(test)]
mod tests;

use commit::*;

const COLUMNS: &str = "id, state, source, attempts, next_attempt_at, last_error_kind, \
                       last_error_text, bytes, created_at, updated_at";
const COLUMN_COUNT: usize = 10;

fn read_info(r: &rusqlite::Row<'_>) -> rusqlite::Result<EntryInfo> {
    let id: String = r.get(0)?;
    let id = Uuid::parse_str(&id).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })?;
    let state: String = r.get(1)?;
    let kind: Option<String> = r.get(5)?;
    let text: Option<String> = r.get(6)?;
    Ok(EntryInfo {
        id,
        state: parse_state(&state),
        source: r.get::<_, Option<String>>(2)?.map(PathBuf::from),
        attempts: r.get::<_, i64>(3)?.clamp(0, u32::MAX as i64) as u32,
        next_attempt_at: from_millis(r.get(4)?),
        last_error: kind.map(|k| LastError {
            kind: ErrorKind::parse(&k),
            text: text.unwrap_or_default(),
        }),
        bytes: r.get::<_, i64>(7)?.max(0) as u64,
        created_at: from_millis(r.get(8)?),
        updated_at: from_millis(r.get(9)?),
    })
}

fn state_of(conn: &Connection, id: Uuid) -> Result<Option<State>> {
    let s: Option<String> = conn
        .query_row(
            "SELECT state FROM entries WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()
        .map_err(QueueError::storage("read an entry's state"))?;
    Ok(s.as_deref().map(parse_state))
}

/// The CHECK constraint admits only the four names.
fn parse_state(s: &str) -> State {
    s.parse().unwrap_or(State::Pending)
}

fn cut(text: &str) -> &str {
    if text.len() <= MAX_ERROR_TEXT {
        return text;
    }
    let mut end = MAX_ERROR_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Milliseconds since the Unix epoch (negative before it).
fn millis(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis().min(i64::MAX as u128) as i64,
        Err(e) => -(e.duration().as_millis().min(i64::MAX as u128) as i64),
    }
}

fn from_millis(ms: i64) -> SystemTime {
    if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms as u64)
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}

/// A stored document of `bytes` bytes (its `bytes` column): the packed one when there is one,
/// else the plain one (an entry from before schema version 2).
fn unpack(
    plain: String,
    packed: Option<Vec<u8>>,
    bytes: u64,
) -> std::result::Result<String, String> {
    match packed {
        Some(packed) => {
            let max_len = usize::try_from(bytes).unwrap_or(usize::MAX);
            wats_report::packed::unpack(&packed, max_len)
        }
        None => Ok(plain),
    }
}

/// FNV-1a, 64 bits: a stable hash of a document (to recognise an identical replay).
fn fnv1a(bytes: &[u8]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h as i64
}

/// A verdict's transaction; whether the entry went back to `pending` for a newer document.
fn verdict_in(
    conn: &mut Connection,
    id: Uuid,
    op: &'static str,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<bool> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(QueueError::storage(op))?;
    let requeue = verdict_tx(&tx, id, op, sql, params)?;
    tx.commit().map_err(QueueError::storage(op))?;
    Ok(requeue)
}

/// A verdict inside `tx`: refused (nothing written) unless the entry is `uploading`.
fn verdict_tx(
    tx: &rusqlite::Transaction<'_>,
    id: Uuid,
    op: &'static str,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<bool> {
    let found: Option<(String, bool)> = tx
        .query_row(
            "SELECT state, requeue FROM entries WHERE id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(QueueError::storage(op))?;
    let requeue = match found {
        None => return Err(QueueError::NotFound(id)),
        Some((state, requeue)) => {
            let state = parse_state(&state);
            if state != State::Uploading {
                return Err(QueueError::WrongState {
                    id,
                    op,
                    actual: state,
                    expected: "uploading",
                });
            }
            requeue
        }
    };
    if requeue {
        tx.execute(
            "UPDATE entries SET state = 'pending', attempts = 0, requeue = 0,
                     next_attempt_at = ?2, last_error_kind = NULL, last_error_text = NULL,
                     updated_at = ?2
                 WHERE id = ?1",
            params![id.to_string(), millis(SystemTime::now())],
        )
    } else {
        tx.prepare_cached(sql).and_then(|mut s| s.execute(params))
    }
    .map_err(QueueError::storage(op))?;
    Ok(requeue)
}
