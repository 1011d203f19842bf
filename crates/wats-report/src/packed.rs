//! The stored form of a WSJF document: LZ4 block format with its length first. Used by the
//! station's queue and the server's report table, so both read what either wrote.
//!
//! A stored blob may be damaged (a bad disk page, an edited database): reading it never trusts
//! the length prefix beyond what LZ4 can produce from the bytes that follow, so a damaged prefix
//! is an error, not a 4 GiB allocation.

/// LZ4 turns one input byte into at most 255 output bytes; a few more for the last sequence.
const MAX_RATIO: usize = 255;

/// Packs `document` for storage.
pub fn pack(document: &str) -> Vec<u8> {
    lz4_flex::compress_prepend_size(document.as_bytes())
}

/// Unpacks a stored document; `Err` says why a damaged one cannot be read.
pub fn unpack(packed: &[u8]) -> Result<String, String> {
    let damaged = |why: String| format!("damaged compressed document: {why}");
    let (prefix, body) = packed.split_first_chunk::<4>().ok_or_else(|| {
        damaged(format!(
            "{} bytes, shorter than its length prefix",
            packed.len()
        ))
    })?;
    let size = u32::from_le_bytes(*prefix) as usize;
    if size > body.len().saturating_mul(MAX_RATIO).saturating_add(16) {
        return Err(damaged(format!(
            "it claims {size} bytes from {} compressed ones",
            body.len()
        )));
    }
    let bytes = lz4_flex::decompress(body, size).map_err(|e| damaged(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| damaged(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let doc = r#"{"type":"T","sn":"SN-é"}"#.repeat(500);
        let packed = pack(&doc);
        assert!(packed.len() * 5 < doc.len());
        assert_eq!(unpack(&packed).unwrap(), doc);
        assert_eq!(unpack(&pack("")).unwrap(), "");
    }

    #[test]
    fn damaged_blobs_are_errors_not_allocations() {
        let packed = pack(&"x".repeat(10_000));
        // A length prefix far beyond what the body can hold.
        let mut huge = packed.clone();
        huge[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        let err = unpack(&huge).unwrap_err();
        assert!(err.contains("claims 4294967295 bytes"), "{err}");
        // Truncated body, truncated prefix, empty.
        assert!(unpack(&packed[..packed.len() / 2]).is_err());
        assert!(unpack(&packed[..3])
            .unwrap_err()
            .contains("shorter than its length prefix"));
        assert!(unpack(&[]).is_err());
        // Not UTF-8 inside.
        let latin1 = lz4_flex::compress_prepend_size(&[0xE9, 0x41]);
        assert!(unpack(&latin1).unwrap_err().contains("utf-8"));
    }

    proptest::proptest! {
        /// No input panics or allocates beyond its bound.
        #[test]
        fn any_bytes_unpack_without_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = unpack(&bytes);
        }
    }
}
