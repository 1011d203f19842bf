//! Serial numbers: types, taking numbers (atomic on the server: never the same number twice),
//! listing, counting, freeing, importing and exporting them. Methods of
//! [`ProductionHandler`].
//!
//! ```no_run
//! # async fn run(wats: wats::Wats) -> wats::Result<()> {
//! use wats::production::TakeOptions;
//! let sns = wats
//!     .production()
//!     .take_serial_numbers("PCB-SN", 2, &TakeOptions::for_unit("MAIN-1", "BOX-100"))
//!     .await?;
//! assert_eq!(sns.len(), 2);
//! # Ok(()) }
//! ```

use bytes::Bytes;
use reqwest::Method;
use serde::Deserialize;

use super::{
    fresh, with_json, ProductionHandler, SerialNumberRange, SerialNumberRecord, SerialNumberType,
};
use crate::client::Request;
use crate::error::{Error, Result};

/// Who takes serial numbers: the unit and part number they are for, and the station.
#[derive(Clone, Debug, Default)]
pub struct TakeOptions {
    /// The unit serial number (`refSN`).
    pub ref_sn: Option<String>,
    /// The part number (`refPN`).
    pub ref_pn: Option<String>,
    /// The station (`stationName`).
    pub station_name: Option<String>,
}

impl TakeOptions {
    /// For a unit of a part number.
    pub fn for_unit(serial_number: impl Into<String>, part_number: impl Into<String>) -> Self {
        TakeOptions {
            ref_sn: Some(serial_number.into()),
            ref_pn: Some(part_number.into()),
            station_name: None,
        }
    }

    /// By a station.
    pub fn station(mut self, name: impl Into<String>) -> Self {
        self.station_name = Some(name.into());
        self
    }
}

/// The file format of serial-number imports and exports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SerialFormat {
    /// `serialNumberType,serialNumber,state,refSN,refPN,stationName,takenUtc`, one a line.
    #[default]
    Csv,
    /// `<SerialNumbers serialNumberType="…"><SN id="…" state="…"/>…</SerialNumbers>`.
    Xml,
}

impl SerialFormat {
    fn name(self) -> &'static str {
        match self {
            SerialFormat::Csv => "csv",
            SerialFormat::Xml => "xml",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            SerialFormat::Csv => "text/csv",
            SerialFormat::Xml => "application/xml",
        }
    }
}

/// `{"count": n}`, the answer of the calls that change many numbers.
#[derive(Deserialize)]
struct Count {
    count: i64,
}

/// The ids of `<SN id="…"/>` elements (the answer of `SerialNumbers/Take`).
pub(crate) fn take_ids(xml: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find("<SN ") {
        rest = &rest[at + 4..];
        let end = rest.find('>').unwrap_or(rest.len());
        let element = &rest[..end];
        let id = element
            .split_once("id=\"")
            .and_then(|(_, v)| v.split_once('"'))
            .map(|(v, _)| v)
            .ok_or_else(|| Error::Decode {
                path: "/api/Production/SerialNumbers/Take".into(),
                message: format!("<SN> without an id: {element}"),
            })?;
        out.push(
            id.replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&"),
        );
    }
    Ok(out)
}

