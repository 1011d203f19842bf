//! The pools' durable store: the numbers of each type (handed out or not) and the refills in
//! progress, in one SQLite file (WAL, `synchronous=FULL`: a hand-out is on disk before the
//! numbers are answered).

use std::path::Path;
use std::sync::Mutex;

use anyhow::Context as _;
use rusqlite::{params, Connection};

/// A pool's level, for `status` and `/metrics`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Level {
    /// The type.
    pub type_name: String,
    /// Numbers not handed out yet.
    pub available: u64,
    /// Numbers handed out so far.
    pub handed_out: u64,
    /// The configured low water.
    pub low_water: u32,
    /// The configured batch size.
    pub batch_size: u32,
}

/// The store.
pub struct Store {
    conn: Mutex<Connection>,
}

fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

impl Store {
    /// Opens (creating) the store.
    pub fn open(path: &Path) -> anyhow::Result<Store> {
        let conn = Connection::open(path)
            .with_context(|| format!("opening the serial-number pool {}", path.display()))?;
        crate::private::file(path).ok();
        let _: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        conn.execute_batch(
            "PRAGMA synchronous = FULL;
             PRAGMA busy_timeout = 5000;
             CREATE TABLE IF NOT EXISTS numbers (
                 seq INTEGER PRIMARY KEY AUTOINCREMENT,
                 type TEXT NOT NULL,
                 sn TEXT NOT NULL,
                 refill TEXT,
                 handed_out_at INTEGER,
                 UNIQUE (type, sn)
             );
             CREATE INDEX IF NOT EXISTS numbers_free ON numbers (type, handed_out_at, seq);
             CREATE TABLE IF NOT EXISTS refills (
                 token TEXT PRIMARY KEY,
                 type TEXT NOT NULL,
                 asked INTEGER NOT NULL,
                 started_at INTEGER NOT NULL
             );",
        )
        .context("creating the serial-number pool's tables")?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding it leaves SQLite consistent (transactions roll back).
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Numbers of a type not handed out.
    pub fn available(&self, type_name: &str) -> anyhow::Result<u64> {
        let n: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM numbers WHERE type = ?1 COLLATE NOCASE AND handed_out_at IS NULL",
            [type_name],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Numbers of a type handed out.
    pub fn handed_out(&self, type_name: &str) -> anyhow::Result<u64> {
        let n: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM numbers WHERE type = ?1 COLLATE NOCASE AND handed_out_at IS NOT NULL",
            [type_name],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Marks the `count` lowest numbers of a type handed out and answers them, all or none
    /// (an error when fewer are available).
    pub fn hand_out(&self, type_name: &str, count: u32) -> anyhow::Result<Vec<String>> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let rows: Vec<(i64, String)> = {
            let mut stmt = tx.prepare(
                "SELECT seq, sn FROM numbers WHERE type = ?1 COLLATE NOCASE \
                 AND handed_out_at IS NULL ORDER BY seq LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![type_name, count], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        if rows.len() < count as usize {
            anyhow::bail!(
                "the pool of {type_name:?} has {} number(s), {count} asked for",
                rows.len()
            );
        }
        let at = now_micros();
        for (seq, _) in &rows {
            tx.execute(
                "UPDATE numbers SET handed_out_at = ?2 WHERE seq = ?1",
                params![seq, at],
            )?;
        }
        tx.commit()?;
        Ok(rows.into_iter().map(|r| r.1).collect())
    }

    /// Records a refill about to be asked of the server (before the request, so a lost answer
    /// can be recovered).
    pub fn begin_refill(&self, token: &str, type_name: &str, asked: u32) -> anyhow::Result<()> {
        self.conn().execute(
            "INSERT INTO refills (token, type, asked, started_at) VALUES (?1, ?2, ?3, ?4)",
            params![token, type_name, asked, now_micros()],
        )?;
        Ok(())
    }

    /// Stores a refill's numbers (those already stored are kept as they are) and closes it.
    pub fn finish_refill(
        &self,
        token: &str,
        type_name: &str,
        numbers: &[String],
    ) -> anyhow::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for sn in numbers {
            tx.execute(
                "INSERT OR IGNORE INTO numbers (type, sn, refill) VALUES (?1, ?2, ?3)",
                params![type_name, sn, token],
            )?;
        }
        tx.execute("DELETE FROM refills WHERE token = ?1", [token])?;
        tx.commit()?;
        Ok(())
    }

    /// Refills asked of the server whose answer was not stored: (token, type).
    pub fn open_refills(&self) -> anyhow::Result<Vec<(String, String)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT token, type FROM refills ORDER BY started_at")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every number of a type with whether it was handed out, by order of arrival (tests and
    /// diagnostics).
    pub fn all(&self, type_name: &str) -> anyhow::Result<Vec<(String, bool)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT sn, handed_out_at IS NOT NULL FROM numbers WHERE type = ?1 COLLATE NOCASE \
             ORDER BY seq",
        )?;
        let rows = stmt.query_map([type_name], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_out_is_all_or_none_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.sqlite");
        let s = Store::open(&path).unwrap();
        s.begin_refill("t1", "T", 3).unwrap();
        assert_eq!(
            s.open_refills().unwrap(),
            [("t1".to_owned(), "T".to_owned())]
        );
        s.finish_refill("t1", "T", &["A".into(), "B".into(), "C".into()])
            .unwrap();
        assert!(s.open_refills().unwrap().is_empty());
        assert_eq!(s.hand_out("t", 2).unwrap(), ["A", "B"]);
        assert!(s.hand_out("T", 2).is_err());
        drop(s);
        let s = Store::open(&path).unwrap();
        assert_eq!(s.available("T").unwrap(), 1);
        assert_eq!(s.hand_out("T", 1).unwrap(), ["C"]);
        assert_eq!(s.handed_out("T").unwrap(), 3);
    }
}
