//! Assembly: building units into a parent unit, against the parent revision's box-build
//! template (the Product domain's revision relations: child part number, revision mask,
//! quantity).
//!
//! Rules when a child is added: both units exist; a unit is not its own child, nor built into
//! a unit it contains; a child already in another parent is refused (remove it there first);
//! with a template, the child's part number must be on it, its revision accepted by the
//! line's mask, and the lines' quantity not yet reached; given `checkPartNumber` and
//! `checkRevision` (what the caller expects the child to be), the child must match them;
//! with `checkPhase`, the child must be Finalized. A parent revision without a template takes
//! any child. Both units are locked first (in key order), so concurrent edits take turns.

use std::future::Future;
use std::pin::Pin;

use wats_types::product::ProductRevisionRelation;
use wats_types::production::{
    phase, AssemblyCheck, AssemblyLine, Unit, UnitChange, UnitContent, UnitStateChange,
};

use super::product::key;
use super::production::ProductionTx;
use crate::error::{ApiError, ApiResult};

/// How deep a unit hierarchy is followed (a guard; the parent rules prevent cycles).
const MAX_DEPTH: usize = 32;

/// An add-child request.
#[derive(Clone, Debug)]
pub struct AddChild<'a> {
    /// The parent's serial number.
    pub parent_sn: &'a str,
    /// The parent's part number.
    pub parent_pn: &'a str,
    /// The child's serial number.
    pub child_sn: &'a str,
    /// The child's part number.
    pub child_pn: &'a str,
    /// The part number the caller expects the child to have.
    pub expect_part_number: Option<&'a str>,
    /// The revision (or mask, `A,B%`) the caller expects the child to have.
    pub expect_revision: Option<&'a str>,
    /// The child must be Finalized.
    pub check_phase: bool,
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or_default()
}

fn same(a: &Option<String>, b: &str) -> bool {
    text(a).eq_ignore_ascii_case(b)
}

/// The accepted revisions of a line, for messages and checks.
fn accepted(line: &ProductRevisionRelation) -> Option<String> {
    line.revision_mask
        .clone()
        .filter(|m| !m.trim().is_empty())
        .or_else(|| line.child_revision.clone())
}

/// Template lines with the children assigned to them: each child takes the first line of
/// its part number that accepts its revision and has room; the rest are unexpected.
fn assign(lines: &[ProductRevisionRelation], children: &[Unit]) -> (Vec<Vec<Unit>>, Vec<Unit>) {
    let mut on_line: Vec<Vec<Unit>> = vec![Vec::new(); lines.len()];
    let mut unexpected = Vec::new();
    for c in children {
        let slot = lines.iter().enumerate().position(|(i, l)| {
            same(&l.child_part_number, text(&c.part_number))
                && l.accepts(text(&c.revision))
                && (on_line[i].len() as i32) < l.quantity.unwrap_or(1)
        });
        match slot {
            Some(i) => on_line[i].push(c.clone()),
            None => unexpected.push(c.clone()),
        }
    }
    (on_line, unexpected)
}

