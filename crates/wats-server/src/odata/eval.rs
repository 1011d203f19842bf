//! `$filter` and `$orderby` evaluated in memory over JSON objects, for lists the server keeps
//! as documents (the product list view) rather than as columns.
//!
//! Text compares without regard to case, as WATS's database collation does. Only the
//! properties the caller names may be used; anything else is an error naming it.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::{CmpOp, Expr, Literal, ODataError, OrderBy};

/// A value during evaluation.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    Null,
    Bool(bool),
    Num(f64),
    Text(String),
}

/// The properties a filter may use, and how each is named in the objects.
pub struct Fields<'a>(pub &'a [&'a str]);

impl Fields<'_> {
    fn resolve(&self, path: &[String]) -> Result<&str, ODataError> {
        let [name] = path else {
            return Err(ODataError::new(format!(
                "the property '{}' is not supported here",
                path.join("/")
            )));
        };
        self.0
            .iter()
            .find(|f| f.eq_ignore_ascii_case(name))
            .copied()
            .ok_or_else(|| {
                ODataError::new(format!(
                    "the property '{name}' is not supported here; use one of {}",
                    self.0.join(", ")
                ))
            })
    }

    /// Checks that every property an `$orderby` names may be used.
    pub fn check_order(&self, order: &[OrderBy]) -> Result<(), ODataError> {
        for o in order {
            self.resolve(std::slice::from_ref(&o.field))?;
        }
        Ok(())
    }
}

fn of_json(v: Option<&Value>) -> Val {
    match v {
        None | Some(Value::Null) => Val::Null,
        Some(Value::Bool(b)) => Val::Bool(*b),
        Some(Value::Number(n)) => n.as_f64().map_or(Val::Null, Val::Num),
        Some(Value::String(s)) => Val::Text(s.clone()),
        Some(other) => Val::Text(other.to_string()),
    }
}

fn value(expr: &Expr, row: &Map<String, Value>, fields: &Fields) -> Result<Val, ODataError> {
    Ok(match expr {
        Expr::Member(path) => of_json(row.get(fields.resolve(path)?)),
        Expr::Literal(l) => match l {
            Literal::String(s) => Val::Text(s.clone()),
            Literal::Int(i) => Val::Num(*i as f64),
            Literal::Float(f) => Val::Num(*f),
            Literal::Bool(b) => Val::Bool(*b),
            Literal::Null => Val::Null,
            Literal::Guid(g) => Val::Text(g.hyphenated().to_string()),
            Literal::DateTime(_) | Literal::Date(_) => {
                return Err(ODataError::new("dates are not comparable here"))
            }
        },
        Expr::Call(name, args) => match (name.as_str(), args.as_slice()) {
            ("tolower" | "toupper" | "trim", [a]) => match value(a, row, fields)? {
                Val::Text(t) => Val::Text(match name.as_str() {
                    "tolower" => t.to_lowercase(),
                    "toupper" => t.to_uppercase(),
                    _ => t.trim().to_owned(),
                }),
                other => other,
            },
            ("length", [a]) => match value(a, row, fields)? {
                Val::Text(t) => Val::Num(t.chars().count() as f64),
                _ => Val::Null,
            },
            _ => Val::Bool(test(expr, row, fields)?),
        },
        other => Val::Bool(test(other, row, fields)?),
    })
}

/// Text without regard to case.
fn folded(v: &Val) -> Option<String> {
    match v {
        Val::Text(t) => Some(t.to_uppercase()),
        _ => None,
    }
}

fn compare(a: &Val, b: &Val) -> Result<Option<Ordering>, ODataError> {
    Ok(match (a, b) {
        (Val::Null, Val::Null) => Some(Ordering::Equal),
        (Val::Null, _) | (_, Val::Null) => None,
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(y),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        (Val::Text(_), Val::Text(_)) => Some(folded(a).cmp(&folded(b))),
        // WATS stores states as integers; a boolean literal for one is a client mistake.
        _ => {
            return Err(ODataError::new(format!(
                "cannot compare {} with {}",
                kind(a),
                kind(b)
            )))
        }
    })
}

fn kind(v: &Val) -> &'static str {
    match v {
        Val::Null => "null",
        Val::Bool(_) => "a boolean",
        Val::Num(_) => "a number",
        Val::Text(_) => "text",
    }
}

