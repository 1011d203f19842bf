//! Dotted key paths (`converters[0].watch_folder`) for `config get/set/unset`.

use super::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Segment {
    Key(String),
    Index(usize),
}

/// `converters.0.enabled` and `converters[0].enabled` both name the same value.
pub(super) fn parse_key(key: &str) -> Result<Vec<Segment>, ConfigError> {
    let bad = || ConfigError::Key(format!("invalid key {key:?}"));
    let mut out = Vec::new();
    for part in key.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            match name.parse::<usize>() {
                Ok(i) if !out.is_empty() => out.push(Segment::Index(i)),
                _ => out.push(Segment::Key(name.to_string())),
            }
        } else if rest.is_empty() {
            return Err(bad());
        }
        while let Some(stripped) = rest.strip_prefix('[') {
            let end = stripped.find(']').ok_or_else(bad)?;
            let i = stripped[..end].parse::<usize>().map_err(|_| bad())?;
            out.push(Segment::Index(i));
            rest = &stripped[end + 1..];
        }
        if !rest.is_empty() {
            return Err(bad());
        }
    }
    if out.is_empty() || !matches!(out[0], Segment::Key(_)) {
        return Err(bad());
    }
    Ok(out)
}

pub(super) fn render_path(path: &[Segment]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Segment::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Segment::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Is `key` the token (which `get` refuses and `set` seals)?
pub fn is_token_key(key: &str) -> bool {
    matches!(key, "api_token" | TOKEN_KEY)
}

/// The value at a dotted key path in a document.
pub fn get_path<'a>(doc: &'a Value, key: &str) -> Result<&'a Value, ConfigError> {
    let path = parse_key(key)?;
    let mut here = doc;
    for (n, seg) in path.iter().enumerate() {
        let next = match seg {
            Segment::Key(k) => here.as_object().and_then(|o| o.get(k)),
            Segment::Index(i) => here.as_array().and_then(|a| a.get(*i)),
        };
        here = next
            .ok_or_else(|| ConfigError::Key(format!("no setting {}", render_path(&path[..=n]))))?;
    }
    Ok(here)
}

/// Turns the text of `config set KEY VALUE` into JSON: by the schema's type where the key is
/// known (so `station_name 123` stays a string, `file_patterns *.xml,*.json` is a list), as
/// JSON where it parses, and as a string otherwise.
pub fn parse_value(key: &str, text: &str) -> Result<Value, ConfigError> {
    let path = parse_key(key)?;
    let at = render_path(&path);
    let invalid = |what: &str| {
        ConfigError::Invalid(vec![problem(
            at.clone(),
            format!("expected {what}, found {text:?}"),
        )])
    };
    Ok(match kind_of(&path) {
        Some(Kind::Str) | Some(Kind::Enum(_)) => Value::String(text.to_string()),
        Some(Kind::Bool) => match text.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Value::Bool(true),
            "false" | "0" | "no" | "off" => Value::Bool(false),
            _ => return Err(invalid("true or false")),
        },
        Some(Kind::Int(..)) => Value::from(
            text.trim()
                .parse::<i64>()
                .map_err(|_| invalid("an integer"))?,
        ),
        Some(Kind::Number(..)) => Value::from(
            text.trim()
                .parse::<f64>()
                .map_err(|_| invalid("a number"))?,
        ),
        Some(Kind::Strings) => match serde_json::from_str::<Value>(text) {
            Ok(v @ Value::Array(_)) => v,
            _ => Value::Array(
                text.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_string()))
                    .collect(),
            ),
        },
        _ => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string())),
    })
}

/// Removes the value at a dotted key path (an array element shifts the ones after it).
pub fn remove_path(doc: &mut Value, key: &str) -> Result<Value, ConfigError> {
    let path = parse_key(key)?;
    let (last, parents) = path.split_last().expect("a key has a segment");
    let mut here = doc;
    for (n, seg) in parents.iter().enumerate() {
        let next = match seg {
            Segment::Key(k) => here.as_object_mut().and_then(|o| o.get_mut(k)),
            Segment::Index(i) => here.as_array_mut().and_then(|a| a.get_mut(*i)),
        };
        here = next
            .ok_or_else(|| ConfigError::Key(format!("no setting {}", render_path(&path[..=n]))))?;
    }
    let removed = match last {
        Segment::Key(k) => here.as_object_mut().and_then(|o| o.remove(k)),
        Segment::Index(i) => here
            .as_array_mut()
            .filter(|a| *i < a.len())
            .map(|a| a.remove(*i)),
    };
    removed.ok_or_else(|| ConfigError::Key(format!("no setting {}", render_path(&path))))
}

/// Sets the value at a dotted key path, creating objects on the way; an index equal to an
/// array's length appends.
pub fn set_path(doc: &mut Value, key: &str, value: Value) -> Result<(), ConfigError> {
    let path = parse_key(key)?;
    let mut here = doc;
    for (n, seg) in path.iter().enumerate() {
        let last = n + 1 == path.len();
        let next_is_index = matches!(path.get(n + 1), Some(Segment::Index(_)));
        let fresh = || {
            if next_is_index {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            }
        };
        let where_ = render_path(&path[..n.max(1)]);
        here = match seg {
            Segment::Key(k) => {
                let obj = here
                    .as_object_mut()
                    .ok_or_else(|| ConfigError::Key(format!("{where_} is not an object")))?;
                if last {
                    obj.insert(k.clone(), value);
                    return Ok(());
                }
                obj.entry(k.clone()).or_insert_with(fresh)
            }
            Segment::Index(i) => {
                let arr = here
                    .as_array_mut()
                    .ok_or_else(|| ConfigError::Key(format!("{where_} is not an array")))?;
                if *i > arr.len() {
                    return Err(ConfigError::Key(format!(
                        "{}: index out of range (the array has {} entries)",
                        render_path(&path[..=n]),
                        arr.len()
                    )));
                }
                if *i == arr.len() {
                    arr.push(if last { Value::Null } else { fresh() });
                }
                if last {
                    arr[*i] = value;
                    return Ok(());
                }
                &mut arr[*i]
            }
        };
    }
    Ok(())
}
