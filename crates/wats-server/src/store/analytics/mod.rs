//! Analytics over the stored reports: the `WATSFilter` ([`filter`]), the `dimensions` string
//! ([`dims`]), yield ([`yields`]), step statistics ([`steps`]), measurements ([`measurements`]),
//! report lists ([`reports`]) and the internal measurement and step-status lists ([`lists`]).
//!
//! Every call runs in one read transaction (a [`ProductTx`], since product groups are
//! resolved from the Product tables), so its queries see one snapshot.

pub mod dims;
pub mod filter;
pub mod lists;
pub mod measurements;
pub mod reports;
pub mod steps;
pub mod yields;

use std::collections::{BTreeSet, HashMap};

use sqlx::Row;

use self::dims::Dim;
use self::filter::{alternatives, Criteria, Where};
use self::yields::Side;
use crate::error::ApiResult;
use crate::store::product::ProductTx;
use crate::store::Backend;
use wats_types::analytics::WatsFilter;

impl ProductTx<'_> {
    /// Stops any statement of this transaction after `limit` (PostgreSQL's
    /// `statement_timeout`; SQLite has none, the caller's own timeout answers there).
    pub async fn limit_statements(&mut self, limit: std::time::Duration) -> ApiResult<()> {
        if self.tx.backend_name().eq_ignore_ascii_case("PostgreSQL") {
            sqlx::query(&format!(
                "SET LOCAL statement_timeout = {}",
                limit.as_millis()
            ))
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }
}

/// The product groups of every part number and revision that has reports: `(pn, rev)` →
/// group names, from the groups' filters as `GET /api/App/ProductGroups` defines them.
async fn group_index(
    tx: &mut ProductTx<'_>,
) -> ApiResult<HashMap<(String, Option<String>), Vec<String>>> {
    let pairs: BTreeSet<(String, Option<String>)> =
        sqlx::query("SELECT DISTINCT pn, rev FROM reports")
            .fetch_all(&mut *tx.tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<sqlx::Result<_>>()?;
    let mut out = HashMap::new();
    for (pn, rev) in pairs {
        let groups: Vec<String> = tx
            .groups_for(&pn, rev.as_deref())
            .await?
            .into_iter()
            .filter_map(|g| g.product_group_name)
            .collect();
        out.insert((pn, rev), groups);
    }
    Ok(out)
}

/// Narrows `criteria` to the part numbers and revisions of the filter's `productGroup`
/// (alternatives and wildcards match group names); none when it names no group.
pub async fn resolve_group_filter(
    tx: &mut ProductTx<'_>,
    filter: &WatsFilter,
    criteria: &mut Criteria,
) -> ApiResult<()> {
    let Some(wanted) = filter.product_group.as_deref().map(alternatives) else {
        return Ok(());
    };
    if wanted.is_empty() {
        return Ok(());
    }
    let members = group_index(tx)
        .await?
        .into_iter()
        .filter(|(_, groups)| {
            groups
                .iter()
                .any(|g| wanted.iter().any(|w| like_matches(w, g)))
        })
        .map(|(key, _)| key)
        .collect();
    criteria.group_members = Some(members);
    Ok(())
}

/// SQL `LIKE` semantics without regard to case (`%` any run, `_` one character), for values
/// matched in memory.
pub fn like_matches(pattern: &str, value: &str) -> bool {
    fn go(p: &[char], v: &[char]) -> bool {
        match p.split_first() {
            None => v.is_empty(),
            Some(('%', rest)) => (0..=v.len()).any(|i| go(rest, &v[i..])),
            Some(('_', rest)) => !v.is_empty() && go(rest, &v[1..]),
            Some((c, rest)) => v.first().is_some_and(|x| x == c) && go(rest, &v[1..]),
        }
    }
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let v: Vec<char> = value.to_lowercase().chars().collect();
    // Patterns are short; collapse runs of `%` so the recursion stays shallow.
    let mut q: Vec<char> = Vec::with_capacity(p.len());
    for c in p {
        if !(c == '%' && q.last() == Some(&'%')) {
            q.push(c);
        }
    }
    go(&q, &v)
}

/// Loads the multi-valued dimensions `dims` needs, for the reports the filter matches.
pub async fn load_side(
    tx: &mut ProductTx<'_>,
    backend: Backend,
    criteria: &Criteria,
    dims: &[Dim],
) -> ApiResult<Side> {
    let mut side = Side::default();
    let mut w = Where::default();
    w.push("r.report_type = 'T'".into());
    criteria.conditions(&mut w, backend, true);
    if dims
        .iter()
        .any(|d| matches!(d, Dim::MiscInfoDescription | Dim::MiscInfoString))
    {
        let sql = format!(
            "SELECT mi.report_id, mi.description, mi.text_value FROM report_misc_infos mi \
             JOIN reports r ON r.id = mi.report_id{} ORDER BY mi.report_id, mi.idx",
            w.sql()
        );
        for row in w.apply(sqlx::query(&sql)).fetch_all(&mut *tx.tx).await? {
            side.misc
                .entry(row.try_get(0)?)
                .or_default()
                .push((row.try_get(1)?, row.try_get(2)?));
        }
    }
    if dims.contains(&Dim::AssetSerialNumber) {
        let sql = format!(
            "SELECT ra.report_id, ra.asset_sn FROM report_assets ra \
             JOIN reports r ON r.id = ra.report_id{} ORDER BY ra.report_id, ra.idx",
            w.sql()
        );
        for row in w.apply(sqlx::query(&sql)).fetch_all(&mut *tx.tx).await? {
            if let Some(sn) = row.try_get::<Option<String>, _>(1)? {
                side.assets.entry(row.try_get(0)?).or_default().push(sn);
            }
        }
    }
    if dims.contains(&Dim::ProductGroup) {
        side.groups = group_index(tx).await?;
    }
    Ok(side)
}

#[cfg(test)]
mod tests {
    use super::like_matches;

    #[test]
    fn like() {
        assert!(like_matches("PCB-%", "pcb-12"));
        assert!(like_matches("PCB-_2", "PCB-12"));
        assert!(!like_matches("PCB-_", "PCB-12"));
        assert!(like_matches("%%a%", "xxAyy"));
        assert!(!like_matches("a", "b"));
    }
}
