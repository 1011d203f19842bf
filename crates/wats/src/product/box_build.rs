//! [`BoxBuildTemplate`]: which child revisions (and how many) a parent revision is built
//! from, loaded, changed locally and saved in one go, as pyWATS's `BoxBuildTemplate`.

use uuid::Uuid;
use wats_types::product::{ProductRevision, ProductRevisionRelation};

use crate::client::Wats;
use crate::error::{Error, Result};

/// A parent revision's box-build template: its child relations as loaded, and as wanted.
///
/// Changes stay local until [`save`](Self::save), which sends them in the order pyWATS does:
/// deletions, then updates, then additions; then it reloads.
///
/// ```no_run
/// # async fn run(wats: wats::Wats) -> wats::Result<()> {
/// use wats::Require;
/// let mut template = wats.product().box_build("BOX-1", "A").await.require()?;
/// template.add("PCB-100", "A", 2).await?;
/// template.set_revision_mask("PCB-100", "A", Some("A,B%"));
/// template.remove("PSU-7", "C");
/// template.save().await?;
/// for child in template.children() {
///     println!("{:?} x{:?}", child.child_part_number, child.quantity);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct BoxBuildTemplate {
    wats: Wats,
    parent: ProductRevision,
    loaded: Vec<ProductRevisionRelation>,
    wanted: Vec<ProductRevisionRelation>,
}

fn same_child(r: &ProductRevisionRelation, part_number: &str, revision: &str) -> bool {
    r.child_part_number
        .as_deref()
        .is_some_and(|p| p.to_uppercase() == part_number.to_uppercase())
        && r.child_revision
            .as_deref()
            .is_some_and(|v| v.to_uppercase() == revision.to_uppercase())
}

impl BoxBuildTemplate {
    /// Loads the template of a revision; `None` when the revision does not exist.
    pub(crate) async fn load(
        wats: &Wats,
        part_number: &str,
        revision: &str,
    ) -> Result<Option<Self>> {
        let Some(parent) = wats.product().revision(part_number, revision).await? else {
            return Ok(None);
        };
        let mut t = BoxBuildTemplate {
            wats: wats.clone(),
            parent,
            loaded: Vec::new(),
            wanted: Vec::new(),
        };
        t.reload().await?;
        Ok(Some(t))
    }

    /// The parent revision.
    pub fn parent(&self) -> &ProductRevision {
        &self.parent
    }

    /// The children as they will be after [`save`](Self::save).
    pub fn children(&self) -> &[ProductRevisionRelation] {
        &self.wanted
    }

    /// Whether there are unsaved changes.
    pub fn has_changes(&self) -> bool {
        self.loaded != self.wanted
    }

    /// Whether a child revision may be fitted: a relation for the part number accepts the
    /// revision (by its mask, or exactly without one).
    pub fn accepts(&self, part_number: &str, revision: &str) -> bool {
        self.wanted.iter().any(|r| {
            r.child_part_number
                .as_deref()
                .is_some_and(|p| p.to_uppercase() == part_number.to_uppercase())
                && r.accepts(revision)
        })
    }

    /// Adds a child revision (which must exist), or sets its quantity when it is already a
    /// child.
    pub async fn add(
        &mut self,
        part_number: &str,
        revision: &str,
        quantity: i32,
    ) -> Result<&mut Self> {
        if quantity < 1 {
            return Err(Error::Config(format!(
                "quantity must be at least 1, not {quantity}"
            )));
        }
        if self.set_quantity(part_number, revision, quantity) {
            return Ok(self);
        }
        let child = self
            .wats
            .product()
            .revision(part_number, revision)
            .await?
            .ok_or_else(|| Error::NotFound {
                message: format!("no product revision {part_number}/{revision}"),
            })?;
        self.wanted.push(ProductRevisionRelation {
            parent_product_revision_id: self.parent.product_revision_id,
            child_product_revision_id: child.product_revision_id,
            quantity: Some(quantity),
            child_part_number: child.part_number,
            child_revision: child.revision,
            ..ProductRevisionRelation::default()
        });
        Ok(self)
    }

    /// Sets a child's quantity; false when it is not a child.
    pub fn set_quantity(&mut self, part_number: &str, revision: &str, quantity: i32) -> bool {
        self.update(part_number, revision, |r| r.quantity = Some(quantity))
    }

    /// Sets a child's revision mask (`"1.0,2.%"`); false when it is not a child.
    pub fn set_revision_mask(
        &mut self,
        part_number: &str,
        revision: &str,
        mask: Option<&str>,
    ) -> bool {
        self.update(part_number, revision, |r| {
            r.revision_mask = mask.map(str::to_owned)
        })
    }

    /// Changes a child's relation with `change`; false when it is not a child.
    pub fn update(
        &mut self,
        part_number: &str,
        revision: &str,
        change: impl FnOnce(&mut ProductRevisionRelation),
    ) -> bool {
        match self
            .wanted
            .iter_mut()
            .find(|r| same_child(r, part_number, revision))
        {
            Some(r) => {
                change(r);
                true
            }
            None => false,
        }
    }

    /// Removes a child; false when it was not one.
    pub fn remove(&mut self, part_number: &str, revision: &str) -> bool {
        let before = self.wanted.len();
        self.wanted
            .retain(|r| !same_child(r, part_number, revision));
        self.wanted.len() != before
    }

    /// Removes every child.
    pub fn clear(&mut self) {
        self.wanted.clear();
    }

    /// Forgets the unsaved changes.
    pub fn discard(&mut self) {
        self.wanted = self.loaded.clone();
    }

    /// Reads the template again from the server (unsaved changes are lost).
    pub async fn reload(&mut self) -> Result<()> {
        let (Some(pn), Some(rev)) = (
            self.parent.part_number.clone(),
            self.parent.revision.clone(),
        ) else {
            return Err(Error::Config(
                "the parent revision has no part number or revision".into(),
            ));
        };
        let rows = self.wats.product().hierarchy(&pn, &rev).await?;
        self.loaded = rows
            .into_iter()
            .filter(|r| r.hlevel == Some(1) && r.product_revision_relation_id.is_some())
            .map(|r| ProductRevisionRelation {
                product_revision_relation_id: r.product_revision_relation_id,
                parent_product_revision_id: r.parent_product_revision_id,
                child_product_revision_id: r.product_revision_id,
                quantity: r.quantity,
                revision_mask: r.revision_mask,
                child_part_number: r.part_number,
                child_revision: r.revision,
                ..ProductRevisionRelation::default()
            })
            .collect();
        self.wanted = self.loaded.clone();
        Ok(())
    }

    /// Sends the changes (deletions, updates, additions) and reloads.
    pub async fn save(&mut self) -> Result<()> {
        let product = self.wats.product();
        let kept: Vec<Uuid> = self
            .wanted
            .iter()
            .filter_map(|r| r.product_revision_relation_id)
            .collect();
        for old in &self.loaded {
            if let Some(id) = old
                .product_revision_relation_id
                .filter(|id| !kept.contains(id))
            {
                product.delete_relation(id).await?;
            }
        }
        for r in &self.wanted {
            let Some(id) = r.product_revision_relation_id else {
                continue;
            };
            if self
                .loaded
                .iter()
                .find(|o| o.product_revision_relation_id == Some(id))
                != Some(r)
            {
                product.update_relation(r).await?;
            }
        }
        for r in self
            .wanted
            .iter()
            .filter(|r| r.product_revision_relation_id.is_none())
        {
            product.add_relation(r).await?;
        }
        self.reload().await
    }
}
