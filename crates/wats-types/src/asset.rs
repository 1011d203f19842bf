//! The Asset domain's wire types (`/api/Asset/*`, `/api/internal/Blob/Asset*`): fixtures,
//! instruments and stations, their types (intervals and limits), the log and the status.
//!
//! Names are WATS's OpenAPI ones (camelCase, except `ClientId`). Dates are [`Timestamp`]s:
//! the server writes UTC with a `Z`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;
use wats_report::Timestamp;

use crate::common::{Extra, Setting};

/// An asset's operational state (`state`, an integer on the wire; pyWATS's `AssetState`).
/// Set by people (`PUT /api/Asset/State`); the alarm state is separate ([`AlarmState`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct AssetState(pub i32);

impl AssetState {
    /// 0: unknown.
    pub const UNKNOWN: AssetState = AssetState(0);
    /// 1: in operation (pyWATS's `OK`).
    pub const IN_OPERATION: AssetState = AssetState(1);
    /// 1: pyWATS's alias of [`AssetState::IN_OPERATION`].
    pub const OK: AssetState = AssetState(1);
    /// 2: in transit.
    pub const IN_TRANSIT: AssetState = AssetState(2);
    /// 3: in maintenance.
    pub const IN_MAINTENANCE: AssetState = AssetState(3);
    /// 4: in calibration.
    pub const IN_CALIBRATION: AssetState = AssetState(4);
    /// 5: in storage.
    pub const IN_STORAGE: AssetState = AssetState(5);
    /// 6: scrapped.
    pub const SCRAPPED: AssetState = AssetState(6);

    /// Whether WATS defines this value (0–6).
    pub fn is_known(self) -> bool {
        (0..=6).contains(&self.0)
    }
}

/// How close an asset is to a limit (`alarmState` in `GET /api/Asset/Status`; pyWATS's
/// `AssetAlarmState`): the worst of its running count, total count, calibration and
/// maintenance, each measured against the type's warning and alarm thresholds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct AlarmState(pub i32);

impl AlarmState {
    /// 0: within every limit.
    pub const OK: AlarmState = AlarmState(0);
    /// 1: past a warning threshold.
    pub const WARNING: AlarmState = AlarmState(1);
    /// 2: past an alarm threshold (a limit reached, a date passed).
    pub const ALARM: AlarmState = AlarmState(2);
}

/// What a log entry records (`type`, an integer; pyWATS's `AssetLogType`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct AssetLogType(pub i32);

impl AssetLogType {
    /// 0: a message someone posted.
    pub const MESSAGE: AssetLogType = AssetLogType(0);
    /// 1: the asset was registered.
    pub const REGISTER: AssetLogType = AssetLogType(1);
    /// 2: a property changed (`property`, `value`): fields, counts, parent.
    pub const UPDATE: AssetLogType = AssetLogType(2);
    /// 3: the running count was reset.
    pub const RESET_COUNT: AssetLogType = AssetLogType(3);
    /// 4: calibrated.
    pub const CALIBRATION: AssetLogType = AssetLogType(4);
    /// 5: maintained.
    pub const MAINTENANCE: AssetLogType = AssetLogType(5);
    /// 6: the state changed.
    pub const STATE_CHANGE: AssetLogType = AssetLogType(6);
}

/// An asset type: the intervals and limits its assets are measured against
/// (`GET`/`PUT /api/Asset/Types`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AssetType {
    /// Id, minted by the server on insert.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_id: Option<Uuid>,
    /// Name: unique, compared without regard to case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// Uses allowed between calibrations (the running count's limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running_count_limit: Option<i64>,
    /// Uses allowed in the asset's life.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count_limit: Option<i64>,
    /// Days between maintenances (may be fractional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maintenance_interval: Option<f64>,
    /// Days between calibrations (may be fractional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibration_interval: Option<f64>,
    /// Percent of a limit or interval at which the asset warns (default 80).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning_threshold: Option<f64>,
    /// Percent of a limit or interval at which the asset alarms (default 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm_threshold: Option<f64>,
    /// Built-in type that cannot be changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_readonly: Option<bool>,
    /// Icon name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

impl AssetType {
    /// A new type with a name, to fill in and save.
    ///
    /// ```
    /// use wats_types::asset::AssetType;
    /// let t = AssetType::new("Fixture").running_count_limit(5000).calibration_interval(90.0);
    /// assert_eq!(t.running_count_limit, Some(5000));
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        AssetType {
            type_name: Some(name.into()),
            ..AssetType::default()
        }
    }

    /// With a running-count limit.
    pub fn running_count_limit(mut self, limit: i64) -> Self {
        self.running_count_limit = Some(limit);
        self
    }

    /// With a total-count limit.
    pub fn total_count_limit(mut self, limit: i64) -> Self {
        self.total_count_limit = Some(limit);
        self
    }

    /// With a calibration interval in days.
    pub fn calibration_interval(mut self, days: f64) -> Self {
        self.calibration_interval = Some(days);
        self
    }

    /// With a maintenance interval in days.
    pub fn maintenance_interval(mut self, days: f64) -> Self {
        self.maintenance_interval = Some(days);
        self
    }

    /// With warning and alarm thresholds, in percent of a limit or interval.
    pub fn thresholds(mut self, warning: f64, alarm: f64) -> Self {
        self.warning_threshold = Some(warning);
        self.alarm_threshold = Some(alarm);
        self
    }
}