impl ProductionTx<'_> {
    /// The box-build template of a part number's revision: its lines, by item number.
    pub async fn template(
        &mut self,
        pn: &str,
        revision: Option<&str>,
    ) -> ApiResult<Vec<ProductRevisionRelation>> {
        let Some(rev) = revision else {
            return Ok(Vec::new());
        };
        match self.revision(pn, rev).await? {
            Some(r) => match r.product_revision_id {
                Some(id) => self.relations_of(id).await,
                None => Ok(Vec::new()),
            },
            None => Ok(Vec::new()),
        }
    }

    /// Builds a child unit into a parent (see the module's rules).
    pub async fn add_child(&mut self, a: &AddChild<'_>) -> ApiResult<()> {
        if key(a.parent_sn) == key(a.child_sn) && key(a.parent_pn) == key(a.child_pn) {
            return Err(ApiError::bad_request(format!(
                "Unit '{}' cannot be a child unit of itself",
                a.child_sn
            )));
        }
        self.lock_units(&[(a.parent_sn, a.parent_pn), (a.child_sn, a.child_pn)])
            .await?;
        let parent = self.unit_for_update(a.parent_sn, a.parent_pn).await?;
        let mut child = self.unit_for_update(a.child_sn, a.child_pn).await?;
        let parent_key = (key(a.parent_sn), key(a.parent_pn));
        match self.parent_of(a.child_sn, a.child_pn).await? {
            Some(p) if p == parent_key => return Ok(()),
            Some((other, _)) => {
                return Err(ApiError::bad_request(format!(
                "Unit '{}' is already a child unit of unit '{}'; remove it from that unit first",
                a.child_sn,
                child.parent_serial_number.clone().unwrap_or(other)
            )))
            }
            None => {}
        }
        // The child must not contain the parent.
        let child_key = (key(a.child_sn), key(a.child_pn));
        let mut at = parent_key.clone();
        for _ in 0..MAX_DEPTH {
            match self.parent_of(&at.0, &at.1).await? {
                Some(up) if up == child_key => {
                    return Err(ApiError::bad_request(format!(
                        "Unit '{}' contains unit '{}'; a unit cannot be built into itself",
                        a.child_sn, a.parent_sn
                    )))
                }
                Some(up) => at = up,
                None => break,
            }
        }
        if let Some(want) = a.expect_part_number {
            if !same(&child.part_number, want) {
                return Err(ApiError::bad_request(format!(
                    "Unit '{}' has part number '{}', not the expected '{want}'",
                    a.child_sn,
                    text(&child.part_number)
                )));
            }
        }
        if let Some(want) = a.expect_revision {
            if !wats_types::product::mask_matches(want, text(&child.revision)) {
                return Err(ApiError::bad_request(format!(
                    "Unit '{}' has revision '{}', not the expected '{want}'",
                    a.child_sn,
                    text(&child.revision)
                )));
            }
        }
        if a.check_phase && child.unit_phase_id != Some(phase::FINALIZED) {
            return Err(ApiError::bad_request(format!(
                "Unit '{}' must be in phase Finalized to be added to a unit; it is in phase '{}'",
                a.child_sn,
                child
                    .unit_phase_id
                    .and_then(phase::name)
                    .unwrap_or("Unknown")
            )));
        }
        let rev = parent.revision.clone();
        let lines = self.template(a.parent_pn, rev.as_deref()).await?;
        if !lines.is_empty() {
            self.check_template(a, &parent, &child, &lines).await?;
        }
        self.set_parent(&mut child, Some(&parent)).await?;
        self.record(
            &parent,
            UnitStateChange {
                change_type: "ChildAdded".into(),
                unit_phase_id: parent.unit_phase_id,
                child_serial_number: child.serial_number.clone(),
                child_part_number: child.part_number.clone(),
                ..UnitStateChange::default()
            },
            None,
        )
        .await?;
        self.record(
            &child,
            UnitStateChange {
                change_type: "ParentSet".into(),
                unit_phase_id: child.unit_phase_id,
                comment: Some(format!("added to unit '{}'", a.parent_sn)),
                ..UnitStateChange::default()
            },
            Some(UnitChange {
                new_parent_serial_number: parent.serial_number.clone(),
                new_unit_phase_id: child.unit_phase_id,
                ..UnitChange::default()
            }),
        )
        .await
    }

    async fn check_template(
        &mut self,
        a: &AddChild<'_>,
        parent: &Unit,
        child: &Unit,
        lines: &[ProductRevisionRelation],
    ) -> ApiResult<()> {
        let prev = text(&parent.revision);
        let crev = text(&child.revision);
        let of_part: Vec<&ProductRevisionRelation> = lines
            .iter()
            .filter(|l| same(&l.child_part_number, a.child_pn))
            .collect();
        if of_part.is_empty() {
            return Err(ApiError::bad_request(format!(
                "Part number '{}' is not in the box build template of '{}' revision '{}'",
                a.child_pn, a.parent_pn, prev
            )));
        }
        let ok: Vec<&ProductRevisionRelation> = of_part
            .iter()
            .copied()
            .filter(|l| l.accepts(crev))
            .collect();
        if ok.is_empty() {
            let masks: Vec<String> = of_part.iter().filter_map(|l| accepted(l)).collect();
            return Err(ApiError::bad_request(format!(
                "Revision '{crev}' of part number '{}' is not accepted by the box build template \
                 of '{}' revision '{prev}' (accepted: {})",
                a.child_pn,
                a.parent_pn,
                masks.join("; ")
            )));
        }
        let room: i32 = ok.iter().map(|l| l.quantity.unwrap_or(1)).sum();
        let attached = self
            .children(a.parent_sn, a.parent_pn)
            .await?
            .iter()
            .filter(|c| same(&c.part_number, a.child_pn))
            .filter(|c| ok.iter().any(|l| l.accepts(text(&c.revision))))
            .count() as i32;
        if attached >= room {
            return Err(ApiError::bad_request(format!(
                "The box build template of '{}' revision '{prev}' takes {room} unit(s) of part \
                 number '{}'; {attached} already attached",
                a.parent_pn, a.child_pn
            )));
        }
        Ok(())
    }

    /// Takes a child unit out of its parent; 400 when it is not the parent's child.
    pub async fn remove_child(
        &mut self,
        parent_sn: &str,
        parent_pn: &str,
        child_sn: &str,
        child_pn: &str,
    ) -> ApiResult<()> {
        self.lock_units(&[(parent_sn, parent_pn), (child_sn, child_pn)])
            .await?;
        let parent = self.existing_unit(parent_sn, parent_pn).await?;
        let mut child = self.existing_unit(child_sn, child_pn).await?;
        if self.parent_of(child_sn, child_pn).await? != Some((key(parent_sn), key(parent_pn))) {
            return Err(ApiError::bad_request(format!(
                "Unit '{child_sn}' is not a child unit of unit '{parent_sn}'"
            )));
        }
        self.detach(&parent, &mut child).await
    }

    async fn detach(&mut self, parent: &Unit, child: &mut Unit) -> ApiResult<()> {
        self.set_parent(child, None).await?;
        self.record(
            parent,
            UnitStateChange {
                change_type: "ChildRemoved".into(),
                unit_phase_id: parent.unit_phase_id,
                child_serial_number: child.serial_number.clone(),
                child_part_number: child.part_number.clone(),
                ..UnitStateChange::default()
            },
            None,
        )
        .await?;
        self.record(
            child,
            UnitStateChange {
                change_type: "ParentRemoved".into(),
                unit_phase_id: child.unit_phase_id,
                comment: Some(format!(
                    "removed from unit '{}'",
                    text(&parent.serial_number)
                )),
                ..UnitStateChange::default()
            },
            Some(UnitChange {
                new_parent_serial_number: Some(String::new()),
                new_unit_phase_id: child.unit_phase_id,
                ..UnitChange::default()
            }),
        )
        .await
    }

    /// Takes every child out of a unit; answers how many there were.
    pub async fn remove_all_children(&mut self, sn: &str, pn: &str) -> ApiResult<usize> {
        let parent = self.unit_for_update(sn, pn).await?;
        let children = self.children(sn, pn).await?;
        for mut c in children.clone() {
            let (csn, cpn) = (
                text(&c.serial_number).to_owned(),
                text(&c.part_number).to_owned(),
            );
            self.lock_units(&[(&csn, &cpn)]).await?;
            self.detach(&parent, &mut c).await?;
        }
        Ok(children.len())
    }

    /// Whether a unit's children fulfil its revision's template (`revision`, else the
    /// unit's own).
    pub async fn check_children(
        &mut self,
        sn: &str,
        pn: &str,
        revision: Option<&str>,
    ) -> ApiResult<AssemblyCheck> {
        let unit = self.existing_unit(sn, pn).await?;
        let rev = revision
            .map(str::to_owned)
            .or_else(|| unit.revision.clone())
            .unwrap_or_default();
        let lines = self.template(pn, Some(&rev)).await?;
        let children = self.children(sn, pn).await?;
        let (on_line, unexpected) = assign(&lines, &children);
        let lines: Vec<AssemblyLine> = lines
            .iter()
            .zip(&on_line)
            .map(|(l, units)| AssemblyLine {
                part_number: text(&l.child_part_number).to_owned(),
                revision_mask: accepted(l),
                item_number: l.item_number.clone(),
                quantity: l.quantity.unwrap_or(1),
                count: units.len() as i32,
            })
            .collect();
        let missing: Vec<AssemblyLine> = lines
            .iter()
            .filter(|l| l.count < l.quantity)
            .cloned()
            .collect();
        let missing_count = missing.iter().map(|l| l.quantity - l.count).sum();
        Ok(AssemblyCheck {
            serial_number: text(&unit.serial_number).to_owned(),
            part_number: text(&unit.part_number).to_owned(),
            revision: rev,
            is_complete: missing.is_empty() && unexpected.is_empty(),
            missing_count,
            missing_parts: missing,
            lines,
            unexpected,
            child_units: children,
        })
    }

    /// A unit with its children, theirs, and so on (`GetUnitHierarchy`).
    pub async fn hierarchy(&mut self, sn: &str, pn: &str) -> ApiResult<Unit> {
        let mut root = self.existing_unit(sn, pn).await?;
        self.complete(&mut root, false).await?;
        self.subtree(root, 0).await
    }

    fn subtree(
        &mut self,
        mut u: Unit,
        depth: usize,
    ) -> Pin<Box<dyn Future<Output = ApiResult<Unit>> + Send + '_>> {
        Box::pin(async move {
            let kids = self
                .children(text(&u.serial_number), text(&u.part_number))
                .await?;
            let mut out = Vec::with_capacity(kids.len());
            for mut k in kids {
                k.unit_phase = k.unit_phase_id.and_then(phase::name).map(str::to_owned);
                out.push(if depth + 1 < MAX_DEPTH {
                    self.subtree(k, depth + 1).await?
                } else {
                    k
                });
            }
            u.sub_units = Some(out);
            Ok(u)
        })
    }

    /// The unit's revision and template lines with the units on them (`GetUnitContents`).
    pub async fn contents(
        &mut self,
        sn: &str,
        pn: &str,
        revision: Option<&str>,
    ) -> ApiResult<UnitContent> {
        let mut unit = self.existing_unit(sn, pn).await?;
        self.complete(&mut unit, false).await?;
        let rev = revision
            .map(str::to_owned)
            .or_else(|| unit.revision.clone())
            .unwrap_or_default();
        let r = self.revision(pn, &rev).await?;
        let bom = match r.as_ref().and_then(|r| r.product_revision_id) {
            Some(id) => !self.bom(id).await?.is_empty(),
            None => false,
        };
        let lines = self.template(pn, Some(&rev)).await?;
        let children = self.children(sn, pn).await?;
        let (on_line, _) = assign(&lines, &children);
        let rows = lines
            .iter()
            .zip(on_line)
            .map(|(l, units)| UnitContent {
                part_number: l.child_part_number.clone(),
                revision: l.child_revision.clone(),
                revision_mask: accepted(l),
                level: Some(1),
                units: Some(units),
                ..UnitContent::default()
            })
            .collect();
        Ok(UnitContent {
            part_number: unit.part_number.clone(),
            revision: Some(rev),
            product_name: unit.product.as_ref().and_then(|p| p.name.clone()),
            revision_name: r.and_then(|r| r.name),
            is_bom_loaded: Some(bom),
            level: Some(0),
            children: Some(rows),
            units: Some(vec![unit]),
            ..UnitContent::default()
        })
    }
}
