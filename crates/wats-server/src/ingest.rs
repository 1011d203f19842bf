//! What the server does to a submitted report before storing it (report-formats §1.3, §3.3):
//! check it, fill the fields only a server fills, normalise as WATS does, and take out the
//! rows the indexed tables hold.

use wats_report::validate::Validator;
use wats_report::{Report, ReportType, Status, Step, StepKind, Timestamp};

use crate::error::ApiError;
use crate::store::Process;

/// How many validation problems a 400 answer lists.
const MAX_LISTED_ERRORS: usize = 20;

/// The separator of step paths in the measurements table (WATS's own, `¶`).
pub const PATH_SEPARATOR: char = '¶';

/// A report ready to be stored.
#[derive(Debug)]
pub struct Prepared {
    /// The report with the server's fields filled.
    pub report: Report,
    /// The header columns.
    pub header: Header,
    /// `(description, text, numeric)` per misc info.
    pub misc_infos: Vec<(Option<String>, Option<String>, Option<f64>)>,
    /// Sub units.
    pub sub_units: Vec<SubUnitRow>,
    /// `(asset serial number, usage count)` per asset.
    pub assets: Vec<(Option<String>, Option<i64>)>,
    /// Attachments (metadata only; the content stays in the document).
    pub attachments: Vec<AttachmentRow>,
    /// Measurements.
    pub measurements: Vec<MeasurementRow>,
}

/// The indexed header columns of a report.
#[derive(Debug, Default, Clone)]
pub struct Header {
    /// Lower-case id.
    pub id: String,
    /// `T` or `R`.
    pub report_type: String,
    pub pn: String,
    pub sn: String,
    pub rev: Option<String>,
    pub product_name: Option<String>,
    pub process_code: i64,
    pub process_name: Option<String>,
    /// `Passed`, `Failed`, `Error` or `Terminated`.
    pub result: String,
    pub station: Option<String>,
    pub location: Option<String>,
    pub purpose: Option<String>,
    /// The start as sent (with its offset).
    pub start_text: String,
    /// Microseconds since the epoch.
    pub start_utc: i64,
    pub operator: Option<String>,
    pub comment: Option<String>,
    pub batch_sn: Option<String>,
    pub fixture_id: Option<String>,
    pub exec_time: Option<f64>,
    pub test_socket_index: Option<i64>,
    pub error_code: Option<i64>,
    pub error_message: Option<String>,
    pub sw_filename: Option<String>,
    pub sw_version: Option<String>,
    pub caused_uut_failure: Option<String>,
    pub caused_uut_failure_path: Option<String>,
    pub referenced_uut: Option<String>,
    pub origin: Option<String>,
}

/// A sub unit row.
#[derive(Debug, Clone)]
pub struct SubUnitRow {
    pub part_type: Option<String>,
    pub pn: Option<String>,
    pub sn: Option<String>,
    pub rev: Option<String>,
}

/// An attachment row: a step attachment (UUT, by step id) or a `binaryData` entry (UUR, by id).
#[derive(Debug, Clone)]
pub struct AttachmentRow {
    pub step_id: Option<i64>,
    pub attachment_id: Option<String>,
    pub name: Option<String>,
    pub content_type: Option<String>,
    /// Decoded size in bytes.
    pub size: i64,
}

/// One measurement of one step.
#[derive(Debug, Clone, Default)]
pub struct MeasurementRow {
    /// Depth-first ordinal of the step (0 = root).
    pub step_index: i64,
    pub meas_index: i64,
    pub step_id: Option<i64>,
    /// Step names from the root, `¶`-separated.
    pub step_path: String,
    pub step_name: Option<String>,
    pub step_type: Option<String>,
    pub step_status: Option<String>,
    /// `numeric`, `boolean` or `string`.
    pub kind: &'static str,
    pub meas_name: Option<String>,
    pub value: Option<f64>,
    pub string_value: Option<String>,
    pub unit: Option<String>,
    pub low_limit: Option<f64>,
    pub high_limit: Option<f64>,
    pub string_limit: Option<String>,
    pub comp_op: Option<String>,
    pub status: Option<String>,
}

fn trim(field: &mut Option<String>) {
    if let Some(s) = field {
        let t = s.trim();
        if t.len() != s.len() {
            *s = t.to_owned();
        }
    }
}

