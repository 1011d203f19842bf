//! Assets: the fixtures, instruments and stations a test uses. Their types (calibration and
//! maintenance intervals, count limits, warning and alarm thresholds), counts, calibration
//! and maintenance, the alarm status, the log, sub-assets and stored files.
//!
//! Every call pyWATS's asset service makes, typed with the wire types of
//! [`wats_types::asset`] (re-exported here). An asset is named by an [`AssetRef`]: its id
//! or its serial number.
//!
//! ```no_run
//! # async fn run(wats: wats::Wats) -> wats::Result<()> {
//! use wats::asset::{Asset, AssetRef, AssetType};
//! let fixture = wats.asset().save_type(
//!     &AssetType::new("Fixture").running_count_limit(5000).calibration_interval(90.0)).await?;
//! wats.asset().save(&Asset::new("FIX-001", fixture.type_id.unwrap())).await?;
//! wats.asset().increment(&AssetRef::serial("FIX-001"), 1, false).await?;
//! let status = wats.asset().status(&AssetRef::serial("FIX-001")).await?;
//! println!("{:?}", status.alarm_state);
//! # Ok(()) }
//! ```
//!
//! See `docs/sdk/asset.md` for a guide.

/// The guide `docs/sdk/asset.md`, whose examples are compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/sdk/asset.md")]
pub struct AssetGuide;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use reqwest::Method;

pub use wats_types::asset::*;
pub use wats_types::Setting;

use crate::client::{Request, Wats};
use crate::error::{optional, Error, Result};

/// Names an asset: by id or by serial number (sent as `id` or `serialNumber`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssetRef {
    /// By id.
    Id(String),
    /// By serial number.
    Serial(String),
}

impl AssetRef {
    /// By id.
    pub fn id(id: impl Into<String>) -> Self {
        AssetRef::Id(id.into())
    }

    /// By serial number.
    pub fn serial(serial_number: impl Into<String>) -> Self {
        AssetRef::Serial(serial_number.into())
    }

    fn to(&self, req: Request) -> Request {
        match self {
            AssetRef::Id(id) => req.query("id", id),
            AssetRef::Serial(sn) => req.query("serialNumber", sn),
        }
    }
}

/// Which assets (or log entries) a list call answers: an OData `$filter`, `$orderby`,
/// `$top` (WATS's default: 1000) and `$skip`.
///
/// ```
/// use wats::asset::AssetQuery;
/// use wats::odata::field;
/// let q = AssetQuery::new().filter(field("state").eq(1)).order_by("serialNumber").top(10);
/// # let _ = q;
/// ```
#[derive(Clone, Debug, Default)]
pub struct AssetQuery {
    filter: Option<crate::odata::Filter>,
    order_by: Option<String>,
    top: Option<u32>,
    skip: Option<u32>,
}

impl AssetQuery {
    /// Everything (up to the server's default page).
    pub fn new() -> Self {
        AssetQuery::default()
    }

    /// The `$filter`.
    pub fn filter(mut self, filter: crate::odata::Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// The `$orderby`, e.g. `"serialNumber desc"`.
    pub fn order_by(mut self, order: impl Into<String>) -> Self {
        self.order_by = Some(order.into());
        self
    }

    /// At most this many.
    pub fn top(mut self, top: u32) -> Self {
        self.top = Some(top);
        self
    }

    /// Skip this many first.
    pub fn skip(mut self, skip: u32) -> Self {
        self.skip = Some(skip);
        self
    }

    fn to(&self, req: Request) -> Request {
        req.query_opt(
            "$filter",
            self.filter.as_ref().map(|f| f.as_str().to_owned()),
        )
        .query_opt("$orderby", self.order_by.as_deref())
        .query_opt("$top", self.top)
        .query_opt("$skip", self.skip)
    }
}

/// The asset endpoints. Get one with [`Wats::asset`].
#[derive(Clone, Copy, Debug)]
pub struct AssetHandler<'a> {
    pub(crate) wats: &'a Wats,
}

