//! The Product domain's queries and rules: products, revisions and their tags.
//!
//! Every API call runs in one [`ProductTx`] (one database transaction, and on SQLite the
//! writer lock when it writes), so a call that fails half-way leaves nothing behind. Rows keep
//! the object's JSON (`doc`); an update overlays the fields the request carries on the stored
//! object, as WATS treats absent fields as unchanged. The rest of the domain (relations, BOM,
//! vendors, categories, groups) is in [`super::product_links`].

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::{Any, Row, Transaction};
use uuid::Uuid;
use wats_types::product::{Product, ProductRevision, ProductState};
use wats_types::{ChangeType, Setting};

use super::Store;
use crate::error::{ApiError, ApiResult};

/// The longest part number, revision or name accepted: 100 characters, the limit pyWATS
/// checks on report part numbers and revisions (its `MAX_LENGTH`).
pub const MAX_KEY_CHARS: usize = 100;

/// One transaction over the Product tables.
pub struct ProductTx<'a> {
    pub(super) tx: Transaction<'static, Any>,
    _writer: Option<tokio::sync::MutexGuard<'a, ()>>,
}

impl Store {
    /// A transaction for reading the Product tables.
    pub async fn product_read(&self) -> ApiResult<ProductTx<'_>> {
        Ok(ProductTx {
            tx: self.pool.begin().await?,
            _writer: None,
        })
    }

    /// A transaction for changing the Product tables (holding the SQLite writer lock).
    pub async fn product_write(&self) -> ApiResult<ProductTx<'_>> {
        let writer = self.write_guard().await;
        Ok(ProductTx {
            tx: self.pool.begin().await?,
            _writer: writer,
        })
    }
}

/// The comparison key of a part number, revision or name: WATS ignores case.
pub fn key(text: &str) -> String {
    text.to_uppercase()
}

/// A required name-like field: present, not blank, not too long; 400 naming it otherwise.
pub fn required<'t>(value: Option<&'t str>, field: &str) -> ApiResult<&'t str> {
    let v = value
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("{field} is required")))?;
    if v.chars().count() > MAX_KEY_CHARS {
        return Err(ApiError::bad_request(format!(
            "{field} is longer than {MAX_KEY_CHARS} characters"
        )));
    }
    Ok(v)
}

/// Checks a state: WATS knows 0 (inactive) and 1 (active).
pub fn check_state(state: Option<ProductState>, field: &str) -> ApiResult<()> {
    match state {
        None | Some(ProductState::ACTIVE) | Some(ProductState::INACTIVE) => Ok(()),
        Some(ProductState(n)) => Err(ApiError::bad_request(format!(
            "{field} must be 0 (inactive) or 1 (active), not {n}"
        ))),
    }
}

/// A value as a JSON object (the wire types always serialize to one).
pub fn to_object<T: Serialize>(value: &T) -> ApiResult<Map<String, Value>> {
    match serde_json::to_value(value).map_err(anyhow::Error::from)? {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::Internal(anyhow::anyhow!("not a JSON object"))),
    }
}

/// A stored document.
pub(super) fn from_doc<T: DeserializeOwned>(doc: &str) -> ApiResult<T> {
    serde_json::from_str(doc)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored document unreadable: {e}")))
}

/// The stored object (if any) with the request's fields laid over it, read back as `T`; `skip`
/// keys of the request are not taken. A result that does not fit is a 400 naming `field`.
pub(super) fn merged<T: Serialize + DeserializeOwned>(
    stored: Option<&T>,
    request: Map<String, Value>,
    skip: &[&str],
    field: &str,
) -> ApiResult<T> {
    let mut obj = match stored {
        Some(s) => to_object(s)?,
        None => Map::new(),
    };
    for (k, v) in request {
        if !skip.contains(&k.as_str()) {
            obj.insert(k, v);
        }
    }
    serde_json::from_value(Value::Object(obj))
        .map_err(|e| ApiError::bad_request(format!("{field}: {e}")))
}

/// The request as an object, its tags (when present) as they are to be stored.
fn with_stored_tags<T: Serialize>(
    request: &T,
    tags: Option<Vec<Setting>>,
    field: &str,
) -> ApiResult<Map<String, Value>> {
    let mut obj = to_object(request)?;
    if let Some(tags) = tags {
        let tags = stored_tags(tags, &format!("{field}.tags"))?;
        obj.insert(
            "tags".into(),
            serde_json::to_value(tags).map_err(anyhow::Error::from)?,
        );
    }
    Ok(obj)
}

