//! The queue's other state changes (complete, retry, park, release), listings and
//! maintenance.

use super::*;

impl Queue {
    /// The server accepted the entry (2xx): it is `done`, and its document is released. If a
    /// new document arrived while it was uploading, it goes back to `pending` instead, to
    /// deliver that one.
    ///
    /// Committed without waiting for an fsync when its commit group holds only deliveries (a
    /// group with a new entry waits for one): a power cut right after can undo it, and the
    /// report is then uploaded once more — the server replaces a report by its id, so nothing
    /// is lost or doubled. Waiting for one fsync per delivered report was
    /// what bounded the station's end-to-end rate.
    pub fn complete(&self, id: Uuid) -> Result<()> {
        self.submit(Job::Complete { id }).map(drop)
    }

    /// The attempt failed transiently: back to `pending`, not claimed before `next_at`.
    pub fn retry_later(
        &self,
        id: Uuid,
        kind: ErrorKind,
        text: &str,
        next_at: SystemTime,
    ) -> Result<()> {
        self.verdict(
            id,
            "retry_later",
            "UPDATE entries SET state = 'pending', next_attempt_at = ?3,
                 last_error_kind = ?4, last_error_text = ?5, updated_at = ?2
             WHERE id = ?1",
            params![
                id.to_string(),
                millis(SystemTime::now()),
                millis(next_at),
                kind.as_str(),
                cut(text)
            ],
        )
    }

    /// The server refused the entry for good (4xx): `parked` with the reason, until an
    /// operator retries ([`retry_parked`](Self::retry_parked)) or drops it.
    pub fn park(&self, id: Uuid, kind: ErrorKind, reason: &str) -> Result<()> {
        self.verdict(
            id,
            "park",
            "UPDATE entries SET state = 'parked', last_error_kind = ?3, last_error_text = ?4,
                 updated_at = ?2
             WHERE id = ?1",
            params![
                id.to_string(),
                millis(SystemTime::now()),
                kind.as_str(),
                cut(reason)
            ],
        )
    }

    /// Returns a claimed entry to `pending` without a verdict (shutdown, the server away, a
    /// refused token: nothing about the report): the attempt does not count, and the entry
    /// keeps its due time (it was due when claimed), so it keeps its place in the
    /// oldest-first order.
    pub fn release(&self, id: Uuid) -> Result<()> {
        self.verdict(
            id,
            "release",
            "UPDATE entries SET state = 'pending', attempts = MAX(attempts - 1, 0),
                 next_attempt_at = MIN(next_attempt_at, ?2), updated_at = ?2
             WHERE id = ?1",
            params![id.to_string(), millis(SystemTime::now())],
        )?;
        self.notify.notify_one();
        Ok(())
    }

    /// Applies a verdict to an `uploading` entry. When the entry was replaced while it was
    /// uploading, any verdict makes it pending again (due at once, fresh attempt count).
    fn verdict(
        &self,
        id: Uuid,
        op: &'static str,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<()> {
        let requeue = verdict_in(&mut self.conn(), id, op, sql, params)?;
        if requeue {
            self.notify.notify_one();
        }
        Ok(())
    }

    /// Returns parked entries to `pending`, due at once with a fresh attempt count (the last
    /// error stays visible until the next attempt). Returns how many were parked.
    pub fn retry_parked(&self, which: Which) -> Result<u64> {
        let now = millis(SystemTime::now());
        let conn = self.conn();
        let n = match which {
            Which::One(id) => {
                let state = state_of(&conn, id)?.ok_or(QueueError::NotFound(id))?;
                if state != State::Parked {
                    return Err(QueueError::WrongState {
                        id,
                        op: "retry_parked",
                        actual: state,
                        expected: "parked",
                    });
                }
                conn.execute(
                    "UPDATE entries SET state = 'pending', attempts = 0, next_attempt_at = ?2,
                         updated_at = ?2
                     WHERE id = ?1 AND state = 'parked'",
                    params![id.to_string(), now],
                )
            }
            Which::All => conn.execute(
                "UPDATE entries SET state = 'pending', attempts = 0, next_attempt_at = ?1,
                     updated_at = ?1
                 WHERE state = 'parked'",
                [now],
            ),
        }
        .map_err(QueueError::storage("retry parked entries"))?;
        drop(conn);
        if n > 0 {
            self.notify.notify_one();
        }
        Ok(n as u64)
    }

