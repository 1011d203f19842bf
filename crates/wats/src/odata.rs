//! A typed OData `$filter` builder that quotes and formats literals correctly.
//!
//! Strings are single-quoted with `'` doubled (`'O''Brien'`), datetimes are written in UTC
//! (`2026-01-30T21:01:41Z`), guids as lower-case `8-4-4-4-12`, booleans and numbers bare.
//! `and` / `or` / `not` add the parentheses precedence needs, never fewer.
//!
//! ```
//! use wats::odata::{field, Filter};
//! let f = field("serialNumber").eq("O'Brien")
//!     .and(field("processCode").eq(100).or(field("processCode").eq(110)))
//!     .and(field("partNumber").starts_with("PCB-").not());
//! assert_eq!(
//!     f.to_string(),
//!     "serialNumber eq 'O''Brien' and (processCode eq 100 or processCode eq 110) \
//!      and not startswith(partNumber,'PCB-')"
//! );
//! ```

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};
use uuid::Uuid;

/// An OData literal.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// A string: quoted, `'` doubled.
    Str(String),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// `true` / `false`.
    Bool(bool),
    /// A point in time, written in UTC.
    DateTime(DateTime<Utc>),
    /// A date.
    Date(NaiveDate),
    /// A guid.
    Guid(Uuid),
    /// `null`.
    Null,
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Str(s) => write!(f, "'{}'", s.replace('\'', "''")),
            Literal::Int(i) => write!(f, "{i}"),
            Literal::Float(x) if x.is_nan() => f.write_str("NaN"),
            Literal::Float(x) if x.is_infinite() => {
                f.write_str(if *x > 0.0 { "INF" } else { "-INF" })
            }
            Literal::Float(x) => write!(f, "{x:?}"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::DateTime(t) => f.write_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            Literal::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Literal::Guid(g) => write!(f, "{}", g.hyphenated()),
            Literal::Null => f.write_str("null"),
        }
    }
}

macro_rules! literal_from {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {$(
        impl From<$t> for Literal {
            fn from($v: $t) -> Self { $e }
        }
    )*};
}

literal_from! {
    &str => |v| Literal::Str(v.to_owned()),
    String => |v| Literal::Str(v),
    &String => |v| Literal::Str(v.clone()),
    i32 => |v| Literal::Int(v.into()),
    i64 => |v| Literal::Int(v),
    u32 => |v| Literal::Int(v.into()),
    f64 => |v| Literal::Float(v),
    bool => |v| Literal::Bool(v),
    DateTime<Utc> => |v| Literal::DateTime(v),
    DateTime<FixedOffset> => |v| Literal::DateTime(v.with_timezone(&Utc)),
    wats_report::Timestamp => |v| Literal::DateTime(v.utc()),
    NaiveDate => |v| Literal::Date(v),
    Uuid => |v| Literal::Guid(v),
}

/// A property path such as `serialNumber` or `s/partNumber` (inside `any`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field(Cow<'static, str>);

/// A field by name.
pub fn field(name: impl Into<Cow<'static, str>>) -> Field {
    Field(name.into())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    Or,
    And,
    /// A comparison: binds looser than `not`, so `not` needs parentheses around it.
    Cmp,
    /// A function call, `any`, a parenthesized or negated expression.
    Atom,
}

/// An OData boolean expression, ready for `$filter`.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    text: String,
    prec: Prec,
}

impl Field {
    /// A field usable in `const` items.
    pub const fn new(name: &'static str) -> Self {
        Field(Cow::Borrowed(name))
    }

    /// The property path.
    pub fn name(&self) -> &str {
        &self.0
    }

    fn compare(&self, op: &str, value: impl Into<Literal>) -> Filter {
        Filter {
            text: format!("{} {op} {}", self.0, value.into()),
            prec: Prec::Cmp,
        }
    }

    /// `field eq value`.
    pub fn eq(&self, value: impl Into<Literal>) -> Filter {
        self.compare("eq", value)
    }
    /// `field ne value`.
    pub fn ne(&self, value: impl Into<Literal>) -> Filter {
        self.compare("ne", value)
    }
    /// `field gt value`.
    pub fn gt(&self, value: impl Into<Literal>) -> Filter {
        self.compare("gt", value)
    }
    /// `field ge value`.
    pub fn ge(&self, value: impl Into<Literal>) -> Filter {
        self.compare("ge", value)
    }
    /// `field lt value`.
    pub fn lt(&self, value: impl Into<Literal>) -> Filter {
        self.compare("lt", value)
    }
    /// `field le value`.
    pub fn le(&self, value: impl Into<Literal>) -> Filter {
        self.compare("le", value)
    }
    /// `field eq null`.
    pub fn is_null(&self) -> Filter {
        self.compare("eq", Literal::Null)
    }
    /// `field ne null`.
    pub fn is_not_null(&self) -> Filter {
        self.compare("ne", Literal::Null)
    }
    /// `contains(field,'text')`.
    pub fn contains(&self, text: &str) -> Filter {
        Filter::atom(format!("contains({},{})", self.0, Literal::from(text)))
    }
    /// `startswith(field,'text')`.
    pub fn starts_with(&self, text: &str) -> Filter {
        Filter::atom(format!("startswith({},{})", self.0, Literal::from(text)))
    }
    /// `endswith(field,'text')`.
    pub fn ends_with(&self, text: &str) -> Filter {
        Filter::atom(format!("endswith({},{})", self.0, Literal::from(text)))
    }
    /// `field in (a,b,…)`; an empty set is `false`.
    pub fn is_in<V: Into<Literal>>(&self, values: impl IntoIterator<Item = V>) -> Filter {
        let items: Vec<String> = values.into_iter().map(|v| v.into().to_string()).collect();
        if items.is_empty() {
            return Filter::atom("false".to_owned());
        }
        Filter {
            text: format!("{} in ({})", self.0, items.join(",")),
            prec: Prec::Cmp,
        }
    }
    /// `field/any(var: condition)` over a collection such as `subUnits`; the condition names
    /// the element's properties as `var/property`.
    pub fn any(&self, var: &str, condition: Filter) -> Filter {
        Filter::atom(format!("{}/any({var}: {})", self.0, condition.text))
    }
}

