//! WSJF, the WATS Standard JSON Format: the model's native wire form.

use crate::error::{Location, ReadError};
use crate::report::Report;
use crate::wire::WriteJson;

/// Reads one report from WSJF text.
///
/// Errors name the line, column and field path (`root.steps[3].numericMeas[0].value`).
pub fn from_str(text: &str) -> Result<Report, ReadError> {
    crate::format::check_node_budget(text.as_bytes(), b'{')?;
    // Parse fast; only on failure parse again with path tracking to say where.
    serde_json::from_str(text).map_err(|e| with_path::<Report>(text, e))
}

/// Reads one report from WSJF bytes (UTF-8, a leading BOM is ignored).
pub fn from_slice(bytes: &[u8]) -> Result<Report, ReadError> {
    from_str(decode_utf8(bytes)?)
}

/// Reads one report or a JSON array of reports.
pub fn from_str_many(text: &str) -> Result<Vec<Report>, ReadError> {
    crate::format::check_node_budget(text.as_bytes(), b'{')?;
    if text.trim_start().starts_with('[') {
        serde_json::from_str(text).map_err(|e| with_path::<Vec<Report>>(text, e))
    } else {
        from_str(text).map(|r| vec![r])
    }
}

/// Writes a report as compact WSJF.
pub fn to_string(report: &Report) -> String {
    let mut out = Vec::with_capacity(estimated_size(report));
    report.write_json(&mut out);
    String::from_utf8(out).expect("the writer copies UTF-8 text and writes ASCII")
}

/// Writes a report as compact WSJF into `out`.
pub fn to_writer(mut out: impl std::io::Write, report: &Report) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(estimated_size(report));
    report.write_json(&mut buf);
    out.write_all(&buf)
}

/// About what the JSON of a report takes, so the buffer rarely grows (and copies).
fn estimated_size(report: &Report) -> usize {
    2048 + report.root.as_ref().map_or(0, |root| root.count() * 200)
}

/// Writes a report as indented WSJF.
pub fn to_string_pretty(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("a report always serializes")
}

/// Decodes UTF-8, skipping a byte-order mark, with an error that says where it breaks.
pub(crate) fn decode_utf8(bytes: &[u8]) -> Result<&str, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_column(bytes, e.valid_up_to());
        ReadError::syntax(
            Location {
                line,
                column,
                ..Location::default()
            },
            "invalid UTF-8 (WSJF must be UTF-8 encoded)",
        )
    })
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = offset
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    (line, column)
}

fn with_path<T: serde::de::DeserializeOwned>(text: &str, first: serde_json::Error) -> ReadError {
    let mut de = serde_json::Deserializer::from_str(text);
    let (path, error) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => (e.path().to_string(), e.into_inner()),
        Ok(_) => (String::new(), first),
    };
    let path = if path == "." { String::new() } else { path };
    let message = strip_position(&error.to_string());
    ReadError::syntax(
        Location {
            file: None,
            line: error.line(),
            column: error.column(),
            path,
        },
        message,
    )
}

/// serde_json appends " at line L column C"; the location carries those already.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}
