//! What a converter reads: the source file, and the context it converts in.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, Local, NaiveDateTime, Offset, TimeZone};
use serde_json::{Map, Value};
use wats_report::Timestamp;

use crate::ConvertError;

/// The file being converted: its path and its bytes, read once by the caller (bounded in size).
#[derive(Clone, Debug)]
pub struct Source<'a> {
    /// Where the file is; converters that read companion files (a data folder next to a header
    /// file) resolve them from here.
    pub path: &'a Path,
    /// The whole content.
    pub bytes: &'a [u8],
    /// The first [`HEAD_CACHED`] bytes decoded as Latin-1, when they are not UTF-8: decoded
    /// once for every detector that asks for a [`head`](Source::head). Decoding it again in
    /// each of them was most of the time of detecting a binary file (an XJTAG ZIP).
    latin1_head: OnceLock<String>,
}

/// How much of a non-UTF-8 file [`Source::head`] decodes once and shares.
const HEAD_CACHED: usize = 8192;

impl<'a> Source<'a> {
    /// A source from a path and its content.
    pub fn new(path: &'a Path, bytes: &'a [u8]) -> Self {
        Source {
            path,
            bytes,
            latin1_head: OnceLock::new(),
        }
    }

    /// The file name (without folders), or `""`.
    pub fn file_name(&self) -> &str {
        self.path.file_name().and_then(|n| n.to_str()).unwrap_or("")
    }

    /// The file name without its extension.
    pub fn file_stem(&self) -> &str {
        self.path.file_stem().and_then(|n| n.to_str()).unwrap_or("")
    }

    /// The lower-case extension without the dot, or `""`.
    pub fn extension(&self) -> String {
        self.path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase()
    }

    /// The content as text: UTF-8 (a BOM is dropped), UTF-16 with a BOM, and otherwise Latin-1
    /// (Windows test equipment writes all three). Never fails.
    pub fn text(&self) -> Cow<'a, str> {
        decode_text(self.bytes)
    }

    /// The first `max` bytes as text, for cheap detection. Binary content (bytes that are not
    /// UTF-8 with a NUL among the first 8 KiB, as in a ZIP archive) gives an empty head: no
    /// text format matches it, and a dozen detectors searching its Latin-1 decoding cost more
    /// than converting it.
    pub fn head(&self, max: usize) -> Cow<'_, str> {
        let end = self.bytes.len().min(max);
        let mut head = &self.bytes[..end];
        // Do not split a UTF-8 sequence at the cut.
        if end < self.bytes.len() {
            while let Some(&b) = head.last() {
                if b & 0xC0 == 0x80 {
                    head = &head[..head.len() - 1];
                } else {
                    if b >= 0xC0 {
                        head = &head[..head.len() - 1];
                    }
                    break;
                }
            }
        }
        let bom = [&b"\xEF\xBB\xBF"[..], b"\xFF\xFE", b"\xFE\xFF"];
        if end <= HEAD_CACHED && !bom.iter().any(|m| head.starts_with(m)) {
            if let Ok(text) = std::str::from_utf8(head) {
                return Cow::Borrowed(text);
            }
            let all = self.latin1_head.get_or_init(|| {
                let probe = &self.bytes[..self.bytes.len().min(HEAD_CACHED)];
                if memchr::memchr(0, probe).is_some() {
                    String::new()
                } else {
                    latin1(probe)
                }
            });
            if all.is_empty() {
                return Cow::Borrowed("");
            }
            // Latin-1 has no sequences to keep whole: all `end` bytes, each from 0x80 up
            // two bytes in UTF-8.
            let raw = &self.bytes[..end];
            let len = raw.len() + raw.iter().filter(|&&b| b >= 0x80).count();
            return Cow::Borrowed(&all[..len]);
        }
        decode_text(head)
    }

    /// A file next to the source (`name` relative to the source's folder).
    pub fn sibling(&self, name: impl AsRef<Path>) -> PathBuf {
        match self.path.parent() {
            Some(dir) => dir.join(name),
            None => PathBuf::from(name.as_ref()),
        }
    }
}

/// Decodes bytes as UTF-8 (BOM dropped), UTF-16 LE/BE with a BOM, or Latin-1.
pub fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        // `from_utf8` first: its validation is several times faster than the lossy decoder's.
        return match std::str::from_utf8(rest) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(rest),
        };
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        let units = rest
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]));
        return Cow::Owned(
            char::decode_utf16(units)
                .map(|c| c.unwrap_or('\u{FFFD}'))
                .collect(),
        );
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        let units = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]));
        return Cow::Owned(
            char::decode_utf16(units)
                .map(|c| c.unwrap_or('\u{FFFD}'))
                .collect(),
        );
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(latin1(bytes)),
    }
}

