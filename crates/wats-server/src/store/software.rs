//! The Software domain's storage and rules: packages (one row per version), their folders
//! and files, virtual folders and the download log.
//!
//! Virtual folders and the download log are in [`super::software_log`].
//!
//! Rules: a package is created in Draft, as version 1 of its name or the highest so far + 1.
//! Its status moves only Draft → Pending, Pending → Draft, Pending → Released, Released →
//! Revoked ([`PackageStatus::can_become`]). Only a Draft package's fields and content change
//! (so a Released one never does); a Released package cannot be deleted (revoke it first).

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};
use uuid::Uuid;
use wats_report::Timestamp;
use wats_types::software::{Package, PackageFile, PackageFolder, PackageStatus, FILE_ATTRIBUTES};

use super::product::{from_doc, key, required, stored_tags, to_object};
use super::software_zip::Unpacked;
use super::Store;
use crate::error::{ApiError, ApiResult};

/// WATS's answer to an illegal status change.
pub const ILLEGAL_TRANSITION: &str = "Status can only go from Draft to Pending, Pending to \
     Draft OR Released, and Released to Revoked. Any other configuration will be refused.";

/// One transaction over the Software tables.
pub struct SoftwareTx<'a> {
    pub(super) tx: Transaction<'static, Any>,
    _writer: Option<tokio::sync::MutexGuard<'a, ()>>,
    pub(super) user: String,
    /// When (one instant for the whole call).
    pub now: DateTime<Utc>,
}

impl Store {
    /// A transaction for reading the Software tables.
    pub async fn software_read(&self) -> ApiResult<SoftwareTx<'_>> {
        Ok(SoftwareTx {
            tx: self.pool.begin().await?,
            _writer: None,
            user: String::new(),
            now: Utc::now(),
        })
    }

    /// A transaction for changing the Software tables as `user`.
    pub async fn software_write(&self, user: &str) -> ApiResult<SoftwareTx<'_>> {
        let writer = self.write_guard().await;
        Ok(SoftwareTx {
            tx: self.pool.begin().await?,
            _writer: writer,
            user: user.to_owned(),
            now: Utc::now(),
        })
    }
}

pub(super) fn json_text<T: serde::Serialize>(v: &T) -> ApiResult<String> {
    Ok(serde_json::to_string(v).map_err(anyhow::Error::from)?)
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A Draft package may change; anything else is a 400 saying why.
pub fn editable(p: &Package) -> ApiResult<()> {
    match p.status {
        Some(PackageStatus::Draft) | None => Ok(()),
        Some(s) => Err(ApiError::bad_request(format!(
            "Package '{}' version {} is {s}: only a Draft package can be changed \
             (return a Pending package to Draft; a Released package never changes)",
            p.name.as_deref().unwrap_or(""),
            p.version.unwrap_or(0)
        ))),
    }
}

/// Checks and spells attribute names as WATS does (comma-separated, any case).
pub fn canonical_attributes(text: &str) -> ApiResult<String> {
    let mut out: Vec<&str> = Vec::new();
    for part in text
        .split([',', '|', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let known = FILE_ATTRIBUTES
            .iter()
            .find(|a| a.eq_ignore_ascii_case(part))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "attribute '{part}' is not one of {}",
                    FILE_ATTRIBUTES.join(", ")
                ))
            })?;
        if !out.contains(known) {
            out.push(known);
        }
    }
    if out.len() > 1 {
        out.retain(|a| *a != "None");
    }
    if out.is_empty() {
        return Err(ApiError::bad_request("attribute is required"));
    }
    Ok(out.join(", "))
}

fn parent_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(p, _)| p)
}

fn leaf(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, n)| n)
}

