//! Manual-inspection definitions and relations (`mi_definitions`, `mi_relations`; migration
//! 0016), kept as their JSON documents; a definition's XAML in its own column.

use sqlx::Row;
use wats_types::manual_inspection::{TestSequenceDefinition, TestSequenceRelation};

use super::Store;

fn parse<T: serde::de::DeserializeOwned>(doc: &str) -> sqlx::Result<T> {
    serde_json::from_str(doc).map_err(|e| {
        sqlx::Error::Decode(format!("a stored inspection record is not valid JSON: {e}").into())
    })
}

fn text<T: serde::Serialize>(v: &T) -> sqlx::Result<String> {
    serde_json::to_string(v).map_err(|e| sqlx::Error::Encode(e.into()))
}

impl Store {
    /// Definitions (without relations or XAML), global or not, or all.
    pub async fn mi_definitions(
        &self,
        global: Option<bool>,
    ) -> sqlx::Result<Vec<TestSequenceDefinition>> {
        let rows = match global {
            Some(g) => {
                sqlx::query("SELECT doc FROM mi_definitions WHERE is_global = $1")
                    .bind(g as i64)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query("SELECT doc FROM mi_definitions")
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        let mut out: Vec<TestSequenceDefinition> = rows
            .iter()
            .map(|r| parse(&r.try_get::<String, _>(0)?))
            .collect::<sqlx::Result<_>>()?;
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// A definition (without relations) and its XAML.
    pub async fn mi_definition(
        &self,
        id: &str,
    ) -> sqlx::Result<Option<(TestSequenceDefinition, Option<String>)>> {
        let row = sqlx::query("SELECT doc, xaml FROM mi_definitions WHERE definition_id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((parse(&r.try_get::<String, _>(0)?)?, r.try_get(1)?)))
            .transpose()
    }

    /// Inserts or replaces a definition (relations and XAML are stored apart: `xaml` `None`
    /// keeps the stored one).
    pub async fn put_mi_definition(
        &self,
        d: &TestSequenceDefinition,
        xaml: Option<&str>,
    ) -> sqlx::Result<()> {
        let mut doc = d.clone();
        doc.relations.clear();
        doc.xaml = None;
        doc.instances_count = None;
        let _w = self.write_guard().await;
        sqlx::query(
            "INSERT INTO mi_definitions (definition_id, is_global, doc, xaml) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (definition_id) DO UPDATE SET \
             is_global = excluded.is_global, doc = excluded.doc, \
             xaml = COALESCE(excluded.xaml, mi_definitions.xaml)",
        )
        .bind(
            d.test_sequence_definition_id
                .unwrap_or_default()
                .to_string(),
        )
        .bind(d.is_global.unwrap_or(false) as i64)
        .bind(text(&doc)?)
        .bind(xaml.map(str::to_owned))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes a definition with its relations; false when there was none.
    pub async fn delete_mi_definition(&self, id: &str) -> sqlx::Result<bool> {
        let _w = self.write_guard().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM mi_relations WHERE definition_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM mi_definitions WHERE definition_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// The relations of a definition, or of every definition.
    pub async fn mi_relations(
        &self,
        definition: Option<&str>,
    ) -> sqlx::Result<Vec<TestSequenceRelation>> {
        let rows = match definition {
            Some(id) => {
                sqlx::query("SELECT doc FROM mi_relations WHERE definition_id = $1")
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query("SELECT doc FROM mi_relations")
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter()
            .map(|r| parse(&r.try_get::<String, _>(0)?))
            .collect()
    }

    /// A relation by id.
    pub async fn mi_relation(&self, id: &str) -> sqlx::Result<Option<TestSequenceRelation>> {
        let row = sqlx::query("SELECT doc FROM mi_relations WHERE relation_id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| parse(&r.try_get::<String, _>(0)?)).transpose()
    }

    /// Inserts or replaces a relation.
    pub async fn put_mi_relation(&self, r: &TestSequenceRelation) -> sqlx::Result<()> {
        let _w = self.write_guard().await;
        sqlx::query(
            "INSERT INTO mi_relations (relation_id, definition_id, doc) VALUES ($1, $2, $3) \
             ON CONFLICT (relation_id) DO UPDATE SET definition_id = excluded.definition_id, \
             doc = excluded.doc",
        )
        .bind(r.test_sequence_relation_id.unwrap_or_default().to_string())
        .bind(
            r.test_sequence_definition_id
                .unwrap_or_default()
                .to_string(),
        )
        .bind(text(r)?)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes a relation; false when there was none.
    pub async fn delete_mi_relation(&self, id: &str) -> sqlx::Result<bool> {
        let _w = self.write_guard().await;
        let done = sqlx::query("DELETE FROM mi_relations WHERE relation_id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