/// Checks `report`, fills the server's fields and extracts the indexed rows.
///
/// `user` is the API user submitting (the origin when the client sent none).
pub fn prepare(
    mut report: Report,
    processes: &[Process],
    user: &str,
) -> Result<Prepared, ApiError> {
    // Trim what WATS trims (it returned `'01     '` as `'01'`), before checking lengths.
    for f in [
        &mut report.pn,
        &mut report.sn,
        &mut report.rev,
        &mut report.machine_name,
        &mut report.location,
        &mut report.purpose,
        &mut report.process_name,
    ] {
        trim(f);
    }
    for su in report.sub_units.iter_mut().flatten() {
        for f in [&mut su.part_type, &mut su.pn, &mut su.sn, &mut su.rev] {
            trim(f);
        }
    }
    for mi in report.misc_infos.iter_mut().flatten() {
        trim(&mut mi.description);
        trim(&mut mi.text);
        // WATS keeps the text of a misc info and drops a numeric sent alongside it.
        if mi.text.is_some() && mi.numeric.is_some() {
            mi.numeric = None;
        }
    }
    if let Some(uut) = &mut report.uut {
        trim(&mut uut.user);
        trim(&mut uut.fixture_id);
        trim(&mut uut.batch_sn);
    }
    if let Some(uur) = &mut report.uur {
        trim(&mut uur.user);
    }

    // Shape. The server's import rules on loops and single-measurement status are not applied:
    // WATS's own exports break them, and this server must take back what it exports.
    let mut errors = Validator::export_compatible()
        .max_unknown_bytes(Some(crate::content::MAX_UNKNOWN_BYTES))
        .validate(&report);
    errors.extend(crate::content::check_attachments(&report));
    if !errors.is_empty() {
        let mut message = String::from("Report validation failed: ");
        for (i, e) in errors.iter().take(MAX_LISTED_ERRORS).enumerate() {
            if i > 0 {
                message.push_str("; ");
            }
            message.push_str(&e.to_string());
        }
        if errors.len() > MAX_LISTED_ERRORS {
            message.push_str(&format!(" (and {} more)", errors.len() - MAX_LISTED_ERRORS));
        }
        return Err(ApiError::bad_request(message));
    }
    let (Some(id), Some(kind), Some(code), Some(result), Some(start)) = (
        report.id,
        report.report_type,
        report.process_code,
        report.result,
        report.start,
    ) else {
        return Err(ApiError::bad_request(
            "Report validation failed: id, type, processCode, result and start are required",
        ));
    };

    // Server-filled fields.
    let process = find_process(processes, code, "processCode")?;
    report.process_name = Some(process.name.clone());
    report.start_utc = Some(Timestamp::from_utc(start.utc()));
    if report.origin.as_deref().is_none_or(str::is_empty) {
        report.origin = Some(user.to_owned());
    }
    if report.asset_stats.is_none() {
        report.asset_stats = Some(Vec::new());
    }
    match kind {
        ReportType::Uut => {
            // A test report has no report-level attachments; WATS returns no key.
            report.binary_data = None;
            if let Some(uut) = &mut report.uut {
                uut.referenced_by_uurs = None;
            }
        }
        ReportType::Uur => {
            if let Some(uur) = &mut report.uur {
                if let Some(test_code) = uur.process_code {
                    uur.process_name = Some(
                        find_process(processes, test_code, "uur.processCode")?
                            .name
                            .clone(),
                    );
                }
                if uur.active.is_none() {
                    uur.active = Some(true);
                }
            }
            for bd in report.binary_data.iter_mut().flatten() {
                if bd.id.is_none() {
                    bd.id = Some(uuid::Uuid::new_v4());
                }
            }
        }
    }

    let mut header = Header {
        id: id.hyphenated().to_string(),
        report_type: kind.letter().to_owned(),
        pn: report.pn.clone().unwrap_or_default(),
        sn: report.sn.clone().unwrap_or_default(),
        rev: report.rev.clone(),
        product_name: report.product_name.clone(),
        process_code: code,
        process_name: report.process_name.clone(),
        result: result.word().to_owned(),
        station: report.machine_name.clone(),
        location: report.location.clone(),
        purpose: report.purpose.clone(),
        start_text: start.to_string(),
        start_utc: start.utc().timestamp_micros(),
        origin: report.origin.clone(),
        ..Header::default()
    };
    if let Some(uut) = &report.uut {
        header.operator = uut.user.clone();
        header.comment = uut.comment.clone();
        header.batch_sn = uut.batch_sn.clone();
        header.fixture_id = uut.fixture_id.clone();
        header.exec_time = uut.exec_time;
        header.test_socket_index = uut.test_socket_index;
        header.error_code = uut.error_code;
        header.error_message = uut.error_message.clone();
    }
    if let Some(uur) = &report.uur {
        header.operator = uur.user.clone();
        header.comment = uur.comment.clone();
        header.exec_time = uur.exec_time;
        header.referenced_uut = uur.ref_uut.map(|u| u.hyphenated().to_string());
    }
    if let Some(seq) = report.root.as_ref().and_then(|r| r.seq_call.as_deref()) {
        header.sw_filename = seq.path.clone();
        header.sw_version = seq.version.clone();
    }

    let mut prepared = Prepared {
        misc_infos: report
            .misc_infos
            .iter()
            .flatten()
            .map(|m| (m.description.clone(), m.text.clone(), m.numeric))
            .collect(),
        sub_units: report
            .sub_units
            .iter()
            .flatten()
            .map(|s| SubUnitRow {
                part_type: s.part_type.clone(),
                pn: s.pn.clone(),
                sn: s.sn.clone(),
                rev: s.rev.clone(),
            })
            .collect(),
        assets: report
            .assets
            .iter()
            .flatten()
            // pyWATS's report model writes the serial number as `sn`, WATS as `assetSN`.
            .map(|a| {
                let sn = a.asset_sn.clone().or_else(|| {
                    a.extra
                        .get("sn")
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                });
                (sn, a.usage_count)
            })
            .collect(),
        attachments: report
            .binary_data
            .iter()
            .flatten()
            .map(|b| AttachmentRow {
                step_id: None,
                attachment_id: b.id.map(|u| u.hyphenated().to_string()),
                name: b.name.clone(),
                content_type: b.content_type.clone(),
                size: decoded_len(b.data.as_deref()),
            })
            .collect(),
        measurements: Vec::new(),
        header,
        report,
    };
    if let Some(root) = prepared.report.root.take() {
        let mut walker = Walker {
            out: &mut prepared,
            index: 0,
        };
        let mut path = String::new();
        walker.step(&root, &mut path);
        prepared.report.root = Some(root);
    }
    Ok(prepared)
}

