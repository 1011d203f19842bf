"""Steps 40-44 of compat.py: pyWATS's asset service (``api.asset``), values checked.

Type FX-<suffix>: 100 uses between calibrations, 1000 in a life, calibration every 90 days,
maintenance every 30, warning at 80 %, alarm at 100 %. Hand-computed dates: calibrated
2026-01-10 -> next 2026-04-10; maintained 2026-01-01 -> next 2026-01-31.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pywats import NotFoundError, ValidationError
from pywats.domains.asset import AssetState


def _utc(d):
    return d if d is None or d.tzinfo else d.replace(tzinfo=timezone.utc)


def asset(api, suffix: str, check, step, ok) -> None:
    a = api.asset
    sn, child_sn, probe_sn = f"PYW-FIX-{suffix}", f"PYW-DMM-{suffix}", f"PYW-PRB-{suffix}"

    # 40. Types, assets, hierarchy ------------------------------------------------------
    step(40, "asset types, create/get/update, hierarchy")
    t = a.create_asset_type(type_name=f"FX-{suffix}", running_count_limit=100,
                            total_count_limit=1000, calibration_interval=90.0,
                            maintenance_interval=30.0, warning_threshold=80.0,
                            alarm_threshold=100.0)
    check(t is not None and t.type_id is not None, f"create_asset_type returned {t!r}")
    check(any(x.type_id == t.type_id and x.running_count_limit == 100
              for x in a.get_asset_types()), "get_asset_types() lacks the new type")
    fix = a.create_asset(serial_number=sn, type_id=t.type_id, asset_name="Bed of nails",
                         location="Line 1", description="ICT fixture")
    check(fix is not None and fix.asset_id, f"create_asset returned {fix!r}")
    check(fix.total_count == 0 and fix.running_count == 0 and fix.state == AssetState.OK,
          f"new asset counts/state {fix.total_count}/{fix.running_count}/{fix.state}")
    got = a.get_asset_by_serial(sn)
    check(got.asset_id == fix.asset_id and got.asset_name == "Bed of nails",
          f"get_asset_by_serial: {got!r}")
    check(a.get_asset(asset_id=fix.asset_id).serial_number == sn, "get_asset(asset_id)")
    got.location = "Line 2"
    upd = a.update_asset(got)
    check(upd.location == "Line 2" and upd.total_count == 0, f"update_asset: {upd!r}")
    dmm = a.create_asset(serial_number=child_sn, type_id=t.type_id,
                         parent_serial_number=sn)
    check(dmm.parent_asset_id == fix.asset_id, f"child's parent {dmm.parent_asset_id!r}")
    prb = a.create_asset(serial_number=probe_sn, type_id=t.type_id)
    check(a.add_child_asset(parent_id=dmm.asset_id, child_id=prb.asset_id),
          "add_child_asset returned False")
    direct = a.get_child_assets(parent_serial=sn, level=1)
    every = a.get_child_assets(parent_id=fix.asset_id)
    check([c.serial_number for c in direct] == [child_sn], f"level-1 children {direct!r}")
    check(sorted(c.serial_number for c in every) == sorted([child_sn, probe_sn]),
          f"all sub-assets {every!r}")
    listed = a.get_assets(filter_str=f"serialNumber eq '{sn}'")
    check(len(listed) == 1 and listed[0].asset_id == fix.asset_id, f"$filter: {listed!r}")
    page = a.get_assets(filter_str=f"endswith(serialNumber,'{suffix}')",
                        orderby="serialNumber desc", top=2, skip=1)
    check([x.serial_number for x in page] == [sn, child_sn], f"$orderby/$top/$skip: {page!r}")
    ok(f"type {t.type_id}; {sn} > {child_sn} > {probe_sn}")

    # 41. Counts ------------------------------------------------------------------------
    step(41, "counts: increment (with children), reset, set running/total")
    check(a.increment_count(serial_number=sn, amount=5), "increment_count")
    check(a.increment_count(serial_number=sn, amount=2, increment_children=True),
          "increment_count(increment_children)")
    f, p = a.get_asset_by_serial(sn), a.get_asset_by_serial(probe_sn)
    check((f.total_count, f.running_count) == (7, 7), f"fixture counts {f.total_count}/{f.running_count}")
    check(p.total_count == 2, f"grandchild total {p.total_count}")
    check(a.reset_running_count(serial_number=sn, comment="new pins"), "reset_running_count")
    f = a.get_asset_by_serial(sn)
    check((f.total_count, f.running_count) == (7, 0), f"after reset {f.total_count}/{f.running_count}")
    check(a.set_running_count(85, serial_number=sn), "set_running_count")
    check(a.set_total_count(500, serial_number=sn), "set_total_count")
    f = a.get_asset_by_serial(sn)
    check((f.total_count, f.running_count) == (500, 85), f"set counts {f.total_count}/{f.running_count}")
    ok("7/7, grandchild 2, reset 7/0, set 500/85")

    # 42. Calibration, maintenance, status ----------------------------------------------
    step(42, "calibration/maintenance dates (hand-computed), status, state")
    jan10 = datetime(2026, 1, 10, tzinfo=timezone.utc)
    check(a.record_calibration(serial_number=sn, date_time=jan10, comment="annual"),
          "record_calibration")
    check(a.record_maintenance(serial_number=sn,
                               date_time=datetime(2026, 1, 1, tzinfo=timezone.utc)),
          "record_maintenance")
    f = a.get_asset_by_serial(sn)
    check(_utc(f.last_calibration_date) == jan10, f"last calibration {f.last_calibration_date}")
    check(_utc(f.next_calibration_date) == datetime(2026, 4, 10, tzinfo=timezone.utc),
          f"next calibration {f.next_calibration_date}, expected 2026-04-10")
    check(_utc(f.next_maintenance_date) == datetime(2026, 1, 31, tzinfo=timezone.utc),
          f"next maintenance {f.next_maintenance_date}, expected 2026-01-31")
    check(f.running_count == 0, f"calibration did not restart the running count: {f.running_count}")
    nxt = datetime(2031, 1, 1, tzinfo=timezone.utc)
    check(a.record_calibration_external(serial_number=sn, from_date=jan10, to_date=nxt),
          "record_calibration_external")
    check(_utc(a.get_asset_by_serial(sn).next_calibration_date) == nxt, "external next date")
    check(a.record_maintenance_external(serial_number=sn, to_date=nxt), "maintenance external")
    # Now: calibrated 45 of 90 days ago, 85 of 100 uses -> warning; 105 -> alarm.
    now = datetime.now(timezone.utc)
    a.record_calibration(serial_number=sn, date_time=now - timedelta(days=45))
    a.record_maintenance(serial_number=sn)
    st = a.get_status(serial_number=sn)
    check(st["alarmState"] == 0 and abs(st["calibrationPercent"] - 50.0) < 0.1,
          f"status {st!r}")
    a.increment_count(serial_number=sn, amount=85)
    check(a.get_status(serial_number=sn)["alarmState"] == 1, "85 % of the limit: warning")
    a.increment_count(serial_number=sn, amount=20)
    st = a.get_status(serial_number=sn)
    check(st["alarmState"] == 2 and "running count" in st["message"], f"alarm {st!r}")
    check(a.set_asset_state(AssetState.IN_MAINTENANCE, serial_number=sn), "set_asset_state")
    check(a.get_asset_state(fix.asset_id) == AssetState.IN_MAINTENANCE, "get_asset_state")
    in_maint = a.get_assets_by_alarm_state(AssetState.IN_MAINTENANCE)
    check(any(x.serial_number == sn for x in in_maint), "state eq 3 lacks the fixture")
    ok(f"next cal 2026-04-10, next maint 2026-01-31, status {st['message']!r}")

    # 43. Log and messages --------------------------------------------------------------
    step(43, "asset log and messages")
    check(a.add_log_message(fix.asset_id, "connector replaced", user="john"),
          "add_log_message")
    log = a.get_asset_log(filter_str=f"assetId eq '{fix.asset_id}'")
    types = [int(e.log_type) for e in log]
    check(types[0] == 1 and 4 in types and 5 in types and 3 in types and 6 in types,
          f"log types {types}")
    msg = log[-1]
    check(msg.comment == "connector replaced" and msg.user == "john" and int(msg.log_type) == 0,
          f"message entry {msg!r}")
    check(all(e.user and e.date for e in log), "a log entry without user or date")
    last2 = a.get_asset_log(orderby="logId desc", top=2)
    check(len(last2) == 2 and last2[0].log_id > last2[1].log_id, f"$orderby/$top: {last2!r}")
    ok(f"{len(log)} entries for {sn}")

    # 44. Files, reports, delete, errors ------------------------------------------------
    step(44, "files, a UUT naming the asset, delete, errors")
    check(a.upload_file(fix.asset_id, "cert.pdf", b"%PDF-1.4 cert"), "upload_file")
    check(a.upload_file(fix.asset_id, "config.json", b'{"pins": 3}'), "upload_file json")
    check(a.list_files(fix.asset_id) == ["cert.pdf", "config.json"],
          f"list_files {a.list_files(fix.asset_id)!r}")
    check(a.download_file(fix.asset_id, "cert.pdf") == b"%PDF-1.4 cert", "download_file")
    check(a.download_file(fix.asset_id, "config.json") == b'{"pins": 3}', "download json")
    try:
        a.delete_files(fix.asset_id, ["cert.pdf"])
        check(False, "delete_files without its (dropped) body was accepted")
    except ValidationError:
        pass  # pyWATS drops the list of names; the server refuses rather than guess
    before = a.get_asset_by_serial(child_sn).total_count
    code = api.process.get_default_test_code()
    uut = api.report.create_uut_report(operator="op", part_number=f"PYW-AS-{suffix}",
                                       revision="A", serial_number=f"U-{suffix}",
                                       operation_type=code, station_name="AS-ST",
                                       location="Lab", purpose="Test")
    uut.add_asset(child_sn, 4)
    uut.get_root_sequence_call().status = "P"
    uut.result = "P"
    api.report.submit_report(uut)
    after = a.get_asset_by_serial(child_sn).total_count
    check(after == before + 4, f"a UUT naming {child_sn} (4 uses): {before} -> {after}")
    for bad in (lambda: a.set_asset_state(9, serial_number=sn),
                lambda: a.increment_count(serial_number=sn, amount=0),
                lambda: a.create_asset(serial_number=f"X-{suffix}",
                                       type_id="00000000-0000-0000-0000-000000000001")):
        try:
            bad()
            check(False, "bad input accepted")
        except ValidationError:
            pass
    check(a.delete_asset(serial_number=child_sn), "delete_asset")
    check(a.get_asset_by_serial(probe_sn).parent_asset_id == fix.asset_id,
          "the deleted asset's child did not move to its parent")
    try:
        a.get_asset_by_serial(child_sn)
        check(False, "a deleted asset was found")
    except NotFoundError:
        pass
    ok(f"files; UUT +4 ({before} -> {after}); ValidationError x4; deleted {child_sn}")
