//! A builder for scripts and converter authors.
//!
//! ```
//! use wats_report::builder::ReportBuilder;
//!
//! let mut b = ReportBuilder::uut("PCBA-100", "SN-0001", "A", 10)
//!     .operator("alice")
//!     .station("ST-01", "Line 1", "Production");
//! b.add_step("Firmware version", "1.4.2").limit("1.4.2");
//! let mut rails = b.group("Power/Rails");
//! rails.add_step("3V3", 3.31).unit("V").limits(3.2, 3.4);
//! rails.add_step("5V0", 5.61).unit("V").limits(4.8, 5.2);
//! b.add_step("Self test", true);
//! let report = b.build().unwrap();
//! assert_eq!(report.result, Some(wats_report::Status::Failed)); // 5V0 is out of limits
//! ```
//!
//! The report id and start time are fixed when the builder is created, so a report rebuilt or
//! re-sent after a crash overwrites the first copy on the server instead of duplicating it.
//! By default statuses are computed ([`Mode::Active`](crate::rules::Mode)): measurements are
//! judged against their limits and failures propagate up by severity. Converters whose input
//! already carries verdicts use `.mode(Mode::Import)` and set every status themselves.
//!
//! Why one file of ~840 lines: the report builder and the step builder it hands out share the
//! status rules applied at `build()`; most of the length is rustdoc examples.

use base64::Engine as _;
use uuid::Uuid;

use crate::op::{CompOp, CompOpValue};
use crate::report::{Asset, BinaryData, Failure, MiscInfo, Report, SubUnit, UurInfo, UutInfo};
use crate::rules::{self, Mode};
use crate::status::{ReportType, Status, StepGroup};
use crate::step::{
    Attachment, BooleanMeasurement, Chart, NumericMeasurement, SeqCall, Series, SeriesText, Step,
    StringMeasurement,
};
use crate::time::Timestamp;
use crate::validate::{ValidationErrors, Validator};

mod step;

pub use step::{ChartSpec, StepBuilder};

/// A value measured by a step; the step's kind follows from it.
#[derive(Clone, Debug, PartialEq)]
pub enum Measured {
    /// No measurement: an action step.
    Nothing,
    /// A numeric limit test.
    Number(f64),
    /// A pass/fail test.
    Bool(bool),
    /// A string value test.
    Text(String),
    /// Several named numeric measurements.
    Numbers(Vec<(String, f64)>),
    /// Several named pass/fail measurements.
    Bools(Vec<(String, bool)>),
    /// Several named string measurements.
    Texts(Vec<(String, String)>),
}

macro_rules! measured_from {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {
        $(impl From<$t> for Measured {
            fn from($v: $t) -> Self { $e }
        })*
    };
}

measured_from! {
    () => |_v| Measured::Nothing,
    f64 => |v| Measured::Number(v),
    f32 => |v| Measured::Number(v as f64),
    i32 => |v| Measured::Number(v as f64),
    i64 => |v| Measured::Number(v as f64),
    u32 => |v| Measured::Number(v as f64),
    bool => |v| Measured::Bool(v),
    &str => |v| Measured::Text(v.to_owned()),
    String => |v| Measured::Text(v),
    Vec<f64> => |v| Measured::Numbers(numbered(v)),
    Vec<bool> => |v| Measured::Bools(numbered(v)),
    Vec<String> => |v| Measured::Texts(numbered(v)),
    Vec<&str> => |v| Measured::Texts(numbered(v.into_iter().map(str::to_owned).collect())),
}

impl<N: Into<String>> From<Vec<(N, f64)>> for Measured {
    fn from(v: Vec<(N, f64)>) -> Self {
        Measured::Numbers(v.into_iter().map(|(n, x)| (n.into(), x)).collect())
    }
}

impl<N: Into<String>> From<Vec<(N, bool)>> for Measured {
    fn from(v: Vec<(N, bool)>) -> Self {
        Measured::Bools(v.into_iter().map(|(n, x)| (n.into(), x)).collect())
    }
}

