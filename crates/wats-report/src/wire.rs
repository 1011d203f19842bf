//! The machinery that makes every model struct lossless on the wire.
//!
//! WATS exports carry explicit `null`s for many keys, and future servers may add keys we do not
//! know. A derived `serde` struct would either drop the nulls or (with `#[serde(flatten)]`) be
//! several times slower to parse. [`wire_struct!`] instead generates, for a list of
//! `"jsonName" => field: Type` entries:
//!
//! * the struct with one `Option<Type>` per key, an [`Extra`] map for unknown keys and a
//!   [`NullKeys`] set remembering which known keys were explicitly `null`;
//! * a hand-rolled, allocation-light `Deserialize` (one `match` on the key) and a `Serialize`
//!   that writes known keys in the server's order, the recorded nulls, then the unknown keys.
//!
//! Together they give `JSON → model → JSON` equality, key for key.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

/// Unknown keys of a JSON object, kept verbatim so that a round trip loses nothing.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// The set of known keys that were present with an explicit `null` in the input.
///
/// This is presentation only: `null` and an absent key mean the same to WATS, so two values
/// that differ only here compare equal (which lets a report read from WSXF, where the
/// distinction does not exist, equal the same report read from WSJF).
#[derive(Clone, Copy, Default)]
pub struct NullKeys(u64);

impl NullKeys {
    /// Marks field number `index` as explicitly null.
    #[inline]
    pub fn insert(&mut self, index: u32) {
        self.0 |= 1 << index;
    }

    /// Whether field number `index` was explicitly null.
    #[inline]
    pub fn contains(self, index: u32) -> bool {
        self.0 & (1 << index) != 0
    }

    /// Forgets all recorded nulls (the value is then written without null keys).
    pub fn clear(&mut self) {
        self.0 = 0;
    }
}

impl PartialEq for NullKeys {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for NullKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NullKeys({:#x})", self.0)
    }
}

/// A map key that borrows from the input when it can (no allocation for known keys).
pub struct MapKey<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for MapKey<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = MapKey<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(MapKey(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MapKey(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(MapKey(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Wire form of `f64`: finite numbers as JSON numbers; NaN and infinities, which JSON cannot
/// express, as the strings `"NaN"`, `"Infinity"` and `"-Infinity"`. On input the strings are
/// accepted case-insensitively, together with the C#/WSXF spellings `INF` and `-INF` and numbers
/// written as strings.
pub mod float {
    use super::*;

    /// Serializes an `f64` in its wire form.
    pub struct Ser<'a>(pub &'a f64);

    impl Serialize for Ser<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let v = *self.0;
            if v.is_finite() {
                s.serialize_f64(v)
            } else if v.is_nan() {
                s.serialize_str("NaN")
            } else if v > 0.0 {
                s.serialize_str("Infinity")
            } else {
                s.serialize_str("-Infinity")
            }
        }
    }

    /// Deserializes an `f64` from its wire form.
    pub struct De(pub f64);

    impl<'de> Deserialize<'de> for De {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct FloatVisitor;
            impl Visitor<'_> for FloatVisitor {
                type Value = De;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a number (or \"NaN\", \"Infinity\", \"-Infinity\")")
                }
                fn visit_f64<E: de::Error>(self, v: f64) -> Result<De, E> {
                    Ok(De(v))
                }
                fn visit_i64<E: de::Error>(self, v: i64) -> Result<De, E> {
                    Ok(De(v as f64))
                }
                fn visit_u64<E: de::Error>(self, v: u64) -> Result<De, E> {
                    Ok(De(v as f64))
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<De, E> {
                    parse(v)
                        .map(De)
                        .ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
            d.deserialize_any(FloatVisitor)
        }
    }

    /// Parses a number as WATS writes it in text (JSON strings, XML attributes).
    pub fn parse(text: &str) -> Option<f64> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("nan") {
            Some(f64::NAN)
        } else if t.eq_ignore_ascii_case("inf")
            || t.eq_ignore_ascii_case("infinity")
            || t.eq_ignore_ascii_case("+inf")
            || t.eq_ignore_ascii_case("+infinity")
        {
            Some(f64::INFINITY)
        } else if t.eq_ignore_ascii_case("-inf") || t.eq_ignore_ascii_case("-infinity") {
            Some(f64::NEG_INFINITY)
        } else {
            // Rust's parser also accepts "inf"/"nan" words, handled above; reject other words.
            if t.is_empty()
                || t.bytes()
                    .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E')
            {
                return None;
            }
            parse_plain(t).or_else(|| t.parse().ok())
        }
    }

    /// Parses plain decimal text (`-91.346`, `200`, `.5`: a sign, digits, at most one point,
    /// no exponent) to exactly what `str::parse` gives, several times faster; `None` for any
    /// other text, which the general parser then takes.
    ///
    /// Exact because an integer below 2^53 and a power of ten up to 10^22 are both exact
    /// doubles and IEEE division rounds their quotient correctly (Clinger's fast path).
    pub fn parse_plain(text: &str) -> Option<f64> {
        scan_plain::<false>(text).map(|(v, _)| v)
    }

    /// A number read from plain decimal text, with the text [`format`] writes for it when that
    /// is the text itself less its fraction's trailing zeros (`200.00` → `200`, `91.340` →
    /// `91.34`).
    ///
    /// A curve read from a file is written back by copying its text instead of searching for
    /// each value's shortest digits. The copy is exact: a decimal of at most 15 significant
    /// digits is the only one that short to round to its double, so it is the shortest form.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Decimal<'a> {
        value: f64,
        shortest: Option<&'a str>,
    }

    impl<'a> Decimal<'a> {
        /// Reads what [`parse_plain`] reads; `None` for any other text, which includes plain
        /// decimals of more than 17 characters or with a mantissa beyond 2^53, trailing zeros
        /// counted (`90072000.00000000`): their callers take the general parser.
        // Inlined across crates: returned through memory, the value was read back before its
        // parts were written out (a store-forwarding stall, a third of the call).
        #[inline]
        pub fn parse(text: &'a str) -> Option<Self> {
            scan_plain::<true>(text).map(|(value, shortest)| Decimal { value, shortest })
        }

        /// A number with no text of its own: [`push_to`](Self::push_to) formats it.
        pub fn from_value(value: f64) -> Decimal<'static> {
            Decimal {
                value,
                shortest: None,
            }
        }

        /// The number.
        pub fn value(&self) -> f64 {
            self.value
        }

        /// Appends [`format`]`(self.value())` to `out`.
        pub fn push_to(&self, out: &mut String) {
            match self.shortest {
                Some(text) => out.push_str(text),
                None => push(out, self.value),
            }
        }
    }

