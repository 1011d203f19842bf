//! The report-level checks: header, UUT/UUR, sub units, misc infos, failures, assets,
//! binary and additional data.

use super::*;

pub(super) fn check_report(ctx: &mut Ctx, r: &Report) {
    ctx.required("type", &r.report_type);
    ctx.required("id", &r.id);
    for (key, value) in [("pn", &r.pn), ("sn", &r.sn)] {
        ctx.required_text(key, value.as_deref(), 100);
        ctx.search_key(key, value.as_deref());
    }
    ctx.required_text("rev", r.rev.as_deref(), 100);
    ctx.required("processCode", &r.process_code);
    ctx.int16("processCode", r.process_code);
    ctx.required("result", &r.result);
    if let Some(result) = r.result.filter(|s| !s.is_report_result()) {
        ctx.error_at(
            "result",
            format!("is {result}; a report result is P, F, E or T"),
        );
    }
    ctx.required_text("machineName", r.machine_name.as_deref(), 100);
    ctx.required_text("location", r.location.as_deref(), 100);
    ctx.required_text("purpose", r.purpose.as_deref(), 100);
    ctx.required("start", &r.start);
    // `startUTC`, `productName`, `origin`, `assetStats`: filled by the server, never required.
    // Their lengths are not in WRML; 100 as the other header names (a server keeps what it is
    // sent when it has nothing to fill in).
    ctx.text("productName", r.product_name.as_deref(), 100);
    ctx.text("processName", r.process_name.as_deref(), 100);
    ctx.text("origin", r.origin.as_deref(), 100);
    ctx.unknown(&r.extra);

    match r.report_type {
        Some(ReportType::Uut) => {
            ctx.required("uut", &r.uut);
            ctx.required("root", &r.root);
            if r.binary_data.as_ref().is_some_and(|b| !b.is_empty()) {
                ctx.error_at("binaryData", "is only allowed on a repair (UUR) report");
            }
        }
        Some(ReportType::Uur) => {
            ctx.required("uur", &r.uur);
            check_uur_units(ctx, r.sub_units.as_deref());
        }
        None => {}
    }

    if let Some(uut) = &r.uut {
        ctx.at("uut", |ctx| check_uut_info(ctx, uut));
    }
    if let Some(uur) = &r.uur {
        ctx.at("uur", |ctx| check_uur_info(ctx, uur));
    }
    ctx.each("miscInfos", r.misc_infos.as_deref(), check_misc_info);
    ctx.each("subUnits", r.sub_units.as_deref(), check_sub_unit);
    ctx.each("assets", r.assets.as_deref(), check_asset);
    ctx.each("binaryData", r.binary_data.as_deref(), check_binary_data);
    ctx.each(
        "additionalData",
        r.additional_data.as_deref(),
        check_additional_data,
    );
    if let Some(root) = &r.root {
        ctx.at("root", |ctx| check_step(ctx, root));
    }
}

pub(super) fn check_uut_info(ctx: &mut Ctx, uut: &UutInfo) {
    ctx.text("user", uut.user.as_deref(), 100);
    ctx.text("comment", uut.comment.as_deref(), 5000);
    ctx.text("fixtureId", uut.fixture_id.as_deref(), 100);
    ctx.text("batchSN", uut.batch_sn.as_deref(), 100);
    ctx.text("errorMessage", uut.error_message.as_deref(), 500);
    ctx.int16("testSocketIndex", uut.test_socket_index);
    ctx.unknown(&uut.extra);
}

pub(super) fn check_uur_info(ctx: &mut Ctx, uur: &UurInfo) {
    // `refUUT` is optional: a repair may be logged without the failed test report.
    ctx.text("user", uur.user.as_deref(), 100);
    ctx.text("comment", uur.comment.as_deref(), 5000);
    ctx.text("processName", uur.process_name.as_deref(), 100);
    ctx.int16("processCode", uur.process_code);
    ctx.unknown(&uur.extra);
}

