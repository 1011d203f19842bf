//! Manual inspection (`/api/internal/ManualInspection/*`, PascalCase): test-sequence
//! definitions, their relations (which products, processes or sites a definition applies to),
//! and the sequence list. Fields this crate does not type (`CreatedBySite`, `VirtualFolderId`,
//! a relation's process and site lists, ...) are kept in `extra` and written back as given.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::Extra;

/// A definition's status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct DefinitionStatus(pub i32);

impl DefinitionStatus {
    /// Being written.
    pub const DRAFT: DefinitionStatus = DefinitionStatus(0);
    /// Waiting for release.
    pub const PENDING: DefinitionStatus = DefinitionStatus(1);
    /// In use.
    pub const RELEASED: DefinitionStatus = DefinitionStatus(2);
    /// Withdrawn.
    pub const REVOKED: DefinitionStatus = DefinitionStatus(3);
}

/// A test-sequence definition: an inspection's steps (its XAML) and behaviour.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "PascalCase")]
pub struct TestSequenceDefinition {
    /// Id (set by the server on create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_sequence_definition_id: Option<Uuid>,
    /// Name (required on create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Version, 1 on create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<DefinitionStatus>,
    /// Whether every product may use it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_global: Option<bool>,
    /// On a failed step, go to cleanup.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_fail_goto_cleanup: Option<bool>,
    /// On a failed step, require the report to be submitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_fail_require_submit: Option<bool>,
    /// On a failed step: 0 no repair, 1 optional, 2 required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_fail_require_repair: Option<i32>,
    /// Add child units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub add_child_units: Option<bool>,
    /// Created (set by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Created by (set by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Last changed (set by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// Last changed by (set by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified_by: Option<String>,
    /// Released (set by the server when the status becomes released).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub released: Option<String>,
    /// Released by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub released_by: Option<String>,
    /// Revoked (set by the server when the status becomes revoked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked: Option<String>,
    /// Revoked by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_by: Option<String>,
    /// The relations (in a single definition's answer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relations: Vec<TestSequenceRelation>,
    /// Inspections run of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instances_count: Option<i32>,
    /// The steps, as XAML (kept as given).
    #[serde(rename = "XAML", skip_serializing_if = "Option::is_none")]
    pub xaml: Option<String>,
    /// Other keys (`VirtualFolderId`, `LogOperator`, `RepairProcessId`, ...), kept as given.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// What a definition applies to: an entity (`EntitySchema`, `EntityName`, e.g. a product by
/// part number in `EntityValue`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "PascalCase")]
pub struct TestSequenceRelation {
    /// Id (set by the server on create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_sequence_relation_id: Option<Uuid>,
    /// The definition (required on create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_sequence_definition_id: Option<Uuid>,
    /// Entity schema (required on create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_schema: Option<String>,
    /// Entity name (required on create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_name: Option<String>,
    /// Entity key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_key: Option<String>,
    /// Entity value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_value: Option<String>,
    /// Status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
    /// Other keys (`ProductName`, `TestSequenceProcessRelations`, `TestSequenceSiteRelations`,
    /// ...), kept as given.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// Another definition's relation to the same entity.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "PascalCase")]
pub struct RelationConflict {
    /// The other definition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_sequence_definition_id: Option<Uuid>,
    /// Its relation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_sequence_relation_id: Option<Uuid>,
    /// The other definition's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Entity name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_name: Option<String>,
    /// Entity value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_value: Option<String>,
    /// The other definition's status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// A definition as the sequence list shows it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "PascalCase")]
pub struct MiSequence {
    /// The definition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_sequence_definition_id: Option<Uuid>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    /// Status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<DefinitionStatus>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}
