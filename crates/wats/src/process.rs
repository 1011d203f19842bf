//! Process (operation) lookups by code or name, from a cached process list.
//!
//! The list comes from `GET /api/App/Processes` and is reused for a TTL (default 300 s, see
//! [`WatsBuilder::process_cache_ttl`](crate::WatsBuilder::process_cache_ttl));
//! [`refresh`](ProcessHandler::refresh) reloads it at once. Lookups scan the list on the client,
//! as pyWATS does: codes exactly, names case-insensitively.
//!
//! ```no_run
//! # async fn run(wats: wats::Wats) -> wats::Result<()> {
//! use wats::Require;
//! let test = wats.process().test_operation("PCBA test").await.require()?;
//! let repair = wats.process().default_repair_operation().await?;
//! println!("{:?} {:?}", test.code, repair.map(|p| p.code));
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::app::Process;
use crate::client::{Request, Wats};
use crate::error::Result;

/// WATS's conventional default test operation code.
pub const DEFAULT_TEST_CODE: i32 = 100;
/// WATS's conventional default repair operation code.
pub const DEFAULT_REPAIR_CODE: i32 = 500;

/// The process list and when it was loaded.
#[derive(Debug)]
pub(crate) struct ProcessCache {
    ttl: Duration,
    list: Mutex<Option<(Instant, Arc<Vec<Process>>)>>,
}

impl ProcessCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        ProcessCache {
            ttl,
            list: Mutex::new(None),
        }
    }
}

/// A process's kind, for the typed lookups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessKind {
    /// `isTestOperation`.
    Test,
    /// `isRepairOperation`.
    Repair,
    /// `isWipOperation`.
    Wip,
}

impl ProcessKind {
    fn matches(self, p: &Process) -> bool {
        let flag = match self {
            ProcessKind::Test => p.is_test_operation,
            ProcessKind::Repair => p.is_repair_operation,
            ProcessKind::Wip => p.is_wip_operation,
        };
        flag == Some(true)
    }
}

/// A process code or name, for lookups that take either.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProcessRef {
    /// By code.
    Code(i32),
    /// By name (case-insensitive).
    Name(String),
}

impl From<i32> for ProcessRef {
    fn from(code: i32) -> Self {
        ProcessRef::Code(code)
    }
}

impl From<&str> for ProcessRef {
    fn from(name: &str) -> Self {
        ProcessRef::Name(name.to_owned())
    }
}

impl From<String> for ProcessRef {
    fn from(name: String) -> Self {
        ProcessRef::Name(name)
    }
}

impl ProcessRef {
    fn matches(&self, p: &Process) -> bool {
        match self {
            ProcessRef::Code(code) => p.code == Some(*code),
            ProcessRef::Name(name) => p
                .name
                .as_deref()
                .is_some_and(|n| n.trim().eq_ignore_ascii_case(name.trim())),
        }
    }
}

/// Cached process lookups. Get one with [`Wats::process`].
#[derive(Clone, Copy, Debug)]
pub struct ProcessHandler<'a> {
    wats: &'a Wats,
}

impl Wats {
    /// Process lookups by code or name, over a cached process list.
    pub fn process(&self) -> ProcessHandler<'_> {
        ProcessHandler { wats: self }
    }
}

impl ProcessHandler<'_> {
    /// The process list: cached, loaded when missing or older than the TTL.
    pub async fn list(&self) -> Result<Arc<Vec<Process>>> {
        let mut slot = self.wats.inner.processes.list.lock().await;
        if let Some((at, list)) = &*slot {
            if at.elapsed() < self.wats.inner.processes.ttl {
                return Ok(list.clone());
            }
        }
        let list = Arc::new(self.load().await?);
        *slot = Some((Instant::now(), list.clone()));
        Ok(list)
    }

    /// Reloads the process list now (bypassing every cache) and returns it.
    pub async fn refresh(&self) -> Result<Arc<Vec<Process>>> {
        let mut slot = self.wats.inner.processes.list.lock().await;
        let list = Arc::new(self.load().await?);
        *slot = Some((Instant::now(), list.clone()));
        Ok(list)
    }

    /// Forgets the cached list; the next lookup loads it.
    pub async fn clear(&self) {
        *self.wats.inner.processes.list.lock().await = None;
    }

    async fn load(&self) -> Result<Vec<Process>> {
        // No query parameters, as pyWATS: the server decides which processes are listed.
        let req = Request::get("/api/App/Processes").no_cache();
        self.wats.send_json(req).await
    }

    /// A process by code or name, of any kind.
    pub async fn get(&self, process: impl Into<ProcessRef>) -> Result<Option<Process>> {
        let process = process.into();
        Ok(self
            .list()
            .await?
            .iter()
            .find(|p| process.matches(p))
            .cloned())
    }

    /// A process by code.
    pub async fn by_code(&self, code: i32) -> Result<Option<Process>> {
        self.get(code).await
    }

    /// A process by name (case-insensitive).
    pub async fn by_name(&self, name: &str) -> Result<Option<Process>> {
        self.get(name).await
    }

    /// A process of the given kind by code or name.
    pub async fn get_kind(
        &self,
        kind: ProcessKind,
        process: impl Into<ProcessRef>,
    ) -> Result<Option<Process>> {
        let process = process.into();
        Ok(self
            .list()
            .await?
            .iter()
            .find(|p| kind.matches(p) && process.matches(p))
            .cloned())
    }

    /// A test operation by code or name.
    pub async fn test_operation(&self, process: impl Into<ProcessRef>) -> Result<Option<Process>> {
        self.get_kind(ProcessKind::Test, process).await
    }

    /// A repair operation by code or name.
    pub async fn repair_operation(
        &self,
        process: impl Into<ProcessRef>,
    ) -> Result<Option<Process>> {
        self.get_kind(ProcessKind::Repair, process).await
    }

    /// A WIP operation by code or name.
    pub async fn wip_operation(&self, process: impl Into<ProcessRef>) -> Result<Option<Process>> {
        self.get_kind(ProcessKind::Wip, process).await
    }

    /// Every process of a kind.
    pub async fn of_kind(&self, kind: ProcessKind) -> Result<Vec<Process>> {
        Ok(self
            .list()
            .await?
            .iter()
            .filter(|p| kind.matches(p))
            .cloned()
            .collect())
    }

    /// The default test operation: code 100, else the first test operation.
    pub async fn default_test_operation(&self) -> Result<Option<Process>> {
        self.default_of(ProcessKind::Test, DEFAULT_TEST_CODE).await
    }

    /// The default repair operation: code 500, else the first repair operation.
    pub async fn default_repair_operation(&self) -> Result<Option<Process>> {
        self.default_of(ProcessKind::Repair, DEFAULT_REPAIR_CODE)
            .await
    }

    async fn default_of(&self, kind: ProcessKind, code: i32) -> Result<Option<Process>> {
        let list = self.list().await?;
        let of_kind = || list.iter().filter(|p| kind.matches(p));
        Ok(of_kind()
            .find(|p| p.code == Some(code))
            .or_else(|| of_kind().next())
            .cloned())
    }
}