    /// [`parse_plain`], and with `SHORTEST` the text's prefix that is the value's [`format`]:
    /// when the text is written as `format` writes (an optional `-`, no leading zero but that
    /// of `0.…`, at most 15 digits, not zero) but for its fraction's trailing zeros.
    #[inline(always)]
    fn scan_plain<const SHORTEST: bool>(text: &str) -> Option<(f64, Option<&str>)> {
        let bytes = text.as_bytes();
        let (negative, sign, body) = match bytes.first() {
            Some(b'-') => (true, 1, &bytes[1..]),
            Some(b'+') => (false, 1, &bytes[1..]),
            _ => (false, 0, bytes),
        };
        if body.is_empty() || body.len() > 17 {
            return None;
        }
        // At most 17 digits: the mantissa cannot overflow.
        let mut mantissa = 0u64;
        let int_len = take_digits(body, 0, &mut mantissa);
        let point = (body.get(int_len) == Some(&b'.')).then_some(int_len);
        let i = match point {
            Some(p) => take_digits(body, p + 1, &mut mantissa),
            None => int_len,
        };
        let digits = body.len() - usize::from(point.is_some());
        if i != body.len() || digits == 0 || mantissa > 1 << 53 {
            return None;
        }
        let decimals = point.map_or(0, |p| body.len() - p - 1);
        let v = mantissa as f64 / POW10[decimals];
        let v = if negative { -v } else { v };
        if !SHORTEST {
            return Some((v, None));
        }
        // Without the fraction's trailing zeros, and without the point if none is left.
        let end = match point {
            Some(p) => {
                let mut end = body.len();
                while end > p + 1 && body[end - 1] == b'0' {
                    end -= 1;
                }
                if end == p + 1 {
                    p
                } else {
                    end
                }
            }
            None => body.len(),
        };
        let kept_digits = end - usize::from(point.is_some_and(|p| p < end));
        let written = bytes[0] != b'+'
            && int_len > 0
            && (int_len == 1 || body[0] != b'0')
            && mantissa != 0
            && kept_digits <= 15;
        Some((v, written.then(|| &text[..sign + end])))
    }

