//! Root-cause tickets and their attachments (`rootcause_tickets`, `rootcause_attachments`;
//! migration 0015). A ticket is kept whole as its JSON (history included); status, owner and
//! assignee are columns for the lists.

use sqlx::Row;
use wats_types::rootcause::Ticket;

use super::Store;

fn parse(doc: &str) -> sqlx::Result<Ticket> {
    serde_json::from_str(doc)
        .map_err(|e| sqlx::Error::Decode(format!("a stored ticket is not valid JSON: {e}").into()))
}

/// An attachment as stored.
pub struct Attachment {
    /// File name.
    pub filename: String,
    /// Media type.
    pub content_type: String,
    /// Content.
    pub data: Vec<u8>,
}

impl Store {
    /// A ticket by id.
    pub async fn ticket(&self, id: &str) -> sqlx::Result<Option<Ticket>> {
        let row = sqlx::query("SELECT doc FROM rootcause_tickets WHERE ticket_id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| parse(&r.try_get::<String, _>(0)?)).transpose()
    }

    /// Tickets whose status has a flag of `status`, newest change first.
    pub async fn tickets(&self, status: i64) -> sqlx::Result<Vec<Ticket>> {
        // Bit tests differ between the backends' SQL; the statuses are six values.
        let wanted: Vec<i64> = (0..6).map(|b| 1 << b).filter(|f| status & f != 0).collect();
        let mut out = Vec::new();
        for s in wanted {
            let rows =
                sqlx::query("SELECT doc, updated_utc FROM rootcause_tickets WHERE status = $1")
                    .bind(s)
                    .fetch_all(&self.pool)
                    .await?;
            for r in rows {
                out.push((r.try_get::<i64, _>(1)?, parse(&r.try_get::<String, _>(0)?)?));
            }
        }
        out.sort_by_key(|t| std::cmp::Reverse(t.0));
        Ok(out.into_iter().map(|(_, t)| t).collect())
    }

    /// Inserts a ticket (its number is the next free one) and returns it numbered.
    pub async fn insert_ticket(&self, mut t: Ticket, updated_utc: i64) -> sqlx::Result<Ticket> {
        let _w = self.write_guard().await;
        let mut tx = self.pool.begin().await?;
        let next: i64 =
            sqlx::query("SELECT COALESCE(MAX(ticket_number), 0) + 1 FROM rootcause_tickets")
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
        t.ticket_number = i32::try_from(next).ok();
        sqlx::query(
            "INSERT INTO rootcause_tickets (ticket_id, ticket_number, status, owner, assignee, \
             updated_utc, doc) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(t.ticket_id.unwrap_or_default().to_string())
        .bind(next)
        .bind(i64::from(t.status.unwrap_or_default().0))
        .bind(t.owner.clone())
        .bind(t.assignee.clone())
        .bind(updated_utc)
        .bind(serde_json::to_string(&t).map_err(|e| sqlx::Error::Encode(e.into()))?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(t)
    }

    /// Writes a changed ticket.
    pub async fn update_ticket(&self, t: &Ticket, updated_utc: i64) -> sqlx::Result<()> {
        let _w = self.write_guard().await;
        sqlx::query(
            "UPDATE rootcause_tickets SET status = $2, owner = $3, assignee = $4, \
             updated_utc = $5, doc = $6 WHERE ticket_id = $1",
        )
        .bind(t.ticket_id.unwrap_or_default().to_string())
        .bind(i64::from(t.status.unwrap_or_default().0))
        .bind(t.owner.clone())
        .bind(t.assignee.clone())
        .bind(updated_utc)
        .bind(serde_json::to_string(t).map_err(|e| sqlx::Error::Encode(e.into()))?)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stores an attachment.
    pub async fn insert_ticket_attachment(
        &self,
        id: &str,
        a: &Attachment,
        user: &str,
    ) -> sqlx::Result<()> {
        let _w = self.write_guard().await;
        sqlx::query(
            "INSERT INTO rootcause_attachments (attachment_id, filename, content_type, \
             uploaded_by, created_utc, data) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(&a.filename)
        .bind(&a.content_type)
        .bind(user)
        .bind(chrono::Utc::now().timestamp_micros())
        .bind(&a.data)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// An attachment by id.
    pub async fn ticket_attachment(&self, id: &str) -> sqlx::Result<Option<Attachment>> {
        let row = sqlx::query(
            "SELECT filename, content_type, data FROM rootcause_attachments \
             WHERE attachment_id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Attachment {
                filename: r.try_get(0)?,
                content_type: r.try_get(1)?,
                data: r.try_get(2)?,
            })
        })
        .transpose()
    }

    /// The file name of an attachment, if it exists.
    pub async fn ticket_attachment_name(&self, id: &str) -> sqlx::Result<Option<String>> {
        let row =
            sqlx::query("SELECT filename FROM rootcause_attachments WHERE attachment_id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| r.try_get(0)).transpose()
    }
}
