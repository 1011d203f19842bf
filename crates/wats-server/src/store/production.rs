//! The Production domain's units: reading, creating and saving them, their phase and
//! process, the state history every change writes, the change feed (`Units/Changes`) and
//! batches. Assembly is in [`super::assembly`], verification in [`super::verification`],
//! serial numbers in [`super::serial_numbers`].
//!
//! A call runs in one [`ProductionTx`]: a [`ProductTx`] (the box-build templates and product
//! revisions a unit refers to are read in the same transaction) that knows the backend. A
//! change to a unit first locks its row: on SQLite the writer lock already serializes
//! writers; on PostgreSQL `SELECT … FOR UPDATE` does, so concurrent phase or assembly edits of
//! one unit take turns instead of overwriting each other.
//!
//! WATS creates a unit when a report for a new serial number arrives. Reports are stored
//! without touching this table (ingest stays one insert), so a serial number with reports but
//! no row is read as a unit made from its latest report, and stored the first time it is
//! changed ([`ProductionTx::unit_for_update`]).

use std::ops::{Deref, DerefMut};

use serde::Serialize;
use sqlx::Row;
use wats_types::production::{phase, ProductionBatch, Unit, UnitChange, UnitStateChange};

use super::product::{from_doc, key, required, stored_tags, ProductTx};
use super::{Backend, Store};
use crate::error::{ApiError, ApiResult};

/// One transaction over the Production (and Product) tables.
pub struct ProductionTx<'a> {
    pub(super) p: ProductTx<'a>,
    pub(super) backend: Backend,
}

impl<'a> Deref for ProductionTx<'a> {
    type Target = ProductTx<'a>;
    fn deref(&self) -> &ProductTx<'a> {
        &self.p
    }
}

impl DerefMut for ProductionTx<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.p
    }
}

impl Store {
    /// A transaction for reading the Production tables.
    pub async fn production_read(&self) -> ApiResult<ProductionTx<'_>> {
        Ok(ProductionTx {
            p: self.product_read().await?,
            backend: self.backend,
        })
    }

    /// A transaction for changing the Production tables (holding the SQLite writer lock).
    pub async fn production_write(&self) -> ApiResult<ProductionTx<'_>> {
        Ok(ProductionTx {
            p: self.product_write().await?,
            backend: self.backend,
        })
    }
}

