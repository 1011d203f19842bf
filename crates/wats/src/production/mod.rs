//! Production (WATS's MES side): units, their phase and process, verification and grade,
//! assembly against box-build templates, the change feed, batches, sites. Serial numbers are
//! in [`serial`] (the same handler).
//!
//! Every call pyWATS's production service makes, typed with the one definition of each wire
//! type in [`wats_types::production`] (re-exported here). Lookups answer `Ok(None)` for an
//! unknown unit; [`Require`](crate::Require) turns that into an error. Production reads are
//! never answered from the GET cache: a unit's state changes through other calls.
//!
//! ```no_run
//! # async fn run(wats: wats::Wats) -> wats::Result<()> {
//! use wats::production::{phase, Unit};
//! let p = wats.production();
//! p.save_units(&[Unit::new("SN-1", "PCB-100", "A")]).await?;
//! p.set_phase("SN-1", "PCB-100", phase::FINALIZED, Some("passed final test")).await?;
//! if p.is_passing("SN-1", "PCB-100").await? {
//!     println!("ship it");
//! }
//! # Ok(()) }
//! ```
//!
//! See `docs/sdk/production.md` for a guide.

pub mod serial;

/// The guide `docs/sdk/production.md`, whose examples are compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../../docs/sdk/production.md")]
pub struct ProductionGuide;

use reqwest::Method;

pub use serial::{SerialFormat, TakeOptions};
pub use wats_types::production::*;
pub use wats_types::Setting;

use crate::client::{segment, Request, Wats};
use crate::error::{optional, Error, Result};

/// The production endpoints. Get one with [`Wats::production`].
#[derive(Clone, Copy, Debug)]
pub struct ProductionHandler<'a> {
    pub(crate) wats: &'a Wats,
}

impl Wats {
    /// Units, phases, verification, assembly, serial numbers, batches.
    pub fn production(&self) -> ProductionHandler<'_> {
        ProductionHandler { wats: self }
    }
}

/// A GET that is never answered from the cache.
pub(crate) fn fresh(path: &str) -> Request {
    Request::get(path).no_cache()
}

/// A request with a JSON body.
pub(crate) fn with_json(
    method: Method,
    path: &str,
    body: &impl serde::Serialize,
) -> Result<Request> {
    let bytes = serde_json::to_vec(body)
        .map_err(|e| Error::Config(format!("cannot encode the request body: {e}")))?;
    Ok(Request::new(method, path).body(bytes, "application/json"))
}

fn unit_query(path: &str, sn: &str, pn: &str) -> Request {
    fresh(path)
        .query("serialNumber", sn)
        .query("partNumber", pn)
}

