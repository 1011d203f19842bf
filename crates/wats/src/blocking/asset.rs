//! Blocking [`crate::asset`].

use chrono::{DateTime, Utc};

use super::Wats;
use crate::asset::{Asset, AssetLog, AssetQuery, AssetRef, AssetState, AssetStatus, AssetType};
use crate::error::Result;

/// Blocking [`crate::asset::AssetHandler`].
#[derive(Clone, Copy, Debug)]
pub struct AssetHandler<'a> {
    pub(super) wats: &'a Wats,
}

macro_rules! mirror {
    ($( $(#[$doc:meta])* fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        impl AssetHandler<'_> {
            $(
                $(#[$doc])*
                pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    self.wats.wait(self.wats.inner.asset().$name($($arg),*))
                }
            )*
        }
    };
}

mirror! {
    /// See [`crate::asset::AssetHandler::list`].
    fn list(&self, query: &AssetQuery) -> Vec<Asset>;
    /// See [`crate::asset::AssetHandler::in_state`].
    fn in_state(&self, state: AssetState) -> Vec<Asset>;
    /// See [`crate::asset::AssetHandler::get`].
    fn get(&self, id_or_serial: &str) -> Option<Asset>;
    /// See [`crate::asset::AssetHandler::save`].
    fn save(&self, asset: &Asset) -> Asset;
    /// See [`crate::asset::AssetHandler::delete`].
    fn delete(&self, asset: &AssetRef) -> ();
    /// See [`crate::asset::AssetHandler::status`].
    fn status(&self, asset: &AssetRef) -> AssetStatus;
    /// See [`crate::asset::AssetHandler::set_state`].
    fn set_state(&self, asset: &AssetRef, state: AssetState) -> ();
    /// See [`crate::asset::AssetHandler::increment`].
    fn increment(&self, asset: &AssetRef, by: i64, children: bool) -> ();
    /// See [`crate::asset::AssetHandler::reset_running_count`].
    fn reset_running_count(&self, asset: &AssetRef, comment: Option<&str>) -> ();
    /// See [`crate::asset::AssetHandler::set_running_count`].
    fn set_running_count(&self, asset: &AssetRef, value: i64) -> ();
    /// See [`crate::asset::AssetHandler::set_total_count`].
    fn set_total_count(&self, asset: &AssetRef, value: i64) -> ();
    /// See [`crate::asset::AssetHandler::record_calibration`].
    fn record_calibration(&self, asset: &AssetRef, at: Option<DateTime<Utc>>, comment: Option<&str>) -> ();
    /// See [`crate::asset::AssetHandler::record_maintenance`].
    fn record_maintenance(&self, asset: &AssetRef, at: Option<DateTime<Utc>>, comment: Option<&str>) -> ();
    /// See [`crate::asset::AssetHandler::record_calibration_external`].
    fn record_calibration_external(&self, asset: &AssetRef, from: Option<DateTime<Utc>>, next_due: DateTime<Utc>, comment: Option<&str>) -> ();
    /// See [`crate::asset::AssetHandler::record_maintenance_external`].
    fn record_maintenance_external(&self, asset: &AssetRef, from: Option<DateTime<Utc>>, next_due: DateTime<Utc>, comment: Option<&str>) -> ();
    /// See [`crate::asset::AssetHandler::log`].
    fn log(&self, query: &AssetQuery) -> Vec<AssetLog>;
    /// See [`crate::asset::AssetHandler::add_message`].
    fn add_message(&self, asset_id: &str, message: &str, user: Option<&str>) -> ();
    /// See [`crate::asset::AssetHandler::types`].
    fn types(&self) -> Vec<AssetType>;
    /// See [`crate::asset::AssetHandler::save_type`].
    fn save_type(&self, asset_type: &AssetType) -> AssetType;
    /// See [`crate::asset::AssetHandler::sub_assets`].
    fn sub_assets(&self, asset: &AssetRef, level: Option<u32>) -> Vec<Asset>;
    /// See [`crate::asset::AssetHandler::set_parent`].
    fn set_parent(&self, child_id: &str, parent_id: &str) -> Asset;
    /// See [`crate::asset::AssetHandler::download_file`].
    fn download_file(&self, asset_id: &str, filename: &str) -> Option<Vec<u8>>;
    /// See [`crate::asset::AssetHandler::files`].
    fn files(&self, asset_id: &str) -> Vec<String>;
    /// See [`crate::asset::AssetHandler::delete_files`].
    fn delete_files(&self, asset_id: &str, filenames: &[&str]) -> ();
}

impl AssetHandler<'_> {
    /// See [`crate::asset::AssetHandler::upload_file`].
    pub fn upload_file(
        &self,
        asset_id: &str,
        filename: &str,
        content: impl Into<bytes::Bytes>,
        content_type: &'static str,
    ) -> Result<()> {
        self.wats.wait(self.wats.inner.asset().upload_file(
            asset_id,
            filename,
            content,
            content_type,
        ))
    }
}
