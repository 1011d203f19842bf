//! Comparison operators (`compOp`) and how a measurement is judged against its limits
//! (report-formats §1.11).
//!
//! Defined behaviour at the edges, which WATS leaves open:
//!
//! * Single-limit operators (`EQ NE LT LE GT GE`) compare against `lowLimit`, `LT`/`LE`
//!   included; the high limit is ignored.
//! * A value that is NaN fails every operator but `LOG`; so does any comparison against a NaN
//!   limit, and a comparison whose limit is missing. Nothing NaN can "pass a limit".
//! * Infinities are ordinary numbers: `-∞ < x < +∞`, `+∞ == +∞`.
//! * `EQT` (TestStand "equal with tolerance") arrives with its tolerance already expanded into
//!   `lowLimit..=highLimit` (what converters compute), so it is judged like `GELE`.
//! * Strings: `EQ` ≡ `CASESENSIT` (ordinal equality), `IGNORECASE` compares case-folded text,
//!   `NE` ordinal inequality, `LT LE GT GE` ordinal order (WATS's C# client uses the culture's
//!   order; ordinal is the portable equivalent for ASCII), `LOG` always passes; range operators
//!   do not apply to strings.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::status::Status;

/// A comparison operator.
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompOp {
    /// Log only: always passes, no limits.
    LOG,
    /// `v == low`.
    EQ,
    /// Equal with tolerance: `low <= v <= high` once the tolerance is expanded.
    EQT,
    /// `v != low`.
    NE,
    /// `v < low` (single limit: the low limit).
    LT,
    /// `v <= low` (single limit: the low limit).
    LE,
    /// `v > low`.
    GT,
    /// `v >= low`.
    GE,
    /// `low < v < high`.
    GTLT,
    /// `low < v <= high`.
    GTLE,
    /// `low <= v < high`.
    GELT,
    /// `low <= v <= high`.
    GELE,
    /// `v < low || v > high`.
    LTGT,
    /// `v < low || v >= high`.
    LTGE,
    /// `v <= low || v > high`.
    LEGT,
    /// `v <= low || v >= high`.
    LEGE,
    /// String equality, case-sensitive.
    CASESENSIT,
    /// String equality ignoring case.
    IGNORECASE,
}

/// How many limits an operator uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limits {
    /// None (`LOG`).
    None,
    /// The low limit only.
    Low,
    /// Both limits.
    Both,
}

impl CompOp {
    /// Every operator.
    pub const ALL: [CompOp; 18] = [
        CompOp::LOG,
        CompOp::EQ,
        CompOp::EQT,
        CompOp::NE,
        CompOp::LT,
        CompOp::LE,
        CompOp::GT,
        CompOp::GE,
        CompOp::GTLT,
        CompOp::GTLE,
        CompOp::GELT,
        CompOp::GELE,
        CompOp::LTGT,
        CompOp::LTGE,
        CompOp::LEGT,
        CompOp::LEGE,
        CompOp::CASESENSIT,
        CompOp::IGNORECASE,
    ];