impl<N: Into<String>> From<Vec<(N, &str)>> for Measured {
    fn from(v: Vec<(N, &str)>) -> Self {
        Measured::Texts(
            v.into_iter()
                .map(|(n, x)| (n.into(), x.to_owned()))
                .collect(),
        )
    }
}

/// Unnamed lists get their positions as names: `"0"`, `"1"`, …
fn numbered<T>(values: Vec<T>) -> Vec<(String, T)> {
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| (i.to_string(), v))
        .collect()
}

/// Builds a UUT or UUR report.
#[derive(Clone, Debug)]
pub struct ReportBuilder {
    report: Report,
    mode: Mode,
    validator: Validator,
}

impl ReportBuilder {
    /// A UUT (test) report for part `pn`, serial `sn`, revision `rev`, tested in operation
    /// `process_code`. Id and start (now, local time) are fixed here.
    pub fn uut(
        pn: impl Into<String>,
        sn: impl Into<String>,
        rev: impl Into<String>,
        process_code: i64,
    ) -> Self {
        let root = Step {
            id: Some(1),
            group: Some(StepGroup::Main),
            step_type: Some("SequenceCall".into()),
            name: Some("MainSequence Callback".into()),
            seq_call: Some(Box::new(SeqCall {
                name: Some("MainSequence Callback".into()),
                ..Default::default()
            })),
            steps: Some(Vec::new()),
            ..Default::default()
        };
        let report = Report {
            report_type: Some(ReportType::Uut),
            root: Some(root),
            uut: Some(UutInfo::default()),
            ..Self::header(pn.into(), sn.into(), rev.into(), process_code)
        };
        ReportBuilder {
            report,
            mode: Mode::Active,
            validator: Validator::default(),
        }
    }

    /// A UUR (repair) report for the failed UUT `failed`, in repair operation `repair_process_code`.
    ///
    /// The UUR references the UUT (`refUUT`), records the UUT's operation as the one in which the
    /// failure was found, has the repaired unit as main sub unit (idx 0) and the UUT's own sub
    /// units below it, and copies station and operator from the UUT; override as needed.
    pub fn uur_from(failed: &Report, repair_process_code: i64) -> Self {
        let text = |o: &Option<String>| o.clone().unwrap_or_default();
        let mut report = Self::header(
            text(&failed.pn),
            text(&failed.sn),
            text(&failed.rev),
            repair_process_code,
        );
        report.report_type = Some(ReportType::Uur);
        report.machine_name = failed.machine_name.clone();
        report.location = failed.location.clone();
        report.purpose = Some("Repair".into());
        report.uur = Some(UurInfo {
            user: failed.uut.as_ref().and_then(|u| u.user.clone()),
            process_code: failed.process_code,
            process_name: failed.process_name.clone(),
            ref_uut: failed.id,
            confirm_date: Some(Timestamp::from_utc(chrono::Utc::now())),
            finalize_date: Some(Timestamp::from_utc(chrono::Utc::now())),
            active: Some(true),
            ..Default::default()
        });
        let mut units = vec![SubUnit {
            part_type: Some("Main".into()),
            pn: failed.pn.clone(),
            rev: failed.rev.clone(),
            sn: failed.sn.clone(),
            idx: Some(0),
            ..Default::default()
        }];
        for (i, unit) in failed.sub_units.iter().flatten().enumerate() {
            units.push(SubUnit {
                idx: Some(i as i64 + 1),
                parent_idx: Some(0),
                failures: None,
                ..unit.clone()
            });
        }
        report.sub_units = Some(units);
        ReportBuilder {
            report,
            mode: Mode::Import,
            validator: Validator::default(),
        }
    }

    fn header(pn: String, sn: String, rev: String, process_code: i64) -> Report {
        Report {
            id: Some(Uuid::new_v4()),
            pn: Some(pn),
            sn: Some(sn),
            rev: Some(rev),
            process_code: Some(process_code),
            result: Some(Status::Passed),
            machine_name: Some(host_name().unwrap_or("unknown-station").to_owned()),
            location: Some("Unknown".into()),
            purpose: Some("Development".into()),
            start: Some(Timestamp::now()),
            ..Default::default()
        }
    }

