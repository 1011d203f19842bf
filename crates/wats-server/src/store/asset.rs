//! The Asset domain's storage: asset types, assets, the asset log and asset files.
//!
//! Every API call runs in one [`AssetTx`] (one transaction; on SQLite the writer lock when
//! it writes), so a call that fails half-way leaves nothing behind. Rows keep the object's
//! JSON (`doc`); the rules (due dates, alarm state) are in [`super::asset_rules`]. Every
//! change writes a log entry with the user and the time in the same transaction.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{Any, Row, Transaction};
use uuid::Uuid;
use wats_report::Timestamp;
use wats_types::asset::{Asset, AssetLog, AssetLogType, AssetType};

use super::asset_rules::fill_due_dates;
use super::product::{from_doc, key, required, stored_tags, to_object};
use super::Store;
use crate::error::{ApiError, ApiResult};

/// The largest file stored with an asset: 32 MiB.
pub const MAX_ASSET_FILE_BYTES: usize = 32 * 1024 * 1024;

/// One transaction over the Asset tables.
pub struct AssetTx<'a> {
    tx: Transaction<'static, Any>,
    _writer: Option<tokio::sync::MutexGuard<'a, ()>>,
    /// Who makes the changes (for the log).
    user: String,
    /// When (one instant for the whole call).
    pub now: DateTime<Utc>,
}

impl Store {
    /// A transaction for reading the Asset tables.
    pub async fn asset_read(&self) -> ApiResult<AssetTx<'_>> {
        Ok(AssetTx {
            tx: self.pool.begin().await?,
            _writer: None,
            user: String::new(),
            now: Utc::now(),
        })
    }

    /// A transaction for changing the Asset tables as `user` (holding the SQLite writer lock).
    pub async fn asset_write(&self, user: &str) -> ApiResult<AssetTx<'_>> {
        let writer = self.write_guard().await;
        Ok(AssetTx {
            tx: self.pool.begin().await?,
            _writer: writer,
            user: user.to_owned(),
            now: Utc::now(),
        })
    }
}

/// A stored file of an asset.
#[derive(Clone, Debug)]
pub struct StoredFile {
    /// Its name as uploaded.
    pub name: String,
    /// The content type it was uploaded with.
    pub content_type: String,
    /// The bytes.
    pub content: Vec<u8>,
}

/// A log entry to write.
pub struct Entry<'e> {
    /// What kind.
    pub kind: AssetLogType,
    /// For an update: the property.
    pub property: Option<&'e str>,
    /// For an update: the new value.
    pub value: Option<String>,
    /// The comment or message.
    pub comment: Option<&'e str>,
    /// Who, when not the transaction's user.
    pub user: Option<&'e str>,
}

impl<'e> Entry<'e> {
    /// An entry of a kind with a comment.
    pub fn new(kind: AssetLogType, comment: Option<&'e str>) -> Self {
        Entry {
            kind,
            property: None,
            value: None,
            comment,
            user: None,
        }
    }

    /// An update of one property to a value.
    pub fn update(property: &'e str, value: impl ToString, comment: Option<&'e str>) -> Self {
        Entry {
            kind: AssetLogType::UPDATE,
            property: Some(property),
            value: Some(value.to_string()),
            comment,
            user: None,
        }
    }
}

fn json_text<T: serde::Serialize>(v: &T) -> ApiResult<String> {
    Ok(serde_json::to_string(v).map_err(anyhow::Error::from)?)
}

/// The fields a save may not set: the server keeps them (counts and dates have their calls).
const SERVER_FIELDS: [&str; 12] = [
    "assetId",
    "totalCount",
    "runningCount",
    "firstSeenDate",
    "lastSeenDate",
    "lastCalibrationDate",
    "nextCalibrationDate",
    "lastMaintenanceDate",
    "nextMaintenanceDate",
    "assetChildren",
    "assetType",
    "assetLog",
];

/// Properties whose changes a save logs one by one.
const LOGGED_FIELDS: [&str; 10] = [
    "serialNumber",
    "assetName",
    "partNumber",
    "revision",
    "typeId",
    "ClientId",
    "description",
    "location",
    "parentAssetId",
    "tags",
];

