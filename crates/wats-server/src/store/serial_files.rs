//! Serial numbers as text: a type's `format` (address ↔ serial number) and the import and
//! export files (`PUT`/`GET /api/Production/SerialNumbers`, CSV or XML).
//!
//! CSV: one number a line, `serialNumberType,serialNumber[,state[,refSN[,refPN[,stationName[,takenUtc]]]]]`;
//! a first line starting with `serialNumberType` is a header; when the request names the type
//! (`serialNumberType=`), a line may hold the serial number alone. Fields may be quoted
//! (`"a,b"`, `""` for a quote). XML: `<SerialNumbers serialNumberType="T"><SN id="…"
//! state="Free"/>…</SerialNumbers>`, the shape `SerialNumbers/Take` answers. The export writes
//! the same formats, so an export imports again.

use quick_xml::events::Event;
use wats_types::production::{SerialNumberIdentifier, SerialNumberRecord, SerialNumberType};

use crate::error::{ApiError, ApiResult};

/// The CSV header the export writes.
pub const CSV_HEADER: &str = "serialNumberType,serialNumber,state,refSN,refPN,stationName,takenUtc";

fn hex(t: &SerialNumberType) -> bool {
    t.identifier == Some(SerialNumberIdentifier::MAC_ADDRESS)
}

/// The serial number of an address: the format's `#`s are the address's digits (hexadecimal
/// for MAC addresses), zero-padded; 400 when the address does not fit.
pub fn render(t: &SerialNumberType, address: i64) -> ApiResult<String> {
    let Some(format) = t.format.as_deref().filter(|f| f.contains('#')) else {
        return Ok(address.to_string());
    };
    let slots = format.chars().filter(|c| *c == '#').count();
    let digits = if hex(t) {
        format!("{address:0slots$X}")
    } else {
        format!("{address:0slots$}")
    };
    if address < 0 || digits.len() > slots {
        return Err(ApiError::bad_request(format!(
            "address {address} does not fit the format '{format}' of serial number type '{}'",
            t.name.as_deref().unwrap_or_default()
        )));
    }
    let mut d = digits.chars();
    Ok(format
        .chars()
        .map(|c| if c == '#' { d.next().unwrap_or('0') } else { c })
        .collect())
}

/// The address of a serial number the type's format produced, if it is one.
pub fn parse(t: &SerialNumberType, sn: &str) -> Option<i64> {
    let Some(format) = t.format.as_deref().filter(|f| f.contains('#')) else {
        return sn.trim().parse().ok().filter(|a: &i64| *a >= 0);
    };
    if sn.chars().count() != format.chars().count() {
        return None;
    }
    let mut digits = String::new();
    for (f, c) in format.chars().zip(sn.chars()) {
        if f == '#' {
            digits.push(c);
        } else if !f.eq_ignore_ascii_case(&c) {
            return None;
        }
    }
    i64::from_str_radix(&digits, if hex(t) { 16 } else { 10 }).ok()
}

/// An address given as a number, else as a serial number of the type; 400 naming `field`.
pub fn address(t: &SerialNumberType, text: &str, field: &str) -> ApiResult<i64> {
    let text = text.trim();
    text.parse::<i64>()
        .ok()
        .filter(|a| *a >= 0)
        .or_else(|| parse(t, text))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "{field}: '{text}' is neither an address nor a serial number of type '{}'",
                t.name.as_deref().unwrap_or_default()
            ))
        })
}

/// One imported number, before it is checked against its type.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportRow {
    /// Where it was in the file (1-based line).
    pub line: usize,
    /// The type's name.
    pub type_name: String,
    /// The serial number.
    pub serial_number: String,
    /// `Free` (default), `Reserved` or `Taken`.
    pub state: Option<String>,
    /// Reference serial number.
    pub ref_sn: Option<String>,
    /// Reference part number.
    pub ref_pn: Option<String>,
    /// Station.
    pub station: Option<String>,
}

/// Splits one CSV line (quotes as RFC 4180).
fn csv_fields(line: &str, n: usize) -> ApiResult<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.is_empty() => quoted = true,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    if quoted {
        return Err(ApiError::bad_request(format!(
            "line {n}: a quoted field is not closed"
        )));
    }
    out.push(cur);
    Ok(out.into_iter().map(|f| f.trim().to_owned()).collect())
}

fn opt(v: Option<&String>) -> Option<String> {
    v.filter(|s| !s.is_empty()).cloned()
}

