//! Storing and loading reports.

use std::sync::Arc;

use sqlx::Row;
use tokio::sync::{mpsc, oneshot, Mutex};

use super::facts::{day_of, StepDay};
use super::Store;
use crate::ingest::Prepared;

/// What an insert did.
#[derive(Debug, Clone, Copy)]
pub struct Inserted {
    /// The processing-order number (`timeStamp`, the legacy `Report_ID`).
    pub seq: i64,
    /// Whether a report with the same id was replaced.
    pub replaced: bool,
}

const CHILD_TABLES: [&str; 5] = [
    "report_misc_infos",
    "report_sub_units",
    "report_assets",
    "report_attachments",
    "measurements",
];

/// A report waiting for the SQLite writer.
pub(crate) struct Job {
    prepared: Prepared,
    document: Stored,
    reply: oneshot::Sender<sqlx::Result<Inserted>>,
}

/// A document as the reports table keeps it: packed, and its size in KiB (`report_size`).
/// Packed by the submitting task, outside the writer lock, and once even if written again.
struct Stored {
    packed: Vec<u8>,
    kib: i64,
}

impl Stored {
    fn new(document: &str) -> Self {
        Stored {
            packed: wats_report::packed::pack(document),
            kib: document.len().div_ceil(1024) as i64,
        }
    }
}

/// Reports written in one transaction at most.
const MAX_BATCH: usize = 32;

/// Upper bounds of the batch-size buckets of [`WriterStats`].
pub const BATCH_BUCKETS: [u64; 6] = [1, 2, 4, 8, 16, 32];

/// How report writes group into transactions (SQLite: the writer's batches; PostgreSQL: one
/// report per transaction), for `/metrics`.
#[derive(Debug, Default)]
pub struct WriterStats {
    /// Transactions committed with this many reports at most (cumulative buckets).
    pub buckets: [std::sync::atomic::AtomicU64; BATCH_BUCKETS.len()],
    /// Transactions committed.
    pub batches: std::sync::atomic::AtomicU64,
    /// Reports written in them.
    pub reports: std::sync::atomic::AtomicU64,
}

impl WriterStats {
    fn record(&self, size: usize) {
        use std::sync::atomic::Ordering::Relaxed;
        for (bound, n) in BATCH_BUCKETS.iter().zip(&self.buckets) {
            if size as u64 <= *bound {
                n.fetch_add(1, Relaxed);
            }
        }
        self.batches.fetch_add(1, Relaxed);
        self.reports.fetch_add(size as u64, Relaxed);
    }
}

