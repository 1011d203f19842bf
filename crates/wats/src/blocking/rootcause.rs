//! Blocking [`crate::rootcause`].

use bytes::Bytes;
use uuid::Uuid;

use super::Wats;
use crate::error::Result;
use crate::rootcause::{Ticket, TicketStatus, TicketView};

/// Blocking [`crate::rootcause::RootCauseHandler`].
#[derive(Clone, Copy, Debug)]
pub struct RootCauseHandler<'a> {
    pub(super) wats: &'a Wats,
}

macro_rules! mirror {
    ($( $(#[$doc:meta])* fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        impl RootCauseHandler<'_> {
            $(
                $(#[$doc])*
                pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    self.wats.wait(self.wats.inner.rootcause().$name($($arg),*))
                }
            )*
        }
    };
}

mirror! {
    /// See [`crate::rootcause::RootCauseHandler::ticket`].
    fn ticket(&self, id: Uuid) -> Option<Ticket>;
    /// See [`crate::rootcause::RootCauseHandler::tickets`].
    fn tickets(&self, status: TicketStatus, view: TicketView, search: Option<&str>) -> Vec<Ticket>;
    /// See [`crate::rootcause::RootCauseHandler::open_tickets`].
    fn open_tickets(&self, view: TicketView) -> Vec<Ticket>;
    /// See [`crate::rootcause::RootCauseHandler::active_tickets`].
    fn active_tickets(&self, view: TicketView) -> Vec<Ticket>;
    /// See [`crate::rootcause::RootCauseHandler::create`].
    fn create(&self, ticket: &Ticket) -> Ticket;
    /// See [`crate::rootcause::RootCauseHandler::update`].
    fn update(&self, ticket: &Ticket) -> Ticket;
    /// See [`crate::rootcause::RootCauseHandler::comment`].
    fn comment(&self, id: Uuid, content: &str, attachments: &[Uuid]) -> Ticket;
    /// See [`crate::rootcause::RootCauseHandler::change_status`].
    fn change_status(&self, id: Uuid, status: TicketStatus) -> Ticket;
    /// See [`crate::rootcause::RootCauseHandler::assign`].
    fn assign(&self, id: Uuid, assignee: &str) -> Ticket;
    /// See [`crate::rootcause::RootCauseHandler::archive`].
    fn archive(&self, ids: &[Uuid]) -> Ticket;
    /// See [`crate::rootcause::RootCauseHandler::attachment`].
    fn attachment(&self, id: Uuid) -> Option<Bytes>;
    /// See [`crate::rootcause::RootCauseHandler::upload_attachment`].
    fn upload_attachment(&self, content: &[u8], filename: &str) -> Uuid;
}
