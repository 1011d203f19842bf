//! The report and its header containers (report-formats §1.3–§1.7).

use uuid::Uuid;

use crate::status::{ReportType, Status};
use crate::step::Step;
use crate::time::Timestamp;
use crate::wire_struct;

wire_struct! {
    /// A WATS report: a UUT test report (`type` `T`, with `uut` and the `root` step) or a UUR
    /// repair report (`type` `R`, with `uur` and `subUnits`).
    ///
    /// Every key WATS uses is a typed field; unknown keys are kept in `extra`, explicit `null`s
    /// are remembered, so reading and writing a report loses nothing.
    pub struct Report {
        /// `T` (UUT) or `R` (UUR).
        "type" => report_type: ReportType,
        /// Report id, minted by the client; re-submitting the same id overwrites.
        "id" => id: Uuid,
        /// Part number (≤100).
        "pn" => pn: String,
        /// Serial number (≤100).
        "sn" => sn: String,
        /// Part revision (≤100).
        "rev" => rev: String,
        /// Product name (filled by the server).
        "productName" => product_name: String,
        /// Process (operation) code; for a UUR the repair operation.
        "processCode" => process_code: i64,
        /// .NET format of `processCode`.
        "processCodeFormat" => process_code_format: String,
        /// Process name (filled by the server; case-sensitive when sent).
        "processName" => process_name: String,
        /// `P`, `F`, `E` or `T`.
        "result" => result: Status,
        /// Station name (≤100).
        "machineName" => machine_name: String,
        /// Station location (≤100).
        "location" => location: String,
        /// Station purpose (≤100).
        "purpose" => purpose: String,
        /// Client identifier (filled by the server).
        "origin" => origin: String,
        /// Start, with the station's UTC offset.
        "start" => start: Timestamp,
        /// Start in UTC: read from server exports, never sent (the server derives it).
        "startUTC" => start_utc: Timestamp,
        /// The root sequence of a UUT report.
        "root" => root: Step,
        /// UUT header of a test report.
        "uut" => uut: UutInfo,
        /// UUR header of a repair report.
        "uur" => uur: UurInfo,
        /// Miscellaneous header information.
        "miscInfos" => misc_infos: Vec<MiscInfo>,
        /// Sub units: a part list (UUT) or the repaired unit hierarchy (UUR, main unit idx 0).
        "subUnits" => sub_units: Vec<SubUnit>,
        /// Test equipment used.
        "assets" => assets: Vec<Asset>,
        /// Asset statistics (server output only).
        "assetStats" => asset_stats: Vec<AssetStat>,
        /// Report-level attachments (UUR).
        "binaryData" => binary_data: Vec<BinaryData>,
        /// Header-level additional data.
        "additionalData" => additional_data: Vec<AdditionalData>,
    }
}

wire_struct! {
    /// The `uut` header of a test report.
    pub struct UutInfo {
        /// Operator (≤100).
        "user" => user: String,
        /// Comment (≤5000).
        "comment" => comment: String,
        /// Execution time in seconds.
        "execTime" => exec_time: f64 [float],
        /// .NET format of `execTime`.
        "execTimeFormat" => exec_time_format: String,
        /// Test fixture (≤100).
        "fixtureId" => fixture_id: String,
        /// Test socket; -1 when none.
        "testSocketIndex" => test_socket_index: i64,
        /// .NET format of `testSocketIndex`.
        "testSocketIndexFormat" => test_socket_index_format: String,
        /// Batch serial number (≤100).
        "batchSN" => batch_sn: String,
        /// Failures in the batch.
        "batchFailCount" => batch_fail_count: i64,
        /// .NET format of `batchFailCount`.
        "batchFailCountFormat" => batch_fail_count_format: String,
        /// Batch loop index.
        "batchLoopIndex" => batch_loop_index: i64,
        /// .NET format of `batchLoopIndex`.
        "batchLoopIndexFormat" => batch_loop_index_format: String,
        /// Error code.
        "errorCode" => error_code: i64,
        /// .NET format of `errorCode`.
        "errorCodeFormat" => error_code_format: String,
        /// Error message (≤500).
        "errorMessage" => error_message: String,
        /// Id of the step that caused the failure.
        "stepIdCausedUUTFailure" => step_id_caused_uut_failure: i64,
        /// Repair reports referencing this UUT (server output only).
        "referencedByUURs" => referenced_by_uurs: Vec<UurReference>,
    }
}

