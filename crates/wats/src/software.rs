//! Software packages: the test programs a station runs, released in a controlled flow
//! (Draft → Pending → Released → Revoked) and distributed to stations.
//!
//! Every call pyWATS's software service makes, typed with [`wats_types::software`]
//! (re-exported here), plus what a station needs to install a package: the newest released
//! version, its files with their SHA-256 ([`SoftwareHandler::files`]), each file's bytes
//! ([`SoftwareHandler::download_file`]) and the download log.
//!
//! ```no_run
//! # async fn run(wats: wats::Wats, zip: Vec<u8>) -> wats::Result<()> {
//! use wats::software::Package;
//! let sw = wats.software();
//! let p = sw.create(&Package::new("ICT-Program").description("ICT tests")).await?;
//! let id = p.package_id.unwrap();
//! sw.upload_zip(id, zip, true).await?;
//! sw.submit_for_review(id).await?;
//! sw.release(id).await?;
//! # Ok(()) }
//! ```
//!
//! See `docs/sdk/software.md` for a guide.

/// The guide `docs/sdk/software.md`, whose examples are compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/sdk/software.md")]
pub struct SoftwareGuide;

use reqwest::Method;
use uuid::Uuid;

pub use wats_types::software::*;
pub use wats_types::Setting;

use crate::client::{Request, Wats};
use crate::error::{optional, Error, Result};

/// The software endpoints. Get one with [`Wats::software`].
#[derive(Clone, Copy, Debug)]
pub struct SoftwareHandler<'a> {
    pub(crate) wats: &'a Wats,
}

impl Wats {
    /// Software packages: the release flow, files and distribution.
    pub fn software(&self) -> SoftwareHandler<'_> {
        SoftwareHandler { wats: self }
    }
}

fn json_request(method: Method, path: &str, body: &impl serde::Serialize) -> Result<Request> {
    let bytes = serde_json::to_vec(body)
        .map_err(|e| Error::Config(format!("cannot encode the request body: {e}")))?;
    Ok(Request::new(method, path).body(bytes, "application/json"))
}

fn package_path(id: Uuid) -> String {
    format!("/api/Software/Package/{id}")
}