impl Filter {
    fn atom(text: String) -> Self {
        Filter {
            text,
            prec: Prec::Atom,
        }
    }

    /// An expression written by hand, used as is (parenthesized when combined).
    pub fn raw(text: impl Into<String>) -> Self {
        Filter {
            text: text.into(),
            prec: Prec::Or,
        }
    }

    fn wrap(self, min: Prec) -> String {
        if self.prec < min {
            format!("({})", self.text)
        } else {
            self.text
        }
    }

    /// `self and other`.
    #[allow(clippy::should_implement_trait)]
    pub fn and(self, other: Filter) -> Filter {
        Filter {
            text: format!("{} and {}", self.wrap(Prec::And), other.wrap(Prec::And)),
            prec: Prec::And,
        }
    }

    /// `self or other`.
    pub fn or(self, other: Filter) -> Filter {
        Filter {
            text: format!("{} or {}", self.wrap(Prec::Or), other.wrap(Prec::Or)),
            prec: Prec::Or,
        }
    }

    /// `not self`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Filter {
        Filter::atom(format!("not {}", self.wrap(Prec::Atom)))
    }

    /// Every filter joined with `and` (`None` for none).
    pub fn all(filters: impl IntoIterator<Item = Filter>) -> Option<Filter> {
        filters.into_iter().reduce(Filter::and)
    }

    /// The expression text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn literals() {
        assert_eq!(Literal::from("O'Brien").to_string(), "'O''Brien'");
        assert_eq!(Literal::from("''").to_string(), "''''''");
        assert_eq!(Literal::from(5).to_string(), "5");
        assert_eq!(Literal::from(1.0).to_string(), "1.0");
        assert_eq!(Literal::from(-2.5e-9).to_string(), "-2.5e-9");
        assert_eq!(Literal::from(f64::INFINITY).to_string(), "INF");
        assert_eq!(Literal::from(true).to_string(), "true");
        let t = Utc.with_ymd_and_hms(2026, 1, 30, 21, 1, 41).unwrap();
        assert_eq!(Literal::from(t).to_string(), "2026-01-30T21:01:41Z");
        let ms = t + chrono::Duration::milliseconds(250);
        assert_eq!(Literal::from(ms).to_string(), "2026-01-30T21:01:41.250Z");
        let local = FixedOffset::east_opt(3600)
            .unwrap()
            .with_ymd_and_hms(2026, 1, 30, 22, 1, 41)
            .unwrap();
        assert_eq!(Literal::from(local).to_string(), "2026-01-30T21:01:41Z");
        let ts = wats_report::Timestamp::parse("2026-01-30T22:01:41.4707353+01:00").unwrap();
        assert_eq!(
            Literal::from(ts).to_string(),
            "2026-01-30T21:01:41.470735300Z"
        );
        let g = Uuid::parse_str("33A2D408-3FC8-480B-B554-6866C77FD91C").unwrap();
        assert_eq!(
            Literal::from(g).to_string(),
            "33a2d408-3fc8-480b-b554-6866c77fd91c"
        );
        assert_eq!(
            Literal::from(NaiveDate::from_ymd_opt(2026, 2, 3).unwrap()).to_string(),
            "2026-02-03"
        );
    }

    #[test]
    fn precedence_adds_only_needed_parentheses() {
        let a = || field("a").eq(1);
        let b = || field("b").eq(2);
        let c = || field("c").eq(3);
        assert_eq!(
            a().and(b()).and(c()).to_string(),
            "a eq 1 and b eq 2 and c eq 3"
        );
        assert_eq!(
            a().or(b()).and(c()).to_string(),
            "(a eq 1 or b eq 2) and c eq 3"
        );
        assert_eq!(
            a().and(b()).or(c()).to_string(),
            "a eq 1 and b eq 2 or c eq 3"
        );
        assert_eq!(a().or(b()).not().to_string(), "not (a eq 1 or b eq 2)");
        // `not` binds tighter than `eq`: `not a eq 1` would mean `(not a) eq 1`.
        assert_eq!(a().not().to_string(), "not (a eq 1)");
        assert_eq!(
            field("a").contains("x").not().to_string(),
            "not contains(a,'x')"
        );
        assert_eq!(
            Filter::raw("x eq 1 or y eq 2").and(a()).to_string(),
            "(x eq 1 or y eq 2) and a eq 1"
        );
    }

    #[test]
    fn functions_in_and_any() {
        assert_eq!(
            field("serialNumber").contains("a'b").to_string(),
            "contains(serialNumber,'a''b')"
        );
        assert_eq!(
            field("processCode").is_in([100, 110]).to_string(),
            "processCode in (100,110)"
        );
        assert_eq!(field("x").is_in(Vec::<i32>::new()).to_string(), "false");
        assert_eq!(
            field("subUnits")
                .any("s", field("s/partNumber").eq("PN'1"))
                .to_string(),
            "subUnits/any(s: s/partNumber eq 'PN''1')"
        );
        assert_eq!(
            field("batchNumber").is_null().to_string(),
            "batchNumber eq null"
        );
        assert_eq!(Filter::all([]).map(|f| f.to_string()), None);
    }
}