/// Reads a CSV import; `type_name` is the request's type, for lines without one.
pub fn read_csv(body: &str, type_name: Option<&str>) -> ApiResult<Vec<ImportRow>> {
    let mut rows = Vec::new();
    for (i, line) in body.lines().enumerate() {
        let n = i + 1;
        let line = line.trim_start_matches('\u{feff}');
        if line.trim().is_empty()
            || (i == 0
                && line
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("serialnumbertype"))
        {
            continue;
        }
        let f = csv_fields(line, n)?;
        let (ty, sn, rest) = match (f.len(), type_name) {
            (1, Some(t)) => (t.to_owned(), f[0].clone(), &f[1..]),
            (1, None) => {
                return Err(ApiError::bad_request(format!(
                    "line {n}: expected serialNumberType,serialNumber (or name the type with \
                     serialNumberType=)"
                )))
            }
            _ => (f[0].clone(), f[1].clone(), &f[2..]),
        };
        if ty.is_empty() || sn.is_empty() {
            return Err(ApiError::bad_request(format!(
                "line {n}: the serial number type and serial number are required"
            )));
        }
        rows.push(ImportRow {
            line: n,
            type_name: ty,
            serial_number: sn,
            state: opt(rest.first()),
            ref_sn: opt(rest.get(1)),
            ref_pn: opt(rest.get(2)),
            station: opt(rest.get(3)),
        });
    }
    Ok(rows)
}

/// Reads an XML import; `type_name` is the request's type, for elements without one.
pub fn read_xml(body: &str, type_name: Option<&str>) -> ApiResult<Vec<ImportRow>> {
    let line_at = |pos: usize| body[..pos.min(body.len())].matches('\n').count() + 1;
    let mut reader = quick_xml::Reader::from_str(body);
    let mut current_type: Option<String> = type_name.map(str::to_owned);
    let mut rows = Vec::new();
    loop {
        let pos = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            ApiError::bad_request(format!(
                "line {}: malformed XML: {e}",
                line_at(reader.buffer_position() as usize)
            ))
        })?;
        let (e, _) = match &event {
            Event::Start(e) | Event::Empty(e) => (e, ()),
            Event::Eof => break,
            _ => continue,
        };
        let n = line_at(pos);
        let mut attrs = std::collections::HashMap::new();
        for a in e.attributes() {
            let a = a.map_err(|e| {
                ApiError::bad_request(format!("line {n}: malformed XML attribute: {e}"))
            })?;
            let v = a.unescape_value().map_err(|e| {
                ApiError::bad_request(format!("line {n}: malformed XML attribute: {e}"))
            })?;
            attrs.insert(
                String::from_utf8_lossy(a.key.as_ref()).to_ascii_lowercase(),
                v.into_owned(),
            );
        }
        match e.name().as_ref() {
            b"SerialNumbersList" => {}
            b"SerialNumbers" => {
                if let Some(t) = attrs.remove("serialnumbertype").or(attrs.remove("type")) {
                    current_type = Some(t);
                }
            }
            b"SN" => {
                let ty = attrs
                    .remove("serialnumbertype")
                    .or(attrs.remove("type"))
                    .or_else(|| current_type.clone())
                    .ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "line {n}: <SN> without a serial number type (set serialNumberType \
                             on <SerialNumbers>)"
                        ))
                    })?;
                let sn = attrs
                    .remove("id")
                    .filter(|s| !s.trim().is_empty())
                    .ok_or_else(|| {
                        ApiError::bad_request(format!("line {n}: <SN> without an id"))
                    })?;
                rows.push(ImportRow {
                    line: n,
                    type_name: ty,
                    serial_number: sn.trim().to_owned(),
                    state: attrs.remove("state"),
                    ref_sn: attrs.remove("refsn"),
                    ref_pn: attrs.remove("refpn"),
                    station: attrs.remove("stationname"),
                });
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "line {n}: unexpected element <{}> (expected <SerialNumbers> and <SN>)",
                    String::from_utf8_lossy(other)
                )))
            }
        }
    }
    Ok(rows)
}

fn csv_field(v: Option<&str>) -> String {
    let v = v.unwrap_or_default();
    if v.contains([',', '"', '\n']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_owned()
    }
}