/// Latin-1 bytes as a `String` (every byte is the code point of the same value).
fn latin1(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    out.extend(bytes.iter().map(|&b| char::from(b)));
    out
}

/// What a conversion knows besides the file: the converter's `arguments` from the station
/// configuration and the station's identity.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// The converter's `arguments` object from the configuration.
    pub arguments: Map<String, Value>,
    /// The station name, used when the file names none.
    pub station_name: Option<String>,
    /// The station's location.
    pub location: Option<String>,
    /// The station's purpose.
    pub purpose: Option<String>,
}

impl Context {
    /// A context with these arguments.
    pub fn with_arguments(arguments: Map<String, Value>) -> Self {
        Context {
            arguments,
            ..Context::default()
        }
    }

    /// Sets one argument (builder style, for tests and the CLI's `--arg key=value`).
    pub fn arg(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.arguments.insert(key.to_string(), value.into());
        self
    }

    /// A text argument; numbers and booleans are given as their text.
    pub fn text(&self, key: &str) -> Option<String> {
        match self.arguments.get(key)? {
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Station name, location and purpose for a report whose file names none (a station name
    /// the file carries beats these: converters that read one put it first): the station's
    /// configuration, else the `station_name` / `location` / `purpose` arguments, else
    /// `station` / `Production` / `Test`. The station's intake always gives a station name
    /// (its configuration's, else the host's), so `station` is only for library callers that
    /// give none.
    pub fn station_identity(&self, station: &str) -> (String, String, String) {
        let pick = |configured: &Option<String>, key: &str, default: &str| {
            configured
                .clone()
                .filter(|s| !s.trim().is_empty())
                .or_else(|| self.text(key))
                .unwrap_or_else(|| default.to_string())
        };
        (
            pick(&self.station_name, "station_name", station),
            pick(&self.location, "location", "Production"),
            pick(&self.purpose, "purpose", "Test"),
        )
    }

    /// A text argument, or `default`.
    pub fn text_or(&self, key: &str, default: &str) -> String {
        self.text(key).unwrap_or_else(|| default.to_string())
    }

    /// An integer argument (a number or numeric text); an unreadable value is an error naming it.
    pub fn integer(&self, key: &str) -> Result<Option<i64>, ConvertError> {
        match self.arguments.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64()),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| {
                ConvertError::new(format!("argument {key:?}: {s:?} is not an integer"))
            }),
            Some(other) => Err(ConvertError::new(format!(
                "argument {key:?}: {other} is not an integer"
            ))),
        }
    }

    /// A boolean argument (`true`/`false`, `yes`/`no`, `1`/`0`).
    pub fn flag(&self, key: &str) -> Result<Option<bool>, ConvertError> {
        match self.arguments.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::Number(n)) => Ok(Some(n.as_f64() != Some(0.0))),
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" | "on" => Ok(Some(true)),
                "false" | "no" | "0" | "off" | "" => Ok(Some(false)),
                _ => Err(ConvertError::new(format!(
                    "argument {key:?}: {s:?} is not true or false"
                ))),
            },
            Some(other) => Err(ConvertError::new(format!(
                "argument {key:?}: {other} is not true or false"
            ))),
        }
    }

    /// The operation (process code) to use: the `process_code` argument, else `found` (from
    /// the file), else `default`.
    pub fn process_code(&self, found: Option<i64>, default: i64) -> Result<i64, ConvertError> {
        Ok(found.or(self.integer("process_code")?).unwrap_or(default))
    }

    /// The time zone of naive timestamps in files: the `time_zone` argument (`UTC`, `local`,
    /// or an offset such as `+02:00`), local time by default.
    pub fn time_zone(&self) -> Result<Zone, ConvertError> {
        match self.text("time_zone") {
            None => Ok(Zone::Local),
            Some(text) => Zone::parse(&text).ok_or_else(|| {
                ConvertError::new(format!(
                    "argument \"time_zone\": {text:?} is not UTC, local or an offset like +02:00"
                ))
            }),
        }
    }

    /// A naive date-time from a file as a timestamp in the configured zone.
    pub fn timestamp(&self, naive: NaiveDateTime) -> Result<Timestamp, ConvertError> {
        Ok(self.time_zone()?.timestamp(naive))
    }
}

