//! The Product domain beyond products and revisions: box-build relations and the hierarchy
//! they form, BOMs, vendors and categories (product groups: [`super::product_groups`]). Runs in the same
//! [`ProductTx`] as [`super::product`].

use std::collections::HashMap;

use serde_json::Map;
use sqlx::Row;
use uuid::Uuid;
use wats_types::product::{
    BomItem, ProductCategory, ProductInfo, ProductRevision, ProductRevisionRelation, Vendor,
};

use super::product::{key, merged, required, to_object, ProductTx};
use crate::error::{ApiError, ApiResult};

/// How deep `GetProductInfo` follows relations (a bound; cycles are refused on insert).
pub const MAX_HIERARCHY_DEPTH: i32 = 32;

/// The most rows `GetProductInfo` answers: a child shared by several parents appears under
/// each, so a template of shared sub-assemblies can grow a tree far larger than its relations.
pub const MAX_HIERARCHY_ROWS: usize = 100_000;

fn id_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

fn json(value: &impl serde::Serialize) -> ApiResult<String> {
    Ok(serde_json::to_string(value).map_err(anyhow::Error::from)?)
}

/// The tables of named documents (a unique name, compared by `name_key`).
#[derive(Clone, Copy)]
enum Named {
    Category,
    Vendor,
}

