//! Reading one file out of a `multipart/form-data` body (RFC 7578), for the uploads that
//! WATS takes that way. The body is already in memory, bounded by the request-body limit.

use crate::error::ApiError;

/// A file part.
#[derive(Debug, PartialEq)]
pub struct FilePart {
    /// The part's `filename` (or its field name when it has none).
    pub filename: String,
    /// The part's `Content-Type` (`application/octet-stream` when absent).
    pub content_type: String,
    /// The content.
    pub data: Vec<u8>,
}

fn bad(message: &str) -> ApiError {
    ApiError::bad_request(format!("invalid multipart/form-data body: {message}"))
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// A `name="value"` parameter of a header value.
fn param(header: &str, name: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// The part named `field` of a `multipart/form-data` body whose `Content-Type` is
/// `content_type`; a 400 saying what is wrong otherwise.
pub fn file_part(content_type: &str, body: &[u8], field: &str) -> Result<FilePart, ApiError> {
    if !content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return Err(bad(&format!(
            "expected Content-Type multipart/form-data with a field '{field}'"
        )));
    }
    let boundary = param(content_type, "boundary")
        .filter(|b| !b.is_empty() && b.len() <= 70)
        .ok_or_else(|| bad("no boundary in Content-Type"))?;
    let delimiter = format!("--{boundary}");
    let next_delimiter = format!("\r\n--{boundary}");
    let mut at =
        find(body, delimiter.as_bytes(), 0).ok_or_else(|| bad("no part"))? + delimiter.len();
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            return Err(bad(&format!("no field '{field}'")));
        }
        let head_start = find(body, b"\r\n", at).ok_or_else(|| bad("truncated"))? + 2;
        let head_end = find(body, b"\r\n\r\n", head_start).ok_or_else(|| bad("truncated"))?;
        let head = String::from_utf8_lossy(&body[head_start..head_end]);
        let content_start = head_end + 4;
        let content_end = find(body, next_delimiter.as_bytes(), content_start)
            .ok_or_else(|| bad("a part has no closing boundary"))?;
        let mut name = None;
        let mut filename = None;
        let mut part_type = None;
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                name = param(v, "name");
                filename = param(v, "filename");
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                part_type = Some(v.trim().to_owned());
            }
        }
        if name.as_deref() == Some(field) {
            return Ok(FilePart {
                filename: filename
                    .filter(|f| !f.is_empty())
                    .unwrap_or_else(|| field.to_owned()),
                content_type: part_type.unwrap_or_else(|| "application/octet-stream".to_owned()),
                data: body[content_start..content_end].to_vec(),
            });
        }
        at = content_end + next_delimiter.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CT: &str = "multipart/form-data; boundary=\"XyZ\"";

    #[test]
    fn the_named_part_is_found() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a b.png\"\r\n\
Content-Type: image/png\r\n\r\n\x89PNG\r\n--XyZ\r\n\r\n--XyZ--\r\n";
        let p = file_part(CT, body, "file").unwrap();
        assert_eq!(
            (p.filename.as_str(), p.content_type.as_str(), &p.data[..]),
            ("a b.png", "image/png", &b"\x89PNG"[..])
        );
    }

    #[test]
    fn bad_bodies_are_400s() {
        for (ct, body) in [
            ("application/json", &b"{}"[..]),
            ("multipart/form-data", b"--x\r\n"),
            (CT, b"--XyZ--\r\n"),
            (
                CT,
                b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno end",
            ),
            (CT, b""),
        ] {
            let e = file_part(ct, body, "file").unwrap_err();
            assert_eq!(e.status(), 400, "{ct}: {e}");
        }
    }
}
