//! Blocking [`crate::software`].

use uuid::Uuid;

use super::Wats;
use crate::error::Result;
use crate::software::{
    Package, PackageDownload, PackageFile, PackageFolder, PackageStatus, VirtualFolder,
};

/// Blocking [`crate::software::SoftwareHandler`].
#[derive(Clone, Copy, Debug)]
pub struct SoftwareHandler<'a> {
    pub(super) wats: &'a Wats,
}

macro_rules! mirror {
    ($( $(#[$doc:meta])* fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        impl SoftwareHandler<'_> {
            $(
                $(#[$doc])*
                pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    self.wats.wait(self.wats.inner.software().$name($($arg),*))
                }
            )*
        }
    };
}

mirror! {
    /// See [`crate::software::SoftwareHandler::packages`].
    fn packages(&self) -> Vec<Package>;
    /// See [`crate::software::SoftwareHandler::get`].
    fn get(&self, id: Uuid) -> Option<Package>;
    /// See [`crate::software::SoftwareHandler::by_name`].
    fn by_name(&self, name: &str, status: Option<PackageStatus>, version: Option<i64>) -> Option<Package>;
    /// See [`crate::software::SoftwareHandler::released`].
    fn released(&self, name: &str) -> Option<Package>;
    /// See [`crate::software::SoftwareHandler::by_tag`].
    fn by_tag(&self, tag: &str, value: &str, status: Option<PackageStatus>) -> Vec<Package>;
    /// See [`crate::software::SoftwareHandler::create`].
    fn create(&self, package: &Package) -> Package;
    /// See [`crate::software::SoftwareHandler::update`].
    fn update(&self, package: &Package) -> Package;
    /// See [`crate::software::SoftwareHandler::delete`].
    fn delete(&self, id: Uuid) -> ();
    /// See [`crate::software::SoftwareHandler::delete_by_name`].
    fn delete_by_name(&self, name: &str, version: Option<i64>) -> ();
    /// See [`crate::software::SoftwareHandler::set_status`].
    fn set_status(&self, id: Uuid, status: PackageStatus) -> Package;
    /// See [`crate::software::SoftwareHandler::submit_for_review`].
    fn submit_for_review(&self, id: Uuid) -> Package;
    /// See [`crate::software::SoftwareHandler::return_to_draft`].
    fn return_to_draft(&self, id: Uuid) -> Package;
    /// See [`crate::software::SoftwareHandler::release`].
    fn release(&self, id: Uuid) -> Package;
    /// See [`crate::software::SoftwareHandler::revoke`].
    fn revoke(&self, id: Uuid) -> Package;
    /// See [`crate::software::SoftwareHandler::files`].
    fn files(&self, id: Uuid) -> Vec<PackageFile>;
    /// See [`crate::software::SoftwareHandler::upload_zip`].
    fn upload_zip(&self, id: Uuid, zip: Vec<u8>, clean_install: bool) -> ();
    /// See [`crate::software::SoftwareHandler::set_file_attributes`].
    fn set_file_attributes(&self, file_id: Uuid, attributes: &str) -> PackageFile;
    /// See [`crate::software::SoftwareHandler::file`].
    fn file(&self, file_id: Uuid) -> PackageFile;
    /// See [`crate::software::SoftwareHandler::download_file`].
    fn download_file(&self, file_id: Uuid) -> bytes::Bytes;
    /// See [`crate::software::SoftwareHandler::check_file`].
    fn check_file(&self, package_id: Uuid, path: &str, checksum: &str) -> serde_json::Value;
    /// See [`crate::software::SoftwareHandler::create_folder`].
    fn create_folder(&self, package_id: Uuid, name: &str, parent_folder_id: Option<Uuid>) -> PackageFolder;
    /// See [`crate::software::SoftwareHandler::rename_folder`].
    fn rename_folder(&self, folder_id: Uuid, name: &str) -> PackageFolder;
    /// See [`crate::software::SoftwareHandler::delete_folder`].
    fn delete_folder(&self, folder_id: Uuid) -> ();
    /// See [`crate::software::SoftwareHandler::delete_files`].
    fn delete_files(&self, file_ids: &[Uuid]) -> ();
    /// See [`crate::software::SoftwareHandler::details`].
    fn details(&self, package_id: Uuid) -> serde_json::Value;
    /// See [`crate::software::SoftwareHandler::virtual_folders`].
    fn virtual_folders(&self) -> Vec<VirtualFolder>;
    /// See [`crate::software::SoftwareHandler::save_virtual_folder`].
    fn save_virtual_folder(&self, folder: &VirtualFolder) -> VirtualFolder;
    /// See [`crate::software::SoftwareHandler::delete_virtual_folder`].
    fn delete_virtual_folder(&self, id: Uuid) -> ();
    /// See [`crate::software::SoftwareHandler::history`].
    fn history(&self, tags: &str, status: Option<PackageStatus>, all_versions: bool) -> Vec<Package>;
    /// See [`crate::software::SoftwareHandler::available`].
    fn available(&self, installed: &[Uuid]) -> Vec<Package>;
    /// See [`crate::software::SoftwareHandler::revoked`].
    fn revoked(&self, installed: &[Uuid], revoked_only: bool) -> Vec<Uuid>;
    /// See [`crate::software::SoftwareHandler::log_download`].
    fn log_download(&self, package_id: Uuid, size: u64, client_id: Option<i64>) -> PackageDownload;
    /// See [`crate::software::SoftwareHandler::download_history`].
    fn download_history(&self, client_id: i64) -> Vec<PackageDownload>;
    /// See [`crate::software::SoftwareHandler::is_connected`].
    fn is_connected(&self) -> bool;
}
