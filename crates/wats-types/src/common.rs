//! Types several domains share.

use serde::{Deserialize, Serialize};

/// Unknown JSON keys, kept so a value re-serializes without loss.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// What a [`Setting`] in a save request asks for (`change`, an integer on the wire). Values
/// this crate does not name (WATS defines up to 6) are kept as they are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct ChangeType(pub i32);

impl ChangeType {
    /// 0: unchanged.
    pub const NONE: ChangeType = ChangeType(0);
    /// 1: add the tag.
    pub const ADD: ChangeType = ChangeType(1);
    /// 2: update the tag's value.
    pub const UPDATE: ChangeType = ChangeType(2);
    /// 3: delete the tag.
    pub const DELETE: ChangeType = ChangeType(3);
}

/// A tag: a key and a value, on products, revisions, units, assets and tickets.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Setting {
    /// The tag's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The tag's value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// In a save request: what to do with the tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<ChangeType>,
    /// Other keys.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

impl Setting {
    /// A tag to add.
    pub fn add(key: impl Into<String>, value: impl Into<String>) -> Self {
        Setting {
            key: Some(key.into()),
            value: Some(value.into()),
            change: Some(ChangeType::ADD),
            extra: Extra::new(),
        }
    }
}
