//! Products: part numbers and their revisions, product groups, categories, vendors, tags,
//! bills of materials and box-build templates (which child revisions a parent needs).
//!
//! Every call pyWATS's product service makes, typed with the one definition of each wire type
//! in [`wats_types::product`] (re-exported here). Lookups answer `Ok(None)` for an unknown
//! part number or revision; [`Require`](crate::Require) turns that into an error.
//!
//! ```no_run
//! # async fn run(wats: wats::Wats) -> wats::Result<()> {
//! use wats::product::{Product, ProductRevision};
//! let saved = wats.product().save(&Product {
//!     name: Some("Main board".into()),
//!     ..Product::new("PCB-100")
//! }).await?;
//! wats.product().save_revision(&ProductRevision::new("PCB-100", "A")).await?;
//! let p = wats.product().get("pcb-100").await?.expect("part numbers ignore case");
//! assert_eq!(p.product_id, saved.product_id);
//! # Ok(()) }
//! ```
//!
//! See `docs/sdk/product.md` for a guide.

mod box_build;

/// The guide `docs/sdk/product.md`, whose examples are compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../../docs/sdk/product.md")]
pub struct ProductGuide;

use reqwest::Method;
use uuid::Uuid;

pub use box_build::BoxBuildTemplate;
pub use wats_types::product::*;
pub use wats_types::wsbf;
pub use wats_types::{ChangeType, Setting};

use crate::client::{Request, Wats};
use crate::error::{optional, Error, Result};

/// Which products [`ProductHandler::query`] lists: an OData `$filter` (over `partNumber`,
/// `name`, `description`, `category`, `productCategoryName`, `productCategoryId`,
/// `nonSerial`, `state`; text compared without regard to case), `$orderby`, `$top` (WATS's
/// default: 1000) and `$skip`.
///
/// ```
/// use wats::odata::field;
/// use wats::product::ProductQuery;
/// let q = ProductQuery::new()
///     .filter(field("partNumber").starts_with("PCB-").and(field("state").eq(1)))
///     .order_by("name desc")
///     .top(50);
/// # let _ = q;
/// ```
#[derive(Clone, Debug, Default)]
pub struct ProductQuery {
    filter: Option<crate::odata::Filter>,
    order_by: Option<String>,
    top: Option<u32>,
    skip: Option<u32>,
}

impl ProductQuery {
    /// Every product (up to the server's default page).
    pub fn new() -> Self {
        ProductQuery::default()
    }

    /// The `$filter` (replaces an earlier one; combine with `Filter::and`).
    pub fn filter(mut self, filter: crate::odata::Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// The `$orderby`, e.g. `"name desc, partNumber"`.
    pub fn order_by(mut self, order: impl Into<String>) -> Self {
        self.order_by = Some(order.into());
        self
    }

    /// At most this many.
    pub fn top(mut self, top: u32) -> Self {
        self.top = Some(top);
        self
    }

    /// Skip this many first.
    pub fn skip(mut self, skip: u32) -> Self {
        self.skip = Some(skip);
        self
    }
}

/// The product endpoints. Get one with [`Wats::product`].
#[derive(Clone, Copy, Debug)]
pub struct ProductHandler<'a> {
    pub(crate) wats: &'a Wats,
}

impl Wats {
    /// Products, revisions, groups, categories, vendors, tags, BOMs and box builds.
    pub fn product(&self) -> ProductHandler<'_> {
        ProductHandler { wats: self }
    }
}

fn put_json(path: &str, body: &impl serde::Serialize) -> Result<Request> {
    let bytes = serde_json::to_vec(body)
        .map_err(|e| Error::Config(format!("cannot encode the request body: {e}")))?;
    Ok(Request::new(Method::PUT, path).body(bytes, "application/json"))
}