impl ProductionHandler<'_> {
    // ---- units ----------------------------------------------------------------------

    /// A unit with its product, revision and child units
    /// (`GET /api/Production/Unit/{serialNumber}/{partNumber}`); `None` when there is none.
    /// A serial number with reports but never saved is a unit made from its latest report.
    pub async fn unit(&self, serial_number: &str, part_number: &str) -> Result<Option<Unit>> {
        let path = format!(
            "/api/Production/Unit/{}/{}",
            segment(serial_number),
            segment(part_number)
        );
        optional(self.wats.send_json(fresh(&path)).await)
    }

    /// A unit by serial number, and part number when given
    /// (`GET /api/internal/Production/GetUnit`).
    pub async fn unit_by_serial(
        &self,
        serial_number: &str,
        part_number: Option<&str>,
    ) -> Result<Option<Unit>> {
        let req = fresh("/api/internal/Production/GetUnit")
            .query("serialNumber", serial_number)
            .query_opt("partNumber", part_number);
        optional(self.wats.send_json(req).await)
    }

    /// Creates or updates units, all or none (`PUT /api/Production/Units`): fields set replace
    /// the stored ones; a new unit needs a revision of an existing product. Answers the units
    /// as stored.
    pub async fn save_units(&self, units: &[Unit]) -> Result<Vec<Unit>> {
        let req = with_json(Method::PUT, "/api/Production/Units", &units)?;
        self.wats.send_json(req).await
    }

    /// Creates a unit of an existing product revision, optionally in a batch and phase
    /// (`POST /api/internal/Production/CreateUnit`); refused when it exists.
    pub async fn create_unit(
        &self,
        serial_number: &str,
        part_number: &str,
        revision: &str,
        batch_number: Option<&str>,
        phase_id: Option<i32>,
    ) -> Result<Unit> {
        let req = Request::new(Method::POST, "/api/internal/Production/CreateUnit")
            .query("serialNumber", serial_number)
            .query("partNumber", part_number)
            .query("revision", revision)
            .query_opt("batchNumber", batch_number)
            .query_opt("unitPhase", phase_id);
        self.wats.send_json(req).await
    }

    /// Units an OData query selects (`GET /api/Production/Unit/Query`): `$filter` over
    /// `serialNumber`, `partNumber`, `revision`, `batchNumber`, `serialDate`,
    /// `currentLocation`, `unitPhaseId`, `processCode`; `$orderby`; `$top` (server default
    /// 100, at most 1000).
    pub async fn query_units(
        &self,
        filter: Option<&crate::odata::Filter>,
        order_by: Option<&str>,
        top: Option<u32>,
    ) -> Result<Vec<Unit>> {
        let req = fresh("/api/Production/Unit/Query")
            .query_opt("$filter", filter.map(|f| f.as_str().to_owned()))
            .query_opt("$orderby", order_by)
            .query_opt("$top", top);
        self.wats.send_json(req).await
    }

    /// Creates one unit (`POST /api/Production/Unit`); its parent cannot be set here.
    pub async fn create_unit_public(&self, unit: &Unit) -> Result<Unit> {
        let req = with_json(Method::POST, "/api/Production/Unit", unit)?;
        self.wats.send_json(req).await
    }

    /// Updates one existing unit (`PUT /api/Production/Unit`): fields set replace the stored
    /// ones.
    pub async fn update_unit(&self, unit: &Unit) -> Result<Unit> {
        let req = with_json(Method::PUT, "/api/Production/Unit", unit)?;
        self.wats.send_json(req).await
    }

    /// Deletes a unit (`DELETE /api/Production/Unit`); refused while it has children.
    pub async fn delete_unit(&self, serial_number: &str, part_number: &str) -> Result<()> {
        let req = Request::new(Method::DELETE, "/api/Production/Unit")
            .query("serialNumber", serial_number)
            .query("partNumber", part_number);
        self.wats.send(req).await.map(drop)
    }

    /// Gives a unit another part number and revision (`PUT /api/Production/ChangeUnit`).
    pub async fn change_unit(
        &self,
        serial_number: &str,
        part_number: &str,
        new_part_number: &str,
        new_revision: &str,
    ) -> Result<Unit> {
        let req = Request::new(Method::PUT, "/api/Production/ChangeUnit")
            .query("serialNumber", serial_number)
            .query("partNumber", part_number)
            .query("newPartNumber", new_part_number)
            .query("newRevision", new_revision);
        self.wats.send_json(req).await
    }

    /// Adds or replaces one tag of a unit (`PUT /api/Production/UnitTag`).
    pub async fn set_unit_tag(
        &self,
        serial_number: &str,
        part_number: &str,
        key: &str,
        value: &str,
    ) -> Result<Unit> {
        let req = Request::new(Method::PUT, "/api/Production/UnitTag")
            .query("serialNumber", serial_number)
            .query("partNumber", part_number)
            .query("key", key)
            .query("value", value);
        self.wats.send_json(req).await
    }

    /// A unit with its process name, report counts and verification status
    /// (`GET /api/internal/Production/GetUnitInfo`).
    pub async fn unit_info(
        &self,
        serial_number: &str,
        part_number: &str,
    ) -> Result<Option<UnitInfo>> {
        let req = unit_query(
            "/api/internal/Production/GetUnitInfo",
            serial_number,
            part_number,
        );
        optional(self.wats.send_json(req).await)
    }

    /// A unit with its children, theirs, and so on in `subUnits`
    /// (`GET /api/internal/Production/GetUnitHierarchy`).
    pub async fn unit_hierarchy(
        &self,
        serial_number: &str,
        part_number: &str,
    ) -> Result<Option<Unit>> {
        let req = unit_query(
            "/api/internal/Production/GetUnitHierarchy",
            serial_number,
            part_number,
        );
        optional(self.wats.send_json(req).await)
    }

    /// A unit's revision and box-build lines with the units on them
    /// (`GET /api/internal/Production/GetUnitContents`).
    pub async fn unit_contents(
        &self,
        serial_number: &str,
        part_number: &str,
        revision: Option<&str>,
    ) -> Result<Option<UnitContent>> {
        let req = unit_query(
            "/api/internal/Production/GetUnitContents",
            serial_number,
            part_number,
        )
        .query_opt("revision", revision);
        optional(self.wats.send_json(req).await)
    }

    /// Every state change of a unit, oldest first
    /// (`GET /api/internal/Production/GetUnitStateHistory`).
    pub async fn unit_state_history(
        &self,
        serial_number: &str,
        part_number: &str,
    ) -> Result<Vec<UnitStateChange>> {
        let req = unit_query(
            "/api/internal/Production/GetUnitStateHistory",
            serial_number,
            part_number,
        );
        self.wats.send_json(req).await
    }

    // ---- phase and process ----------------------------------------------------------

    /// Every unit phase (`GET /api/internal/Mes/GetUnitPhases`). The ids are also constants
    /// in [`phase`], and [`phase::resolve`] finds one by name or code.
    pub async fn phases(&self) -> Result<Vec<UnitPhase>> {
        self.wats
            .send_json(Request::get("/api/internal/Mes/GetUnitPhases"))
            .await
    }

    /// A unit's current phase (`GET /api/internal/Production/GetUnitPhase`).
    pub async fn unit_phase(
        &self,
        serial_number: &str,
        part_number: &str,
    ) -> Result<Option<UnitPhase>> {
        let req = unit_query(
            "/api/internal/Production/GetUnitPhase",
            serial_number,
            part_number,
        );
        optional(self.wats.send_json(req).await)
    }

    /// Sets a unit's phase (`PUT /api/Production/SetUnitPhase`), recorded in its state history
    /// and the change feed. Answers the unit.
    pub async fn set_phase(
        &self,
        serial_number: &str,
        part_number: &str,
        phase_id: i32,
        comment: Option<&str>,
    ) -> Result<Unit> {
        let req = Request::new(Method::PUT, "/api/Production/SetUnitPhase")
            .query("serialNumber", serial_number)
            .query("partNumber", part_number)
            .query("phase", phase_id)
            .query_opt("comment", comment);
        self.wats.send_json(req).await
    }

    /// A unit's current process (`GET /api/internal/Production/GetUnitProcess`).
    pub async fn unit_process(
        &self,
        serial_number: &str,
        part_number: &str,
    ) -> Result<Option<UnitProcess>> {
        let req = unit_query(
            "/api/internal/Production/GetUnitProcess",
            serial_number,
            part_number,
        );
        optional(self.wats.send_json(req).await)
    }

    /// Sets a unit's current process by code (`PUT /api/Production/SetUnitProcess`). Answers
    /// the unit.
    pub async fn set_process(
        &self,
        serial_number: &str,
        part_number: &str,
        process_code: i64,
        comment: Option<&str>,
    ) -> Result<Unit> {
        let req = Request::new(Method::PUT, "/api/Production/SetUnitProcess")
            .query("serialNumber", serial_number)
            .query("partNumber", part_number)
            .query("processCode", process_code)
            .query_opt("comment", comment);
        self.wats.send_json(req).await
    }

    // ---- verification ---------------------------------------------------------------

    /// The unit's verification and grade from its reports, of one revision when given
    /// (`GET /api/Production/UnitVerification`).
    pub async fn verification(
        &self,
        serial_number: &str,
        part_number: &str,
        revision: Option<&str>,
    ) -> Result<Option<UnitVerificationGrade>> {
        let req = unit_query(
            "/api/Production/UnitVerification",
            serial_number,
            part_number,
        )
        .query_opt("revision", revision);
        optional(self.wats.send_json(req).await)
    }

    /// Whether every process's latest run passed (`allProcessesPassedLastRun`); false for an
    /// unknown unit.
    pub async fn is_passing(&self, serial_number: &str, part_number: &str) -> Result<bool> {
        Ok(self
            .verification(serial_number, part_number, None)
            .await?
            .and_then(|g| g.all_processes_passed_last_run)
            .unwrap_or(false))
    }

    // ---- the change feed ------------------------------------------------------------

    /// Changes to units not yet acknowledged, oldest first (`GET /api/Production/Units/Changes`):
    /// of one serial number and part number when given; `top` (server default 1000), `skip`.
    pub async fn changes(
        &self,
        serial_number: Option<&str>,
        part_number: Option<&str>,
        top: Option<u32>,
        skip: Option<u32>,
    ) -> Result<Vec<UnitChange>> {
        let req = fresh("/api/Production/Units/Changes")
            .query_opt("serialNumber", serial_number)
            .query_opt("partNumber", part_number)
            .query_opt("$top", top)
            .query_opt("$skip", skip);
        self.wats.send_json(req).await
    }

    /// Acknowledges (deletes) a change (`DELETE /api/Production/Units/Changes/{id}`).
    pub async fn acknowledge_change(&self, id: i64) -> Result<()> {
        let path = format!("/api/Production/Units/Changes/{id}");
        self.wats
            .send(Request::new(Method::DELETE, path))
            .await
            .map(drop)
    }

    // ---- assembly -------------------------------------------------------------------

    /// Builds a child unit into a parent, checked against the parent revision's box-build
    /// template (`POST /api/Production/AddChildUnit`). Answers the parent.
    pub async fn add_child(
        &self,
        parent_serial: &str,
        parent_part: &str,
        child_serial: &str,
        child_part: &str,
    ) -> Result<Unit> {
        let req = Request::new(Method::POST, "/api/Production/AddChildUnit")
            .query("parentSerialNumber", parent_serial)
            .query("parentPartNumber", parent_part)
            .query("childSerialNumber", child_serial)
            .query("childPartNumber", child_part);
        self.wats.send_json(req).await
    }

    /// As [`add_child`](Self::add_child), through the internal call that also checks the
    /// child's part number and revision (or mask, `A,B%`) against what the caller expects and,
    /// with `check_phase`, that the child is Finalized
    /// (`POST /api/internal/Production/AddChildUnit`).
    pub async fn add_child_validated(
        &self,
        parent_serial: &str,
        parent_part: &str,
        child_serial: &str,
        child_part: &str,
        expect_revision: Option<&str>,
        check_phase: bool,
    ) -> Result<Unit> {
        let req = Request::new(Method::POST, "/api/internal/Production/AddChildUnit")
            .query("serialNumber", parent_serial)
            .query("partNumber", parent_part)
            .query("childSerialNumber", child_serial)
            .query("childPartNumber", child_part)
            .query("checkPartNumber", child_part)
            .query_opt("checkRevision", expect_revision)
            .query("cultureCode", "en-US")
            .query("checkPhase", check_phase);
        self.wats.send_json(req).await
    }

    /// Takes a child out of its parent (`POST /api/Production/RemoveChildUnit`). Answers the
    /// parent.
    pub async fn remove_child(
        &self,
        parent_serial: &str,
        parent_part: &str,
        child_serial: &str,
        child_part: &str,
    ) -> Result<Unit> {
        let req = Request::new(Method::POST, "/api/Production/RemoveChildUnit")
            .query("parentSerialNumber", parent_serial)
            .query("parentPartNumber", parent_part)
            .query("childSerialNumber", child_serial)
            .query("childPartNumber", child_part);
        self.wats.send_json(req).await
    }

    /// Takes every child out of a unit (`POST /api/internal/Production/RemoveAllChildUnits`).
    /// Answers the unit.
    pub async fn remove_all_children(
        &self,
        serial_number: &str,
        part_number: &str,
    ) -> Result<Unit> {
        let req = Request::new(Method::POST, "/api/internal/Production/RemoveAllChildUnits")
            .query("serialNumber", serial_number)
            .query("partNumber", part_number);
        self.wats.send_json(req).await
    }

    /// Whether a unit's children fulfil a revision's box-build template (the unit's own
    /// revision when `None`) (`GET /api/Production/CheckChildUnits`).
    pub async fn check_children(
        &self,
        serial_number: &str,
        part_number: &str,
        revision: Option<&str>,
    ) -> Result<AssemblyCheck> {
        let req = unit_query(
            "/api/Production/CheckChildUnits",
            serial_number,
            part_number,
        )
        .query_opt("revision", revision);
        self.wats.send_json(req).await
    }

    /// As [`check_children`](Self::check_children) for the unit's own revision, through the
    /// internal call (`GET /api/internal/Production/CheckChildUnits`).
    pub async fn validate_children(
        &self,
        serial_number: &str,
        part_number: &str,
    ) -> Result<AssemblyCheck> {
        let req = fresh("/api/internal/Production/CheckChildUnits")
            .query("ParentSerialNumber", serial_number)
            .query("ParentPartNumber", part_number)
            .query("CultureCode", "en-US");
        self.wats.send_json(req).await
    }

    // ---- batches, sites, connection -------------------------------------------------

    /// Batches: all, those with units of a part number, or one by number
    /// (`GET /api/Production/Batches`).
    pub async fn batches(
        &self,
        part_number: Option<&str>,
        batch_number: Option<&str>,
    ) -> Result<Vec<ProductionBatch>> {
        let req = fresh("/api/Production/Batches")
            .query_opt("partNumber", part_number)
            .query_opt("batchId", batch_number);
        self.wats.send_json(req).await
    }

    /// Creates or updates a batch (`PUT /api/Production/Batch`).
    pub async fn save_batch(&self, batch: &ProductionBatch) -> Result<ProductionBatch> {
        let req = with_json(Method::PUT, "/api/Production/Batch", batch)?;
        self.wats.send_json(req).await
    }

    /// Creates or updates batches, all or none (`PUT /api/Production/Batches`).
    pub async fn save_batches(&self, batches: &[ProductionBatch]) -> Result<Vec<ProductionBatch>> {
        let req = with_json(Method::PUT, "/api/Production/Batches", &batches)?;
        self.wats.send_json(req).await
    }

    /// Production sites (`GET /api/internal/Production/GetSites`).
    pub async fn sites(&self) -> Result<Vec<Site>> {
        self.wats
            .send_json(fresh("/api/internal/Production/GetSites"))
            .await
    }

    /// Whether the server's Production module answers (`GET /api/internal/Production/isConnected`).
    pub async fn is_connected(&self) -> Result<bool> {
        let v: serde_json::Value = self
            .wats
            .send_json(fresh("/api/internal/Production/isConnected"))
            .await?;
        Ok(!v.is_null() && v != serde_json::Value::Bool(false))
    }
}