/// The SQLite writer: group commit. Submissions arriving while a transaction runs wait in the
/// channel and go into the next transaction together, so a burst pays one commit, one pass of
/// the shared index pages into the WAL and one hand-off of the writer lock per batch instead of
/// per report. Each submission still answers only after its report is committed.
pub(crate) async fn run_writer(
    pool: sqlx::AnyPool,
    lock: Arc<Mutex<()>>,
    mut jobs: mpsc::Receiver<Job>,
    stats: Arc<WriterStats>,
) {
    // One connection kept for the writer: taking one from the pool per batch cost about as much
    // as a report's inserts. Dropped (and taken again) after a failure, in case it is broken,
    // and given back as soon as the pool closes (closing waits for every connection).
    let mut conn: Option<sqlx::pool::PoolConnection<sqlx::Any>> = None;
    let mut closing = std::pin::pin!(pool.close_event());
    loop {
        let first = tokio::select! {
            biased;
            _ = &mut closing, if conn.is_some() => {
                conn = None;
                continue;
            }
            job = jobs.recv() => match job {
                Some(job) => job,
                None => break,
            },
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let _w = lock.lock().await;
        let mut c = match writer_connection(&pool, conn.take()).await {
            Ok(c) => c,
            Err(e) => {
                refuse(&pool, batch, &e);
                continue;
            }
        };
        match write_batch(&mut c, &batch).await {
            Ok(results) => {
                stats.record(batch.len());
                conn = Some(c);
                for (job, result) in batch.into_iter().zip(results) {
                    let _ = job.reply.send(Ok(result));
                }
            }
            // A failed batch is written again report by report, so that one bad report (or a
            // failure of the batch) gives each submission its own answer; on a new connection,
            // in case the failure broke this one.
            Err(_) if batch.len() > 1 => {
                drop(c);
                let mut c = match writer_connection(&pool, None).await {
                    Ok(c) => c,
                    Err(e) => {
                        refuse(&pool, batch, &e);
                        continue;
                    }
                };
                let mut all_written = true;
                for job in batch {
                    let result = write_batch(&mut c, std::slice::from_ref(&job))
                        .await
                        .map(|mut r| r.remove(0));
                    if result.is_ok() {
                        stats.record(1);
                    }
                    all_written &= result.is_ok();
                    let _ = job.reply.send(result);
                }
                if all_written {
                    conn = Some(c);
                }
            }
            Err(e) => {
                if let Some(job) = batch.into_iter().next() {
                    let _ = job.reply.send(Err(e));
                }
            }
        }
    }
}

/// The writer's connection: `kept`, else a new one from the pool.
async fn writer_connection(
    pool: &sqlx::AnyPool,
    kept: Option<sqlx::pool::PoolConnection<sqlx::Any>>,
) -> sqlx::Result<sqlx::pool::PoolConnection<sqlx::Any>> {
    match kept {
        Some(c) => Ok(c),
        None => pool.acquire().await,
    }
}

/// Answers every job of `batch` that the writer has no connection, and why.
fn refuse(pool: &sqlx::AnyPool, batch: Vec<Job>, e: &sqlx::Error) {
    tracing::error!(error = %e, "the report writer cannot get a connection");
    for job in batch {
        let _ = job.reply.send(Err(if pool.is_closed() {
            sqlx::Error::PoolClosed
        } else {
            sqlx::Error::Protocol(format!("the report writer has no connection: {e}"))
        }));
    }
}

async fn write_batch(
    conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
    batch: &[Job],
) -> sqlx::Result<Vec<Inserted>> {
    let mut tx = sqlx::Connection::begin(&mut **conn).await?;
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        results.push(write_report(&mut tx, &job.prepared, &job.document, true).await?);
    }
    tx.commit().await?;
    Ok(results)
}

impl Store {
    /// Stores a report with its indexed rows, committed before this returns, replacing a
    /// report with the same id. SQLite: through the group-committing writer; PostgreSQL: in a
    /// transaction of its own (it takes concurrent writers).
    pub async fn save_report(&self, p: Prepared, document: &str) -> sqlx::Result<Inserted> {
        if let Some(writer) = &self.writer {
            let (reply, answer) = oneshot::channel();
            let gone = || sqlx::Error::PoolClosed;
            writer
                .send(Job {
                    prepared: p,
                    document: Stored::new(document),
                    reply,
                })
                .await
                .map_err(|_| gone())?;
            return answer.await.map_err(|_| gone())?;
        }
        // PostgreSQL: concurrent writers, possibly in several servers. The locks in
        // `write_report` leave no race to lose; a deadlock or serialization failure the
        // database reports anyway is retried here, never handed to the client.
        let stored = Stored::new(document);
        let mut attempt = 0;
        loop {
            let result = async {
                let mut tx = self.pool.begin().await?;
                let inserted = write_report(&mut tx, &p, &stored, false).await?;
                tx.commit().await?;
                self.writer_stats.record(1);
                Ok(inserted)
            }
            .await;
            match result {
                Err(e) if attempt < MAX_RETRIES && retryable(&e) => {
                    attempt += 1;
                    tracing::debug!(error = %e, attempt, "report write retried");
                    tokio::time::sleep(std::time::Duration::from_millis(
                        fastrand::u64(1..=10) << attempt,
                    ))
                    .await;
                }
                result => return result,
            }
        }
    }
}