    /// Sets the operator (`uut.user` or `uur.user`).
    pub fn operator(mut self, user: impl Into<String>) -> Self {
        let user = Some(user.into());
        match (&mut self.report.uut, &mut self.report.uur) {
            (Some(uut), _) => uut.user = user,
            (_, Some(uur)) => uur.user = user,
            _ => {}
        }
        self
    }

    /// Sets the station name, location and purpose.
    pub fn station(
        mut self,
        name: impl Into<String>,
        location: impl Into<String>,
        purpose: impl Into<String>,
    ) -> Self {
        self.report.machine_name = Some(name.into());
        self.report.location = Some(location.into());
        self.report.purpose = Some(purpose.into());
        self
    }

    /// Sets the start time.
    pub fn start(mut self, start: impl Into<Timestamp>) -> Self {
        self.report.start = Some(start.into());
        self
    }

    /// Sets the report id (normally minted by the builder).
    pub fn id(mut self, id: Uuid) -> Self {
        self.report.id = Some(id);
        self
    }

    /// Sets the process name sent with the code (must match the server's, case-sensitively).
    pub fn process_name(mut self, name: impl Into<String>) -> Self {
        self.report.process_name = Some(name.into());
        self
    }

    /// Chooses how statuses are set: computed (the default for UUTs) or as given.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Replaces the validation applied by [`build`](Self::build).
    pub fn validator(mut self, validator: Validator) -> Self {
        self.validator = validator;
        self
    }

