//! The validator's unit tests.

use super::base64_decoded_len;

#[test]
fn base64_lengths() {
    assert_eq!(base64_decoded_len(""), Ok(0));
    assert_eq!(base64_decoded_len("TWFu"), Ok(3));
    assert_eq!(base64_decoded_len("TWE="), Ok(2));
    assert_eq!(base64_decoded_len("TQ=="), Ok(1));
    assert_eq!(base64_decoded_len("TW\r\nFu"), Ok(3));
    assert!(base64_decoded_len("TWF").is_err());
    assert!(base64_decoded_len("TQ=a").is_err());
    assert!(base64_decoded_len("T===").is_err());
    assert!(base64_decoded_len("TW-u").is_err());
}