impl ProductHandler<'_> {
    // ---- products -------------------------------------------------------------------

    /// Every product, in the list view (`GET /api/Product/Query`).
    pub async fn products(&self) -> Result<Vec<ProductView>> {
        self.wats
            .send_json(Request::get("/api/Product/Query"))
            .await
    }

    /// The products a query selects, in the list view (`GET /api/Product/Query`).
    pub async fn query(&self, query: &ProductQuery) -> Result<Vec<ProductView>> {
        let req = Request::get("/api/Product/Query")
            .query_opt(
                "$filter",
                query.filter.as_ref().map(|f| f.as_str().to_owned()),
            )
            .query_opt("$orderby", query.order_by.as_deref())
            .query_opt("$top", query.top)
            .query_opt("$skip", query.skip);
        self.wats.send_json(req).await
    }

    /// Every active product.
    pub async fn active_products(&self) -> Result<Vec<ProductView>> {
        let all = self.products().await?;
        Ok(all
            .into_iter()
            .filter(|p| p.state == Some(ProductState::ACTIVE))
            .collect())
    }

    /// A product with its revisions and tags (`GET /api/Product/{partNumber}`); `None` when
    /// there is none.
    pub async fn get(&self, part_number: &str) -> Result<Option<Product>> {
        let path = format!("/api/Product/{}", crate::client::segment(part_number));
        optional(self.wats.send_json(Request::get(path)).await)
    }

    /// Creates or updates a product (`PUT /api/Product`): matched by `productId`, else by
    /// part number; absent fields are left as they are; `tags`, when set, replace the tags.
    pub async fn save(&self, product: &Product) -> Result<Product> {
        self.wats
            .send_json(put_json("/api/Product", product)?)
            .await
    }

    /// Creates or updates several products, all or none (`PUT /api/Product/Products`).
    pub async fn save_many(&self, products: &[Product]) -> Result<Vec<Product>> {
        self.wats
            .send_json(put_json("/api/Product/Products", &products)?)
            .await
    }

    /// Deletes a product with its revisions, their BOMs and box-build templates
    /// (`DELETE /api/Product/{partNumber}`). Refused ([`Error::Validation`]) while a revision
    /// of it is a child in another product's template.
    pub async fn delete(&self, part_number: &str) -> Result<()> {
        let path = format!("/api/Product/{}", crate::client::segment(part_number));
        self.wats
            .send(Request::new(Method::DELETE, path))
            .await
            .map(drop)
    }

    // ---- revisions ------------------------------------------------------------------

    /// A product's revisions (from `GET /api/Product/{partNumber}`); empty when the product
    /// does not exist.
    pub async fn revisions(&self, part_number: &str) -> Result<Vec<ProductRevision>> {
        Ok(self
            .get(part_number)
            .await?
            .and_then(|p| p.revisions)
            .unwrap_or_default())
    }

    /// One revision (`GET /api/Product/{partNumber}/{revision}`).
    pub async fn revision(
        &self,
        part_number: &str,
        revision: &str,
    ) -> Result<Option<ProductRevision>> {
        let path = format!(
            "/api/Product/{}/{}",
            crate::client::segment(part_number),
            crate::client::segment(revision)
        );
        optional(self.wats.send_json(Request::get(path)).await)
    }

    /// Creates or updates a revision (`PUT /api/Product/Revision`): its product by
    /// `productId`, else by part number.
    pub async fn save_revision(&self, revision: &ProductRevision) -> Result<ProductRevision> {
        self.wats
            .send_json(put_json("/api/Product/Revision", revision)?)
            .await
    }

    /// Creates or updates several revisions, all or none (`PUT /api/Product/Revisions`).
    pub async fn save_revisions(
        &self,
        revisions: &[ProductRevision],
    ) -> Result<Vec<ProductRevision>> {
        self.wats
            .send_json(put_json("/api/Product/Revisions", &revisions)?)
            .await
    }

    /// Deletes a revision with its BOM and box-build template
    /// (`DELETE /api/Product/{partNumber}/{revision}`); refused while it is a child in a
    /// template.
    pub async fn delete_revision(&self, part_number: &str, revision: &str) -> Result<()> {
        let path = format!(
            "/api/Product/{}/{}",
            crate::client::segment(part_number),
            crate::client::segment(revision)
        );
        self.wats
            .send(Request::new(Method::DELETE, path))
            .await
            .map(drop)
    }

    // ---- tags -----------------------------------------------------------------------

    /// A product's tags (`GET /api/internal/Product/GetProductTags`).
    pub async fn product_tags(&self, part_number: &str) -> Result<Vec<Setting>> {
        let req =
            Request::get("/api/internal/Product/GetProductTags").query("partNumber", part_number);
        self.wats.send_json(req).await
    }

    /// Replaces a product's tags; answers them as stored.
    pub async fn set_product_tags(
        &self,
        part_number: &str,
        tags: &[Setting],
    ) -> Result<Vec<Setting>> {
        let req = put_json("/api/internal/Product/PutProductTags", &tags)?
            .query("partNumber", part_number);
        self.wats.send_json(req).await
    }

    /// A revision's tags (`GET /api/internal/Product/GetRevisionTags`).
    pub async fn revision_tags(&self, part_number: &str, revision: &str) -> Result<Vec<Setting>> {
        let req = Request::get("/api/internal/Product/GetRevisionTags")
            .query("partNumber", part_number)
            .query("revision", revision);
        self.wats.send_json(req).await
    }

    /// Replaces a revision's tags; answers them as stored.
    pub async fn set_revision_tags(
        &self,
        part_number: &str,
        revision: &str,
        tags: &[Setting],
    ) -> Result<Vec<Setting>> {
        let req = put_json("/api/internal/Product/PutRevisionTags", &tags)?
            .query("partNumber", part_number)
            .query("revision", revision);
        self.wats.send_json(req).await
    }

    // ---- groups ---------------------------------------------------------------------

    /// Every product group (`GET /api/Product/Groups`).
    pub async fn groups(&self) -> Result<Vec<ProductGroup>> {
        self.wats
            .send_json(Request::get("/api/Product/Groups"))
            .await
    }

    /// Creates (no id) or renames a product group (`PUT /api/Product/Group`).
    pub async fn save_group(&self, group: &ProductGroup) -> Result<ProductGroup> {
        let saved = self
            .wats
            .send_json(put_json("/api/Product/Group", group)?)
            .await;
        // `GET /api/App/ProductGroups` lists them too: not from a stale cache.
        self.wats.invalidate("/api/App/ProductGroups");
        saved
    }

    /// Adds a filter to a product group named by name (or id)
    /// (`POST /api/Product/ProductGroupFilter`); answers the filter with its id.
    pub async fn add_group_filter(
        &self,
        group: &str,
        filter: &ProductGroupFilter,
    ) -> Result<ProductGroupFilter> {
        let req = Request::new(Method::POST, "/api/Product/ProductGroupFilter")
            .query("productGroup", group)
            .query(
                "partNumber",
                filter.part_number.as_deref().unwrap_or_default(),
            )
            .query_opt("revision", filter.revision.as_deref())
            .query("exclude", filter.exclude.unwrap_or(false));
        let saved = self.wats.send_json(req).await;
        // `GET /api/App/ProductGroups?includeFilters=true` shows the filters.
        self.wats.invalidate("/api/App/ProductGroups");
        saved
    }

    /// Filters of a product group, or of all (`GET /api/Product/ProductGroupFilter`).
    pub async fn group_filters(&self, group_id: Option<i32>) -> Result<Vec<ProductGroupFilter>> {
        let req =
            Request::get("/api/Product/ProductGroupFilter").query_opt("productGroupId", group_id);
        self.wats.send_json(req).await
    }

    /// Product groups in full: description, visibility and, when asked, filters
    /// (`GET /api/Product/ProductGroup`); `id` for one.
    pub async fn group_definitions(
        &self,
        id: Option<i32>,
        include_filters: bool,
    ) -> Result<Vec<ProductGroupDefinition>> {
        let req = Request::get("/api/Product/ProductGroup")
            .query_opt("id", id)
            .query("includeFilters", include_filters);
        self.wats.send_json(req).await
    }

    /// Creates a product group in full (`POST /api/Product/ProductGroup`).
    pub async fn create_group_definition(
        &self,
        group: &ProductGroupDefinition,
    ) -> Result<ProductGroupDefinition> {
        let body = serde_json::to_vec(group)
            .map_err(|e| Error::Config(format!("cannot encode the group: {e}")))?;
        let req =
            Request::new(Method::POST, "/api/Product/ProductGroup").body(body, "application/json");
        let saved = self.wats.send_json(req).await;
        self.wats.invalidate("/api/App/ProductGroups");
        saved
    }

    /// Updates a product group by `id` (`PUT /api/Product/ProductGroup`); fields left `None`
    /// keep their values.
    pub async fn update_group_definition(
        &self,
        group: &ProductGroupDefinition,
    ) -> Result<ProductGroupDefinition> {
        let saved = self
            .wats
            .send_json(put_json("/api/Product/ProductGroup", group)?)
            .await;
        self.wats.invalidate("/api/App/ProductGroups");
        saved
    }

    /// Deletes a product group and its filters (`DELETE /api/Product/ProductGroup/{id}`).
    pub async fn delete_group(&self, id: i32) -> Result<()> {
        let req = Request::new(Method::DELETE, format!("/api/Product/ProductGroup/{id}"));
        let done = self.wats.send(req).await.map(drop);
        self.wats.invalidate("/api/App/ProductGroups");
        done
    }

    /// The groups holding a product (`GET /api/internal/Product/GetGroupsForProduct`).
    pub async fn groups_for_product(&self, part_number: &str) -> Result<Vec<ProductGroup>> {
        let req = Request::get("/api/internal/Product/GetGroupsForProduct")
            .query("partNumber", part_number);
        self.wats.send_json(req).await
    }

    /// The groups holding a product revision (`GET /api/Product/ProductGroupsByProduct`).
    pub async fn groups_for_revision(
        &self,
        part_number: &str,
        revision: &str,
    ) -> Result<Vec<ProductGroup>> {
        let req = Request::get("/api/Product/ProductGroupsByProduct")
            .query("partNumber", part_number)
            .query("revision", revision);
        self.wats.send_json(req).await
    }

    // ---- categories -----------------------------------------------------------------

    /// Every product category (`GET /api/internal/Product/GetProductCategories`).
    pub async fn categories(&self) -> Result<Vec<ProductCategory>> {
        self.wats
            .send_json(Request::get("/api/internal/Product/GetProductCategories"))
            .await
    }

    /// Creates or updates categories (by id, else by name); answers every category.
    pub async fn save_categories(
        &self,
        categories: &[ProductCategory],
    ) -> Result<Vec<ProductCategory>> {
        self.wats
            .send_json(put_json(
                "/api/internal/Product/PutProductCategories",
                &categories,
            )?)
            .await
    }

    // ---- vendors --------------------------------------------------------------------

    /// Every vendor (`GET /api/Product/Vendors`).
    pub async fn vendors(&self) -> Result<Vec<Vendor>> {
        self.wats
            .send_json(Request::get("/api/Product/Vendors"))
            .await
    }

    /// Creates or updates a vendor (by `vendorId`, else by name).
    pub async fn save_vendor(&self, vendor: &Vendor) -> Result<Vendor> {
        self.wats
            .send_json(put_json("/api/Product/Vendors", vendor)?)
            .await
    }

    /// Deletes a vendor. A vendor a BOM line names is refused ([`Error::Validation`]).
    pub async fn delete_vendor(&self, vendor_id: Uuid) -> Result<()> {
        let req = Request::new(Method::DELETE, format!("/api/Product/Vendors/{vendor_id}"));
        self.wats.send(req).await.map(drop)
    }

    // ---- BOM ------------------------------------------------------------------------

    /// A revision's BOM (`GET /api/internal/Product/Bom`).
    pub async fn bom(&self, part_number: &str, revision: &str) -> Result<Vec<BomItem>> {
        let req = Request::get("/api/internal/Product/Bom")
            .query("partNumber", part_number)
            .query("revision", revision);
        self.wats.send_json(req).await
    }

    /// Replaces a revision's BOM with JSON items (`PUT /api/internal/Product/BOM`); answers
    /// them as stored.
    pub async fn upload_bom(
        &self,
        part_number: &str,
        revision: &str,
        items: &[BomItem],
    ) -> Result<Vec<BomItem>> {
        let req = put_json("/api/internal/Product/BOM", &items)?
            .query("partNumber", part_number)
            .query("revision", revision)
            .query("format", "json");
        self.wats.send_json(req).await
    }

    /// Replaces a revision's BOM with a WSBF document (`PUT /api/Product/BOM`).
    pub async fn upload_wsbf(&self, bom: &wsbf::Bom) -> Result<()> {
        let req =
            Request::new(Method::PUT, "/api/Product/BOM").body(bom.to_xml(), "application/xml");
        self.wats.send(req).await.map(drop)
    }

    /// A revision's BOM as the public document (`GET /api/Product/BOM`); `None` when the
    /// revision does not exist.
    pub async fn bom_document(
        &self,
        part_number: &str,
        revision: &str,
    ) -> Result<Option<wsbf::Bom>> {
        let req = Request::get("/api/Product/BOM")
            .query("partNumber", part_number)
            .query("revision", revision);
        optional(self.wats.send_json(req).await)
    }

    // ---- box builds -----------------------------------------------------------------

    /// The revision and its box-build children, depth first
    /// (`GET /api/internal/Product/GetProductInfo`).
    pub async fn hierarchy(&self, part_number: &str, revision: &str) -> Result<Vec<ProductInfo>> {
        let req = Request::get("/api/internal/Product/GetProductInfo")
            .query("partNumber", part_number)
            .query("revision", revision);
        self.wats.send_json(req).await
    }

    /// Adds a relation: the parent revision needs `quantity` of the child revision
    /// (`POST /api/internal/Product/PostProductRevisionRelation`). Answers the new relation.
    pub async fn add_relation(
        &self,
        relation: &ProductRevisionRelation,
    ) -> Result<ProductRevisionRelation> {
        let body = serde_json::to_vec(relation)
            .map_err(|e| Error::Config(format!("cannot encode the relation: {e}")))?;
        let req = Request::new(
            Method::POST,
            "/api/internal/Product/PostProductRevisionRelation",
        )
        .body(body, "application/json");
        let all: Vec<ProductRevisionRelation> = self.wats.send_json(req).await?;
        // The server answers all of the parent's relations; the new one is the one for this
        // child that was not asked for by id.
        all.into_iter()
            .filter(|r| {
                r.parent_product_revision_id == relation.parent_product_revision_id
                    && r.child_product_revision_id == relation.child_product_revision_id
            })
            .find(|r| {
                relation.product_revision_relation_id.is_none()
                    || r.product_revision_relation_id == relation.product_revision_relation_id
            })
            .ok_or_else(|| Error::Decode {
                path: "/api/internal/Product/PostProductRevisionRelation".into(),
                message: "the answer does not hold the new relation".into(),
            })
    }

    /// Updates a relation by its id (`PUT /api/internal/Product/PutProductRevisionRelation`).
    pub async fn update_relation(
        &self,
        relation: &ProductRevisionRelation,
    ) -> Result<ProductRevisionRelation> {
        self.wats
            .send_json(put_json(
                "/api/internal/Product/PutProductRevisionRelation",
                relation,
            )?)
            .await
    }

    /// Deletes a relation (`DELETE /api/internal/Product/DeleteProductRevisionRelation`).
    pub async fn delete_relation(&self, relation_id: Uuid) -> Result<()> {
        let req = Request::new(
            Method::DELETE,
            "/api/internal/Product/DeleteProductRevisionRelation",
        )
        .query("productRevisionRelationId", relation_id);
        self.wats.send(req).await.map(drop)
    }

    /// The box-build template of a revision, to read and change
    /// ([`BoxBuildTemplate`]); `None` when the revision does not exist.
    pub async fn box_build(
        &self,
        part_number: &str,
        revision: &str,
    ) -> Result<Option<BoxBuildTemplate>> {
        BoxBuildTemplate::load(self.wats, part_number, revision).await
    }
}
