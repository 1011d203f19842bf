//! Product groups and the filters that say which products a group holds. Runs in the same
//! [`ProductTx`] as [`super::product`].
//!
//! A group has two wire shapes: the short one of `GET /api/Product/Groups` and
//! `/api/App/ProductGroups` ([`ProductGroup`]) and the full one of `/api/Product/ProductGroup`
//! ([`ProductGroupDefinition`]); both are read from the same row.

use serde_json::Map;
use sqlx::Row;
use wats_types::product::{mask_matches, ProductGroup, ProductGroupDefinition, ProductGroupFilter};

use super::product::{key, required, ProductTx};
use crate::error::{ApiError, ApiResult};

impl ProductTx<'_> {
    /// Every product group (or the one with `id`), by id, with its filters when asked.
    pub async fn group_definitions(
        &mut self,
        id: Option<i32>,
        include_filters: bool,
    ) -> ApiResult<Vec<ProductGroupDefinition>> {
        let rows = sqlx::query(
            "SELECT product_group_id, product_group_name, description, is_public \
             FROM product_groups WHERE $1 < 0 OR product_group_id = $1 ORDER BY product_group_id",
        )
        .bind(id.map_or(-1, i64::from))
        .fetch_all(&mut *self.tx)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id = r.try_get::<i64, _>(0)? as i32;
            out.push(ProductGroupDefinition {
                id: Some(id),
                name: Some(r.try_get(1)?),
                description: r.try_get(2)?,
                is_public: Some(r.try_get::<i64, _>(3)? != 0),
                filters: None,
                extra: Map::new(),
            });
        }
        if include_filters {
            for g in &mut out {
                g.filters = Some(self.group_filters(g.id, None).await?);
            }
        }
        Ok(out)
    }

    /// Every product group in the short form, by id.
    pub async fn groups(&mut self) -> ApiResult<Vec<ProductGroup>> {
        Ok(self
            .group_definitions(None, false)
            .await?
            .into_iter()
            .map(|g| ProductGroup {
                product_group_id: g.id,
                product_group_name: g.name,
                extra: Map::new(),
            })
            .collect())
    }

    /// Creates (`insert`, no id) or updates (by id) a group; names are unique ignoring case.
    /// Fields left out of an update keep their values.
    pub async fn save_group_definition(
        &mut self,
        g: ProductGroupDefinition,
        insert: bool,
    ) -> ApiResult<ProductGroupDefinition> {
        let all = self.group_definitions(None, false).await?;
        let existing = match (insert, g.id) {
            (true, Some(_)) => {
                return Err(ApiError::bad_request(
                    "id: a new product group gets its id from the server",
                ))
            }
            (true, None) => None,
            (false, None) => return Err(ApiError::bad_request("id is required")),
            (false, Some(id)) => Some(
                all.iter()
                    .find(|e| e.id == Some(id))
                    .cloned()
                    .ok_or_else(|| ApiError::not_found(format!("No product group {id}")))?,
            ),
        };
        let name = match (&g.name, &existing) {
            (None, Some(e)) => e.name.clone().unwrap_or_default(),
            _ => required(g.name.as_deref(), "name")?.to_owned(),
        };
        if let Some(other) = all
            .iter()
            .find(|e| e.name.as_deref().map(key) == Some(key(&name)))
        {
            if existing.as_ref().is_none_or(|e| e.id != other.id) {
                return Err(ApiError::bad_request(format!(
                    "name: a product group named '{name}' exists"
                )));
            }
        }
        let description = g
            .description
            .or_else(|| existing.as_ref().and_then(|e| e.description.clone()));
        let is_public = g
            .is_public
            .or_else(|| existing.as_ref().and_then(|e| e.is_public))
            .unwrap_or(true);
        let id = match existing.as_ref().and_then(|e| e.id) {
            Some(id) => id,
            None => all.iter().filter_map(|e| e.id).max().unwrap_or(0) + 1,
        };
        let sql = if existing.is_some() {
            "UPDATE product_groups SET product_group_name = $2, description = $3, is_public = $4 \
             WHERE product_group_id = $1"
        } else {
            "INSERT INTO product_groups (product_group_id, product_group_name, description, \
             is_public) VALUES ($1, $2, $3, $4)"
        };
        sqlx::query(sql)
            .bind(i64::from(id))
            .bind(&name)
            .bind(description.clone())
            .bind(i64::from(is_public))
            .execute(&mut *self.tx)
            .await?;
        Ok(ProductGroupDefinition {
            id: Some(id),
            name: Some(name),
            description,
            is_public: Some(is_public),
            filters: None,
            extra: Map::new(),
        })
    }

    /// Creates (no id) or renames (by id) a group in the short form.
    pub async fn save_group(&mut self, g: ProductGroup) -> ApiResult<ProductGroup> {
        let name = required(g.product_group_name.as_deref(), "productGroupName")?.to_owned();
        let def = ProductGroupDefinition {
            id: g.product_group_id,
            name: Some(name),
            ..ProductGroupDefinition::default()
        };
        let saved = self
            .save_group_definition(def, g.product_group_id.is_none())
            .await
            .map_err(|e| match e {
                ApiError::BadRequest(m) => {
                    ApiError::BadRequest(m.replacen("name:", "productGroupName:", 1))
                }
                other => other,
            })?;
        Ok(ProductGroup {
            product_group_id: saved.id,
            product_group_name: saved.name,
            extra: Map::new(),
        })
    }

    /// Deletes a group and its filters; false when there was none.
    pub async fn delete_group(&mut self, id: i32) -> ApiResult<bool> {
        let done = sqlx::query("DELETE FROM product_groups WHERE product_group_id = $1")
            .bind(i64::from(id))
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The group a `productGroup` parameter names: by name (ignoring case), else by id.
    pub async fn group_named(&mut self, name_or_id: &str) -> ApiResult<ProductGroup> {
        let all = self.groups().await?;
        let k = key(name_or_id.trim());
        all.iter()
            .find(|g| g.product_group_name.as_deref().map(key) == Some(k.clone()))
            .or_else(|| {
                let id: i32 = name_or_id.trim().parse().ok()?;
                all.iter().find(|g| g.product_group_id == Some(id))
            })
            .cloned()
            .ok_or_else(|| ApiError::not_found(format!("No product group '{name_or_id}'")))
    }

    /// Filters, of one group and/or with one id, by id.
    pub async fn group_filters(
        &mut self,
        group: Option<i32>,
        id: Option<i32>,
    ) -> ApiResult<Vec<ProductGroupFilter>> {
        let rows = sqlx::query(
            "SELECT filter_id, product_group_id, part_number, revision, exclude \
             FROM product_group_filters WHERE ($1 < 0 OR product_group_id = $1) \
             AND ($2 < 0 OR filter_id = $2) ORDER BY filter_id",
        )
        .bind(group.map_or(-1, i64::from))
        .bind(id.map_or(-1, i64::from))
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ProductGroupFilter {
                    id: Some(r.try_get::<i64, _>(0)? as i32),
                    product_group_id: Some(r.try_get::<i64, _>(1)? as i32),
                    part_number: Some(r.try_get(2)?),
                    revision: r.try_get(3)?,
                    exclude: Some(r.try_get::<i64, _>(4)? != 0),
                    extra: Map::new(),
                })
            })
            .collect()
    }

    /// Adds a filter to a group; answers it with its id.
    pub async fn add_group_filter(
        &mut self,
        group: i32,
        f: &ProductGroupFilter,
    ) -> ApiResult<ProductGroupFilter> {
        let pn = required(f.part_number.as_deref(), "partNumber")?.to_owned();
        let revision = f.revision.clone().filter(|r| !r.trim().is_empty());
        let exclude = f.exclude.unwrap_or(false);
        let id: i64 =
            sqlx::query("SELECT COALESCE(MAX(filter_id), 0) + 1 FROM product_group_filters")
                .fetch_one(&mut *self.tx)
                .await?
                .try_get(0)?;
        sqlx::query(
            "INSERT INTO product_group_filters (filter_id, product_group_id, part_number, \
             revision, exclude) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(i64::from(group))
        .bind(&pn)
        .bind(revision.clone())
        .bind(i64::from(exclude))
        .execute(&mut *self.tx)
        .await?;
        Ok(ProductGroupFilter {
            id: Some(id as i32),
            product_group_id: Some(group),
            part_number: Some(pn),
            revision,
            exclude: Some(exclude),
            extra: Map::new(),
        })
    }

    /// The groups holding a part number (and revision, when given): some including filter
    /// matches and no excluding one does.
    pub async fn groups_for(
        &mut self,
        part_number: &str,
        revision: Option<&str>,
    ) -> ApiResult<Vec<ProductGroup>> {
        let mut included: Vec<i32> = Vec::new();
        let mut excluded: Vec<i32> = Vec::new();
        for f in self.group_filters(None, None).await? {
            let exclude = f.exclude.unwrap_or(false);
            let rev_ok = match (f.revision.as_deref(), revision) {
                (None, _) => true,
                (Some(mask), Some(given)) => mask_matches(mask, given),
                // A filter for some revisions holds the product only when asked about them.
                (Some(_), None) => exclude,
            };
            let pn_ok = f
                .part_number
                .as_deref()
                .is_some_and(|p| mask_matches(p, part_number));
            if pn_ok && rev_ok {
                let group = f.product_group_id.unwrap_or_default();
                if exclude {
                    excluded.push(group)
                } else {
                    included.push(group)
                }
            }
        }
        Ok(self
            .groups()
            .await?
            .into_iter()
            .filter(|g| {
                let id = g.product_group_id.unwrap_or_default();
                included.contains(&id) && !excluded.contains(&id)
            })
            .collect())
    }
}