    /// Adds the digits of `body` from `i` on to `mantissa`; returns the index past them.
    #[inline(always)]
    fn take_digits(body: &[u8], mut i: usize, mantissa: &mut u64) -> usize {
        while let Some(d) = body
            .get(i)
            .and_then(|b| b.checked_sub(b'0'))
            .filter(|d| *d < 10)
        {
            *mantissa = *mantissa * 10 + u64::from(d);
            i += 1;
        }
        i
    }

    /// 10^0 … 10^16, all exact doubles: what [`parse_plain`] divides by (at most 16 decimals
    /// fit its 17 characters) and [`push_short_decimal`] scales with.
    const POW10: [f64; 17] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    ];

    /// Formats a number the way WSXF writes it (shortest round-trip form, `INF`/`-INF`/`NaN`).
    pub fn format(v: f64) -> String {
        let mut out = String::new();
        push(&mut out, v);
        out
    }

    /// Appends [`format`]`(v)` to `out` without allocating: the shortest round-trip digits,
    /// written out positionally (never with an exponent, as `Display` writes them).
    ///
    /// Chart series hold thousands of numbers; `format!` through `Display` was most of the
    /// time of converting a file of curves.
    pub fn push(out: &mut String, v: f64) {
        if v.is_nan() {
            out.push_str("NaN");
        } else if v.is_infinite() {
            out.push_str(if v > 0.0 { "INF" } else { "-INF" });
        } else if v.abs() < 1e15 && v as i64 as f64 == v {
            out.push_str(itoa::Buffer::new().format(v as i64));
        } else if !push_short_decimal(out, v) {
            let mut buffer = zmij::Buffer::new();
            let shortest = buffer.format_finite(v);
            // Two shortest forms can tie only when 16 or more digits are needed; zmij breaks
            // such a tie to even, `Display` upwards. Leave those few numbers to `Display`.
            let significant = shortest
                .bytes()
                .take_while(|b| *b != b'e' && *b != b'E')
                .filter(u8::is_ascii_digit)
                .skip_while(|b| *b == b'0')
                .count();
            if significant >= 16 {
                use std::fmt::Write;
                let _ = write!(out, "{v}");
                return;
            }
            match shortest.split_once(['e', 'E']) {
                // Integers beyond 1e15 come as `1234….0`; `Display` writes no fraction.
                None => out.push_str(shortest.strip_suffix(".0").unwrap_or(shortest)),
                Some((mantissa, exponent)) => {
                    push_positional(out, mantissa, exponent.parse().unwrap_or(0))
                }
            }
        }
    }

    /// Writes `v` if it is the double nearest some `m / 10^k` with `k` at most 9 and `|m|`
    /// below 10^15, and says whether it did.
    ///
    /// Measured values (`91.346`, `0.05`) are most of a chart, and for them this is several
    /// times faster than the general shortest-digits search. It gives the same text: a decimal
    /// of at most 15 significant digits is the only one of that length that rounds to its
    /// double, so the smallest `k` that round-trips yields the shortest form. For `|m| < 10^15`
    /// the error of `v × 10^k` stays far below ½, so rounding finds `m` whenever it exists.
    fn push_short_decimal(out: &mut String, v: f64) -> bool {
        // A constant-length slice: the loop unrolls (`.take(10)` did not, +7% on Klippel).
        for (k, &scale) in POW10[..10].iter().enumerate().skip(1) {
            let scaled = v * scale;
            if scaled.abs() >= 1e15 {
                return false;
            }
            // `as i64` instead of `round()`, which is a libm call on baseline x86-64.
            let m = (scaled + 0.5f64.copysign(scaled)) as i64 as f64;
            // Cheap filter first: the product's error is below 10^-15 of it, so only a
            // scaled value this close to an integer can be m; the division decides.
            if (scaled - m).abs() > scaled.abs() * 1e-12 || m / scale != v {
                continue;
            }
            let mut digits = itoa::Buffer::new();
            let digits = digits.format(m.abs() as u64);
            if m < 0.0 {
                out.push('-');
            }
            if digits.len() <= k {
                out.push_str("0.");
                out.extend(std::iter::repeat_n('0', k - digits.len()));
                out.push_str(digits);
            } else {
                let (int, frac) = digits.split_at(digits.len() - k);
                out.push_str(int);
                out.push('.');
                out.push_str(frac);
            }
            return true;
        }
        false
    }

    /// Writes `mantissa × 10^exponent` (`mantissa` like `-1.2345`) without an exponent.
    fn push_positional(out: &mut String, mantissa: &str, exponent: i32) {
        let (negative, mantissa) = match mantissa.strip_prefix('-') {
            Some(m) => (true, m),
            None => (false, mantissa),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        // Significant digits and where the decimal point falls among them.
        let digits = || int.bytes().chain(frac.bytes());
        let count = int.len() + frac.len();
        let point = int.len() as i64 + i64::from(exponent);
        if negative {
            out.push('-');
        }
        if point <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-point) as usize));
            out.extend(digits().map(char::from));
        } else if point as usize >= count {
            out.extend(digits().map(char::from));
            out.extend(std::iter::repeat_n('0', point as usize - count));
        } else {
            for (i, d) in digits().enumerate() {
                if i == point as usize {
                    out.push('.');
                }
                out.push(char::from(d));
            }
        }
    }
}

