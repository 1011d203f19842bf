//! The Production domain (WATS's MES side): units, their phases, verification and grade,
//! assembly (parent and child units), serial-number types and numbers, batches.
//!
//! Names are WATS's public OpenAPI (`Virinco.WATS.Web.Dashboard.Models.Mes.Production.Public.*`,
//! `PublicUnitVerification(Grade)`), camelCase; the internal MES shapes ([`UnitPhase`],
//! [`SerialNumberRange`]) are as the internal OpenAPI spells them. WATS documents several
//! answers only as "object" (serial-number records, assembly checks, unit info, state
//! history); their shapes here ([`SerialNumberRecord`], [`AssemblyCheck`], [`UnitInfo`],
//! [`UnitStateChange`], [`UnitContent`]) are this toolkit's, written once and shared by the
//! SDK and the server.
//!
//! ```
//! use wats_types::production::{phase, Unit};
//! let u: Unit = serde_json::from_str(
//!     r#"{"serialNumber":"SN-1","partNumber":"PCB-1","unitPhaseId":16,"mesField":1}"#).unwrap();
//! assert_eq!(u.unit_phase_id, Some(phase::FINALIZED));
//! assert!(serde_json::to_string(&u).unwrap().contains(r#""mesField":1"#));
//! ```

use serde::{Deserialize, Serialize};

use crate::common::{Extra, Setting};
use crate::product::{Product, ProductRevision};

/// Unit phase ids (`UnitPhaseFlag`): each a power of two, as WATS defines them.
pub mod phase {
    /// Unknown.
    pub const UNKNOWN: i32 = 1;
    /// Under production.
    pub const UNDER_PRODUCTION: i32 = 2;
    /// Production repair.
    pub const PRODUCTION_REPAIR: i32 = 4;
    /// Service repair.
    pub const SERVICE_REPAIR: i32 = 8;
    /// Finalized.
    pub const FINALIZED: i32 = 16;
    /// Scrapped.
    pub const SCRAPPED: i32 = 32;
    /// Extended test.
    pub const EXTENDED_TEST: i32 = 64;
    /// Customization.
    pub const CUSTOMIZATION: i32 = 128;
    /// Repaired.
    pub const REPAIRED: i32 = 256;
    /// Missing.
    pub const MISSING: i32 = 512;
    /// In storage.
    pub const IN_STORAGE: i32 = 1024;
    /// Shipped.
    pub const SHIPPED: i32 = 2048;

    /// Every phase: id, code, name (`GET /api/internal/Mes/GetUnitPhases`).
    pub const ALL: [(i32, &str, &str); 12] = [
        (UNKNOWN, "Unknown", "Unknown"),
        (UNDER_PRODUCTION, "Under_Production", "Under production"),
        (PRODUCTION_REPAIR, "Production_Repair", "Production repair"),
        (SERVICE_REPAIR, "Service_Repair", "Service repair"),
        (FINALIZED, "Finalized", "Finalized"),
        (SCRAPPED, "Scrapped", "Scrapped"),
        (EXTENDED_TEST, "Extended_Test", "Extended test"),
        (CUSTOMIZATION, "Customization", "Customization"),
        (REPAIRED, "Repaired", "Repaired"),
        (MISSING, "Missing", "Missing"),
        (IN_STORAGE, "In_Storage", "In storage"),
        (SHIPPED, "Shipped", "Shipped"),
    ];

    /// The name of a phase id.
    pub fn name(id: i32) -> Option<&'static str> {
        ALL.iter().find(|p| p.0 == id).map(|p| p.2)
    }

    /// A phase id from an id, a name or a code (names first, then codes; case ignored), as
    /// pyWATS's `set_unit_phase` resolves it.
    pub fn resolve(text: &str) -> Option<i32> {
        let t = text.trim();
        if let Ok(n) = t.parse::<i32>() {
            return ALL.iter().any(|p| p.0 == n).then_some(n);
        }
        ALL.iter()
            .find(|p| p.2.eq_ignore_ascii_case(t))
            .or_else(|| ALL.iter().find(|p| p.1.eq_ignore_ascii_case(t)))
            .map(|p| p.0)
    }
}

