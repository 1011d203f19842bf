//! The checks of charts, attachments (base64) and loops.

use super::*;

/// The chart limits of the WSTF converter (§1.10.5); the C# client takes its series limit from
/// a station setting (`MaxChartSeries`).
pub(super) const MAX_SERIES: usize = 10;
pub(super) const MAX_POINTS: usize = 10_000;

pub(super) fn check_chart(ctx: &mut Ctx, chart: &Chart) {
    ctx.text("label", chart.label.as_deref(), 100);
    ctx.unknown(&chart.extra);
    ctx.text("xLabel", chart.x_label.as_deref(), 50);
    ctx.text("yLabel", chart.y_label.as_deref(), 50);
    ctx.text("xUnit", chart.x_unit.as_deref(), 20);
    ctx.text("yUnit", chart.y_unit.as_deref(), 20);
    let series = chart.series.as_deref().unwrap_or_default();
    if series.len() > MAX_SERIES {
        ctx.error_at(
            "series",
            format!(
                "has {} series; WATS allows at most {MAX_SERIES}",
                series.len()
            ),
        );
    }
    ctx.each("series", chart.series.as_deref(), |ctx, s| {
        ctx.text("name", s.name.as_deref(), 100);
        ctx.unknown(&s.extra);
        let y = series_values(ctx, "ydata", s.ydata.as_deref());
        let x = series_values(ctx, "xdata", s.xdata.as_deref());
        if let (Some(x), Some(y)) = (x, y) {
            if x != y {
                ctx.error_at("xdata", format!("has {x} values but ydata has {y}"));
            }
        }
    });
}

/// Checks one `;`-separated number list; returns its length when it parses.
pub(super) fn series_values(ctx: &mut Ctx, key: &str, text: Option<&str>) -> Option<usize> {
    let text = text?;
    let Some(values) = parse_series(text) else {
        let (i, bad) = text
            .split(';')
            .enumerate()
            .find(|(_, v)| crate::wire::float::parse(v).is_none())
            .unwrap_or((0, text));
        ctx.error_at(key, format!("value {i} ({bad:?}) is not a number"));
        return None;
    };
    if values.len() > MAX_POINTS {
        ctx.error_at(
            key,
            format!(
                "has {} points; WATS allows at most {MAX_POINTS} per series",
                values.len()
            ),
        );
    }
    Some(values.len())
}

pub(super) fn check_attachment(ctx: &mut Ctx, attachment: &Attachment) {
    ctx.required_text("name", attachment.name.as_deref(), 256);
    ctx.text("contentType", attachment.content_type.as_deref(), 100);
    check_base64(ctx, "data", attachment.data.as_deref());
    ctx.unknown(&attachment.extra);
}

/// Attachment content: present, base64, and not larger than the configured maximum.
pub(super) fn check_base64(ctx: &mut Ctx, key: &str, data: Option<&str>) {
    let Some(data) = data else {
        ctx.error_at(key, "is required");
        return;
    };
    match base64_decoded_len(data) {
        Err(why) => ctx.error_at(key, format!("is not valid base64: {why}")),
        Ok(len) if len > ctx.options.max_attachment_bytes => ctx.error_at(
            key,
            format!(
                "decodes to {len} bytes; the limit is {} (Validator::max_attachment_bytes)",
                ctx.options.max_attachment_bytes
            ),
        ),
        Ok(_) => {}
    }
}

/// The decoded size of standard, padded base64, read as .NET's `Convert.FromBase64String`
/// does (ASCII whitespace ignored), or why it is not base64.
pub(super) fn base64_decoded_len(text: &str) -> Result<usize, String> {
    let (mut symbols, mut padding) = (0usize, 0usize);
    for (i, c) in text.chars().enumerate() {
        match c {
            ' ' | '\t' | '\r' | '\n' => continue,
            '=' => padding += 1,
            'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' if padding == 0 => {}
            'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' => {
                return Err(format!("character {i} follows the '=' padding"))
            }
            _ => return Err(format!("character {i} is {c:?}")),
        }
        symbols += 1;
    }
    if symbols % 4 != 0 {
        return Err(format!("{symbols} symbols is not a multiple of 4"));
    }
    if padding > 2 {
        return Err(format!("{padding} '=' padding characters (at most 2)"));
    }
    Ok(symbols / 4 * 3 - padding)
}

/// Checks a `loop` object alone; its summary/iteration context is [`check_loops`]' job.
pub(super) fn check_loop_info(ctx: &mut Ctx, info: &LoopInfo) {
    ctx.at("loop", |ctx| ctx.unknown(&info.extra));
    if info.idx.is_some() && info.num.is_some() {
        ctx.error_at(
            "loop",
            "is either a summary (num) or an iteration (idx), not both",
        );
    }
    if let Some(idx) = info.idx.filter(|i| *i < 0) {
        ctx.error_at(
            "loop.idx",
            format!("is {idx}; iteration indexes start at 0"),
        );
    }
}

/// A loop summary step and the iterations that follow it.
pub(super) struct LoopRun<'a> {
    at: usize,
    summary: &'a Step,
    iterations: Vec<(usize, &'a Step)>,
}