/// Tags as stored: the request's list without the ones marked for deletion, and without
/// `change` (a request's instruction, not part of the tag). Keys must be unique.
pub fn stored_tags(tags: Vec<Setting>, field: &str) -> ApiResult<Vec<Setting>> {
    let mut out: Vec<Setting> = Vec::with_capacity(tags.len());
    for (i, mut t) in tags.into_iter().enumerate() {
        let k = required(t.key.as_deref(), &format!("{field}[{i}].key"))?.to_owned();
        if t.change == Some(ChangeType::DELETE) {
            continue;
        }
        t.change = None;
        match out
            .iter_mut()
            .find(|o| o.key.as_deref().is_some_and(|o| o.eq_ignore_ascii_case(&k)))
        {
            // A key twice: the later value wins, as an update after an add would.
            Some(existing) => *existing = t,
            None => out.push(t),
        }
    }
    Ok(out)
}

/// The id and name a saved record gets. Its stored id, else the one the request gave, else a
/// new one. Its stored name when the request matched it by name (no id): the request named the
/// record, it did not ask for a rename, which needs the id.
fn identity(
    stored: Option<(Option<Uuid>, Option<String>)>,
    given_id: Option<Uuid>,
    name: String,
) -> (Uuid, String) {
    let id = stored
        .as_ref()
        .and_then(|(id, _)| *id)
        .or(given_id)
        .unwrap_or_else(Uuid::new_v4);
    let name = match (stored, given_id) {
        (Some((_, Some(stored_name))), None) => stored_name,
        _ => name,
    };
    (id, name)
}

fn id_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

