//! The checks of steps and their measurements.

use super::*;

pub(super) fn check_step(ctx: &mut Ctx, step: &Step) {
    let ordinal = ctx.steps_seen;
    ctx.steps_seen += 1;
    if let Some(id) = step.id {
        if let Some(&first) = ctx.step_ids.get(&id) {
            let before = ctx.errors.len();
            ctx.error_at("id", format!("{id} is already the id of an earlier step"));
            if ctx.errors.len() > before {
                ctx.duplicate_ids.push((before, first, id));
            }
        } else {
            ctx.step_ids.insert(id, ordinal);
        }
    }
    ctx.required_text("name", step.name.as_deref(), 100);
    ctx.text("errorMessage", step.error_message.as_deref(), 200);
    ctx.text("reportText", step.report_text.as_deref(), 100_000);
    ctx.text("tsGuid", step.ts_guid.as_deref(), 30);
    ctx.unknown(&step.extra);
    if let Some(info) = &step.loop_info {
        check_loop_info(ctx, info);
    }
    ctx.each(
        "additionalResults",
        step.additional_results.as_deref(),
        check_additional_data,
    );
    if let Some(seq_call) = &step.seq_call {
        ctx.at("seqCall", |ctx| check_seq_call(ctx, seq_call));
    }
    check_measurements(ctx, step);
    if let Some(chart) = &step.chart {
        ctx.at("chart", |ctx| check_chart(ctx, chart));
    }
    if let Some(exe) = &step.call_exe {
        ctx.at("callExe", |ctx| ctx.unknown(&exe.extra));
    }
    if let Some(popup) = &step.message_popup {
        ctx.at("messagePopup", |ctx| check_message_popup(ctx, popup));
    }
    if let Some(attachment) = &step.attachment {
        ctx.at("attachment", |ctx| check_attachment(ctx, attachment));
    }
    ctx.each("steps", step.steps.as_deref(), check_step);
    check_loops(ctx, step.children());
}

/// Appends `[index]` (hot: once per list item; `write!` was a sixth of validation time).
pub(super) fn push_index(path: &mut String, index: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = index;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    path.push('[');
    path.push_str(std::str::from_utf8(&digits[i..]).unwrap_or("?"));
    path.push(']');
}

/// The paths of the steps with the given depth-first ordinals (the root is 0), in one walk.
pub(super) fn paths_of(
    root: &Step,
    wanted: &std::collections::HashSet<usize>,
) -> HashMap<usize, String> {
    fn walk(
        step: &Step,
        path: &mut String,
        ordinal: &mut usize,
        wanted: &std::collections::HashSet<usize>,
        out: &mut HashMap<usize, String>,
    ) {
        if wanted.contains(ordinal) {
            out.insert(*ordinal, path.clone());
        }
        *ordinal += 1;
        for (i, child) in step.children().iter().enumerate() {
            let mark = path.len();
            path.push_str(".steps");
            push_index(path, i);
            walk(child, path, ordinal, wanted, out);
            path.truncate(mark);
        }
    }
    let mut out = HashMap::new();
    walk(root, &mut String::from("root"), &mut 0, wanted, &mut out);
    out
}

pub(super) fn check_seq_call(ctx: &mut Ctx, seq_call: &SeqCall) {
    ctx.text("path", seq_call.path.as_deref(), 500);
    ctx.text("name", seq_call.name.as_deref(), 200);
    ctx.text("version", seq_call.version.as_deref(), 30);
    ctx.unknown(&seq_call.extra);
}

pub(super) fn check_message_popup(ctx: &mut Ctx, popup: &MessagePopup) {
    ctx.text("response", popup.response.as_deref(), 200);
    ctx.unknown(&popup.extra);
}

