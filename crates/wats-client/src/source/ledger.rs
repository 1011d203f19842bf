//! The ledger: the files a source has handed over and the caller acked (path, size, mtime,
//! SHA-256), in SQLite with `synchronous=FULL`, so an acked file is not yielded again after a
//! restart.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension};

use super::*;

/// What the ledger remembers of an acked file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub size: u64,
    pub mtime: SystemTime,
    pub hash: String,
}

/// The files already handed over and acked (SQLite, WAL, `synchronous=FULL`).
pub struct Ledger {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
}

pub(super) fn path_key(path: &Path) -> Vec<u8> {
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

pub(super) fn key_path(bytes: Vec<u8>) -> PathBuf {
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

pub(super) fn to_nanos(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
    }
}

pub(super) fn from_nanos(n: i64) -> SystemTime {
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

    pub(super) fn err(&self) -> impl FnOnce(rusqlite::Error) -> SourceError + '_ {
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
