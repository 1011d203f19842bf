//! The `$filter` tokenizer.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use uuid::Uuid;

use super::ODataError;

/// A token and the byte offset where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: Tok,
    /// Byte offset in the input.
    pub pos: usize,
}

/// The kinds of tokens.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// A name: a property, a function, or a keyword (`and`, `eq`, `true`…).
    Ident(String),
    /// A quoted string (`'it''s'` → `it's`).
    Str(String),
    /// An integer.
    Int(i64),
    /// A decimal or floating-point number.
    Float(f64),
    /// A date-time: `2026-01-30T21:01:41Z`, `2026-01-30T22:01:41.47+01:00`; without an offset
    /// it is taken as UTC.
    DateTime(DateTime<FixedOffset>),
    /// A date: `2026-01-30`.
    Date(NaiveDate),
    /// A GUID: `33a2d408-3fc8-480b-b554-6866c77fd91c` or `guid'…'`.
    Guid(Uuid),
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `/`
    Slash,
    /// `:`
    Colon,
    /// End of input.
    Eof,
}

impl Tok {
    /// How the token is named in error messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("'{s}'"),
            Tok::Str(s) => format!("string '{s}'"),
            Tok::Int(i) => format!("number {i}"),
            Tok::Float(f) => format!("number {f}"),
            Tok::DateTime(d) => format!("date-time {}", d.to_rfc3339()),
            Tok::Date(d) => format!("date {d}"),
            Tok::Guid(g) => format!("guid {g}"),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::Comma => "','".into(),
            Tok::Slash => "'/'".into(),
            Tok::Colon => "':'".into(),
            Tok::Eof => "end of input".into(),
        }
    }
}

/// Splits `input` into tokens.
pub fn tokenize(input: &str) -> Result<Vec<Token>, ODataError> {
    let bytes = input.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let kind = match c {
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b'/' => {
                i += 1;
                Tok::Slash
            }
            b':' => {
                i += 1;
                Tok::Colon
            }
            b'\'' => {
                let (s, next) = string_literal(input, i)?;
                i = next;
                Tok::Str(s)
            }
            _ if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'$' => {
                if let Some((g, next)) = guid_at(input, i) {
                    i = next;
                    Tok::Guid(g)
                } else if c.is_ascii_digit() {
                    if let Some((tok, next)) = date_at(input, i)? {
                        i = next;
                        tok
                    } else {
                        let (tok, next) = number_at(input, i)?;
                        i = next;
                        tok
                    }
                } else if c == b'-' {
                    if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                        let (tok, next) = number_at(input, i)?;
                        i = next;
                        tok
                    } else {
                        return Err(ODataError::at(
                            i,
                            "unexpected '-' (arithmetic is not supported)",
                        ));
                    }
                } else {
                    let end = i + bytes[i..]
                        .iter()
                        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'$'))
                        .unwrap_or(bytes.len() - i);
                    let word = &input[i..end];
                    i = end;
                    if bytes.get(i) == Some(&b'\'') {
                        // OData v3 typed literal: datetime'…', guid'…', datetimeoffset'…'.
                        let (text, next) = string_literal(input, i)?;
                        i = next;
                        typed_literal(word, &text, start)?
                    } else {
                        Tok::Ident(word.to_owned())
                    }
                }
            }
            _ => {
                let ch = input[i..].chars().next().unwrap_or('?');
                return Err(ODataError::at(i, format!("unexpected character '{ch}'")));
            }
        };
        out.push(Token { kind, pos: start });
    }
    out.push(Token {
        kind: Tok::Eof,
        pos: input.len(),
    });
    Ok(out)
}

/// A quoted string starting at `start` (the opening quote); `''` is an escaped quote.
fn string_literal(input: &str, start: usize) -> Result<(String, usize), ODataError> {
    let bytes = input.as_bytes();
    let mut out = String::new();
    let mut i = start + 1;
    let mut run = i;
    loop {
        match bytes.get(i) {
            None => return Err(ODataError::at(start, "unterminated string literal")),
            Some(b'\'') => {
                out.push_str(&input[run..i]);
                if bytes.get(i + 1) == Some(&b'\'') {
                    out.push('\'');
                    i += 2;
                    run = i;
                } else {
                    return Ok((out, i + 1));
                }
            }
            Some(_) => i += 1,
        }
    }
}

