//! Reading an uploaded package zip safely, entirely in memory, before anything is written:
//! a zip that breaks a rule is refused whole.
//!
//! Refused: names with `..` segments, absolute names (`/x`, `\x`, `C:x`), symbolic links,
//! files at the zip's top (WATS: "Zip cannot contain files on root. All files need to be in
//! folder"), a zip larger than [`MAX_ZIP_BYTES`], more than [`MAX_ENTRIES`] entries, more than
//! [`MAX_UNPACKED_BYTES`] unpacked in total, an entry of over 1 MiB inflating more than
//! [`MAX_RATIO`] times its packed size (a zip bomb), and truncated or corrupt archives. Sizes
//! are counted as bytes are actually inflated, never taken from the headers.

use std::io::Read as _;

use crate::error::ApiError;

/// The largest zip accepted: 64 MiB.
pub const MAX_ZIP_BYTES: usize = 64 * 1024 * 1024;
/// The most entries (files and folders) in one zip.
pub const MAX_ENTRIES: usize = 10_000;
/// The most bytes one zip may unpack to: 256 MiB.
pub const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;
/// The largest ratio of unpacked to packed size of one entry over 1 MiB.
pub const MAX_RATIO: u64 = 100;
/// Entries up to this size are not held to [`MAX_RATIO`] (a small text of spaces packs
/// well, legitimately).
const RATIO_FREE_BYTES: u64 = 1024 * 1024;

/// What a zip holds: folder paths and files, `/`-separated, relative to the package.
#[derive(Debug, Default)]
pub struct Unpacked {
    /// Folders (including those only implied by a file's path), parents first.
    pub folders: Vec<String>,
    /// Files: path and content.
    pub files: Vec<(String, Vec<u8>)>,
}

fn refuse(message: String) -> ApiError {
    ApiError::bad_request(format!(
        "The zip was refused, nothing was written: {message}"
    ))
}

/// Checks an entry's name; returns it `/`-separated, without a trailing `/`.
pub fn clean_path(raw: &str) -> Result<String, ApiError> {
    let name = raw.replace('\\', "/");
    let bytes = name.as_bytes();
    if name.starts_with('/') || (bytes.len() >= 2 && bytes[1] == b':') {
        return Err(refuse(format!("'{raw}' is an absolute path")));
    }
    let parts: Vec<&str> = name
        .trim_end_matches('/')
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.contains(&"..") {
        return Err(refuse(format!("'{raw}' leaves the package ('..')")));
    }
    if parts.is_empty() {
        return Err(refuse(format!("'{raw}' names no file")));
    }
    if parts.iter().any(|p| p.chars().any(char::is_control)) {
        return Err(refuse(format!("'{raw}' contains control characters")));
    }
    Ok(parts.join("/"))
}

fn add_folders(out: &mut Unpacked, path: &str, include_self: bool) {
    let parts: Vec<&str> = path.split('/').collect();
    let upto = if include_self {
        parts.len()
    } else {
        parts.len() - 1
    };
    for n in 1..=upto {
        let folder = parts[..n].join("/");
        if !out.folders.iter().any(|f| f.eq_ignore_ascii_case(&folder)) {
            out.folders.push(folder);
        }
    }
}

/// Unpacks a zip under the rules above.
pub fn unpack(bytes: &[u8]) -> Result<Unpacked, ApiError> {
    if bytes.len() > MAX_ZIP_BYTES {
        return Err(ApiError::Limited {
            status: axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            message: format!(
                "The zip is {} bytes; at most {MAX_ZIP_BYTES} bytes are accepted (MAX_ZIP_BYTES)",
                bytes.len()
            ),
            retry_after: None,
        });
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| refuse(format!("not a readable zip ({e})")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(refuse(format!(
            "{} entries; at most {MAX_ENTRIES} are accepted (MAX_ENTRIES)",
            archive.len()
        )));
    }
    let mut out = Unpacked::default();
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| refuse(format!("entry {i} is unreadable ({e})")))?;
        let raw = entry.name().to_owned();
        let path = clean_path(&raw)?;
        if entry.is_symlink() {
            return Err(refuse(format!("'{raw}' is a symbolic link")));
        }
        if entry.is_dir() {
            add_folders(&mut out, &path, true);
            continue;
        }
        if !path.contains('/') {
            return Err(refuse(format!(
                "'{raw}' is at the zip's top; every file must be in a folder \
                 (zipFile/myFolder/myFile.txt)"
            )));
        }
        if out.files.iter().any(|(p, _)| p.eq_ignore_ascii_case(&path)) {
            return Err(refuse(format!("'{raw}' is in the zip twice")));
        }
        let packed = entry.compressed_size().max(1);
        let room = MAX_UNPACKED_BYTES - total;
        let mut content = Vec::new();
        (&mut entry)
            .take(room + 1)
            .read_to_end(&mut content)
            .map_err(|e| refuse(format!("'{raw}' cannot be unpacked ({e})")))?;
        let size = content.len() as u64;
        if size > room {
            return Err(refuse(format!(
                "it unpacks to more than {MAX_UNPACKED_BYTES} bytes (MAX_UNPACKED_BYTES)"
            )));
        }
        if size > RATIO_FREE_BYTES && size / packed > MAX_RATIO {
            return Err(refuse(format!(
                "'{raw}' inflates {}x ({size} bytes from {packed}); at most {MAX_RATIO}x is \
                 accepted (MAX_RATIO)",
                size / packed
            )));
        }
        total += size;
        add_folders(&mut out, &path, false);
        out.files.push((path, content));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, o).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn names() {
        assert_eq!(clean_path("bin\\tool.exe").unwrap(), "bin/tool.exe");
        assert_eq!(clean_path("./a/./b/").unwrap(), "a/b");
        for bad in ["/etc/passwd", "\\x", "C:/x", "a/../../x", "..", ""] {
            assert!(clean_path(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn good_zip_and_bomb() {
        let u = unpack(&zip_of(&[
            ("app/bin/a.txt", b"hello"),
            ("app/readme", b"hi"),
        ]))
        .unwrap();
        assert_eq!(u.folders, ["app", "app/bin"]);
        assert_eq!(u.files.len(), 2);
        let zeros = vec![0u8; 8 * 1024 * 1024];
        let err = unpack(&zip_of(&[("app/zeros", &zeros)])).unwrap_err();
        assert!(err.to_string().contains("MAX_RATIO"), "{err}");
        let err = unpack(&zip_of(&[("top.txt", b"x")])).unwrap_err();
        assert!(err.to_string().contains("top"), "{err}");
        let z = zip_of(&[("app/a", b"hello world")]);
        assert!(unpack(&z[..z.len() / 2]).is_err());
    }

    #[test]
    fn too_many_entries() {
        let names: Vec<String> = (0..=MAX_ENTRIES).map(|i| format!("app/{i}")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
        let err = unpack(&zip_of(&entries)).unwrap_err();
        assert!(err.to_string().contains("MAX_ENTRIES"), "{err}");
    }
}