impl AssetTx<'_> {
    /// The transaction, for the operations in [`super::asset_ops`].
    pub(super) fn tx(&mut self) -> &mut Transaction<'static, Any> {
        &mut self.tx
    }

    /// Commits.
    pub async fn commit(self) -> ApiResult<()> {
        self.tx.commit().await?;
        Ok(())
    }

    async fn docs<T: serde::de::DeserializeOwned>(
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

    // ---- types ------------------------------------------------------------------------

    /// Every asset type, by name.
    pub async fn types(&mut self) -> ApiResult<Vec<AssetType>> {
        self.docs("SELECT doc FROM asset_types ORDER BY name_key", &[])
            .await
    }

    /// The type with an id.
    pub async fn type_by_id(&mut self, id: Uuid) -> ApiResult<Option<AssetType>> {
        Ok(self
            .docs(
                "SELECT doc FROM asset_types WHERE type_id = $1",
                &[&id.to_string()],
            )
            .await?
            .pop())
    }

    /// Creates or updates a type (by `typeId`, else by name).
    pub async fn save_type(&mut self, t: AssetType) -> ApiResult<AssetType> {
        let by_id = match t.type_id {
            Some(id) => self.type_by_id(id).await?,
            None => None,
        };
        let stored = match (by_id, t.type_name.as_deref()) {
            (Some(s), _) => Some(s),
            (None, Some(name)) if t.type_id.is_none() => self
                .docs::<AssetType>(
                    "SELECT doc FROM asset_types WHERE name_key = $1",
                    &[&key(name)],
                )
                .await?
                .pop(),
            _ => None,
        };
        if stored.as_ref().and_then(|s| s.is_readonly) == Some(true) {
            return Err(ApiError::bad_request("The asset type is read-only"));
        }
        check_type(&t)?;
        let mut obj = match &stored {
            Some(s) => to_object(s)?,
            None => Default::default(),
        };
        for (k, v) in to_object(&t)? {
            obj.insert(k, v);
        }
        let mut merged: AssetType = serde_json::from_value(Value::Object(obj))
            .map_err(|e| ApiError::bad_request(format!("asset type: {e}")))?;
        if t.type_id.is_none() {
            // Matched by name: the request named the type, it did not ask for a rename.
            if let Some(s) = &stored {
                merged.type_name = s.type_name.clone();
            }
        }
        let name = required(merged.type_name.as_deref(), "typeName")?.to_owned();
        let id = stored
            .as_ref()
            .and_then(|s| s.type_id)
            .or(t.type_id)
            .unwrap_or_else(Uuid::new_v4);
        merged.type_id = Some(id);
        let clash: Vec<AssetType> = self
            .docs(
                "SELECT doc FROM asset_types WHERE name_key = $1 AND type_id <> $2",
                &[&key(&name), &id.to_string()],
            )
            .await?;
        if !clash.is_empty() {
            return Err(ApiError::bad_request(format!(
                "An asset type named '{name}' already exists"
            )));
        }
        let doc = json_text(&merged)?;
        let sql = if stored.is_some() {
            "UPDATE asset_types SET name_key = $2, doc = $3 WHERE type_id = $1"
        } else {
            "INSERT INTO asset_types (type_id, name_key, doc) VALUES ($1, $2, $3)"
        };
        sqlx::query(sql)
            .bind(id.to_string())
            .bind(key(&name))
            .bind(doc)
            .execute(&mut *self.tx)
            .await?;
        Ok(merged)
    }

    // ---- assets -----------------------------------------------------------------------

    /// Every asset as stored (due dates not yet filled), by id.
    pub async fn assets(&mut self) -> ApiResult<Vec<Asset>> {
        self.docs("SELECT doc FROM assets ORDER BY asset_id", &[])
            .await
    }

    /// Fills the due dates of assets from their types.
    pub async fn with_due_dates(&mut self, mut list: Vec<Asset>) -> ApiResult<Vec<Asset>> {
        let types = self.types().await?;
        for a in &mut list {
            let t = types.iter().find(|t| t.type_id == a.type_id);
            fill_due_dates(a, t);
        }
        Ok(list)
    }

    /// The asset whose id or serial number is `id_or_sn` (id first), as stored.
    pub async fn find(&mut self, id_or_sn: &str) -> ApiResult<Option<Asset>> {
        let found: Vec<Asset> = self
            .docs(
                "SELECT doc FROM assets WHERE asset_id = $1 OR sn_key = $2 \
                 ORDER BY CASE WHEN asset_id = $1 THEN 0 ELSE 1 END",
                &[id_or_sn.trim(), &key(id_or_sn.trim())],
            )
            .await?;
        Ok(found.into_iter().next())
    }

    /// The asset named by an `id` or a `serialNumber` parameter: 400 when neither is given,
    /// 404 when there is none.
    pub async fn existing(&mut self, id: Option<&str>, sn: Option<&str>) -> ApiResult<Asset> {
        let id = id.filter(|v| !v.trim().is_empty());
        let sn = sn.filter(|v| !v.trim().is_empty());
        let found = match (id, sn) {
            (Some(id), _) => self
                .docs::<Asset>("SELECT doc FROM assets WHERE asset_id = $1", &[id.trim()])
                .await?
                .pop(),
            (None, Some(sn)) => self
                .docs::<Asset>("SELECT doc FROM assets WHERE sn_key = $1", &[&key(sn)])
                .await?
                .pop(),
            (None, None) => {
                return Err(ApiError::bad_request(
                    "The query parameter id or serialNumber is required.",
                ))
            }
        };
        found.ok_or_else(|| {
            ApiError::not_found(format!(
                "Asset not found: {}",
                id.or(sn).unwrap_or_default()
            ))
        })
    }

    /// The direct children of an asset, by serial number.
    pub async fn children(&mut self, asset_id: &str) -> ApiResult<Vec<Asset>> {
        self.docs(
            "SELECT doc FROM assets WHERE parent_id = $1 ORDER BY sn_key",
            &[asset_id],
        )
        .await
    }

    /// The descendants of an asset down to `levels` levels (0: all), parents before children.
    pub async fn descendants(&mut self, asset_id: &str, levels: i64) -> ApiResult<Vec<Asset>> {
        let mut out = Vec::new();
        let mut frontier = vec![asset_id.to_owned()];
        let mut depth = 0;
        while !frontier.is_empty() && (levels <= 0 || depth < levels) {
            let mut next = Vec::new();
            for id in frontier {
                for c in self.children(&id).await? {
                    // A cycle cannot be stored (saves refuse one); the check keeps this finite
                    // even if a database were edited by hand.
                    let cid = c.asset_id.clone().unwrap_or_default();
                    if cid == asset_id || out.iter().any(|o: &Asset| o.asset_id == c.asset_id) {
                        continue;
                    }
                    next.push(cid);
                    out.push(c);
                }
            }
            frontier = next;
            depth += 1;
        }
        Ok(out)
    }

    /// Writes an asset's document and looked-up columns.
    pub async fn write(&mut self, a: &Asset, insert: bool) -> ApiResult<()> {
        let id = a.asset_id.clone().unwrap_or_default();
        let sn = a.serial_number.clone().unwrap_or_default();
        let sql = if insert {
            "INSERT INTO assets (asset_id, sn_key, type_id, parent_id, doc) \
             VALUES ($1, $2, $3, $4, $5)"
        } else {
            "UPDATE assets SET sn_key = $2, type_id = $3, parent_id = $4, doc = $5 \
             WHERE asset_id = $1"
        };
        sqlx::query(sql)
            .bind(id)
            .bind(key(&sn))
            .bind(a.type_id.unwrap_or_default().to_string())
            .bind(a.parent_asset_id.clone())
            .bind(json_text(a)?)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Writes a log entry about `a`.
    pub async fn log(&mut self, a: &Asset, e: Entry<'_>) -> ApiResult<()> {
        let entry = AssetLog {
            asset_id: a.asset_id.clone(),
            serial_number: a.serial_number.clone(),
            date: Some(Timestamp::from_utc(self.now)),
            user: Some(e.user.unwrap_or(&self.user).to_owned()),
            log_type: Some(e.kind),
            property: e.property.map(str::to_owned),
            value: e.value,
            comment: e.comment.map(str::to_owned),
            ..AssetLog::default()
        };
        sqlx::query("INSERT INTO asset_log (asset_id, date_utc, doc) VALUES ($1, $2, $3)")
            .bind(a.asset_id.clone().unwrap_or_default())
            .bind(self.now.timestamp_micros())
            .bind(json_text(&entry)?)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Log entries (of one asset, or all), oldest first, with their ids.
    pub async fn logs(&mut self, asset_id: Option<&str>) -> ApiResult<Vec<AssetLog>> {
        let rows = match asset_id {
            Some(id) => {
                sqlx::query("SELECT log_id, doc FROM asset_log WHERE asset_id = $1 ORDER BY log_id")
                    .bind(id.to_owned())
                    .fetch_all(&mut *self.tx)
                    .await?
            }
            None => {
                sqlx::query("SELECT log_id, doc FROM asset_log ORDER BY log_id")
                    .fetch_all(&mut *self.tx)
                    .await?
            }
        };
        rows.iter()
            .map(|r| {
                let mut e: AssetLog = from_doc(&r.try_get::<String, _>(1)?)?;
                e.log_id = Some(r.try_get(0)?);
                Ok(e)
            })
            .collect()
    }

    /// Resolves the parent a save names (`parentAssetId`, else `parentSerialNumber`; an
    /// empty value clears it), refusing the asset itself or one of its descendants.
    async fn parent_of(&mut self, a: &Asset, own_id: &str) -> ApiResult<Option<Asset>> {
        let by_id = a.parent_asset_id.as_deref().map(str::trim);
        let by_sn = a.parent_serial_number.as_deref().map(str::trim);
        let parent = match (by_id, by_sn) {
            (Some(""), _) | (None, Some("")) | (None, None) => return Ok(None),
            (Some(id), _) => self
                .docs::<Asset>("SELECT doc FROM assets WHERE asset_id = $1", &[id])
                .await?
                .pop()
                .ok_or_else(|| {
                    ApiError::bad_request(format!("parentAssetId: no asset with id '{id}'"))
                })?,
            (None, Some(sn)) => self
                .docs::<Asset>("SELECT doc FROM assets WHERE sn_key = $1", &[&key(sn)])
                .await?
                .pop()
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "parentSerialNumber: no asset with serial number '{sn}'"
                    ))
                })?,
        };
        let pid = parent.asset_id.clone().unwrap_or_default();
        if pid == own_id
            || self
                .descendants(own_id, 0)
                .await?
                .iter()
                .any(|d| d.asset_id.as_deref() == Some(&pid))
        {
            return Err(ApiError::bad_request(
                "parentAssetId: an asset cannot be its own parent or its descendant's child",
            ));
        }
        Ok(Some(parent))
    }

    /// Creates or updates an asset (by `assetId`, else by serial number), logging what
    /// changed. Counts and dates in the request are ignored.
    pub async fn save(&mut self, request: Asset) -> ApiResult<Asset> {
        let by_id = match request.asset_id.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(id) => self
                .docs::<Asset>("SELECT doc FROM assets WHERE asset_id = $1", &[id.trim()])
                .await?
                .pop(),
            None => None,
        };
        let stored = match by_id {
            Some(s) => Some(s),
            None => match request.serial_number.as_deref() {
                Some(sn) if !sn.trim().is_empty() => self
                    .docs::<Asset>("SELECT doc FROM assets WHERE sn_key = $1", &[&key(sn)])
                    .await?
                    .pop(),
                _ => None,
            },
        };
        let mut obj = match &stored {
            Some(s) => to_object(s)?,
            None => Default::default(),
        };
        let mut req = to_object(&request)?;
        if let Some(tags) = request.tags.clone() {
            req.insert(
                "tags".into(),
                serde_json::to_value(stored_tags(tags, "tags")?).map_err(anyhow::Error::from)?,
            );
        }
        for (k, v) in req {
            if !SERVER_FIELDS.contains(&k.as_str()) {
                obj.insert(k, v);
            }
        }
        let mut a: Asset = serde_json::from_value(Value::Object(obj))
            .map_err(|e| ApiError::bad_request(format!("asset: {e}")))?;
        if request
            .asset_id
            .as_deref()
            .is_none_or(|s| s.trim().is_empty())
        {
            // Matched by serial number: keep the spelling it was registered with.
            if let Some(s) = &stored {
                a.serial_number = s.serial_number.clone();
            }
        }
        let sn = required(a.serial_number.as_deref(), "serialNumber")?.to_owned();
        let type_id = a
            .type_id
            .ok_or_else(|| ApiError::bad_request("typeId is required"))?;
        if self.type_by_id(type_id).await?.is_none() {
            return Err(ApiError::bad_request(format!(
                "typeId: no asset type with id {type_id}"
            )));
        }
        if let Some(s) = a.state {
            if !s.is_known() {
                return Err(ApiError::bad_request(format!(
                    "state must be 0..6, not {}",
                    s.0
                )));
            }
        }
        let id = match &stored {
            Some(s) => s.asset_id.clone().unwrap_or_default(),
            None => request
                .asset_id
                .clone()
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| Uuid::new_v4().to_string()),
        };
        a.asset_id = Some(id.clone());
        let clash: Vec<Asset> = self
            .docs(
                "SELECT doc FROM assets WHERE sn_key = $1 AND asset_id <> $2",
                &[&key(&sn), &id],
            )
            .await?;
        if !clash.is_empty() {
            return Err(ApiError::bad_request(format!(
                "An asset with serial number '{sn}' already exists"
            )));
        }
        let parent = self.parent_of(&a, &id).await?;
        a.parent_asset_id = parent.as_ref().and_then(|p| p.asset_id.clone());
        a.parent_serial_number = parent.as_ref().and_then(|p| p.serial_number.clone());
        if stored.is_none() {
            a.first_seen_date = Some(Timestamp::from_utc(self.now));
            a.state = Some(
                a.state
                    .unwrap_or(wats_types::asset::AssetState::IN_OPERATION),
            );
            a.total_count = Some(0);
            a.running_count = Some(0);
        }
        self.write(&a, stored.is_none()).await?;
        match &stored {
            None => {
                self.log(&a, Entry::new(AssetLogType::REGISTER, None))
                    .await?
            }
            Some(old) => {
                let (before, after) = (to_object(old)?, to_object(&a)?);
                for f in LOGGED_FIELDS {
                    if before.get(f) != after.get(f) {
                        let value = match after.get(f) {
                            None | Some(Value::Null) => String::new(),
                            Some(Value::String(s)) => s.clone(),
                            Some(other) => other.to_string(),
                        };
                        self.log(&a, Entry::update(f, value, None)).await?;
                    }
                }
                if before.get("state") != after.get("state") {
                    let v = a.state.map(|s| s.0).unwrap_or_default();
                    self.log(&a, Entry::update("state", v, None)).await?;
                }
            }
        }
        Ok(a)
    }

    /// Deletes an asset with its log and files; its children move to its parent.
    pub async fn delete(&mut self, a: &Asset) -> ApiResult<()> {
        let id = a.asset_id.clone().unwrap_or_default();
        for mut c in self.children(&id).await? {
            c.parent_asset_id = a.parent_asset_id.clone();
            c.parent_serial_number = a.parent_serial_number.clone();
            self.write(&c, false).await?;
            let v = c.parent_asset_id.clone().unwrap_or_default();
            let note = format!(
                "parent {} deleted",
                a.serial_number.as_deref().unwrap_or("")
            );
            self.log(&c, Entry::update("parentAssetId", v, Some(&note)))
                .await?;
        }
        for sql in [
            "DELETE FROM asset_files WHERE asset_id = $1",
            "DELETE FROM asset_log WHERE asset_id = $1",
            "DELETE FROM assets WHERE asset_id = $1",
        ] {
            sqlx::query(sql)
                .bind(id.clone())
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    // ---- files ------------------------------------------------------------------------

    /// Stores (or replaces) a file of an asset.
    pub async fn put_file(&mut self, a: &Asset, f: &StoredFile) -> ApiResult<()> {
        let id = a.asset_id.clone().unwrap_or_default();
        sqlx::query("DELETE FROM asset_files WHERE asset_id = $1 AND name_key = $2")
            .bind(id.clone())
            .bind(key(&f.name))
            .execute(&mut *self.tx)
            .await?;
        sqlx::query(
            "INSERT INTO asset_files (asset_id, name_key, name, content_type, size, \
             uploaded_utc, content) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(key(&f.name))
        .bind(f.name.clone())
        .bind(f.content_type.clone())
        .bind(f.content.len() as i64)
        .bind(self.now.timestamp_micros())
        .bind(f.content.as_slice())
        .execute(&mut *self.tx)
        .await?;
        self.log(a, Entry::update("file", &f.name, Some("uploaded")))
            .await
    }

    /// A file of an asset.
    pub async fn file(&mut self, asset_id: &str, name: &str) -> ApiResult<Option<StoredFile>> {
        let row = sqlx::query(
            "SELECT name, content_type, content FROM asset_files \
             WHERE asset_id = $1 AND name_key = $2",
        )
        .bind(asset_id.to_owned())
        .bind(key(name))
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|r| {
            Ok(StoredFile {
                name: r.try_get(0)?,
                content_type: r.try_get(1)?,
                content: r.try_get(2)?,
            })
        })
        .transpose()
    }

    /// The names of an asset's files.
    pub async fn file_names(&mut self, asset_id: &str) -> ApiResult<Vec<String>> {
        let rows =
            sqlx::query("SELECT name FROM asset_files WHERE asset_id = $1 ORDER BY name_key")
                .bind(asset_id.to_owned())
                .fetch_all(&mut *self.tx)
                .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?)
    }

    /// Deletes files of an asset by name: all or none (404 naming the first missing one).
    pub async fn delete_files(&mut self, a: &Asset, names: &[String]) -> ApiResult<()> {
        let id = a.asset_id.clone().unwrap_or_default();
        for n in names {
            let done = sqlx::query("DELETE FROM asset_files WHERE asset_id = $1 AND name_key = $2")
                .bind(id.clone())
                .bind(key(n))
                .execute(&mut *self.tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(ApiError::not_found(format!("The asset has no file '{n}'")));
            }
            self.log(a, Entry::update("file", n, Some("deleted")))
                .await?;
        }
        Ok(())
    }
}

