//! The Software domain's virtual folders (where packages are filed) and download log (which
//! station took which package, when, and how many bytes).

use sqlx::Row;
use uuid::Uuid;
use wats_types::software::{Package, PackageDownload, VirtualFolder};

use super::product::{from_doc, required};
use super::software::{json_text, SoftwareTx};
use crate::error::{ApiError, ApiResult};

impl SoftwareTx<'_> {
    /// Every virtual folder, with its path filled.
    pub async fn virtual_folders(&mut self) -> ApiResult<Vec<VirtualFolder>> {
        let mut all: Vec<VirtualFolder> =
            self.docs("SELECT doc FROM sw_virtual_folders", &[]).await?;
        let by_id: Vec<(Option<Uuid>, Option<Uuid>, String)> = all
            .iter()
            .map(|f| (f.id, f.parent_id, f.name.clone().unwrap_or_default()))
            .collect();
        for f in &mut all {
            let mut names = vec![f.name.clone().unwrap_or_default()];
            let mut parent = f.parent_id;
            while let Some(pid) = parent {
                match by_id.iter().find(|(id, _, _)| *id == Some(pid)) {
                    Some((_, pp, n)) if names.len() <= by_id.len() => {
                        names.push(n.clone());
                        parent = *pp;
                    }
                    _ => break,
                }
            }
            names.reverse();
            f.path = Some(names.join("/"));
        }
        all.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(all)
    }

    /// Creates or updates (by `id`) a virtual folder.
    pub async fn save_virtual_folder(&mut self, f: VirtualFolder) -> ApiResult<VirtualFolder> {
        required(f.name.as_deref(), "name")?;
        let all = self.virtual_folders().await?;
        if let Some(parent) = f.parent_id {
            if !all.iter().any(|x| x.id == Some(parent)) || Some(parent) == f.id {
                return Err(ApiError::bad_request(format!(
                    "parentId: no other virtual folder {parent}"
                )));
            }
        }
        let exists = f.id.is_some_and(|id| all.iter().any(|x| x.id == Some(id)));
        let f = VirtualFolder {
            id: Some(f.id.unwrap_or_else(Uuid::new_v4)),
            path: None,
            ..f
        };
        let id = f.id.unwrap_or_default().to_string();
        if exists {
            sqlx::query("DELETE FROM sw_virtual_folders WHERE folder_id = $1")
                .bind(id.clone())
                .execute(&mut *self.tx)
                .await?;
        }
        sqlx::query("INSERT INTO sw_virtual_folders (folder_id, doc) VALUES ($1, $2)")
            .bind(id)
            .bind(json_text(&f)?)
            .execute(&mut *self.tx)
            .await?;
        Ok(f)
    }

    /// Deletes a virtual folder (its sub-folders move to its parent).
    pub async fn delete_virtual_folder(&mut self, id: Uuid) -> ApiResult<()> {
        let all = self.virtual_folders().await?;
        let f = all
            .iter()
            .find(|x| x.id == Some(id))
            .ok_or_else(|| ApiError::not_found(format!("Virtual folder not found: {id}")))?;
        for child in all.iter().filter(|x| x.parent_id == Some(id)) {
            let moved = VirtualFolder {
                parent_id: f.parent_id,
                ..child.clone()
            };
            self.save_virtual_folder(moved).await?;
        }
        sqlx::query("DELETE FROM sw_virtual_folders WHERE folder_id = $1")
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Logs a download of a package.
    pub async fn log_download(
        &mut self,
        p: &Package,
        size: i64,
        client_id: Option<i64>,
    ) -> ApiResult<PackageDownload> {
        let d = PackageDownload {
            package_id: p.package_id,
            name: p.name.clone(),
            version: p.version,
            client_id,
            user: Some(self.user.clone()),
            download_size: Some(size),
            date: self.stamp(),
            ..PackageDownload::default()
        };
        sqlx::query(
            "INSERT INTO sw_downloads (package_id, client_id, date_utc, doc) VALUES ($1, $2, $3, $4)",
        )
        .bind(p.package_id.unwrap_or_default().to_string())
        .bind(client_id)
        .bind(self.now.timestamp_micros())
        .bind(json_text(&d)?)
        .execute(&mut *self.tx)
        .await?;
        Ok(d)
    }

    /// Downloads logged for a client (or every one), oldest first.
    pub async fn downloads(&mut self, client_id: Option<i64>) -> ApiResult<Vec<PackageDownload>> {
        let rows = match client_id {
            Some(c) => {
                sqlx::query(
                    "SELECT doc FROM sw_downloads WHERE client_id = $1 ORDER BY download_id",
                )
                .bind(c)
                .fetch_all(&mut *self.tx)
                .await?
            }
            None => {
                sqlx::query("SELECT doc FROM sw_downloads ORDER BY download_id")
                    .fetch_all(&mut *self.tx)
                    .await?
            }
        };
        rows.iter()
            .map(|r| from_doc(&r.try_get::<String, _>(0)?))
            .collect()
    }
}