/// Whether `row` satisfies `expr`.
pub fn test(expr: &Expr, row: &Map<String, Value>, fields: &Fields) -> Result<bool, ODataError> {
    Ok(match expr {
        Expr::Or(a, b) => test(a, row, fields)? || test(b, row, fields)?,
        Expr::And(a, b) => test(a, row, fields)? && test(b, row, fields)?,
        Expr::Not(a) => !test(a, row, fields)?,
        Expr::Compare(op, a, b) => {
            let ord = compare(&value(a, row, fields)?, &value(b, row, fields)?)?;
            match (op, ord) {
                (CmpOp::Eq, o) => o == Some(Ordering::Equal),
                (CmpOp::Ne, o) => o != Some(Ordering::Equal),
                (_, None) => false,
                (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
                (CmpOp::Ge, Some(o)) => o != Ordering::Less,
                (CmpOp::Lt, Some(o)) => o == Ordering::Less,
                (CmpOp::Le, Some(o)) => o != Ordering::Greater,
            }
        }
        Expr::In(a, list) => {
            let v = value(a, row, fields)?;
            let mut found = false;
            for item in list {
                found |= compare(&v, &value(item, row, fields)?)? == Some(Ordering::Equal);
            }
            found
        }
        Expr::Call(name, args) => match (name.as_str(), args.as_slice()) {
            ("contains" | "startswith" | "endswith", [s, p]) => {
                let (s, p) = (value(s, row, fields)?, value(p, row, fields)?);
                let (Some(s), Some(p)) = (folded(&s), folded(&p)) else {
                    return Ok(false);
                };
                match name.as_str() {
                    "contains" => s.contains(&p),
                    "startswith" => s.starts_with(&p),
                    _ => s.ends_with(&p),
                }
            }
            _ => {
                return Err(ODataError::new(format!(
                    "the function {name}() is not supported here"
                )))
            }
        },
        Expr::Member(_) | Expr::Literal(_) => match value(expr, row, fields)? {
            Val::Bool(b) => b,
            other => {
                return Err(ODataError::new(format!(
                    "a condition is expected, not {}",
                    kind(&other)
                )))
            }
        },
        Expr::Lambda { collection, .. } => {
            return Err(ODataError::new(format!(
                "'{}' is not a collection here",
                collection.join("/")
            )))
        }
    })
}

/// Sorts rows by an `$orderby` (already checked with [`Fields::check_order`]); nulls first.
pub fn sort(rows: &mut [Map<String, Value>], order: &[OrderBy], fields: &Fields) {
    rows.sort_by(|a, b| {
        for o in order {
            let Ok(name) = fields.resolve(std::slice::from_ref(&o.field)) else {
                continue;
            };
            let (x, y) = (of_json(a.get(name)), of_json(b.get(name)));
            let ord = match compare(&x, &y) {
                Ok(Some(ord)) => ord,
                _ => match (&x, &y) {
                    (Val::Null, Val::Null) => Ordering::Equal,
                    (Val::Null, _) => Ordering::Less,
                    (_, Val::Null) => Ordering::Greater,
                    _ => Ordering::Equal,
                },
            };
            let ord = if o.descending { ord.reverse() } else { ord };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odata::parse_filter;

    const F: Fields = Fields(&["partNumber", "name", "state", "nonSerial"]);

    fn row(pn: &str, state: i64) -> Map<String, Value> {
        serde_json::json!({"partNumber": pn, "name": null, "state": state, "nonSerial": false})
            .as_object()
            .cloned()
            .unwrap()
    }

    fn t(filter: &str, r: &Map<String, Value>) -> Result<bool, ODataError> {
        test(&parse_filter(filter).unwrap(), r, &F)
    }

    #[test]
    fn filters() {
        let r = row("ABC-1", 1);
        assert!(t("partNumber eq 'abc-1'", &r).unwrap());
        assert!(t("startswith(partNumber, 'abc-') and state eq 1", &r).unwrap());
        assert!(t("state in (0, 1) and not nonSerial", &r).unwrap());
        assert!(t("name eq null and contains(tolower(partNumber), 'c-')", &r).unwrap());
        assert!(!t("state gt 1 or endswith(partNumber, 'x')", &r).unwrap());
        assert!(t("state eq true", &r)
            .unwrap_err()
            .message
            .contains("compare"));
        assert!(t("serial eq 'x'", &r)
            .unwrap_err()
            .message
            .contains("'serial'"));
    }

    #[test]
    fn orders() {
        let mut rows = vec![row("B", 1), row("a", 0), row("C", 1)];
        let order = vec![
            OrderBy {
                field: "state".into(),
                descending: true,
            },
            OrderBy {
                field: "PARTNUMBER".into(),
                descending: false,
            },
        ];
        F.check_order(&order).unwrap();
        sort(&mut rows, &order, &F);
        let pns: Vec<_> = rows
            .iter()
            .map(|r| r["partNumber"].as_str().unwrap())
            .collect();
        assert_eq!(pns, ["B", "C", "a"]);
    }
}
