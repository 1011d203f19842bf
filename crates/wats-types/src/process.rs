//! Processes (operations): the test, repair and WIP steps of production.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::Extra;

/// A process as `GET /api/App/Processes` lists it (camelCase, but `ProcessID`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Process {
    /// Process code, e.g. 100 (test) or 500 (repair).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// Process name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether it is a test operation (used in UUT reports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_test_operation: Option<bool>,
    /// Whether it is a repair operation (used in UUR reports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_repair_operation: Option<bool>,
    /// Whether it is a work-in-progress operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_wip_operation: Option<bool>,
    /// Sort index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_index: Option<i32>,
    /// State: 1 active, 0 inactive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<i32>,
    /// Id.
    #[serde(rename = "ProcessID", skip_serializing_if = "Option::is_none")]
    pub process_id: Option<Uuid>,
    /// Other keys the server sent.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// A process in WATS's internal (PascalCase) shape, as `/api/internal/Process/*` reads and
/// writes it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "PascalCase")]
pub struct MesProcess {
    /// Code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// Id (minted by the server when absent on insert).
    #[serde(rename = "ProcessID", skip_serializing_if = "Option::is_none")]
    pub process_id: Option<Uuid>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Sort order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_index: Option<i32>,
    /// 1 = active, 0 = inactive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<i32>,
    /// Free-form properties.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<String>,
    /// A test operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_test_operation: Option<bool>,
    /// A WIP operation.
    #[serde(rename = "IsWIPOperation", skip_serializing_if = "Option::is_none")]
    pub is_wip_operation: Option<bool>,
    /// A repair operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_repair_operation: Option<bool>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}
