//! Rules on report content this server adds to `wats-report`'s validation, because it keeps
//! and serves back what it is sent:
//!
//! * unknown keys take at most [`MAX_UNKNOWN_BYTES`] per report (WATS drops them; this
//!   server keeps them, and 30 MB of them made every header query return megabytes);
//! * attachment content is canonical base64: .NET (and the validator) accept `QR==`, whose
//!   unused bits are not zero, but a strict decoder does not, and such a report was stored,
//!   then every fetch of it failed;
//! * an attachment's `contentType` is a media type (`type/subtype`, optional parameters, no
//!   control characters), since it is sent back as a `Content-Type` header: one with CR/LF
//!   was stored and then could not be served.
//!
//! String lengths are `wats-report`'s ([`wats_report::validate`], report-formats §1.15): one
//! place for them, shared with the station's own checks.

use wats_report::validate::ValidationError;
use wats_report::Report;

/// Bytes unknown keys may take in one report (names and values as JSON, all objects
/// together): room for the odd key from a newer client, not for a payload.
pub const MAX_UNKNOWN_BYTES: usize = 64 * 1024;

/// The attachment problems of `report` (step attachments and `binaryData`), with their paths.
pub fn check_attachments(report: &Report) -> Vec<ValidationError> {
    let mut errors = Vec::new();
    let mut check = |path: String, content_type: Option<&str>, data: Option<&str>| {
        if let Some(ct) = content_type.filter(|ct| !is_media_type(ct)) {
            errors.push(ValidationError {
                path: format!("{path}.contentType"),
                message: format!(
                    "{:?} is not a media type (type/subtype, printable ASCII, e.g. image/png)",
                    ct.chars().take(100).collect::<String>()
                ),
                limit: None,
            });
        }
        if let Some(why) = data.and_then(non_canonical_base64) {
            errors.push(ValidationError {
                path: format!("{path}.data"),
                message: format!("is not canonical base64: {why}"),
                limit: None,
            });
        }
    };
    for (i, b) in report.binary_data.iter().flatten().enumerate() {
        check(
            format!("binaryData[{i}]"),
            b.content_type.as_deref(),
            b.data.as_deref(),
        );
    }
    if let Some(root) = &report.root {
        walk(root, &mut String::from("root"), &mut check);
    }
    errors
}

fn walk(
    step: &wats_report::Step,
    path: &mut String,
    check: &mut impl FnMut(String, Option<&str>, Option<&str>),
) {
    if let Some(a) = step.attachment.as_deref() {
        check(
            format!("{path}.attachment"),
            a.content_type.as_deref(),
            a.data.as_deref(),
        );
    }
    for (i, child) in step.children().iter().enumerate() {
        let mark = path.len();
        path.push_str(&format!(".steps[{i}]"));
        walk(child, path, check);
        path.truncate(mark);
    }
}

/// Whether `text` is a media type that can be sent as a `Content-Type` header:
/// `token "/" token` then anything printable (parameters), no control characters or DEL.
pub fn is_media_type(text: &str) -> bool {
    let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if text
        .bytes()
        .any(|b| b.is_ascii_control() && b != b'\t' || !b.is_ascii())
    {
        return false;
    }
    let (essence, params) = text.split_once(';').unwrap_or((text, ""));
    let Some((kind, sub)) = essence.trim_matches(' ').split_once('/') else {
        return false;
    };
    !kind.is_empty()
        && !sub.is_empty()
        && kind.bytes().all(tchar)
        && sub.bytes().all(tchar)
        && params
            .bytes()
            .all(|b| b == b'\t' || (b' '..0x7f).contains(&b))
}

/// Why `data` (base64 the validator accepted: the alphabet, whitespace, padding) is not
/// canonical, if it is not: the unused low bits of its last symbol must be zero.
fn non_canonical_base64(data: &str) -> Option<String> {
    let symbols: Vec<u8> = data
        .bytes()
        .rev()
        .filter(|b| !b.is_ascii_whitespace())
        .take(3)
        .collect();
    let padding = symbols.iter().take_while(|&&b| b == b'=').count();
    let last = *symbols.get(padding)?;
    let value = match last {
        b'A'..=b'Z' => last - b'A',
        b'a'..=b'z' => last - b'a' + 26,
        b'0'..=b'9' => last - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    let unused = match padding {
        1 => value & 0b11,
        2 => value & 0b1111,
        _ => 0,
    };
    (unused != 0).then(|| {
        format!(
            "the last symbol '{}' leaves bits set that no byte uses (a decoder may read it \
             differently)",
            last as char
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        for ok in [
            "image/png",
            "text/plain; charset=utf-8",
            "application/vnd.ms-excel",
        ] {
            assert!(is_media_type(ok), "{ok}");
        }
        for bad in [
            "png",
            "image/",
            "/png",
            "text/plain\r\nX-Evil: 1",
            "text/plain; a=\u{7f}",
            "text/plain\n",
            "image/pn g",
            "bild/übersicht",
            "",
        ] {
            assert!(!is_media_type(bad), "{bad:?}");
        }
    }

    #[test]
    fn canonical_base64() {
        for ok in ["QQ==", "QUI=", "QUJD", "", "QU\nJD", "QQ==\n"] {
            assert_eq!(non_canonical_base64(ok), None, "{ok:?}");
        }
        for bad in ["QR==", "QUJ=", "QUJDQR==\r\n"] {
            assert!(non_canonical_base64(bad).is_some(), "{bad:?}");
        }
    }
}
