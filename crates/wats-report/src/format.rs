//! Recognizing and reading report files of either WATS format.

use std::io::Read;
use std::path::Path;

use crate::error::ReadError;
use crate::report::Report;

/// The largest file read by default: 256 MiB. Larger files are refused before reading.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The most JSON objects or XML elements one input may hold: two million, enough for a report
/// of about a million steps. Each becomes a few hundred bytes of model, so this bounds the
/// memory a hostile file can make the reader take (a 256 MiB file of `{},` would otherwise
/// become tens of GB of steps).
pub const MAX_NODES: usize = 2_000_000;

/// Refuses input with more than [`MAX_NODES`] `{` (JSON) or `<` (XML) before parsing it.
/// Braces inside strings are counted too: the bound errs on the safe side.
pub(crate) fn check_node_budget(bytes: &[u8], open: u8) -> Result<(), ReadError> {
    // A document shorter than the limit cannot hold more nodes than that: most are, and the
    // count was a tenth of reading a WSXF report.
    if bytes.len() <= MAX_NODES {
        return Ok(());
    }
    let nodes = memchr::memchr_iter(open, bytes).count();
    if nodes > MAX_NODES {
        return Err(ReadError::syntax(
            crate::error::Location::default(),
            format!("{nodes} objects or elements is more than the limit of {MAX_NODES}"),
        ));
    }
    Ok(())
}

/// A WATS report file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// WATS Standard JSON Format.
    Wsjf,
    /// WATS Standard XML Format.
    Wsxf,
}

impl Format {
    /// The format's short name (`wsjf`, `wsxf`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Wsjf => "wsjf",
            Format::Wsxf => "wsxf",
        }
    }

    /// Looks a format up by its short name (case-insensitive).
    pub fn from_name(name: &str) -> Option<Format> {
        [Format::Wsjf, Format::Wsxf]
            .into_iter()
            .find(|f| name.eq_ignore_ascii_case(f.name()))
    }

    /// Recognizes the format from the content: a JSON object or array is WSJF, XML whose
    /// first element is `Reports` or `Report` is WSXF.
    pub fn detect(bytes: &[u8]) -> Option<Format> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
        let head = &bytes[start..bytes.len().min(start + 4096)];
        match head.first()? {
            b'{' | b'[' => Some(Format::Wsjf),
            b'<' => first_element(head)
                .filter(|name| matches!(*name, b"Reports" | b"Report"))
                .map(|_| Format::Wsxf),
            _ => None,
        }
    }

    /// Reads the reports in `bytes` (WSJF may hold an array of reports; WSXF holds one).
    pub fn read(self, bytes: &[u8]) -> Result<Vec<Report>, ReadError> {
        match self {
            Format::Wsjf => crate::wsjf::from_str_many(crate::wsjf::decode_utf8(bytes)?),
            Format::Wsxf => crate::wsxf::from_slice(bytes).map(|r| vec![r]),
        }
    }
}

/// The local name of the first element of an XML document, skipping the declaration,
/// comments and processing instructions.
fn first_element(xml: &[u8]) -> Option<&[u8]> {
    let mut rest = xml;
    loop {
        let open = rest.iter().position(|&b| b == b'<')?;
        rest = &rest[open + 1..];
        match rest.first()? {
            b'?' | b'!' => {
                let close = rest.iter().position(|&b| b == b'>')?;
                rest = &rest[close + 1..];
            }
            _ => {
                let end = rest
                    .iter()
                    .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
                    .unwrap_or(rest.len());
                let name = &rest[..end];
                return Some(match name.iter().position(|&b| b == b':') {
                    Some(colon) => &name[colon + 1..],
                    None => name,
                });
            }
        }
    }
}

/// Reads a file of at most `max_bytes` (checked before reading all of a large file, and again
/// while reading in case the file grows).
///
/// A small file is read without asking its size first: one system call fewer per file, which
/// is a tenth of converting a Klippel test (a header and six small data files).
pub fn read_limited(path: &Path, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
    const PROBE: u64 = 16 * 1024;
    let file_name = || path.display().to_string();
    let io = |source| ReadError::Io {
        file: file_name(),
        source,
    };
    let too_large = |size| ReadError::TooLarge {
        file: file_name(),
        size,
        limit: max_bytes,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = vec![0; PROBE.min(max_bytes.saturating_add(1)) as usize];
    let (mut filled, mut at_end) = (0, false);
    while filled < bytes.len() {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => {
                at_end = true;
                break;
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(e)),
        }
    }
    bytes.truncate(filled);
    if at_end {
        return Ok(bytes);
    }
    // The probe is full, so the file is large: refuse it by its size before reading it all.
    let size = file.metadata().map_err(io)?.len();
    if size > max_bytes {
        return Err(too_large(size));
    }
    bytes.reserve((size as usize).saturating_sub(filled));
    file.take(max_bytes.saturating_add(1).saturating_sub(filled as u64))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Reads a report file, detecting its format unless `format` is given. Errors name the file.
pub fn read_file(
    path: &Path,
    format: Option<Format>,
    max_bytes: u64,
) -> Result<(Format, Vec<Report>), ReadError> {
    let bytes = read_limited(path, max_bytes)?;
    let format = match format.or_else(|| Format::detect(&bytes)) {
        Some(f) => f,
        None => return Err(ReadError::UnknownFormat(path.display().to_string())),
    };
    let reports = format.read(&bytes).map_err(|e| e.in_file(path))?;
    Ok((format, reports))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small files (read without a stat) and large ones (refused by their size) alike: all of a
    /// file within the limit, an error naming the size beyond it.
    #[test]
    fn reads_within_the_limit_and_refuses_beyond() {
        let dir = std::env::temp_dir().join(format!("wats-read-limited-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for size in [0usize, 10, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 100_000] {
            let path = dir.join(format!("f{size}"));
            let content: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &content).unwrap();
            assert_eq!(read_limited(&path, size as u64).unwrap(), content, "{size}");
            assert_eq!(read_limited(&path, u64::MAX).unwrap(), content, "{size}");
            if size > 0 {
                match read_limited(&path, size as u64 - 1) {
                    Err(ReadError::TooLarge { size: s, .. }) => assert_eq!(s, size as u64),
                    other => panic!("{size}: {other:?}"),
                }
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn detects_by_content() {
        assert_eq!(Format::detect(b"  {\"type\":\"T\"}"), Some(Format::Wsjf));
        assert_eq!(Format::detect(b"\xEF\xBB\xBF[{}]"), Some(Format::Wsjf));
        assert_eq!(
            Format::detect(b"<?xml version=\"1.0\"?><!-- c --><Reports xmlns=\"x\"/>"),
            Some(Format::Wsxf)
        );
        assert_eq!(Format::detect(b"<w:Report/>"), Some(Format::Wsxf));
        assert_eq!(Format::detect(b"<html></html>"), None);
        assert_eq!(Format::detect(b"SN,PN\n1,2"), None);
        assert_eq!(Format::detect(b""), None);
    }
}
