//! The Software domain's wire types (`/api/Software/*`, `/api/internal/Software/*`):
//! packages of files released to test stations in a controlled flow.
//!
//! Names are WATS's OpenAPI ones; where pyWATS reads another spelling it is written too
//! (`fileId` beside `packageFileId`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;
use wats_report::Timestamp;

use crate::common::{Extra, Setting};

/// Where a package is in its release flow (`status`: `"Draft"`, `"Pending"`, `"Released"`,
/// `"Revoked"` on the wire; the internal history call takes 0–3).
///
/// Only these moves are allowed: Draft → Pending, Pending → Draft, Pending → Released,
/// Released → Revoked ([`PackageStatus::can_become`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub enum PackageStatus {
    /// Being edited (0).
    Draft,
    /// Submitted for review (1).
    Pending,
    /// Released to stations; its content can no longer change (2).
    Released,
    /// Withdrawn from stations (3).
    Revoked,
}

impl PackageStatus {
    /// Every status, in workflow order.
    pub const ALL: [PackageStatus; 4] = [
        PackageStatus::Draft,
        PackageStatus::Pending,
        PackageStatus::Released,
        PackageStatus::Revoked,
    ];

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            PackageStatus::Draft => "Draft",
            PackageStatus::Pending => "Pending",
            PackageStatus::Released => "Released",
            PackageStatus::Revoked => "Revoked",
        }
    }

    /// The integer form (0–3) of the internal history call.
    pub fn code(self) -> i64 {
        self as i64
    }

    /// A status by name (any case) or integer form.
    ///
    /// ```
    /// use wats_types::software::PackageStatus;
    /// assert_eq!(PackageStatus::parse("released"), Some(PackageStatus::Released));
    /// assert_eq!(PackageStatus::parse("3"), Some(PackageStatus::Revoked));
    /// assert_eq!(PackageStatus::parse("Gone"), None);
    /// ```
    pub fn parse(text: &str) -> Option<PackageStatus> {
        let t = text.trim();
        if let Ok(n) = t.parse::<usize>() {
            return Self::ALL.get(n).copied();
        }
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(t))
    }

    /// Whether a package in this status may move to `next`.
    ///
    /// ```
    /// use wats_types::software::PackageStatus::*;
    /// assert!(Draft.can_become(Pending) && Pending.can_become(Released));
    /// assert!(!Draft.can_become(Released) && !Revoked.can_become(Released));
    /// ```
    pub fn can_become(self, next: PackageStatus) -> bool {
        use PackageStatus::*;
        matches!(
            (self, next),
            (Draft, Pending) | (Pending, Draft) | (Pending, Released) | (Released, Revoked)
        )
    }
}

impl std::fmt::Display for PackageStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PackageStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PackageStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let text = match &v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            other => other.to_string(),
        };
        PackageStatus::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid status {v}: expected Draft, Pending, Released or Revoked"
            ))
        })
    }
}

/// A software package (`/api/Software/Package*`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Package {
    /// Id, minted by the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package_id: Option<Uuid>,
    /// Name; several versions share it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Version: 1 for a new name, else the highest so far + 1 (set by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Status (set by the server; change it with the status call).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<PackageStatus>,
    /// Install into the station's root folder rather than a folder named after the package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub install_on_root: Option<bool>,
    /// The folder to install into, relative to the station's software root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_directory: Option<String>,
    /// Order of installation among packages (lower first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    /// The virtual folder it is filed under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_folder_id: Option<Uuid>,
    /// Tags (`[{key, value}]`), for selecting packages per station.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Setting>>,
    /// Created (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub created: Option<Timestamp>,
    /// By whom.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Last changed (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub modified: Option<Timestamp>,
    /// By whom.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified_by: Option<String>,
    /// Released (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub released: Option<Timestamp>,
    /// By whom.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub released_by: Option<String>,
    /// Revoked (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub revoked: Option<Timestamp>,
    /// By whom.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_by: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

impl Package {
    /// A new package (created in Draft), to fill in and create.
    ///
    /// ```
    /// use wats_types::software::Package;
    /// let p = Package::new("ICT-Program").description("ICT test program").tag("Line", "1");
    /// assert_eq!(p.tags.unwrap()[0].value.as_deref(), Some("1"));
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        Package {
            name: Some(name.into()),
            ..Package::default()
        }
    }

    /// With a description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// With one more tag.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.get_or_insert_with(Vec::new).push(Setting {
            key: Some(key.into()),
            value: Some(value.into()),
            ..Setting::default()
        });
        self
    }
}

/// The attribute names a file may carry (`POST …/FileAttribute/{id}`), as WATS spells them.
pub const FILE_ATTRIBUTES: [&str; 7] = [
    "None",
    "ExecuteOnce",
    "ExecuteAlways",
    "TopLevelFile",
    "OverwriteNever",
    "OverwriteOnNewPackageVersion",
    "ExecuteOncePerVersion",
];

/// A file of a package (`GET /api/Software/PackageFiles/{id}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PackageFile {
    /// Id (WATS's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package_file_id: Option<Uuid>,
    /// The same id, as pyWATS reads it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_id: Option<Uuid>,
    /// File name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Path inside the package, `/`-separated (`folder/sub/name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The folder's path inside the package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package_folder_name: Option<String>,
    /// Size in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    /// SHA-256 of the content, lower-case hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// Attributes, comma-separated names from [`FILE_ATTRIBUTES`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<String>,
    /// Uploaded (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub created_utc: Option<Timestamp>,
    /// Last replaced (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub modified_utc: Option<Timestamp>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// A folder inside a package (`/api/internal/Software/*PackageFolder*`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PackageFolder {
    /// Id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package_folder_id: Option<Uuid>,
    /// The package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package_id: Option<Uuid>,
    /// The parent folder (none: at the package's top).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_folder_id: Option<Uuid>,
    /// Name (one path segment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Path inside the package (set by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// A virtual folder packages are filed under (`GET /api/Software/VirtualFolders`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct VirtualFolder {
    /// Id (WATS's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// The parent folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<Uuid>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Path of names from the top, `/`-separated (set by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// One logged download (`GET /api/internal/Software/GetPackageDownloadHistory`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PackageDownload {
    /// The package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package_id: Option<Uuid>,
    /// Its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// The client (station) that downloaded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<i64>,
    /// The signed-in user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Bytes downloaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_size: Option<i64>,
    /// When (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub date: Option<Timestamp>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}
