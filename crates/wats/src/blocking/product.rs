//! Blocking [`crate::product`].

use std::sync::Arc;

use uuid::Uuid;

use super::Wats;
use crate::error::Result;
use crate::product::{
    wsbf, BomItem, Product, ProductCategory, ProductGroup, ProductGroupDefinition,
    ProductGroupFilter, ProductInfo, ProductQuery, ProductRevision, ProductRevisionRelation,
    ProductView, Setting, Vendor,
};

/// Blocking [`crate::product::ProductHandler`].
#[derive(Clone, Copy, Debug)]
pub struct ProductHandler<'a> {
    pub(super) wats: &'a Wats,
}

macro_rules! mirror {
    ($( $(#[$doc:meta])* fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        impl ProductHandler<'_> {
            $(
                $(#[$doc])*
                pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    self.wats.wait(self.wats.inner.product().$name($($arg),*))
                }
            )*
        }
    };
}

mirror! {
    /// See [`crate::product::ProductHandler::products`].
    fn products(&self) -> Vec<ProductView>;
    /// See [`crate::product::ProductHandler::query`].
    fn query(&self, query: &ProductQuery) -> Vec<ProductView>;
    /// See [`crate::product::ProductHandler::active_products`].
    fn active_products(&self) -> Vec<ProductView>;
    /// See [`crate::product::ProductHandler::get`].
    fn get(&self, part_number: &str) -> Option<Product>;
    /// See [`crate::product::ProductHandler::save`].
    fn save(&self, product: &Product) -> Product;
    /// See [`crate::product::ProductHandler::save_many`].
    fn save_many(&self, products: &[Product]) -> Vec<Product>;
    /// See [`crate::product::ProductHandler::delete`].
    fn delete(&self, part_number: &str) -> ();
    /// See [`crate::product::ProductHandler::delete_revision`].
    fn delete_revision(&self, part_number: &str, revision: &str) -> ();
    /// See [`crate::product::ProductHandler::revisions`].
    fn revisions(&self, part_number: &str) -> Vec<ProductRevision>;
    /// See [`crate::product::ProductHandler::revision`].
    fn revision(&self, part_number: &str, revision: &str) -> Option<ProductRevision>;
    /// See [`crate::product::ProductHandler::save_revision`].
    fn save_revision(&self, revision: &ProductRevision) -> ProductRevision;
    /// See [`crate::product::ProductHandler::save_revisions`].
    fn save_revisions(&self, revisions: &[ProductRevision]) -> Vec<ProductRevision>;
    /// See [`crate::product::ProductHandler::product_tags`].
    fn product_tags(&self, part_number: &str) -> Vec<Setting>;
    /// See [`crate::product::ProductHandler::set_product_tags`].
    fn set_product_tags(&self, part_number: &str, tags: &[Setting]) -> Vec<Setting>;
    /// See [`crate::product::ProductHandler::revision_tags`].
    fn revision_tags(&self, part_number: &str, revision: &str) -> Vec<Setting>;
    /// See [`crate::product::ProductHandler::set_revision_tags`].
    fn set_revision_tags(&self, part_number: &str, revision: &str, tags: &[Setting]) -> Vec<Setting>;
    /// See [`crate::product::ProductHandler::groups`].
    fn groups(&self) -> Vec<ProductGroup>;
    /// See [`crate::product::ProductHandler::save_group`].
    fn save_group(&self, group: &ProductGroup) -> ProductGroup;
    /// See [`crate::product::ProductHandler::add_group_filter`].
    fn add_group_filter(&self, group: &str, filter: &ProductGroupFilter) -> ProductGroupFilter;
    /// See [`crate::product::ProductHandler::group_filters`].
    fn group_filters(&self, group_id: Option<i32>) -> Vec<ProductGroupFilter>;
    /// See [`crate::product::ProductHandler::group_definitions`].
    fn group_definitions(&self, id: Option<i32>, include_filters: bool) -> Vec<ProductGroupDefinition>;
    /// See [`crate::product::ProductHandler::create_group_definition`].
    fn create_group_definition(&self, group: &ProductGroupDefinition) -> ProductGroupDefinition;
    /// See [`crate::product::ProductHandler::update_group_definition`].
    fn update_group_definition(&self, group: &ProductGroupDefinition) -> ProductGroupDefinition;
    /// See [`crate::product::ProductHandler::delete_group`].
    fn delete_group(&self, id: i32) -> ();
    /// See [`crate::product::ProductHandler::groups_for_product`].
    fn groups_for_product(&self, part_number: &str) -> Vec<ProductGroup>;
    /// See [`crate::product::ProductHandler::groups_for_revision`].
    fn groups_for_revision(&self, part_number: &str, revision: &str) -> Vec<ProductGroup>;
    /// See [`crate::product::ProductHandler::categories`].
    fn categories(&self) -> Vec<ProductCategory>;
    /// See [`crate::product::ProductHandler::save_categories`].
    fn save_categories(&self, categories: &[ProductCategory]) -> Vec<ProductCategory>;
    /// See [`crate::product::ProductHandler::vendors`].
    fn vendors(&self) -> Vec<Vendor>;
    /// See [`crate::product::ProductHandler::save_vendor`].
    fn save_vendor(&self, vendor: &Vendor) -> Vendor;
    /// See [`crate::product::ProductHandler::delete_vendor`].
    fn delete_vendor(&self, vendor_id: Uuid) -> ();
    /// See [`crate::product::ProductHandler::bom`].
    fn bom(&self, part_number: &str, revision: &str) -> Vec<BomItem>;
    /// See [`crate::product::ProductHandler::upload_bom`].
    fn upload_bom(&self, part_number: &str, revision: &str, items: &[BomItem]) -> Vec<BomItem>;
    /// See [`crate::product::ProductHandler::upload_wsbf`].
    fn upload_wsbf(&self, bom: &wsbf::Bom) -> ();
    /// See [`crate::product::ProductHandler::bom_document`].
    fn bom_document(&self, part_number: &str, revision: &str) -> Option<wsbf::Bom>;
    /// See [`crate::product::ProductHandler::hierarchy`].
    fn hierarchy(&self, part_number: &str, revision: &str) -> Vec<ProductInfo>;
    /// See [`crate::product::ProductHandler::add_relation`].
    fn add_relation(&self, relation: &ProductRevisionRelation) -> ProductRevisionRelation;
    /// See [`crate::product::ProductHandler::update_relation`].
    fn update_relation(&self, relation: &ProductRevisionRelation) -> ProductRevisionRelation;
    /// See [`crate::product::ProductHandler::delete_relation`].
    fn delete_relation(&self, relation_id: Uuid) -> ();
}

impl ProductHandler<'_> {
    /// See [`crate::product::ProductHandler::box_build`].
    pub fn box_build(&self, part_number: &str, revision: &str) -> Result<Option<BoxBuildTemplate>> {
        let inner = self
            .wats
            .wait(self.wats.inner.product().box_build(part_number, revision))?;
        Ok(inner.map(|inner| BoxBuildTemplate {
            inner,
            runtime: self.wats.runtime.clone(),
        }))
    }
}

/// Blocking [`crate::product::BoxBuildTemplate`]: the same local edits, with the calls that
/// reach the server waiting for it.
#[derive(Clone, Debug)]
pub struct BoxBuildTemplate {
    inner: crate::product::BoxBuildTemplate,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl std::ops::Deref for BoxBuildTemplate {
    type Target = crate::product::BoxBuildTemplate;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl std::ops::DerefMut for BoxBuildTemplate {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}

impl BoxBuildTemplate {
    /// See [`crate::product::BoxBuildTemplate::add`].
    pub fn add(&mut self, part_number: &str, revision: &str, quantity: i32) -> Result<&mut Self> {
        self.runtime
            .block_on(self.inner.add(part_number, revision, quantity))?;
        Ok(self)
    }

    /// See [`crate::product::BoxBuildTemplate::save`].
    pub fn save(&mut self) -> Result<()> {
        self.runtime.block_on(self.inner.save())
    }

    /// See [`crate::product::BoxBuildTemplate::reload`].
    pub fn reload(&mut self) -> Result<()> {
        self.runtime.block_on(self.inner.reload())
    }
}
