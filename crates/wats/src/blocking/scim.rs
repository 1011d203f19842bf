//! Blocking [`crate::scim`].

use super::Wats;
use crate::error::Result;
use crate::scim::{ScimListResponse, ScimPatchRequest, ScimToken, ScimUser};

/// Blocking [`crate::scim::ScimHandler`].
#[derive(Clone, Copy, Debug)]
pub struct ScimHandler<'a> {
    pub(super) wats: &'a Wats,
}

macro_rules! mirror {
    ($( $(#[$doc:meta])* fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        impl ScimHandler<'_> {
            $(
                $(#[$doc])*
                pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    self.wats.wait(self.wats.inner.scim().$name($($arg),*))
                }
            )*
        }
    };
}

mirror! {
    /// See [`crate::scim::ScimHandler::token`].
    fn token(&self, duration_days: Option<u32>) -> ScimToken;
    /// See [`crate::scim::ScimHandler::users`].
    fn users(&self, start_index: Option<u32>, count: Option<u32>) -> ScimListResponse;
    /// See [`crate::scim::ScimHandler::all_users`].
    fn all_users(&self, page_size: u32) -> Vec<ScimUser>;
    /// See [`crate::scim::ScimHandler::create_user`].
    fn create_user(&self, user: &ScimUser) -> ScimUser;
    /// See [`crate::scim::ScimHandler::user`].
    fn user(&self, id: &str) -> Option<ScimUser>;
    /// See [`crate::scim::ScimHandler::user_by_name`].
    fn user_by_name(&self, user_name: &str) -> Option<ScimUser>;
    /// See [`crate::scim::ScimHandler::delete_user`].
    fn delete_user(&self, id: &str) -> ();
    /// See [`crate::scim::ScimHandler::update_user`].
    fn update_user(&self, id: &str, patch: &ScimPatchRequest) -> ScimUser;
    /// See [`crate::scim::ScimHandler::set_active`].
    fn set_active(&self, id: &str, active: bool) -> ScimUser;
    /// See [`crate::scim::ScimHandler::deactivate`].
    fn deactivate(&self, id: &str) -> ScimUser;
    /// See [`crate::scim::ScimHandler::set_display_name`].
    fn set_display_name(&self, id: &str, name: &str) -> ScimUser;
    /// See [`crate::scim::ScimHandler::set_role`].
    fn set_role(&self, id: &str, role: &str) -> ScimUser;
}