/// Retries of a report write the database refused for a conflict with another.
const MAX_RETRIES: u32 = 5;

/// Whether PostgreSQL refused a write for a conflict with a concurrent one: serialization
/// failure, deadlock, or a unique key taken meanwhile.
fn retryable(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|code| matches!(code.as_ref(), "40001" | "40P01" | "23505"))
}

/// A unit, as runs count them: the how-manieth test of this serial number of this part in
/// this operation, by start time.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Unit {
    sn: String,
    pn: String,
    process_code: i64,
    report_type: String,
}

impl Unit {
    fn key(&self) -> String {
        format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}",
            self.sn, self.pn, self.process_code, self.report_type
        )
    }
}

/// What a PostgreSQL transaction-scoped advisory lock protects.
#[derive(Clone, Copy)]
pub(super) enum LockSpace {
    /// One report id: its overwrite (read, delete, insert) is one step.
    Report = 1,
    /// One unit: its runs are renumbered by one writer at a time.
    Unit = 2,
    /// One group of step facts (a day of a part number, revision and process): a recount
    /// after a replacement must not run beside another writer's upsert (see `facts.rs`).
    Facts = 3,
}

/// Takes a PostgreSQL advisory lock held to the end of `tx`. Keys are hashed into 32 bits: a
/// collision only makes two unrelated writes wait for each other.
pub(super) async fn lock(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    space: LockSpace,
    key: &str,
) -> sqlx::Result<()> {
    sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock($1, hashtext($2))) AS locked")
        .bind(space as i32)
        .bind(key)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Numbers the runs of `unit` 1..n by start time (ties by id), writing only the rows whose run
/// or unit facts change: a report that arrived late takes its place and the runs after it move.
/// The unit's facts (runs, first passing run, last start; migration 0018) go on its first
/// run's row, NULL on the others, so yield reads one row per unit.
async fn renumber_runs(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    unit: &Unit,
    sqlite: bool,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE reports SET run = ranked.n, \
         unit_runs = CASE WHEN ranked.n = 1 THEN ranked.c END, \
         unit_pass_run = CASE WHEN ranked.n = 1 THEN ranked.p END, \
         unit_last_utc = CASE WHEN ranked.n = 1 THEN ranked.l END \
         FROM (SELECT id, n, COUNT(*) OVER () AS c, \
                      MIN(CASE WHEN result = 'Passed' THEN n END) OVER () AS p, \
                      MAX(start_utc) OVER () AS l \
               FROM (SELECT id, result, start_utc, \
                            ROW_NUMBER() OVER (ORDER BY start_utc, id) AS n FROM reports \
                     WHERE sn = $1 AND pn = $2 AND process_code = $3 AND report_type = $4) \
                    AS numbered) AS ranked \
         WHERE reports.id = ranked.id AND (reports.run <> ranked.n OR (ranked.n = 1 AND \
               (reports.unit_runs IS DISTINCT FROM ranked.c \
                OR reports.unit_pass_run IS DISTINCT FROM ranked.p \
                OR reports.unit_last_utc IS DISTINCT FROM ranked.l)))",
    )
    .persistent(sqlite)
    .bind(unit.sn.as_str())
    .bind(unit.pn.as_str())
    .bind(unit.process_code)
    .bind(unit.report_type.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The query of what the stored rows say before a report is written (see `write_report`),
/// with the backend's way of taking the next `seq`.
fn facts_sql(next_seq: &str) -> String {
    format!(
        "SELECT prev.receive_count, prev.sn, prev.pn, prev.process_code, prev.report_type, \
                {next_seq}, \
                (SELECT COUNT(*) + 1 FROM reports WHERE sn = $2 AND pn = $3 \
                 AND process_code = $4 AND report_type = $5 AND id <> $1 \
                 AND (start_utc < $6 OR (start_utc = $6 AND id < $1))), \
                prev.rev, prev.start_utc \
         FROM (SELECT 1 AS one) AS one LEFT JOIN reports prev ON prev.id = $1"
    )
}

static FACTS_SQLITE: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| facts_sql("(SELECT COALESCE(MAX(seq), 0) + 1 FROM reports)"));
static FACTS_POSTGRES: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| facts_sql("nextval('reports_seq_gen')"));