/// Serial numbers as CSV (with the header).
pub fn write_csv(records: &[SerialNumberRecord]) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push_str("\r\n");
    for r in records {
        let fields = [
            r.serial_number_type.as_deref(),
            r.serial_number.as_deref(),
            r.state.as_deref(),
            r.ref_sn.as_deref(),
            r.ref_pn.as_deref(),
            r.station_name.as_deref(),
            r.taken_utc.as_deref(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(*f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn xml_escape(v: &str) -> String {
    quick_xml::escape::escape(v).into_owned()
}

/// Serial numbers as XML, grouped under one `<SerialNumbers>` element per type.
pub fn write_xml(records: &[SerialNumberRecord]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<SerialNumbersList>\n");
    let mut open: Option<&str> = None;
    for r in records {
        let ty = r.serial_number_type.as_deref().unwrap_or_default();
        if open != Some(ty) {
            if open.is_some() {
                out.push_str("  </SerialNumbers>\n");
            }
            out.push_str(&format!(
                "  <SerialNumbers serialNumberType=\"{}\">\n",
                xml_escape(ty)
            ));
            open = Some(ty);
        }
        out.push_str(&format!(
            "    <SN id=\"{}\"",
            xml_escape(r.serial_number.as_deref().unwrap_or_default())
        ));
        for (name, v) in [
            ("state", &r.state),
            ("refSN", &r.ref_sn),
            ("refPN", &r.ref_pn),
            ("stationName", &r.station_name),
            ("taken", &r.taken_utc),
        ] {
            if let Some(v) = v {
                out.push_str(&format!(" {name}=\"{}\"", xml_escape(v)));
            }
        }
        out.push_str("/>\n");
    }
    if open.is_some() {
        out.push_str("  </SerialNumbers>\n");
    }
    out.push_str("</SerialNumbersList>\n");
    out
}

/// What `SerialNumbers/Take` answers: `<SerialNumbers serialNumberType="T"><SN id="…"/>…`.
pub fn take_xml(type_name: &str, numbers: &[String]) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><SerialNumbers serialNumberType=\"{}\">",
        xml_escape(type_name)
    );
    for n in numbers {
        out.push_str(&format!("<SN id=\"{}\"/>", xml_escape(n)));
    }
    out.push_str("</SerialNumbers>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(format: &str, id: i32) -> SerialNumberType {
        SerialNumberType {
            name: Some("T".into()),
            format: Some(format.into()),
            identifier: Some(SerialNumberIdentifier(id)),
            ..SerialNumberType::default()
        }
    }

    #[test]
    fn formats_round_trip() {
        let t = ty("SN-######", 0);
        assert_eq!(render(&t, 42).unwrap(), "SN-000042");
        assert_eq!(parse(&t, "sn-000042"), Some(42));
        assert!(render(&t, 10_000_000).is_err());
        let mac = ty("00:1A:##:##:##:##", 1);
        assert_eq!(render(&mac, 0xABCDEF).unwrap(), "00:1A:00:AB:CD:EF");
        assert_eq!(parse(&mac, "00:1A:00:AB:CD:EF"), Some(0xABCDEF));
        assert_eq!(address(&t, "7", "x").unwrap(), 7);
        assert!(address(&t, "XX", "x").is_err());
    }

    #[test]
    fn csv_and_xml_imports_name_the_line() {
        let rows = read_csv(
            "serialNumberType,serialNumber\nT,\"A,1\",Free\n\nT,B\n",
            None,
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].serial_number, "A,1");
        assert_eq!(rows[1].line, 4);
        let e = read_csv("T,A\nT\n", None).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let rows = read_xml(
            "<SerialNumbers serialNumberType=\"T\">\n<SN id=\"A\"/>\n<SN id=\"B\" state=\"Taken\"/></SerialNumbers>",
            None,
        )
        .unwrap();
        assert_eq!(rows[1].state.as_deref(), Some("Taken"));
        assert_eq!(rows[1].line, 3);
        let e = read_xml("<SerialNumbers>\n<SN id=\"A\"/>", None).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let records = vec![SerialNumberRecord {
            serial_number: Some("A\"1".into()),
            serial_number_type: Some("T".into()),
            state: Some("Free".into()),
            ..SerialNumberRecord::default()
        }];
        let back = read_xml(&write_xml(&records), None).unwrap();
        assert_eq!(back[0].serial_number, "A\"1");
        let back = read_csv(&write_csv(&records), None).unwrap();
        assert_eq!(back[0].serial_number, "A\"1");
    }
}
