//! SCIM 2.0 users (`/api/SCIM/v2/*`, RFC 7643/7644), as WATS provisions them.
//!
//! WATS's OpenAPI types these bodies as plain objects; the shapes are SCIM's core `User`,
//! `ListResponse` and `PatchOp`, with the names pyWATS reads (`ScimUser`, `ScimListResponse`,
//! `ScimToken`, `ScimPatchRequest`). A user's role is the SCIM `roles` attribute: one entry
//! whose `value` is `admin`, `engineer`, `operator` or `station`.

use serde::{Deserialize, Serialize};

use crate::common::Extra;

/// The schema URN of a SCIM user.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The schema URN of a list answer.
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// The schema URN of a PATCH request.
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A token minted by `GET /api/SCIM/v2/Token?duration=DAYS`.
///
/// The secret is shown once (the server keeps only its hash). It signs in as WATS tokens do:
/// HTTP Basic `base64(userName:token)`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimToken {
    /// The secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// When it stops working (ISO 8601, UTC). pyWATS also reads `expires`.
    #[serde(alias = "expires", skip_serializing_if = "Option::is_none")]
    pub expires_utc: Option<String>,
    /// How many days it lasts. pyWATS also reads `duration`.
    #[serde(alias = "duration", skip_serializing_if = "Option::is_none")]
    pub duration_days: Option<i64>,
    /// The user it belongs to (this server's addition: the name to pair it with).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A user's structured name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimName {
    /// The full name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A multi-valued attribute entry (`emails`, `roles`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimValue {
    /// The value (an address, a role name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Its kind (`work`, ...).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Whether it is the primary one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ScimValue {
    /// A primary value.
    pub fn primary(value: impl Into<String>) -> ScimValue {
        ScimValue {
            value: Some(value.into()),
            primary: Some(true),
            ..ScimValue::default()
        }
    }
}

/// A SCIM user.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimUser {
    /// Schema URNs ([`USER_SCHEMA`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// The user's GUID (set by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The sign-in name (required on create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// The full name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Whether the user may sign in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// The identity provider's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The structured name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<ScimName>,
    /// E-mail addresses (this server keeps one: the primary, else the first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<ScimValue>,
    /// The role: one entry (`admin`, `engineer`, `operator`, `station`; `station` when absent
    /// on create).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<ScimValue>,
    /// `resourceType`, `created`, `lastModified`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<serde_json::Value>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ScimUser {
    /// A user to create, with its name and role.
    pub fn new(user_name: impl Into<String>, role: impl Into<String>) -> ScimUser {
        ScimUser {
            schemas: vec![USER_SCHEMA.to_owned()],
            user_name: Some(user_name.into()),
            active: Some(true),
            roles: vec![ScimValue::primary(role)],
            ..ScimUser::default()
        }
    }

    /// The role's name, if set.
    pub fn role(&self) -> Option<&str> {
        let primary = self.roles.iter().find(|r| r.primary == Some(true));
        primary.or(self.roles.first())?.value.as_deref()
    }
}

/// A page of users (`GET /api/SCIM/v2/Users?startIndex=&count=`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimListResponse {
    /// Schema URNs ([`LIST_SCHEMA`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// Users in all.
    #[serde(default)]
    pub total_results: i64,
    /// Users on this page.
    #[serde(default)]
    pub items_per_page: i64,
    /// The 1-based index of the first user on this page.
    #[serde(default)]
    pub start_index: i64,
    /// The users.
    #[serde(rename = "Resources", alias = "resources", default)]
    pub resources: Vec<ScimUser>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One operation of a PATCH.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScimPatchOperation {
    /// `add`, `replace` or `remove` (any case).
    pub op: String,
    /// The attribute: `active`, `displayName`/`fullName`, `name.givenName`/`givenName`,
    /// `name.familyName`/`familyName`, `emails`/`email`, `roles`, `externalId`, `userName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The new value (absent for `remove`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
}

impl ScimPatchOperation {
    /// A `replace` of `path` by `value`.
    pub fn replace(path: &str, value: impl Into<serde_json::Value>) -> Self {
        ScimPatchOperation {
            op: "replace".into(),
            path: Some(path.into()),
            value: Some(value.into()),
        }
    }
}

/// A PATCH body (`PatchOp`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScimPatchRequest {
    /// Schema URNs ([`PATCH_SCHEMA`]).
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The operations, applied in order.
    #[serde(rename = "Operations", alias = "operations")]
    pub operations: Vec<ScimPatchOperation>,
}

impl ScimPatchRequest {
    /// A PATCH of these operations.
    pub fn new(operations: Vec<ScimPatchOperation>) -> Self {
        ScimPatchRequest {
            schemas: vec![PATCH_SCHEMA.to_owned()],
            operations,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_reads_resources_and_writes_them_capitalised() {
        let l: ScimListResponse = serde_json::from_str(
            r#"{"totalResults":1,"itemsPerPage":1,"startIndex":1,
                "Resources":[{"id":"x","userName":"a","roles":[{"value":"operator"}]}]}"#,
        )
        .unwrap();
        assert_eq!(l.resources[0].role(), Some("operator"));
        let back = serde_json::to_value(&l).unwrap();
        assert!(back.get("Resources").is_some());
        let p = serde_json::to_value(ScimPatchRequest::new(vec![ScimPatchOperation::replace(
            "active", false,
        )]))
        .unwrap();
        assert_eq!(p["Operations"][0]["value"], false);
        assert_eq!(p["schemas"][0], PATCH_SCHEMA);
    }
}
