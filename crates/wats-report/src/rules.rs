//! Status rules (report-formats §1.12): how measurements are judged and how a failure travels
//! up the step tree to the report result.
//!
//! Two modes, as in WATS's own client:
//!
//! * [`Mode::Active`], for live testing and the [builder](crate::builder): every measurement that
//!   has no status is judged from its value and limits; a step with a failed measurement fails;
//!   a Failed, Error or Terminated step raises each ancestor — and finally the report result —
//!   but only to a *more severe* state (Terminated > Error > Failed), so nothing ever
//!   "un-fails"; the first failing leaf (depth first) is marked `causedUUTFailure` and its id
//!   becomes `uut.stepIdCausedUUTFailure`.
//! * [`Mode::Import`], for converters of files that already carry verdicts: the statuses given
//!   stand, nothing is recomputed (the WATS server does not re-evaluate either).

use crate::op::{verdict, CompOp};
use crate::report::{Report, UutInfo};
use crate::status::Status;
use crate::step::{NumericMeasurement, Step, StringMeasurement};

/// Whether statuses are computed or taken as given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Judge measurements and propagate failures (the default for building reports).
    #[default]
    Active,
    /// Keep every status as given.
    Import,
}

/// Judges a numeric measurement from its value and limits. `None` when it cannot be judged: no
/// value, or an operator that is unknown or not numeric. A missing operator means `LOG`.
pub fn judge_numeric(m: &NumericMeasurement) -> Option<Status> {
    let op = match &m.comp_op {
        Some(op) => op.op()?,
        None => CompOp::LOG,
    };
    let value = m.value?;
    op.check_numeric(value, m.low_limit, m.high_limit)
        .map(verdict)
}

/// Judges a string measurement against its limit. `None` when it cannot be judged.
pub fn judge_string(m: &StringMeasurement) -> Option<Status> {
    let op = match &m.comp_op {
        Some(op) => op.op()?,
        None => CompOp::LOG,
    };
    let value = m.value.as_deref().unwrap_or("");
    op.check_string(value, m.limit.as_deref()).map(verdict)
}

/// Applies `mode` to the whole report. In import mode this does nothing.
pub fn apply(report: &mut Report, mode: Mode) {
    if mode == Mode::Import {
        return;
    }
    let Some(root) = report.root.as_mut() else {
        return;
    };
    let root_status = settle(root);
    // The report result is raised like a parent, on the UUT ordering (P < F < E < T).
    // A result that is no report result (D, S) is left for validation to report.
    let current = report.result.unwrap_or(Status::Passed);
    if root_status.is_failure() && root_status > current {
        report.result = Some(root_status);
    } else {
        report.result = Some(current);
    }

    // Exactly one cause, as in WATS exports: forget earlier marks, then mark the first.
    clear_causes(root);
    if let Some(cause) = first_failing_leaf(root) {
        cause.caused_uut_failure = Some(true);
        let id = cause.id;
        let uut = report.uut.get_or_insert_with(UutInfo::default);
        uut.step_id_caused_uut_failure = id;
    }
}

/// Judges the measurements of `step` and its subtree and raises statuses; returns the step's
/// final status.
fn settle(step: &mut Step) -> Status {
    let mut status = step.status;
    if status != Some(Status::Skipped) {
        let measured = judge_measurements(step);
        if let Some(meas_status) = measured {
            status = Some(match status {
                // A failed measurement fails a step that has not failed worse already.
                Some(s) if meas_status == Status::Failed => s.max(Status::Failed),
                // WATS rejects a Done step whose measurement passed: a measured step passes.
                Some(Status::Done) => meas_status,
                Some(s) => s,
                None => meas_status,
            });
        }
    }
    let mut status = status.unwrap_or(if step.steps.is_some() {
        Status::Passed
    } else {
        Status::Done
    });
    if let Some(children) = step.steps.as_mut() {
        for child in children {
            let child_status = settle(child);
            if child_status.is_failure() && child_status > status {
                status = child_status;
            }
        }
    }
    step.status = Some(status);
    status
}

/// Judges every measurement of a leaf that has no status yet; returns the step verdict they
/// give: Failed if any failed (Error and Terminated count as failed, §1.12), Passed if any
/// passed, Skipped if all were skipped, `None` when the step has no measurements.
fn judge_measurements(step: &mut Step) -> Option<Status> {
    #[derive(Default)]
    struct Tally {
        any: bool,
        failed: bool,
        all_skipped: bool,
    }
    let mut tally = Tally {
        all_skipped: true,
        ..Tally::default()
    };
    let mut count = |status: Option<Status>| {
        if let Some(s) = status {
            tally.any = true;
            tally.failed |= s.is_failure();
            tally.all_skipped &= s == Status::Skipped;
        }
    };
    for m in step.numeric_meas.iter_mut().flatten() {
        if m.status.is_none() {
            m.status = judge_numeric(m);
        }
        count(m.status);
    }
    for m in step.string_meas.iter_mut().flatten() {
        if m.status.is_none() {
            m.status = judge_string(m);
        }
        count(m.status);
    }
    for m in step.boolean_meas.iter().flatten() {
        count(m.status);
    }
    if !tally.any {
        return None;
    }
    Some(if tally.failed {
        Status::Failed
    } else if tally.all_skipped {
        Status::Skipped
    } else {
        Status::Passed
    })
}

fn clear_causes(step: &mut Step) {
    if step.caused_uut_failure == Some(true) {
        step.caused_uut_failure = Some(false);
    }
    for child in step.steps.iter_mut().flatten() {
        clear_causes(child);
    }
}

/// The first step, depth first, whose status is a failure and none of whose children failed.
fn first_failing_leaf(step: &mut Step) -> Option<&mut Step> {
    if !step.status_or_done().is_failure() {
        return None;
    }
    let failing_child = step
        .children()
        .iter()
        .position(|c| c.status_or_done().is_failure());
    match failing_child {
        Some(i) => first_failing_leaf(step.steps.as_mut()?.get_mut(i)?),
        None => Some(step),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::CompOp;

    fn numeric(op: CompOp, value: f64, low: Option<f64>, high: Option<f64>) -> NumericMeasurement {
        NumericMeasurement {
            comp_op: Some(op.into()),
            value: Some(value),
            low_limit: low,
            high_limit: high,
            ..Default::default()
        }
    }

    #[test]
    fn judges_numeric_and_string() {
        assert_eq!(
            judge_numeric(&numeric(CompOp::LT, 500.0, Some(501.0), None)),
            Some(Status::Passed)
        );
        assert_eq!(
            judge_numeric(&numeric(CompOp::LE, 500.0, Some(499.0), None)),
            Some(Status::Failed)
        );
        let s = StringMeasurement {
            comp_op: Some(crate::CompOpValue::parse("IgnoreCase")),
            value: Some("ABC".into()),
            limit: Some("abc".into()),
            ..Default::default()
        };
        assert_eq!(judge_string(&s), Some(Status::Passed));
        let unknown = NumericMeasurement {
            comp_op: Some(crate::CompOpValue::parse("ABOUT")),
            value: Some(1.0),
            ..Default::default()
        };
        assert_eq!(judge_numeric(&unknown), None);
    }
}
