//! The Product domain's wire types (`/api/Product/*`, `/api/internal/Product/*`).
//!
//! Public endpoints use camelCase; the internal relation, hierarchy and category endpoints
//! use PascalCase, as WATS's own models do.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::{Extra, Setting};

/// A product's or revision's state (`state`, an integer on the wire).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct ProductState(pub i32);

impl ProductState {
    /// 0: inactive (kept, but not offered for new units).
    pub const INACTIVE: ProductState = ProductState(0);
    /// 1: active.
    pub const ACTIVE: ProductState = ProductState(1);
}

/// A product (`GET /api/Product/{partNumber}`, `PUT /api/Product`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Product {
    /// Id, minted by the server on insert.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<Uuid>,
    /// Part number: unique, compared without regard to case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_number: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Units of it carry no serial numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_serial: Option<bool>,
    /// Active or inactive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<ProductState>,
    /// Free XML with custom key-value pairs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xml_data: Option<String>,
    /// The category's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_category_id: Option<Uuid>,
    /// The category's name (filled by the server when reading).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_category_name: Option<String>,
    /// Revisions (filled by the server when reading one product).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revisions: Option<Vec<ProductRevision>>,
    /// Tags. In a save, the list replaces the product's tags; tags marked
    /// [`ChangeType::DELETE`](crate::ChangeType::DELETE) are left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Setting>>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// The chained setters products and revisions share.
macro_rules! common_setters {
    ($type:ty) => {
        impl $type {
            /// With a name.
            pub fn name(mut self, name: impl Into<String>) -> Self {
                self.name = Some(name.into());
                self
            }

            /// With a description.
            pub fn description(mut self, description: impl Into<String>) -> Self {
                self.description = Some(description.into());
                self
            }

            /// With a state.
            pub fn state(mut self, state: ProductState) -> Self {
                self.state = Some(state);
                self
            }

            /// With one more tag (added; the list sent replaces the stored tags).
            pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
                self.tags
                    .get_or_insert_with(Vec::new)
                    .push(Setting::add(key, value));
                self
            }
        }
    };
}

common_setters!(Product);
common_setters!(ProductRevision);

impl Product {
    /// A new product with a part number, to fill in and save.
    ///
    /// ```
    /// use wats_types::product::{Product, ProductState};
    /// let p = Product::new("PCB-1")
    ///     .name("Main board")
    ///     .non_serial(false)
    ///     .state(ProductState::ACTIVE)
    ///     .tag("family", "controllers");
    /// assert_eq!(p.tags.unwrap()[0].key.as_deref(), Some("family"));
    /// ```
    pub fn new(part_number: impl Into<String>) -> Self {
        Product {
            part_number: Some(part_number.into()),
            ..Product::default()
        }
    }

    /// Units carry no serial numbers (or do).
    pub fn non_serial(mut self, non_serial: bool) -> Self {
        self.non_serial = Some(non_serial);
        self
    }

    /// In a category (by id).
    pub fn category(mut self, category_id: Uuid) -> Self {
        self.product_category_id = Some(category_id);
        self
    }
}

/// A product revision (`PUT /api/Product/Revision`, inside [`Product::revisions`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProductRevision {
    /// Id, minted by the server on insert.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_revision_id: Option<Uuid>,
    /// The product's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<Uuid>,
    /// Revision, e.g. `"A"`: unique within the product, compared without regard to case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Active or inactive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<ProductState>,
    /// Free XML with custom key-value pairs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xml_data: Option<String>,
    /// The product's part number. WATS's OpenAPI spells it `PartNumber` (unlike the other
    /// fields); pyWATS sends `partNumber`, accepted too.
    #[serde(
        rename = "PartNumber",
        alias = "partNumber",
        skip_serializing_if = "Option::is_none"
    )]
    pub part_number: Option<String>,
    /// Tags (replaced on save, as [`Product::tags`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Setting>>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

impl ProductRevision {
    /// A new revision of a part number, to fill in and save.
    pub fn new(part_number: impl Into<String>, revision: impl Into<String>) -> Self {
        ProductRevision {
            part_number: Some(part_number.into()),
            revision: Some(revision.into()),
            ..ProductRevision::default()
        }
    }
}

/// A product in the list view (`GET /api/Product/Query`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProductView {
    /// Part number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_number: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The category's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Units carry no serial numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_serial: Option<bool>,
    /// Active or inactive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<ProductState>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// A product group: a named selection of products, used to filter analytics