wire_struct! {
    /// A repair report referencing a UUT.
    pub struct UurReference {
        /// The UUR's id.
        "id" => id: Uuid,
        /// The UUR's start.
        "start" => start: Timestamp,
    }
}

wire_struct! {
    /// The `uur` header of a repair report.
    pub struct UurInfo {
        /// Repair operator (≤100).
        "user" => user: String,
        /// Comment (≤5000).
        "comment" => comment: String,
        /// The *test* operation in which the failure was found.
        "processCode" => process_code: i64,
        /// Name of that test operation.
        "processName" => process_name: String,
        /// .NET format of `processCode`.
        "processCodeFormat" => process_code_format: String,
        /// The failed UUT report being repaired.
        "refUUT" => ref_uut: Uuid,
        /// When the repair was confirmed (UTC).
        "confirmDate" => confirm_date: Timestamp,
        /// When the repair was finalized (UTC).
        "finalizeDate" => finalize_date: Timestamp,
        /// Time spent, seconds.
        "execTime" => exec_time: f64 [float],
        /// Whether the repair is active (default true).
        "active" => active: bool,
        /// Parent repair report.
        "parent" => parent: Uuid,
        /// Child repair reports.
        "children" => children: Vec<Uuid>,
    }
}

wire_struct! {
    /// A miscellaneous header entry: a description with a text or (deprecated) numeric value.
    pub struct MiscInfo {
        /// Key (≤100).
        "description" => description: String,
        /// Text value (≤100).
        "text" => text: String,
        /// Numeric value (WRML Int16; not available for analysis).
        "numeric" => numeric: f64 [float],
        /// .NET format of `numeric`.
        "numericFormat" => numeric_format: String,
        /// Type definition (≤30).
        "typedef" => typedef: String,
        /// Id.
        "id" => id: String,
    }
}

wire_struct! {
    /// A sub unit: a part of a UUT, or a unit in a UUR's hierarchy.
    pub struct SubUnit {
        /// Part type (≤50); `Main` for a UUR's main unit.
        "partType" => part_type: String,
        /// Part number (≤100).
        "pn" => pn: String,
        /// Revision (≤100).
        "rev" => rev: String,
        /// Serial number (≤100).
        "sn" => sn: String,
        /// Position.
        "position" => position: i64,
        /// Index in the hierarchy (UUR: 0 = the main unit).
        "idx" => idx: i64,
        /// Index of the parent unit.
        "parentIdx" => parent_idx: i64,
        /// Index of the unit this one replaced.
        "replacedIdx" => replaced_idx: i64,
        /// Failures found on this unit (UUR).
        "failures" => failures: Vec<Failure>,
    }
}

wire_struct! {
    /// A failure found during repair.
    pub struct Failure {
        /// Fail-code category (required).
        "category" => category: String,
        /// Fail code (required).
        "code" => code: String,
        /// Comment.
        "comment" => comment: String,
        /// Component reference such as `U1` (≤50).
        "comRef" => com_ref: String,
        /// Functional block (≤100).
        "funcBlock" => func_block: String,
        /// Id of the UUT step that uncovered the failure (0 = none).
        "refStepId" => ref_step_id: i64,
        /// Name of that step (server output).
        "refStepName" => ref_step_name: String,
        /// Failed component article number (≤100).
        "artNumber" => art_number: String,
        /// Its revision (≤100).
        "artRev" => art_rev: String,
        /// Its vendor.
        "artVendor" => art_vendor: String,
        /// Its description.
        "artDescription" => art_description: String,
    }
}