/// Direct WSJF writing, the fast path behind [`crate::wsjf::to_string`].
///
/// Serializing through serde costs a key escape and a state machine per entry; a report of
/// 10,000 steps has ~150,000 entries. The generated [`WriteJson`] impls write each known key
/// as one pre-built `"key":` slice instead. The output is the JSON the `Serialize` impls
/// produce (same number formatting, same escaping); a property test holds them equal.
pub trait WriteJson {
    /// Appends this value as JSON.
    fn write_json(&self, out: &mut Vec<u8>);
}

/// Appends a JSON string literal, escaped as serde_json escapes.
pub fn write_json_str(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0C => b"\\f",
            0x00..=0x1F => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(b >> 4) as usize]);
            out.push(HEX[(b & 0xF) as usize]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

impl WriteJson for String {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_json_str(out, self);
    }
}

impl WriteJson for Cow<'_, str> {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_json_str(out, self);
    }
}

impl WriteJson for bool {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(if *self { b"true" } else { b"false" });
    }
}

impl WriteJson for i64 {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(itoa::Buffer::new().format(*self).as_bytes());
    }
}

/// `f64` in its wire form (see [`float`]).
impl WriteJson for f64 {
    fn write_json(&self, out: &mut Vec<u8>) {
        let v = *self;
        if v.is_finite() {
            out.extend_from_slice(zmij::Buffer::new().format_finite(v).as_bytes());
        } else if v.is_nan() {
            out.extend_from_slice(b"\"NaN\"");
        } else if v > 0.0 {
            out.extend_from_slice(b"\"Infinity\"");
        } else {
            out.extend_from_slice(b"\"-Infinity\"");
        }
    }
}

impl WriteJson for uuid::Uuid {
    fn write_json(&self, out: &mut Vec<u8>) {
        let mut buf = uuid::Uuid::encode_buffer();
        out.push(b'"');
        out.extend_from_slice(self.hyphenated().encode_lower(&mut buf).as_bytes());
        out.push(b'"');
    }
}

impl WriteJson for serde_json::Value {
    fn write_json(&self, out: &mut Vec<u8>) {
        // Unknown content is rare: the generic path is fine here.
        let _ = serde_json::to_writer(&mut *out, self);
    }
}

impl<T: WriteJson> WriteJson for Box<T> {
    fn write_json(&self, out: &mut Vec<u8>) {
        (**self).write_json(out);
    }
}

impl<T: WriteJson> WriteJson for Vec<T> {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            item.write_json(out);
        }
        out.push(b']');
    }
}

/// Reads a step type or unit (a `[shared]` field): one of the few that most reports repeat
/// is shared instead of allocated for every step.
#[doc(hidden)]
pub struct SharedName(pub std::borrow::Cow<'static, str>);

impl<'de> Deserialize<'de> for SharedName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl Visitor<'_> for NameVisitor {
            type Value = SharedName;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SharedName, E> {
                Ok(SharedName(crate::step::shared_name(v)))
            }
        }
        d.deserialize_str(NameVisitor)
    }
}

/// Writes unknown keys after the known ones.
pub fn write_extra(out: &mut Vec<u8>, extra: &Extra, first: &mut bool) {
    for (key, value) in extra {
        if !std::mem::take(first) {
            out.push(b',');
        }
        write_json_str(out, key);
        out.push(b':');
        value.write_json(out);
    }
}

/// Writes one known field: the value if present, `null` if it was explicitly null on input.
#[doc(hidden)]
#[macro_export]
macro_rules! __wire_ser_field {
    ($map:ident, $json:literal, $value:expr, float) => {
        $map.serialize_entry($json, &$crate::wire::float::Ser($value))?
    };
    // A `[shared]` name is written as any string.
    ($map:ident, $json:literal, $value:expr, $(shared)?) => {
        $map.serialize_entry($json, $value)?
    };
}