    /// The canonical (upper-case) name.
    pub fn as_str(self) -> &'static str {
        match self {
            CompOp::LOG => "LOG",
            CompOp::EQ => "EQ",
            CompOp::EQT => "EQT",
            CompOp::NE => "NE",
            CompOp::LT => "LT",
            CompOp::LE => "LE",
            CompOp::GT => "GT",
            CompOp::GE => "GE",
            CompOp::GTLT => "GTLT",
            CompOp::GTLE => "GTLE",
            CompOp::GELT => "GELT",
            CompOp::GELE => "GELE",
            CompOp::LTGT => "LTGT",
            CompOp::LTGE => "LTGE",
            CompOp::LEGT => "LEGT",
            CompOp::LEGE => "LEGE",
            CompOp::CASESENSIT => "CASESENSIT",
            CompOp::IGNORECASE => "IGNORECASE",
        }
    }

    /// Parses a name case-insensitively (`IgnoreCase` appears in real exports).
    pub fn parse(text: &str) -> Option<CompOp> {
        let t = text.trim();
        CompOp::ALL
            .into_iter()
            .find(|op| t.eq_ignore_ascii_case(op.as_str()))
    }

    /// Which limits the operator reads.
    pub fn limits(self) -> Limits {
        match self {
            CompOp::LOG | CompOp::CASESENSIT | CompOp::IGNORECASE => Limits::None,
            CompOp::EQ | CompOp::NE | CompOp::LT | CompOp::LE | CompOp::GT | CompOp::GE => {
                Limits::Low
            }
            _ => Limits::Both,
        }
    }

    /// Whether the operator applies to numeric measurements.
    pub fn is_numeric(self) -> bool {
        !matches!(self, CompOp::CASESENSIT | CompOp::IGNORECASE)
    }

    /// Whether the operator applies to string measurements.
    pub fn is_string(self) -> bool {
        matches!(
            self,
            CompOp::LOG
                | CompOp::EQ
                | CompOp::NE
                | CompOp::LT
                | CompOp::LE
                | CompOp::GT
                | CompOp::GE
                | CompOp::CASESENSIT
                | CompOp::IGNORECASE
        )
    }

    /// Judges a numeric value. `None` when the operator does not apply to numbers.
    pub fn check_numeric(self, value: f64, low: Option<f64>, high: Option<f64>) -> Option<bool> {
        if self == CompOp::LOG {
            return Some(true);
        }
        if !self.is_numeric() {
            return None;
        }
        if value.is_nan() {
            return Some(false);
        }
        let (l, h) = match self.limits() {
            Limits::None => (f64::NAN, f64::NAN),
            Limits::Low => match low {
                Some(l) if !l.is_nan() => (l, f64::NAN),
                _ => return Some(false),
            },
            Limits::Both => match (low, high) {
                (Some(l), Some(h)) if !l.is_nan() && !h.is_nan() => (l, h),
                _ => return Some(false),
            },
        };
        let v = value;
        Some(match self {
            CompOp::EQ => v == l,
            CompOp::NE => v != l,
            CompOp::LT => v < l,
            CompOp::LE => v <= l,
            CompOp::GT => v > l,
            CompOp::GE => v >= l,
            CompOp::GTLT => l < v && v < h,
            CompOp::GTLE => l < v && v <= h,
            CompOp::GELT => l <= v && v < h,
            CompOp::GELE | CompOp::EQT => l <= v && v <= h,
            CompOp::LTGT => v < l || v > h,
            CompOp::LTGE => v < l || v >= h,
            CompOp::LEGT => v <= l || v > h,
            CompOp::LEGE => v <= l || v >= h,
            CompOp::LOG | CompOp::CASESENSIT | CompOp::IGNORECASE => unreachable!(),
        })
    }

    /// Judges a string value against its limit. `None` when the operator does not apply to
    /// strings. A missing limit fails every operator but `LOG`.
    pub fn check_string(self, value: &str, limit: Option<&str>) -> Option<bool> {
        if self == CompOp::LOG {
            return Some(true);
        }
        if !self.is_string() {
            return None;
        }
        let Some(limit) = limit else {
            return Some(false);
        };
        Some(match self {
            CompOp::EQ | CompOp::CASESENSIT => value == limit,
            CompOp::IGNORECASE => value.to_lowercase() == limit.to_lowercase(),
            CompOp::NE => value != limit,
            CompOp::LT => value < limit,
            CompOp::LE => value <= limit,
            CompOp::GT => value > limit,
            CompOp::GE => value >= limit,
            _ => unreachable!(),
        })
    }
}

impl fmt::Display for CompOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `compOp` of a measurement as it stands in a report: the operator, and its exact
/// spelling when that is not the canonical upper case (`IgnoreCase`) or not an operator at all.
/// Reading never fails on an unknown operator; validation reports it with its path.
#[derive(Clone, Debug)]
pub struct CompOpValue {
    op: Option<CompOp>,
    spelling: Option<Box<str>>,
}

impl CompOpValue {
    /// The operator, if the text names one.
    pub fn op(&self) -> Option<CompOp> {
        self.op
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        match (&self.spelling, self.op) {
            (Some(s), _) => s,
            (None, Some(op)) => op.as_str(),
            (None, None) => "",
        }
    }

    /// Reads an operator text, keeping any non-canonical spelling.
    pub fn parse(text: &str) -> CompOpValue {
        let op = CompOp::parse(text);
        let spelling = match op {
            Some(op) if op.as_str() == text => None,
            _ => Some(text.into()),
        };
        CompOpValue { op, spelling }
    }
}

impl From<CompOp> for CompOpValue {
    fn from(op: CompOp) -> Self {
        CompOpValue {
            op: Some(op),
            spelling: None,
        }
    }
}

impl PartialEq for CompOpValue {
    fn eq(&self, other: &Self) -> bool {
        match (self.op, other.op) {
            (Some(a), Some(b)) => a == b,
            _ => self.as_str() == other.as_str(),
        }
    }
}

impl PartialEq<CompOp> for CompOpValue {
    fn eq(&self, other: &CompOp) -> bool {
        self.op == Some(*other)
    }
}

impl Serialize for CompOpValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CompOpValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(CompOpValue::parse(&text))
    }
}

/// The measurement status an operator's verdict gives.
pub(crate) fn verdict(passed: bool) -> Status {
    if passed {
        Status::Passed
    } else {
        Status::Failed
    }
}

impl crate::wire::WriteJson for CompOpValue {
    fn write_json(&self, out: &mut Vec<u8>) {
        crate::wire::write_json_str(out, self.as_str());
    }
}