fn ids(list: &[Uuid]) -> String {
    list.iter()
        .map(Uuid::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

impl SoftwareHandler<'_> {
    async fn flag(&self, req: Request) -> Result<()> {
        self.wats.send(req).await.map(drop)
    }

    // ---- packages ---------------------------------------------------------------------

    /// Every package, every version (`GET /api/Software/Packages`).
    pub async fn packages(&self) -> Result<Vec<Package>> {
        self.wats
            .send_json(Request::get("/api/Software/Packages").no_cache())
            .await
    }

    /// One package (`GET /api/Software/Package/{id}`); `None` when there is none.
    pub async fn get(&self, id: Uuid) -> Result<Option<Package>> {
        optional(
            self.wats
                .send_json(Request::get(package_path(id)).no_cache())
                .await,
        )
    }

    /// The newest version of a name, optionally of a status or one version
    /// (`GET /api/Software/PackageByName`); `None` when there is none.
    pub async fn by_name(
        &self,
        name: &str,
        status: Option<PackageStatus>,
        version: Option<i64>,
    ) -> Result<Option<Package>> {
        let req = Request::get("/api/Software/PackageByName")
            .query("name", name)
            .query_opt("status", status.map(PackageStatus::as_str))
            .query_opt("version", version)
            .no_cache();
        optional(self.wats.send_json(req).await)
    }

    /// The newest Released version of a name.
    pub async fn released(&self, name: &str) -> Result<Option<Package>> {
        self.by_name(name, Some(PackageStatus::Released), None)
            .await
    }

    /// Packages with a tag and value, optionally of a status
    /// (`GET /api/Software/PackagesByTag`).
    pub async fn by_tag(
        &self,
        tag: &str,
        value: &str,
        status: Option<PackageStatus>,
    ) -> Result<Vec<Package>> {
        let req = Request::get("/api/Software/PackagesByTag")
            .query("tag", tag)
            .query("value", value)
            .query_opt("status", status.map(PackageStatus::as_str))
            .no_cache();
        self.wats.send_json(req).await
    }

    /// Creates a package in Draft, as the next version of its name
    /// (`POST /api/Software/Package`).
    pub async fn create(&self, package: &Package) -> Result<Package> {
        self.wats
            .send_json(json_request(
                Method::POST,
                "/api/Software/Package",
                package,
            )?)
            .await
    }

    /// Updates a Draft package's fields (`PUT /api/Software/Package/{id}`, the id from
    /// `packageId`).
    pub async fn update(&self, package: &Package) -> Result<Package> {
        let id = package
            .package_id
            .ok_or_else(|| Error::Config("update needs the package's packageId".into()))?;
        self.wats
            .send_json(json_request(Method::PUT, &package_path(id), package)?)
            .await
    }

    /// Deletes a package (`DELETE /api/Software/Package/{id}`); a Released one is refused.
    pub async fn delete(&self, id: Uuid) -> Result<()> {
        self.flag(Request::new(Method::DELETE, package_path(id)))
            .await
    }

    /// Deletes one version of a name, or every version (`DELETE /api/Software/PackageByName`).
    pub async fn delete_by_name(&self, name: &str, version: Option<i64>) -> Result<()> {
        let req = Request::new(Method::DELETE, "/api/Software/PackageByName")
            .query("name", name)
            .query_opt("version", version);
        self.flag(req).await
    }

    /// Moves a package along the release flow (`POST /api/Software/PackageStatus/{id}`).
    pub async fn set_status(&self, id: Uuid, status: PackageStatus) -> Result<Package> {
        let req = Request::new(Method::POST, format!("/api/Software/PackageStatus/{id}"))
            .query("status", status.as_str());
        self.wats.send_json(req).await
    }

    /// Draft → Pending.
    pub async fn submit_for_review(&self, id: Uuid) -> Result<Package> {
        self.set_status(id, PackageStatus::Pending).await
    }

    /// Pending → Draft.
    pub async fn return_to_draft(&self, id: Uuid) -> Result<Package> {
        self.set_status(id, PackageStatus::Draft).await
    }

    /// Pending → Released.
    pub async fn release(&self, id: Uuid) -> Result<Package> {
        self.set_status(id, PackageStatus::Released).await
    }

    /// Released → Revoked.
    pub async fn revoke(&self, id: Uuid) -> Result<Package> {
        self.set_status(id, PackageStatus::Revoked).await
    }

    // ---- files ------------------------------------------------------------------------

    /// A package's files with path, size and SHA-256 (`GET /api/Software/PackageFiles/{id}`).
    pub async fn files(&self, id: Uuid) -> Result<Vec<PackageFile>> {
        self.wats
            .send_json(Request::get(format!("/api/Software/PackageFiles/{id}")).no_cache())
            .await
    }

    /// Uploads a zip into a Draft package, merged or (`clean_install`) replacing every file
    /// (`POST /api/Software/Package/UploadZip/{id}`). Every file must be in a folder.
    pub async fn upload_zip(
        &self,
        id: Uuid,
        zip: impl Into<bytes::Bytes>,
        clean_install: bool,
    ) -> Result<()> {
        let mut req = Request::new(
            Method::POST,
            format!("/api/Software/Package/UploadZip/{id}"),
        )
        .body(zip, "application/zip");
        if clean_install {
            req = req.query("cleanInstall", "true");
        }
        self.flag(req).await
    }

    /// Sets a file's attributes, e.g. `"ExecuteOnce, TopLevelFile"`
    /// (`POST /api/Software/Package/FileAttribute/{fileId}`).
    pub async fn set_file_attributes(
        &self,
        file_id: Uuid,
        attributes: &str,
    ) -> Result<PackageFile> {
        let req = Request::new(
            Method::POST,
            format!("/api/Software/Package/FileAttribute/{file_id}"),
        )
        .query("attribute", attributes);
        self.wats.send_json(req).await
    }

    /// A file's details (`GET /api/internal/Software/File/{id}`).
    pub async fn file(&self, file_id: Uuid) -> Result<PackageFile> {
        self.wats
            .send_json(Request::get(format!(
                "/api/internal/Software/File/{file_id}"
            )))
            .await
    }

    /// A file's bytes (`GET /api/internal/Software/DownloadFile`).
    pub async fn download_file(&self, file_id: Uuid) -> Result<bytes::Bytes> {
        let req = Request::get("/api/internal/Software/DownloadFile")
            .query("repositoryFolderFileId", file_id)
            .accept("application/octet-stream")
            .no_cache();
        self.wats.send(req).await
    }

    /// Whether a package holds a file at a path with a checksum
    /// (`GET /api/internal/Software/CheckFile`): `{exists, checksumMatches, fileId}`.
    pub async fn check_file(
        &self,
        package_id: Uuid,
        path: &str,
        checksum: &str,
    ) -> Result<serde_json::Value> {
        let req = Request::get("/api/internal/Software/CheckFile")
            .query("packageId", package_id)
            .query("filePath", path)
            .query("checksum", checksum)
            .no_cache();
        self.wats.send_json(req).await
    }

    /// Creates a folder in a Draft package (`POST /api/internal/Software/PostPackageFolder`).
    pub async fn create_folder(
        &self,
        package_id: Uuid,
        name: &str,
        parent_folder_id: Option<Uuid>,
    ) -> Result<PackageFolder> {
        let body = PackageFolder {
            name: Some(name.to_owned()),
            parent_folder_id,
            ..PackageFolder::default()
        };
        let req = json_request(
            Method::POST,
            "/api/internal/Software/PostPackageFolder",
            &body,
        )?
        .query("packageId", package_id);
        self.wats.send_json(req).await
    }

    /// Renames a folder (`POST /api/internal/Software/UpdatePackageFolder`).
    pub async fn rename_folder(&self, folder_id: Uuid, name: &str) -> Result<PackageFolder> {
        let body = PackageFolder {
            package_folder_id: Some(folder_id),
            name: Some(name.to_owned()),
            ..PackageFolder::default()
        };
        self.wats
            .send_json(json_request(
                Method::POST,
                "/api/internal/Software/UpdatePackageFolder",
                &body,
            )?)
            .await
    }

    /// Deletes a folder with its content (`POST /api/internal/Software/DeletePackageFolder`).
    pub async fn delete_folder(&self, folder_id: Uuid) -> Result<()> {
        self.flag(
            Request::new(Method::POST, "/api/internal/Software/DeletePackageFolder")
                .query("packageFolderId", folder_id),
        )
        .await
    }

    /// Deletes files by id (`POST /api/internal/Software/DeletePackageFolderFiles`).
    pub async fn delete_files(&self, file_ids: &[Uuid]) -> Result<()> {
        self.flag(
            Request::new(
                Method::POST,
                "/api/internal/Software/DeletePackageFolderFiles",
            )
            .query("packageFolderFileIds", ids(file_ids)),
        )
        .await
    }

    /// A package with its folders and files
    /// (`GET /api/internal/Software/GetSoftwareEntityDetails`).
    pub async fn details(&self, package_id: Uuid) -> Result<serde_json::Value> {
        self.wats
            .send_json(
                Request::get("/api/internal/Software/GetSoftwareEntityDetails")
                    .query("packageId", package_id)
                    .no_cache(),
            )
            .await
    }

    // ---- folders, history, distribution -----------------------------------------------

    /// Every virtual folder (`GET /api/Software/VirtualFolders`).
    pub async fn virtual_folders(&self) -> Result<Vec<VirtualFolder>> {
        self.wats
            .send_json(Request::get("/api/Software/VirtualFolders").no_cache())
            .await
    }

    /// Creates (no `id`) or updates a virtual folder (`POST`/`PUT /api/Software/VirtualFolder`).
    pub async fn save_virtual_folder(&self, folder: &VirtualFolder) -> Result<VirtualFolder> {
        let method = if folder.id.is_some() {
            Method::PUT
        } else {
            Method::POST
        };
        self.wats
            .send_json(json_request(method, "/api/Software/VirtualFolder", folder)?)
            .await
    }

    /// Deletes a virtual folder (`DELETE /api/Software/VirtualFolder/{id}`).
    pub async fn delete_virtual_folder(&self, id: Uuid) -> Result<()> {
        self.flag(Request::new(
            Method::DELETE,
            format!("/api/Software/VirtualFolder/{id}"),
        ))
        .await
    }

    /// Packages with tags (`"key=value;…"`), of a status, every version or the newest of each
    /// name (`GET /api/internal/Software/GetPackageHistory`).
    pub async fn history(
        &self,
        tags: &str,
        status: Option<PackageStatus>,
        all_versions: bool,
    ) -> Result<Vec<Package>> {
        let req = Request::get("/api/internal/Software/GetPackageHistory")
            .query("tags", tags)
            .query_opt("status", status.map(PackageStatus::code))
            .query("allVersions", all_versions)
            .no_cache();
        self.wats.send_json(req).await
    }

    /// The newest Released version of every name, except the installed ones
    /// (`GET /api/internal/Software/GetAvailablePackages`).
    pub async fn available(&self, installed: &[Uuid]) -> Result<Vec<Package>> {
        let req = Request::get("/api/internal/Software/GetAvailablePackages")
            .query("installedPackages", ids(installed))
            .no_cache();
        self.wats.send_json(req).await
    }

    /// Of the installed packages, the revoked ones (and, unless `revoked_only`, those a newer
    /// release replaces) (`GET /api/internal/Software/GetRevokedPackages`).
    pub async fn revoked(&self, installed: &[Uuid], revoked_only: bool) -> Result<Vec<Uuid>> {
        let req = Request::get("/api/internal/Software/GetRevokedPackages")
            .query("installedPackages", ids(installed))
            .query("includeRevokedOnly", revoked_only)
            .no_cache();
        let list: Vec<String> = self.wats.send_json(req).await?;
        Ok(list
            .iter()
            .filter_map(|s| Uuid::parse_str(s).ok())
            .collect())
    }

    /// Logs a download (`GET /api/internal/Software/Log`), for a client when given.
    pub async fn log_download(
        &self,
        package_id: Uuid,
        size: u64,
        client_id: Option<i64>,
    ) -> Result<PackageDownload> {
        let mut req = Request::get("/api/internal/Software/Log")
            .query("packageId", package_id)
            .query("downloadSize", size)
            .query_opt("clientId", client_id)
            .no_cache();
        // A GET that writes: sent once, never retried (a retry could log the download twice).
        req.idempotent = false;
        self.wats.send_json(req).await
    }

    /// The downloads a client logged (`GET /api/internal/Software/GetPackageDownloadHistory`).
    pub async fn download_history(&self, client_id: i64) -> Result<Vec<PackageDownload>> {
        let req = Request::get("/api/internal/Software/GetPackageDownloadHistory")
            .query("clientId", client_id)
            .no_cache();
        self.wats.send_json(req).await
    }

    /// Whether the server's software service answers (`GET /api/internal/Software/isConnected`).
    pub async fn is_connected(&self) -> Result<bool> {
        self.wats
            .send_json(Request::get("/api/internal/Software/isConnected").no_cache())
            .await
    }
}