/// Reads one known field's value (`None` for an explicit `null`).
#[doc(hidden)]
#[macro_export]
macro_rules! __wire_de_field {
    ($map:ident, $ty:ty, float) => {
        $map.next_value::<Option<$crate::wire::float::De>>()?
            .map(|v| v.0)
    };
    ($map:ident, $ty:ty, shared) => {
        $map.next_value::<Option<$crate::wire::SharedName>>()?
            .map(|v| v.0)
    };
    ($map:ident, $ty:ty, ) => {
        $map.next_value::<Option<$ty>>()?
    };
}

/// Declares a lossless wire struct; see the [module docs](self).
///
/// ```ignore
/// wire_struct! {
///     /// Docs.
///     pub struct Thing {
///         /// Field docs.
///         "jsonName" => field: String,
///         "amount" => amount: f64 [float],
///     }
/// }
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! wire_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $json:literal => $field:ident : $ty:ty $([$with:ident])?,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                pub $field: Option<$ty>,
            )*
            /// Keys this model does not know, kept and written back verbatim.
            pub extra: $crate::wire::Extra,
            /// Known keys that were explicitly `null` on input (written back as `null`).
            pub nulls: $crate::wire::NullKeys,
        }

        impl $name {
            /// The JSON names of the known keys, in the order they are written.
            pub const KEYS: &'static [&'static str] = &[$($json),*];
        }

        // `NullKeys` is a 64-bit set.
        const _: () = assert!($name::KEYS.len() <= 64);

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                #[allow(non_camel_case_types, dead_code)]
                enum Field { $($field),* }
                let mut map = serializer.serialize_map(None)?;
                $(
                    match &self.$field {
                        Some(value) => $crate::__wire_ser_field!(map, $json, value, $($with)?),
                        None if self.nulls.contains(Field::$field as u32) => {
                            map.serialize_entry($json, &())?
                        }
                        None => {}
                    }
                )*
                for (key, value) in &self.extra {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }

        impl $crate::wire::WriteJson for $name {
            fn write_json(&self, out: &mut Vec<u8>) {
                #[allow(non_camel_case_types, dead_code)]
                enum Field { $($field),* }
                out.push(b'{');
                let mut first = true;
                $(
                    let present = self.$field.is_some();
                    if present || self.nulls.contains(Field::$field as u32) {
                        if !std::mem::take(&mut first) {
                            out.push(b',');
                        }
                        out.extend_from_slice(concat!("\"", $json, "\":").as_bytes());
                        match &self.$field {
                            Some(value) => $crate::wire::WriteJson::write_json(value, out),
                            None => out.extend_from_slice(b"null"),
                        }
                    }
                )*
                $crate::wire::write_extra(out, &self.extra, &mut first);
                out.push(b'}');
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct StructVisitor;
                impl<'de> serde::de::Visitor<'de> for StructVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " object"))
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        #[allow(non_camel_case_types, dead_code)]
                        enum Field { $($field),* }
                        let mut out = $name::default();
                        while let Some(key) = map.next_key::<$crate::wire::MapKey<'de>>()? {
                            match key.0.as_ref() {
                                $(
                                    $json => {
                                        out.$field = $crate::__wire_de_field!(map, $ty, $($with)?);
                                        if out.$field.is_none() {
                                            out.nulls.insert(Field::$field as u32);
                                        }
                                    }
                                )*
                                _ => {
                                    let value = map.next_value::<serde_json::Value>()?;
                                    out.extra.insert(key.0.into_owned(), value);
                                }
                            }
                        }
                        Ok(out)
                    }
                }
                deserializer.deserialize_map(StructVisitor)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::float;

    #[test]
    fn float_text_forms() {
        assert_eq!(float::parse("1.5"), Some(1.5));
        assert_eq!(float::parse(" -2e3 "), Some(-2000.0));
        assert_eq!(float::parse("INF"), Some(f64::INFINITY));
        assert_eq!(float::parse("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(float::parse("NaN").unwrap().is_nan());
        assert_eq!(float::parse("abc"), None);
        assert_eq!(float::parse(""), None);
        assert_eq!(float::format(500.0), "500");
        assert_eq!(float::format(28.9230769230769), "28.9230769230769");
        assert_eq!(float::format(f64::NEG_INFINITY), "-INF");
        assert_eq!(float::format(1e-7), "0.0000001");
        assert_eq!(float::format(-2.5e-10), "-0.00000000025");
        assert_eq!(float::format(1.5e20), "150000000000000000000");
        assert_eq!(float::format(-0.0), "0");
    }

    #[test]
    fn decimal_copies_plain_decimals_and_formats_the_rest() {
        let written = |text: &str| {
            let mut out = String::new();
            float::Decimal::parse(text).unwrap().push_to(&mut out);
            out
        };
        assert_eq!(written("200.00"), "200");
        assert_eq!(written("-91.3460"), "-91.346");
        assert_eq!(written("0.050"), "0.05");
        assert_eq!(written("7"), "7");
        // Not as WATS writes numbers, so formatted from the value.
        assert_eq!(written("+1.50"), "1.5");
        assert_eq!(written("007.5"), "7.5");
        assert_eq!(written(".5"), "0.5");
        assert_eq!(written("-0.000"), "0");
        assert_eq!(written("1234567890.123456"), "1234567890.123456");
        assert_eq!(float::Decimal::parse("1e3"), None);
        // Beyond 17 characters or 2^53, trailing zeros counted: left to the general parser.
        assert_eq!(float::Decimal::parse("1000000000.0000000"), None);
        assert_eq!(float::Decimal::parse("90072000.00000000"), None);
    }

    /// The fast writer gives exactly what `Display` gives, for every finite number.
    fn display_form(v: f64) -> String {
        if v == v.trunc() && v.abs() < 1e15 {
            format!("{}", v as i64)
        } else {
            format!("{v}")
        }
    }

    proptest::proptest! {
        #[test]
        fn float_format_matches_display(bits in proptest::num::u64::ANY) {
            let v = f64::from_bits(bits);
            proptest::prop_assume!(v.is_finite());
            proptest::prop_assert_eq!(float::format(v), display_form(v));
        }

        /// The plain-decimal parser gives what `str::parse` gives, or leaves the text to it.
        #[test]
        fn parse_plain_matches_std(text in "[+-]?[0-9]{0,18}(\\.[0-9]{0,18})?") {
            if let Some(v) = float::parse_plain(&text) {
                let expected: f64 = text.parse().unwrap();
                proptest::prop_assert_eq!(v.to_bits(), expected.to_bits(), "{}", text);
            } else {
                // Only long text (beyond 2^53) or text that is no number is left to std.
                let body = text.trim_start_matches(['+', '-']);
                proptest::prop_assert!(body.len() > 15 || text.parse::<f64>().is_err(), "{}", text);
            }
        }

        /// Short decimals take the fast path in `push`; it must agree with `Display` too.
        #[test]
        fn float_format_matches_display_for_short_decimals(m in -999_999_999_999_999i64..1_000_000_000_000_000, k in 0u32..12) {
            let v = m as f64 / 10f64.powi(k as i32);
            proptest::prop_assert_eq!(float::format(v), display_form(v));
        }

        /// A decimal's value is `parse_plain`'s, and copying its text gives what formatting
        /// that value gives.
        #[test]
        fn decimal_matches_parse_plain_and_format(text in "[+-]?[0-9]{0,17}(\\.[0-9]{0,17})?") {
            let decimal = float::Decimal::parse(&text);
            proptest::prop_assert_eq!(decimal.map(|d| d.value().to_bits()), float::parse_plain(&text).map(f64::to_bits));
            if let Some(d) = decimal {
                let mut out = String::new();
                d.push_to(&mut out);
                proptest::prop_assert_eq!(out, float::format(d.value()), "{}", text);
            }
        }

        /// The same for decimals as instruments write them: `0.…`, runs of trailing zeros.
        #[test]
        fn decimal_with_trailing_zeros_matches_format(
            sign in "-?", int in "0|[1-9][0-9]{0,7}", fraction in "[0-9]{0,4}", zeros in 0usize..4
        ) {
            // At most 15 digits: always a plain decimal `parse_plain` reads.
            let text = format!("{sign}{int}.{fraction}{}", "0".repeat(zeros));
            let d = float::Decimal::parse(&text).unwrap();
            let mut out = String::new();
            d.push_to(&mut out);
            proptest::prop_assert_eq!(out, float::format(d.value()), "{}", text);
        }

        #[test]
        fn float_format_matches_display_for_measurements(v in -1e9f64..1e9, scale in -12i32..12) {
            let v = v * 10f64.powi(scale);
            proptest::prop_assert_eq!(float::format(v), display_form(v));
        }
    }
}
