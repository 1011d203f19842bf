//! Levels (client groups): WATS's system-manager hierarchy, addressed by the names from the
//! top level down (`["Europe", "Oslo", "Line 2"]`).

use sqlx::Row;

use super::product::{key, required};
use super::Store;
use crate::error::{ApiError, ApiResult};

/// The deepest hierarchy accepted (a bound on a request's work).
pub const MAX_LEVEL_DEPTH: usize = 32;

fn check(hierarchy: &[String]) -> ApiResult<()> {
    if hierarchy.is_empty() {
        return Err(ApiError::bad_request(
            "hierarchy: at least one level name is required",
        ));
    }
    if hierarchy.len() > MAX_LEVEL_DEPTH {
        return Err(ApiError::bad_request(format!(
            "hierarchy: more than {MAX_LEVEL_DEPTH} levels"
        )));
    }
    for (i, name) in hierarchy.iter().enumerate() {
        required(Some(name), &format!("hierarchy[{i}]"))?;
    }
    Ok(())
}

async fn child(
    conn: &mut sqlx::AnyConnection,
    parent: Option<i64>,
    name: &str,
) -> ApiResult<Option<i64>> {
    let row = sqlx::query(
        "SELECT level_id FROM levels WHERE COALESCE(parent_id, -1) = $1 AND name_key = $2",
    )
    .bind(parent.unwrap_or(-1))
    .bind(key(name))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

impl Store {
    /// The id of the last level of a hierarchy; `None` when some level is missing.
    pub async fn level_id(&self, hierarchy: &[String]) -> ApiResult<Option<i64>> {
        check(hierarchy)?;
        let mut conn = self.pool.acquire().await?;
        let mut at = None;
        for name in hierarchy {
            match child(&mut conn, at, name).await? {
                Some(id) => at = Some(id),
                None => return Ok(None),
            }
        }
        Ok(at)
    }

    /// Creates the levels of a hierarchy that do not exist; answers the last one's id.
    pub async fn create_levels(&self, hierarchy: &[String]) -> ApiResult<i64> {
        check(hierarchy)?;
        let _w = self.write_guard().await;
        let mut tx = self.pool.begin().await?;
        let mut at: Option<i64> = None;
        for name in hierarchy {
            if let Some(id) = child(&mut tx, at, name).await? {
                at = Some(id);
                continue;
            }
            let next: i64 = sqlx::query("SELECT COALESCE(MAX(level_id), 0) + 1 FROM levels")
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
            sqlx::query(
                "INSERT INTO levels (level_id, level_name, parent_id, name_key) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(next)
            .bind(name.trim())
            .bind(at)
            .bind(key(name.trim()))
            .execute(&mut *tx)
            .await?;
            at = Some(next);
        }
        tx.commit().await?;
        at.ok_or_else(|| ApiError::bad_request("hierarchy: at least one level name is required"))
    }
}
