//! The readers of each element's attributes, through the tables in [`super::super::names`]:
//! unknown attributes are kept as `"@Name"`, derived ones dropped.

use std::borrow::Cow;

use super::*;

// Attribute readers. Each returns the message of the first bad attribute; the caller adds the
// location and path.

/// Calls `f` with the local name and unescaped value of every attribute but namespace
/// declarations.
pub(super) fn each_attr<'a>(
    e: &Tag<'a, '_>,
    mut f: impl FnMut(&str, Cow<'a, str>) -> Result<(), String>,
) -> Result<(), String> {
    // A repeated attribute is simply read twice, the last one winning.
    for attr in e.attributes {
        if attr.is_namespace_declaration() {
            continue;
        }
        let key = attr.local_name();
        let value = attr
            .value()
            .map_err(|err| format!("malformed value of {key}: {err}"))?;
        f(key, value)?;
    }
    Ok(())
}

/// Keeps an unknown attribute as `"@Name"`.
pub(super) fn keep(extra: &mut Extra, key: &str, value: Cow<'_, str>) {
    extra.insert(
        format!("@{key}"),
        serde_json::Value::String(value.into_owned()),
    );
}

/// Reads a start tag's attributes with `table`, keeping unknown ones in `extra` as `"@Name"`.
macro_rules! read_with {
    ($e:expr, $table:ident, $x:expr) => {{
        let x = $x;
        each_attr($e, |k, v| {
            if let Some(v) = names::$table::read(x, k, v)? {
                keep(&mut x.extra, k, v);
            }
            Ok(())
        })
    }};
}

pub(super) fn read_report(e: &Tag<'_, '_>) -> Result<Node, String> {
    let mut r = Report::default();
    read_with!(e, REPORT, &mut r)?;
    Ok(Node::Report(Box::new(ReportState {
        report: r,
        failures: Vec::new(),
    })))
}

pub(super) fn read_process(e: &Tag<'_, '_>, r: &mut Report) -> Result<(), String> {
    // `Process` has no struct to keep unknown attributes in.
    each_attr(e, |k, v| names::REPORT_PROCESS::read(r, k, v).map(drop))
}

pub(super) fn read_uut(e: &Tag<'_, '_>) -> Result<Box<UutInfo>, String> {
    let mut u = Box::<UutInfo>::default();
    read_with!(e, UUT, &mut *u)?;
    Ok(u)
}

pub(super) fn read_uur(e: &Tag<'_, '_>) -> Result<Box<UurInfo>, String> {
    let mut u = Box::<UurInfo>::default();
    read_with!(e, UUR, &mut *u)?;
    Ok(u)
}

pub(super) fn read_uur_process(e: &Tag<'_, '_>, u: &mut UurInfo) -> Result<(), String> {
    each_attr(e, |k, v| names::UUR_PROCESS::read(u, k, v).map(drop))
}

pub(super) fn read_misc_info(e: &Tag<'_, '_>) -> Result<Box<MiscInfo>, String> {
    let mut m = Box::<MiscInfo>::default();
    read_with!(e, MISC_INFO, &mut *m)?;
    Ok(m)
}

pub(super) fn read_sub_unit(e: &Tag<'_, '_>) -> Result<SubUnit, String> {
    let mut u = SubUnit::default();
    read_with!(e, SUB_UNIT, &mut u)?;
    Ok(u)
}

/// A failure and the `Idx` of the sub unit it belongs to (`PartIdx`; 0, the main unit, when
/// absent).
pub(super) fn read_failure(e: &Tag<'_, '_>) -> Result<(i64, Box<Failure>), String> {
    let mut f = Box::<Failure>::default();
    let mut part = 0;
    each_attr(e, |k, v| {
        if k == "PartIdx" {
            part = names::int(k, &v)?.unwrap_or(0);
        } else if let Some(v) = names::FAILURE::read(&mut f, k, v)? {
            keep(&mut f.extra, k, v);
        }
        Ok(())
    })?;
    Ok((part, f))
}

/// `<Binary>`: its only own attribute is the derived `BinaryDataIndex`; the rest is on `<Data>`.
pub(super) fn read_binary(e: &Tag<'_, '_>) -> Result<Box<BinaryData>, String> {
    let mut b = Box::<BinaryData>::default();
    each_attr(e, |k, v| {
        if k != "BinaryDataIndex" {
            keep(&mut b.extra, k, v);
        }
        Ok(())
    })?;
    Ok(b)
}