impl SoftwareTx<'_> {
    /// Commits.
    pub async fn commit(self) -> ApiResult<()> {
        self.tx.commit().await?;
        Ok(())
    }

    pub(super) async fn docs<T: serde::de::DeserializeOwned>(
        &mut self,
        sql: &str,
        params: &[&str],
    ) -> ApiResult<Vec<T>> {
        let mut q = sqlx::query(sql);
        for p in params {
            q = q.bind(p.to_string());
        }
        let rows = q.fetch_all(&mut *self.tx).await?;
        rows.iter()
            .map(|r| from_doc(&r.try_get::<String, _>(0)?))
            .collect()
    }

    pub(super) fn stamp(&self) -> Option<Timestamp> {
        Some(Timestamp::from_utc(self.now))
    }

    // ---- packages ---------------------------------------------------------------------

    /// Every package, by name then version.
    pub async fn packages(&mut self) -> ApiResult<Vec<Package>> {
        self.docs(
            "SELECT doc FROM sw_packages ORDER BY name_key, version",
            &[],
        )
        .await
    }

    /// Every version of a name, oldest first.
    pub async fn versions(&mut self, name: &str) -> ApiResult<Vec<Package>> {
        self.docs(
            "SELECT doc FROM sw_packages WHERE name_key = $1 ORDER BY version",
            &[&key(name)],
        )
        .await
    }

    /// A package by id: 404 when there is none.
    pub async fn existing(&mut self, id: Uuid) -> ApiResult<Package> {
        self.docs::<Package>(
            "SELECT doc FROM sw_packages WHERE package_id = $1",
            &[&id.to_string()],
        )
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found(format!("Software package not found: {id}")))
    }

    async fn write(&mut self, p: &Package, insert: bool) -> ApiResult<()> {
        let sql = if insert {
            "INSERT INTO sw_packages (package_id, name_key, version, status, doc) \
             VALUES ($1, $2, $3, $4, $5)"
        } else {
            "UPDATE sw_packages SET name_key = $2, version = $3, status = $4, doc = $5 \
             WHERE package_id = $1"
        };
        sqlx::query(sql)
            .bind(p.package_id.unwrap_or_default().to_string())
            .bind(key(p.name.as_deref().unwrap_or("")))
            .bind(p.version.unwrap_or(1))
            .bind(p.status.unwrap_or(PackageStatus::Draft).as_str())
            .bind(json_text(p)?)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Creates a package in Draft: version 1 of its name, or the highest so far + 1.
    pub async fn create(&mut self, request: Package) -> ApiResult<Package> {
        let name = required(request.name.as_deref(), "name")?.to_owned();
        let version = self
            .versions(&name)
            .await?
            .iter()
            .filter_map(|p| p.version)
            .max()
            .unwrap_or(0)
            + 1;
        let tags = match request.tags.clone() {
            Some(t) => Some(stored_tags(t, "tags")?),
            None => None,
        };
        let p = Package {
            package_id: Some(Uuid::new_v4()),
            name: Some(name),
            version: Some(version),
            status: Some(PackageStatus::Draft),
            tags,
            created: self.stamp(),
            created_by: Some(self.user.clone()),
            modified: self.stamp(),
            modified_by: Some(self.user.clone()),
            released: None,
            released_by: None,
            revoked: None,
            revoked_by: None,
            ..request
        };
        check_package(&p)?;
        self.write(&p, true).await?;
        Ok(p)
    }

    /// Updates a Draft package's fields (not its name, version or status).
    pub async fn update(&mut self, id: Uuid, request: Package) -> ApiResult<Package> {
        let stored = self.existing(id).await?;
        editable(&stored)?;
        if let (Some(new), Some(old)) = (request.name.as_deref(), stored.name.as_deref()) {
            if !new.eq_ignore_ascii_case(old) {
                return Err(ApiError::bad_request(
                    "name cannot be changed: versions share their name; create a new package",
                ));
            }
        }
        let mut obj = to_object(&stored)?;
        let mut req = to_object(&request)?;
        if let Some(tags) = request.tags.clone() {
            req.insert(
                "tags".into(),
                serde_json::to_value(stored_tags(tags, "tags")?).map_err(anyhow::Error::from)?,
            );
        }
        const SERVER: [&str; 13] = [
            "packageId",
            "name",
            "version",
            "status",
            "created",
            "createdBy",
            "modified",
            "modifiedBy",
            "released",
            "releasedBy",
            "revoked",
            "revokedBy",
            "createdUtc",
        ];
        for (k, v) in req {
            if !SERVER.contains(&k.as_str()) && k != "modifiedUtc" && k != "files" {
                obj.insert(k, v);
            }
        }
        let mut p: Package = serde_json::from_value(Value::Object(obj))
            .map_err(|e| ApiError::bad_request(format!("package: {e}")))?;
        check_package(&p)?;
        p.modified = self.stamp();
        p.modified_by = Some(self.user.clone());
        self.write(&p, false).await?;
        Ok(p)
    }

    /// Moves a package to another status, if the workflow allows it.
    pub async fn set_status(&mut self, id: Uuid, next: PackageStatus) -> ApiResult<Package> {
        let mut p = self.existing(id).await?;
        let now = p.status.unwrap_or(PackageStatus::Draft);
        if !now.can_become(next) {
            return Err(ApiError::bad_request(format!(
                "{ILLEGAL_TRANSITION} (package '{}' version {} is {now}, not {next}-able)",
                p.name.as_deref().unwrap_or(""),
                p.version.unwrap_or(0)
            )));
        }
        p.status = Some(next);
        p.modified = self.stamp();
        p.modified_by = Some(self.user.clone());
        match next {
            PackageStatus::Released => {
                p.released = self.stamp();
                p.released_by = Some(self.user.clone());
            }
            PackageStatus::Revoked => {
                p.revoked = self.stamp();
                p.revoked_by = Some(self.user.clone());
            }
            _ => {}
        }
        self.write(&p, false).await?;
        Ok(p)
    }

    /// Deletes a package with its folders and files; a Released one is refused.
    pub async fn delete(&mut self, p: &Package) -> ApiResult<()> {
        if p.status == Some(PackageStatus::Released) {
            return Err(ApiError::bad_request(format!(
                "Package '{}' version {} is Released: revoke it before deleting it",
                p.name.as_deref().unwrap_or(""),
                p.version.unwrap_or(0)
            )));
        }
        let id = p.package_id.unwrap_or_default().to_string();
        for sql in [
            "DELETE FROM sw_files WHERE package_id = $1",
            "DELETE FROM sw_folders WHERE package_id = $1",
            "DELETE FROM sw_packages WHERE package_id = $1",
        ] {
            sqlx::query(sql)
                .bind(id.clone())
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    async fn touch(&mut self, p: &Package) -> ApiResult<()> {
        let mut p = p.clone();
        p.modified = self.stamp();
        p.modified_by = Some(self.user.clone());
        self.write(&p, false).await
    }

    // ---- folders and files ------------------------------------------------------------

    /// A package's folders, by path.
    pub async fn folders(&mut self, package_id: Uuid) -> ApiResult<Vec<PackageFolder>> {
        self.docs(
            "SELECT doc FROM sw_folders WHERE package_id = $1 ORDER BY path_key",
            &[&package_id.to_string()],
        )
        .await
    }

    /// A package's files (without content), by path.
    pub async fn files(&mut self, package_id: Uuid) -> ApiResult<Vec<PackageFile>> {
        self.docs(
            "SELECT doc FROM sw_files WHERE package_id = $1 ORDER BY path_key",
            &[&package_id.to_string()],
        )
        .await
    }

    /// A file by id, with its package's id: 404 when there is none.
    pub async fn file(&mut self, file_id: Uuid) -> ApiResult<(PackageFile, Uuid)> {
        let row = sqlx::query("SELECT doc, package_id FROM sw_files WHERE file_id = $1")
            .bind(file_id.to_string())
            .fetch_optional(&mut *self.tx)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("Package file not found: {file_id}")))?;
        let f: PackageFile = from_doc(&row.try_get::<String, _>(0)?)?;
        let pid = Uuid::parse_str(&row.try_get::<String, _>(1)?)
            .map_err(|e| ApiError::Internal(e.into()))?;
        Ok((f, pid))
    }

    /// A file's content.
    pub async fn content(&mut self, file_id: Uuid) -> ApiResult<Vec<u8>> {
        let row = sqlx::query("SELECT content FROM sw_files WHERE file_id = $1")
            .bind(file_id.to_string())
            .fetch_optional(&mut *self.tx)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("Package file not found: {file_id}")))?;
        Ok(row.try_get(0)?)
    }

    async fn ensure_folder(&mut self, package_id: Uuid, path: &str) -> ApiResult<Uuid> {
        if let Some(f) = self
            .docs::<PackageFolder>(
                "SELECT doc FROM sw_folders WHERE package_id = $1 AND path_key = $2",
                &[&package_id.to_string(), &key(path)],
            )
            .await?
            .pop()
        {
            return Ok(f.package_folder_id.unwrap_or_default());
        }
        let parent = match parent_of(path) {
            "" => None,
            p => Some(Box::pin(self.ensure_folder(package_id, p)).await?),
        };
        let f = PackageFolder {
            package_folder_id: Some(Uuid::new_v4()),
            package_id: Some(package_id),
            parent_folder_id: parent,
            name: Some(leaf(path).to_owned()),
            path: Some(path.to_owned()),
            ..PackageFolder::default()
        };
        sqlx::query(
            "INSERT INTO sw_folders (folder_id, package_id, path_key, doc) VALUES ($1, $2, $3, $4)",
        )
        .bind(f.package_folder_id.unwrap_or_default().to_string())
        .bind(package_id.to_string())
        .bind(key(path))
        .bind(json_text(&f)?)
        .execute(&mut *self.tx)
        .await?;
        Ok(f.package_folder_id.unwrap_or_default())
    }

    async fn put_file(&mut self, package_id: Uuid, path: &str, content: &[u8]) -> ApiResult<()> {
        let existing: Option<PackageFile> = self
            .docs(
                "SELECT doc FROM sw_files WHERE package_id = $1 AND path_key = $2",
                &[&package_id.to_string(), &key(path)],
            )
            .await?
            .pop();
        let folder = parent_of(path);
        let f = PackageFile {
            package_file_id: existing
                .as_ref()
                .and_then(|e| e.package_file_id)
                .or(Some(Uuid::new_v4())),
            name: Some(leaf(path).to_owned()),
            path: Some(path.to_owned()),
            package_folder_name: Some(folder.to_owned()),
            size: Some(content.len() as i64),
            checksum: Some(sha256_hex(content)),
            attributes: existing
                .as_ref()
                .and_then(|e| e.attributes.clone())
                .or(Some("None".to_owned())),
            created_utc: existing
                .as_ref()
                .and_then(|e| e.created_utc)
                .or(self.stamp()),
            modified_utc: self.stamp(),
            ..PackageFile::default()
        };
        let f = PackageFile {
            file_id: f.package_file_id,
            ..f
        };
        let id = f.package_file_id.unwrap_or_default().to_string();
        sqlx::query("DELETE FROM sw_files WHERE file_id = $1")
            .bind(id.clone())
            .execute(&mut *self.tx)
            .await?;
        sqlx::query(
            "INSERT INTO sw_files (file_id, package_id, path_key, doc, content) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(package_id.to_string())
        .bind(key(path))
        .bind(json_text(&f)?)
        .bind(content)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Writes an unpacked zip into a Draft package: merged with what is there (same path:
    /// replaced), or replacing everything with `clean`.
    pub async fn upload(&mut self, p: &Package, zip: &Unpacked, clean: bool) -> ApiResult<usize> {
        editable(p)?;
        let id = p.package_id.unwrap_or_default();
        if clean {
            for sql in [
                "DELETE FROM sw_files WHERE package_id = $1",
                "DELETE FROM sw_folders WHERE package_id = $1",
            ] {
                sqlx::query(sql)
                    .bind(id.to_string())
                    .execute(&mut *self.tx)
                    .await?;
            }
        }
        for folder in &zip.folders {
            self.ensure_folder(id, folder).await?;
        }
        for (path, content) in &zip.files {
            self.put_file(id, path, content).await?;
        }
        self.touch(p).await?;
        Ok(zip.files.len())
    }

    /// Sets a file's attributes (in a Draft package).
    pub async fn set_attributes(
        &mut self,
        file_id: Uuid,
        attributes: &str,
    ) -> ApiResult<PackageFile> {
        let (mut f, pid) = self.file(file_id).await?;
        let p = self.existing(pid).await?;
        editable(&p)?;
        f.attributes = Some(canonical_attributes(attributes)?);
        sqlx::query("UPDATE sw_files SET doc = $2 WHERE file_id = $1")
            .bind(file_id.to_string())
            .bind(json_text(&f)?)
            .execute(&mut *self.tx)
            .await?;
        self.touch(&p).await?;
        Ok(f)
    }

    /// Creates a folder in a Draft package (`name` under `parentFolderId`, or at the top).
    pub async fn create_folder(
        &mut self,
        p: &Package,
        f: &PackageFolder,
    ) -> ApiResult<PackageFolder> {
        editable(p)?;
        let id = p.package_id.unwrap_or_default();
        let name = super::software_zip::clean_path(required(f.name.as_deref(), "name")?)?;
        if name.contains('/') {
            return Err(ApiError::bad_request(
                "name must be one folder name, without '/'",
            ));
        }
        let path = match f.parent_folder_id {
            None => name,
            Some(parent) => {
                let folders = self.folders(id).await?;
                let parent = folders
                    .iter()
                    .find(|x| x.package_folder_id == Some(parent))
                    .ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "parentFolderId: no folder {parent} in this package"
                        ))
                    })?;
                format!("{}/{name}", parent.path.as_deref().unwrap_or(""))
            }
        };
        let fid = self.ensure_folder(id, &path).await?;
        self.touch(p).await?;
        Ok(self
            .folders(id)
            .await?
            .into_iter()
            .find(|x| x.package_folder_id == Some(fid))
            .unwrap_or_default())
    }

    /// The folder with an id, and its package.
    pub async fn folder(&mut self, folder_id: Uuid) -> ApiResult<(PackageFolder, Package)> {
        let f: PackageFolder = self
            .docs(
                "SELECT doc FROM sw_folders WHERE folder_id = $1",
                &[&folder_id.to_string()],
            )
            .await?
            .pop()
            .ok_or_else(|| ApiError::not_found(format!("Package folder not found: {folder_id}")))?;
        let p = self.existing(f.package_id.unwrap_or_default()).await?;
        Ok((f, p))
    }

    /// Renames a folder in a Draft package; the paths of everything below it follow.
    pub async fn rename_folder(&mut self, folder_id: Uuid, name: &str) -> ApiResult<PackageFolder> {
        let (f, p) = self.folder(folder_id).await?;
        editable(&p)?;
        let name = super::software_zip::clean_path(name)?;
        if name.contains('/') {
            return Err(ApiError::bad_request(
                "name must be one folder name, without '/'",
            ));
        }
        let old = f.path.clone().unwrap_or_default();
        let new = match parent_of(&old) {
            "" => name.clone(),
            parent => format!("{parent}/{name}"),
        };
        let pid = p.package_id.unwrap_or_default();
        let moved = |path: &str| -> Option<String> {
            if key(path) == key(&old) {
                Some(new.clone())
            } else {
                key(path)
                    .strip_prefix(&format!("{}/", key(&old)))
                    .map(|_| format!("{new}{}", &path[old.len()..]))
            }
        };
        for mut x in self.folders(pid).await? {
            let Some(path) = x.path.as_deref().and_then(moved) else {
                continue;
            };
            if x.package_folder_id == Some(folder_id) {
                x.name = Some(name.clone());
            }
            x.path = Some(path.clone());
            sqlx::query("UPDATE sw_folders SET path_key = $2, doc = $3 WHERE folder_id = $1")
                .bind(x.package_folder_id.unwrap_or_default().to_string())
                .bind(key(&path))
                .bind(json_text(&x)?)
                .execute(&mut *self.tx)
                .await?;
        }
        for mut x in self.files(pid).await? {
            let Some(path) = x.path.as_deref().and_then(moved) else {
                continue;
            };
            x.package_folder_name = Some(parent_of(&path).to_owned());
            x.path = Some(path.clone());
            sqlx::query("UPDATE sw_files SET path_key = $2, doc = $3 WHERE file_id = $1")
                .bind(x.package_file_id.unwrap_or_default().to_string())
                .bind(key(&path))
                .bind(json_text(&x)?)
                .execute(&mut *self.tx)
                .await?;
        }
        self.touch(&p).await?;
        Ok(self.folder(folder_id).await?.0)
    }

    /// Deletes a folder of a Draft package with everything below it.
    pub async fn delete_folder(&mut self, folder_id: Uuid) -> ApiResult<()> {
        let (f, p) = self.folder(folder_id).await?;
        editable(&p)?;
        let pid = p.package_id.unwrap_or_default().to_string();
        let path = key(f.path.as_deref().unwrap_or(""));
        let below = format!("{path}/%");
        for table in ["sw_folders", "sw_files"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE package_id = $1 AND (path_key = $2 OR path_key LIKE $3)"
            ))
            .bind(pid.clone())
            .bind(path.clone())
            .bind(below.clone())
            .execute(&mut *self.tx)
            .await?;
        }
        self.touch(&p).await
    }

    /// Deletes files (of Draft packages) by id: all or none.
    pub async fn delete_files(&mut self, ids: &[Uuid]) -> ApiResult<()> {
        for id in ids {
            let (_, pid) = self.file(*id).await?;
            let p = self.existing(pid).await?;
            editable(&p)?;
            sqlx::query("DELETE FROM sw_files WHERE file_id = $1")
                .bind(id.to_string())
                .execute(&mut *self.tx)
                .await?;
            self.touch(&p).await?;
        }
        Ok(())
    }
}

/// Checks a package's fields: a root directory relative and inside the station's folder.
fn check_package(p: &Package) -> ApiResult<()> {
    if let Some(dir) = p.root_directory.as_deref().filter(|d| !d.trim().is_empty()) {
        super::software_zip::clean_path(dir).map_err(|_| {
            ApiError::bad_request(format!(
                "rootDirectory '{dir}' must be a relative folder without '..'"
            ))
        })?;
    }
    if let Some(n) = p.priority {
        if n < 0 {
            return Err(ApiError::bad_request("priority cannot be negative"));
        }
    }
    Ok(())
}
