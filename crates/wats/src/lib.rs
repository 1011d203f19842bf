//! The WATS SDK.