/// A unit phase (internal MES, PascalCase).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "PascalCase")]
pub struct UnitPhase {
    /// The id (a power of two, see [`phase`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_phase_id: Option<i32>,
    /// Machine-readable code, e.g. `Under_Production`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Display name, e.g. `Under production`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// What a serial-number type's numbers are (`identifier`): 0 serial number, 1 MAC address,
/// 2 IMEI; other values round-trip.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct SerialNumberIdentifier(pub i32);

impl SerialNumberIdentifier {
    /// 0: a serial number (decimal digits).
    pub const SERIAL_NUMBER: SerialNumberIdentifier = SerialNumberIdentifier(0);
    /// 1: a MAC address (hexadecimal digits).
    pub const MAC_ADDRESS: SerialNumberIdentifier = SerialNumberIdentifier(1);
    /// 2: an IMEI (decimal digits).
    pub const IMEI: SerialNumberIdentifier = SerialNumberIdentifier(2);

    /// WATS's name of the identifier.
    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "MACAddress",
            2 => "IMEI",
            _ => "SerialNumber",
        }
    }
}

/// A serial-number type (`GET /api/Production/SerialNumbers/Types`).
///
/// `format` renders a number's address: each run of `#` is the address's digits, zero-padded
/// to the run's length (hexadecimal for MAC addresses, decimal otherwise), e.g. `SN-######`
/// or `00:1A:##:##:##:##`. Without `format` the number is the decimal address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SerialNumberType {
    /// The type's name (unique, case ignored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How an address becomes a serial number (see the type's documentation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// A regular expression every imported number must match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reg_ex: Option<String>,
    /// What the numbers are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<SerialNumberIdentifier>,
    /// The identifier's name (written by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier_name: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// A range of serial-number addresses and how its numbers are used
/// (`GET /api/internal/Production/SerialNumbers/Ranges`, `…/Statistics`), or, in a request
/// (`PUT /api/internal/Production/SerialNumbers/Free`), the addresses to free.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SerialNumberRange {
    /// The serial-number type's name.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// The type's identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<SerialNumberIdentifier>,
    /// The identifier's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier_name: Option<String>,
    /// First address (or formatted serial number) of the range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_address: Option<String>,
    /// Last address (or formatted serial number), inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_address: Option<String>,
    /// Numbers in the range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    /// Not handed out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free: Option<i64>,
    /// Handed out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taken: Option<i64>,
    /// Reserved (imported as reserved).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved: Option<i64>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// One serial number and who took it (`GET /api/Production/SerialNumbers/ByRange`,
/// `…/ByReference`, `GET /api/internal/Production/SerialNumbers`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SerialNumberRecord {
    /// The serial number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// The type's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number_type: Option<String>,
    /// The number's address within the type, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<i64>,
    /// `Free`, `Reserved` or `Taken`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The unit serial number the taker gave (`refSN`).
    #[serde(rename = "refSN", skip_serializing_if = "Option::is_none")]
    pub ref_sn: Option<String>,
    /// The part number the taker gave (`refPN`).
    #[serde(rename = "refPN", skip_serializing_if = "Option::is_none")]
    pub ref_pn: Option<String>,
    /// The station that took it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub station_name: Option<String>,
    /// When it was taken (UTC, RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taken_utc: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// A production batch (`GET /api/Production/Batches`, `PUT …/Batch(es)`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProductionBatch {
    /// The batch number (unique, case ignored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_number: Option<String>,
    /// Units planned in the batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<i32>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// A change to a unit, kept until acknowledged (`GET /api/Production/Units/Changes`,
