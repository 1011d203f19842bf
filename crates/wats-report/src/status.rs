//! Status values of reports, steps and measurements (report-formats §1.12).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A status as WATS writes it: one letter in WSJF (`P D S F E T`), a word in WSXF.
///
/// One type serves reports, steps and measurements; which values each accepts is checked by
/// validation (a report result is `P F E T`, a measurement `P F S`). The declaration order is
/// the severity order of the C# client: `Passed < Done < Skipped < Failed < Error < Terminated`,
/// so `a.max(b)` is the more severe of two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// `P`: passed.
    Passed,
    /// `D`: done (a step without a verdict; WATS prefers `P` nowadays).
    Done,
    /// `S`: skipped.
    Skipped,
    /// `F`: failed.
    Failed,
    /// `E`: error.
    Error,
    /// `T`: terminated.
    Terminated,
}

impl Status {
    /// All statuses, in severity order.
    pub const ALL: [Status; 6] = [
        Status::Passed,
        Status::Done,
        Status::Skipped,
        Status::Failed,
        Status::Error,
        Status::Terminated,
    ];

    /// The WSJF letter.
    pub fn letter(self) -> &'static str {
        match self {
            Status::Passed => "P",
            Status::Done => "D",
            Status::Skipped => "S",
            Status::Failed => "F",
            Status::Error => "E",
            Status::Terminated => "T",
        }
    }

    /// The WSXF word.
    pub fn word(self) -> &'static str {
        match self {
            Status::Passed => "Passed",
            Status::Done => "Done",
            Status::Skipped => "Skipped",
            Status::Failed => "Failed",
            Status::Error => "Error",
            Status::Terminated => "Terminated",
        }
    }

    /// Parses a WSJF letter or a WSXF word (case-insensitive).
    pub fn parse(text: &str) -> Option<Status> {
        let t = text.trim();
        Status::ALL
            .into_iter()
            .find(|s| t.eq_ignore_ascii_case(s.letter()) || t.eq_ignore_ascii_case(s.word()))
    }

    /// Failed, Error and Terminated: the statuses that propagate to parents.
    pub fn is_failure(self) -> bool {
        self >= Status::Failed
    }

    /// Whether this status may stand as a report result (`P F E T`).
    pub fn is_report_result(self) -> bool {
        !matches!(self, Status::Done | Status::Skipped)
    }

    /// Whether this status may stand on a measurement (`P F S`).
    pub fn is_measurement_status(self) -> bool {
        matches!(self, Status::Passed | Status::Failed | Status::Skipped)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.letter())
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.letter())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Status::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid status {text:?}: expected one of P, D, S, F, E, T"
            ))
        })
    }
}

/// The step group: setup, main or cleanup (`S M C`; WSXF `Setup Main Cleanup`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum StepGroup {
    /// `S`: the setup group.
    Setup,
    /// `M`: the main group (the default).
    #[default]
    Main,
    /// `C`: the cleanup group.
    Cleanup,
}

impl StepGroup {
    /// The WSJF letter.
    pub fn letter(self) -> &'static str {
        match self {
            StepGroup::Setup => "S",
            StepGroup::Main => "M",
            StepGroup::Cleanup => "C",
        }
    }

    /// The WSXF word.
    pub fn word(self) -> &'static str {
        match self {
            StepGroup::Setup => "Setup",
            StepGroup::Main => "Main",
            StepGroup::Cleanup => "Cleanup",
        }
    }

    /// Parses a letter or a word (case-insensitive).
    pub fn parse(text: &str) -> Option<StepGroup> {
        let t = text.trim();
        [StepGroup::Setup, StepGroup::Main, StepGroup::Cleanup]
            .into_iter()
            .find(|g| t.eq_ignore_ascii_case(g.letter()) || t.eq_ignore_ascii_case(g.word()))
    }
}

impl Serialize for StepGroup {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.letter())
    }
}

impl<'de> Deserialize<'de> for StepGroup {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        StepGroup::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("invalid step group {text:?}: expected S, M or C"))
        })
    }
}

/// The report type: `T` for a test (UUT) report, `R` for a repair (UUR) report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReportType {
    /// `T`: a UUT test report.
    Uut,
    /// `R`: a UUR repair report.
    Uur,
}

impl ReportType {
    /// The WSJF letter.
    pub fn letter(self) -> &'static str {
        match self {
            ReportType::Uut => "T",
            ReportType::Uur => "R",
        }
    }

    /// The WSXF word.
    pub fn word(self) -> &'static str {
        match self {
            ReportType::Uut => "UUT",
            ReportType::Uur => "UUR",
        }
    }

    /// Parses a letter or a word (case-insensitive).
    pub fn parse(text: &str) -> Option<ReportType> {
        let t = text.trim();
        [ReportType::Uut, ReportType::Uur]
            .into_iter()
            .find(|k| t.eq_ignore_ascii_case(k.letter()) || t.eq_ignore_ascii_case(k.word()))
    }
}

impl Serialize for ReportType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.letter())
    }
}

impl<'de> Deserialize<'de> for ReportType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        ReportType::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("invalid report type {text:?}: expected T or R"))
        })
    }
}

impl crate::wire::WriteJson for Status {
    fn write_json(&self, out: &mut Vec<u8>) {
        crate::wire::write_json_str(out, self.letter());
    }
}

impl crate::wire::WriteJson for StepGroup {
    fn write_json(&self, out: &mut Vec<u8>) {
        crate::wire::write_json_str(out, self.letter());
    }
}

impl crate::wire::WriteJson for ReportType {
    fn write_json(&self, out: &mut Vec<u8>) {
        crate::wire::write_json_str(out, self.letter());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_order() {
        assert!(Status::Terminated > Status::Error);
        assert!(Status::Error > Status::Failed);
        assert!(Status::Failed > Status::Skipped);
        assert!(Status::Skipped > Status::Done && Status::Done > Status::Passed);
    }

    #[test]
    fn letters_and_words() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.letter()), Some(s));
            assert_eq!(Status::parse(s.word()), Some(s));
            assert_eq!(Status::parse(&s.word().to_lowercase()), Some(s));
        }
        assert_eq!(Status::parse("X"), None);
        assert_eq!(StepGroup::parse("Cleanup"), Some(StepGroup::Cleanup));
        assert_eq!(ReportType::parse("UUR"), Some(ReportType::Uur));
    }
}