/// The sub-unit hierarchy of a repair report: one main unit (idx 0), unique indexes, parents
/// that exist.
pub(super) fn check_uur_units(ctx: &mut Ctx, units: Option<&[SubUnit]>) {
    let units = units.unwrap_or_default();
    if units.is_empty() {
        ctx.error_at(
            "subUnits",
            "a repair report needs at least the main unit (idx 0)",
        );
        return;
    }
    let sole_unit_without_idx = units.len() == 1 && units[0].idx.is_none();
    if !sole_unit_without_idx && !units.iter().any(|u| u.idx == Some(0)) {
        ctx.error_at(
            "subUnits",
            "a repair report needs exactly one main unit (idx 0)",
        );
    }
    let mut seen: HashMap<i64, usize> = HashMap::new();
    for (i, unit) in units.iter().enumerate() {
        let Some(idx) = unit.idx else { continue };
        if let Some(&first) = seen.get(&idx) {
            ctx.at_index("subUnits", i, |ctx| {
                ctx.error_at("idx", format!("duplicates subUnits[{first}].idx ({idx})"));
            });
        } else {
            seen.insert(idx, i);
        }
    }
    for (i, unit) in units.iter().enumerate() {
        if let Some(parent) = unit.parent_idx.filter(|p| !seen.contains_key(p)) {
            ctx.at_index("subUnits", i, |ctx| {
                ctx.error_at(
                    "parentIdx",
                    format!("is {parent}, but no sub unit has that idx"),
                );
            });
        }
    }
}

pub(super) fn check_misc_info(ctx: &mut Ctx, misc: &MiscInfo) {
    ctx.required_text("description", misc.description.as_deref(), 100);
    ctx.text("text", misc.text.as_deref(), 100);
    ctx.text("typedef", misc.typedef.as_deref(), 30);
    if misc.text.is_none() && misc.numeric.is_none() {
        ctx.error_at("text", "is required when there is no numeric value");
    }
    ctx.unknown(&misc.extra);
}

pub(super) fn check_sub_unit(ctx: &mut Ctx, unit: &SubUnit) {
    ctx.text("partType", unit.part_type.as_deref(), 50);
    for (key, value) in [("pn", &unit.pn), ("sn", &unit.sn)] {
        ctx.text(key, value.as_deref(), 100);
        ctx.search_key(key, value.as_deref());
    }
    ctx.text("rev", unit.rev.as_deref(), 100);
    ctx.unknown(&unit.extra);
    ctx.each("failures", unit.failures.as_deref(), check_failure);
}

pub(super) fn check_failure(ctx: &mut Ctx, failure: &Failure) {
    ctx.required_text("category", failure.category.as_deref(), usize::MAX);
    ctx.required_text("code", failure.code.as_deref(), usize::MAX);
    ctx.text("comRef", failure.com_ref.as_deref(), 50);
    ctx.text("funcBlock", failure.func_block.as_deref(), 100);
    ctx.text("artNumber", failure.art_number.as_deref(), 100);
    ctx.text("artRev", failure.art_rev.as_deref(), 100);
    ctx.text("artVendor", failure.art_vendor.as_deref(), 500);
    ctx.text("artDescription", failure.art_description.as_deref(), 500);
    ctx.unknown(&failure.extra);
}

pub(super) fn check_asset(ctx: &mut Ctx, asset: &Asset) {
    ctx.text("assetSN", asset.asset_sn.as_deref(), 100);
    ctx.unknown(&asset.extra);
}

pub(super) fn check_binary_data(ctx: &mut Ctx, data: &BinaryData) {
    ctx.text("contentType", data.content_type.as_deref(), 100);
    ctx.required_text("name", data.name.as_deref(), 256);
    check_base64(ctx, "data", data.data.as_deref());
    ctx.unknown(&data.extra);
}

pub(super) fn check_additional_data(ctx: &mut Ctx, data: &AdditionalData) {
    ctx.text("name", data.name.as_deref(), 200);
    ctx.unknown(&data.extra);
    ctx.each("props", data.props.as_deref(), check_property);
}

/// Properties have no length limits (TestStand values); only their unknown keys are counted.
pub(super) fn check_property(ctx: &mut Ctx, prop: &Property) {
    ctx.unknown(&prop.extra);
    ctx.each("props", prop.props.as_deref(), check_property);
}