/// Loops among siblings (§1.10.8): a summary (`loop.num`) followed by iterations with the same
/// name (`loop.idx`).
pub(super) fn check_loops(ctx: &mut Ctx, steps: &[Step]) {
    let mut open: Option<LoopRun> = None;
    for (i, step) in steps.iter().enumerate() {
        let info = step.loop_info.as_ref();
        let is_summary = info.is_some_and(|l| l.num.is_some());
        let is_iteration = !is_summary && info.is_some_and(|l| l.idx.is_some());
        if is_iteration {
            if let Some(run) = open.as_mut().filter(|r| r.summary.name == step.name) {
                run.iterations.push((i, step));
                continue;
            }
            ctx.at_index("steps", i, |ctx| {
                ctx.error_at(
                    "loop.idx",
                    format!(
                        "marks a loop iteration, but no loop summary named {:?} precedes it",
                        step.name.as_deref().unwrap_or("")
                    ),
                )
            });
        }
        if let Some(run) = open.take() {
            check_loop_run(ctx, &run);
        }
        if is_summary {
            open = Some(LoopRun {
                at: i,
                summary: step,
                iterations: Vec::new(),
            });
        }
    }
    if let Some(run) = open.take() {
        check_loop_run(ctx, &run);
    }
}

pub(super) fn check_loop_run(ctx: &mut Ctx, run: &LoopRun) {
    // Duplicate iteration indexes are wrong in any report.
    let mut seen: HashMap<i64, usize> = HashMap::new();
    for &(i, step) in &run.iterations {
        // A negative idx is reported by `check_loop_info`.
        let Some(idx) = step
            .loop_info
            .as_ref()
            .and_then(|l| l.idx)
            .filter(|i| *i >= 0)
        else {
            continue;
        };
        if let Some(&first) = seen.get(&idx) {
            ctx.at_index("steps", i, |ctx| {
                ctx.error_at(
                    "loop.idx",
                    format!("duplicates iteration steps[{first}] (idx {idx})"),
                );
            });
        } else {
            seen.insert(idx, i);
        }
    }
    if !ctx.options.submission {
        return;
    }

    let Some(info) = run.summary.loop_info.as_ref() else {
        return;
    };
    let highest = seen.keys().copied().max();
    ctx.at_index("steps", run.at, |ctx| {
        let Some(ending) = info.ending_index else {
            ctx.error_at("loop.endingIndex", "is required on a loop summary");
            return;
        };
        if let Some(highest) = highest.filter(|h| *h != ending) {
            ctx.error_at(
                "loop.endingIndex",
                format!("is {ending}; WATS requires the highest iteration index, {highest}"),
            );
        }
        match ending.checked_add(1) {
            None => ctx.error_at("loop.endingIndex", format!("is {ending}, out of range")),
            Some(expected) => {
                if let Some(num) = info.num.filter(|n| *n != expected) {
                    ctx.error_at(
                        "loop.num",
                        format!("is {num}; WATS requires one more than endingIndex ({expected})"),
                    );
                }
            }
        }
        if let Some(highest) = highest {
            // Gaps in 0..=highest, found from the sorted indexes present (never by walking the
            // whole range: `highest` comes from the input and may be huge).
            let mut present: Vec<i64> = seen.keys().copied().collect();
            present.sort_unstable();
            let missing_count = (highest as u64 + 1).saturating_sub(present.len() as u64);
            if missing_count > 0 {
                const SHOWN: usize = 10;
                let mut missing = Vec::new();
                let mut next = 0i64;
                for &idx in &present {
                    while next < idx && missing.len() < SHOWN {
                        missing.push(next.to_string());
                        next += 1;
                    }
                    next = idx.saturating_add(1);
                    if missing.len() >= SHOWN {
                        break;
                    }
                }
                let more = missing_count.saturating_sub(missing.len() as u64);
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                ctx.error_at(
                    "loop",
                    format!(
                        "has no iteration with idx {}{more}; iterations are numbered 0 to \
                         endingIndex",
                        missing.join(", ")
                    ),
                );
            }
        }
    });

    let summary = run.summary.string_meas.as_deref().unwrap_or_default();
    for &(i, step) in &run.iterations {
        ctx.at_index("steps", i, |ctx| check_iteration_limits(ctx, summary, step));
    }
}

/// Iteration string limits must equal the summary's (matched by name, so a single measurement
/// matches the summary's single one).
pub(super) fn check_iteration_limits(
    ctx: &mut Ctx,
    summary: &[StringMeasurement],
    iteration: &Step,
) {
    let measurements = iteration.string_meas.as_deref().unwrap_or_default();
    for (j, m) in measurements.iter().enumerate() {
        let Some(expected) = summary.iter().find(|s| s.name == m.name) else {
            continue;
        };
        if expected.limit != m.limit {
            let message = format!(
                "is {:?} but the loop summary's is {:?}; WATS requires them to match",
                m.limit.as_deref().unwrap_or(""),
                expected.limit.as_deref().unwrap_or("")
            );
            ctx.at_index("stringMeas", j, |ctx| ctx.error_at("limit", message));
        }
    }
}