/// Checks a type's numbers: limits not negative, intervals positive or a mode (-1, -2),
/// thresholds not negative and the warning not above the alarm.
fn check_type(t: &AssetType) -> ApiResult<()> {
    for (name, v) in [
        ("runningCountLimit", t.running_count_limit),
        ("totalCountLimit", t.total_count_limit),
    ] {
        if v.is_some_and(|v| v < 0) {
            return Err(ApiError::bad_request(format!("{name} cannot be negative")));
        }
    }
    for (name, v) in [
        ("calibrationInterval", t.calibration_interval),
        ("maintenanceInterval", t.maintenance_interval),
    ] {
        if let Some(v) = v {
            if !v.is_finite() || (v < 0.0 && v != -1.0 && v != -2.0) {
                return Err(ApiError::bad_request(format!(
                    "{name} must be days (> 0), 0, -1 (unlimited) or -2 (external), not {v}"
                )));
            }
        }
    }
    for (name, v) in [
        ("warningThreshold", t.warning_threshold),
        ("alarmThreshold", t.alarm_threshold),
    ] {
        if v.is_some_and(|v| !v.is_finite() || v < 0.0) {
            return Err(ApiError::bad_request(format!(
                "{name} must be a percentage (0 or more)"
            )));
        }
    }
    if let (Some(w), Some(a)) = (t.warning_threshold, t.alarm_threshold) {
        if w > a {
            return Err(ApiError::bad_request(
                "warningThreshold cannot be above alarmThreshold",
            ));
        }
    }
    Ok(())
}
