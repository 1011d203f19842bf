//! Blocking repair-configuration calls of [`crate::process`].

use std::collections::BTreeMap;

use super::ProcessHandler;
use crate::error::Result;
use crate::process::{FailCode, RepairCategory, RepairOperationConfig};

impl ProcessHandler<'_> {
    /// See [`crate::process::ProcessHandler::repair_configs`].
    pub fn repair_configs(&self) -> Result<BTreeMap<i32, RepairOperationConfig>> {
        self.wats.wait(self.wats.inner.process().repair_configs())
    }
    /// See [`crate::process::ProcessHandler::repair_config`].
    pub fn repair_config(
        &self,
        process_id: uuid::Uuid,
        process_code: Option<i32>,
    ) -> Result<Option<RepairOperationConfig>> {
        self.wats.wait(
            self.wats
                .inner
                .process()
                .repair_config(process_id, process_code),
        )
    }
    /// See [`crate::process::ProcessHandler::repair_categories`].
    pub fn repair_categories(&self, code: i32) -> Result<Vec<RepairCategory>> {
        self.wats
            .wait(self.wats.inner.process().repair_categories(code))
    }
    /// See [`crate::process::ProcessHandler::fail_codes`].
    pub fn fail_codes(&self, code: i32, category: Option<&str>) -> Result<Vec<FailCode>> {
        self.wats
            .wait(self.wats.inner.process().fail_codes(code, category))
    }
    /// See [`crate::process::ProcessHandler::save_repair_config`].
    pub fn save_repair_config(
        &self,
        code: i32,
        config: &RepairOperationConfig,
    ) -> Result<RepairOperationConfig> {
        self.wats
            .wait(self.wats.inner.process().save_repair_config(code, config))
    }
}
