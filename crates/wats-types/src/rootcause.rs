//! Root-cause tickets (`/api/RootCause/*`): a ticket, its history of updates and their
//! attachments, as WATS's OpenAPI names them (`Virinco.WATS.Web.Models.RootCause.*`).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::{Extra, Setting};

/// A ticket's status: bit flags, so that a query may ask for several at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct TicketStatus(pub i32);

impl TicketStatus {
    /// New, not yet started.
    pub const OPEN: TicketStatus = TicketStatus(1);
    /// Being worked on.
    pub const IN_PROGRESS: TicketStatus = TicketStatus(2);
    /// Waiting.
    pub const ON_HOLD: TicketStatus = TicketStatus(4);
    /// Solved, awaiting closing or archiving.
    pub const SOLVED: TicketStatus = TicketStatus(8);
    /// Closed.
    pub const CLOSED: TicketStatus = TicketStatus(16);
    /// Archived (only a solved ticket, through `ArchiveTickets`); final.
    pub const ARCHIVED: TicketStatus = TicketStatus(32);
    /// Every status.
    pub const ALL: TicketStatus = TicketStatus(63);

    /// Both sets of flags.
    pub fn or(self, other: TicketStatus) -> TicketStatus {
        TicketStatus(self.0 | other.0)
    }

    /// Whether any flag of `other` is set here.
    pub fn intersects(self, other: TicketStatus) -> bool {
        self.0 & other.0 != 0
    }

    /// The status's name, for a single flag.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            TicketStatus::OPEN => "Open",
            TicketStatus::IN_PROGRESS => "In progress",
            TicketStatus::ON_HOLD => "On hold",
            TicketStatus::SOLVED => "Solved",
            TicketStatus::CLOSED => "Closed",
            TicketStatus::ARCHIVED => "Archived",
            _ => return None,
        })
    }
}

/// A ticket's priority: 0 low, 1 medium, 2 high.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct TicketPriority(pub i32);

impl TicketPriority {
    /// Low.
    pub const LOW: TicketPriority = TicketPriority(0);
    /// Medium.
    pub const MEDIUM: TicketPriority = TicketPriority(1);
    /// High.
    pub const HIGH: TicketPriority = TicketPriority(2);
}

/// Which tickets `GET /api/RootCause/Tickets` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketView {
    /// Assigned to the caller (0).
    Assigned = 0,
    /// Followed by the caller (1): owned, assigned, or commented on.
    Following = 1,
    /// All tickets (2).
    All = 2,
}

/// What a history entry records (`updateType`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct UpdateType(pub i32);

impl UpdateType {
    /// A comment (text).
    pub const CONTENT: UpdateType = UpdateType(0);
    /// The progress text changed.
    pub const PROGRESS: UpdateType = UpdateType(1);
    /// Properties changed (status, assignee, priority, ...).
    pub const PROPERTIES: UpdateType = UpdateType(2);
    /// A notification (reminder, mail).
    pub const NOTIFICATION: UpdateType = UpdateType(3);
}

/// An attachment of an update.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TicketAttachment {
    /// Its id (from `POST /api/RootCause/Attachment`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment_id: Option<Uuid>,
    /// Its file name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// One entry of a ticket's history, or (as `update`) a comment sent with a change.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TicketUpdate {
    /// Id (set by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_id: Option<Uuid>,
    /// When (set by the server, ISO 8601 UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_utc: Option<String>,
    /// Who (set by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_user: Option<String>,
    /// The text: the comment, or what changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// What it records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_type: Option<UpdateType>,
    /// Attachments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<TicketAttachment>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

impl TicketUpdate {
    /// A comment.
    pub fn comment(content: impl Into<String>) -> Self {
        TicketUpdate {
            content: Some(content.into()),
            ..TicketUpdate::default()
        }
    }
}

/// A root-cause ticket.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    /// Id (set by the server on create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<Uuid>,
    /// Number, 1, 2, ... (set by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_number: Option<i32>,
    /// Progress text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<String>,
    /// Who created it (set by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Who works on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// Title (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Status (one flag).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TicketStatus>,
    /// Priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<TicketPriority>,
    /// The report it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_uuid: Option<Uuid>,
    /// Created (set by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_utc: Option<String>,
    /// Last changed (set by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_utc: Option<String>,
    /// Team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Origin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Setting>,
    /// Every change, oldest first (kept by the server; ignored in requests).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<TicketUpdate>,
    /// In a request: a comment to add with the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update: Option<TicketUpdate>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

impl Ticket {
    /// A ticket to create.
    pub fn new(subject: impl Into<String>) -> Self {
        Ticket {
            subject: Some(subject.into()),
            ..Ticket::default()
        }
    }
}