/// `DELETE …/Changes/{id}`): a new phase, parent, part number or revision.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UnitChange {
    /// The change's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// The unit's serial number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_serial_number: Option<String>,
    /// The new parent's serial number (empty when the unit left its parent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_parent_serial_number: Option<String>,
    /// The part number (new, or unchanged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_part_number: Option<String>,
    /// The revision (new, or unchanged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_revision: Option<String>,
    /// The new phase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_unit_phase_id: Option<i32>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// A unit: one serial number of one part number (`GET /api/Production/Unit/{sn}/{pn}`,
/// `PUT /api/Production/Units`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Unit {
    /// Serial number (with the part number, the unit's key; case ignored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// Part number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_number: Option<String>,
    /// Product revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// The unit this one is built into (read-only: change it with the child-unit calls).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_serial_number: Option<String>,
    /// Batch number (the batch must exist).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_number: Option<String>,
    /// When the unit was created (UTC, RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_date: Option<String>,
    /// Where the unit is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_location: Option<String>,
    /// Free XML.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xml_data: Option<String>,
    /// Phase id (see [`phase`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_phase_id: Option<i32>,
    /// Phase name (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_phase: Option<String>,
    /// The unit's current process (operation code, as text: WATS's OpenAPI types it so).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_code: Option<String>,
    /// Tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Setting>>,
    /// The product revision (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_revision: Option<ProductRevision>,
    /// The product (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<Product>,
    /// Child units (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(no_recursion))]
    pub sub_units: Option<Vec<Unit>>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

impl Unit {
    /// A new unit to save.
    pub fn new(
        serial_number: impl Into<String>,
        part_number: impl Into<String>,
        revision: impl Into<String>,
    ) -> Self {
        Unit {
            serial_number: Some(serial_number.into()),
            part_number: Some(part_number.into()),
            revision: Some(revision.into()),
            ..Unit::default()
        }
    }
}

/// A unit's results in one process (`results` of [`UnitVerificationGrade`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UnitVerification {
    /// Process (test operation) code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_code: Option<i32>,
    /// Process name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_name: Option<String>,
    /// The process's place in the process order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_index: Option<i32>,
    /// The latest run's result (`Passed`, `Failed`, `Error`, `Terminated`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The latest run's start (UTC, RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_utc: Option<String>,
    /// The latest run's station.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub station_name: Option<String>,
    /// Runs in this process.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count: Option<i32>,
    /// Runs that did not pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_passed_count: Option<i32>,
    /// Repairs of failures in this process.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repair_count: Option<i32>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// A unit's verification: its grade and per-process results (`GET /api/Production/UnitVerification`).
///
/// `status` is `Passed` when every process's latest run passed, `Failed` when one's failed,
/// `Incomplete` when one ended in error or was terminated, `NotTested` without runs. `grade`
/// is the same verdict in the spelling pyWATS's guide uses: `PASSED`, `FAILED`, `INCOMPLETE`,
/// `NOT_TESTED`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UnitVerificationGrade {
    /// Overall status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Overall grade.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    /// The processes' first runs came in process order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_processes_executed_in_correct_order: Option<bool>,
    /// Every process passed on its first run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_processes_passed_first_run: Option<bool>,
    /// Every process passed on some run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_processes_passed_any_run: Option<bool>,
    /// Every process passed on its latest run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_processes_passed_last_run: Option<bool>,
    /// No repair reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_repairs: Option<bool>,
    /// Per process, in process order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<Vec<UnitVerification>>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// One box-build line of an [`AssemblyCheck`]: a child part the template asks for.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AssemblyLine {
    /// The child part number.
    pub part_number: String,
    /// The accepted child revisions (mask, or the template's revision).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_mask: Option<String>,
    /// The template's item number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_number: Option<String>,
    /// Units the template asks for.
    pub quantity: i32,
    /// Units attached.
    pub count: i32,
}

