//! The schema: every key with its kind, and the check of a document against it.

use super::*;

#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Kind {
    Str,
    Bool,
    Int(i64, i64),
    Number(f64, f64),
    Enum(&'static [&'static str]),
    Strings,
    Object,
    Converters,
}

const TOP_LEVEL: &[(&str, Kind)] = &[
    ("service_address", Kind::Str),
    ("api_token", Kind::Str),
    (TOKEN_KEY, Kind::Str),
    ("station_name", Kind::Str),
    ("location", Kind::Str),
    ("purpose", Kind::Str),
    ("rescan_interval_seconds", Kind::Int(1, 86_400)),
    ("settle_seconds", Kind::Number(0.0, 3600.0)),
    ("control_address", Kind::Str),
    ("local_server_address", Kind::Str),
    ("upload_concurrency", Kind::Int(1, 64)),
    ("reconnect_max_seconds", Kind::Int(1, 3600)),
    ("max_queue_entries", Kind::Int(1, 100_000_000)),
    ("keep_done_hours", Kind::Int(0, 87_600)),
    ("converters", Kind::Converters),
    // Where `wats-client software install` puts packages (default: `<data>/software`).
    ("software_folder", Kind::Str),
    // Packages the running station keeps at their newest release, and how often it looks.
    ("software_packages", Kind::Strings),
    ("software_check_minutes", Kind::Int(1, 10_080)),
];

const CONVERTER: &[(&str, Kind)] = &[
    ("name", Kind::Str),
    ("converter", Kind::Str),
    ("enabled", Kind::Bool),
    ("watch_folder", Kind::Str),
    ("file_patterns", Kind::Strings),
    ("recursive", Kind::Bool),
    ("watch_mode", Kind::Enum(&["events", "poll"])),
    ("post_action", Kind::Enum(&["move", "delete", "keep"])),
    ("done_folder", Kind::Str),
    ("error_folder", Kind::Str),
    ("priority", Kind::Int(1, 10)),
    ("arguments", Kind::Object),
    ("follow_symlinks", Kind::Bool),
    ("auto_truncate", Kind::Bool),
];

pub(super) fn kind_of(path: &[Segment]) -> Option<Kind> {
    match path {
        [Segment::Key(k)] => TOP_LEVEL.iter().find(|(n, _)| n == k).map(|(_, k)| *k),
        [Segment::Key(c), Segment::Index(_), Segment::Key(k)] if c == "converters" => {
            CONVERTER.iter().find(|(n, _)| n == k).map(|(_, k)| *k)
        }
        [Segment::Key(c), Segment::Index(_), Segment::Key(k), Segment::Index(_)]
            if c == "converters" && k == "file_patterns" =>
        {
            Some(Kind::Str)
        }
        _ => None,
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn check_kind(path: &str, kind: Kind, value: &Value, out: &mut Vec<Problem>) {
    let found = describe(value);
    match kind {
        Kind::Str => {
            if !value.is_string() {
                out.push(problem(path, format!("expected a string, found {found}")));
            }
        }
        Kind::Bool => {
            if !value.is_boolean() {
                out.push(problem(
                    path,
                    format!("expected true or false, found {found}"),
                ));
            }
        }
        Kind::Int(lo, hi) => match value.as_i64() {
            Some(n) if (lo..=hi).contains(&n) => {}
            _ => out.push(problem(
                path,
                format!("expected an integer from {lo} to {hi}, found {found}"),
            )),
        },
        Kind::Number(lo, hi) => match value.as_f64() {
            Some(n) if (lo..=hi).contains(&n) => {}
            _ => out.push(problem(
                path,
                format!("expected a number from {lo} to {hi}, found {found}"),
            )),
        },
        Kind::Enum(options) => match value.as_str() {
            Some(s) if options.contains(&s) => {}
            _ => out.push(problem(
                path,
                format!("expected one of {}, found {found}", options.join(", ")),
            )),
        },
        Kind::Object => {
            if !value.is_object() {
                out.push(problem(path, format!("expected an object, found {found}")));
            }
        }
        Kind::Strings => match value.as_array() {
            None => out.push(problem(
                path,
                format!("expected an array of glob patterns, found {found}"),
            )),
            Some(items) => {
                for (j, item) in items.iter().enumerate() {
                    let at = format!("{path}[{j}]");
                    match item.as_str() {
                        None => out.push(problem(
                            at,
                            format!("expected a glob pattern, found {}", describe(item)),
                        )),
                        Some(p) => {
                            if let Err(e) = globset::Glob::new(p) {
                                out.push(problem(
                                    at,
                                    format!("invalid glob pattern: {}", e.kind()),
                                ));
                            }
                        }
                    }
                }
            }
        },
        Kind::Converters => match value.as_array() {
            None => out.push(problem(path, format!("expected an array, found {found}"))),
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    let at = format!("{path}[{i}]");
                    let Some(obj) = item.as_object() else {
                        out.push(problem(
                            at,
                            format!("expected an object, found {}", describe(item)),
                        ));
                        continue;
                    };
                    for (key, kind) in CONVERTER {
                        if let Some(v) = obj.get(*key) {
                            check_kind(&format!("{at}.{key}"), *kind, v, out);
                        }
                    }
                }
            }
        },
    }
}

/// Type, range, enum and glob checks over a whole document, each finding with its key path.
/// Unknown keys are not problems (they are kept).
pub fn check_schema(doc: &Value) -> Vec<Problem> {
    let mut out = Vec::new();
    let Some(obj) = doc.as_object() else {
        out.push(problem(
            "(document)",
            format!("expected a JSON object, found {}", describe(doc)),
        ));
        return out;
    };
    for (key, kind) in TOP_LEVEL {
        if let Some(v) = obj.get(*key) {
            check_kind(key, *kind, v, &mut out);
        }
    }
    out
}
