//! Storage over SQLite or PostgreSQL.
//!
//! One code path serves both databases through sqlx's `Any` driver rather than a trait with
//! two implementations: the SQL the server needs (plain inserts, deletes, selects with `$n`
//! parameters, which SQLite accepts too) is the same on both, so a trait would mean writing
//! every query twice to gain nothing. The few differences are kept here: the migrations (one
//! folder per backend, since DDL types differ), the connection pragmas of SQLite, `ILIKE` for
//! case-insensitive matching on PostgreSQL, and a writer lock for SQLite (one writer at a
//! time is all SQLite allows; taking the lock in the process avoids `SQLITE_BUSY` when a
//! transaction upgrades from reading to writing).
//!
//! Column types are restricted to what `Any` decodes the same on both: `TEXT`, `BIGINT` and
//! `DOUBLE PRECISION`/`REAL`. Times are microseconds since the epoch, booleans 0/1.

pub mod analytics;
pub mod level;
pub mod product;
pub mod product_groups;
pub mod product_links;
pub mod query;
pub mod reports;

// Production (issue 17).
pub mod assembly;
pub mod production;
pub mod serial_files;
pub mod serial_numbers;
pub mod unit_edits;
pub mod verification;
// Asset and Software (issue 18).
pub mod asset;
pub mod asset_ops;
pub mod asset_rules;
pub mod software;
pub mod software_log;
pub mod software_zip;
// Users, roles and tokens; repair configuration; root-cause tickets; manual inspection
// (issue 19).
pub mod manual_inspection;
pub mod repair;
pub mod rootcause;
pub mod users;
// Analytics facts kept at ingest (issue 14).
pub mod facts;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use anyhow::Context as _;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor, Row};
use tokio::sync::Mutex;

/// Which database is behind the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file (WAL).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// The database.
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Serializes write transactions on SQLite.
    write_lock: Option<Arc<Mutex<()>>>,
    /// SQLite: the group-committing report writer ([`reports::run_writer`]).
    writer: Option<tokio::sync::mpsc::Sender<reports::Job>>,
    /// How report writes group into transactions.
    writer_stats: Arc<reports::WriterStats>,
    /// The process list as last read, and when: every report submission needs it.
    processes: std::sync::Mutex<Option<(std::time::Instant, Vec<Process>)>>,
}

/// How long a read process list is used before it is read again. Changes made through this
/// server clear it at once; the bound is for other servers sharing a PostgreSQL database.
const PROCESS_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// A process (operation) as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Process {
    /// Code, e.g. 10.
    pub code: i64,
    /// GUID.
    pub process_id: String,
    /// Name, e.g. "SW Debug".
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// A test operation.
    pub is_test_operation: bool,
    /// A repair operation.
    pub is_repair_operation: bool,
    /// A work-in-progress operation.
    pub is_wip_operation: bool,
    /// Sort order.
    pub process_index: i64,
    /// 1 = active, 0 = inactive.
    pub state: i64,
    /// Free-form properties.
    pub properties: Option<String>,
}

