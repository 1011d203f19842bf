//! The stored form of a WSJF document: LZ4 block format with its length first. Used by the
//! station's queue and the server's report table, so both read what either wrote.
//!
//! A stored blob may be damaged (a bad disk page, an edited database): reading it never trusts
//! the length prefix beyond the size the caller recorded for the document, nor beyond what LZ4
//! can produce from the bytes that follow, and the document must decode to exactly that length.
//! A damaged blob is an error, never a 4 GiB allocation or a shortened document.

/// LZ4 turns one input byte into at most 255 output bytes; a few more for the last sequence.
const MAX_RATIO: usize = 255;

/// Packs `document` for storage.
pub fn pack(document: &str) -> Vec<u8> {
    lz4_flex::compress_prepend_size(document.as_bytes())
}

/// Unpacks a stored document of at most `max_len` bytes (what the caller recorded when it
/// stored it); `Err` says why a damaged one cannot be read.
pub fn unpack(packed: &[u8], max_len: usize) -> Result<String, String> {
    let damaged = |why: String| format!("damaged compressed document: {why}");
    let (prefix, body) = packed.split_first_chunk::<4>().ok_or_else(|| {
        damaged(format!(
            "{} bytes, shorter than its length prefix",
            packed.len()
        ))
    })?;
    let size = u32::from_le_bytes(*prefix) as usize;
    if size > max_len {
        return Err(damaged(format!(
            "it claims {size} bytes, more than the {max_len} recorded for it"
        )));
    }
    if size > body.len().saturating_mul(MAX_RATIO).saturating_add(16) {
        return Err(damaged(format!(
            "it claims {size} bytes from {} compressed ones",
            body.len()
        )));
    }
    let bytes = lz4_flex::decompress(body, size).map_err(|e| damaged(e.to_string()))?;
    // LZ4 stops without an error where a truncated body ends after literals.
    if bytes.len() != size {
        return Err(damaged(format!(
            "it decodes to {} bytes, not the {size} it claims (truncated?)",
            bytes.len()
        )));
    }
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
        assert_eq!(unpack(&packed, doc.len()).unwrap(), doc);
        assert_eq!(unpack(&pack(""), 0).unwrap(), "");
    }

    #[test]
    fn damaged_blobs_are_errors_not_allocations() {
        let doc = "x".repeat(10_000);
        let packed = pack(&doc);
        // A length prefix beyond the recorded size, or beyond what the body can hold.
        let err = unpack(&packed, 9_999).unwrap_err();
        assert!(
            err.contains("claims 10000 bytes, more than the 9999"),
            "{err}"
        );
        let mut huge = packed.clone();
        huge[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        let err = unpack(&huge, usize::MAX).unwrap_err();
        assert!(err.contains("claims 4294967295 bytes from"), "{err}");
        // Truncated body, truncated prefix, empty.
        assert!(unpack(&packed[..packed.len() / 2], doc.len()).is_err());
        assert!(unpack(&packed[..3], doc.len())
            .unwrap_err()
            .contains("shorter than its length prefix"));
        assert!(unpack(&[], 0).is_err());
        // Not UTF-8 inside.
        let latin1 = lz4_flex::compress_prepend_size(&[0xE9, 0x41]);
        assert!(unpack(&latin1, 2).unwrap_err().contains("utf-8"));
    }

    #[test]
    fn a_body_cut_after_literals_is_not_a_shorter_document() {
        // Incompressible text is one run of literals: cutting it leaves a valid LZ4 prefix.
        let doc: String = (0..2_000u32)
            .map(|i| char::from(b'a' + (i.wrapping_mul(2_654_435_761) >> 27) as u8 % 26))
            .collect();
        let packed = pack(&doc);
        // Some cuts decode without an LZ4 error, to a shorter text.
        for cut in 4..packed.len() {
            let err = unpack(&packed[..cut], doc.len()).unwrap_err();
            assert!(err.contains("damaged"), "{cut}: {err}");
        }
    }

    proptest::proptest! {
        /// No input panics or allocates beyond its bound.
        #[test]
        fn any_bytes_unpack_without_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = unpack(&bytes, usize::MAX);
        }
    }
}
