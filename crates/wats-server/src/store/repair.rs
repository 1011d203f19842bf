//! Repair operation configurations (`repair_configs`; migration 0017): one
//! `RepairOperationConfig` document per repair process code, kept as WATS answers it.

use sqlx::Row;
use wats_types::process::RepairOperationConfig;

use super::Store;

fn parse(code: i64, doc: &str) -> sqlx::Result<RepairOperationConfig> {
    serde_json::from_str(doc).map_err(|e| {
        sqlx::Error::Decode(format!("repair configuration {code} is not valid JSON: {e}").into())
    })
}

impl Store {
    /// Every repair configuration, by process code.
    pub async fn repair_configs(&self) -> sqlx::Result<Vec<(i64, RepairOperationConfig)>> {
        let rows =
            sqlx::query("SELECT process_code, doc FROM repair_configs ORDER BY process_code")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                let code: i64 = r.try_get(0)?;
                Ok((code, parse(code, &r.try_get::<String, _>(1)?)?))
            })
            .collect()
    }

    /// The repair configuration of a process code.
    pub async fn repair_config(&self, code: i64) -> sqlx::Result<Option<RepairOperationConfig>> {
        let row = sqlx::query("SELECT doc FROM repair_configs WHERE process_code = $1")
            .bind(code)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| parse(code, &r.try_get::<String, _>(0)?))
            .transpose()
    }

    /// Creates or replaces the repair configuration of a process code.
    pub async fn put_repair_config(
        &self,
        code: i64,
        config: &RepairOperationConfig,
    ) -> sqlx::Result<()> {
        let doc = serde_json::to_string(config).map_err(|e| sqlx::Error::Encode(e.into()))?;
        let _w = self.write_guard().await;
        sqlx::query(
            "INSERT INTO repair_configs (process_code, doc) VALUES ($1, $2) \
             ON CONFLICT (process_code) DO UPDATE SET doc = excluded.doc",
        )
        .bind(code)
        .bind(doc)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
