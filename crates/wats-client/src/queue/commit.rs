//! Group commit: the writes that share one transaction and one fsync.

use super::*;

/// A write that can share a transaction with others: the calls that arrive while a
/// transaction runs go into the next one together, so a burst of enqueues pays one fsync and
/// one write of the shared pages (totals, index ends) per group instead of per report.
pub(super) enum Job {
    Enqueue {
        id: Uuid,
        hash: i64,
        bytes: u64,
        packed: Vec<u8>,
        source: Option<String>,
    },
    Complete {
        id: Uuid,
    },
}

/// What a [`Job`] did.
pub(super) enum Done {
    Enqueued(EnqueueOutcome),
    Completed {
        /// The entry went back to `pending` for a newer document.
        requeue: bool,
    },
}

/// What the leader of a group tells a waiting caller.
pub(super) enum Answer {
    Done(Result<Done>),
    /// Lead the next group (its job is in it).
    Lead,
}

/// The jobs waiting for the next transaction, and whether a caller is running one.
#[derive(Default)]
pub(super) struct Group {
    waiting: Vec<(Job, std::sync::mpsc::SyncSender<Answer>)>,
    leading: bool,
}

/// Hands the lead to the next waiting caller (or ends it) when the leader is done — also when
/// it unwinds, so a panic never leaves callers waiting on a leader that is gone.
pub(super) struct HandOff<'a>(&'a Mutex<Group>);

impl Drop for HandOff<'_> {
    fn drop(&mut self) {
        let mut group = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match group.waiting.first() {
            Some((_, next)) => {
                let _ = next.send(Answer::Lead);
            }
            None => group.leading = false,
        }
    }
}

impl Queue {
    /// Runs `job` in the next group transaction and returns what it did.
    pub(super) fn submit(&self, job: Job) -> Result<Done> {
        let (tx, rx) = std::sync::mpsc::sync_channel(2);
        {
            let mut group = self.group.lock().unwrap_or_else(|p| p.into_inner());
            group.waiting.push((job, tx));
            if group.leading {
                drop(group);
                match rx.recv() {
                    Ok(Answer::Done(result)) => return result,
                    Ok(Answer::Lead) => {}
                    Err(_) => return Err(QueueError::GroupFailed),
                }
            } else {
                group.leading = true;
            }
        }
        // Leading: this caller's job is among the waiting ones.
        let _hand_off = HandOff(&self.group);
        let batch =
            std::mem::take(&mut self.group.lock().unwrap_or_else(|p| p.into_inner()).waiting);
        let (jobs, replies): (Vec<Job>, Vec<_>) = batch.into_iter().unzip();
        let results = self.run_group(&jobs);
        let mut wake = false;
        for (result, reply) in results.into_iter().zip(replies) {
            wake |= matches!(
                result,
                Ok(Done::Enqueued(
                    EnqueueOutcome::Inserted | EnqueueOutcome::Replaced
                )) | Ok(Done::Completed { requeue: true })
            );
            let _ = reply.send(Answer::Done(result));
        }
        if wake {
            self.notify.notify_one();
        }
        match rx.recv() {
            Ok(Answer::Done(result)) => result,
            _ => Err(QueueError::GroupFailed),
        }
    }

    /// One transaction for `jobs`. A storage failure in it (or in its commit) runs each job
    /// again in a transaction of its own, so that each caller gets its own answer.
    pub(super) fn run_group(&self, jobs: &[Job]) -> Vec<Result<Done>> {
        let mut conn = self.conn();
        let together = self.transaction(&mut conn, jobs);
        match together {
            Ok(results) => results,
            Err(e) if jobs.len() == 1 => vec![Err(e)],
            Err(_) => jobs
                .iter()
                .map(|job| {
                    self.transaction(&mut conn, std::slice::from_ref(job))
                        .and_then(|mut r| r.remove(0))
                })
                .collect(),
        }
    }