wire_struct! {
    /// Test equipment used for the report.
    pub struct Asset {
        /// Asset serial number (≤100).
        "assetSN" => asset_sn: String,
        /// Usage count to add.
        "usageCount" => usage_count: i64,
        /// .NET format of `usageCount`.
        "usageCountFormat" => usage_count_format: String,
    }
}

wire_struct! {
    /// Asset statistics returned by the server.
    pub struct AssetStat {
        /// Asset serial number.
        "assetSN" => asset_sn: String,
        /// Running count.
        "runningCount" => running_count: f64 [float],
        /// By how much the running count is exceeded.
        "runningCountExceeded" => running_count_exceeded: f64 [float],
        /// Total count.
        "totalCount" => total_count: f64 [float],
        /// By how much the total count is exceeded.
        "totalCountExceeded" => total_count_exceeded: f64 [float],
        /// Days since calibration.
        "daysSinceCalibration" => days_since_calibration: f64 [float],
        /// Whether the calibration date is unknown.
        "isDaysSinceCalibrationUnknown" => is_days_since_calibration_unknown: bool,
        /// Days calibration is overdue.
        "calibrationDaysOverdue" => calibration_days_overdue: f64 [float],
        /// Days since maintenance.
        "daysSinceMaintenance" => days_since_maintenance: f64 [float],
        /// Whether the maintenance date is unknown.
        "isDaysSinceMaintenanceUnknown" => is_days_since_maintenance_unknown: bool,
        /// Days maintenance is overdue.
        "maintenanceDaysOverdue" => maintenance_days_overdue: f64 [float],
        /// Message.
        "message" => message: String,
    }
}

wire_struct! {
    /// A report-level attachment (UUR).
    pub struct BinaryData {
        /// MIME type (≤100).
        "contentType" => content_type: String,
        /// Content, base64.
        "data" => data: String,
        /// File name (≤256).
        "name" => name: String,
        /// Id (server output).
        "id" => id: Uuid,
    }
}

wire_struct! {
    /// Additional data (report) or additional results (step): a named property tree.
    pub struct AdditionalData {
        /// Name (≤200).
        "name" => name: String,
        /// Properties.
        "props" => props: Vec<Property>,
    }
}

wire_struct! {
    /// A TestStand-style property.
    pub struct Property {
        /// Name.
        "name" => name: String,
        /// TestStand type name (`Number`, `String`, `Boolean`, `Obj`, `Array`…).
        "type" => prop_type: String,
        /// Bit flags.
        "flags" => flags: i64,
        /// Value as text.
        "value" => value: String,
        /// Comment.
        "comment" => comment: String,
        /// Number format.
        "numFormat" => num_format: String,
        /// Child properties (`Obj`).
        "props" => props: Vec<Property>,
        /// Array content (`Array`), kept as JSON.
        "array" => array: serde_json::Value,
    }
}

impl Report {
    /// Whether this is a repair (UUR) report; otherwise a test (UUT) report.
    pub fn is_uur(&self) -> bool {
        self.report_type == Some(ReportType::Uur)
    }

    /// Every step of the tree, depth first (none for a UUR).
    pub fn steps(&self) -> Vec<&Step> {
        let mut out = Vec::new();
        if let Some(root) = &self.root {
            root.walk(&mut |s| out.push(s));
        }
        out
    }

    /// The report as it is sent to a server: without the fields only a server fills
    /// (`startUTC`, `assetStats`, `uut.referencedByUURs`).
    pub fn for_submission(&self) -> Report {
        let mut out = self.clone();
        out.start_utc = None;
        out.asset_stats = None;
        if let Some(uut) = &mut out.uut {
            uut.referenced_by_uurs = None;
        }
        out
    }
}
