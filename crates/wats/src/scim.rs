//! Users and their tokens, through WATS's SCIM 2.0 endpoints (`/api/SCIM/v2/*`): every call
//! pyWATS's SCIM service makes, including the create and PATCH calls pyWATS cannot send
//! (its own bug, see the API notes §7). Managing users needs the `admin` role.
//!
//! ```no_run
//! # async fn run(wats: wats::Wats) -> wats::Result<()> {
//! use wats::scim::ScimUser;
//! let user = wats.scim().create_user(&ScimUser::new("line-3", "station")).await?;
//! let id = user.id.clone().unwrap_or_default();
//! wats.scim().deactivate(&id).await?;
//! let page = wats.scim().users(Some(1), Some(50)).await?;
//! println!("{} users", page.total_results);
//! # Ok(()) }
//! ```
//!
//! See `docs/sdk/scim.md` for a guide.

/// The guide `docs/sdk/scim.md`, whose examples are compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/sdk/scim.md")]
pub struct ScimGuide;

use reqwest::Method;

pub use wats_types::scim::*;

use crate::client::{segment, Request, Wats};
use crate::error::{optional, Error, Result};

/// SCIM calls. Get one with [`Wats::scim`].
#[derive(Clone, Copy, Debug)]
pub struct ScimHandler<'a> {
    wats: &'a Wats,
}

impl Wats {
    /// Users and tokens (SCIM).
    pub fn scim(&self) -> ScimHandler<'_> {
        ScimHandler { wats: self }
    }
}

fn json(method: Method, path: String, body: &impl serde::Serialize) -> Result<Request> {
    let bytes = serde_json::to_vec(body)
        .map_err(|e| Error::Config(format!("cannot encode the request body: {e}")))?;
    Ok(Request::new(method, path).body(bytes, "application/json"))
}

impl ScimHandler<'_> {
    /// Mints a token for the calling user lasting `duration_days` (the server's default, 90,
    /// when `None`). Its secret is shown once.
    pub async fn token(&self, duration_days: Option<u32>) -> Result<ScimToken> {
        let req = Request::get("/api/SCIM/v2/Token")
            .query_opt("duration", duration_days)
            .no_cache();
        self.wats.send_json(req).await
    }

    /// A page of users: `start_index` is 1-based; `count` users at most.
    pub async fn users(
        &self,
        start_index: Option<u32>,
        count: Option<u32>,
    ) -> Result<ScimListResponse> {
        let req = Request::get("/api/SCIM/v2/Users")
            .query_opt("startIndex", start_index)
            .query_opt("count", count)
            .no_cache();
        self.wats.send_json(req).await
    }

    /// Every user, fetched `page_size` at a time (as pyWATS's `iter_users`: it stops on an
    /// empty or short page, or once the total is reached).
    pub async fn all_users(&self, page_size: u32) -> Result<Vec<ScimUser>> {
        let page_size = page_size.max(1);
        let mut out = Vec::new();
        loop {
            let page = self
                .users(Some(out.len() as u32 + 1), Some(page_size))
                .await?;
            let n = page.resources.len();
            out.extend(page.resources);
            if n == 0 || n < page_size as usize || out.len() as i64 >= page.total_results {
                return Ok(out);
            }
        }
    }

    /// Creates a user (see [`ScimUser::new`]).
    pub async fn create_user(&self, user: &ScimUser) -> Result<ScimUser> {
        let req = json(Method::POST, "/api/SCIM/v2/Users".into(), user)?;
        self.wats.send_json(req).await
    }

    /// A user by id; `None` when there is none.
    pub async fn user(&self, id: &str) -> Result<Option<ScimUser>> {
        let req = Request::get(format!("/api/SCIM/v2/Users/{}", segment(id))).no_cache();
        optional(self.wats.send_json(req).await)
    }

    /// A user by sign-in name; `None` when there is none.
    pub async fn user_by_name(&self, user_name: &str) -> Result<Option<ScimUser>> {
        let path = format!("/api/SCIM/v2/Users/userName={}", segment(user_name));
        optional(self.wats.send_json(Request::get(path).no_cache()).await)
    }

    /// Deletes a user and its tokens.
    pub async fn delete_user(&self, id: &str) -> Result<()> {
        let req = Request::new(
            Method::DELETE,
            format!("/api/SCIM/v2/Users/{}", segment(id)),
        );
        self.wats.send(req).await.map(drop)
    }

    /// Applies a SCIM `PatchOp` to a user and returns it changed.
    pub async fn update_user(&self, id: &str, patch: &ScimPatchRequest) -> Result<ScimUser> {
        let path = format!("/api/SCIM/v2/Users/{}", segment(id));
        self.wats.send_json(json(Method::PATCH, path, patch)?).await
    }

    /// Activates or deactivates a user (a deactivated user's tokens stop working at once).
    pub async fn set_active(&self, id: &str, active: bool) -> Result<ScimUser> {
        let op = ScimPatchOperation::replace("active", active);
        self.update_user(id, &ScimPatchRequest::new(vec![op])).await
    }

    /// Deactivates a user.
    pub async fn deactivate(&self, id: &str) -> Result<ScimUser> {
        self.set_active(id, false).await
    }

    /// Changes a user's full name.
    pub async fn set_display_name(&self, id: &str, name: &str) -> Result<ScimUser> {
        let op = ScimPatchOperation::replace("displayName", name);
        self.update_user(id, &ScimPatchRequest::new(vec![op])).await
    }

    /// Changes a user's role (`admin`, `engineer`, `operator`, `station`).
    pub async fn set_role(&self, id: &str, role: &str) -> Result<ScimUser> {
        let op = ScimPatchOperation::replace("roles", role);
        self.update_user(id, &ScimPatchRequest::new(vec![op])).await
    }
}