impl ProductTx<'_> {
    /// The documents (first column) a query selects, with at most one bound parameter.
    pub(super) async fn docs<T: DeserializeOwned>(
        &mut self,
        sql: &str,
        param: Option<String>,
    ) -> ApiResult<Vec<T>> {
        let mut query = sqlx::query(sql);
        if let Some(p) = param {
            query = query.bind(p);
        }
        let rows = query.fetch_all(&mut *self.tx).await?;
        rows.iter()
            .map(|r| from_doc(&r.try_get::<String, _>(0)?))
            .collect()
    }

    /// The document (first column) a query selects by one parameter, if any.
    pub(super) async fn doc<T: DeserializeOwned>(
        &mut self,
        sql: &str,
        param: String,
    ) -> ApiResult<Option<T>> {
        Ok(self.docs(sql, Some(param)).await?.into_iter().next())
    }

    /// Commits the transaction.
    pub async fn commit(self) -> ApiResult<()> {
        self.tx.commit().await?;
        Ok(())
    }

    // ---- products -------------------------------------------------------------------

    /// The stored product (without revisions) with this part number.
    pub async fn product_row(&mut self, part_number: &str) -> ApiResult<Option<Product>> {
        self.doc(
            "SELECT doc FROM products WHERE pn_key = $1",
            key(part_number),
        )
        .await
    }

    async fn product_by_id(&mut self, id: Uuid) -> ApiResult<Option<Product>> {
        self.doc(
            "SELECT doc FROM products WHERE product_id = $1",
            id_text(id),
        )
        .await
    }

    /// A product with its category name, revisions and tags, as `GET /api/Product/{pn}`
    /// answers it.
    pub async fn product(&mut self, part_number: &str) -> ApiResult<Option<Product>> {
        let Some(mut p) = self.product_row(part_number).await? else {
            return Ok(None);
        };
        self.complete(&mut p).await?;
        Ok(Some(p))
    }

    /// The product with this part number, or 404 naming it.
    pub async fn existing_product(&mut self, part_number: &str) -> ApiResult<Product> {
        self.product(part_number)
            .await?
            .ok_or_else(|| not_found_product(part_number))
    }

    async fn complete(&mut self, p: &mut Product) -> ApiResult<()> {
        p.product_category_name = match p.product_category_id {
            Some(id) => self.category_name(id).await?,
            None => None,
        };
        if let Some(id) = p.product_id {
            let mut revs = self.revisions_of(id).await?;
            for r in &mut revs {
                r.part_number = p.part_number.clone();
            }
            p.revisions = Some(revs);
        }
        if p.tags.is_none() {
            p.tags = Some(Vec::new());
        }
        Ok(())
    }

    /// Every product (without revisions), with its category's name, by part number.
    pub async fn products(&mut self) -> ApiResult<Vec<Product>> {
        let mut rows: Vec<Product> = self
            .docs("SELECT doc FROM products ORDER BY pn_key", None)
            .await?;
        for p in &mut rows {
            p.product_category_name = match p.product_category_id {
                Some(id) => self.category_name(id).await?,
                None => None,
            };
            p.state.get_or_insert(ProductState::ACTIVE);
            p.non_serial.get_or_insert(false);
        }
        Ok(rows)
    }

    /// Inserts or updates a product (matched by `productId`, else by part number) and the
    /// revisions it carries; answers it as read back. `field` names the product in errors
    /// (`product`, `products[2]`).
    pub async fn save_product(&mut self, incoming: Product, field: &str) -> ApiResult<Product> {
        let pn = required(
            incoming.part_number.as_deref(),
            &format!("{field}.partNumber"),
        )?
        .to_owned();
        check_state(incoming.state, &format!("{field}.state"))?;
        if let Some(cat) = incoming.product_category_id {
            if self.category_name(cat).await?.is_none() {
                return Err(ApiError::bad_request(format!(
                    "{field}.productCategoryId: no product category {cat}"
                )));
            }
        }
        let by_pn = self.product_row(&pn).await?;
        let existing = match incoming.product_id {
            Some(id) => self.product_by_id(id).await?,
            None => by_pn.clone(),
        };
        if let (Some(other), Some(id)) = (&by_pn, incoming.product_id) {
            if other.product_id != Some(id) {
                return Err(ApiError::bad_request(format!(
                    "{field}.partNumber: '{pn}' is the part number of another product"
                )));
            }
        }
        let revisions = incoming.revisions.clone();
        let request = with_stored_tags(&incoming, incoming.tags.clone(), field)?;
        let mut p: Product = merged(
            existing.as_ref(),
            request,
            &["revisions", "productCategoryName", "category"],
            field,
        )?;
        let (id, pn) = identity(
            existing
                .as_ref()
                .map(|e| (e.product_id, e.part_number.clone())),
            incoming.product_id,
            pn,
        );
        p.product_id = Some(id);
        p.part_number = Some(pn.clone());
        p.state.get_or_insert(ProductState::ACTIVE);
        p.non_serial.get_or_insert(false);
        p.revisions = None;
        p.product_category_name = None;
        let doc = serde_json::to_string(&p).map_err(anyhow::Error::from)?;
        let category = p.product_category_id.map(id_text);
        if existing.is_some() {
            sqlx::query(
                "UPDATE products SET pn_key = $2, category_id = $3, doc = $4 WHERE product_id = $1",
            )
            .bind(id_text(id))
            .bind(key(&pn))
            .bind(category)
            .bind(doc)
            .execute(&mut *self.tx)
            .await?;
        } else {
            sqlx::query("INSERT INTO products (product_id, pn_key, category_id, doc) VALUES ($1, $2, $3, $4)")
                .bind(id_text(id))
                .bind(key(&pn))
                .bind(category)
                .bind(doc)
                .execute(&mut *self.tx)
                .await?;
        }
        for (i, mut r) in revisions.unwrap_or_default().into_iter().enumerate() {
            r.product_id = Some(id);
            r.part_number = Some(pn.clone());
            self.save_revision(r, &format!("{field}.revisions[{i}]"))
                .await?;
        }
        self.existing_product(&pn).await
    }

    // ---- revisions ------------------------------------------------------------------

    /// A product's revisions, by revision.
    pub async fn revisions_of(&mut self, product_id: Uuid) -> ApiResult<Vec<ProductRevision>> {
        self.docs(
            "SELECT doc FROM product_revisions WHERE product_id = $1 ORDER BY rev_key",
            Some(id_text(product_id)),
        )
        .await
    }

    /// A revision by its id, with its part number.
    pub async fn revision_by_id(&mut self, id: Uuid) -> ApiResult<Option<ProductRevision>> {
        self.revision_where("r.revision_id = $1", &[id_text(id)])
            .await
    }

    /// A revision by part number and revision, with its part number.
    pub async fn revision(
        &mut self,
        part_number: &str,
        revision: &str,
    ) -> ApiResult<Option<ProductRevision>> {
        self.revision_where(
            "p.pn_key = $1 AND r.rev_key = $2",
            &[key(part_number), key(revision)],
        )
        .await
    }

    /// The revision a condition on `r` (revision) and `p` (product) selects, with its part
    /// number (which is the product's, stored once).
    async fn revision_where(
        &mut self,
        condition: &str,
        params: &[String],
    ) -> ApiResult<Option<ProductRevision>> {
        let sql = format!(
            "SELECT r.doc, p.doc FROM product_revisions r JOIN products p \
             ON p.product_id = r.product_id WHERE {condition}"
        );
        let mut query = sqlx::query(&sql);
        for p in params {
            query = query.bind(p);
        }
        let Some(row) = query.fetch_optional(&mut *self.tx).await? else {
            return Ok(None);
        };
        let mut r: ProductRevision = from_doc(&row.try_get::<String, _>(0)?)?;
        let p: Product = from_doc(&row.try_get::<String, _>(1)?)?;
        r.part_number = p.part_number;
        Ok(Some(r))
    }

    /// The revision, or 404 naming it.
    pub async fn existing_revision(
        &mut self,
        part_number: &str,
        revision: &str,
    ) -> ApiResult<ProductRevision> {
        self.revision(part_number, revision).await?.ok_or_else(|| {
            ApiError::not_found(format!(
                "Product revision '{part_number}' revision '{revision}' was not found"
            ))
        })
    }

    /// Inserts or updates a revision: its product by `productId`, else by part number; the
    /// revision by `productRevisionId`, else by revision within the product.
    pub async fn save_revision(
        &mut self,
        incoming: ProductRevision,
        field: &str,
    ) -> ApiResult<ProductRevision> {
        let rev = required(incoming.revision.as_deref(), &format!("{field}.revision"))?.to_owned();
        check_state(incoming.state, &format!("{field}.state"))?;
        let product = match (incoming.product_id, incoming.part_number.as_deref()) {
            (Some(id), _) => self.product_by_id(id).await?.ok_or_else(|| {
                ApiError::not_found(format!("{field}.productId: no product {id}"))
            })?,
            (None, Some(pn)) if !pn.trim().is_empty() => self
                .product_row(pn)
                .await?
                .ok_or_else(|| not_found_product(pn))?,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "{field}: productId or partNumber is required"
                )))
            }
        };
        let (Some(product_id), Some(pn)) = (product.product_id, product.part_number.clone()) else {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "stored product without id"
            )));
        };
        if let (Some(given), Some(pn_given)) =
            (incoming.product_id, incoming.part_number.as_deref())
        {
            if !key(pn_given).eq(&key(&pn)) {
                return Err(ApiError::bad_request(format!(
                    "{field}: productId {given} is part number '{pn}', not '{pn_given}'"
                )));
            }
        }
        let by_rev = self.revision(&pn, &rev).await?;
        let existing = match incoming.product_revision_id {
            Some(id) => {
                let found = self.revision_by_id(id).await?;
                if let Some(f) = &found {
                    if f.product_id != Some(product_id) {
                        return Err(ApiError::bad_request(format!(
                            "{field}.productRevisionId: revision {id} belongs to another product"
                        )));
                    }
                }
                found
            }
            None => by_rev.clone(),
        };
        if let (Some(other), Some(id)) = (&by_rev, incoming.product_revision_id) {
            if other.product_revision_id != Some(id) {
                return Err(ApiError::bad_request(format!(
                    "{field}.revision: '{pn}' already has a revision '{rev}'"
                )));
            }
        }
        let request = with_stored_tags(&incoming, incoming.tags.clone(), field)?;
        let mut r: ProductRevision = merged(existing.as_ref(), request, &[], field)?;
        let (id, rev) = identity(
            existing
                .as_ref()
                .map(|e| (e.product_revision_id, e.revision.clone())),
            incoming.product_revision_id,
            rev,
        );
        r.product_revision_id = Some(id);
        r.product_id = Some(product_id);
        r.revision = Some(rev.clone());
        r.state.get_or_insert(ProductState::ACTIVE);
        r.tags.get_or_insert_with(Vec::new);
        // The part number is the product's: not stored twice.
        r.part_number = None;
        let doc = serde_json::to_string(&r).map_err(anyhow::Error::from)?;
        if existing.is_some() {
            sqlx::query(
                "UPDATE product_revisions SET rev_key = $2, doc = $3 WHERE revision_id = $1",
            )
            .bind(id_text(id))
            .bind(key(&rev))
            .bind(doc)
            .execute(&mut *self.tx)
            .await?;
        } else {
            sqlx::query(
                "INSERT INTO product_revisions (revision_id, product_id, rev_key, doc) VALUES ($1, $2, $3, $4)",
            )
            .bind(id_text(id))
            .bind(id_text(product_id))
            .bind(key(&rev))
            .bind(doc)
            .execute(&mut *self.tx)
            .await?;
        }
        r.part_number = Some(pn);
        Ok(r)
    }

    /// Revisions among `ids` that are a child in another product's box-build template, as
    /// `PN/REV` of their parents; deleting them would change those templates unseen.
    async fn used_as_child_elsewhere(
        &mut self,
        ids: &[Uuid],
        product_id: Uuid,
    ) -> ApiResult<Vec<String>> {
        let mut parents = Vec::new();
        for id in ids {
            let rows = sqlx::query(
                "SELECT parent_revision_id FROM revision_relations WHERE child_revision_id = $1",
            )
            .bind(id_text(*id))
            .fetch_all(&mut *self.tx)
            .await?;
            for r in rows {
                let parent: String = r.try_get(0)?;
                let Ok(parent) = Uuid::parse_str(&parent) else {
                    continue;
                };
                if let Some(p) = self.revision_by_id(parent).await? {
                    if p.product_id != Some(product_id) || !ids.contains(&parent) {
                        parents.push(format!(
                            "{}/{}",
                            p.part_number.unwrap_or_default(),
                            p.revision.unwrap_or_default()
                        ));
                    }
                }
            }
        }
        parents.sort();
        parents.dedup();
        Ok(parents)
    }

    /// Deletes a product with its revisions, their BOMs and templates. Refused (400) while a
    /// revision of it is a child in another template. This server keeps no units, so nothing
    /// makes WATS's "deactivate instead" case arise.
    pub async fn delete_product(&mut self, part_number: &str) -> ApiResult<()> {
        let p = self
            .product_row(part_number)
            .await?
            .ok_or_else(|| not_found_product(part_number))?;
        let id = p.product_id.unwrap_or_default();
        let revs: Vec<Uuid> = self
            .revisions_of(id)
            .await?
            .iter()
            .filter_map(|r| r.product_revision_id)
            .collect();
        let parents = self.used_as_child_elsewhere(&revs, id).await?;
        if !parents.is_empty() {
            return Err(ApiError::bad_request(format!(
                "Product '{part_number}' is in the box-build templates of {}; remove it there first",
                parents.join(", ")
            )));
        }
        sqlx::query("DELETE FROM products WHERE product_id = $1")
            .bind(id_text(id))
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Deletes a revision with its BOM and template; refused (400) while it is a child in a
    /// template.
    pub async fn delete_revision(&mut self, part_number: &str, revision: &str) -> ApiResult<()> {
        let r = self.existing_revision(part_number, revision).await?;
        let id = r.product_revision_id.unwrap_or_default();
        let parents = self.used_as_child_elsewhere(&[id], Uuid::nil()).await?;
        if !parents.is_empty() {
            return Err(ApiError::bad_request(format!(
                "Revision '{part_number}' '{revision}' is in the box-build templates of {}; \
                 remove it there first",
                parents.join(", ")
            )));
        }
        sqlx::query("DELETE FROM product_revisions WHERE revision_id = $1")
            .bind(id_text(id))
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    // ---- tags -----------------------------------------------------------------------

    /// Replaces a product's tags; answers them as stored.
    pub async fn set_product_tags(
        &mut self,
        part_number: &str,
        tags: Vec<Setting>,
    ) -> ApiResult<Vec<Setting>> {
        let p = self.existing_product(part_number).await?;
        let saved = self
            .save_product(
                Product {
                    product_id: p.product_id,
                    part_number: p.part_number,
                    tags: Some(tags),
                    ..Product::default()
                },
                "tags",
            )
            .await?;
        Ok(saved.tags.unwrap_or_default())
    }

    /// Replaces a revision's tags; answers them as stored.
    pub async fn set_revision_tags(
        &mut self,
        part_number: &str,
        revision: &str,
        tags: Vec<Setting>,
    ) -> ApiResult<Vec<Setting>> {
        let r = self.existing_revision(part_number, revision).await?;
        let saved = self
            .save_revision(
                ProductRevision {
                    product_revision_id: r.product_revision_id,
                    product_id: r.product_id,
                    revision: r.revision,
                    tags: Some(tags),
                    ..ProductRevision::default()
                },
                "tags",
            )
            .await?;
        Ok(saved.tags.unwrap_or_default())
    }
}

/// 404 for an unknown part number.
pub fn not_found_product(part_number: &str) -> ApiError {
    ApiError::not_found(format!("Product '{part_number}' was not found"))
}