pub(super) fn read_data(e: &Tag<'_, '_>, b: &mut BinaryData) -> Result<(), String> {
    read_with!(e, DATA, b)
}

pub(super) fn read_asset(e: &Tag<'_, '_>) -> Result<Asset, String> {
    let mut a = Asset::default();
    read_with!(e, ASSET, &mut a)?;
    Ok(a)
}

pub(super) fn read_additional(e: &Tag<'_, '_>) -> Result<Box<AdditionalData>, String> {
    let mut a = Box::<AdditionalData>::default();
    read_with!(e, ADDITIONAL, &mut *a)?;
    Ok(a)
}

pub(super) fn read_prop(e: &Tag<'_, '_>) -> Result<Box<Property>, String> {
    let mut p = Box::<Property>::default();
    read_with!(e, PROP, &mut *p)?;
    Ok(p)
}

pub(super) fn read_value(e: &Tag<'_, '_>) -> Result<Node, String> {
    let mut id = None;
    each_attr(e, |k, v| {
        if k == "ID" {
            id = Some(v.into_owned());
        }
        Ok(())
    })?;
    Ok(Node::Value(id, String::new()))
}

pub(super) fn read_step(e: &Tag<'_, '_>) -> Result<Box<Step>, String> {
    let mut s = Box::<Step>::default();
    each_attr(e, |k, v| {
        // `Unknown` is a WSXF-only step status (TestStand mode); keep it verbatim.
        if k == "Status" && v.trim().eq_ignore_ascii_case("Unknown") {
            keep(&mut s.extra, k, v);
        } else if let Some(v) = names::STEP::read(&mut s, k, v)? {
            keep(&mut s.extra, k, v);
        }
        Ok(())
    })?;
    Ok(s)
}

pub(super) fn read_loop(e: &Tag<'_, '_>) -> Result<LoopInfo, String> {
    let mut l = LoopInfo::default();
    read_with!(e, LOOP, &mut l)?;
    Ok(l)
}

pub(super) fn read_seq_call(e: &Tag<'_, '_>) -> Result<SeqCall, String> {
    let mut c = SeqCall::default();
    read_with!(e, SEQ_CALL, &mut c)?;
    Ok(c)
}

pub(super) fn read_numeric(e: &Tag<'_, '_>) -> Result<NumericMeasurement, String> {
    let mut m = NumericMeasurement::default();
    read_with!(e, NUMERIC, &mut m)?;
    Ok(m)
}

pub(super) fn read_pass_fail(e: &Tag<'_, '_>) -> Result<BooleanMeasurement, String> {
    let mut m = BooleanMeasurement::default();
    read_with!(e, PASS_FAIL, &mut m)?;
    Ok(m)
}

pub(super) fn read_string_value(e: &Tag<'_, '_>) -> Result<StringMeasurement, String> {
    let mut m = StringMeasurement::default();
    read_with!(e, STRING_VALUE, &mut m)?;
    Ok(m)
}

pub(super) fn read_chart(e: &Tag<'_, '_>) -> Result<Box<Chart>, String> {
    let mut c = Box::<Chart>::default();
    read_with!(e, CHART, &mut *c)?;
    Ok(c)
}

pub(super) fn read_series(e: &Tag<'_, '_>) -> Result<Box<Series>, String> {
    let mut s = Box::<Series>::default();
    read_with!(e, SERIES, &mut *s)?;
    Ok(s)
}

pub(super) fn read_call_exe(e: &Tag<'_, '_>) -> Result<CallExe, String> {
    let mut c = CallExe::default();
    read_with!(e, CALL_EXE, &mut c)?;
    Ok(c)
}

pub(super) fn read_message_popup(e: &Tag<'_, '_>) -> Result<MessagePopup, String> {
    let mut m = MessagePopup::default();
    read_with!(e, MESSAGE_POPUP, &mut m)?;
    Ok(m)
}

pub(super) fn read_attachment(e: &Tag<'_, '_>) -> Result<Box<Attachment>, String> {
    let mut a = Box::<Attachment>::default();
    read_with!(e, ATTACHMENT, &mut *a)?;
    Ok(a)
}
