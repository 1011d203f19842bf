//! Levels (client groups): WATS's organisational hierarchy (site, department, line...).

use serde::{Deserialize, Serialize};

use crate::common::Extra;

/// A level as `GET /api/App/Levels` lists it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Level {
    /// Level id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level_id: Option<i32>,
    /// Level name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level_name: Option<String>,
    /// Other keys the server sent.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}