    /// Deletes an entry (an operator's decision). Refused while it is `uploading`.
    pub fn drop_entry(&self, id: Uuid) -> Result<()> {
        let conn = self.conn();
        match state_of(&conn, id)? {
            None => Err(QueueError::NotFound(id)),
            Some(State::Uploading) => Err(QueueError::WrongState {
                id,
                op: "drop",
                actual: State::Uploading,
                expected: "pending, parked or done",
            }),
            Some(_) => {
                conn.execute(
                    "DELETE FROM entries WHERE id = ?1 AND state != 'uploading'",
                    [id.to_string()],
                )
                .map_err(QueueError::storage("drop an entry"))?;
                Ok(())
            }
        }
    }

    /// Deletes `done` entries last changed before `older_than`; returns how many.
    pub fn prune_done(&self, older_than: SystemTime) -> Result<u64> {
        let n = self
            .conn()
            .execute(
                "DELETE FROM entries WHERE state = 'done' AND updated_at < ?1",
                [millis(older_than)],
            )
            .map_err(QueueError::storage("prune delivered entries"))?;
        Ok(n as u64)
    }

    /// Returns every `uploading` entry to `pending` (due at once). Called by
    /// [`open`](Self::open): after a crash nobody holds a claim. Returns how many.
    pub fn recover(&self) -> Result<u64> {
        let now = millis(SystemTime::now());
        let n = self
            .conn()
            .execute(
                "UPDATE entries SET state = 'pending', requeue = 0, next_attempt_at = ?1,
                     updated_at = ?1
                 WHERE state = 'uploading'",
                [now],
            )
            .map_err(QueueError::storage("recover interrupted uploads"))?;
        if n > 0 {
            tracing::info!(
                entries = n,
                "queue: interrupted uploads returned to pending"
            );
            self.notify.notify_one();
        }
        Ok(n as u64)
    }