/// Now, as the text WATS's dates are written in.
pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Microseconds since the epoch as text.
pub fn micros_text(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(super) fn json(value: &impl Serialize) -> ApiResult<String> {
    Ok(serde_json::to_string(value).map_err(anyhow::Error::from)?)
}

/// 404 for an unknown unit.
pub fn unit_not_found(sn: &str, pn: &str) -> ApiError {
    ApiError::not_found(format!(
        "Unit with serial number '{sn}' and part number '{pn}' was not found"
    ))
}

/// A unit's key columns.
fn unit_key(u: &Unit) -> (String, String) {
    (
        key(u.serial_number.as_deref().unwrap_or_default()),
        key(u.part_number.as_deref().unwrap_or_default()),
    )
}

/// A phase id this server knows, or 400 naming `field`.
pub fn check_phase(id: i32, field: &str) -> ApiResult<i32> {
    if phase::name(id).is_some() {
        Ok(id)
    } else {
        Err(ApiError::bad_request(format!(
            "{field}: unknown unit phase {id} (known: {})",
            phase::ALL
                .iter()
                .map(|p| format!("{} {}", p.0, p.2))
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}

impl ProductionTx<'_> {
    /// Commits the transaction.
    pub async fn commit(self) -> ApiResult<()> {
        self.p.commit().await
    }

    /// The documents (first column) a query selects, its parameters bound in order.
    pub(super) async fn docs_by<T: serde::de::DeserializeOwned>(
        &mut self,
        sql: &str,
        params: &[String],
    ) -> ApiResult<Vec<T>> {
        let mut query = sqlx::query(sql);
        for p in params {
            query = query.bind(p);
        }
        let rows = query.fetch_all(&mut *self.p.tx).await?;
        rows.iter()
            .map(|r| from_doc(&r.try_get::<String, _>(0)?))
            .collect()
    }

    // ---- reading units --------------------------------------------------------------

    /// The stored unit, without the read-only fields.
    pub async fn unit_row(&mut self, sn: &str, pn: &str) -> ApiResult<Option<Unit>> {
        let row = sqlx::query("SELECT doc FROM units WHERE sn_key = $1 AND pn_key = $2")
            .bind(key(sn))
            .bind(key(pn))
            .fetch_optional(&mut *self.p.tx)
            .await?;
        row.map(|r| from_doc(&r.try_get::<String, _>(0)?))
            .transpose()
    }

    /// The unit a serial number's latest report describes, when it has reports.
    async fn unit_from_reports(&mut self, sn: &str, pn: &str) -> ApiResult<Option<Unit>> {
        let row = sqlx::query(
            "SELECT sn, pn, rev, process_code, (SELECT MIN(start_utc) FROM reports f \
             WHERE f.sn = r.sn AND f.pn = r.pn) FROM reports r \
             WHERE r.sn = $1 AND r.pn = $2 ORDER BY r.start_utc DESC, r.id DESC LIMIT 1",
        )
        .bind(sn)
        .bind(pn)
        .fetch_optional(&mut *self.p.tx)
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        Ok(Some(Unit {
            serial_number: Some(r.try_get(0)?),
            part_number: Some(r.try_get(1)?),
            revision: r.try_get(2)?,
            unit_phase_id: Some(phase::UNDER_PRODUCTION),
            process_code: Some(r.try_get::<i64, _>(3)?.to_string()),
            serial_date: r.try_get::<Option<i64>, _>(4)?.map(micros_text),
            ..Unit::default()
        }))
    }

    /// The unit: stored, else made from its reports.
    pub async fn unit(&mut self, sn: &str, pn: &str) -> ApiResult<Option<Unit>> {
        match self.unit_row(sn, pn).await? {
            Some(u) => Ok(Some(u)),
            None => self.unit_from_reports(sn, pn).await,
        }
    }

    /// The unit, or 404 naming it.
    pub async fn existing_unit(&mut self, sn: &str, pn: &str) -> ApiResult<Unit> {
        self.unit(sn, pn)
            .await?
            .ok_or_else(|| unit_not_found(sn, pn))
    }

    /// The unit, stored (a unit known only from its reports is stored now) and locked until
    /// the transaction ends; 404 naming it when there is none.
    pub async fn unit_for_update(&mut self, sn: &str, pn: &str) -> ApiResult<Unit> {
        self.lock_units(&[(sn, pn)]).await?;
        if let Some(u) = self.unit_row(sn, pn).await? {
            return Ok(u);
        }
        let u = self
            .unit_from_reports(sn, pn)
            .await?
            .ok_or_else(|| unit_not_found(sn, pn))?;
        self.write_unit(&u).await?;
        self.record(
            &u,
            UnitStateChange {
                change_type: "Created".into(),
                unit_phase_id: u.unit_phase_id,
                comment: Some("created from its reports".into()),
                ..UnitStateChange::default()
            },
            None,
        )
        .await?;
        self.lock_units(&[(sn, pn)]).await?;
        Ok(u)
    }

    /// Locks unit rows (PostgreSQL; SQLite's writer lock is held already), in key order so
    /// two calls locking the same units cannot wait on each other.
    pub async fn lock_units(&mut self, units: &[(&str, &str)]) -> ApiResult<()> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        let mut keys: Vec<(String, String)> = units.iter().map(|(s, p)| (key(s), key(p))).collect();
        keys.sort();
        keys.dedup();
        for (s, p) in keys {
            sqlx::query("SELECT 1 FROM units WHERE sn_key = $1 AND pn_key = $2 FOR UPDATE")
                .bind(s)
                .bind(p)
                .fetch_optional(&mut *self.p.tx)
                .await?;
        }
        Ok(())
    }

    /// The units whose parent is this one, by serial number.
    pub async fn children(&mut self, sn: &str, pn: &str) -> ApiResult<Vec<Unit>> {
        self.docs_by(
            "SELECT doc FROM units WHERE parent_sn_key = $1 AND parent_pn_key = $2 \
                 ORDER BY sn_key, pn_key",
            &[key(sn), key(pn)],
        )
        .await
    }

    /// The parent's key of a unit, from its row.
    pub async fn parent_of(&mut self, sn: &str, pn: &str) -> ApiResult<Option<(String, String)>> {
        let row = sqlx::query(
            "SELECT parent_sn_key, parent_pn_key FROM units WHERE sn_key = $1 AND pn_key = $2",
        )
        .bind(key(sn))
        .bind(key(pn))
        .fetch_optional(&mut *self.p.tx)
        .await?;
        Ok(match row {
            Some(r) => match (r.try_get::<Option<String>, _>(0)?, r.try_get(1)?) {
                (Some(s), Some(p)) => Some((s, p)),
                _ => None,
            },
            None => None,
        })
    }

    /// Fills the read-only fields: the phase's name, product, revision and (when asked) the
    /// child units.
    pub async fn complete(&mut self, u: &mut Unit, with_children: bool) -> ApiResult<()> {
        let sn = u.serial_number.clone().unwrap_or_default();
        let pn = u.part_number.clone().unwrap_or_default();
        u.unit_phase = u.unit_phase_id.and_then(phase::name).map(str::to_owned);
        u.product = self.product_row(&pn).await?;
        u.product_revision = match &u.revision {
            Some(rev) => self.revision(&pn, rev).await?,
            None => None,
        };
        if u.tags.is_none() {
            u.tags = Some(Vec::new());
        }
        if with_children {
            let mut kids = self.children(&sn, &pn).await?;
            for k in &mut kids {
                k.unit_phase = k.unit_phase_id.and_then(phase::name).map(str::to_owned);
            }
            u.sub_units = Some(kids);
        }
        Ok(())
    }

    // ---- writing units --------------------------------------------------------------

    /// Inserts or replaces a unit's row (the read-only fields are not stored).
    pub async fn write_unit(&mut self, u: &Unit) -> ApiResult<()> {
        let mut doc = u.clone();
        doc.unit_phase = None;
        doc.product = None;
        doc.product_revision = None;
        doc.sub_units = None;
        let (sn, pn) = unit_key(u);
        let batch = u.batch_number.as_deref().map(key);
        // The parent columns are written by `set_parent` only.
        sqlx::query(
            "INSERT INTO units (sn_key, pn_key, batch_key, doc) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (sn_key, pn_key) DO UPDATE SET \
             batch_key = excluded.batch_key, doc = excluded.doc",
        )
        .bind(sn)
        .bind(pn)
        .bind(batch)
        .bind(json(&doc)?)
        .execute(&mut *self.p.tx)
        .await?;
        Ok(())
    }

    /// Sets (or clears) a unit's parent: the key columns and the document's
    /// `parentSerialNumber`.
    pub async fn set_parent(&mut self, child: &mut Unit, parent: Option<&Unit>) -> ApiResult<()> {
        child.parent_serial_number = parent.and_then(|p| p.serial_number.clone());
        self.write_unit(child).await?;
        let (sn, pn) = unit_key(child);
        let (psn, ppn) = match parent {
            Some(p) => {
                let (s, k) = unit_key(p);
                (Some(s), Some(k))
            }
            None => (None, None),
        };
        sqlx::query(
            "UPDATE units SET parent_sn_key = $3, parent_pn_key = $4 \
             WHERE sn_key = $1 AND pn_key = $2",
        )
        .bind(sn)
        .bind(pn)
        .bind(psn)
        .bind(ppn)
        .execute(&mut *self.p.tx)
        .await?;
        Ok(())
    }

    /// Writes a state-history entry for a unit and, when given, a change for the feed.
    pub async fn record(
        &mut self,
        u: &Unit,
        mut change: UnitStateChange,
        feed: Option<UnitChange>,
    ) -> ApiResult<()> {
        let (sn, pn) = unit_key(u);
        change.date = now_text();
        change.unit_phase = change
            .unit_phase_id
            .and_then(phase::name)
            .map(str::to_owned);
        sqlx::query(
            "INSERT INTO unit_history (sn_key, pn_key, at_utc, doc) VALUES ($1, $2, $3, $4)",
        )
        .bind(&sn)
        .bind(&pn)
        .bind(chrono::Utc::now().timestamp_micros())
        .bind(json(&change)?)
        .execute(&mut *self.p.tx)
        .await?;
        if let Some(mut c) = feed {
            c.unit_serial_number = u.serial_number.clone();
            c.new_part_number = c.new_part_number.or_else(|| u.part_number.clone());
            c.new_revision = c.new_revision.or_else(|| u.revision.clone());
            sqlx::query("INSERT INTO unit_changes (sn_key, pn_key, doc) VALUES ($1, $2, $3)")
                .bind(sn)
                .bind(pn)
                .bind(json(&c)?)
                .execute(&mut *self.p.tx)
                .await?;
        }
        Ok(())
    }

    /// A unit's state history, oldest first.
    pub async fn history(&mut self, sn: &str, pn: &str) -> ApiResult<Vec<UnitStateChange>> {
        self.docs_by(
            "SELECT doc FROM unit_history WHERE sn_key = $1 AND pn_key = $2 ORDER BY id",
            &[key(sn), key(pn)],
        )
        .await
    }

    /// Checks what a saved or created unit refers to: the product and revision exist, the
    /// phase is known, the batch exists. `field` names the unit in errors.
    async fn check_refs(&mut self, u: &Unit, field: &str) -> ApiResult<()> {
        let pn = u.part_number.as_deref().unwrap_or_default();
        if self.product_row(pn).await?.is_none() {
            return Err(ApiError::not_found(format!(
                "{field}.partNumber: Product '{pn}' was not found"
            )));
        }
        let rev = required(u.revision.as_deref(), &format!("{field}.revision"))?;
        if self.revision(pn, rev).await?.is_none() {
            return Err(ApiError::not_found(format!(
                "{field}.revision: Product revision '{pn}' revision '{rev}' was not found"
            )));
        }
        if let Some(p) = u.unit_phase_id {
            check_phase(p, &format!("{field}.unitPhaseId"))?;
        }
        if let Some(b) = &u.batch_number {
            if self.batch(b).await?.is_none() {
                return Err(ApiError::bad_request(format!(
                    "{field}.batchNumber: batch '{b}' does not exist; save it first"
                )));
            }
        }
        Ok(())
    }

    /// Creates a unit (`CreateUnit`); 400 when it exists.
    pub async fn create_unit(&mut self, mut u: Unit) -> ApiResult<Unit> {
        let sn = required(u.serial_number.as_deref(), "serialNumber")?.to_owned();
        let pn = required(u.part_number.as_deref(), "partNumber")?.to_owned();
        self.check_refs(&u, "unit").await?;
        self.lock_units(&[(&sn, &pn)]).await?;
        if self.unit(&sn, &pn).await?.is_some() {
            return Err(ApiError::bad_request(format!(
                "Unit with serial number '{sn}' and part number '{pn}' already exists"
            )));
        }
        u.unit_phase_id.get_or_insert(phase::UNDER_PRODUCTION);
        u.serial_date.get_or_insert_with(now_text);
        u.parent_serial_number = None;
        self.write_unit(&u).await?;
        self.record(
            &u,
            UnitStateChange {
                change_type: "Created".into(),
                unit_phase_id: u.unit_phase_id,
                ..UnitStateChange::default()
            },
            Some(UnitChange {
                new_unit_phase_id: u.unit_phase_id,
                ..UnitChange::default()
            }),
        )
        .await?;
        Ok(u)
    }

    /// Creates or updates units (`PUT /api/Production/Units`): fields the request carries
    /// replace the stored ones; the parent, phase name, product and children are read-only.
    pub async fn save_units(&mut self, units: Vec<Unit>) -> ApiResult<Vec<Unit>> {
        let mut out = Vec::with_capacity(units.len());
        for (i, incoming) in units.into_iter().enumerate() {
            let field = format!("units[{i}]");
            let sn = required(
                incoming.serial_number.as_deref(),
                &format!("{field}.serialNumber"),
            )?
            .to_owned();
            let pn = required(
                incoming.part_number.as_deref(),
                &format!("{field}.partNumber"),
            )?
            .to_owned();
            self.lock_units(&[(&sn, &pn)]).await?;
            let stored = self.unit(&sn, &pn).await?;
            let is_new = self.unit_row(&sn, &pn).await?.is_none();
            let mut u = stored.clone().unwrap_or_default();
            u.serial_number.get_or_insert(sn.clone());
            u.part_number.get_or_insert(pn.clone());
            let Unit {
                revision,
                batch_number,
                serial_date,
                current_location,
                xml_data,
                unit_phase_id,
                process_code,
                tags,
                extra,
                ..
            } = incoming;
            let old_rev = u.revision.clone();
            let old_phase = u.unit_phase_id;
            macro_rules! take {
                ($($f:ident),*) => { $( if $f.is_some() { u.$f = $f; } )* };
            }
            take!(
                revision,
                batch_number,
                serial_date,
                current_location,
                xml_data,
                unit_phase_id,
                process_code
            );
            if let Some(t) = tags {
                u.tags = Some(stored_tags(t, &format!("{field}.tags"))?);
            }
            u.extra.extend(extra);
            u.unit_phase_id.get_or_insert(phase::UNDER_PRODUCTION);
            u.serial_date.get_or_insert_with(now_text);
            self.check_refs(&u, &field).await?;
            self.write_unit(&u).await?;
            let rev_changed = !is_new
                && !old_rev
                    .as_deref()
                    .unwrap_or_default()
                    .eq_ignore_ascii_case(u.revision.as_deref().unwrap_or_default());
            let phase_changed = !is_new && old_phase != u.unit_phase_id;
            self.record(
                &u,
                UnitStateChange {
                    change_type: if is_new { "Created" } else { "Saved" }.into(),
                    unit_phase_id: u.unit_phase_id,
                    old_unit_phase_id: old_phase.filter(|_| phase_changed),
                    ..UnitStateChange::default()
                },
                (is_new || rev_changed || phase_changed).then(|| UnitChange {
                    new_unit_phase_id: u.unit_phase_id,
                    ..UnitChange::default()
                }),
            )
            .await?;
            self.complete(&mut u, true).await?;
            out.push(u);
        }
        Ok(out)
    }

    /// Sets a unit's phase, recording the change.
    pub async fn set_phase(
        &mut self,
        sn: &str,
        pn: &str,
        phase_id: i32,
        comment: Option<String>,
    ) -> ApiResult<Unit> {
        check_phase(phase_id, "phase")?;
        let mut u = self.unit_for_update(sn, pn).await?;
        let old = u.unit_phase_id;
        u.unit_phase_id = Some(phase_id);
        self.write_unit(&u).await?;
        self.record(
            &u,
            UnitStateChange {
                change_type: "Phase".into(),
                unit_phase_id: Some(phase_id),
                old_unit_phase_id: old,
                comment,
                ..UnitStateChange::default()
            },
            Some(UnitChange {
                new_unit_phase_id: Some(phase_id),
                ..UnitChange::default()
            }),
        )
        .await?;
        Ok(u)
    }

    /// Sets a unit's current process (a code the caller checked), recording the change.
    pub async fn set_process(
        &mut self,
        sn: &str,
        pn: &str,
        code: i64,
        comment: Option<String>,
    ) -> ApiResult<Unit> {
        let mut u = self.unit_for_update(sn, pn).await?;
        u.process_code = Some(code.to_string());
        self.write_unit(&u).await?;
        self.record(
            &u,
            UnitStateChange {
                change_type: "Process".into(),
                unit_phase_id: u.unit_phase_id,
                process_code: i32::try_from(code).ok(),
                comment,
                ..UnitStateChange::default()
            },
            None,
        )
        .await?;
        Ok(u)
    }

    // ---- the change feed ------------------------------------------------------------

    /// Changes not yet acknowledged, oldest first, optionally of one serial number (and part
    /// number).
    pub async fn changes(
        &mut self,
        sn: Option<&str>,
        pn: Option<&str>,
        skip: i64,
        top: i64,
    ) -> ApiResult<Vec<UnitChange>> {
        let mut sql = "SELECT id, doc FROM unit_changes WHERE 1 = 1".to_owned();
        let mut binds = Vec::new();
        if let Some(s) = sn {
            binds.push(key(s));
            sql.push_str(&format!(" AND sn_key = ${}", binds.len()));
        }
        if let Some(p) = pn {
            binds.push(key(p));
            sql.push_str(&format!(" AND pn_key = ${}", binds.len()));
        }
        sql.push_str(&format!(
            " ORDER BY id LIMIT {} OFFSET {}",
            top.max(0),
            skip.max(0)
        ));
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&mut *self.p.tx).await?;
        rows.iter()
            .map(|r| {
                let mut c: UnitChange = from_doc(&r.try_get::<String, _>(1)?)?;
                c.id = Some(r.try_get(0)?);
                Ok(c)
            })
            .collect()
    }

    /// Acknowledges (deletes) a change; false when there is none.
    pub async fn delete_change(&mut self, id: i64) -> ApiResult<bool> {
        let done = sqlx::query("DELETE FROM unit_changes WHERE id = $1")
            .bind(id)
            .execute(&mut *self.p.tx)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    // ---- batches --------------------------------------------------------------------

    /// A batch by number.
    pub async fn batch(&mut self, number: &str) -> ApiResult<Option<ProductionBatch>> {
        self.p
            .doc(
                "SELECT doc FROM production_batches WHERE batch_key = $1",
                key(number),
            )
            .await
    }

    /// Batches: all, one by number, or those holding units of a part number.
    pub async fn batches(
        &mut self,
        part_number: Option<&str>,
        number: Option<&str>,
    ) -> ApiResult<Vec<ProductionBatch>> {
        match (part_number, number) {
            (_, Some(n)) => Ok(self.batch(n).await?.into_iter().collect()),
            (Some(pn), None) => {
                self.docs_by(
                    "SELECT b.doc FROM production_batches b WHERE b.batch_key IN \
                         (SELECT batch_key FROM units WHERE pn_key = $1) ORDER BY b.batch_key",
                    &[key(pn)],
                )
                .await
            }
            (None, None) => {
                self.docs_by("SELECT doc FROM production_batches ORDER BY batch_key", &[])
                    .await
            }
        }
    }

    /// Creates or updates a batch; `field` names it in errors.
    pub async fn save_batch(
        &mut self,
        b: ProductionBatch,
        field: &str,
    ) -> ApiResult<ProductionBatch> {
        let number = required(b.batch_number.as_deref(), &format!("{field}.batchNumber"))?;
        if let Some(size) = b.batch_size.filter(|s| *s < 0) {
            return Err(ApiError::bad_request(format!(
                "{field}.batchSize must not be negative, not {size}"
            )));
        }
        let mut saved = self.batch(number).await?.unwrap_or_default();
        if saved.batch_number.is_none() {
            saved.batch_number = Some(number.to_owned());
        }
        if b.batch_size.is_some() {
            saved.batch_size = b.batch_size;
        }
        saved.extra.extend(b.extra);
        sqlx::query(
            "INSERT INTO production_batches (batch_key, doc) VALUES ($1, $2) \
             ON CONFLICT (batch_key) DO UPDATE SET doc = excluded.doc",
        )
        .bind(key(number))
        .bind(json(&saved)?)
        .execute(&mut *self.p.tx)
        .await?;
        Ok(saved)
    }
}

impl ProductionTx<'_> {
    /// A unit by serial number alone (`GetUnit` without a part number): a stored one (the
    /// first by part number), else the one of the serial number's latest report.
    pub async fn unit_by_serial(&mut self, sn: &str) -> ApiResult<Option<Unit>> {
        let stored: Vec<Unit> = self
            .docs_by(
                "SELECT doc FROM units WHERE sn_key = $1 ORDER BY pn_key LIMIT 1",
                &[key(sn)],
            )
            .await?;
        if let Some(u) = stored.into_iter().next() {
            return Ok(Some(u));
        }
        let pn: Option<String> = sqlx::query(
            "SELECT pn FROM reports WHERE sn = $1 ORDER BY start_utc DESC, id DESC LIMIT 1",
        )
        .bind(sn)
        .fetch_optional(&mut *self.p.tx)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
        match pn {
            Some(pn) => self.unit(sn, &pn).await,
            None => Ok(None),
        }
    }

    /// Sites: the locations reports were made at, by name.
    pub async fn sites(&mut self) -> ApiResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT DISTINCT location FROM reports WHERE location IS NOT NULL \
             AND location <> '' ORDER BY location",
        )
        .fetch_all(&mut *self.p.tx)
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// How many UUT and UUR reports a unit has, and its latest test's start.
    pub async fn report_summary(
        &mut self,
        sn: &str,
        pn: &str,
    ) -> ApiResult<(i64, i64, Option<i64>)> {
        let r = sqlx::query(
            "SELECT COUNT(CASE WHEN report_type = 'T' THEN 1 END), \
             COUNT(CASE WHEN report_type = 'R' THEN 1 END), \
             MAX(CASE WHEN report_type = 'T' THEN start_utc END) \
             FROM reports WHERE sn = $1 AND pn = $2",
        )
        .bind(sn)
        .bind(pn)
        .fetch_one(&mut *self.p.tx)
        .await?;
        Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))
    }
}
