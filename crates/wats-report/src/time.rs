//! Report time stamps: an instant with the offset it was recorded in.
//!
//! WATS writes `2026-01-30T22:01:41.4707353+01:00` (seven fractional digits, the station's own
//! offset) and `…Z` for UTC values. A [`Timestamp`] keeps the offset and remembers how it was
//! spelled (fraction digits, `Z` or `+00:00`), so a value read and written back is unchanged.
//! A naive time without an offset is taken to be in the local time zone, as WATS does.

use std::fmt;

use chrono::{DateTime, FixedOffset, Local, NaiveDateTime, Offset, TimeZone, Timelike, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time with the UTC offset it was recorded in.
#[derive(Clone, Copy, Debug)]
pub struct Timestamp {
    at: DateTime<FixedOffset>,
    /// Fractional-second digits to write (0..=9).
    fraction_digits: u8,
    /// Write a zero offset as `Z` rather than `+00:00`.
    zulu: bool,
}

/// Digits WATS itself writes (.NET ticks are 100 ns).
const DEFAULT_FRACTION_DIGITS: u8 = 7;

impl Timestamp {
    /// A time stamp for `at`, written with WATS's seven fractional digits.
    pub fn new(at: DateTime<FixedOffset>) -> Self {
        // Round away sub-tick precision so the value written equals the value kept.
        let nanos = at.nanosecond();
        let at = at.with_nanosecond(nanos - nanos % 100).unwrap_or(at);
        Timestamp {
            at,
            fraction_digits: DEFAULT_FRACTION_DIGITS,
            zulu: false,
        }
    }

    /// The current time in the local zone.
    pub fn now() -> Self {
        let now = Local::now();
        Self::new(now.with_timezone(&now.offset().fix()))
    }

    /// A UTC time stamp, written with a `Z` suffix.
    pub fn from_utc(at: DateTime<Utc>) -> Self {
        Timestamp {
            zulu: true,
            ..Self::new(at.fixed_offset())
        }
    }

    /// A naive local time interpreted in the machine's local zone: the earlier instant when the
    /// wall time is ambiguous (DST ends); a wall time that does not exist (in the gap when DST
    /// starts) is read as UTC and shown in the zone's offset at that instant.
    pub fn from_local(naive: NaiveDateTime) -> Self {
        let local = match Local.from_local_datetime(&naive) {
            chrono::LocalResult::Single(t) => t,
            chrono::LocalResult::Ambiguous(early, _) => early,
            chrono::LocalResult::None => Local.from_utc_datetime(&naive),
        };
        Self::new(local.fixed_offset())
    }

    /// The instant with its recorded offset.
    pub fn datetime(&self) -> DateTime<FixedOffset> {
        self.at
    }

    /// The instant in UTC.
    pub fn utc(&self) -> DateTime<Utc> {
        self.at.with_timezone(&Utc)
    }

    /// Parses the forms WATS and its clients write: RFC 3339 with any number of fractional
    /// digits and `Z` or `±hh:mm`, or a naive `YYYY-MM-DDThh:mm:ss[.f]` in the local zone.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let t = text.trim();
        let err = || TimestampError(t.to_owned());
        let date_time_sep = t.find(['T', 't', ' ']).ok_or_else(err)?;
        let time_part = &t[date_time_sep + 1..];
        let fraction_digits = match time_part.find('.') {
            Some(dot) => time_part[dot + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count(),
            None => 0,
        };
        if fraction_digits > 9 {
            return Err(err());
        }
        let fraction_digits = fraction_digits as u8;
        let has_offset = time_part.ends_with(['Z', 'z'])
            || time_part
                .rfind(['+', '-'])
                .is_some_and(|i| time_part[i..].contains(':'));
        if has_offset {
            let normalized;
            let rfc = if t[date_time_sep..].starts_with('T') {
                t
            } else {
                normalized = format!("{}T{}", &t[..date_time_sep], time_part);
                &normalized
            };
            let at = DateTime::parse_from_rfc3339(rfc).map_err(|_| err())?;
            let zulu = time_part.ends_with(['Z', 'z']);
            Ok(Timestamp {
                at,
                fraction_digits,
                zulu,
            })
        } else {
            let naive =
                NaiveDateTime::parse_from_str(&t.replace([' ', 't'], "T"), "%Y-%m-%dT%H:%M:%S%.f")
                    .map_err(|_| err())?;
            Ok(Timestamp {
                fraction_digits,
                ..Self::from_local(naive)
            })
        }
    }
}

impl PartialEq for Timestamp {
    /// Equal when they name the same instant in the same offset (spelling aside).
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.at.offset() == other.at.offset()
    }
}

impl Eq for Timestamp {}

impl From<DateTime<FixedOffset>> for Timestamp {
    fn from(at: DateTime<FixedOffset>) -> Self {
        Timestamp::new(at)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Timestamp::from_utc(at)
    }
}

impl From<DateTime<Local>> for Timestamp {
    fn from(at: DateTime<Local>) -> Self {
        Timestamp::new(at.fixed_offset())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.at;
        write!(f, "{}", at.format("%Y-%m-%dT%H:%M:%S"))?;
        if self.fraction_digits > 0 {
            let digits = self.fraction_digits as usize;
            let nanos = at.nanosecond() % 1_000_000_000;
            let scaled = nanos / 10u32.pow(9 - digits as u32);
            write!(f, ".{scaled:0digits$}")?;
        }
        let offset = at.offset().local_minus_utc();
        if offset == 0 && self.zulu {
            f.write_str("Z")
        } else {
            let sign = if offset < 0 { '-' } else { '+' };
            let offset = offset.abs();
            write!(f, "{sign}{:02}:{:02}", offset / 3600, (offset % 3600) / 60)
        }
    }
}

impl std::str::FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

impl crate::wire::WriteJson for Timestamp {
    fn write_json(&self, out: &mut Vec<u8>) {
        use std::io::Write as _;
        // Digits, separators and the offset only: nothing to escape.
        let _ = write!(out, "\"{self}\"");
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A text that is not a date-time WATS understands.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid date-time {0:?}: expected ISO 8601 like 2026-01-30T22:01:41.4707353+01:00")]
pub struct TimestampError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_spelling() {
        for text in [
            "2026-01-30T22:01:41.4707353+01:00",
            "2026-01-30T21:01:41.4707353Z",
            "2024-04-15T02:49:36.93+00:00",
            "2025-12-21T22:01:45.472138+00:00",
            "2025-12-21T22:01:45-05:30",
        ] {
            assert_eq!(Timestamp::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn offset_kept_and_utc_derived() {
        let t = Timestamp::parse("2026-01-30T22:01:41.4707353+01:00").unwrap();
        assert_eq!(t.datetime().offset().local_minus_utc(), 3600);
        assert_eq!(
            Timestamp::from_utc(t.utc()).to_string(),
            "2026-01-30T21:01:41.4707353Z"
        );
    }

    #[test]
    fn naive_is_local() {
        let t = Timestamp::parse("2026-01-30T22:01:41").unwrap();
        let naive =
            NaiveDateTime::parse_from_str("2026-01-30T22:01:41", "%Y-%m-%dT%H:%M:%S").unwrap();
        assert_eq!(t.datetime().naive_local(), naive);
        assert_eq!(t, Timestamp::from_local(naive));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-01-01T00:00:00.1234567890Z",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }
}