impl ProductTx<'_> {
    /// Writes a named document: an update of row `id` when `found`, else an insert.
    async fn put_named(
        &mut self,
        table: Named,
        found: bool,
        id: Uuid,
        name: &str,
        doc: &str,
    ) -> ApiResult<()> {
        let (table, id_column) = match table {
            Named::Category => ("product_categories", "category_id"),
            Named::Vendor => ("vendors", "vendor_id"),
        };
        let sql = if found {
            format!("UPDATE {table} SET name_key = $2, doc = $3 WHERE {id_column} = $1")
        } else {
            format!("INSERT INTO {table} ({id_column}, name_key, doc) VALUES ($1, $2, $3)")
        };
        sqlx::query(&sql)
            .bind(id_text(id))
            .bind(key(name))
            .bind(doc)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    // ---- categories -----------------------------------------------------------------

    /// A category's name.
    pub async fn category_name(&mut self, id: Uuid) -> ApiResult<Option<String>> {
        let c: Option<ProductCategory> = self
            .doc(
                "SELECT doc FROM product_categories WHERE category_id = $1",
                id_text(id),
            )
            .await?;
        Ok(c.and_then(|c| c.name))
    }

    /// Every category, by name.
    pub async fn categories(&mut self) -> ApiResult<Vec<ProductCategory>> {
        self.docs("SELECT doc FROM product_categories ORDER BY name_key", None)
            .await
    }

    /// Inserts or updates categories (by `ProductCategoryId`, else by name); categories not
    /// in the list are kept. Answers every category.
    pub async fn save_categories(
        &mut self,
        list: Vec<ProductCategory>,
    ) -> ApiResult<Vec<ProductCategory>> {
        for (i, c) in list.into_iter().enumerate() {
            let field = format!("categories[{i}]");
            let name = required(c.name.as_deref(), &format!("{field}.Name"))?.to_owned();
            let existing = self.categories().await?;
            let by_name = existing
                .iter()
                .find(|e| e.name.as_deref().map(key) == Some(key(&name)));
            let by_id = c
                .product_category_id
                .and_then(|id| existing.iter().find(|e| e.product_category_id == Some(id)));
            let target = match c.product_category_id {
                Some(_) => by_id,
                None => by_name,
            };
            if let (Some(other), Some(t)) = (by_name, target) {
                if other.product_category_id != t.product_category_id {
                    return Err(ApiError::bad_request(format!(
                        "{field}.Name: a category named '{name}' exists"
                    )));
                }
            }
            if target.is_none() && by_name.is_some() {
                return Err(ApiError::bad_request(format!(
                    "{field}.Name: a category named '{name}' exists"
                )));
            }
            let found = target.is_some();
            let mut saved: ProductCategory = merged(target, to_object(&c)?, &[], &field)?;
            let id = saved.product_category_id.unwrap_or_else(Uuid::new_v4);
            saved.product_category_id = Some(id);
            self.put_named(Named::Category, found, id, &name, &json(&saved)?)
                .await?;
        }
        self.categories().await
    }

    // ---- vendors --------------------------------------------------------------------

    /// Every vendor, by name.
    pub async fn vendors(&mut self) -> ApiResult<Vec<Vendor>> {
        self.docs("SELECT doc FROM vendors ORDER BY name_key", None)
            .await
    }

    /// Inserts or updates a vendor (by `vendorId`, else by name).
    pub async fn save_vendor(&mut self, v: Vendor, field: &str) -> ApiResult<Vendor> {
        let name = required(v.vendor_name.as_deref(), &format!("{field}.VendorName"))?.to_owned();
        let all = self.vendors().await?;
        let by_name = all
            .iter()
            .find(|e| e.vendor_name.as_deref().map(key) == Some(key(&name)));
        let target = match v.vendor_id {
            Some(id) => all.iter().find(|e| e.vendor_id == Some(id)),
            None => by_name,
        };
        if let Some(other) = by_name {
            if target.is_none_or(|t| t.vendor_id != other.vendor_id) {
                return Err(ApiError::bad_request(format!(
                    "{field}.VendorName: a vendor named '{name}' exists"
                )));
            }
        }
        let found = target.is_some();
        let mut saved: Vendor = merged(target, to_object(&v)?, &[], field)?;
        let id = saved.vendor_id.unwrap_or_else(Uuid::new_v4);
        saved.vendor_id = Some(id);
        // Matched by name, the stored spelling stays (a rename needs the vendorId).
        let name = match (target, v.vendor_id) {
            (Some(t), None) => t.vendor_name.clone().unwrap_or(name),
            _ => name,
        };
        saved.vendor_name = Some(name.clone());
        self.put_named(Named::Vendor, found, id, &name, &json(&saved)?)
            .await?;
        Ok(saved)
    }

    /// Deletes a vendor. A vendor named by a BOM line is refused (400, saying how many lines
    /// use it), as deleting it would leave those lines naming nothing.
    pub async fn delete_vendor(&mut self, v: &Vendor) -> ApiResult<()> {
        let n = sqlx::query("SELECT COUNT(*) FROM bom_items WHERE vendor_key = $1")
            .bind(v.vendor_name.as_deref().map(key))
            .fetch_one(&mut *self.tx)
            .await?
            .try_get::<i64, _>(0)?;
        let name = v.vendor_name.as_deref().unwrap_or_default();
        if n > 0 {
            return Err(ApiError::bad_request(format!(
                "Vendor '{name}' is in use by {n} BOM item(s) and cannot be deleted"
            )));
        }
        sqlx::query("DELETE FROM vendors WHERE vendor_id = $1")
            .bind(v.vendor_id.map(id_text))
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    // ---- BOM ------------------------------------------------------------------------

    /// A revision's BOM, in upload order.
    pub async fn bom(&mut self, revision_id: Uuid) -> ApiResult<Vec<BomItem>> {
        self.docs(
            "SELECT doc FROM bom_items WHERE revision_id = $1 ORDER BY position",
            Some(id_text(revision_id)),
        )
        .await
    }

    /// Replaces a revision's BOM.
    pub async fn replace_bom(
        &mut self,
        revision: &ProductRevision,
        items: Vec<BomItem>,
    ) -> ApiResult<Vec<BomItem>> {
        let Some(rid) = revision.product_revision_id else {
            return Err(ApiError::Internal(anyhow::anyhow!("revision without id")));
        };
        sqlx::query("DELETE FROM bom_items WHERE revision_id = $1")
            .bind(id_text(rid))
            .execute(&mut *self.tx)
            .await?;
        let mut out = Vec::with_capacity(items.len());
        for (i, mut item) in items.into_iter().enumerate() {
            if let Some(q) = item.quantity.filter(|q| *q < 0) {
                return Err(ApiError::bad_request(format!(
                    "bom[{i}].quantity must not be negative, not {q}"
                )));
            }
            item.bom_item_id = Some(Uuid::new_v4());
            item.product_revision_id = Some(rid);
            item.quantity.get_or_insert(1);
            sqlx::query("INSERT INTO bom_items (revision_id, position, vendor_key, doc) VALUES ($1, $2, $3, $4)")
                .bind(id_text(rid))
                .bind(i as i64)
                .bind(item.vendor.as_deref().map(key))
                .bind(json(&item)?)
                .execute(&mut *self.tx)
                .await?;
            out.push(item);
        }
        Ok(out)
    }

    // ---- relations (box-build templates) --------------------------------------------

    /// A relation by id.
    pub async fn relation(&mut self, id: Uuid) -> ApiResult<Option<ProductRevisionRelation>> {
        self.doc(
            "SELECT doc FROM revision_relations WHERE relation_id = $1",
            id_text(id),
        )
        .await
    }

    /// The relations of a parent revision, with the children's part numbers and revisions,
    /// by item number, then child part number and revision.
    pub async fn relations_of(&mut self, parent: Uuid) -> ApiResult<Vec<ProductRevisionRelation>> {
        let rels: Vec<ProductRevisionRelation> = self
            .docs(
                "SELECT doc FROM revision_relations WHERE parent_revision_id = $1",
                Some(id_text(parent)),
            )
            .await?;
        let mut out = Vec::with_capacity(rels.len());
        for mut rel in rels {
            if let Some(child) = rel.child_product_revision_id {
                if let Some(c) = self.revision_by_id(child).await? {
                    rel.child_part_number = c.part_number;
                    rel.child_revision = c.revision;
                }
            }
            out.push(rel);
        }
        // A stable order for templates and hierarchies: by item number, then child.
        out.sort_by(|a, b| {
            (&a.item_number, &a.child_part_number, &a.child_revision).cmp(&(
                &b.item_number,
                &b.child_part_number,
                &b.child_revision,
            ))
        });
        Ok(out)
    }

    /// Whether `target` is `from` or below it.
    async fn reaches(&mut self, from: Uuid, target: Uuid) -> ApiResult<bool> {
        let mut seen = vec![from];
        let mut next = vec![from];
        while let Some(at) = next.pop() {
            if at == target {
                return Ok(true);
            }
            for rel in self.relations_of(at).await? {
                if let Some(c) = rel.child_product_revision_id {
                    if !seen.contains(&c) {
                        seen.push(c);
                        next.push(c);
                    }
                }
            }
        }
        Ok(false)
    }

    /// Inserts (no id, or an unknown one) or updates a relation. Both revisions must exist,
    /// differ, and the child must not contain the parent (a box cannot hold itself).
    pub async fn save_relation(
        &mut self,
        incoming: ProductRevisionRelation,
        insert: bool,
    ) -> ApiResult<ProductRevisionRelation> {
        let existing = match incoming.product_revision_relation_id {
            Some(id) => self.relation(id).await?,
            None => None,
        };
        if !insert && existing.is_none() {
            return Err(ApiError::not_found(
                match incoming.product_revision_relation_id {
                    Some(id) => format!("No product revision relation {id}"),
                    None => "ProductRevisionRelationId is required".to_owned(),
                },
            ));
        }
        if insert && existing.is_some() {
            return Err(ApiError::bad_request("ProductRevisionRelationId: the relation exists; update it with PutProductRevisionRelation"));
        }
        let mut rel: ProductRevisionRelation = merged(
            existing.as_ref(),
            to_object(&incoming)?,
            &["ChildPartNumber", "ChildRevision"],
            "relation",
        )?;
        let parent = rel
            .parent_product_revision_id
            .ok_or_else(|| ApiError::bad_request("ParentProductRevisionId is required"))?;
        let child = rel.child_product_revision_id.ok_or_else(|| {
            ApiError::bad_request("ProductRevisionId (the child revision) is required")
        })?;
        if self.revision_by_id(parent).await?.is_none() {
            return Err(ApiError::bad_request(format!(
                "ParentProductRevisionId: no product revision {parent}"
            )));
        }
        if self.revision_by_id(child).await?.is_none() {
            return Err(ApiError::bad_request(format!(
                "ProductRevisionId: no product revision {child}"
            )));
        }
        if self.reaches(child, parent).await? {
            return Err(ApiError::bad_request(
                "ProductRevisionId: the child contains the parent (a box-build template cannot hold itself)",
            ));
        }
        let quantity = rel.quantity.unwrap_or(1);
        if quantity < 1 {
            return Err(ApiError::bad_request(format!(
                "Quantity must be at least 1, not {quantity}"
            )));
        }
        rel.quantity = Some(quantity);
        if let Some(mask) = &rel.revision_mask {
            if mask.chars().count() > 500 {
                return Err(ApiError::bad_request(
                    "RevisionMask is longer than 500 characters",
                ));
            }
        }
        let id = rel
            .product_revision_relation_id
            .unwrap_or_else(Uuid::new_v4);
        rel.product_revision_relation_id = Some(id);
        rel.child_part_number = None;
        rel.child_revision = None;
        let sql = if existing.is_some() {
            "UPDATE revision_relations SET parent_revision_id = $2, child_revision_id = $3, doc = $4 WHERE relation_id = $1"
        } else {
            "INSERT INTO revision_relations (relation_id, parent_revision_id, child_revision_id, doc) VALUES ($1, $2, $3, $4)"
        };
        sqlx::query(sql)
            .bind(id_text(id))
            .bind(id_text(parent))
            .bind(id_text(child))
            .bind(json(&rel)?)
            .execute(&mut *self.tx)
            .await?;
        if let Some(c) = self.revision_by_id(child).await? {
            rel.child_part_number = c.part_number;
            rel.child_revision = c.revision;
        }
        Ok(rel)
    }

    /// Deletes a relation; false when there was none.
    pub async fn delete_relation(&mut self, id: Uuid) -> ApiResult<bool> {
        let done = sqlx::query("DELETE FROM revision_relations WHERE relation_id = $1")
            .bind(id_text(id))
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The revision and everything below it, depth first (`GetProductInfo`): each row
    /// follows its parent and precedes its parent's next child.
    pub async fn hierarchy(&mut self, root: &ProductRevision) -> ApiResult<Vec<ProductInfo>> {
        let mut out = Vec::new();
        let mut memo: HashMap<Uuid, Vec<ProductRevisionRelation>> = HashMap::new();
        let mut stack = vec![ProductInfo {
            hlevel: Some(0),
            product_revision_id: root.product_revision_id,
            part_number: root.part_number.clone(),
            revision: root.revision.clone(),
            quantity: Some(1),
            ..ProductInfo::default()
        }];
        while let Some(row) = stack.pop() {
            if out.len() >= MAX_HIERARCHY_ROWS {
                return Err(ApiError::bad_request(format!(
                    "the product hierarchy has more than {MAX_HIERARCHY_ROWS} rows"
                )));
            }
            let depth = row.hlevel.unwrap_or_default();
            let at = row.product_revision_id;
            out.push(row);
            let Some(at) = at.filter(|_| depth < MAX_HIERARCHY_DEPTH) else {
                continue;
            };
            // A revision under several parents is read once.
            let rels = match memo.get(&at) {
                Some(r) => r.clone(),
                None => {
                    let r = self.relations_of(at).await?;
                    memo.insert(at, r.clone());
                    r
                }
            };
            // Reversed onto the stack, so the first child is expanded next.
            for rel in rels.into_iter().rev() {
                stack.push(ProductInfo {
                    hlevel: Some(depth + 1),
                    product_revision_relation_id: rel.product_revision_relation_id,
                    parent_product_revision_id: rel.parent_product_revision_id,
                    product_revision_id: rel.child_product_revision_id,
                    quantity: rel.quantity,
                    revision_mask: rel.revision_mask,
                    part_number: rel.child_part_number,
                    revision: rel.child_revision,
                    extra: Map::new(),
                });
            }
        }
        Ok(out)
    }
}