/// (`GET /api/Product/Groups`, `PUT /api/Product/Group`, `GET /api/App/ProductGroups`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProductGroup {
    /// Id, minted by the server on insert.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_group_id: Option<i32>,
    /// Name (unique, compared without regard to case).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_group_name: Option<String>,
    /// Other keys (filters, with `includeFilters`).
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// A product group as `/api/Product/ProductGroup` manages it (pyWATS's `get_product_groups`,
/// `create_product_group`, …): the group with its description, visibility and, on request,
/// its filters. The names are pyWATS's (WATS's OpenAPI does not list this endpoint).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProductGroupDefinition {
    /// Id (the same as [`ProductGroup::product_group_id`]), minted on insert.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i32>,
    /// Name (unique, compared without regard to case).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Visible to every user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_public: Option<bool>,
    /// The filters deciding which products the group holds (with `includeFilters`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<ProductGroupFilter>>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// One filter of a product group: a part number (a trailing `%` matches a prefix),
/// optionally revisions (same syntax), included or excluded.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProductGroupFilter {
    /// Id, minted on insert.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i32>,
    /// The group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_group_id: Option<i32>,
    /// Part number pattern.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_number: Option<String>,
    /// Revision pattern.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Excludes what it matches instead of including it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude: Option<bool>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

impl ProductGroupFilter {
    /// A filter including a part number (pattern).
    pub fn include(part_number: impl Into<String>) -> Self {
        ProductGroupFilter {
            part_number: Some(part_number.into()),
            exclude: Some(false),
            ..ProductGroupFilter::default()
        }
    }

    /// A filter excluding a part number (pattern).
    pub fn exclude(part_number: impl Into<String>) -> Self {
        ProductGroupFilter {
            part_number: Some(part_number.into()),
            exclude: Some(true),
            ..ProductGroupFilter::default()
        }
    }

    /// Only for these revisions (pattern).
    pub fn revision(mut self, revision: impl Into<String>) -> Self {
        self.revision = Some(revision.into());
        self
    }
}

/// A product category (`GET`/`PUT /api/internal/Product/GetProductCategories`,
/// `PutProductCategories`; PascalCase as WATS's model).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "PascalCase")]
pub struct ProductCategory {
    /// Id, minted by the server on insert.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_category_id: Option<Uuid>,
    /// Name (unique, compared without regard to case).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// A vendor (`/api/Product/Vendors`). WATS's OpenAPI knows only `VendorName`; pyWATS sends
/// `name` and addresses a vendor by `vendorId`, so the server mints one and accepts both
/// spellings of the name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Vendor {
    /// Id, minted by the server on insert.
    #[serde(rename = "vendorId", skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<Uuid>,
    /// Name (unique, compared without regard to case).
    #[serde(
        rename = "VendorName",
        alias = "name",
        skip_serializing_if = "Option::is_none"
    )]
    pub vendor_name: Option<String>,
    /// Other keys (kept by the server).
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// One line of a revision's bill of materials (`/api/internal/Product/Bom`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BomItem {
    /// Id, minted by the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bom_item_id: Option<Uuid>,
    /// The revision the BOM belongs to (filled by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_revision_id: Option<Uuid>,
    /// Reference designators, e.g. `"R1;R2"` (pyWATS also reads `compRef`).
    #[serde(alias = "compRef", skip_serializing_if = "Option::is_none")]
    pub component_ref: Option<String>,
    /// The component's part number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_number: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How many.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
    /// Manufacturer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// Manufacturer's part number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer_pn: Option<String>,
    /// Vendor's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Vendor's part number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_pn: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// A box-build relation: a parent revision needs `quantity` units of a child revision
