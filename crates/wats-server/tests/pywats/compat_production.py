"""Steps 30-39 of compat.py: pyWATS's production service (``api.production``).

Products PYW-MOD-<suffix> (rev A, a box-build template: 2 x PYW-BRD-<suffix> rev A%, 1 x
PYW-PWR-<suffix>) and PYW-OTH-<suffix>; units created through pyWATS; verification after
real UUT and UUR submissions made with pyWATS's report factories; a serial-number type
PYW-SNT-<suffix> (SN-######, 20 numbers) set up with this server's admin call (WATS does it
in its web UI; pyWATS has no method for it).
"""
from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta, timezone

from pywats import NotFoundError, ValidationError
from pywats.domains.production import ProductionBatch, Unit
from pywats.domains.production.enums import UnitPhaseFlag


def _raw(url: str, token: str, method: str, path: str, body=None):
    data = json.dumps(body).encode() if body is not None else b""
    req = urllib.request.Request(url + path, method=method, data=data, headers={
        "Authorization": f"Basic {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def _refused(call, needle: str, check) -> None:
    try:
        call()
    except ValidationError as e:
        check(needle in str(e), f"refused, but {needle!r} is not in {e}")
        return
    check(False, f"not refused (expected {needle!r})")


def production(api, url: str, token: str, suffix: str, check, step, ok) -> None:
    pr = api.production
    mod, brd, pwr, oth = (f"PYW-{k}-{suffix}" for k in ("MOD", "BRD", "PWR", "OTH"))
    for pn, revs in ((mod, ["A"]), (brd, ["A", "A2", "B"]), (pwr, ["1"]), (oth, ["1"])):
        api.product.create_product(pn, name=pn)
        for r in revs:
            api.product.create_revision(pn, r)
    tpl = api.product.get_box_build_template(mod, "A")
    tpl.add_subunit(brd, "A", quantity=2, revision_mask="A%")
    tpl.add_subunit(pwr, "1", quantity=1)
    tpl.save()

    # 30. Units --------------------------------------------------------------------------
    step(30, "units: create_unit, create_units, get_unit, update_unit, get_unit_info, "
             "create/update_unit_public, set_unit_tag, query_units, change_unit_part_number, "
             "delete_unit")
    main = f"PYW-MAIN-{suffix}"
    created = pr.create_unit(main, mod, "A")
    check(created and created["serialNumber"] == main and created["unitPhaseId"] == 2,
          f"create_unit returned {created!r}")
    boards = [f"PYW-B{i}-{suffix}" for i in range(4)]
    units = pr.create_units([Unit(serial_number=sn, part_number=brd, revision=rev)
                             for sn, rev in zip(boards, ["A", "A2", "A", "B"])])
    check([u.serial_number for u in units] == boards
          and all(u.unit_phase == "Under production" for u in units),
          f"create_units returned {units!r}")
    psu = f"PYW-P-{suffix}"
    pr.create_units([Unit(serial_number=psu, part_number=pwr, revision="1")])
    unit = pr.get_unit(main, mod)
    check(unit.revision == "A" and unit.product.part_number == mod
          and unit.product_revision.revision == "A", f"get_unit returned {unit!r}")
    pr.update_unit(Unit(serial_number=main, part_number=mod, current_location="Line 2"))
    check(pr.get_unit(main, mod).current_location == "Line 2", "update_unit was not kept")
    try:
        missing = pr.get_unit(f"NOPE-{suffix}", mod)
    except NotFoundError:
        missing = None
    check(missing is None, f"an unknown unit was found: {missing!r}")
    info = pr.get_unit_info(main, mod)
    check(info["unit"]["serialNumber"] == main and info["testCount"] == 0
          and info["status"] == "NotTested", f"get_unit_info: {info!r}")
    # The single-unit calls pyWATS 0.6 added.
    extra = f"PYW-X-{suffix}"
    check(pr.create_unit_public(Unit(serial_number=extra, part_number=oth, revision="1")),
          "create_unit_public failed")
    check(pr.update_unit_public(Unit(serial_number=extra, part_number=oth,
                                     current_location="Rack 9")), "update_unit_public failed")
    check(pr.set_unit_tag(extra, oth, "Lot", "L-7"), "set_unit_tag failed")
    got = pr.query_units(filter=f"partNumber eq '{oth}'", top=10)
    check([u.serial_number for u in got] == [extra] and got[0].current_location == "Rack 9"
          and got[0].tags[0].value == "L-7", f"query_units: {got!r}")
    check(pr.change_unit_part_number(extra, oth, pwr, "1"), "change_unit_part_number failed")
    check(pr.get_unit(extra, pwr).revision == "1", "the re-keyed unit is not found")
    check(pr.delete_unit(extra, pwr) and not pr.delete_unit(extra, pwr),
          "delete_unit: True, then False for a unit that is gone")
    ok("internal and public creation, read-back with product and revision, update, 404; "
       "single-unit create, update, tag, query, change part number, delete")

    # 31. Phases -------------------------------------------------------------------------
    step(31, "phases: get_phases, set_unit_phase by name/id/flag, history, changes")
    phases = pr.get_phases()
    check(len(phases) == 12 and {p.phase_id for p in phases} == {1 << i for i in range(12)},
          f"get_phases: {phases!r}")
    check(pr.get_phase_id("Finalized") == 16 and pr.get_phase_id("under production") == 2,
          "get_phase_id does not resolve names")
    check(pr.set_unit_phase(psu, pwr, "Finalized"), "set_unit_phase by name failed")
    check(pr.set_unit_phase(main, mod, UnitPhaseFlag.UNDER_PRODUCTION, comment="queued"),
          "set_unit_phase by flag failed")
    check(pr.set_unit_phase(main, mod, 4), "set_unit_phase by id failed")
    check(pr.get_unit(main, mod).unit_phase_id == 4, "the phase was not set")
    try:
        pr.set_unit_phase(main, mod, "No such phase")
        check(False, "an unknown phase name was sent")
    except ValueError:
        pass
    history = pr.get_unit_state_history(main, mod)
    kinds = [h["changeType"] for h in history]
    check(kinds == ["Created", "Saved", "Phase", "Phase"], f"state history: {kinds!r}")
    check(history[2]["comment"] == "queued" and history[3]["oldUnitPhaseId"] == 2
          and history[3]["unitPhaseId"] == 4, f"phase entries: {history[2:]!r}")
    changes = pr.get_unit_history(main, mod)
    check([c.new_unit_phase_id for c in changes][-2:] == [2, 4], f"changes: {changes!r}")
    check(pr.acknowledge_unit_change(str(changes[0].id)), "acknowledge_unit_change failed")
    check(len(pr.get_unit_changes(serial_number=main)) == len(changes) - 1,
          "the acknowledged change is still listed")
    ok("12 phases; set by name, flag and id; 4 history entries; change feed acknowledged")

    # 32. Process ------------------------------------------------------------------------
    step(32, "process: set_unit_process, get_unit_info")
    code = api.process.get_default_test_code()
    check(pr.set_unit_process(main, mod, process_code=code), "set_unit_process failed")
    info = pr.get_unit_info(main, mod)
    check(info["unit"]["processCode"] == str(code)
          and info["processName"] == api.process.get_process_by_code(code).name,
          f"get_unit_info after set_unit_process: {info!r}")
    _refused(lambda: pr.set_unit_process(main, mod, process_code=987654), "processCode", check)
    ok(f"process {code} set and named; an unknown code refused")

    # 33. Verification after real submissions --------------------------------------------
    step(33, "verification: verify_unit, get_unit_grade, is_unit_passing after UUT/UUR")
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=2)

    def submit(passed: bool, minute: int):
        uut = api.report.create_uut_report(
            operator="pr-op", part_number=brd, revision="A", serial_number=boards[0],
            operation_type=code, station_name="PR-ST", location="Line 1", purpose="Test",
            start_time=start + timedelta(minutes=minute))
        uut.get_root_sequence_call().status = "P" if passed else "F"
        uut.result = "P" if passed else "F"
        check(api.report.submit_report(uut) is not None, "submit failed")
        return uut

    failed = submit(False, 0)
    grade = pr.get_unit_grade(boards[0], brd)
    check(grade.status == "Failed" and grade.grade == "FAILED"
          and not grade.all_processes_passed_last_run, f"grade after a failure: {grade!r}")
    check(not pr.is_unit_passing(boards[0], brd), "a failed unit is passing")
    repair = api.process.get_default_repair_code()
    uur = api.report.create_uur_report(failed, repair_process_code=repair, operator="pr-op",
                                       comment="reseated")
    check(api.report.submit_report(uur) is not None, "UUR submit failed")
    submit(True, 5)
    grade = pr.get_unit_grade(boards[0], brd)
    check(grade.status == "Passed" and grade.all_processes_passed_last_run
          and grade.all_processes_passed_any_run and not grade.all_processes_passed_first_run
          and not grade.no_repairs, f"grade after repair and pass: {grade!r}")
    r = grade.results[0]
    check(r.process_code == code and r.total_count == 2 and r.non_passed_count == 1
          and r.repair_count == 1 and r.station_name == "PR-ST", f"results: {r!r}")
    check(pr.is_unit_passing(boards[0], brd), "a passing unit is not passing")
    check(pr.verify_unit(boards[0], brd).status == "Passed", "verify_unit status")
    ok("FAILED, then repaired (UUR) and PASSED: 2 runs, 1 not passed, 1 repair")

    # 34. Assembly -----------------------------------------------------------------------
    step(34, "assembly against the box-build template")
    check(pr.verify_assembly(main, mod, "A")["missingCount"] == 3, "3 children missing")
    check(pr.add_child_to_assembly(main, mod, boards[0], brd), "add board 0")
    check(pr.add_child_to_assembly(main, mod, boards[1], brd), "add board 1 (rev A2)")
    _refused(lambda: pr.add_child_to_assembly(main, mod, boards[2], brd), "takes 2", check)
    _refused(lambda: pr.add_child_to_assembly(main, mod, boards[3], brd), "Revision 'B'", check)
    other = f"PYW-O-{suffix}"
    pr.create_unit(other, oth, "1")
    _refused(lambda: pr.add_child_to_assembly(main, mod, other, oth),
             "not in the box build template", check)
    added = pr.add_child_unit_validated(main, mod, psu, pwr, pwr, "1", check_phase=True)
    check(added and len(added["subUnits"]) == 3, f"add_child_unit_validated: {added!r}")
    check_ = pr.validate_child_units(main, mod)
    check(check_["isComplete"] and check_["missingCount"] == 0, f"validate: {check_!r}")
    main2 = f"PYW-MAIN2-{suffix}"
    pr.create_unit(main2, mod, "A")
    _refused(lambda: pr.add_child_to_assembly(main2, mod, boards[0], brd),
             "already a child unit", check)
    hier = pr.get_unit_hierarchy(main, mod)
    check(sorted(u["serialNumber"] for u in hier["subUnits"]) == sorted([boards[0], boards[1], psu]),
          f"hierarchy: {hier!r}")
    contents = pr.get_unit_contents(main, mod, "A")
    check([len(c["Units"]) for c in contents["Children"]] == [2, 1], f"contents: {contents!r}")
    check(pr.remove_child_from_assembly(main, mod, boards[1], brd), "remove board 1")
    check(pr.verify_assembly(main, mod, "A")["missingCount"] == 1, "1 board missing")
    res = pr.remove_child_unit_localized(main, mod, psu, pwr, culture_code="en-US")
    check(res and len(res["subUnits"]) == 1, f"remove_child_unit_localized: {res!r}")
    check(pr.remove_all_children_from_assembly(main, mod), "remove_all_children failed")
    check(pr.get_unit(main, mod).sub_units == [], "children left after remove all")
    ok("2 boards + PSU built in, 3 refusals (quantity, revision, part), 1 already-built "
       "refusal; hierarchy, contents; removed one by one and all")

    # 35. Serial-number types and take ---------------------------------------------------
    step(35, "serial numbers: get_serial_number_types, allocate_serial_numbers")
    snt = f"PYW-SNT-{suffix}"
    _raw(url, token, "PUT", "/api/internal/Production/SerialNumbers/Types",
         [{"name": snt, "description": "compat", "format": "SN-######", "identifier": 0}])
    gen = _raw(url, token, "PUT", f"/api/internal/Production/SerialNumbers/Generate"
               f"?serialNumberType={snt}&startAddress=1&endAddress=20")
    check(gen == {"count": 20}, f"generate: {gen!r}")
    types = {t.name: t for t in pr.get_serial_number_types()}
    check(types[snt].format == "SN-######" and types[snt].identifier_name == "SerialNumber",
          f"get_serial_number_types: {types.get(snt)!r}")
    got = pr.allocate_serial_numbers(snt, count=3, reference_sn=main, reference_pn=mod,
                                     station_name="PR-ST")
    check(got == ["SN-000001", "SN-000002", "SN-000003"], f"allocate: {got!r}")
    _refused(lambda: pr.allocate_serial_numbers(snt, count=18), "17 free", check)
    ok(f"type listed; 3 taken in order; 18 refused with 17 free")

    # 36. Finding, counting, freeing -----------------------------------------------------
    step(36, "serial numbers: by range, by reference, find, count, statistics, free, ranges")
    by_ref = pr.find_serial_numbers_by_reference(snt, reference_serial=main)
    check([r["serialNumber"] for r in by_ref] == got and by_ref[0]["stationName"] == "PR-ST",
          f"by reference: {by_ref!r}")
    rng = pr.find_serial_numbers_in_range(snt, "SN-000003", "SN-000004")
    check([r["state"] for r in rng] == ["Taken", "Free"], f"by range: {rng!r}")
    check(len(pr.find_serial_numbers(snt, "1", "20")) == 20, "find_serial_numbers")
    check(pr.get_serial_number_count(snt) == 3, "count")
    stats = pr.get_serial_number_statistics(snt)
    check((stats["total"], stats["free"], stats["taken"]) == (20, 17, 3), f"stats: {stats!r}")
    freed = pr.free_serial_numbers([{"type": snt, "startAddress": "2", "endAddress": "2"}])
    check(freed == {"count": 1}, f"free: {freed!r}")
    again = pr.allocate_serial_numbers(snt, count=2)
    check(again == ["SN-000002", "SN-000004"], f"a freed number is not reused first: {again!r}")
    ranges = pr.get_serial_number_ranges(snt)
    check(len(ranges) == 1 and ranges[0]["taken"] == 4, f"ranges: {ranges!r}")
    ok("reference and range lookups, count 3, freed number 2 handed out again")

    # 37. Import and export --------------------------------------------------------------
    step(37, "serial numbers: import_serial_numbers (CSV), export_serial_numbers")
    csv = f"serialNumberType,serialNumber,state\n{snt},SN-000100\n{snt},EXT-1,Reserved\n"
    check(pr.import_serial_numbers(csv.encode(), "text/csv"), "import failed")
    _refused(lambda: pr.import_serial_numbers(f"{snt},SN-000101\n{snt},X,Gone\n".encode(),
                                              "text/csv"), "line 2", check)
    stats = pr.get_serial_number_statistics(snt)
    check((stats["total"], stats["reserved"]) == (22, 1),
          f"the refused import left numbers: {stats!r}")
    exported = pr.export_serial_numbers(snt, state="Taken").decode()
    lines = exported.strip().splitlines()
    check(lines[0].startswith("serialNumberType,serialNumber,state") and len(lines) == 5,
          f"export: {exported!r}")
    xml = pr.export_serial_numbers(snt, format="xml").decode()
    check(xml.count("<SN ") == 22, f"XML export: {xml[:200]!r}")
    ok("2 imported; a bad line 2 refused with nothing imported; CSV and XML exports")

    # 38. Batches ------------------------------------------------------------------------
    step(38, "batches: create_batch, update_batch, save_batches, get_batches")
    lot = f"PYW-LOT-{suffix}"
    b = pr.create_batch(ProductionBatch(batch_number=lot, batch_size=5))
    check(b.batch_number == lot and b.batch_size == 5, f"create_batch: {b!r}")
    pr.update_batch(ProductionBatch(batch_number=lot, batch_size=6))
    saved = pr.save_batches([ProductionBatch(batch_number=f"{lot}-2", batch_size=1)])
    check([x.batch_number for x in saved] == [f"{lot}-2"], f"save_batches: {saved!r}")
    got_b = pr.get_batches(batch_id=lot)
    check(len(got_b) == 1 and got_b[0].batch_size == 6, f"get_batches: {got_b!r}")
    pr.update_unit(Unit(serial_number=other, part_number=oth, batch_number=lot))
    check([x.batch_number for x in pr.get_batches(part_number=oth)] == [lot],
          "get_batches by part number")
    ok("batch created, updated, bulk-saved; found by id and by part number")

    # 39. Sites, connection --------------------------------------------------------------
    step(39, "is_connected, get_sites")
    check(pr.is_connected(), "is_connected returned False")
    sites = pr.get_sites()
    check(any(s.get("name") == "Line 1" for s in sites), f"get_sites: {sites!r}")
    ok("connected; the report location is a site")
