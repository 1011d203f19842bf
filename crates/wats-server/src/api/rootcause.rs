//! `/api/RootCause/*`: tickets, their history, status changes and attachments.
//!
//! The server keeps the history: every change a `PUT` makes (status, assignee, priority,
//! subject, team, tags, progress) becomes an entry naming who and when, and the request's
//! `update.content` becomes a comment entry with its attachments. A request's own `history`,
//! `owner`, `ticketNumber` and times are ignored. Status changes follow [`allowed`]; archiving
//! is `ArchiveTickets`' alone, for solved tickets, and final.
//!
//! `view`: 0 the caller's assigned tickets, 1 those it follows (owns, is assigned, or wrote in),
//! 2 all (any user with `RootCause.Read`; WATS asks for "Manage All Tickets" there, which this
//! server's roles do not split out).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wats_types::rootcause::{
    Ticket, TicketAttachment, TicketPriority, TicketStatus, TicketUpdate, UpdateType,
};

use super::{json_body, required_param, Params};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::store::rootcause::Attachment;
use crate::AppState;

/// The largest attachment (the request body limit bounds it too).
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
const MAX_SUBJECT: usize = 256;
const MAX_TEXT: usize = 64 * 1024;

/// The root-cause routes.
pub fn routes(router: OpenApiRouter<Arc<AppState>>) -> OpenApiRouter<Arc<AppState>> {
    router
        .routes(routes!(get_ticket, post_ticket, put_ticket))
        .routes(routes!(get_tickets))
        .routes(routes!(archive_tickets))
        .routes(routes!(get_attachment, post_attachment))
}

fn now() -> (i64, String) {
    let t = chrono::Utc::now();
    (
        t.timestamp_micros(),
        t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    )
}

/// Whether a ticket may go from `from` to `to` by a `PUT`.
pub fn allowed(from: TicketStatus, to: TicketStatus) -> bool {
    use TicketStatus as S;
    let next: &[TicketStatus] = match from {
        S::OPEN => &[S::IN_PROGRESS, S::ON_HOLD, S::SOLVED, S::CLOSED],
        S::IN_PROGRESS => &[S::OPEN, S::ON_HOLD, S::SOLVED, S::CLOSED],
        S::ON_HOLD => &[S::OPEN, S::IN_PROGRESS, S::CLOSED],
        S::SOLVED => &[S::OPEN, S::IN_PROGRESS, S::CLOSED],
        S::CLOSED => &[S::OPEN],
        _ => &[],
    };
    from == to || next.contains(&to)
}

fn status_name(s: TicketStatus) -> String {
    s.name().map_or_else(|| s.0.to_string(), str::to_owned)
}

fn text(v: &Option<String>, field: &str, max: usize) -> ApiResult<()> {
    match v {
        Some(s) if s.chars().count() > max => Err(ApiError::bad_request(format!(
            "{field} is longer than {max} characters"
        ))),
        _ => Ok(()),
    }
}

fn check_fields(t: &Ticket) -> ApiResult<()> {
    text(&t.subject, "subject", MAX_SUBJECT)?;
    text(&t.progress, "progress", MAX_TEXT)?;
    for (v, f) in [
        (&t.assignee, "assignee"),
        (&t.team, "team"),
        (&t.origin, "origin"),
    ] {
        text(v, f, MAX_SUBJECT)?;
    }
    if let Some(p) = t.priority {
        if !(0..=2).contains(&p.0) {
            return Err(ApiError::bad_request(format!(
                "priority {} is not 0 (low), 1 (medium) or 2 (high)",
                p.0
            )));
        }
    }
    if let Some(u) = &t.update {
        text(&u.content, "update.content", MAX_TEXT)?;
    }
    Ok(())
}

/// The request's comment as a history entry (its attachments must exist).
async fn comment(
    state: &AppState,
    update: Option<&TicketUpdate>,
    user: &str,
    when: &str,
) -> ApiResult<Option<TicketUpdate>> {
    let Some(u) = update else { return Ok(None) };
    let content = u.content.clone().filter(|c| !c.trim().is_empty());
    if content.is_none() && u.attachments.is_empty() {
        return Ok(None);
    }
    let mut attachments = Vec::new();
    for (i, a) in u.attachments.iter().enumerate() {
        let id = a.attachment_id.ok_or_else(|| {
            ApiError::bad_request(format!("update.attachments[{i}].attachmentId is required"))
        })?;
        let name = state
            .store
            .ticket_attachment_name(&id.to_string())
            .await?
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "update.attachments[{i}]: no attachment {id} (upload it first)"
                ))
            })?;
        attachments.push(TicketAttachment {
            attachment_id: Some(id),
            filename: Some(name),
            extra: Default::default(),
        });
    }
    Ok(Some(entry(
        user,
        when,
        UpdateType::CONTENT,
        content,
        attachments,
    )))
}

