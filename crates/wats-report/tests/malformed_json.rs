//! Malformed WSJF gives a clear error with line, column and field path, never a panic.

use crate::common;

use wats_report::{wsjf, ReadError};

fn syntax(text: &str) -> (String, usize, String) {
    match wsjf::from_str(text) {
        Err(ReadError::Syntax { location, message }) => (location.path, location.line, message),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn wrong_type_names_the_field_path() {
    let text = r#"{"type":"T","root":{"steps":[{"name":"a"},{"name":"b","numericMeas":[{"value":"high"}]}]}}"#;
    let (path, line, message) = syntax(text);
    assert_eq!(path, "root.steps[1].numericMeas[0].value");
    assert_eq!(line, 1);
    assert!(message.contains("\"high\""), "{message}");
}

#[test]
fn bad_enum_values_name_the_field() {
    let (path, _, message) = syntax(r#"{"result":"X"}"#);
    assert_eq!(path, "result");
    assert!(message.contains("invalid status \"X\""), "{message}");
    let (path, _, _) = syntax(r#"{"id":"not-a-guid"}"#);
    assert_eq!(path, "id");
    let (path, _, message) = syntax(r#"{"start":"yesterday"}"#);
    assert_eq!(path, "start");
    assert!(message.contains("invalid date-time"), "{message}");
    let (path, _, _) = syntax(r#"{"root":{"steps":[{"group":"Q"}]}}"#);
    assert_eq!(path, "root.steps[0].group");
    let (path, _, _) = syntax(r#"{"root":{"id":1.5}}"#);
    assert_eq!(path, "root.id");
}

#[test]
fn truncated_input_says_where() {
    let full = common::sample("wats/uut-wsjf-export.json");
    for cut in [1, 100, full.len() / 2, full.len() - 1] {
        let (_, line, message) = syntax(&full[..cut]);
        assert_eq!(line, 1, "{message}");
        assert!(message.contains("EOF"), "cut {cut}: {message}");
    }
}

#[test]
fn not_an_object() {
    for text in ["", "[]x", "42", "\"report\"", "null", "{\"type\":\"T\",}"] {
        assert!(wsjf::from_str(text).is_err(), "{text:?}");
    }
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let depth = 100_000;
    let text = format!(
        "{}{}",
        r#"{"root":{"steps":["#.repeat(depth),
        "]}}".repeat(depth)
    );
    let (_, _, message) = syntax(&text);
    assert!(message.contains("recursion limit"), "{message}");
}

#[test]
fn invalid_utf8_says_where() {
    let bytes = b"{\"sn\":\"ab\xff\"}";
    match wsjf::from_slice(bytes) {
        Err(ReadError::Syntax { location, message }) => {
            assert_eq!((location.line, location.column), (1, 10));
            assert!(message.contains("UTF-8"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    use proptest::prelude::*;
    proptest!(ProptestConfig::with_cases(2000), |(bytes in proptest::collection::vec(any::<u8>(), 0..512))| {
        let _ = wsjf::from_slice(&bytes);
    });
}

#[test]
fn mutated_export_never_panics() {
    use proptest::prelude::*;
    let base = common::sample("wats/uut-wsjf-export.json").into_bytes();
    proptest!(ProptestConfig::with_cases(500), |(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8))| {
        let mut bytes = base.clone();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let _ = wsjf::from_slice(&bytes);
    });
}

#[test]
fn too_many_objects_are_refused_before_parsing() {
    // Two million and one tiny steps would take gigabytes as a model.
    let text = format!(
        r#"{{"root":{{"steps":[{}{{}}]}}}}"#,
        "{},".repeat(2_000_000)
    );
    let (_, _, message) = syntax(&text);
    assert!(
        message.contains("more than the limit of 2000000"),
        "{message}"
    );
}