/// Writes one report (and its rows) in `tx`, replacing a report with the same id.
async fn write_report(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    p: &Prepared,
    document: &Stored,
    sqlite: bool,
) -> sqlx::Result<Inserted> {
    {
        let h = &p.header;
        if !sqlite {
            // Submissions of one id (a station retrying while its first attempt commits, or
            // two servers) take turns: the read, delete and insert below are one step.
            lock(tx, LockSpace::Report, h.id.as_str()).await?;
        }
        // What the stored rows say, in one round trip to the database: the report with this id
        // (replaced below: its receive count and unit), the next processing-order number
        // (SQLite's one writer may take the maximum; PostgreSQL's concurrent ones need a
        // sequence), and the run as it stands (renumbered below, under the unit's lock).
        let facts: &str = if sqlite {
            &FACTS_SQLITE
        } else {
            &FACTS_POSTGRES
        };
        let row = sqlx::query(facts)
            .persistent(sqlite)
            .bind(h.id.as_str())
            .bind(h.sn.as_str())
            .bind(h.pn.as_str())
            .bind(h.process_code)
            .bind(h.report_type.as_str())
            .bind(h.start_utc)
            .fetch_one(&mut **tx)
            .await?;
        let previous: Option<i64> = row.try_get(0)?;
        let seq: i64 = row.try_get(5)?;
        let run: i64 = row.try_get(6)?;
        let receive_count = previous.map_or(1, |n| n + 1);
        let unit = Unit {
            sn: h.sn.clone(),
            pn: h.pn.clone(),
            process_code: h.process_code,
            report_type: h.report_type.clone(),
        };
        let old_unit = match previous {
            Some(_) => Some(Unit {
                sn: row.try_get(1)?,
                pn: row.try_get(2)?,
                process_code: row.try_get(3)?,
                report_type: row.try_get(4)?,
            }),
            None => None,
        }
        .filter(|old| *old != unit);
        // The units whose runs this write changes, in one order for every writer (no
        // deadlock between two that both move a report between the same units).
        let mut units: Vec<&Unit> = std::iter::once(&unit).chain(old_unit.as_ref()).collect();
        units.sort();
        if !sqlite {
            for u in &units {
                lock(tx, LockSpace::Unit, &u.key()).await?;
            }
        }
        if previous.is_some() {
            sqlx::query("DELETE FROM reports WHERE id = $1")
                .bind(h.id.as_str())
                .execute(&mut **tx)
                .await?;
            for table in CHILD_TABLES {
                sqlx::query(&format!("DELETE FROM {table} WHERE report_id = $1"))
                    .bind(h.id.as_str())
                    .execute(&mut **tx)
                    .await?;
            }
            if row.try_get::<Option<String>, _>(4)?.as_deref() == Some("T") {
                let old = StepDay {
                    day: day_of(row.try_get::<Option<i64>, _>(8)?.unwrap_or_default()),
                    pn: row.try_get::<Option<String>, _>(2)?.unwrap_or_default(),
                    rev: row.try_get(7)?,
                    process_code: row.try_get::<Option<i64>, _>(3)?.unwrap_or_default(),
                };
                old.recount(tx, sqlite).await?;
            }
        }
        sqlx::query(
            "INSERT INTO reports (id, report_type, pn, sn, rev, product_name, process_code, \
             process_name, result, station, location, purpose, start_text, start_utc, operator, \
             comment, batch_sn, fixture_id, exec_time, test_socket_index, error_code, \
             error_message, sw_filename, sw_version, caused_uut_failure, caused_uut_failure_path, \
             referenced_uut, origin, run, receive_count, report_size, seq, received_utc, document, \
             packed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, '', \
             $34)",
        )
        // Not cached on PostgreSQL: sqlx's Any driver types a NULL double as float4, and a
        // statement prepared with that type then rejects a real double. SQLite has no such
        // types; caching there saves re-parsing the statement for every report.
        .persistent(sqlite)
        .bind(h.id.as_str())
        .bind(h.report_type.as_str())
        .bind(h.pn.as_str())
        .bind(h.sn.as_str())
        .bind(h.rev.as_deref())
        .bind(h.product_name.as_deref())
        .bind(h.process_code)
        .bind(h.process_name.as_deref())
        .bind(h.result.as_str())
        .bind(h.station.as_deref())
        .bind(h.location.as_deref())
        .bind(h.purpose.as_deref())
        .bind(h.start_text.as_str())
        .bind(h.start_utc)
        .bind(h.operator.as_deref())
        .bind(h.comment.as_deref())
        .bind(h.batch_sn.as_deref())
        .bind(h.fixture_id.as_deref())
        .bind(h.exec_time)
        .bind(h.test_socket_index)
        .bind(h.error_code)
        .bind(h.error_message.as_deref())
        .bind(h.sw_filename.as_deref())
        .bind(h.sw_version.as_deref())
        .bind(h.caused_uut_failure.as_deref())
        .bind(h.caused_uut_failure_path.as_deref())
        .bind(h.referenced_uut.as_deref())
        .bind(h.origin.as_deref())
        .bind(run)
        .bind(receive_count)
        .bind(document.kib)
        .bind(seq)
        .bind(chrono::Utc::now().timestamp_micros())
        .bind(document.packed.as_slice())
        .execute(&mut **tx)
        .await?;

        for (i, (description, text, numeric)) in p.misc_infos.iter().enumerate() {
            sqlx::query(
                "INSERT INTO report_misc_infos (report_id, idx, description, text_value, \
                 numeric_value) VALUES ($1, $2, $3, $4, $5)",
            )
            .persistent(sqlite)
            .bind(h.id.as_str())
            .bind(i as i64)
            .bind(description.as_deref())
            .bind(text.as_deref())
            .bind(*numeric)
            .execute(&mut **tx)
            .await?;
        }
        for (i, s) in p.sub_units.iter().enumerate() {
            sqlx::query(
                "INSERT INTO report_sub_units (report_id, idx, part_type, pn, sn, rev) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(h.id.as_str())
            .bind(i as i64)
            .bind(s.part_type.as_deref())
            .bind(s.pn.as_deref())
            .bind(s.sn.as_deref())
            .bind(s.rev.as_deref())
            .execute(&mut **tx)
            .await?;
        }
        for (i, (sn, usage)) in p.assets.iter().enumerate() {
            sqlx::query(
                "INSERT INTO report_assets (report_id, idx, asset_sn, usage_count) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(h.id.as_str())
            .bind(i as i64)
            .bind(sn.as_deref())
            .bind(*usage)
            .execute(&mut **tx)
            .await?;
        }
        for (i, a) in p.attachments.iter().enumerate() {
            sqlx::query(
                "INSERT INTO report_attachments (report_id, idx, step_id, attachment_id, name, \
                 content_type, size) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(h.id.as_str())
            .bind(i as i64)
            .bind(a.step_id)
            .bind(a.attachment_id.as_deref())
            .bind(a.name.as_deref())
            .bind(a.content_type.as_deref())
            .bind(a.size)
            .execute(&mut **tx)
            .await?;
        }
        insert_measurements(tx, &h.id, p, sqlite).await?;
        for u in units {
            renumber_runs(tx, u, sqlite).await?;
        }
        // Last: concurrent PostgreSQL writers of one product and day wait on these rows
        // until commit.
        if h.report_type == "T" && !p.measurements.is_empty() {
            let day = StepDay {
                day: day_of(h.start_utc),
                pn: h.pn.clone(),
                rev: h.rev.clone(),
                process_code: h.process_code,
            };
            day.add(tx, &h.id, h.start_utc, sqlite).await?;
        }
        Ok(Inserted {
            seq,
            replaced: previous.is_some(),
        })
    }
}

/// Inserts the measurements in multi-row statements (far fewer round trips than one
/// statement per row; 18 columns × 50 rows stays under SQLite's parameter limit).
async fn insert_measurements(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    p: &Prepared,
    sqlite: bool,
) -> sqlx::Result<()> {
    const COLUMNS: usize = 18;
    const ROWS: usize = 50;
    for chunk in p.measurements.chunks(ROWS) {
        let mut sql = String::from(
            "INSERT INTO measurements (report_id, step_index, meas_index, step_id, step_path, \
                 step_name, step_type, step_status, kind, meas_name, value, string_value, unit, \
                 low_limit, high_limit, string_limit, comp_op, status) VALUES ",
        );
        for r in 0..chunk.len() {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..COLUMNS {
                if c > 0 {
                    sql.push_str(", ");
                }
                // SQLite binds `$n` by looking each name up among all the statement's
                // parameters (quadratic: most of the ingest time at 900 parameters);
                // anonymous `?` binds by position.
                if sqlite {
                    sql.push('?');
                } else {
                    sql.push_str(&format!("${}", r * COLUMNS + c + 1));
                }
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql).persistent(sqlite);
        for m in chunk {
            q = q
                .bind(id)
                .bind(m.step_index)
                .bind(m.meas_index)
                .bind(m.step_id)
                .bind(m.step_path.as_str())
                .bind(m.step_name.as_deref())
                .bind(m.step_type.as_deref())
                .bind(m.step_status.as_deref())
                .bind(m.kind)
                .bind(m.meas_name.as_deref())
                .bind(m.value.filter(|v| v.is_finite()))
                .bind(m.string_value.as_deref())
                .bind(m.unit.as_deref())
                .bind(m.low_limit.filter(|v| v.is_finite()))
                .bind(m.high_limit.filter(|v| v.is_finite()))
                .bind(m.string_limit.as_deref())
                .bind(m.comp_op.as_deref())
                .bind(m.status.as_deref());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

impl Store {
    /// The stored WSJF document of a report.
    pub async fn report_document(&self, id: &str) -> sqlx::Result<Option<String>> {
        let Some(row) =
            sqlx::query("SELECT document, packed, report_size FROM reports WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(None);
        };
        let packed: Option<Vec<u8>> = row.try_get(1)?;
        match packed {
            None => row.try_get(0).map(Some),
            Some(packed) => {
                // `report_size` is the document's size in KiB, rounded up.
                let kib: i64 = row.try_get(2)?;
                let max_len = usize::try_from(kib.max(0))
                    .unwrap_or(usize::MAX)
                    .saturating_mul(1024);
                wats_report::packed::unpack(&packed, max_len)
            }
            .map(Some)
            .map_err(|e| sqlx::Error::Decode(format!("report {id}: {e}").into())),
        }
    }

    /// Repair reports referencing a test report: `(id, start)`, oldest first.
    pub async fn referencing_uurs(&self, id: &str) -> sqlx::Result<Vec<(String, String)>> {
        sqlx::query(
            "SELECT id, start_text FROM reports WHERE referenced_uut = $1 AND report_type = 'R' \
             ORDER BY start_utc",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
    }

    /// How many measurements are stored for a report.
    pub async fn measurement_count(&self, id: &str) -> sqlx::Result<i64> {
        sqlx::query("SELECT COUNT(*) FROM measurements WHERE report_id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)
    }
}
