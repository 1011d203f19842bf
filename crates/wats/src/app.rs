//! The `App` controller's metadata: server version, processes, levels, product groups; and
//! creating levels (`/api/SystemManager/Level`).
//!
//! ```no_run
//! # async fn run(wats: wats::Wats) -> wats::Result<()> {
//! let version = wats.app().version().await?;
//! let processes = wats.app().processes(&Default::default()).await?;
//! for p in processes.iter().filter(|p| p.is_test_operation == Some(true)) {
//!     println!("{:>5} {}", p.code.unwrap_or_default(), p.name.as_deref().unwrap_or(""));
//! }
//! # Ok(()) }
//! ```

pub use wats_types::level::Level;
pub use wats_types::product::ProductGroup;

use crate::client::{Request, Wats};
use crate::error::Result;

/// A process (operation): a test, repair or WIP step of production (`GET /api/App/Processes`).
pub use wats_types::process::Process;
/// Unknown JSON keys, kept so a model re-serializes without loss.
pub use wats_types::Extra;

/// Which processes `GET /api/App/Processes` returns. With every flag unset the server decides
/// (WATS: active test, repair and WIP operations).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcessFilter {
    /// `includeTestOperations`.
    pub include_test_operations: Option<bool>,
    /// `includeRepairOperations`.
    pub include_repair_operations: Option<bool>,
    /// `includeWipOperations`.
    pub include_wip_operations: Option<bool>,
    /// `includeInactiveProcesses`.
    pub include_inactive_processes: Option<bool>,
}

/// The `App` metadata endpoints. Get one with [`Wats::app`].
#[derive(Clone, Copy, Debug)]
pub struct AppHandler<'a> {
    wats: &'a Wats,
}

impl Wats {
    /// Server metadata: version, processes, levels, product groups.
    pub fn app(&self) -> AppHandler<'_> {
        AppHandler { wats: self }
    }
}

impl AppHandler<'_> {
    /// The server version (`GET /api/App/Version`), e.g. `"2025.3.9.824"`.
    pub async fn version(&self) -> Result<String> {
        let req = Request::get("/api/App/Version").no_cache();
        let value: serde_json::Value = self.wats.send_json(req).await?;
        Ok(match value {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        })
    }

    /// The processes (`GET /api/App/Processes`).
    pub async fn processes(&self, filter: &ProcessFilter) -> Result<Vec<Process>> {
        let req = Request::get("/api/App/Processes")
            .query_opt("includeTestOperations", filter.include_test_operations)
            .query_opt("includeRepairOperations", filter.include_repair_operations)
            .query_opt("includeWipOperations", filter.include_wip_operations)
            .query_opt(
                "includeInactiveProcesses",
                filter.include_inactive_processes,
            );
        self.wats.send_json(req).await
    }

    /// The levels (`GET /api/App/Levels`).
    pub async fn levels(&self) -> Result<Vec<Level>> {
        self.wats.send_json(Request::get("/api/App/Levels")).await
    }

    /// Creates the levels of a hierarchy (names from the top level down) that do not exist
    /// yet, and answers the last one's id (`POST /api/SystemManager/Level`).
    pub async fn create_level(&self, hierarchy: &[&str]) -> Result<i64> {
        let body = serde_json::to_vec(hierarchy)
            .map_err(|e| crate::Error::Config(format!("cannot encode the hierarchy: {e}")))?;
        let req = Request::new(reqwest::Method::POST, "/api/SystemManager/Level")
            .body(body, "application/json");
        let id = self.wats.send_json(req).await;
        // `GET /api/App/Levels` lists it: not from a stale cache.
        self.wats.invalidate("/api/App/Levels");
        id
    }

    /// The id of the last level of a hierarchy, `None` when some level is missing
    /// (`GET /api/SystemManager/Level`).
    pub async fn level_id(&self, hierarchy: &[&str]) -> Result<Option<i64>> {
        let mut req = Request::get("/api/SystemManager/Level").no_cache();
        for name in hierarchy {
            req = req.query("hierarchy", name);
        }
        self.wats.send_json(req).await
    }

    /// The product groups (`GET /api/App/ProductGroups`), with their filters when
    /// `include_filters` is set.
    pub async fn product_groups(&self, include_filters: Option<bool>) -> Result<Vec<ProductGroup>> {
        let req =
            Request::get("/api/App/ProductGroups").query_opt("includeFilters", include_filters);
        self.wats.send_json(req).await
    }
}