/// Whether a unit's attached children fulfil its revision's box-build template
/// (`GET /api/Production/CheckChildUnits`, `GET /api/internal/Production/CheckChildUnits`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AssemblyCheck {
    /// The parent's serial number.
    pub serial_number: String,
    /// The parent's part number.
    pub part_number: String,
    /// The revision whose template was checked.
    pub revision: String,
    /// Every line has its quantity and no child is outside the template.
    pub is_complete: bool,
    /// Units still missing, over all lines.
    pub missing_count: i32,
    /// Lines with fewer units than asked for.
    pub missing_parts: Vec<AssemblyLine>,
    /// Every template line.
    pub lines: Vec<AssemblyLine>,
    /// Attached children no template line accepts (e.g. the template changed since).
    pub unexpected: Vec<Unit>,
    /// The attached children.
    pub child_units: Vec<Unit>,
}

/// A unit with its state and test summary (`GET /api/internal/Production/GetUnitInfo`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UnitInfo {
    /// The unit.
    pub unit: Unit,
    /// The current process's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_name: Option<String>,
    /// UUT reports of the unit.
    pub test_count: i64,
    /// UUR (repair) reports of the unit.
    pub repair_count: i64,
    /// The latest test's start (UTC, RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_test_utc: Option<String>,
    /// The verification status (see [`UnitVerificationGrade`]).
    pub status: String,
}

/// One entry of a unit's state history (`GET /api/internal/Production/GetUnitStateHistory`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UnitStateChange {
    /// When (UTC, RFC 3339).
    pub date: String,
    /// What: `Created`, `Phase`, `Process`, `ChildAdded`, `ChildRemoved`, `Saved`.
    pub change_type: String,
    /// The phase after the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_phase_id: Option<i32>,
    /// The phase's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_phase: Option<String>,
    /// The phase before the change (phase changes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_unit_phase_id: Option<i32>,
    /// The process after the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_code: Option<i32>,
    /// The child unit (assembly changes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_serial_number: Option<String>,
    /// The child's part number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_part_number: Option<String>,
    /// The caller's comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Who made the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
}

/// A box-build node with the units attached to it (`GET /api/internal/Production/GetUnitContents`,
/// internal, PascalCase): the unit's revision at level 0, its template's lines below.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "PascalCase")]
pub struct UnitContent {
    /// Part number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_number: Option<String>,
    /// Revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Product name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    /// Revision name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_name: Option<String>,
    /// Accepted revisions of this line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_mask: Option<String>,
    /// Whether the revision has a BOM.
    #[serde(rename = "IsBOMLoaded", skip_serializing_if = "Option::is_none")]
    pub is_bom_loaded: Option<bool>,
    /// Depth (0: the unit's own revision).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<i32>,
    /// Lines below.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(no_recursion))]
    pub children: Option<Vec<UnitContent>>,
    /// Units on this line (level 0: the unit itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<Vec<Unit>>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// A unit's current process (`GET /api/internal/Production/GetUnitProcess`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UnitProcess {
    /// The process code (none when the unit has no current process).
    pub process_code: Option<i64>,
    /// The process's name.
    pub process_name: Option<String>,
}

/// A production site (`GET /api/internal/Production/GetSites`): here, a location reports were
/// made at.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Site {
    /// The site's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_resolve_by_id_name_and_code() {
        assert_eq!(phase::resolve("16"), Some(16));
        assert_eq!(phase::resolve("finalized"), Some(16));
        assert_eq!(phase::resolve("under production"), Some(2));
        assert_eq!(phase::resolve("UNDER_PRODUCTION"), Some(2));
        assert_eq!(phase::resolve("3"), None);
        assert_eq!(phase::resolve("Nope"), None);
    }

    #[test]
    fn wire_names() {
        let r = SerialNumberRecord {
            ref_sn: Some("A".into()),
            ..Default::default()
        };
        assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"refSN":"A"}"#);
        let p: UnitPhase =
            serde_json::from_str(r#"{"UnitPhaseId":2,"Code":"Under_Production"}"#).unwrap();
        assert_eq!(p.unit_phase_id, Some(2));
    }
}