/// A log entry (`GET /api/Asset/Log`, inside [`Asset::asset_log`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AssetLog {
    /// Id, in the order the entries were written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_id: Option<i64>,
    /// The asset's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_id: Option<String>,
    /// The asset's serial number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// When (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub date: Option<Timestamp>,
    /// Who: the signed-in user, or the `user` a message names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// What kind of entry.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub log_type: Option<AssetLogType>,
    /// For an update: the property that changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    /// For an update: its new value, as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The message, or the comment given with the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// An asset (`GET /api/Asset/{idOrSerialNumber}`, `PUT /api/Asset`).
///
/// In a save, `assetId` (else `serialNumber`) picks the asset; absent fields are unchanged.
/// The counts and the calibration and maintenance dates are the server's: a save ignores
/// them (use the count, calibration and maintenance calls), as WATS documents.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Asset {
    /// Id, minted by the server on insert (a GUID, as text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_id: Option<String>,
    /// The parent asset's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_asset_id: Option<String>,
    /// Serial number: unique, compared without regard to case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// The parent asset's serial number (another way to name the parent in a save).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_serial_number: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_name: Option<String>,
    /// Part number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_number: Option<String>,
    /// Revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// The type's id (required when creating).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_id: Option<Uuid>,
    /// The client (station) it belongs to.
    #[serde(rename = "ClientId", skip_serializing_if = "Option::is_none")]
    pub client_id: Option<i64>,
    /// Operational state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<AssetState>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// When it was registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub first_seen_date: Option<Timestamp>,
    /// When a report last named it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub last_seen_date: Option<Timestamp>,
    /// Last maintenance.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub last_maintenance_date: Option<Timestamp>,
    /// Next maintenance due (last + the type's interval).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub next_maintenance_date: Option<Timestamp>,
    /// Last calibration.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub last_calibration_date: Option<Timestamp>,
    /// Next calibration due (last + the type's interval).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub next_calibration_date: Option<Timestamp>,
    /// Uses in its life.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count: Option<i64>,
    /// Uses since the running count was last reset (calibration resets it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running_count: Option<i64>,
    /// Tags; in a save, the list replaces the stored tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Setting>>,
    /// Child assets (filled when reading one asset).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(no_recursion))]
    pub asset_children: Option<Vec<Asset>>,
    /// Its type (filled when reading one asset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_type: Option<AssetType>,
    /// Its log (filled when reading one asset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_log: Option<Vec<AssetLog>>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

impl Asset {
    /// A new asset of a type, to fill in and save.
    ///
    /// ```
    /// use wats_types::asset::Asset;
    /// let a = Asset::new("FIX-001", uuid::Uuid::nil()).name("Bed of nails").location("Line 1");
    /// assert_eq!(a.serial_number.as_deref(), Some("FIX-001"));
    /// ```
    pub fn new(serial_number: impl Into<String>, type_id: Uuid) -> Self {
        Asset {
            serial_number: Some(serial_number.into()),
            type_id: Some(type_id),
            ..Asset::default()
        }
    }

    /// With a name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.asset_name = Some(name.into());
        self
    }

    /// With a location.
    pub fn location(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// Under a parent asset, by serial number.
    pub fn parent_serial(mut self, serial_number: impl Into<String>) -> Self {
        self.parent_serial_number = Some(serial_number.into());
        self
    }
}

/// `GET /api/Asset/Status`: where an asset stands against its type's limits.
///
/// `alarmState` is the worst of the four measures; each `*Percent` is how much of its limit or
/// interval is used (absent when the type sets none).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AssetStatus {
    /// The asset's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_id: Option<String>,
    /// Its serial number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// Its operational state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<AssetState>,
    /// OK, warning or alarm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm_state: Option<AlarmState>,
    /// Why, in words (each measure past a threshold), or "OK".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Running count in percent of its limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running_count_percent: Option<f64>,
    /// Total count in percent of its limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count_percent: Option<f64>,
    /// Time since calibration in percent of the interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibration_percent: Option<f64>,
    /// Time since maintenance in percent of the interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maintenance_percent: Option<f64>,
    /// Next calibration due.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub next_calibration_date: Option<Timestamp>,
    /// Next maintenance due.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub next_maintenance_date: Option<Timestamp>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// `POST /api/Asset/Message`'s body: a message for an asset's log.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AssetMessage {
    /// The asset's id (or give `id`/`serialNumber` in the query).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_id: Option<String>,
    /// The message (pyWATS's field).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The message (WATS's OpenAPI field).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Who wrote it, when not the signed-in user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// A file stored with an asset, as `GET /api/internal/Blob/Asset` answers a JSON client:
/// the content base64-encoded (what pyWATS's `download_file` decodes).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AssetFile {
    /// File name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// The content type it was uploaded with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Size in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    /// The content, base64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}
