//! Blocking [`crate::manual_inspection`].

use uuid::Uuid;

use super::Wats;
use crate::error::Result;
use crate::manual_inspection::{
    DefinitionStatus, MiSequence, RelationConflict, TestSequenceDefinition, TestSequenceRelation,
};

/// Blocking [`crate::manual_inspection::ManualInspectionHandler`].
#[derive(Clone, Copy, Debug)]
pub struct ManualInspectionHandler<'a> {
    pub(super) wats: &'a Wats,
}

macro_rules! mirror {
    ($( $(#[$doc:meta])* fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        impl ManualInspectionHandler<'_> {
            $(
                $(#[$doc])*
                pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    self.wats.wait(self.wats.inner.manual_inspection().$name($($arg),*))
                }
            )*
        }
    };
}

mirror! {
    /// See [`crate::manual_inspection::ManualInspectionHandler::definitions`].
    fn definitions(&self, global: Option<bool>) -> Vec<TestSequenceDefinition>;
    /// See [`crate::manual_inspection::ManualInspectionHandler::definition`].
    fn definition(&self, id: Uuid) -> Option<TestSequenceDefinition>;
    /// See [`crate::manual_inspection::ManualInspectionHandler::copy_definition`].
    fn copy_definition(&self, id: Uuid) -> TestSequenceDefinition;
    /// See [`crate::manual_inspection::ManualInspectionHandler::instances_count`].
    fn instances_count(&self, id: Uuid) -> i32;
    /// See [`crate::manual_inspection::ManualInspectionHandler::create_definition`].
    fn create_definition(&self, definition: &TestSequenceDefinition) -> TestSequenceDefinition;
    /// See [`crate::manual_inspection::ManualInspectionHandler::update_definition`].
    fn update_definition(&self, definition: &TestSequenceDefinition) -> TestSequenceDefinition;
    /// See [`crate::manual_inspection::ManualInspectionHandler::set_status`].
    fn set_status(&self, id: Uuid, status: DefinitionStatus) -> TestSequenceDefinition;
    /// See [`crate::manual_inspection::ManualInspectionHandler::relations`].
    fn relations(&self, id: Uuid) -> Vec<TestSequenceRelation>;
    /// See [`crate::manual_inspection::ManualInspectionHandler::relation_conflicts`].
    fn relation_conflicts(&self, id: Uuid) -> Vec<RelationConflict>;
    /// See [`crate::manual_inspection::ManualInspectionHandler::relation_conflicts_legacy`].
    fn relation_conflicts_legacy(&self, id: Uuid) -> Vec<RelationConflict>;
    /// See [`crate::manual_inspection::ManualInspectionHandler::create_relation`].
    fn create_relation(&self, relation: &TestSequenceRelation) -> TestSequenceRelation;
    /// See [`crate::manual_inspection::ManualInspectionHandler::update_relation`].
    fn update_relation(&self, relation: &TestSequenceRelation) -> TestSequenceRelation;
    /// See [`crate::manual_inspection::ManualInspectionHandler::delete_relation`].
    fn delete_relation(&self, relation: &TestSequenceRelation) -> TestSequenceRelation;
    /// See [`crate::manual_inspection::ManualInspectionHandler::sequences`].
    fn sequences(&self) -> Vec<MiSequence>;
    /// See [`crate::manual_inspection::ManualInspectionHandler::update_sequence`].
    fn update_sequence(&self, sequence: &MiSequence) -> MiSequence;
    /// See [`crate::manual_inspection::ManualInspectionHandler::delete_sequence`].
    fn delete_sequence(&self, id: Uuid) -> ();
    /// See [`crate::manual_inspection::ManualInspectionHandler::xaml`].
    fn xaml(&self, id: Uuid) -> Option<String>;
    /// See [`crate::manual_inspection::ManualInspectionHandler::put_xaml`].
    fn put_xaml(&self, id: Uuid, xaml: &str) -> TestSequenceDefinition;
    /// See [`crate::manual_inspection::ManualInspectionHandler::wwf_content`].
    fn wwf_content(&self, id: Uuid) -> Option<String>;
}