/// (`/api/internal/Product/*ProductRevisionRelation`, PascalCase).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "PascalCase")]
pub struct ProductRevisionRelation {
    /// Id, minted by the server on insert.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_revision_relation_id: Option<Uuid>,
    /// The parent revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_product_revision_id: Option<Uuid>,
    /// The child revision. WATS names the child `ProductRevisionId`.
    #[serde(rename = "ProductRevisionId", skip_serializing_if = "Option::is_none")]
    pub child_product_revision_id: Option<Uuid>,
    /// How many child units the parent needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i32>,
    /// Item or position number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_number: Option<String>,
    /// The child's part number (filled by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_part_number: Option<String>,
    /// The child's revision (filled by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_revision: Option<String>,
    /// Which child revisions are accepted: comma-separated, `%` at the end matches a prefix
    /// (`"1.0,2.%"`). Unset: exactly the child's revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_mask: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

impl ProductRevisionRelation {
    /// Whether a child revision is accepted by [`revision_mask`](Self::revision_mask) (or,
    /// without a mask, equals [`child_revision`](Self::child_revision)), ignoring case.
    pub fn accepts(&self, revision: &str) -> bool {
        match self
            .revision_mask
            .as_deref()
            .filter(|m| !m.trim().is_empty())
        {
            Some(mask) => mask_matches(mask, revision),
            None => self
                .child_revision
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case(revision)),
        }
    }
}

/// Whether `value` matches a mask: comma-separated patterns, each exact or, ending in `%`, a
/// prefix; case is ignored.
pub fn mask_matches(mask: &str, value: &str) -> bool {
    let value = value.to_uppercase();
    mask.split(',').map(str::trim).any(|p| {
        let p = p.to_uppercase();
        match p.strip_suffix('%') {
            Some(prefix) => value.starts_with(prefix),
            None => !p.is_empty() && p == value,
        }
    })
}

/// One row of `GET /api/internal/Product/GetProductInfo`: the revision itself (`hlevel` 0),
/// then its box-build children, depth first (`hlevel` 1, 2, ...).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct ProductInfo {
    /// Depth below the revision asked for.
    #[serde(rename = "hlevel", skip_serializing_if = "Option::is_none")]
    pub hlevel: Option<i32>,
    /// The relation that brought this row in (none at level 0).
    #[serde(
        rename = "ProductRevisionRelationId",
        skip_serializing_if = "Option::is_none"
    )]
    pub product_revision_relation_id: Option<Uuid>,
    /// The parent revision (none at level 0).
    #[serde(
        rename = "ParentProductRevisionId",
        skip_serializing_if = "Option::is_none"
    )]
    pub parent_product_revision_id: Option<Uuid>,
    /// This row's revision.
    #[serde(rename = "ProductRevisionId", skip_serializing_if = "Option::is_none")]
    pub product_revision_id: Option<Uuid>,
    /// How many the parent needs.
    #[serde(rename = "Quantity", skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i32>,
    /// The relation's revision mask.
    #[serde(rename = "RevisionMask", skip_serializing_if = "Option::is_none")]
    pub revision_mask: Option<String>,
    /// This row's part number.
    #[serde(rename = "PartNumber", skip_serializing_if = "Option::is_none")]
    pub part_number: Option<String>,
    /// This row's revision.
    #[serde(rename = "Revision", skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revision_part_number_is_written_as_the_openapi_and_read_as_both() {
        let r: ProductRevision =
            serde_json::from_str(r#"{"revision":"A","partNumber":"P1"}"#).unwrap();
        assert_eq!(r.part_number.as_deref(), Some("P1"));
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["PartNumber"], "P1");
        assert!(v.get("partNumber").is_none());
    }

    #[test]
    fn relation_child_is_product_revision_id() {
        let id = Uuid::new_v4();
        let r = ProductRevisionRelation {
            child_product_revision_id: Some(id),
            quantity: Some(2),
            ..Default::default()
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["ProductRevisionId"], id.to_string());
        assert_eq!(v["Quantity"], 2);
    }

    #[test]
    fn masks() {
        assert!(mask_matches("1.0,2.%", "2.7b"));
        assert!(mask_matches("1.0,2.%", "1.0"));
        assert!(!mask_matches("1.0,2.%", "1.1"));
        assert!(mask_matches("a", "A"));
        assert!(!mask_matches("", "A"));
        let rel = ProductRevisionRelation {
            child_revision: Some("B".into()),
            ..Default::default()
        };
        assert!(rel.accepts("b") && !rel.accepts("C"));
    }

    #[test]
    fn vendor_reads_py_wats_name() {
        let v: Vendor = serde_json::from_str(r#"{"name":"Acme","city":"Oslo"}"#).unwrap();
        assert_eq!(v.vendor_name.as_deref(), Some("Acme"));
        let out = serde_json::to_value(&v).unwrap();
        assert_eq!(out["VendorName"], "Acme");
        assert_eq!(out["city"], "Oslo");
    }
}