fn entry(
    user: &str,
    when: &str,
    kind: UpdateType,
    content: Option<String>,
    attachments: Vec<TicketAttachment>,
) -> TicketUpdate {
    TicketUpdate {
        update_id: Some(uuid::Uuid::new_v4()),
        update_utc: Some(when.to_owned()),
        update_user: Some(user.to_owned()),
        content,
        update_type: Some(kind),
        attachments,
        extra: Default::default(),
    }
}

fn ticket_id(params: &Params) -> ApiResult<String> {
    let id = required_param(params, "ticketId")?;
    Ok(super::parse_uuid(id, "ticketId")?.to_string())
}

/// One ticket, with its history.
#[utoipa::path(get, path = "/api/RootCause/Ticket", tag = "RootCause",
    params(("ticketId" = uuid::Uuid, Query, description = "The ticket")),
    responses((status = 200, body = Ticket), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn get_ticket(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Ticket>> {
    let id = ticket_id(&Params::parse(query.as_deref())?)?;
    state
        .store
        .ticket(&id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("No ticket {id}")))
}

/// Tickets with a status among the flags of `status`, in a `view` (0 assigned to the caller,
/// 1 followed, 2 all), whose subject or tags contain `searchString`; newest change first.
#[utoipa::path(get, path = "/api/RootCause/Tickets", tag = "RootCause",
    params(("status" = i32, Query, description = "Status flags (1 open, 2 in progress, 4 on hold, 8 solved, 16 closed, 32 archived)"),
           ("view" = i32, Query, description = "0 assigned, 1 following, 2 all"),
           ("searchString" = Option<String>, Query, description = "In subject, tag names or values")),
    responses((status = 200, body = Vec<Ticket>), (status = 400, body = ErrorBody)))]
pub async fn get_tickets(
    State(state): State<Arc<AppState>>,
    Extension(me): Extension<Principal>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<Ticket>>> {
    let params = Params::parse(query.as_deref())?;
    let status = params
        .int("status")?
        .ok_or_else(|| ApiError::bad_request("The query parameter status is required."))?;
    if !(1..=TicketStatus::ALL.0 as i64).contains(&status) {
        return Err(ApiError::bad_request(format!(
            "status {status} is not a combination of 1, 2, 4, 8, 16 and 32"
        )));
    }
    let view = params
        .int("view")?
        .ok_or_else(|| ApiError::bad_request("The query parameter view is required."))?;
    if !(0..=2).contains(&view) {
        return Err(ApiError::bad_request(format!(
            "view {view} is not 0 (assigned), 1 (following) or 2 (all)"
        )));
    }
    let search = params
        .get("searchString")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_lowercase);
    let me = me.username.as_str();
    let mine = |v: &Option<String>| v.as_deref() == Some(me);
    let list = state
        .store
        .tickets(status)
        .await?
        .into_iter()
        .filter(|t| match view {
            0 => mine(&t.assignee),
            1 => {
                mine(&t.owner)
                    || mine(&t.assignee)
                    || t.history.iter().any(|u| mine(&u.update_user))
            }
            _ => true,
        })
        .filter(|t| {
            let Some(s) = &search else { return true };
            let has =
                |v: &Option<String>| v.as_deref().is_some_and(|v| v.to_lowercase().contains(s));
            has(&t.subject) || t.tags.iter().any(|g| has(&g.key) || has(&g.value))
        })
        .collect();
    Ok(Json(list))
}

/// Creates a ticket (`subject` required): open, owned by the caller, numbered; the request's
/// `update.content` is its first comment.
#[utoipa::path(post, path = "/api/RootCause/Ticket", tag = "RootCause", request_body = Ticket,
    responses((status = 200, body = Ticket), (status = 400, body = ErrorBody)))]