// ---- Repair configuration (issue 19) -------------------------------------------------------

pub use wats_types::process::{FailCode, RepairCategory, RepairOperationConfig};

/// The guide `docs/sdk/repair.md`, whose examples are compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/sdk/repair.md")]
pub struct RepairGuide;

impl ProcessHandler<'_> {
    /// Every repair operation's configuration (fail-code tree, masks, requirements), keyed by
    /// repair process code (`GET /api/internal/Process/GetRepairOperations`).
    pub async fn repair_configs(
        &self,
    ) -> Result<std::collections::BTreeMap<i32, RepairOperationConfig>> {
        let req = Request::get("/api/internal/Process/GetRepairOperations");
        let raw: std::collections::BTreeMap<String, RepairOperationConfig> =
            self.wats.send_json(req).await?;
        raw.into_iter()
            .map(|(k, v)| {
                k.trim()
                    .parse()
                    .map(|code| (code, v))
                    .map_err(|_| crate::Error::Decode {
                        path: "/api/internal/Process/GetRepairOperations".into(),
                        message: format!("the key '{k}' is not a process code"),
                    })
            })
            .collect()
    }

    /// The configuration of one repair process, by its id (and code, when given); `None`
    /// when it has none.
    pub async fn repair_config(
        &self,
        process_id: uuid::Uuid,
        process_code: Option<i32>,
    ) -> Result<Option<RepairOperationConfig>> {
        let req = Request::get(format!(
            "/api/internal/Process/GetRepairOperation/{process_id}"
        ))
        .query_opt("processCode", process_code);
        crate::error::optional(self.wats.send_json(req).await)
    }

    async fn config_of(&self, code: i32) -> Result<Option<RepairOperationConfig>> {
        Ok(self.repair_configs().await?.remove(&code))
    }

    /// The fail-code categories of a repair operation (empty when it has no configuration).
    pub async fn repair_categories(&self, code: i32) -> Result<Vec<RepairCategory>> {
        Ok(self
            .config_of(code)
            .await?
            .map(|c| c.categories)
            .unwrap_or_default())
    }

    /// The fail codes a repair operation allows, with their categories; only those of
    /// `category` (compared without regard to case) when given.
    pub async fn fail_codes(&self, code: i32, category: Option<&str>) -> Result<Vec<FailCode>> {
        let all = self
            .config_of(code)
            .await?
            .map(|c| c.fail_codes())
            .unwrap_or_default();
        Ok(all
            .into_iter()
            .filter(|f| category.is_none_or(|c| f.category.eq_ignore_ascii_case(c)))
            .collect())
    }

    /// Creates or replaces a repair operation's configuration (`PUT
    /// /api/internal/Process/PutRepairOperation/{code}`, a `wats-server` addition); returns it
    /// as stored, with ids given to new categories and fail codes.
    pub async fn save_repair_config(
        &self,
        code: i32,
        config: &RepairOperationConfig,
    ) -> Result<RepairOperationConfig> {
        let bytes = serde_json::to_vec(config)
            .map_err(|e| crate::Error::Config(format!("cannot encode the request body: {e}")))?;
        let req = Request::new(
            reqwest::Method::PUT,
            format!("/api/internal/Process/PutRepairOperation/{code}"),
        )
        .body(bytes, "application/json");
        let saved = self.wats.send_json(req).await;
        self.wats.invalidate("/api/internal/Process/");
        saved
    }
}