    /// Applies `jobs` in one transaction: `Err` when it failed as a whole (nothing applied).
    /// Only deliveries: no fsync wait ([`complete`](Self::complete) says why that is safe).
    pub(super) fn transaction(
        &self,
        conn: &mut Connection,
        jobs: &[Job],
    ) -> Result<Vec<Result<Done>>> {
        let relaxed = jobs.iter().all(|j| matches!(j, Job::Complete { .. }));
        if relaxed {
            relax(conn, "complete")?;
        }
        let result = (|| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(QueueError::storage("begin a write"))?;
            let mut results = Vec::with_capacity(jobs.len());
            for job in jobs {
                let result = match job {
                    Job::Enqueue {
                        id,
                        hash,
                        bytes,
                        packed,
                        source,
                    } => enqueue_in(&tx, &self.options, *id, *hash, *bytes, packed, source)
                        .map(Done::Enqueued),
                    Job::Complete { id } => {
                        complete_in(&tx, *id).map(|requeue| Done::Completed { requeue })
                    }
                };
                // A refusal (full, wrong state) wrote nothing; a storage error undoes the group.
                if let Err(e @ QueueError::Storage { .. }) = result {
                    return Err(e);
                }
                results.push(result);
            }
            tx.commit().map_err(QueueError::storage("commit"))?;
            Ok(results)
        })();
        if relaxed {
            unrelax(conn)?;
        }
        result
    }
}

/// An enqueue inside a group transaction (see [`Queue::enqueue`]).
pub(super) fn enqueue_in(
    tx: &rusqlite::Transaction<'_>,
    options: &QueueOptions,
    id: Uuid,
    hash: i64,
    bytes: u64,
    packed: &[u8],
    source: &Option<String>,
) -> Result<EnqueueOutcome> {
    let now = millis(SystemTime::now());
    let existing: Option<(String, i64, i64)> = tx
        .prepare_cached("SELECT state, doc_hash, bytes FROM entries WHERE id = ?1")
        .and_then(|mut s| {
            s.query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()
        })
        .map_err(QueueError::storage("look up the entry"))?;
    let existing = existing.map(|(s, h, b)| (parse_state(&s), h, b as u64));
    // Room needed among undelivered entries: a new entry, or a delivered one coming back,
    // takes a slot; a replaced undelivered one only changes its size.
    let (extra_entries, freed_bytes) = match existing {
        None | Some((State::Done, _, _)) => (1, 0),
        Some((_, _, old)) => (0, old),
    };
    if let Some((State::Done, old_hash, _)) = existing {
        if old_hash == hash {
            return Ok(EnqueueOutcome::AlreadyDelivered);
        }
    }
    let (entries, used): (u64, u64) = tx
        .prepare_cached("SELECT entries, bytes FROM undelivered WHERE id = 1")
        .and_then(|mut s| {
            s.query_row([], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
            })
        })
        .map_err(QueueError::storage("count undelivered entries"))?;
    if entries + extra_entries > options.max_entries
        || used - freed_bytes + bytes > options.max_bytes
    {
        return Err(QueueError::Full {
            entries,
            bytes: used,
            max_entries: options.max_entries,
            max_bytes: options.max_bytes,
            report_bytes: bytes,
        });
    }
    let (sql, outcome) = match existing {
        None => (
            "INSERT INTO entries (id, document, packed, doc_hash, bytes, source, state,
                 attempts, next_attempt_at, created_at, updated_at)
             VALUES (?1, '', ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?6, ?6)",
            EnqueueOutcome::Inserted,
        ),
        Some((State::Uploading, _, _)) => (
            "UPDATE entries SET document = '', packed = ?2, doc_hash = ?3, bytes = ?4,
                 source = COALESCE(?5, source), requeue = 1, updated_at = ?6
             WHERE id = ?1",
            EnqueueOutcome::ReplacedWhileUploading,
        ),
        Some(_) => (
            "UPDATE entries SET document = '', packed = ?2, doc_hash = ?3, bytes = ?4,
                 source = COALESCE(?5, source), state = 'pending', attempts = 0,
                 next_attempt_at = ?6, last_error_kind = NULL, last_error_text = NULL,
                 requeue = 0, updated_at = ?6
             WHERE id = ?1",
            EnqueueOutcome::Replaced,
        ),
    };
    tx.prepare_cached(sql)
        .and_then(|mut s| {
            s.execute(params![
                id.to_string(),
                packed,
                hash,
                bytes as i64,
                source,
                now
            ])
        })
        .map_err(QueueError::storage("store the entry"))?;
    Ok(outcome)
}

