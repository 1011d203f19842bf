"""Steps 65-69 of compat.py: pyWATS's repair-configuration calls (``api.process``, internal
API) against the server's seeded defaults (repair 500 "Repair" and 510 "RMA repair"), and a
UUR refused for a fail code its repair operation does not define.
"""
from __future__ import annotations


def repair(api, uut, suffix: str, check, step, ok) -> None:
    ps = api.process

    # 65. Every configuration -----------------------------------------------------------------
    step(65, "repair configurations: get_repair_operation_configs()")
    configs = ps.get_repair_operation_configs()
    check(sorted(configs) == [500, 510], f"configured repair codes {sorted(configs)}")
    rep = configs[500]
    check(rep.description == "Repair" and rep.uut_required == 1 and rep.vendor_required == 2,
          f"500: {rep!r}")
    pairs = {(f.category, f.code) for f in rep.failure_codes}
    check(("Component", "Burned Component") in pairs and ("Component", "Defect Component")
          in pairs, f"fail codes {sorted(pairs)}")
    ok(f"500 {rep.description!r} with {len(pairs)} fail codes, 510 {configs[510].description!r}")

    # 66. One, by process id ------------------------------------------------------------------
    step(66, "one configuration: get_repair_operation_config(process_id, 500)")
    process = ps.get_repair_operation(500)
    raw = ps.get_repair_operation_config(process.process_id, 500)
    check(isinstance(raw, dict) and raw.get("Description") == "Repair"
          and len(raw.get("Categories", [])) == 4, f"config {raw!r}")
    ok(f"process {process.process_id}: {[c['Description'] for c in raw['Categories']]}")

    # 67. Categories and codes ----------------------------------------------------------------
    step(67, "categories and codes: get_repair_categories(500), get_repair_codes(500, cat)")
    cats = ps.get_repair_categories(500)
    names = [c.description for c in cats]
    check(names == ["Component", "Soldering", "Mechanical", "Other"], f"categories {names}")
    check(all(c.guid and c.selectable for c in cats), "categories have ids, are selectable")
    codes = ps.get_repair_codes(500, "Component")
    check(codes == ["Burned Component", "Defect Component", "Missing Component",
                    "Wrong Component", "Wrong Orientation"], f"Component codes {codes}")
    ok(f"{len(cats)} categories; Component: {codes}")

    # 68. Flattened fail codes ----------------------------------------------------------------
    step(68, "fail codes: get_fail_codes(510)")
    fcs = ps.get_fail_codes(510)
    check(len(fcs) == 14 and all({"category", "code", "guid", "category_guid"} <= set(f)
                                  for f in fcs), f"get_fail_codes(510): {fcs!r}")
    soldering = [f["code"] for f in fcs if f["category"] == "Soldering"]
    check("Short Circuit" in soldering, f"Soldering codes {soldering}")
    ok(f"{len(fcs)} fail codes for 510")

    # 69. UURs checked against them ---------------------------------------------------------
    step(69, "UUR fail codes: a defined one is taken, another refused naming it")
    good = api.report.create_uur_report(uut, repair_process_code=510, operator="rep",
                                        comment="resoldered")
    good.add_failure(category="Soldering", code="Short Circuit", component_ref="R1")
    check(api.report.submit_report(good) is not None, "a defined fail code was refused")
    bad = api.report.create_uur_report(uut, repair_process_code=500, operator="rep",
                                       comment="?")
    bad.add_failure(category="Component", code=f"Exploded {suffix}", component_ref="U1")
    try:
        api.report.submit_report(bad)
        check(False, "an undefined fail code was accepted")
    except ValueError as e:  # pyWATS raises ValueError with the server's 400 message
        check("400" in str(e) and f"Exploded {suffix}" in str(e)
              and "repair operation 500" in str(e), f"refusal: {e}")
        refusal = str(e)
    ok(f"refused: {refusal[:120]}")