    /// Sets the comment of the UUT or UUR header.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        let comment = Some(comment.into());
        match (&mut self.report.uut, &mut self.report.uur) {
            (Some(uut), _) => uut.comment = comment,
            (_, Some(uur)) => uur.comment = comment,
            _ => {}
        }
        self
    }

    /// Sets the execution time in seconds.
    pub fn exec_time(mut self, seconds: f64) -> Self {
        match (&mut self.report.uut, &mut self.report.uur) {
            (Some(uut), _) => uut.exec_time = Some(seconds),
            (_, Some(uur)) => uur.exec_time = Some(seconds),
            _ => {}
        }
        self
    }

    /// Sets the test fixture (UUT).
    pub fn fixture(mut self, fixture_id: impl Into<String>) -> Self {
        if let Some(uut) = &mut self.report.uut {
            uut.fixture_id = Some(fixture_id.into());
        }
        self
    }

    /// Sets the report result explicitly (import mode; in active mode failures still raise it).
    pub fn result(mut self, result: Status) -> Self {
        self.report.result = Some(result);
        self
    }

    /// Adds a text misc info.
    pub fn misc_info(
        &mut self,
        description: impl Into<String>,
        text: impl Into<String>,
    ) -> &mut Self {
        self.report
            .misc_infos
            .get_or_insert_with(Vec::new)
            .push(MiscInfo {
                description: Some(description.into()),
                text: Some(text.into()),
                ..Default::default()
            });
        self
    }

    /// Adds a sub unit (a part of the UUT, or a unit under the UUR's main unit). Returns its idx
    /// for UURs (to attach failures).
    pub fn sub_unit(
        &mut self,
        part_type: impl Into<String>,
        pn: impl Into<String>,
        sn: impl Into<String>,
        rev: impl Into<String>,
    ) -> i64 {
        let is_uur = self.report.is_uur();
        let units = self.report.sub_units.get_or_insert_with(Vec::new);
        let idx = units
            .iter()
            .filter_map(|u| u.idx)
            .max()
            .map_or(0, |m| m + 1);
        units.push(SubUnit {
            part_type: Some(part_type.into()),
            pn: Some(pn.into()),
            sn: Some(sn.into()),
            rev: Some(rev.into()),
            idx: is_uur.then_some(idx),
            parent_idx: is_uur.then_some(0),
            ..Default::default()
        });
        if is_uur {
            idx
        } else {
            units.len() as i64 - 1
        }
    }

    /// Adds test equipment.
    pub fn asset(&mut self, asset_sn: impl Into<String>, usage_count: i64) -> &mut Self {
        self.report.assets.get_or_insert_with(Vec::new).push(Asset {
            asset_sn: Some(asset_sn.into()),
            usage_count: Some(usage_count),
            ..Default::default()
        });
        self
    }

    /// Records a failure on the UUR sub unit `unit_idx` (0 = the main unit); refine it through
    /// the returned reference (`com_ref`, `comment`, `ref_step_id`…).
    pub fn failure(
        &mut self,
        unit_idx: i64,
        category: impl Into<String>,
        code: impl Into<String>,
    ) -> &mut Failure {
        let units = self.report.sub_units.get_or_insert_with(Vec::new);
        let pos = match units.iter().position(|u| u.idx.unwrap_or(0) == unit_idx) {
            Some(pos) => pos,
            None => {
                units.push(SubUnit {
                    idx: Some(unit_idx),
                    ..Default::default()
                });
                units.len() - 1
            }
        };
        let failures = units[pos].failures.get_or_insert_with(Vec::new);
        failures.push(Failure {
            category: Some(category.into()),
            code: Some(code.into()),
            ..Default::default()
        });
        failures.last_mut().expect("just pushed")
    }

    /// Attaches a file to the report (UUR `binaryData`).
    pub fn attach(
        &mut self,
        name: impl Into<String>,
        content_type: impl Into<String>,
        data: &[u8],
    ) -> &mut Self {
        self.report
            .binary_data
            .get_or_insert_with(Vec::new)
            .push(BinaryData {
                name: Some(name.into()),
                content_type: Some(content_type.into()),
                data: Some(base64::engine::general_purpose::STANDARD.encode(data)),
                ..Default::default()
            });
        self
    }

    /// Adds a step to the main sequence; see [`Group::add_step`].
    pub fn add_step(
        &mut self,
        name: impl Into<String>,
        value: impl Into<Measured>,
    ) -> StepBuilder<'_> {
        let root = self.report.root.get_or_insert_with(Step::default);
        push_step(root, new_step(name.into(), value.into()))
    }

    /// The sequence at `path` (`"Power/Rails"`), created on first use, nested in the main
    /// sequence. An empty path is the main sequence itself.
    pub fn group(&mut self, path: &str) -> Group<'_> {
        let mut group = self.root_group();
        for name in path.split('/').map(str::trim).filter(|n| !n.is_empty()) {
            group = group.into_group(name);
        }
        group
    }

    fn root_group(&mut self) -> Group<'_> {
        let root = self.report.root.get_or_insert_with(Step::default);
        Group { step: root }
    }

    /// The report as built so far (statuses not yet computed).
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// Numbers the steps, applies the status rules and validates. Nothing invalid is returned.
    pub fn build(self) -> Result<Report, ValidationErrors> {
        let report = finish(self.report, self.mode);
        let errors = self.validator.validate(&report);
        if errors.is_empty() {
            Ok(report)
        } else {
            Err(errors.into())
        }
    }

    /// Numbers the steps and applies the status rules, without validation.
    pub fn build_unchecked(self) -> Report {
        finish(self.report, self.mode)
    }
}

fn finish(mut report: Report, mode: Mode) -> Report {
    if let Some(root) = report.root.as_mut() {
        root.renumber(1);
    }
    rules::apply(&mut report, mode);
    report
}

/// A sequence of the step tree, to which steps and sub-sequences are added.
#[derive(Debug)]
pub struct Group<'a> {
    step: &'a mut Step,
}

