//! OData query options (`$filter`, `$top`, `$skip`, `$orderby`, `$select`, `$expand`) as WATS
//! accepts them on `GET /api/Report/Query/Header`.
//!
//! `$filter` goes through a real tokenizer ([`lexer`]) and a recursive-descent parser
//! ([`parser`]) into an [`Expr`] tree, which [`sql`] compiles into a parameterized SQL
//! condition over a whitelist of columns. Nothing the client writes reaches SQL as text.

pub mod eval;
pub mod lexer;
pub mod parser;
pub mod sql;

use std::fmt;

pub use parser::{parse_filter, CmpOp, Expr, LambdaKind, Literal};

/// The most rows one query returns (WATS: "$top: max 10000").
pub const MAX_TOP: i64 = 10_000;
/// Rows returned when `$top` is absent (WATS: "By default top 10 reports are returned").
pub const DEFAULT_TOP: i64 = 10;

/// A query option that cannot be parsed or is not supported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ODataError {
    /// Byte offset in the option's value, when known.
    pub position: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl ODataError {
    /// An error at a byte offset.
    pub fn at(position: usize, message: impl Into<String>) -> Self {
        ODataError {
            position: Some(position),
            message: message.into(),
        }
    }

    /// An error without a position.
    pub fn new(message: impl Into<String>) -> Self {
        ODataError {
            position: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for ODataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(p) => write!(f, "{} (at position {p})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ODataError {}

/// One `$orderby` item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderBy {
    /// The property.
    pub field: String,
    /// `desc`
    pub descending: bool,
}

/// The parsed query options.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryOptions {
    /// `$filter`
    pub filter: Option<Expr>,
    /// `$top` (default [`DEFAULT_TOP`]).
    pub top: Option<i64>,
    /// `$skip`
    pub skip: Option<i64>,
    /// `$orderby`
    pub order_by: Vec<OrderBy>,
    /// `$select` (empty: all properties).
    pub select: Vec<String>,
    /// `$expand`
    pub expand: Vec<String>,
}

impl QueryOptions {
    /// Reads the `$…` options from query parameters (other parameters are ignored: they belong
    /// to the endpoint). Unknown `$` options are refused, as WATS does.
    pub fn from_params<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<QueryOptions, ODataError> {
        Self::from_params_up_to(params, MAX_TOP)
    }

    /// [`from_params`](Self::from_params) for an endpoint whose `$top` may go up to `max_top`.
    pub fn from_params_up_to<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
        max_top: i64,
    ) -> Result<QueryOptions, ODataError> {
        let mut out = QueryOptions::default();
        for (key, value) in params {
            let Some(name) = key.strip_prefix('$') else {
                continue;
            };
            let option_error = |e: ODataError| ODataError::new(format!("invalid ${name}: {e}"));
            match name.to_ascii_lowercase().as_str() {
                "filter" => out.filter = Some(parse_filter(value).map_err(option_error)?),
                "top" => {
                    let top = parse_count("$top", value)?;
                    if top > max_top {
                        return Err(ODataError::new(format!(
                            "the limit of {max_top} for $top has been exceeded ({top}); \
                             page with $skip"
                        )));
                    }
                    out.top = Some(top);
                }
                "skip" => out.skip = Some(parse_count("$skip", value)?),
                "orderby" => out.order_by = parse_order_by(value)?,
                "select" => out.select = parse_list("$select", value)?,
                "expand" => out.expand = parse_list("$expand", value)?,
                "count" | "apply" | "search" | "skiptoken" | "format" | "compute" => {
                    return Err(ODataError::new(format!(
                        "the query option ${name} is not supported"
                    )))
                }
                _ => {
                    return Err(ODataError::new(format!(
                        "the query option ${name} is not supported"
                    )))
                }
            }
        }
        Ok(out)
    }
}

fn parse_count(option: &str, value: &str) -> Result<i64, ODataError> {
    match value.trim().parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n),
        _ => Err(ODataError::new(format!(
            "{option} must be a non-negative integer, not '{value}'"
        ))),
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// The most items `$select`, `$expand` and `$orderby` may list: more than the properties there
/// are, and far below SQLite's 2000 terms of an `ORDER BY` (past which a query was a 500).
pub const MAX_LIST_ITEMS: usize = 100;

fn check_list_len(option: &str, value: &str) -> Result<(), ODataError> {
    let n = value.split(',').count();
    if n > MAX_LIST_ITEMS {
        return Err(ODataError::new(format!(
            "{option} lists {n} items; at most {MAX_LIST_ITEMS}"
        )));
    }
    Ok(())
}

fn parse_list(option: &str, value: &str) -> Result<Vec<String>, ODataError> {
    check_list_len(option, value)?;
    let mut out = Vec::new();
    for item in value.split(',') {
        let item = item.trim();
        if item.contains('(') {
            return Err(ODataError::new(format!(
                "nested options in {option} ('{item}') are not supported"
            )));
        }
        if item.contains('/') {
            return Err(ODataError::new(format!(
                "paths in {option} ('{item}') are not supported"
            )));
        }
        if item == "*" {
            out.push(item.to_owned());
            continue;
        }
        if !is_name(item) {
            return Err(ODataError::new(format!(
                "{option}: '{item}' is not a property name"
            )));
        }
        out.push(item.to_owned());
    }
    Ok(out)
}

fn parse_order_by(value: &str) -> Result<Vec<OrderBy>, ODataError> {
    check_list_len("$orderby", value)?;
    let mut out = Vec::new();
    for item in value.split(',') {
        let mut words = item.split_whitespace();
        let field = words.next().unwrap_or("");
        if !is_name(field) {
            return Err(ODataError::new(format!(
                "$orderby: '{}' is not a property name",
                item.trim()
            )));
        }
        let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(ODataError::new(format!(
                    "$orderby: expected 'asc' or 'desc' after {field}, found '{other}'"
                )))
            }
        };
        if let Some(extra) = words.next() {
            return Err(ODataError::new(format!(
                "$orderby: unexpected '{extra}' after {field}"
            )));
        }
        out.push(OrderBy {
            field: field.to_owned(),
            descending,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