pub async fn post_ticket(
    State(state): State<Arc<AppState>>,
    Extension(me): Extension<Principal>,
    body: Bytes,
) -> ApiResult<Json<Ticket>> {
    let req: Ticket = json_body(&body, "ticket")?;
    check_fields(&req)?;
    if req.subject.as_deref().is_none_or(|s| s.trim().is_empty()) {
        return Err(ApiError::bad_request("subject is required"));
    }
    if req.status.is_some_and(|s| s != TicketStatus::OPEN) {
        return Err(ApiError::bad_request("a new ticket is open (status 1)"));
    }
    let (micros, when) = now();
    let user = me.username.as_str();
    let mut t = Ticket {
        ticket_id: Some(uuid::Uuid::new_v4()),
        ticket_number: None,
        owner: Some(user.to_owned()),
        status: Some(TicketStatus::OPEN),
        priority: Some(req.priority.unwrap_or(TicketPriority::MEDIUM)),
        created_utc: Some(when.clone()),
        updated_utc: Some(when.clone()),
        history: vec![entry(
            user,
            &when,
            UpdateType::PROPERTIES,
            Some("Created".into()),
            Vec::new(),
        )],
        update: None,
        ..req.clone()
    };
    t.history
        .extend(comment(&state, req.update.as_ref(), user, &when).await?);
    Ok(Json(state.store.insert_ticket(t, micros).await?))
}

