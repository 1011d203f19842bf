//! Root-cause tickets: create, read, list (status flags, view, search), update, comment,
//! change status, assign, archive, and attachments up and down. Every call pyWATS's
//! root-cause service makes, including the attachment upload pyWATS cannot send (its own bug,
//! see the API notes §7).
//!
//! ```no_run
//! # async fn run(wats: wats::Wats) -> wats::Result<()> {
//! use wats::rootcause::{Ticket, TicketStatus, TicketUpdate};
//! let rc = wats.rootcause();
//! let t = rc
//!     .create(&Ticket { update: Some(TicketUpdate::comment("U7 runs hot")), ..Ticket::new("Hot PA") })
//!     .await?;
//! let id = t.ticket_id.unwrap();
//! rc.assign(id, "alice").await?;
//! rc.change_status(id, TicketStatus::IN_PROGRESS).await?;
//! # Ok(()) }
//! ```
//!
//! See `docs/sdk/rootcause.md` for a guide.

/// The guide `docs/sdk/rootcause.md`, whose examples are compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/sdk/rootcause.md")]
pub struct RootCauseGuide;

use bytes::Bytes;
use reqwest::Method;
use uuid::Uuid;

pub use wats_types::rootcause::*;

use crate::client::{Request, Wats};
use crate::error::{optional, Error, Result};

/// Root-cause calls. Get one with [`Wats::rootcause`].
#[derive(Clone, Copy, Debug)]
pub struct RootCauseHandler<'a> {
    wats: &'a Wats,
}

impl Wats {
    /// Root-cause tickets.
    pub fn rootcause(&self) -> RootCauseHandler<'_> {
        RootCauseHandler { wats: self }
    }
}

fn json(method: Method, path: &str, body: &impl serde::Serialize) -> Result<Request> {
    let bytes = serde_json::to_vec(body)
        .map_err(|e| Error::Config(format!("cannot encode the request body: {e}")))?;
    Ok(Request::new(method, path).body(bytes, "application/json"))
}

/// Boundaries for uploads; the second is used when the content holds the first.
const BOUNDARIES: [&str; 2] = [
    "wats-sdk-boundary-7f3c1e9a5b2d4068",
    "wats-sdk-boundary-0c8e2b6d4a1f9357",
];

impl RootCauseHandler<'_> {
    /// A ticket with its history; `None` when there is none.
    pub async fn ticket(&self, id: Uuid) -> Result<Option<Ticket>> {
        let req = Request::get("/api/RootCause/Ticket")
            .query("ticketId", id)
            .no_cache();
        optional(self.wats.send_json(req).await)
    }

    /// Tickets with a status among `status`'s flags (combine with [`TicketStatus::or`]), in a
    /// view, whose subject or tags contain `search`.
    pub async fn tickets(
        &self,
        status: TicketStatus,
        view: TicketView,
        search: Option<&str>,
    ) -> Result<Vec<Ticket>> {
        let req = Request::get("/api/RootCause/Tickets")
            .query("status", status.0)
            .query("view", view as i32)
            .query_opt("searchString", search)
            .no_cache();
        self.wats.send_json(req).await
    }

    /// Open tickets in a view.
    pub async fn open_tickets(&self, view: TicketView) -> Result<Vec<Ticket>> {
        self.tickets(TicketStatus::OPEN, view, None).await
    }

    /// Open and in-progress tickets in a view.
    pub async fn active_tickets(&self, view: TicketView) -> Result<Vec<Ticket>> {
        let active = TicketStatus::OPEN.or(TicketStatus::IN_PROGRESS);
        self.tickets(active, view, None).await
    }

    /// Creates a ticket (`subject` required; `update.content` is its first comment).
    pub async fn create(&self, ticket: &Ticket) -> Result<Ticket> {
        let req = json(Method::POST, "/api/RootCause/Ticket", ticket)?;
        self.wats.send_json(req).await
    }

    /// Changes a ticket (`ticketId` required): the fields set replace the stored ones;
    /// `update.content` adds a comment. The server records each change in the history.
    pub async fn update(&self, ticket: &Ticket) -> Result<Ticket> {
        let req = json(Method::PUT, "/api/RootCause/Ticket", ticket)?;
        self.wats.send_json(req).await
    }

    /// Only the id and what changes: the server keeps the rest.
    fn change(id: Uuid) -> Ticket {
        Ticket {
            ticket_id: Some(id),
            ..Ticket::default()
        }
    }

    /// Adds a comment, with attachments uploaded before ([`upload_attachment`](Self::upload_attachment)).
    pub async fn comment(&self, id: Uuid, content: &str, attachments: &[Uuid]) -> Result<Ticket> {
        let mut update = TicketUpdate::comment(content);
        update.attachments = attachments
            .iter()
            .map(|a| TicketAttachment {
                attachment_id: Some(*a),
                ..TicketAttachment::default()
            })
            .collect();
        self.update(&Ticket {
            update: Some(update),
            ..Self::change(id)
        })
        .await
    }

    /// Changes the status (the server refuses transitions it does not allow).
    pub async fn change_status(&self, id: Uuid, status: TicketStatus) -> Result<Ticket> {
        self.update(&Ticket {
            status: Some(status),
            ..Self::change(id)
        })
        .await
    }

    /// Assigns the ticket to a user.
    pub async fn assign(&self, id: Uuid, assignee: &str) -> Result<Ticket> {
        self.update(&Ticket {
            assignee: Some(assignee.to_owned()),
            ..Self::change(id)
        })
        .await
    }

    /// Archives solved tickets; answers the last one archived.
    pub async fn archive(&self, ids: &[Uuid]) -> Result<Ticket> {
        let req = json(Method::POST, "/api/RootCause/ArchiveTickets", &ids)?;
        self.wats.send_json(req).await
    }

    /// An attachment's content.
    pub async fn attachment(&self, id: Uuid) -> Result<Option<Bytes>> {
        let req = Request::get("/api/RootCause/Attachment")
            .query("attachmentId", id)
            .no_cache();
        optional(self.wats.send(req).await)
    }

    /// Uploads an attachment (multipart, field `file`); answers its id, to put in a comment.
    pub async fn upload_attachment(&self, content: &[u8], filename: &str) -> Result<Uuid> {
        let boundary = BOUNDARIES
            .into_iter()
            .find(|b| !content.windows(b.len()).any(|w| w == b.as_bytes()))
            .unwrap_or(BOUNDARIES[1]);
        let name: String = filename
            .chars()
            .map(|c| if c == '"' || c.is_control() { '_' } else { c })
            .collect();
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let content_type = if boundary == BOUNDARIES[0] {
            "multipart/form-data; boundary=wats-sdk-boundary-7f3c1e9a5b2d4068"
        } else {
            "multipart/form-data; boundary=wats-sdk-boundary-0c8e2b6d4a1f9357"
        };
        let req = Request::new(Method::POST, "/api/RootCause/Attachment").body(body, content_type);
        self.wats.send_json(req).await
    }
}
