//! The configuration's unit tests.

use super::keys::{parse_key, render_path};
use super::*;

#[test]
fn key_paths() {
    assert_eq!(
        parse_key("converters.0.enabled").unwrap(),
        parse_key("converters[0].enabled").unwrap()
    );
    assert!(parse_key("").is_err());
    assert!(parse_key("a..b").is_err());
    assert!(parse_key("[0]").is_err());
    assert_eq!(
        render_path(&parse_key("converters.2.file_patterns.1").unwrap()),
        "converters[2].file_patterns[1]"
    );
}

#[test]
fn set_and_get_paths() {
    let mut doc = serde_json::json!({"converters": []});
    set_path(&mut doc, "converters.0.name", "a".into()).unwrap();
    set_path(&mut doc, "converters[0].enabled", false.into()).unwrap();
    set_path(&mut doc, "x.y", 3.into()).unwrap();
    assert_eq!(get_path(&doc, "converters.0.name").unwrap(), "a");
    assert_eq!(get_path(&doc, "x.y").unwrap(), 3);
    assert!(set_path(&mut doc, "converters.5.name", "b".into()).is_err());
    assert!(get_path(&doc, "converters.1").is_err());
}

#[test]
fn values_follow_the_schema() {
    assert_eq!(parse_value("station_name", "123").unwrap(), "123");
    assert_eq!(parse_value("converters.0.enabled", "no").unwrap(), false);
    assert_eq!(
        parse_value("converters.0.file_patterns", "*.xml, *.json").unwrap(),
        serde_json::json!(["*.xml", "*.json"])
    );
    assert!(parse_value("converters.0.priority", "high").is_err());
    assert_eq!(
        parse_value("custom", "{\"a\":1}").unwrap(),
        serde_json::json!({"a":1})
    );
    assert_eq!(parse_value("custom", "hello").unwrap(), "hello");
}

#[test]
fn sealing_round_trips_and_binds_to_the_key() {
    let a = TokenSealer::new(b"machine-a", b"salt-salt-salt-salt");
    let b = TokenSealer::new(b"machine-b", b"salt-salt-salt-salt");
    let sealed = a.seal(&Secret::new("tok3n")).unwrap();
    assert!(!sealed.contains("tok3n"));
    assert_eq!(a.open(&sealed).unwrap().expose(), "tok3n");
    assert!(b.open(&sealed).is_err());
    assert!(a.open("garbage").is_err());
}

#[test]
fn secrets_do_not_print() {
    let s = Secret::new("hunter2");
    assert!(!format!("{s:?} {s}").contains("hunter2"));
    let c = Config {
        api_token: Some(s),
        ..Config::default()
    };
    assert!(!format!("{c:?}").contains("hunter2"));
    assert!(!c.redacted_json().to_string().contains("hunter2"));
}