/// Changes a ticket (`ticketId` required): the fields given replace the stored ones, each
/// change is recorded in the history, `update.content` adds a comment.
#[utoipa::path(put, path = "/api/RootCause/Ticket", tag = "RootCause", request_body = Ticket,
    responses((status = 200, body = Ticket), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_ticket(
    State(state): State<Arc<AppState>>,
    Extension(me): Extension<Principal>,
    body: Bytes,
) -> ApiResult<Json<Ticket>> {
    let req: Ticket = json_body(&body, "ticket")?;
    check_fields(&req)?;
    let id = req
        .ticket_id
        .ok_or_else(|| ApiError::bad_request("ticketId is required"))?;
    let mut t = state
        .store
        .ticket(&id.to_string())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No ticket {id}")))?;
    let from = t.status.unwrap_or(TicketStatus::OPEN);
    if from == TicketStatus::ARCHIVED {
        return Err(ApiError::bad_request(format!(
            "ticket {id} is archived and cannot change"
        )));
    }
    let (micros, when) = now();
    let user = me.username.as_str();
    let mut changes = Vec::new();
    if let Some(to) = req.status.filter(|s| *s != from) {
        if to == TicketStatus::ARCHIVED {
            return Err(ApiError::bad_request(
                "a ticket is archived with POST /api/RootCause/ArchiveTickets, once solved",
            ));
        }
        if !allowed(from, to) {
            return Err(ApiError::bad_request(format!(
                "status cannot change from {} to {} (allowed: {})",
                status_name(from),
                status_name(to),
                [1, 2, 4, 8, 16]
                    .map(TicketStatus)
                    .into_iter()
                    .filter(|s| *s != from && allowed(from, *s))
                    .map(status_name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        changes.push(format!(
            "Status: {} → {}",
            status_name(from),
            status_name(to)
        ));
        t.status = Some(to);
    }
    let mut set = |name: &str, old: &mut Option<String>, new: &Option<String>| {
        if let Some(n) = new.as_ref().filter(|n| Some(*n) != old.as_ref()) {
            changes.push(format!(
                "{name}: {} → {n}",
                old.as_deref().unwrap_or("(none)")
            ));
            *old = Some(n.clone());
        }
    };
    set("Assignee", &mut t.assignee, &req.assignee);
    set("Subject", &mut t.subject, &req.subject);
    set("Team", &mut t.team, &req.team);
    set("Origin", &mut t.origin, &req.origin);
    if let Some(p) = req.priority.filter(|p| Some(*p) != t.priority) {
        changes.push(format!(
            "Priority: {} → {}",
            t.priority.unwrap_or_default().0,
            p.0
        ));
        t.priority = Some(p);
    }
    if req.report_uuid.is_some() && req.report_uuid != t.report_uuid {
        changes.push(format!("Report: {}", req.report_uuid.unwrap_or_default()));
        t.report_uuid = req.report_uuid;
    }
    if !req.tags.is_empty() && req.tags != t.tags {
        changes.push("Tags changed".into());
        t.tags = req.tags.clone();
    }
    if !changes.is_empty() {
        t.history.push(entry(
            user,
            &when,
            UpdateType::PROPERTIES,
            Some(changes.join("; ")),
            Vec::new(),
        ));
    }
    if let Some(p) = req
        .progress
        .as_ref()
        .filter(|p| Some(*p) != t.progress.as_ref())
    {
        t.history.push(entry(
            user,
            &when,
            UpdateType::PROGRESS,
            Some(p.clone()),
            Vec::new(),
        ));
        t.progress = Some(p.clone());
    }
    t.history
        .extend(comment(&state, req.update.as_ref(), user, &when).await?);
    t.updated_utc = Some(when);
    state.store.update_ticket(&t, micros).await?;
    Ok(Json(t))
}

/// Archives solved tickets (a list of ticket ids); answers the last one archived. A ticket not
/// solved refuses the whole request, naming it.
#[utoipa::path(post, path = "/api/RootCause/ArchiveTickets", tag = "RootCause",
    request_body = Vec<uuid::Uuid>,
    responses((status = 200, body = Ticket), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn archive_tickets(
    State(state): State<Arc<AppState>>,
    Extension(me): Extension<Principal>,
    body: Bytes,
) -> ApiResult<Json<Ticket>> {
    let ids: Vec<uuid::Uuid> = json_body(&body, "ticket ids")?;
    if ids.is_empty() {
        return Err(ApiError::bad_request("no ticket ids given"));
    }
    let mut tickets = Vec::new();
    for id in &ids {
        let t = state
            .store
            .ticket(&id.to_string())
            .await?
            .ok_or_else(|| ApiError::not_found(format!("No ticket {id}")))?;
        let s = t.status.unwrap_or_default();
        if s != TicketStatus::SOLVED {
            return Err(ApiError::bad_request(format!(
                "ticket {id} is {}: only solved tickets can be archived",
                status_name(s)
            )));
        }
        tickets.push(t);
    }
    let (micros, when) = now();
    let mut last = None;
    for mut t in tickets {
        t.status = Some(TicketStatus::ARCHIVED);
        t.updated_utc = Some(when.clone());
        t.history.push(entry(
            &me.username,
            &when,
            UpdateType::PROPERTIES,
            Some("Status: Solved → Archived".into()),
            Vec::new(),
        ));
        state.store.update_ticket(&t, micros).await?;
        last = Some(t);
    }
    last.map(Json)
        .ok_or_else(|| ApiError::bad_request("no ticket ids given"))
}

/// An attachment's content; with `fileName`, as a download of that name.
#[utoipa::path(get, path = "/api/RootCause/Attachment", tag = "RootCause",
    params(("attachmentId" = uuid::Uuid, Query, description = "The attachment"),
           ("fileName" = Option<String>, Query, description = "Download under this name")),
    responses((status = 200, description = "The content", content_type = "application/octet-stream"),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_attachment(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let params = Params::parse(query.as_deref())?;
    let id = super::parse_uuid(required_param(&params, "attachmentId")?, "attachmentId")?;
    let a = state
        .store
        .ticket_attachment(&id.to_string())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No attachment {id}")))?;
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, a.content_type.clone())],
        a.data,
    )
        .into_response();
    if let Some(name) = params.get("fileName").filter(|n| !n.trim().is_empty()) {
        // Quotes and control characters would break the header: keep the name printable.
        let safe: String = name
            .chars()
            .map(|c| if c == '"' || c.is_control() { '_' } else { c })
            .collect();
        if let Ok(v) = format!("attachment; filename=\"{safe}\"").parse() {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(response)
}

/// Uploads an attachment (`multipart/form-data`, field `file`, at most 10 MiB); answers its id.
#[utoipa::path(post, path = "/api/RootCause/Attachment", tag = "RootCause",
    request_body(content = String, description = "multipart/form-data with a field `file`",
                 content_type = "multipart/form-data"),
    responses((status = 200, body = uuid::Uuid), (status = 400, body = ErrorBody),
              (status = 413, body = ErrorBody)))]
pub async fn post_attachment(
    State(state): State<Arc<AppState>>,
    Extension(me): Extension<Principal>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<uuid::Uuid>> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let a = crate::multipart::file_part(content_type, &body, "file")?;
    if a.data.len() > MAX_ATTACHMENT_BYTES {
        return Err(ApiError::Limited {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: format!(
                "The attachment is {} bytes; at most {MAX_ATTACHMENT_BYTES} are accepted",
                a.data.len()
            ),
            retry_after: None,
        });
    }
    if a.filename.chars().count() > MAX_SUBJECT {
        return Err(ApiError::bad_request(format!(
            "the file name is longer than {MAX_SUBJECT} characters"
        )));
    }
    let id = uuid::Uuid::new_v4();
    state
        .store
        .insert_ticket_attachment(
            &id.to_string(),
            &Attachment {
                filename: a.filename,
                content_type: a.content_type,
                data: a.data,
            },
            &me.username,
        )
        .await?;
    Ok(Json(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions() {
        use TicketStatus as S;
        assert!(allowed(S::OPEN, S::IN_PROGRESS));
        assert!(allowed(S::SOLVED, S::OPEN), "reopened");
        assert!(!allowed(S::ON_HOLD, S::SOLVED));
        assert!(!allowed(S::CLOSED, S::SOLVED));
        assert!(!allowed(S::ARCHIVED, S::OPEN));
        assert!(!allowed(S::OPEN, S::ARCHIVED));
    }
}