/// Makes `dir` readable by its owner only, and creates `db` (if needed) readable by its owner
/// only: SQLite gives its `-wal` and `-shm` files the database file's mode.
fn private_files(dir: &Path, db: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        let set = |path: &Path, mode: u32| {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                .with_context(|| format!("cannot make {} private", path.display()))
        };
        set(dir, 0o700)?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(db)
            .with_context(|| format!("cannot create {}", db.display()))?;
        for suffix in ["", "-wal", "-shm"] {
            let path = dir.join(format!("wats.db{suffix}"));
            if path.exists() {
                set(&path, 0o600)?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (dir, db);
    Ok(())
}

impl Store {
    /// Opens (creating if needed) `wats.db` in `dir`, in WAL mode, and migrates it.
    ///
    /// The directory is made 0700 and the database files 0600 (on Unix): they hold every
    /// report and the password hashes.
    pub async fn open_dir(dir: &Path) -> anyhow::Result<Store> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
        let file = dir.join("wats.db");
        private_files(dir, &file)?;
        let url = format!("sqlite://{}?mode=rwc", file.display());
        Self::open(&url).await
    }

    /// Opens a database by URL (`sqlite://…` or `postgres://…`) and migrates it.
    pub async fn open(url: &str) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            anyhow::bail!("unsupported database URL (expected sqlite:// or postgres://): {url}");
        };
        let options = AnyConnectOptions::from_str(url).context("invalid database URL")?;
        let pool = AnyPoolOptions::new()
            .max_connections(pool_size(backend))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // synchronous = FULL: a report is on disk before its submission is
                        // answered — the station forgets a report once the server took it, so
                        // a commit undone by a power cut would be a report lost (group commit
                        // pays one sync per batch). wal_autocheckpoint 8000 pages (32 MB):
                        // pages rewritten by many reports are copied back to the database once
                        // per checkpoint, not per 1000 frames (+8% ingest).
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                             PRAGMA cache_size = -32768; PRAGMA mmap_size = 268435456; \
                             PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 8000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("cannot connect to {}", redact(url)))?;
        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        migrator
            .run(&pool)
            .await
            .context("cannot migrate the database")?;
        let write_lock = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        let writer_stats = Arc::new(reports::WriterStats::default());
        let writer = write_lock.as_ref().map(|lock| {
            let (sender, jobs) = tokio::sync::mpsc::channel(64);
            tokio::spawn(reports::run_writer(
                pool.clone(),
                lock.clone(),
                jobs,
                writer_stats.clone(),
            ));
            sender
        });
        Ok(Store {
            writer_stats,
            pool,
            backend,
            write_lock,
            writer,
            processes: std::sync::Mutex::new(None),
        })
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// How report writes group into transactions (for `/metrics`).
    pub fn writer_stats(&self) -> &reports::WriterStats {
        &self.writer_stats
    }

    /// The pool.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Takes the writer lock (SQLite only; a no-op on PostgreSQL).
    pub(crate) async fn write_guard(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.write_lock {
            Some(m) => Some(m.lock().await),
            None => None,
        }
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    // ---- processes, levels, product groups ----------------------------------------------

    /// All processes, by process index then code.
    pub async fn processes(&self) -> sqlx::Result<Vec<Process>> {
        if let Some((read, list)) = &*self.process_cache() {
            if read.elapsed() < PROCESS_CACHE_TTL {
                return Ok(list.clone());
            }
        }
        let list = self.read_processes().await?;
        *self.process_cache() = Some((std::time::Instant::now(), list.clone()));
        Ok(list)
    }

    fn process_cache(
        &self,
    ) -> std::sync::MutexGuard<'_, Option<(std::time::Instant, Vec<Process>)>> {
        // A panic while holding it cannot leave a half-written list: take it as it is.
        self.processes.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn read_processes(&self) -> sqlx::Result<Vec<Process>> {
        let rows = sqlx::query(
            "SELECT code, process_id, name, description, is_test_operation, is_repair_operation, \
             is_wip_operation, process_index, state, properties FROM processes \
             ORDER BY process_index, code",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Process {
                    code: r.try_get(0)?,
                    process_id: r.try_get(1)?,
                    name: r.try_get(2)?,
                    description: r.try_get(3)?,
                    is_test_operation: r.try_get::<i64, _>(4)? != 0,
                    is_repair_operation: r.try_get::<i64, _>(5)? != 0,
                    is_wip_operation: r.try_get::<i64, _>(6)? != 0,
                    process_index: r.try_get(7)?,
                    state: r.try_get(8)?,
                    properties: r.try_get(9)?,
                })
            })
            .collect()
    }

    /// The process with `code`.
    pub async fn process_by_code(&self, code: i64) -> sqlx::Result<Option<Process>> {
        Ok(self.processes().await?.into_iter().find(|p| p.code == code))
    }

    /// Inserts or replaces (by process id) a process.
    pub async fn put_process(&self, p: &Process) -> sqlx::Result<()> {
        let _w = self.write_guard().await;
        *self.process_cache() = None;
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM processes WHERE process_id = $1 OR code = $2")
            .bind(&p.process_id)
            .bind(p.code)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO processes (code, process_id, name, description, is_test_operation, \
             is_repair_operation, is_wip_operation, process_index, state, properties) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(p.code)
        .bind(&p.process_id)
        .bind(&p.name)
        .bind(p.description.clone())
        .bind(p.is_test_operation as i64)
        .bind(p.is_repair_operation as i64)
        .bind(p.is_wip_operation as i64)
        .bind(p.process_index)
        .bind(p.state)
        .bind(p.properties.clone())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        *self.process_cache() = None;
        Ok(())
    }

    /// Deletes a process by its id; false when there was none.
    pub async fn delete_process(&self, process_id: &str) -> sqlx::Result<bool> {
        let _w = self.write_guard().await;
        let done = sqlx::query("DELETE FROM processes WHERE process_id = $1")
            .bind(process_id)
            .execute(&self.pool)
            .await?;
        *self.process_cache() = None;
        Ok(done.rows_affected() > 0)
    }

    /// Levels (client groups): id and name.
    pub async fn levels(&self) -> sqlx::Result<Vec<(i64, String)>> {
        self.id_names("SELECT level_id, level_name FROM levels ORDER BY level_id")
            .await
    }

    async fn id_names(&self, sql: &str) -> sqlx::Result<Vec<(i64, String)>> {
        sqlx::query(sql)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }
}

/// Connections this server keeps to the database: `WATS_SERVER_POOL_SIZE`, else 8 for SQLite
/// (one writer; readers in WAL) and 16 for PostgreSQL. With N servers on one PostgreSQL, keep
/// N × this under the database's `max_connections` (100 by default), with room for backups
/// and administration (docs/deployment.md).
fn pool_size(backend: Backend) -> u32 {
    std::env::var("WATS_SERVER_POOL_SIZE")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        })
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