/// The zone naive timestamps are in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// The station's local time.
    Local,
    /// A fixed offset from UTC.
    Fixed(FixedOffset),
}

impl Zone {
    /// Parses `UTC`, `Z`, `local`, `+02:00`, `-0530`, `+2`.
    pub fn parse(text: &str) -> Option<Zone> {
        let text = text.trim();
        match text.to_ascii_lowercase().as_str() {
            "local" => return Some(Zone::Local),
            "utc" | "z" | "gmt" => return Some(Zone::Fixed(FixedOffset::east_opt(0)?)),
            _ => {}
        }
        let text = text
            .strip_prefix("UTC")
            .or_else(|| text.strip_prefix("GMT"))
            .unwrap_or(text);
        let (sign, rest) = match text.as_bytes().first()? {
            b'+' => (1, &text[1..]),
            b'-' => (-1, &text[1..]),
            _ => return None,
        };
        let (hours, minutes) = match rest.split_once(':') {
            Some((h, m)) => (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?),
            None if rest.len() == 4 => (rest[..2].parse().ok()?, rest[2..].parse().ok()?),
            None => (rest.parse().ok()?, 0),
        };
        if hours > 14 || minutes >= 60 {
            return None;
        }
        FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60)).map(Zone::Fixed)
    }

    /// `naive` in this zone (an ambiguous or skipped local time takes the earlier offset).
    pub fn timestamp(self, naive: NaiveDateTime) -> Timestamp {
        match self {
            Zone::Fixed(offset) => Timestamp::new(fixed(offset, naive)),
            Zone::Local => {
                let offset = match Local.offset_from_local_datetime(&naive).earliest() {
                    Some(o) => o.fix(),
                    None => Local.offset_from_utc_datetime(&naive).fix(),
                };
                Timestamp::new(fixed(offset, naive))
            }
        }
    }
}

fn fixed(offset: FixedOffset, naive: NaiveDateTime) -> DateTime<FixedOffset> {
    match offset.from_local_datetime(&naive).single() {
        Some(at) => at,
        None => offset.from_utc_datetime(&naive),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Heads of a Latin-1 file come from one shared decoding and equal decoding the prefix.
    #[test]
    fn heads_of_latin1_text_are_prefixes_of_one_decoding() {
        let bytes: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 255 + 1) as u8).collect();
        let source = Source::new(Path::new("x.txt"), &bytes);
        for max in [0, 1, 100, 4096, 8191, 8192, 9000] {
            assert_eq!(source.head(max), decode_text(&bytes[..max]), "{max}");
        }
        assert!(source.latin1_head.get().is_some());
        // Binary: no text to detect.
        let mut zip = b"PK\x03\x04\x00\x00".to_vec();
        zip.extend_from_slice(&bytes);
        let source = Source::new(Path::new("x.bin"), &zip);
        assert_eq!(source.head(4096), "");
        assert_eq!(source.head(8192), "");
        let utf8 = "aé".repeat(3000);
        let source = Source::new(Path::new("x.txt"), utf8.as_bytes());
        assert_eq!(source.head(4096), &utf8[..4096]);
        // A cut inside "é" keeps the character whole by leaving it out.
        assert_eq!(source.head(4097), &utf8[..4096]);
        assert!(source.latin1_head.get().is_none());
    }

    #[test]
    fn decodes_text_encodings() {
        assert_eq!(decode_text(b"\xEF\xBB\xBFab"), "ab");
        assert_eq!(decode_text(b"\xFF\xFEa\0b\0"), "ab");
        assert_eq!(decode_text(b"\xFE\xFF\0a\0b"), "ab");
        assert_eq!(decode_text(b"caf\xE9"), "café");
    }

    #[test]
    fn head_does_not_split_characters() {
        let bytes = "aé".as_bytes();
        let source = Source::new(Path::new("x"), bytes);
        assert_eq!(source.head(2), "a");
    }

    #[test]
    fn parses_zones() {
        let offset = |s| match Zone::parse(s) {
            Some(Zone::Fixed(o)) => o.local_minus_utc(),
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(offset("UTC"), 0);
        assert_eq!(offset("+02:00"), 7200);
        assert_eq!(offset("-0530"), -(5 * 3600 + 30 * 60));
        assert_eq!(offset("UTC+2"), 7200);
        assert_eq!(Zone::parse("local"), Some(Zone::Local));
        assert_eq!(Zone::parse("Mars"), None);
        assert_eq!(Zone::parse("+25"), None);
    }
}