impl Wats {
    /// Assets, asset types, counts, calibration, maintenance, the log and files.
    pub fn asset(&self) -> AssetHandler<'_> {
        AssetHandler { wats: self }
    }
}

fn json_request(method: Method, path: &str, body: &impl serde::Serialize) -> Result<Request> {
    let bytes = serde_json::to_vec(body)
        .map_err(|e| Error::Config(format!("cannot encode the request body: {e}")))?;
    Ok(Request::new(method, path).body(bytes, "application/json"))
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl AssetHandler<'_> {
    async fn flag(&self, req: Request) -> Result<()> {
        self.wats.send(req).await.map(drop)
    }

    // ---- assets -----------------------------------------------------------------------

    /// Assets a query selects (`GET /api/Asset`), by id unless ordered otherwise.
    pub async fn list(&self, query: &AssetQuery) -> Result<Vec<Asset>> {
        self.wats
            .send_json(query.to(Request::get("/api/Asset")))
            .await
    }

    /// Assets in an operational state (`$filter=state eq N`).
    pub async fn in_state(&self, state: AssetState) -> Result<Vec<Asset>> {
        self.wats
            .send_json(Request::get("/api/Asset").query("$filter", format!("state eq {}", state.0)))
            .await
    }

    /// One asset by id or serial number, with its type, children and log
    /// (`GET /api/Asset/{idOrSerialNumber}`); `None` when there is none.
    pub async fn get(&self, id_or_serial: &str) -> Result<Option<Asset>> {
        let path = format!("/api/Asset/{}", crate::client::segment(id_or_serial));
        optional(self.wats.send_json(Request::get(path)).await)
    }

    /// Creates or updates an asset (`PUT /api/Asset`): by `assetId`, else serial number.
    /// Counts and calibration/maintenance dates are ignored by the server.
    pub async fn save(&self, asset: &Asset) -> Result<Asset> {
        self.wats
            .send_json(json_request(Method::PUT, "/api/Asset", asset)?)
            .await
    }

    /// Deletes an asset with its log and files (`DELETE /api/Asset`); its children move to
    /// its parent.
    pub async fn delete(&self, asset: &AssetRef) -> Result<()> {
        self.flag(asset.to(Request::new(Method::DELETE, "/api/Asset")))
            .await
    }

    /// Where an asset stands against its limits (`GET /api/Asset/Status`).
    pub async fn status(&self, asset: &AssetRef) -> Result<AssetStatus> {
        self.wats
            .send_json(asset.to(Request::get("/api/Asset/Status").query("translate", "false")))
            .await
    }

    /// Sets the operational state (`PUT /api/Asset/State`).
    pub async fn set_state(&self, asset: &AssetRef, state: AssetState) -> Result<()> {
        self.flag(asset.to(Request::new(Method::PUT, "/api/Asset/State").query("state", state.0)))
            .await
    }

    /// Adds uses to the running and total counts, and the sub-assets' with `children`
    /// (`PUT /api/Asset/Count`).
    pub async fn increment(&self, asset: &AssetRef, by: i64, children: bool) -> Result<()> {
        let mut req = Request::new(Method::PUT, "/api/Asset/Count").query("incrementBy", by);
        if children {
            req = req.query("incrementChildren", "true");
        }
        self.flag(asset.to(req)).await
    }

    /// Resets the running count to 0 (`POST /api/Asset/ResetRunningCount`).
    pub async fn reset_running_count(&self, asset: &AssetRef, comment: Option<&str>) -> Result<()> {
        let req = Request::new(Method::POST, "/api/Asset/ResetRunningCount")
            .query_opt("comment", comment);
        self.flag(asset.to(req)).await
    }

    /// Sets the running count (`PUT /api/Asset/SetRunningCount`).
    pub async fn set_running_count(&self, asset: &AssetRef, value: i64) -> Result<()> {
        let req =
            Request::new(Method::PUT, "/api/Asset/SetRunningCount").query("runningCount", value);
        self.flag(asset.to(req)).await
    }

    /// Sets the total count (`PUT /api/Asset/SetTotalCount`).
    pub async fn set_total_count(&self, asset: &AssetRef, value: i64) -> Result<()> {
        let req = Request::new(Method::PUT, "/api/Asset/SetTotalCount").query("totalCount", value);
        self.flag(asset.to(req)).await
    }

    async fn service(
        &self,
        path: &str,
        asset: &AssetRef,
        at: Option<DateTime<Utc>>,
        comment: Option<&str>,
    ) -> Result<()> {
        let req = Request::new(Method::POST, path)
            .query_opt("dateTime", at.map(iso))
            .query_opt("comment", comment);
        self.flag(asset.to(req)).await
    }

    /// Records a calibration (`POST /api/Asset/Calibration`; `at` default now): the next is
    /// due one interval later and the running count restarts at 0.
    pub async fn record_calibration(
        &self,
        asset: &AssetRef,
        at: Option<DateTime<Utc>>,
        comment: Option<&str>,
    ) -> Result<()> {
        self.service("/api/Asset/Calibration", asset, at, comment)
            .await
    }

    /// Records a maintenance (`POST /api/Asset/Maintenance`; `at` default now).
    pub async fn record_maintenance(
        &self,
        asset: &AssetRef,
        at: Option<DateTime<Utc>>,
        comment: Option<&str>,
    ) -> Result<()> {
        self.service("/api/Asset/Maintenance", asset, at, comment)
            .await
    }

    async fn external(
        &self,
        path: &str,
        asset: &AssetRef,
        from: Option<DateTime<Utc>>,
        next_due: DateTime<Utc>,
        comment: Option<&str>,
    ) -> Result<()> {
        let req = Request::new(Method::POST, path)
            .query_opt("fromDate", from.map(iso))
            .query("toDate", iso(next_due))
            .query_opt("comment", comment);
        self.flag(asset.to(req)).await
    }

    /// Records a calibration managed elsewhere, with its next due date
    /// (`POST /api/Asset/Calibration/External`).
    pub async fn record_calibration_external(
        &self,
        asset: &AssetRef,
        from: Option<DateTime<Utc>>,
        next_due: DateTime<Utc>,
        comment: Option<&str>,
    ) -> Result<()> {
        self.external(
            "/api/Asset/Calibration/External",
            asset,
            from,
            next_due,
            comment,
        )
        .await
    }

    /// Records a maintenance managed elsewhere, with its next due date
    /// (`POST /api/Asset/Maintenance/External`).
    pub async fn record_maintenance_external(
        &self,
        asset: &AssetRef,
        from: Option<DateTime<Utc>>,
        next_due: DateTime<Utc>,
        comment: Option<&str>,
    ) -> Result<()> {
        self.external(
            "/api/Asset/Maintenance/External",
            asset,
            from,
            next_due,
            comment,
        )
        .await
    }

    // ---- log, types, hierarchy --------------------------------------------------------

    /// Log entries a query selects (`GET /api/Asset/Log`), oldest first by default.
    pub async fn log(&self, query: &AssetQuery) -> Result<Vec<AssetLog>> {
        self.wats
            .send_json(query.to(Request::get("/api/Asset/Log")))
            .await
    }

    /// Adds a message to an asset's log (`POST /api/Asset/Message`); `user` defaults to the
    /// signed-in user.
    pub async fn add_message(
        &self,
        asset_id: &str,
        message: &str,
        user: Option<&str>,
    ) -> Result<()> {
        let body = AssetMessage {
            asset_id: Some(asset_id.to_owned()),
            comment: Some(message.to_owned()),
            user: user.map(str::to_owned),
            ..AssetMessage::default()
        };
        self.flag(json_request(Method::POST, "/api/Asset/Message", &body)?)
            .await
    }

    /// Every asset type (`GET /api/Asset/Types`).
    pub async fn types(&self) -> Result<Vec<AssetType>> {
        self.wats.send_json(Request::get("/api/Asset/Types")).await
    }

    /// Creates or updates an asset type (`PUT /api/Asset/Types`): by `typeId`, else name.
    pub async fn save_type(&self, asset_type: &AssetType) -> Result<AssetType> {
        self.wats
            .send_json(json_request(Method::PUT, "/api/Asset/Types", asset_type)?)
            .await
    }

    /// The sub-assets of an asset, `level` levels down (`None`: all;
    /// `GET /api/Asset/SubAssets`).
    pub async fn sub_assets(&self, asset: &AssetRef, level: Option<u32>) -> Result<Vec<Asset>> {
        let req = Request::get("/api/Asset/SubAssets").query_opt("level", level);
        self.wats.send_json(asset.to(req)).await
    }

    /// Puts an asset under a parent (reads the child, sets `parentAssetId`, saves it).
    pub async fn set_parent(&self, child_id: &str, parent_id: &str) -> Result<Asset> {
        let mut child = self.get(child_id).await?.ok_or_else(|| Error::NotFound {
            message: format!("Asset not found: {child_id}"),
        })?;
        child.parent_asset_id = Some(parent_id.to_owned());
        child.parent_serial_number = None;
        child.asset_children = None;
        child.asset_log = None;
        child.asset_type = None;
        self.save(&child).await
    }

    // ---- files ------------------------------------------------------------------------

    /// Stores a file with an asset (`POST /api/internal/Blob/Asset`), replacing one of the
    /// same name.
    pub async fn upload_file(
        &self,
        asset_id: &str,
        filename: &str,
        content: impl Into<bytes::Bytes>,
        content_type: &'static str,
    ) -> Result<()> {
        let req = Request::new(Method::POST, "/api/internal/Blob/Asset")
            .query("assetId", asset_id)
            .query("filename", filename)
            .body(content, content_type);
        self.flag(req).await
    }

    /// A file of an asset (`GET /api/internal/Blob/Asset`); `None` when there is none.
    pub async fn download_file(&self, asset_id: &str, filename: &str) -> Result<Option<Vec<u8>>> {
        let req = Request::get("/api/internal/Blob/Asset")
            .query("assetId", asset_id)
            .query("filename", filename)
            .accept("application/octet-stream")
            .no_cache();
        Ok(optional(self.wats.send(req).await)?.map(|b| b.to_vec()))
    }

    /// The names of an asset's files (`GET /api/internal/Blob/Asset/List/{assetId}`).
    pub async fn files(&self, asset_id: &str) -> Result<Vec<String>> {
        let path = format!(
            "/api/internal/Blob/Asset/List/{}",
            crate::client::segment(asset_id)
        );
        self.wats.send_json(Request::get(path).no_cache()).await
    }

    /// Deletes files of an asset, all or none (`DELETE /api/internal/Blob/Assets`, the names
    /// in the body).
    pub async fn delete_files(&self, asset_id: &str, filenames: &[&str]) -> Result<()> {
        let req = json_request(Method::DELETE, "/api/internal/Blob/Assets", &filenames)?
            .query("assetId", asset_id);
        self.flag(req).await
    }
}

/// Decodes the JSON form of a stored file (what the server answers a JSON-only client).
///
/// ```
/// let f = wats::asset::AssetFile { content: Some("aGk=".into()), ..Default::default() };
/// assert_eq!(wats::asset::file_content(&f).unwrap(), b"hi");
/// ```
pub fn file_content(file: &AssetFile) -> Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(file.content.as_deref().unwrap_or(""))
        .map_err(|e| Error::Config(format!("the file's content is not base64: {e}")))
}