/// A delivery inside a group transaction (see [`Queue::complete`]); whether the entry went
/// back to `pending` for a newer document.
pub(super) fn complete_in(tx: &rusqlite::Transaction<'_>, id: Uuid) -> Result<bool> {
    verdict_tx(
        tx,
        id,
        "complete",
        "UPDATE entries SET state = 'done', document = '', packed = NULL, bytes = 0,
             last_error_kind = NULL, last_error_text = NULL, updated_at = ?2
         WHERE id = ?1",
        params![id.to_string(), millis(SystemTime::now())],
    )
}

/// `synchronous=NORMAL` (committed, fsync'ed only at the next checkpoint: it survives the
/// process dying, a power cut can undo it) for the next transactions on `conn`, until
/// [`unrelax`].
pub(super) fn relax(conn: &Connection, op: &'static str) -> Result<()> {
    conn.execute_batch("PRAGMA synchronous=NORMAL;")
        .map_err(QueueError::storage(op))
}

/// Back to `synchronous=FULL`; a failure here is loud, never a silently weaker queue.
pub(super) fn unrelax(conn: &Connection) -> Result<()> {
    conn.execute_batch("PRAGMA synchronous=FULL;")
        .map_err(QueueError::storage("restore synchronous=FULL"))
}

/// [`Queue::claim_due`]'s transaction.
pub(super) fn claim_in(
    conn: &mut Connection,
    now_ms: i64,
    stamp: i64,
    limit: usize,
) -> Result<Vec<Entry>> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(QueueError::storage("begin claim"))?;
    let mut entries = Vec::new();
    {
        let mut select = tx
            .prepare_cached(&format!(
                "SELECT {COLUMNS}, document, packed FROM entries
                     WHERE state = 'pending' AND next_attempt_at <= ?1
                     ORDER BY next_attempt_at, seq LIMIT ?2"
            ))
            .map_err(QueueError::storage("select due entries"))?;
        let rows = select
            .query_map(params![now_ms, limit as i64], |r| {
                let info = read_info(r)?;
                let (document, damaged) =
                    match unpack(r.get(COLUMN_COUNT)?, r.get(COLUMN_COUNT + 1)?, info.bytes) {
                        Ok(document) => (document, None),
                        Err(why) => (String::new(), Some(why)),
                    };
                Ok(Entry {
                    info,
                    document,
                    damaged,
                })
            })
            .map_err(QueueError::storage("select due entries"))?;
        for row in rows {
            entries.push(row.map_err(QueueError::storage("read a due entry"))?);
        }
        let mut update = tx
            .prepare_cached(
                "UPDATE entries SET state = 'uploading', attempts = attempts + 1,
                         updated_at = ?2
                     WHERE id = ?1 AND state = 'pending'",
            )
            .map_err(QueueError::storage("claim entries"))?;
        for e in &mut entries {
            update
                .execute(params![e.info.id.to_string(), stamp])
                .map_err(QueueError::storage("claim an entry"))?;
            e.info.state = State::Uploading;
            e.info.attempts += 1;
            e.info.updated_at = from_millis(stamp);
        }
    }
    tx.commit().map_err(QueueError::storage("commit claim"))?;
    Ok(entries)
}
