//! Blocking [`crate::production`].

use bytes::Bytes;

use super::Wats;
use crate::error::Result;
use crate::production::{
    AssemblyCheck, ProductionBatch, SerialFormat, SerialNumberRange, SerialNumberRecord,
    SerialNumberType, Site, TakeOptions, Unit, UnitChange, UnitContent, UnitInfo, UnitPhase,
    UnitProcess, UnitStateChange, UnitVerificationGrade,
};

/// Blocking [`crate::production::ProductionHandler`].
#[derive(Clone, Copy, Debug)]
pub struct ProductionHandler<'a> {
    pub(super) wats: &'a Wats,
}

macro_rules! mirror {
    ($( $(#[$doc:meta])* fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        impl ProductionHandler<'_> {
            $(
                $(#[$doc])*
                pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    self.wats.wait(self.wats.inner.production().$name($($arg),*))
                }
            )*
        }
    };
}

mirror! {
    /// See [`crate::production::ProductionHandler::unit`].
    fn unit(&self, serial_number: &str, part_number: &str) -> Option<Unit>;
    /// See [`crate::production::ProductionHandler::unit_by_serial`].
    fn unit_by_serial(&self, serial_number: &str, part_number: Option<&str>) -> Option<Unit>;
    /// See [`crate::production::ProductionHandler::save_units`].
    fn save_units(&self, units: &[Unit]) -> Vec<Unit>;
    /// See [`crate::production::ProductionHandler::create_unit`].
    fn create_unit(&self, serial_number: &str, part_number: &str, revision: &str, batch_number: Option<&str>, phase_id: Option<i32>) -> Unit;
    /// See [`crate::production::ProductionHandler::query_units`].
    fn query_units(&self, filter: Option<&crate::odata::Filter>, order_by: Option<&str>, top: Option<u32>) -> Vec<Unit>;
    /// See [`crate::production::ProductionHandler::create_unit_public`].
    fn create_unit_public(&self, unit: &Unit) -> Unit;
    /// See [`crate::production::ProductionHandler::update_unit`].
    fn update_unit(&self, unit: &Unit) -> Unit;
    /// See [`crate::production::ProductionHandler::delete_unit`].
    fn delete_unit(&self, serial_number: &str, part_number: &str) -> ();
    /// See [`crate::production::ProductionHandler::change_unit`].
    fn change_unit(&self, serial_number: &str, part_number: &str, new_part_number: &str, new_revision: &str) -> Unit;
    /// See [`crate::production::ProductionHandler::set_unit_tag`].
    fn set_unit_tag(&self, serial_number: &str, part_number: &str, key: &str, value: &str) -> Unit;
    /// See [`crate::production::ProductionHandler::unit_info`].
    fn unit_info(&self, serial_number: &str, part_number: &str) -> Option<UnitInfo>;
    /// See [`crate::production::ProductionHandler::unit_hierarchy`].
    fn unit_hierarchy(&self, serial_number: &str, part_number: &str) -> Option<Unit>;
    /// See [`crate::production::ProductionHandler::unit_contents`].
    fn unit_contents(&self, serial_number: &str, part_number: &str, revision: Option<&str>) -> Option<UnitContent>;
    /// See [`crate::production::ProductionHandler::unit_state_history`].
    fn unit_state_history(&self, serial_number: &str, part_number: &str) -> Vec<UnitStateChange>;
    /// See [`crate::production::ProductionHandler::phases`].
    fn phases(&self) -> Vec<UnitPhase>;
    /// See [`crate::production::ProductionHandler::unit_phase`].
    fn unit_phase(&self, serial_number: &str, part_number: &str) -> Option<UnitPhase>;
    /// See [`crate::production::ProductionHandler::set_phase`].
    fn set_phase(&self, serial_number: &str, part_number: &str, phase_id: i32, comment: Option<&str>) -> Unit;
    /// See [`crate::production::ProductionHandler::unit_process`].
    fn unit_process(&self, serial_number: &str, part_number: &str) -> Option<UnitProcess>;
    /// See [`crate::production::ProductionHandler::set_process`].
    fn set_process(&self, serial_number: &str, part_number: &str, process_code: i64, comment: Option<&str>) -> Unit;
    /// See [`crate::production::ProductionHandler::verification`].
    fn verification(&self, serial_number: &str, part_number: &str, revision: Option<&str>) -> Option<UnitVerificationGrade>;
    /// See [`crate::production::ProductionHandler::is_passing`].
    fn is_passing(&self, serial_number: &str, part_number: &str) -> bool;
    /// See [`crate::production::ProductionHandler::changes`].
    fn changes(&self, serial_number: Option<&str>, part_number: Option<&str>, top: Option<u32>, skip: Option<u32>) -> Vec<UnitChange>;
    /// See [`crate::production::ProductionHandler::acknowledge_change`].
    fn acknowledge_change(&self, id: i64) -> ();
    /// See [`crate::production::ProductionHandler::add_child`].
    fn add_child(&self, parent_serial: &str, parent_part: &str, child_serial: &str, child_part: &str) -> Unit;
    /// See [`crate::production::ProductionHandler::add_child_validated`].
    fn add_child_validated(&self, parent_serial: &str, parent_part: &str, child_serial: &str, child_part: &str, expect_revision: Option<&str>, check_phase: bool) -> Unit;
    /// See [`crate::production::ProductionHandler::remove_child`].
    fn remove_child(&self, parent_serial: &str, parent_part: &str, child_serial: &str, child_part: &str) -> Unit;
    /// See [`crate::production::ProductionHandler::remove_all_children`].
    fn remove_all_children(&self, serial_number: &str, part_number: &str) -> Unit;
    /// See [`crate::production::ProductionHandler::check_children`].
    fn check_children(&self, serial_number: &str, part_number: &str, revision: Option<&str>) -> AssemblyCheck;
    /// See [`crate::production::ProductionHandler::validate_children`].
    fn validate_children(&self, serial_number: &str, part_number: &str) -> AssemblyCheck;
    /// See [`crate::production::ProductionHandler::batches`].
    fn batches(&self, part_number: Option<&str>, batch_number: Option<&str>) -> Vec<ProductionBatch>;
    /// See [`crate::production::ProductionHandler::save_batch`].
    fn save_batch(&self, batch: &ProductionBatch) -> ProductionBatch;
    /// See [`crate::production::ProductionHandler::save_batches`].
    fn save_batches(&self, batches: &[ProductionBatch]) -> Vec<ProductionBatch>;
    /// See [`crate::production::ProductionHandler::sites`].
    fn sites(&self) -> Vec<Site>;
    /// See [`crate::production::ProductionHandler::is_connected`].
    fn is_connected(&self) -> bool;
    /// See [`crate::production::ProductionHandler::serial_number_types`].
    fn serial_number_types(&self) -> Vec<SerialNumberType>;
    /// See [`crate::production::ProductionHandler::save_serial_number_types`].
    fn save_serial_number_types(&self, types: &[SerialNumberType]) -> Vec<SerialNumberType>;
    /// See [`crate::production::ProductionHandler::generate_serial_numbers`].
    fn generate_serial_numbers(&self, type_name: &str, start: &str, end: &str) -> i64;
    /// See [`crate::production::ProductionHandler::take_serial_numbers`].
    fn take_serial_numbers(&self, type_name: &str, quantity: u32, options: &TakeOptions) -> Vec<String>;
    /// See [`crate::production::ProductionHandler::serial_numbers_by_range`].
    fn serial_numbers_by_range(&self, type_name: &str, from: &str, to: &str) -> Vec<SerialNumberRecord>;
    /// See [`crate::production::ProductionHandler::serial_numbers_by_reference`].
    fn serial_numbers_by_reference(&self, type_name: &str, ref_sn: Option<&str>, ref_pn: Option<&str>) -> Vec<SerialNumberRecord>;
    /// See [`crate::production::ProductionHandler::find_serial_numbers`].
    fn find_serial_numbers(&self, type_name: &str, from: &str, to: &str) -> Vec<SerialNumberRecord>;
    /// See [`crate::production::ProductionHandler::serial_number_count`].
    fn serial_number_count(&self, type_name: &str, from: Option<&str>, to: Option<&str>) -> i64;
    /// See [`crate::production::ProductionHandler::export_serial_numbers`].
    fn export_serial_numbers(&self, type_name: &str, state: Option<&str>, format: SerialFormat) -> Bytes;
    /// See [`crate::production::ProductionHandler::free_serial_numbers`].
    fn free_serial_numbers(&self, ranges: &[SerialNumberRange]) -> i64;
    /// See [`crate::production::ProductionHandler::delete_free_serial_numbers`].
    fn delete_free_serial_numbers(&self, ranges: &[SerialNumberRange]) -> i64;
    /// See [`crate::production::ProductionHandler::serial_number_ranges`].
    fn serial_number_ranges(&self, type_name: Option<&str>) -> Vec<SerialNumberRange>;
    /// See [`crate::production::ProductionHandler::serial_number_statistics`].
    fn serial_number_statistics(&self, type_name: Option<&str>) -> SerialNumberRange;
}

impl ProductionHandler<'_> {
    /// See [`crate::production::ProductionHandler::import_serial_numbers`].
    pub fn import_serial_numbers(
        &self,
        file: impl Into<Bytes>,
        format: SerialFormat,
    ) -> Result<i64> {
        self.wats.wait(
            self.wats
                .inner
                .production()
                .import_serial_numbers(file, format),
        )
    }
}
