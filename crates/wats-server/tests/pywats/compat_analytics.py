"""Steps 18-23 of compat.py: pyWATS's analytics service (``api.analytics``) against a small
dataset whose numbers are worked out by hand below.

Part number PYW-AN-<suffix>, the default test operation, three units an hour ago:

    A1: run 1 passed  (V = 5.0)
    A2: run 1 failed  (V = 6.0), run 2 passed (V = 5.1)
    A3: run 1 failed  (V = 6.0)

Units 3; first pass 1, second pass 2 (A2), last pass 2; FPY 33.3 %, SPY = LPY 66.7 %.
Reports 4, 2 passed: TRY 50 %. V fails in 2 of 4 reports. Run 1 only (step analysis):
V 3 times, 2 failed, without failures one value (5.0). All V values: 5.0, 6.0, 5.1, 6.0.
Newest first (internal lists): A3 6.0, A2 5.1, A2 6.0, A1 5.0; V passed 2 of 4, last failed.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pywats.domains.report import WATSFilter
from pywats.domains.report.report_models import CompOp


def analytics(api, suffix: str, check, step, ok) -> None:
    pn = f"PYW-AN-{suffix}"
    code = api.process.get_default_test_code()
    op = api.process.get_process_by_code(code).name
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)

    # 18. Data ---------------------------------------------------------------------------
    step(18, "analytics data: 3 units, 4 runs (pyWATS report factories)")
    runs = [("A1", 0, True, 5.0), ("A2", 1, False, 6.0), ("A2", 2, True, 5.1),
            ("A3", 3, False, 6.0)]
    for unit, minute, passed, value in runs:
        uut = api.report.create_uut_report(
            operator="an-op", part_number=pn, revision="A", serial_number=f"{pn}-{unit}",
            operation_type=code, station_name="AN-ST", location="Lab", purpose="Test",
            start_time=start + timedelta(minutes=minute))
        root = uut.get_root_sequence_call()
        root.add_numeric_step(name="V", value=value, unit="V", comp_op=CompOp.GELE,
                              low_limit=4.5, high_limit=5.5, status="P" if passed else "F")
        root.status = "P" if passed else "F"
        uut.result = "P" if passed else "F"
        check(api.report.submit_report(uut) is not None, f"submit {unit} failed")
    ok(f"{len(runs)} reports for {pn}, operation {op!r}")

    # 19. Yield --------------------------------------------------------------------------
    step(19, "yield: get_dynamic_yield(), get_yield_summary(), get_worst_yield(), "
             "get_high_volume()")
    an = api.analytics
    rows = an.get_dynamic_yield(WATSFilter(part_number=pn, test_operation=op,
                                           dimensions="partNumber;testOperation"))
    check(len(rows) == 1, f"get_dynamic_yield: {rows!r}")
    y = rows[0]
    got = (y.part_number, y.test_operation, y.unit_count, y.fp_count, y.sp_count, y.lp_count)
    check(got == (pn, op, 3, 1, 2, 2), f"dynamic yield counts {got}")
    check(abs(y.fpy - 100 / 3) < 1e-9 and abs(y.lpy - 200 / 3) < 1e-9,
          f"fpy {y.fpy}, lpy {y.lpy}")
    extra = y.model_extra or {}
    check(extra.get("testReportCount") == 4 and extra.get("testYield") == 50.0
          and extra.get("retestCount") == 1, f"TRY fields {extra!r}")
    summary = an.get_yield_summary(pn, days=7)
    check(sum(r.unit_count for r in summary) == 3
          and sum(r.fp_count for r in summary) == 1, f"get_yield_summary: {summary!r}")
    worst = an.get_worst_yield(WATSFilter(part_number=pn))
    check([(r.part_number, r.unit_count) for r in worst] == [(pn, 3)],
          f"get_worst_yield: {worst!r}")
    high = an.get_high_volume(WATSFilter(part_number=f"{pn[:-3]}%"))
    check(any(r.part_number == pn and r.unit_count == 3 for r in high),
          f"get_high_volume (wildcard): {high!r}")
    ok(f"FPY {y.fpy:.1f} %, LPY {y.lpy:.1f} %, TRY 50 %; summary over "
       f"{len(summary)} period(s) sums to 3 units")

    # 20. Steps and measurements ---------------------------------------------------------
    step(20, "steps: get_top_failed() (POST, GET), get_volume_yield() (GET), "
             "get_test_step_analysis(), "
             "get_aggregated_measurements(), get_measurements()")
    top = an.get_top_failed(WATSFilter(part_number=pn))
    check(len(top) == 1 and top[0].step_name == "V" and top[0].fail_count == 2
          and top[0].total_count == 4 and top[0].fail_rate == 50.0,
          f"get_top_failed: {top!r}")
    path = top[0].step_path
    top_get = an.get_top_failed(part_number=pn, top_count=5)
    check([(t.step_path, t.fail_count) for t in top_get] == [(path, 2)],
          f"get_top_failed (GET): {top_get!r}")
    volume = an.get_volume_yield()
    check(any(r.part_number == pn and r.unit_count == 3 for r in volume),
          f"get_volume_yield (GET) lacks {pn}: {volume!r}")
    tsa = an.get_test_step_analysis(WATSFilter(part_number=pn, test_operation=op))
    v = [r for r in tsa if r.step_path == path]
    check(len(v) == 1, f"get_test_step_analysis has no {path!r}: {tsa!r}")
    v = v[0]
    check((v.step_count, v.step_failed_count, v.measure_count, v.measure_count_wof)
          == (3, 2, 3, 1), f"step analysis counts {v!r}")
    check(abs(v.avg - 17 / 3) < 1e-9 and v.avg_wof == 5.0 and v.limit1 == 4.5
          and v.limit2 == 5.5, f"step analysis values {v!r}")
    agg = an.get_aggregated_measurements(WATSFilter(part_number=pn, test_operation=op),
                                         measurement_paths=path)
    check(len(agg) == 1 and agg[0].count == 4 and abs(agg[0].avg - 5.525) < 1e-9
          and agg[0].min == 5.0 and agg[0].max == 6.0, f"aggregated: {agg!r}")
    meas = an.get_measurements(WATSFilter(part_number=pn, test_operation=op),
                               measurement_paths=path)
    check(sorted(m.value for m in meas) == [5.0, 5.1, 6.0, 6.0],
          f"get_measurements: {meas!r}")
    ok(f"top failed {path!r} 2/4; step analysis avg {v.avg:.3f} (wof {v.avg_wof}); "
       f"aggregated Cpk {agg[0].cpk:.3f}")

    # 21. Report lists -------------------------------------------------------------------
    step(21, "report lists: get_uut_reports() (POST and GET), get_uur_reports(), "
             "get_serial_number_history()")
    uuts = an.get_uut_reports(WATSFilter(part_number=pn))
    check(len(uuts) == 4 and {h.serial_number for h in uuts} == {f"{pn}-A1", f"{pn}-A2",
                                                                 f"{pn}-A3"},
          f"get_uut_reports: {uuts!r}")
    two = an.get_uut_reports(part_number=pn, top_count=2)
    check(len(two) == 2, f"get_uut_reports (GET, top 2): {two!r}")
    check(an.get_uur_reports(WATSFilter(part_number=pn)) == [], "UUR reports for a tested pn")
    hist = an.get_serial_number_history(WATSFilter(serial_number=f"{pn}-A2"))
    check(len(hist) == 2 and all(h.serial_number == f"{pn}-A2" for h in hist),
          f"get_serial_number_history: {hist!r}")
    ok("4 UUT headers (2 with top_count), no UUR, A2's history of 2 reports")

    # 22. Internal lists -----------------------------------------------------------------
    step(22, "internal lists: get_measurement_list(), get_step_status_list()")
    flt = {"partNumber": pn, "testOperation": op}
    lst = an.get_measurement_list(flt, "", "")
    got = [(m.serial_number, m.value, m.status) for m in lst]
    check(got == [(f"{pn}-A3", 6.0, "Failed"), (f"{pn}-A2", 5.1, "Passed"),
                  (f"{pn}-A2", 6.0, "Failed"), (f"{pn}-A1", 5.0, "Passed")],
          f"get_measurement_list: {got!r}")
    check(lst[0].step_path == path and lst[0].limit_low == 4.5 and lst[0].limit_high == 5.5,
          f"measurement list item {lst[0]!r}")
    st = an.get_step_status_list(flt, "", "")
    check(len(st) == 1 and (st[0].step_path, st[0].total_count, st[0].pass_count,
                            st[0].fail_count, st[0].status)
          == (path, 4, 2, 2, "Failed"), f"get_step_status_list: {st!r}")
    # An XML step filter cannot be applied here: the server refuses it (400), which
    # pyWATS's internal calls turn into an empty list, never a wider one.
    check(an.get_measurement_list(flt, "<StepFilter/>", "") == [],
          "an XML step filter must not widen the list")
    ok(f"{len(lst)} measurements newest first; {path!r} passed 2 of 4, last Failed")

    # 23. Alarm logs ---------------------------------------------------------------------
    step(23, "alarm logs: get_alarm_logs()")
    logs = an.get_alarm_logs(top_count=5, date_from=start - timedelta(days=1))
    check(logs == [], f"get_alarm_logs: no alarms are configured, got {logs!r}")
    ok("no alarms configured, none logged")