impl<'a> Group<'a> {
    /// Adds a step measuring `value`: a number makes a numeric limit step, a bool a pass/fail
    /// step, text a string value step, a list of `(name, value)` pairs a multiple-measurement
    /// step, `()` an action step. Refine it through the returned [`StepBuilder`].
    pub fn add_step(
        &mut self,
        name: impl Into<String>,
        value: impl Into<Measured>,
    ) -> StepBuilder<'_> {
        push_step(self.step, new_step(name.into(), value.into()))
    }

    /// The sub-sequence `name` of this sequence, created on first use.
    pub fn group(&mut self, name: &str) -> Group<'_> {
        Group {
            step: child_sequence(self.step, name),
        }
    }

    fn into_group(self, name: &str) -> Group<'a> {
        Group {
            step: child_sequence(self.step, name),
        }
    }

    /// The sequence step itself, for fields the builder has no method for.
    pub fn step_mut(&mut self) -> &mut Step {
        self.step
    }
}

fn child_sequence<'s>(parent: &'s mut Step, name: &str) -> &'s mut Step {
    let steps = parent.steps.get_or_insert_with(Vec::new);
    let pos = steps
        .iter()
        .position(|s| s.name.as_deref() == Some(name) && s.kind() == crate::StepKind::Sequence);
    let pos = match pos {
        Some(pos) => pos,
        None => {
            steps.push(Step {
                group: Some(StepGroup::Main),
                step_type: Some("SequenceCall".into()),
                name: Some(name.into()),
                seq_call: Some(Box::new(SeqCall {
                    name: Some(name.into()),
                    ..Default::default()
                })),
                steps: Some(Vec::new()),
                ..Default::default()
            });
            steps.len() - 1
        }
    };
    &mut steps[pos]
}

fn push_step(parent: &mut Step, step: Step) -> StepBuilder<'_> {
    let steps = parent.steps.get_or_insert_with(Vec::new);
    steps.push(step);
    StepBuilder {
        step: steps.last_mut().expect("just pushed"),
    }
}

fn new_step(name: String, value: Measured) -> Step {
    let mut step = Step {
        group: Some(StepGroup::Main),
        name: Some(name),
        tot_time: Some(0.0),
        ..Default::default()
    };
    let numeric = |name: Option<String>, v: f64| NumericMeasurement {
        comp_op: Some(CompOp::LOG.into()),
        name,
        value: Some(v),
        ..Default::default()
    };
    let boolean = |name: Option<String>, v: bool| BooleanMeasurement {
        name,
        status: Some(if v { Status::Passed } else { Status::Failed }),
        ..Default::default()
    };
    let text = |name: Option<String>, v: String| StringMeasurement {
        comp_op: Some(CompOp::LOG.into()),
        name,
        value: Some(v),
        ..Default::default()
    };
    let step_type = match value {
        Measured::Nothing => {
            step.status = Some(Status::Done);
            "Action"
        }
        Measured::Number(v) => {
            step.numeric_meas = Some(vec![numeric(None, v)]);
            "ET_NLT"
        }
        Measured::Bool(v) => {
            step.boolean_meas = Some(vec![boolean(None, v)]);
            "ET_PFT"
        }
        Measured::Text(v) => {
            step.string_meas = Some(vec![text(None, v)]);
            "ET_SVT"
        }
        Measured::Numbers(vs) => {
            step.numeric_meas = Some(vs.into_iter().map(|(n, v)| numeric(Some(n), v)).collect());
            "ET_MNLT"
        }
        Measured::Bools(vs) => {
            step.boolean_meas = Some(vs.into_iter().map(|(n, v)| boolean(Some(n), v)).collect());
            "ET_MPFT"
        }
        Measured::Texts(vs) => {
            step.string_meas = Some(vs.into_iter().map(|(n, v)| text(Some(n), v)).collect());
            "ET_MSVT"
        }
    };
    step.step_type = Some(step_type.into());
    step
}

/// The machine's host name (`COMPUTERNAME`, `HOSTNAME`, then `/etc/hostname`), `None` when
/// none is found: the default station name wherever one is needed. Looked up once per
/// process: reading `/etc/hostname` for every report was five system calls per converted file.
pub fn host_name() -> Option<&'static str> {
    static HOST_NAME: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    HOST_NAME
        .get_or_init(|| {
            std::env::var("COMPUTERNAME")
                .or_else(|_| std::env::var("HOSTNAME"))
                .ok()
                .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty())
        })
        .as_deref()
}