/// Name and status of each measurement of one list (`numericMeas`, `booleanMeas`, `stringMeas`).
type MeasurementList<'a> = (&'static str, Vec<(Option<&'a str>, Option<Status>)>);

/// Measurement shape: one kind per step, single or uniquely named multiple, none on sequence
/// calls and skipped steps; then each measurement, and (on submission) status agreement.
pub(super) fn check_measurements(ctx: &mut Ctx, step: &Step) {
    ctx.each("numericMeas", step.numeric_meas.as_deref(), check_numeric);
    ctx.each("booleanMeas", step.boolean_meas.as_deref(), check_boolean);
    ctx.each("stringMeas", step.string_meas.as_deref(), check_string);

    let lists: [MeasurementList; 3] = [
        (
            "numericMeas",
            step.numeric_meas
                .iter()
                .flatten()
                .map(|m| (m.name.as_deref(), m.status))
                .collect(),
        ),
        (
            "booleanMeas",
            step.boolean_meas
                .iter()
                .flatten()
                .map(|m| (m.name.as_deref(), m.status))
                .collect(),
        ),
        (
            "stringMeas",
            step.string_meas
                .iter()
                .flatten()
                .map(|m| (m.name.as_deref(), m.status))
                .collect(),
        ),
    ];
    // At most three: kept on the stack (this runs once per step).
    let mut present_buf: [&MeasurementList; 3] = [&lists[0], &lists[1], &lists[2]];
    let mut count = 0;
    for list in &lists {
        if !list.1.is_empty() {
            present_buf[count] = list;
            count += 1;
        }
    }
    let present = &present_buf[..count];
    let skipped = step.status == Some(Status::Skipped);
    if skipped {
        let chart = step.chart.is_some().then_some("chart");
        let attachment = step.attachment.is_some().then_some("attachment");
        for key in present
            .iter()
            .map(|(key, _)| *key)
            .chain(chart)
            .chain(attachment)
        {
            ctx.error_at(
                key,
                "a skipped step carries no measurement, chart or attachment",
            );
        }
    }
    let Some(&&(first_key, _)) = present.first() else {
        return;
    };
    for (key, _) in &present[1..] {
        let message =
            format!("a step carries one kind of measurement, and this one also has {first_key}");
        ctx.error_at(key, message);
    }
    if step.seq_call.is_some() || !step.children().is_empty() {
        for (key, _) in present {
            ctx.error_at(
                key,
                "a sequence call (a step with steps or seqCall) carries no measurements",
            );
        }
    }
    let mut single = false;
    for (key, list) in present {
        single = check_names(ctx, key, list);
    }

    // Status agreement of a single measurement; a skipped step or an invalid measurement
    // status is reported above already.
    if !ctx.options.submission || skipped || !single || present.len() > 1 {
        return;
    }
    let (key, list) = present[0];
    let Some(meas) = list[0].1 else { return };
    let status = step.status_or_done();
    let agrees = !meas.is_measurement_status()
        || status == meas
        || (matches!(status, Status::Error | Status::Terminated) && meas == Status::Failed);
    if !agrees {
        let shown = if step.status.is_some() {
            status.letter()
        } else {
            "absent (D)"
        };
        ctx.error_at(
            "status",
            format!(
                "is {shown} but its single measurement ({key}[0]) is {meas}; WATS requires \
                 them to agree (P/P, F/F, S/S, or E/T with F)"
            ),
        );
    }
}

/// Single (one unnamed measurement) or multiple (every one named, names unique). Returns
/// whether the measurements are a single one.
pub(super) fn check_names(
    ctx: &mut Ctx,
    key: &str,
    list: &[(Option<&str>, Option<Status>)],
) -> bool {
    let blank = |n: &Option<&str>| n.filter(|n| !n.trim().is_empty()).is_none();
    if list.len() == 1 && blank(&list[0].0) {
        return true;
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, (name, _)) in list.iter().enumerate() {
        ctx.at_index(key, i, |ctx| {
            if blank(name) {
                ctx.error_at("name", "is required when a step has several measurements");
            } else if let Some(name) = name {
                match seen.get(name.trim()) {
                    Some(first) => ctx.error_at(
                        "name",
                        format!("duplicates {key}[{first}].name ({name:?}); names must be unique"),
                    ),
                    None => {
                        seen.insert(name.trim(), i);
                    }
                }
            }
        });
    }
    false
}

pub(super) fn check_measurement_status(ctx: &mut Ctx, status: Option<Status>) {
    match status {
        None => ctx.error_at("status", "is required"),
        Some(s) if !s.is_measurement_status() => ctx.error_at(
            "status",
            format!("is {s}; a measurement status is P, F or S"),
        ),
        Some(_) => {}
    }
}

/// The operator, when it is known and applies to the kind; `None` (after recording why) else.
pub(super) fn check_comp_op(
    ctx: &mut Ctx,
    value: Option<&CompOpValue>,
    applies: fn(CompOp) -> bool,
    kind: &str,
) -> Option<CompOp> {
    let Some(value) = value else {
        return Some(CompOp::LOG);
    };
    match value.op() {
        None => {
            ctx.error_at(
                "compOp",
                format!("{:?} is not a comparison operator", value.as_str()),
            );
            None
        }
        Some(op) if !applies(op) => {
            ctx.error_at(
                "compOp",
                format!("{op} does not apply to {kind} measurements"),
            );
            None
        }
        Some(op) => Some(op),
    }
}

pub(super) fn check_numeric(ctx: &mut Ctx, m: &NumericMeasurement) {
    ctx.text("name", m.name.as_deref(), 100);
    ctx.unknown(&m.extra);
    check_measurement_status(ctx, m.status);
    ctx.text("unit", m.unit.as_deref(), 20);
    let Some(op) = check_comp_op(ctx, m.comp_op.as_ref(), CompOp::is_numeric, "numeric") else {
        return;
    };
    let needs = |ctx: &mut Ctx, key: &str, limit: Option<f64>| {
        if limit.is_none() {
            ctx.error_at(key, format!("is required by compOp {op}"));
        }
    };
    match op.limits() {
        Limits::None => {}
        Limits::Low => needs(ctx, "lowLimit", m.low_limit),
        Limits::Both => {
            needs(ctx, "lowLimit", m.low_limit);
            needs(ctx, "highLimit", m.high_limit);
        }
    }
    let inside_range = matches!(
        op,
        CompOp::GTLT | CompOp::GTLE | CompOp::GELT | CompOp::GELE | CompOp::EQT
    );
    if let (true, Some(low), Some(high)) = (inside_range, m.low_limit, m.high_limit) {
        if low > high {
            ctx.error_at(
                "lowLimit",
                format!(
                    "is greater than highLimit ({low} > {high}); compOp {op} needs low <= high"
                ),
            );
        }
    }
}

pub(super) fn check_boolean(ctx: &mut Ctx, m: &BooleanMeasurement) {
    ctx.text("name", m.name.as_deref(), 100);
    ctx.unknown(&m.extra);
    check_measurement_status(ctx, m.status);
}

pub(super) fn check_string(ctx: &mut Ctx, m: &StringMeasurement) {
    ctx.text("name", m.name.as_deref(), 100);
    ctx.unknown(&m.extra);
    check_measurement_status(ctx, m.status);
    ctx.text("value", m.value.as_deref(), 100);
    ctx.text("limit", m.limit.as_deref(), 100);
    check_comp_op(ctx, m.comp_op.as_ref(), CompOp::is_string, "string");
}
