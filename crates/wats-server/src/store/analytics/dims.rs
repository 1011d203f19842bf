//! The `dimensions` string of the yield calls: dimensions to group by and KPIs to return,
//! each optionally followed by `asc`/`desc`, in the order the rows are sorted.

use crate::error::{ApiError, ApiResult};

/// What a yield row can be grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dim {
    /// A column of the report header (index into [`super::yields::Header::text`]).
    Column(usize, &'static str),
    /// The period of the report's start.
    Period,
    /// The product groups holding the part number and revision.
    ProductGroup,
    /// A misc info description of the report.
    MiscInfoDescription,
    /// A misc info text of the report.
    MiscInfoString,
    /// An asset serial number used by the report.
    AssetSerialNumber,
    /// Known to WATS, but this server keeps no value for it (always null).
    Empty(&'static str),
}

impl Dim {
    /// The JSON name.
    pub fn name(self) -> &'static str {
        match self {
            Dim::Column(_, n) | Dim::Empty(n) => n,
            Dim::Period => "period",
            Dim::ProductGroup => "productGroup",
            Dim::MiscInfoDescription => "miscInfoDescription",
            Dim::MiscInfoString => "miscInfoString",
            Dim::AssetSerialNumber => "assetSerialNumber",
        }
    }
}

/// The header columns a yield row can be grouped by (their SQL is in `yields.rs`).
pub const COLUMNS: [&str; 17] = [
    "partNumber",
    "revision",
    "productName",
    "stationName",
    "location",
    "purpose",
    "testOperation",
    "processCode",
    "swFilename",
    "swVersion",
    "batchNumber",
    "operator",
    "fixtureId",
    "socketIndex",
    "errorCode",
    "stepCausedUutFailure",
    "stepPathCausedUutFailure",
];

/// The KPIs of a yield row (`rty` is this server's own: see docs/sdk/analytics.md).
pub const KPIS: [&str; 25] = [
    "unitCount",
    "fpCount",
    "spCount",
    "tpCount",
    "lpCount",
    "fpFailCount",
    "spFailCount",
    "tpFailCount",
    "lpFailCount",
    "fpy",
    "spy",
    "tpy",
    "lpy",
    "ppmFpy",
    "ppmSpy",
    "ppmTpy",
    "ppmLpy",
    "ppmTestYield",
    "testYieldCount",
    "testReportCount",
    "testYield",
    "retestCount",
    "firstUtc",
    "lastUtc",
    "rty",
];

/// KPIs WATS lists that this server does not compute (alarm colours, trends against the
/// previous period): asking for them is a 400 saying so.
const NOT_COMPUTED: [&str; 5] = ["Color", "Alarm", "Warning", "Trend", "previous"];

/// One item of `dimensions`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Item {
    /// Group by this.
    Dim(Dim),
    /// Return (and perhaps sort by) this KPI (index into [`KPIS`]).
    Kpi(usize),
}

/// A parsed `dimensions` string.
#[derive(Clone, Debug, Default)]
pub struct Dimensions {
    /// The items with their direction (`true` = descending), in sort order.
    pub items: Vec<(Item, bool)>,
}

impl Dimensions {
    /// Parses `unitCount desc;partNumber;period`; a 400 names an unknown item or direction.
    pub fn parse(text: &str) -> ApiResult<Dimensions> {
        let mut items = Vec::new();
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let mut words = part.split_whitespace();
            let name = words.next().unwrap_or_default();
            let desc = match words.next() {
                None => false,
                Some(d) if d.eq_ignore_ascii_case("asc") => false,
                Some(d) if d.eq_ignore_ascii_case("desc") => true,
                Some(d) => {
                    return Err(ApiError::bad_request(format!(
                        "Unknown sort direction '{d}' after {name} in dimensions: expected asc \
                         or desc."
                    )))
                }
            };
            if let Some(extra) = words.next() {
                return Err(ApiError::bad_request(format!(
                    "Unexpected '{extra}' in the dimension '{part}'."
                )));
            }
            let item = item(name)?;
            if !items.iter().any(|(i, _)| *i == item) {
                items.push((item, desc));
            }
        }
        Ok(Dimensions { items })
    }

    /// The dimensions, in order.
    pub fn dims(&self) -> Vec<Dim> {
        self.items
            .iter()
            .filter_map(|(i, _)| match i {
                Item::Dim(d) => Some(*d),
                Item::Kpi(_) => None,
            })
            .collect()
    }

    /// Whether KPI `k` is returned: all are when none is named.
    pub fn returns(&self, k: &str) -> bool {
        let named: Vec<usize> = self
            .items
            .iter()
            .filter_map(|(i, _)| match i {
                Item::Kpi(k) => Some(*k),
                Item::Dim(_) => None,
            })
            .collect();
        named.is_empty() || named.iter().any(|&i| KPIS[i] == k)
    }
}

fn item(name: &str) -> ApiResult<Item> {
    if let Some(i) = COLUMNS.iter().position(|c| c.eq_ignore_ascii_case(name)) {
        return Ok(Item::Dim(Dim::Column(i, COLUMNS[i])));
    }
    let dim = match name.to_ascii_lowercase().as_str() {
        "period" => Some(Dim::Period),
        "productgroup" => Some(Dim::ProductGroup),
        "miscinfodescription" => Some(Dim::MiscInfoDescription),
        "miscinfostring" => Some(Dim::MiscInfoString),
        "assetserialnumber" => Some(Dim::AssetSerialNumber),
        // Levels are not recorded on reports; the location is what a level names.
        "level" => Some(Dim::Column(4, "level")),
        "assetname" => Some(Dim::Empty("assetName")),
        "unittype" => Some(Dim::Empty("unitType")),
        _ => None,
    };
    if let Some(d) = dim {
        return Ok(Item::Dim(d));
    }
    if let Some(k) = KPIS.iter().position(|k| k.eq_ignore_ascii_case(name)) {
        return Ok(Item::Kpi(k));
    }
    if NOT_COMPUTED.iter().any(|s| name.contains(s)) {
        return Err(ApiError::bad_request(format!(
            "The KPI {name} in dimensions is not computed by this server (no alarm levels or \
             trends)."
        )));
    }
    Err(ApiError::bad_request(format!(
        "Unknown dimension '{name}' in dimensions: expected one of {}, period, productGroup, \
         level, miscInfoDescription, miscInfoString, assetSerialNumber, assetName, unitType, or \
         a KPI ({}).",
        COLUMNS.join(", "),
        KPIS.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_items_and_directions() {
        let d = Dimensions::parse("unitCount desc; partNumber ;period asc").unwrap();
        assert_eq!(d.items.len(), 3);
        assert_eq!(d.items[0], (Item::Kpi(0), true));
        assert_eq!(d.dims(), vec![Dim::Column(0, "partNumber"), Dim::Period]);
        assert!(d.returns("unitCount") && !d.returns("fpy"));
        assert!(Dimensions::parse("partNumber").unwrap().returns("fpy"));
    }

    #[test]
    fn unknown_items_are_named() {
        let e = Dimensions::parse("partNumber;colour")
            .unwrap_err()
            .to_string();
        assert!(e.contains("'colour'"), "{e}");
        let e = Dimensions::parse("partNumber sideways")
            .unwrap_err()
            .to_string();
        assert!(e.contains("sideways"), "{e}");
        let e = Dimensions::parse("fpyTrend").unwrap_err().to_string();
        assert!(e.contains("not computed"), "{e}");
    }
}
