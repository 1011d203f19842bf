//! AutoTruncate: texts over WATS's length limits cut to the limit instead of refusing the
//! whole report, as Virinco's own ATML and TestStand converters run the API
//! (`reference/report-formats.md` §4). Each cut is returned (and recorded in the report by
//! [`record`]), so nothing is shortened silently; what cutting cannot fix stays for validation
//! to refuse.
//!
//! The limits are the validator's own: a text is cut exactly where [`Validator`] reports it too
//! long (the error's [`limit`](crate::ValidationError::limit) and path), so there is one table
//! of limits.
//!
//! ```
//! use wats_report::{builder::ReportBuilder, truncate, Validator};
//!
//! let mut b = ReportBuilder::uut("PN", "SN", "A", 10).station("ST", "Lab", "Test");
//! b.add_step("x".repeat(143), true);
//! let mut report = b.build_unchecked();
//! let cuts = truncate::auto_truncate(&mut report, &Validator::default()).unwrap();
//! assert_eq!((cuts.len(), cuts[0].from, cuts[0].to), (1, 143, 100));
//! assert!(Validator::default().validate(&report).is_empty());
//! ```

use std::fmt;

use serde_json::Value;

use crate::report::{MiscInfo, Report};
use crate::validate::Validator;
use crate::ReadError;

/// One text cut to WATS's limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cut {
    /// Where, as validation names it (`root.steps[3].name`).
    pub path: String,
    /// Its length before, in characters (trimmed).
    pub from: usize,
    /// Its length now: the limit.
    pub to: usize,
}

impl fmt::Display for Cut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}→{}", self.path, self.from, self.to)
    }
}

/// Cuts every text of `report` that `validator` finds longer than WATS allows to its limit
/// (trimmed, then the first `limit` characters), and returns the cuts; empty when nothing was
/// too long. Fails only if the report does not survive its own WSJF round trip.
pub fn auto_truncate(report: &mut Report, validator: &Validator) -> Result<Vec<Cut>, ReadError> {
    let too_long: Vec<(String, usize)> = validator
        .validate(report)
        .into_iter()
        .filter_map(|e| e.limit.map(|limit| (e.path, limit)))
        .collect();
    if too_long.is_empty() {
        return Ok(Vec::new());
    }
    // Through the report's own JSON: the paths are its JSON paths.
    let mut value: Value =
        serde_json::from_str(&crate::wsjf::to_string(report)).expect("WSJF is JSON");
    let mut cuts = Vec::new();
    for (path, limit) in too_long {
        if let Some(Value::String(text)) = at_path(&mut value, &path) {
            let trimmed = text.trim();
            let from = trimmed.chars().count();
            if from > limit {
                *text = trimmed.chars().take(limit).collect();
                cuts.push(Cut {
                    path,
                    from,
                    to: limit,
                });
            }
        }
    }
    *report = crate::wsjf::from_str(&value.to_string())?;
    Ok(cuts)
}

/// The value at a validation path (`root.steps[3].numericMeas[0].name`), if there is one.
fn at_path<'v>(value: &'v mut Value, path: &str) -> Option<&'v mut Value> {
    let mut cur = value;
    for part in path.split('.') {
        let (key, indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            cur = cur.get_mut(key)?;
        }
        for index in indexes.split('[').skip(1) {
            let n: usize = index.strip_suffix(']')?.parse().ok()?;
            cur = cur.get_mut(n)?;
        }
    }
    Some(cur)
}

/// Records `cuts` in the report as a misc info (description `AutoTruncate`), so whoever reads
/// the report on the server sees that texts were shortened, and which first.
pub fn record(report: &mut Report, cuts: &[Cut]) {
    let Some(first) = cuts.first() else { return };
    let mut text = format!("{} text(s) cut to WATS's limits: {first}", cuts.len());
    if text.chars().count() > 100 {
        text = text.chars().take(99).collect::<String>() + "…";
    }
    report
        .misc_infos
        .get_or_insert_with(Vec::new)
        .push(MiscInfo {
            description: Some("AutoTruncate".into()),
            text: Some(text),
            ..MiscInfo::default()
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::ReportBuilder;

    #[test]
    fn every_overlong_text_is_cut_at_its_path_and_other_problems_stay() {
        let mut b = ReportBuilder::uut("PN", "SN", "A", 10)
            .station("ST", "Lab", "Test")
            .operator("o".repeat(150));
        b.group("G")
            .add_step("Volt", 3.3)
            .unit("V".repeat(30))
            .limits(3.2, 3.4);
        let mut report = b.build_unchecked();
        report.misc_infos = Some(vec![MiscInfo {
            description: Some("Lot".into()),
            text: Some(format!("  {}  ", "ü".repeat(120))),
            ..MiscInfo::default()
        }]);
        report.sn = None; // not fixable by cutting
        let validator = Validator::default();
        let cuts = auto_truncate(&mut report, &validator).unwrap();
        let mut paths: Vec<(&str, usize, usize)> = cuts
            .iter()
            .map(|c| (c.path.as_str(), c.from, c.to))
            .collect();
        paths.sort();
        assert_eq!(paths.len(), 3, "{paths:?}");
        assert!(
            paths.contains(&("miscInfos[0].text", 120, 100)),
            "{paths:?}"
        );
        assert!(paths
            .iter()
            .any(|(p, f, t)| p.ends_with("unit") && (*f, *t) == (30, 20)));
        assert!(paths
            .iter()
            .any(|(p, f, t)| p.ends_with("user") && (*f, *t) == (150, 100)));
        let text = report.misc_infos.as_ref().unwrap()[0].text.clone().unwrap();
        assert_eq!(
            text,
            "ü".repeat(100),
            "trimmed, then cut on a character boundary"
        );
        let left = validator.validate(&report);
        assert_eq!(left.len(), 1, "{left:?}");
        assert_eq!(left[0].path, "sn");
        record(&mut report, &cuts);
        let note = report.misc_infos.as_ref().unwrap().last().unwrap();
        assert_eq!(note.description.as_deref(), Some("AutoTruncate"));
        assert!(note.text.as_ref().unwrap().chars().count() <= 100);
        assert!(note.text.as_ref().unwrap().starts_with("3 text(s) cut"));
    }

    #[test]
    fn nothing_too_long_changes_nothing() {
        let mut b = ReportBuilder::uut("PN", "SN", "A", 10).station("ST", "Lab", "Test");
        b.add_step("fine", true);
        let mut report = b.build_unchecked();
        let before = crate::wsjf::to_string(&report);
        assert!(auto_truncate(&mut report, &Validator::default())
            .unwrap()
            .is_empty());
        assert_eq!(crate::wsjf::to_string(&report), before);
    }
}