fn typed_literal(prefix: &str, text: &str, pos: usize) -> Result<Tok, ODataError> {
    let bad = |what: &str| ODataError::at(pos, format!("invalid {what} literal '{text}'"));
    match prefix.to_ascii_lowercase().as_str() {
        "guid" => Uuid::parse_str(text)
            .map(Tok::Guid)
            .map_err(|_| bad("guid")),
        "datetime" | "datetimeoffset" => parse_datetime(text)
            .map(Tok::DateTime)
            .or_else(|| {
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .ok()
                    .map(Tok::Date)
            })
            .ok_or_else(|| bad("date-time")),
        _ => Err(ODataError::at(
            pos,
            format!("unsupported typed literal {prefix}'…'"),
        )),
    }
}

/// Parses an ISO 8601 date-time; without an offset it is UTC.
pub fn parse_datetime(text: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(text) {
        return Some(d);
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .map(|n| n.and_utc().fixed_offset())
}

fn is_hex(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_hexdigit)
}

/// A bare GUID (8-4-4-4-12 hex digits) not followed by a name character.
fn guid_at(input: &str, i: usize) -> Option<(Uuid, usize)> {
    let b = input.as_bytes().get(i..i + 36)?;
    let groups = [(0, 8), (9, 13), (14, 18), (19, 23), (24, 36)];
    if [8, 13, 18, 23].iter().any(|&d| b[d] != b'-')
        || groups.iter().any(|&(s, e)| !is_hex(&b[s..e]))
    {
        return None;
    }
    if input
        .as_bytes()
        .get(i + 36)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        return None;
    }
    Uuid::parse_str(&input[i..i + 36]).ok().map(|g| (g, i + 36))
}

/// A bare date (`2026-01-30`) or date-time (`2026-01-30T21:01:41.47+01:00`, `…Z`).
fn date_at(input: &str, i: usize) -> Result<Option<(Tok, usize)>, ODataError> {
    let b = input.as_bytes();
    let digits = |from: usize, n: usize| {
        b.get(from..from + n)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    if !(digits(i, 4) && b.get(i + 4) == Some(&b'-') && digits(i + 5, 2))
        || b.get(i + 7) != Some(&b'-')
        || !digits(i + 8, 2)
    {
        return Ok(None);
    }
    let end = i + b[i..]
        .iter()
        .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b':' | b'.' | b'+')))
        .unwrap_or(b.len() - i);
    let text = &input[i..end];
    if text.len() == 10 {
        let d = NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| ODataError::at(i, format!("invalid date '{text}'")))?;
        return Ok(Some((Tok::Date(d), end)));
    }
    match parse_datetime(text) {
        Some(d) => Ok(Some((Tok::DateTime(d), end))),
        None => Err(ODataError::at(i, format!("invalid date-time '{text}'"))),
    }
}

/// An integer or decimal number, optionally signed, with an optional exponent and an
/// optional OData v3 type suffix (`L`, `M`, `D`, `F`).
fn number_at(input: &str, i: usize) -> Result<(Tok, usize), ODataError> {
    let b = input.as_bytes();
    let mut j = i;
    if b[j] == b'-' {
        j += 1;
    }
    while b.get(j).is_some_and(u8::is_ascii_digit) {
        j += 1;
    }
    let mut float = false;
    if b.get(j) == Some(&b'.') && b.get(j + 1).is_some_and(u8::is_ascii_digit) {
        float = true;
        j += 1;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
    }
    if matches!(b.get(j), Some(b'e' | b'E')) {
        let mut k = j + 1;
        if matches!(b.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        if b.get(k).is_some_and(u8::is_ascii_digit) {
            float = true;
            j = k;
            while b.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
        }
    }
    let text = &input[i..j];
    let mut end = j;
    match b.get(j) {
        Some(b'L' | b'l') if !float => end += 1,
        Some(b'M' | b'm' | b'D' | b'd' | b'F' | b'f') => {
            float = true;
            end += 1;
        }
        _ => {}
    }
    if b.get(end)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        return Err(ODataError::at(
            i,
            format!("invalid number '{}'", &input[i..=end]),
        ));
    }
    let tok = if float {
        Tok::Float(
            text.parse()
                .map_err(|_| ODataError::at(i, format!("invalid number '{text}'")))?,
        )
    } else {
        Tok::Int(
            text.parse()
                .map_err(|_| ODataError::at(i, format!("number '{text}' is out of range")))?,
        )
    };
    Ok((tok, end))
}
