//! The single-unit calls pyWATS 0.6 added beside `PUT /api/Production/Units`: update one
//! unit, delete one, change its part number and revision, set one tag, and list units for
//! `Unit/Query`. Creation reuses [`ProductionTx::create_unit`].

use wats_types::production::{Unit, UnitChange, UnitStateChange};
use wats_types::Setting;

use super::product::{key, required};
use super::production::{unit_not_found, ProductionTx};
use crate::error::{ApiError, ApiResult};

impl ProductionTx<'_> {
    /// Every stored unit (for `Unit/Query`, which filters them in memory).
    pub async fn all_units(&mut self) -> ApiResult<Vec<Unit>> {
        self.docs_by("SELECT doc FROM units ORDER BY sn_key, pn_key", &[])
            .await
    }

    /// Updates one existing unit (`PUT /api/Production/Unit`): 404 when there is none.
    pub async fn update_unit(&mut self, u: Unit) -> ApiResult<Unit> {
        let sn = required(u.serial_number.as_deref(), "unit.serialNumber")?.to_owned();
        let pn = required(u.part_number.as_deref(), "unit.partNumber")?.to_owned();
        self.lock_units(&[(&sn, &pn)]).await?;
        if self.unit(&sn, &pn).await?.is_none() {
            return Err(unit_not_found(&sn, &pn));
        }
        let mut saved = self.save_units(vec![u]).await?;
        Ok(saved.remove(0))
    }

    /// Deletes a unit: refused while it has children; taken out of its parent. Its history
    /// and changes go with it.
    pub async fn delete_unit(&mut self, sn: &str, pn: &str) -> ApiResult<()> {
        self.lock_units(&[(sn, pn)]).await?;
        if self.unit_row(sn, pn).await?.is_none() {
            return Err(unit_not_found(sn, pn));
        }
        let children = self.children(sn, pn).await?;
        if !children.is_empty() {
            return Err(ApiError::bad_request(format!(
                "Unit '{sn}' has {} child unit(s); remove them first",
                children.len()
            )));
        }
        for table in ["units", "unit_history", "unit_changes"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE sn_key = $1 AND pn_key = $2"
            ))
            .bind(key(sn))
            .bind(key(pn))
            .execute(&mut *self.p.tx)
            .await?;
        }
        Ok(())
    }

    /// Gives a unit another part number and revision (`ChangeUnit`): the revision must exist
    /// and no unit may have the new key; its children, history and changes follow.
    pub async fn change_unit(
        &mut self,
        sn: &str,
        pn: &str,
        new_pn: &str,
        new_rev: &str,
    ) -> ApiResult<Unit> {
        self.lock_units(&[(sn, pn), (sn, new_pn)]).await?;
        let mut u = self.unit_for_update(sn, pn).await?;
        if self.revision(new_pn, new_rev).await?.is_none() {
            return Err(ApiError::not_found(format!(
                "newRevision: Product revision '{new_pn}' revision '{new_rev}' was not found"
            )));
        }
        let same_key = key(pn) == key(new_pn);
        if !same_key && self.unit(sn, new_pn).await?.is_some() {
            return Err(ApiError::bad_request(format!(
                "Unit with serial number '{sn}' and part number '{new_pn}' already exists"
            )));
        }
        if !same_key {
            for (table, sn_col, pn_col) in [
                ("units", "sn_key", "pn_key"),
                ("unit_history", "sn_key", "pn_key"),
                ("unit_changes", "sn_key", "pn_key"),
                ("units", "parent_sn_key", "parent_pn_key"),
            ] {
                sqlx::query(&format!(
                    "UPDATE {table} SET {pn_col} = $3 WHERE {sn_col} = $1 AND {pn_col} = $2"
                ))
                .bind(key(sn))
                .bind(key(pn))
                .bind(key(new_pn))
                .execute(&mut *self.p.tx)
                .await?;
            }
        }
        u.part_number = Some(new_pn.to_owned());
        u.revision = Some(new_rev.to_owned());
        self.write_unit(&u).await?;
        self.record(
            &u,
            UnitStateChange {
                change_type: "PartChanged".into(),
                unit_phase_id: u.unit_phase_id,
                comment: Some(format!("was part number '{pn}'")),
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

    /// Adds or replaces one tag of a unit.
    pub async fn set_unit_tag(
        &mut self,
        sn: &str,
        pn: &str,
        tag: &str,
        value: &str,
    ) -> ApiResult<Unit> {
        let mut u = self.unit_for_update(sn, pn).await?;
        let tags = u.tags.get_or_insert_with(Vec::new);
        match tags.iter_mut().find(|t| {
            t.key
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case(tag))
        }) {
            Some(t) => t.value = Some(value.to_owned()),
            None => tags.push(Setting {
                key: Some(tag.to_owned()),
                value: Some(value.to_owned()),
                ..Setting::default()
            }),
        }
        self.write_unit(&u).await?;
        Ok(u)
    }
}