fn find_process<'p>(
    processes: &'p [Process],
    code: i64,
    field: &str,
) -> Result<&'p Process, ApiError> {
    processes.iter().find(|p| p.code == code).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Report validation failed: {field}: {code} is not a defined process (see GET /api/App/Processes)"
        ))
    })
}

/// Decoded size of base64 text (without decoding it).
fn decoded_len(data: Option<&str>) -> i64 {
    let Some(d) = data else { return 0 };
    let d = d.trim_end();
    let pad = d.bytes().rev().take_while(|&b| b == b'=').count();
    ((d.len() / 4) * 3).saturating_sub(pad) as i64 + [0, 0, 1, 2][d.len() % 4]
}

struct Walker<'a> {
    out: &'a mut Prepared,
    index: i64,
}

impl Walker<'_> {
    fn step(&mut self, step: &Step, path: &mut String) {
        let mark = path.len();
        if !path.is_empty() {
            path.push(PATH_SEPARATOR);
        }
        path.push_str(step.name.as_deref().unwrap_or(""));
        let index = self.index;
        self.index += 1;

        if step.caused_uut_failure == Some(true) && self.out.header.caused_uut_failure.is_none() {
            self.out.header.caused_uut_failure = step.name.clone();
            self.out.header.caused_uut_failure_path = Some(path.clone());
        }
        if let Some(att) = step.attachment.as_deref() {
            self.out.attachments.push(AttachmentRow {
                step_id: step.id,
                attachment_id: None,
                name: att.name.clone(),
                content_type: att.content_type.clone(),
                size: decoded_len(att.data.as_deref()),
            });
        }
        let base = MeasurementRow {
            step_index: index,
            step_id: step.id,
            step_path: path.clone(),
            step_name: step.name.clone(),
            step_type: step.step_type.as_ref().map(|s| s.to_string()),
            step_status: step.status.map(|s| s.letter().to_owned()),
            ..MeasurementRow::default()
        };
        let letter = |s: Option<Status>| s.map(|s| s.letter().to_owned());
        match step.kind() {
            StepKind::Numeric => {
                for (i, m) in step.numeric_meas.iter().flatten().enumerate() {
                    self.out.measurements.push(MeasurementRow {
                        meas_index: i as i64,
                        kind: "numeric",
                        meas_name: m.name.clone(),
                        value: m.value,
                        unit: m.unit.as_deref().map(str::to_owned),
                        low_limit: m.low_limit,
                        high_limit: m.high_limit,
                        comp_op: m.comp_op.as_ref().map(|c| c.as_str().to_owned()),
                        status: letter(m.status),
                        ..base.clone()
                    });
                }
            }
            StepKind::PassFail => {
                for (i, m) in step.boolean_meas.iter().flatten().enumerate() {
                    self.out.measurements.push(MeasurementRow {
                        meas_index: i as i64,
                        kind: "boolean",
                        meas_name: m.name.clone(),
                        status: letter(m.status),
                        ..base.clone()
                    });
                }
            }
            StepKind::StringValue => {
                for (i, m) in step.string_meas.iter().flatten().enumerate() {
                    self.out.measurements.push(MeasurementRow {
                        meas_index: i as i64,
                        kind: "string",
                        meas_name: m.name.clone(),
                        string_value: m.value.clone(),
                        string_limit: m.limit.clone(),
                        comp_op: m.comp_op.as_ref().map(|c| c.as_str().to_owned()),
                        status: letter(m.status),
                        ..base.clone()
                    });
                }
            }
            _ => {}
        }
        for child in step.children() {
            self.step(child, path);
        }
        path.truncate(mark);
    }
}