impl ProductionHandler<'_> {
    /// Every serial-number type (`GET /api/Production/SerialNumbers/Types`).
    pub async fn serial_number_types(&self) -> Result<Vec<SerialNumberType>> {
        self.wats
            .send_json(fresh("/api/Production/SerialNumbers/Types"))
            .await
    }

    /// Creates or replaces serial-number types (`PUT /api/internal/Production/SerialNumbers/Types`,
    /// this server's: WATS sets types up in its web UI).
    pub async fn save_serial_number_types(
        &self,
        types: &[SerialNumberType],
    ) -> Result<Vec<SerialNumberType>> {
        let req = with_json(
            Method::PUT,
            "/api/internal/Production/SerialNumbers/Types",
            &types,
        )?;
        self.wats.send_json(req).await
    }

    /// Adds the free numbers `start..=end` (addresses, or serial numbers of the type's format)
    /// to a type (`PUT /api/internal/Production/SerialNumbers/Generate`); answers how many
    /// were new.
    pub async fn generate_serial_numbers(
        &self,
        type_name: &str,
        start: &str,
        end: &str,
    ) -> Result<i64> {
        let req = Request::new(
            Method::PUT,
            "/api/internal/Production/SerialNumbers/Generate",
        )
        .query("serialNumberType", type_name)
        .query("startAddress", start)
        .query("endAddress", end);
        Ok(self.wats.send_json::<Count>(req).await?.count)
    }

    /// Takes the lowest free numbers of a type (`POST /api/Production/SerialNumbers/Take`):
    /// all or none (a request for more than are free takes nothing). Never retried: a lost
    /// answer would hand out numbers nobody gets.
    pub async fn take_serial_numbers(
        &self,
        type_name: &str,
        quantity: u32,
        options: &TakeOptions,
    ) -> Result<Vec<String>> {
        let req = Request::new(Method::POST, "/api/Production/SerialNumbers/Take")
            .query("serialNumberType", type_name)
            .query("quantity", quantity)
            .query_opt("refSN", options.ref_sn.as_deref())
            .query_opt("refPN", options.ref_pn.as_deref())
            .query_opt("stationName", options.station_name.as_deref());
        let body = self.wats.send(req).await?;
        let text = String::from_utf8_lossy(&body);
        if text.trim_start().starts_with('<') {
            take_ids(&text)
        } else {
            crate::client::decode_json("/api/Production/SerialNumbers/Take", &body)
        }
    }

    async fn records(&self, req: Request) -> Result<Vec<SerialNumberRecord>> {
        self.wats.send_json(req).await
    }

    /// The numbers of a type in an address range (`GET /api/Production/SerialNumbers/ByRange`).
    pub async fn serial_numbers_by_range(
        &self,
        type_name: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<SerialNumberRecord>> {
        self.records(
            fresh("/api/Production/SerialNumbers/ByRange")
                .query("serialNumberType", type_name)
                .query("startAddress", from)
                .query("endAddress", to),
        )
        .await
    }

    /// The numbers of a type taken for a unit and/or part number
    /// (`GET /api/Production/SerialNumbers/ByReference`).
    pub async fn serial_numbers_by_reference(
        &self,
        type_name: &str,
        ref_sn: Option<&str>,
        ref_pn: Option<&str>,
    ) -> Result<Vec<SerialNumberRecord>> {
        self.records(
            fresh("/api/Production/SerialNumbers/ByReference")
                .query("serialNumberType", type_name)
                .query_opt("refSN", ref_sn)
                .query_opt("refPN", ref_pn),
        )
        .await
    }

    /// The numbers of a type in an address range, through the internal call
    /// (`GET /api/internal/Production/SerialNumbers`).
    pub async fn find_serial_numbers(
        &self,
        type_name: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<SerialNumberRecord>> {
        self.records(
            fresh("/api/internal/Production/SerialNumbers")
                .query("serialNumberType", type_name)
                .query("startAddress", from)
                .query("endAddress", to),
        )
        .await
    }

    /// How many numbers of a type were taken, in an address range when given
    /// (`GET /api/internal/Production/SerialNumbers/Count`).
    pub async fn serial_number_count(
        &self,
        type_name: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<i64> {
        let req = fresh("/api/internal/Production/SerialNumbers/Count")
            .query("serialNumberType", type_name)
            .query_opt("startAddress", from)
            .query_opt("endAddress", to);
        self.wats.send_json(req).await
    }

    /// Imports serial numbers, all or none; a bad line is refused naming it
    /// (`PUT /api/Production/SerialNumbers`). Answers how many were imported.
    pub async fn import_serial_numbers(
        &self,
        file: impl Into<Bytes>,
        format: SerialFormat,
    ) -> Result<i64> {
        let req = Request::new(Method::PUT, "/api/Production/SerialNumbers")
            .query("format", format.name())
            .body(file, format.content_type());
        Ok(self.wats.send_json::<Count>(req).await?.count)
    }

    /// Exports the numbers of a type, of one state (`Free`, `Reserved`, `Taken`) when given
    /// (`GET /api/Production/SerialNumbers`). The file imports again.
    pub async fn export_serial_numbers(
        &self,
        type_name: &str,
        state: Option<&str>,
        format: SerialFormat,
    ) -> Result<Bytes> {
        let req = fresh("/api/Production/SerialNumbers")
            .query("serialNumberType", type_name)
            .query_opt("state", state)
            .query("format", format.name());
        self.wats.send(req).await
    }

    /// Frees the numbers of address ranges: they are handed out again first
    /// (`PUT /api/internal/Production/SerialNumbers/Free`). Answers how many were freed.
    pub async fn free_serial_numbers(&self, ranges: &[SerialNumberRange]) -> Result<i64> {
        let req = with_json(
            Method::PUT,
            "/api/internal/Production/SerialNumbers/Free",
            &ranges,
        )?;
        Ok(self.wats.send_json::<Count>(req).await?.count)
    }

    /// Deletes the free numbers of address ranges
    /// (`DELETE /api/internal/Production/SerialNumbers/Free`). Answers how many.
    pub async fn delete_free_serial_numbers(&self, ranges: &[SerialNumberRange]) -> Result<i64> {
        let req = with_json(
            Method::DELETE,
            "/api/internal/Production/SerialNumbers/Free",
            &ranges,
        )?;
        Ok(self.wats.send_json::<Count>(req).await?.count)
    }

    /// The contiguous address ranges of a type (all types when `None`) with their numbers'
    /// states (`GET /api/internal/Production/SerialNumbers/Ranges`).
    pub async fn serial_number_ranges(
        &self,
        type_name: Option<&str>,
    ) -> Result<Vec<SerialNumberRange>> {
        let req = fresh("/api/internal/Production/SerialNumbers/Ranges")
            .query_opt("serialNumberType", type_name);
        self.wats.send_json(req).await
    }

    /// Numbers per state of a type (all types when `None`)
    /// (`GET /api/internal/Production/SerialNumbers/Statistics`).
    pub async fn serial_number_statistics(
        &self,
        type_name: Option<&str>,
    ) -> Result<SerialNumberRange> {
        let req = fresh("/api/internal/Production/SerialNumbers/Statistics")
            .query_opt("serialNumberType", type_name);
        self.wats.send_json(req).await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn take_answer_is_read() {
        let ids = super::take_ids(
            r#"<?xml version="1.0"?><SerialNumbers serialNumberType="T"><SN id="A&amp;1"/><SN id="B" /></SerialNumbers>"#,
        )
        .unwrap();
        assert_eq!(ids, ["A&1", "B"]);
    }
}
