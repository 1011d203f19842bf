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

// ---- Repair configuration (issue 19) -------------------------------------------------------

/// A fail-code category, or a fail code inside one (the same shape, nested one level:
/// `Categories[*].Failcodes[*]`), as `/api/internal/Process/GetRepairOperations` answers it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "PascalCase")]
pub struct RepairCategory {
    /// Id (minted by the server when absent on save).
    #[serde(rename = "GUID", skip_serializing_if = "Option::is_none")]
    pub guid: Option<Uuid>,
    /// The name: what a UUR failure's `category` (or `code`) holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether a repair may choose it (pyWATS's default: true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selectable: Option<bool>,
    /// Display order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<i32>,
    /// Failure type code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_type: Option<i32>,
    /// Image constraint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_constraint: Option<String>,
    /// 1 active (pyWATS's default), 0 inactive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
    /// The fail codes of a category.
    #[serde(rename = "Failcodes", default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "utoipa", schema(no_recursion))]
    pub fail_codes: Vec<RepairCategory>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

impl RepairCategory {
    /// A selectable, active category or fail code named `description`.
    pub fn new(description: impl Into<String>) -> Self {
        RepairCategory {
            description: Some(description.into()),
            selectable: Some(true),
            status: Some(1),
            ..RepairCategory::default()
        }
    }

    fn usable(&self) -> bool {
        self.selectable != Some(false) && self.status != Some(0)
    }
}

/// What a repair operation needs of a UUR: its fail-code tree, component-reference mask,
/// BOM and vendor requirements and predefined misc infos (`RepairOperationConfig`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "PascalCase")]
pub struct RepairOperationConfig {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether a UUR needs a UUT (pyWATS's default: 1).
    #[serde(rename = "UUTRequired", skip_serializing_if = "Option::is_none")]
    pub uut_required: Option<i32>,
    /// A regular expression component references must match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comp_ref_mask: Option<String>,
    /// What the mask means, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comp_ref_mask_description: Option<String>,
    /// BOM constraint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bom_constraint: Option<String>,
    /// Whether a BOM is required (pyWATS's default: 1).
    #[serde(rename = "BOMRequired", skip_serializing_if = "Option::is_none")]
    pub bom_required: Option<i32>,
    /// Whether a vendor is required (pyWATS's default: 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_required: Option<i32>,
    /// The fail-code categories, each with its fail codes.
    #[serde(default)]
    pub categories: Vec<RepairCategory>,
    /// Predefined misc infos (kept as given).
    #[serde(default)]
    pub misc_infos: Vec<serde_json::Value>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// One fail code with its category, flattened from a [`RepairOperationConfig`] (pyWATS's
/// `get_fail_codes`).
#[derive(Clone, Debug, PartialEq)]
pub struct FailCode {
    /// The category's name (a UUR failure's `category`).
    pub category: String,
    /// The fail code's name (a UUR failure's `code`).
    pub code: String,
    /// The fail code's id.
    pub guid: Option<Uuid>,
    /// The category's id.
    pub category_guid: Option<Uuid>,
}

impl RepairOperationConfig {
    /// The fail codes a repair may use: selectable, active codes of selectable, active
    /// categories.
    pub fn fail_codes(&self) -> Vec<FailCode> {
        let mut out = Vec::new();
        for c in self.categories.iter().filter(|c| c.usable()) {
            for f in c.fail_codes.iter().filter(|f| f.usable()) {
                out.push(FailCode {
                    category: c.description.clone().unwrap_or_default(),
                    code: f.description.clone().unwrap_or_default(),
                    guid: f.guid,
                    category_guid: c.guid,
                });
            }
        }
        out
    }

    /// The usable fail code `category`/`code` (compared without regard to case, as WATS's
    /// database does).
    pub fn fail_code(&self, category: &str, code: &str) -> Option<FailCode> {
        self.fail_codes().into_iter().find(|f| {
            f.category.trim().eq_ignore_ascii_case(category.trim())
                && f.code.trim().eq_ignore_ascii_case(code.trim())
        })
    }
}
