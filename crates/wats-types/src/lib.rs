//! The wire types of WATS's non-report domains, defined once and used by both the SDK
//! (`wats`) and the server (`wats-server`), so the two can never disagree on a shape. The
//! report model stays in `wats-report`.
//!
//! # Map
//!
//! * [`common`]: what several domains share: [`Setting`] (a tag), [`ChangeType`], [`Extra`].
//! * [`product`]: products, revisions, groups, categories, vendors, BOM items, revision
//!   relations (box-build templates) and the `GetProductInfo` hierarchy rows.
//! * [`wsbf`]: the WSBF XML BOM format (`PUT /api/Product/BOM`): written by the SDK, read by
//!   the server.
//! * [`level`]: levels (client groups, `GET /api/App/Levels`).
//! * [`process`]: processes (operations), public and internal shapes.
//! * [`analytics`]: the `WATSFilter` and the rows of the `/api/App/*` analytics calls.
//! * [`asset`]: assets, asset types, the asset log and status.
//! * [`software`]: software packages, their files and folders, the release flow.
//! * [`scim`]: SCIM users, pages of them, PATCH operations and tokens.
//! * [`rootcause`]: root-cause tickets, their history and attachments.
//! * [`manual_inspection`]: test-sequence definitions, their relations and the sequence list.
//! * [`production`]: units, phases, verification, assembly checks, serial numbers, batches.
//!
//! # Conventions
//!
//! * JSON names are WATS's, from its OpenAPI document (`../shared/wats-openapi/`) and the
//!   names pyWATS sends: camelCase on the public API, PascalCase on the internal endpoints
//!   that use it. Where pyWATS and the OpenAPI disagree, the field is written as the
//!   OpenAPI says and the pyWATS spelling is accepted as an alias (see each field).
//! * Every field is optional and skipped when unset, because WATS treats an absent field as
//!   "unchanged" and pyWATS sends only the fields it has.
//! * Every struct keeps the keys it does not know in `extra` and writes them back, so a newer
//!   server's fields survive a read-modify-write.
//! * Integer enums are newtypes over the integer ([`product::ProductState`], [`ChangeType`]):
//!   a value this crate does not name still round-trips.
//!
//! ```
//! use wats_types::product::{Product, ProductState};
//! let p: Product = serde_json::from_str(
//!     r#"{"partNumber":"PCB-1","state":1,"futureField":[1,2]}"#).unwrap();
//! assert_eq!(p.state, Some(ProductState::ACTIVE));
//! let back = serde_json::to_string(&p).unwrap();
//! assert!(back.contains(r#""futureField":[1,2]"#));
//! ```

#![warn(missing_docs)]

pub mod analytics;
pub mod common;
pub mod level;
pub mod process;
pub mod product;
pub mod wsbf;

// Asset and Software (issue 18).
pub mod asset;
pub mod software;
// Users (SCIM), root-cause tickets, manual inspection, repair configuration (issue 19).
pub mod manual_inspection;
pub mod production;
pub mod rootcause;
pub mod scim;

pub use common::{ChangeType, Extra, Setting};