    /// Counts by state and undelivered bytes.
    pub fn stats(&self) -> Result<QueueStats> {
        let conn = self.conn();
        // Counted on the `entries_due` index (it starts with the state); the bytes are the
        // trigger-kept totals. Both in one read transaction, so they agree.
        let mut stmt = conn
            .prepare_cached(
                "SELECT state, COUNT(*), (SELECT bytes FROM undelivered WHERE id = 1)
                 FROM entries INDEXED BY entries_due GROUP BY state",
            )
            .map_err(QueueError::storage("count entries"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)? as u64,
                    r.get::<_, i64>(2)? as u64,
                ))
            })
            .map_err(QueueError::storage("count entries"))?;
        let mut stats = QueueStats::default();
        for row in rows {
            let (state, n, bytes) = row.map_err(QueueError::storage("count entries"))?;
            match parse_state(&state) {
                State::Pending => stats.pending = n,
                State::Uploading => stats.uploading = n,
                State::Done => stats.done = n,
                State::Parked => stats.parked = n,
            }
            stats.bytes = bytes;
        }
        Ok(stats)
    }

    /// Up to `limit` entries in `state` (all states with `None`), oldest first.
    pub fn list(&self, state: Option<State>, limit: usize) -> Result<Vec<EntryInfo>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM entries WHERE ?1 IS NULL OR state = ?1 ORDER BY seq LIMIT ?2"
            ))
            .map_err(QueueError::storage("list entries"))?;
        let rows = stmt
            .query_map(
                params![
                    state.map(State::as_str),
                    limit.min(i64::MAX as usize) as i64
                ],
                read_info,
            )
            .map_err(QueueError::storage("list entries"))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(QueueError::storage("list entries"))
    }

    /// One page of the entries in `state` created at or after `since`, in the order of the
    /// `entries_due` index (when due, then as queued; `newest_first` reverses it), skipping
    /// `offset`: the dashboard's queue page. The state and the order come from the index, so a
    /// page costs the same with 100,000 entries as with 100 (the skip walks the index alone).
    pub fn page(
        &self,
        state: State,
        since: Option<SystemTime>,
        newest_first: bool,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<EntryInfo>> {
        let order = if newest_first { "DESC" } else { "ASC" };
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM entries INDEXED BY entries_due
                 WHERE state = ?1 AND (?2 IS NULL OR created_at >= ?2)
                 ORDER BY next_attempt_at {order}, seq {order} LIMIT ?3 OFFSET ?4"
            ))
            .map_err(QueueError::storage("list entries"))?;
        let rows = stmt
            .query_map(
                params![
                    state.as_str(),
                    since.map(millis),
                    limit.min(i64::MAX as usize) as i64,
                    offset.min(i64::MAX as usize) as i64
                ],
                read_info,
            )
            .map_err(QueueError::storage("list entries"))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(QueueError::storage("list entries"))
    }

    /// One entry's metadata.
    pub fn get(&self, id: Uuid) -> Result<Option<EntryInfo>> {
        self.conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM entries WHERE id = ?1"),
                [id.to_string()],
                read_info,
            )
            .optional()
            .map_err(QueueError::storage("read an entry"))
    }

    /// The stored WSJF document of an undelivered entry (`None` when absent or delivered).
    pub fn document(&self, id: Uuid) -> Result<Option<String>> {
        let doc: Option<(String, Option<Vec<u8>>, i64)> = self
            .conn()
            .query_row(
                "SELECT document, packed, bytes FROM entries WHERE id = ?1 AND state != 'done'",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(QueueError::storage("read a document"))?;
        doc.map(|(plain, packed, bytes)| {
            unpack(plain, packed, bytes.max(0) as u64)
                .map_err(|why| QueueError::Damaged { id, why })
        })
        .transpose()
    }

    /// The earliest `next_attempt_at` among pending entries (when the uploader should look
    /// again), or `None` when nothing is pending.
    pub fn next_due(&self) -> Result<Option<SystemTime>> {
        let t: Option<i64> = self
            .conn()
            .query_row(
                "SELECT MIN(next_attempt_at) FROM entries WHERE state = 'pending'",
                [],
                |r| r.get(0),
            )
            .map_err(QueueError::storage("find the next due entry"))?;
        Ok(t.map(from_millis))
    }

    /// When the oldest entry still to deliver (pending or uploading) was queued, or `None`
    /// when there is none: the age of the backlog, for the status and the outage log.
    pub fn oldest_undelivered(&self) -> Result<Option<SystemTime>> {
        let t: Option<i64> = self
            .conn()
            .query_row(
                // The oldest by `seq` (entries are numbered as they arrive), found on the
                // `entries_due` index alone; then one row read. Without the index, every
                // undelivered row (and its document's overflow pages) would be read, on each
                // `/status` and `/metrics` during an outage, when the backlog is largest.
                "SELECT created_at FROM entries WHERE seq = (
                     SELECT MIN(seq) FROM entries INDEXED BY entries_due
                     WHERE state IN ('pending', 'uploading'))",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(QueueError::storage("find the oldest undelivered entry"))?;
        Ok(t.map(from_millis))
    }

    /// SQLite's `quick_check` of the database file (for `doctor`): `Ok(vec![])` when sound,
    /// otherwise the problems it found.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("PRAGMA quick_check")
            .map_err(QueueError::storage("check integrity"))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(QueueError::storage("check integrity"))?;
        let mut problems = rows
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(QueueError::storage("check integrity"))?;
        problems.retain(|p| p != "ok");
        let (kept, counted): ((i64, i64), (i64, i64)) = conn
            .query_row(
                "SELECT (SELECT entries FROM undelivered WHERE id = 1),
                        (SELECT bytes FROM undelivered WHERE id = 1),
                        COUNT(*), COALESCE(SUM(bytes), 0)
                 FROM entries WHERE state != 'done'",
                [],
                |r| Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?))),
            )
            .map_err(QueueError::storage("check the undelivered totals"))?;
        if kept != counted {
            problems.push(format!(
                "undelivered totals {kept:?} (entries, bytes) differ from a recount {counted:?}"
            ));
        }
        Ok(problems)
    }
}
