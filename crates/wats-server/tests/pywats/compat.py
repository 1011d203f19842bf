#!/usr/bin/env python3
"""Drive a WATS server with the unmodified pyWATS client (pip ``pywats-api==0.6.0rc1``).

Uses only pyWATS's public sync API (``from pywats import pyWATS``) and its own report
factories, the way a pyWATS user would:

 1. server version                     api.get_version()
 2. processes                          api.process.get_processes(), get_process_by_code()
 3. build a UUT with nested sequences  api.report.create_uut_report(), add_sequence_call(),
    and numeric / pass-fail / string     add_numeric_step(), add_boolean_step(),
    steps                                add_string_step(), add_misc_info(), add_sub_unit()
 4. submit it                          api.report.submit_report()
 5. fetch it back by id                api.report.get_report()
 6. query headers                      api.report.get_headers_by_serial(),
                                         get_headers_by_part_number(), query_uut_headers(),
                                         get_headers_by_date_range(),
                                         query_headers_with_subunits(),
                                         query_headers_by_subunit_serial(),
                                         query_headers_by_misc_info()
 7. create and submit a UUR            api.report.create_uur_report(uut), add_failure(),
    referencing the UUT                  submit_report()
 8. fetch the UUR back, query it       api.report.get_report(), query_uur_headers()
 9. attachments, certificate, WSXF     get_all_attachments(), get_certificate(),
                                         get_report_xml(), submit_report_xml()
10. errors                             NotFoundError, ValueError (rejected submit),
                                         AuthenticationError (wrong token)

Usage: compat.py --url http://127.0.0.1:PORT --token BASE64(user:password)
(or PYWATS_SERVER_URL / PYWATS_API_TOKEN). Prints each step; exits 1 with a clear
message on the first failure.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import traceback
import uuid
import zipfile
from datetime import datetime, timedelta, timezone

from pywats import AuthenticationError, NotFoundError, Station, pyWATS
from pywats import __version__ as PYWATS_VERSION
from pywats.domains.report import ReportType
from pywats.domains.report.report_models import Attachment, CompOp, UURReport, UUTReport

ATTACHMENT = b"scope capture\n3.31 V, ripple 12 mV\n"


class CheckFailed(Exception):
    pass


def check(cond: bool, message: str) -> None:
    if not cond:
        raise CheckFailed(message)


def step(n: int, text: str) -> None:
    print(f"[{n}] {text}", flush=True)


def ok(text: str) -> None:
    print(f"    ok: {text}", flush=True)


def count_steps(seq) -> int:
    """Steps below a sequence call, at every depth (the sequence calls included)."""
    total = 0
    for child in getattr(seq, "steps", None) or []:
        total += 1
        total += count_steps(child)
    return total


def find_step(seq, name: str):
    for child in getattr(seq, "steps", None) or []:
        if getattr(child, "name", None) == name:
            return child
        found = find_step(child, name)
        if found is not None:
            return found
    return None


def status_code(value) -> str:
    """A step/report status as its one-letter WSJF code ("P", "F", ...)."""
    return getattr(value, "value", value)


def run(url: str, token: str) -> None:
    print(f"pyWATS {PYWATS_VERSION} -> {url}", flush=True)
    station = Station(name="PYWATS-COMPAT", location="Compat lab", purpose="Development")
    # No GET cache: pyWATS invalidates it by a case-sensitive path match, so POST
    # /api/Report/WSJF would not evict GET /api/Report/Wsjf/{id} and step 8 would read a
    # stale UUT.
    api = pyWATS(base_url=url, token=token, station=station, timeout=30, enable_cache=False)
    suffix = uuid.uuid4().hex[:10].upper()
    pn = f"PYW-PN-{suffix}"
    sn = f"PYW-SN-{suffix}"

    # 1. Version -------------------------------------------------------------------------
    step(1, "server version: api.get_version()")
    version = api.get_version()
    check(isinstance(version, str) and version.strip() != "",
          f"get_version() returned {version!r}, expected a non-empty string")
    check(api.test_connection(), "test_connection() returned False")
    ok(f"version {version!r}")

    # 2. Processes -----------------------------------------------------------------------
    step(2, "processes: api.process.get_processes()")
    processes = api.process.get_processes()
    check(len(processes) > 0, "get_processes() returned no processes")
    codes = {p.code for p in processes}
    check(all(isinstance(c, int) for c in codes), f"process codes are not ints: {codes}")
    test_ops = [p for p in processes if p.is_test_operation]
    repair_ops = [p for p in processes if p.is_repair_operation]
    check(test_ops, "no test operation among the processes")
    check(repair_ops, "no repair operation among the processes")
    test_code = api.process.get_default_test_code()
    repair_code = api.process.get_default_repair_code()
    check(test_code in codes, f"default test code {test_code} is not a listed process")
    check(repair_code in codes, f"default repair code {repair_code} is not a listed process")
    proc = api.process.get_process_by_code(test_code)
    check(proc is not None and proc.name, f"get_process_by_code({test_code}) returned {proc!r}")
    filtered = api.process.get_processes_filtered(
        include_test_operations=False, include_repair_operations=True,
        include_wip_operations=False)
    check(filtered and all(p.is_repair_operation for p in filtered),
          f"get_processes_filtered(repair only) returned {filtered!r}")
    ok(f"{len(processes)} processes; test {test_code} ({proc.name}), repair {repair_code}")

    # 3. Build a UUT ---------------------------------------------------------------------
    step(3, "build a UUT with nested sequences: api.report.create_uut_report() + step factories")
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=5)
    uut: UUTReport = api.report.create_uut_report(
        operator="compat-operator", part_number=pn, revision="B", serial_number=sn,
        operation_type=test_code, station_name=station.name, location=station.location,
        purpose=station.purpose, start_time=start)
    uut.add_misc_info("Firmware", f"fw-{suffix}")
    uut.add_sub_unit("PCBA", f"SUB-SN-{suffix}", "SUB-PN-1", "A")
    root = uut.get_root_sequence_call()
    power = root.add_sequence_call("Power")
    power.add_numeric_step(name="VCC", value=5.02, unit="V", comp_op=CompOp.GELE,
                           low_limit=4.75, high_limit=5.25, status="P")
    power.add_numeric_step(name="Current", value=0.251, unit="A", comp_op=CompOp.LOG,
                           status="P")
    rails = power.add_sequence_call("Rails")
    rails.add_numeric_step(name="3V3", value=3.31, unit="V", comp_op=CompOp.GELE,
                           low_limit=3.2, high_limit=3.4, status="P")
    stable = rails.add_boolean_step(name="Rails stable", status="P")
    stable.add_attachment(Attachment.from_bytes(
        name="scope.txt", content=ATTACHMENT, content_type="text/plain"))
    funct = root.add_sequence_call("Functional", status="F")
    funct.add_string_step(name="Firmware version", value=f"fw-{suffix}", comp_op=CompOp.EQ,
                          limit=f"fw-{suffix}", status="P")
    funct.add_boolean_step(name="Self test", status="P")
    deep = funct.add_sequence_call("Radio", status="F")
    deep.add_numeric_step(name="TX power", value=11.5, unit="dBm", comp_op=CompOp.GE,
                          low_limit=12.0, status="F")
    root.status = "F"
    uut.result = "F"
    built_steps = count_steps(root)
    check(built_steps == 11, f"built {built_steps} steps, expected 11")
    ok(f"UUT {uut.id} pn={pn} sn={sn}: {built_steps} steps in 3 levels of sequences")

    # 4. Submit --------------------------------------------------------------------------
    step(4, "submit the UUT: api.report.submit_report()")
    uut_id = api.report.submit_report(uut)
    check(uut_id is not None, "submit_report() returned None")
    check(str(uut_id).lower() == str(uut.id).lower(),
          f"submit_report() returned {uut_id!r}, expected the report id {uut.id}")
    ok(f"submitted, id {uut_id}")

    # 5. Fetch back ----------------------------------------------------------------------
    step(5, "fetch the UUT back: api.report.get_report(id)")
    back = api.report.get_report(str(uut.id))
    check(isinstance(back, UUTReport), f"get_report() returned {type(back).__name__}, not UUTReport")
    check(str(back.id) == str(uut.id), f"id {back.id} != {uut.id}")
    check(back.sn == sn, f"sn {back.sn!r} != {sn!r}")
    check(back.pn == pn, f"pn {back.pn!r} != {pn!r}")
    check(back.rev == "B", f"rev {back.rev!r} != 'B'")
    check(back.process_code == test_code, f"processCode {back.process_code} != {test_code}")
    check(status_code(back.result) == "F", f"result {back.result!r} != 'F'")
    back_root = back.get_root_sequence_call()
    back_steps = count_steps(back_root)
    check(back_steps == built_steps, f"{back_steps} steps came back, {built_steps} were sent")
    vcc = find_step(back_root, "VCC")
    check(vcc is not None, "step 'VCC' missing after the round trip")
    check(abs(float(vcc.measurement.value) - 5.02) < 1e-9,
          f"VCC value {vcc.measurement.value!r} != 5.02")
    tx = find_step(back_root, "TX power")
    check(tx is not None and status_code(tx.status) == "F", f"'TX power' came back as {tx!r}")
    fw = find_step(back_root, "Firmware version")
    check(fw is not None and fw.measurement.value == f"fw-{suffix}",
          f"'Firmware version' came back as {fw!r}")
    check(back.info is not None and back.info.operator == "compat-operator",
          f"operator {getattr(back.info, 'operator', None)!r} != 'compat-operator'")
    check(any(m.description == "Firmware" for m in back.misc_infos or []),
          f"misc info 'Firmware' missing: {back.misc_infos!r}")
    check(any(s.sn == f"SUB-SN-{suffix}" for s in back.sub_units or []),
          f"sub unit missing: {back.sub_units!r}")
    ok(f"sn/pn/rev/process/result match; {back_steps} steps; measurements, misc info, "
       "sub unit intact")

    # 6. Query headers -------------------------------------------------------------------
    step(6, "query headers: get_headers_by_serial / _by_part_number, query_uut_headers, "
            "query_headers_by_misc_info")
    by_sn = api.report.get_headers_by_serial(sn)
    check(len(by_sn) == 1, f"get_headers_by_serial({sn!r}) returned {len(by_sn)} headers")
    h = by_sn[0]
    check(str(h.uuid) == str(uut.id), f"header uuid {h.uuid} != {uut.id}")
    check(h.serial_number == sn and h.part_number == pn,
          f"header sn/pn {h.serial_number!r}/{h.part_number!r}")
    check(h.process_code == test_code, f"header processCode {h.process_code} != {test_code}")
    check(h.report_type in (None, "T"), f"header reportType {h.report_type!r}")
    check(h.start_utc is not None, "header startUtc is missing")
    by_pn = api.report.get_headers_by_part_number(pn)
    check([str(x.uuid) for x in by_pn] == [str(uut.id)],
          f"get_headers_by_part_number({pn!r}) returned {[str(x.uuid) for x in by_pn]}")
    filt = api.report.query_uut_headers(
        odata_filter=f"partNumber eq '{pn}' and result eq 'Failed'", top=5,
        orderby="start desc")
    check(len(filt) == 1, f"query_uut_headers(partNumber and result) returned {len(filt)}")
    # The "uut" spelling: pyWATS 0.6.0rc1's is_uut_report_type() compares
    # ReportType.UUT ("U", a str enum) with "uut", so passing the enum (or the default)
    # expands and filters uurSubUnits on a test-report query.
    expanded = api.report.query_headers_with_subunits(
        "uut", odata_filter=f"serialNumber eq '{sn}'")
    check(len(expanded) == 1 and expanded[0].sub_units
          and expanded[0].sub_units[0].serial_number == f"SUB-SN-{suffix}",
          f"query_headers_with_subunits returned {expanded!r}")
    by_sub = api.report.query_headers_by_subunit_serial(f"SUB-SN-{suffix}", "uut")
    check([str(x.uuid) for x in by_sub] == [str(uut.id)],
          f"query_headers_by_subunit_serial returned {[str(x.uuid) for x in by_sub]}")
    by_misc = api.report.query_headers_by_misc_info("Firmware", f"fw-{suffix}")
    check([str(x.uuid) for x in by_misc] == [str(uut.id)],
          f"query_headers_by_misc_info returned {[str(x.uuid) for x in by_misc]}")
    # UTC datetimes: pyWATS writes them with a literal "Z" whatever their zone (so its
    # get_recent_headers/get_todays_headers, built from naive local time, are off by the
    # machine's UTC offset).
    now = datetime.now(timezone.utc)
    in_range = api.report.get_headers_by_date_range(now - timedelta(hours=1),
                                                    now + timedelta(minutes=1))
    check(any(str(x.uuid) == str(uut.id) for x in in_range),
          "get_headers_by_date_range(last hour) does not include the UUT")
    before = api.report.get_headers_by_date_range(now - timedelta(days=2),
                                                  now - timedelta(days=1))
    check(all(str(x.uuid) != str(uut.id) for x in before),
          "get_headers_by_date_range(yesterday) includes the UUT")
    ok("by serial, part number, OData filter, sub unit, misc info, date range")

    # 7. UUR -----------------------------------------------------------------------------
    step(7, "create and submit a UUR referencing the UUT: api.report.create_uur_report(uut)")
    uur: UURReport = api.report.create_uur_report(
        back, repair_process_code=repair_code, operator="compat-repairer",
        comment="replaced the PA")
    check(str(uur.uut_guid) == str(uut.id), f"UUR refUUT {uur.uut_guid} != {uut.id}")
    uur.add_failure(category="Component", code="Defect Component", comment="PA dead",
                    component_ref="U7")
    uur.add_misc_info("Repair ticket", f"RT-{suffix}")
    uur_id = api.report.submit_report(uur)
    check(uur_id is not None and str(uur_id).lower() == str(uur.id).lower(),
          f"submit_report(uur) returned {uur_id!r}, expected {uur.id}")
    ok(f"UUR {uur.id} submitted (repair {repair_code}, tested in {test_code})")

    # 8. UUR back ------------------------------------------------------------------------
    step(8, "fetch the UUR back and query repair headers")
    uur_back = api.report.get_report(str(uur.id))
    check(isinstance(uur_back, UURReport),
          f"get_report(uur) returned {type(uur_back).__name__}, not UURReport")
    check(uur_back.sn == sn and uur_back.pn == pn,
          f"UUR sn/pn {uur_back.sn!r}/{uur_back.pn!r}")
    check(uur_back.process_code == repair_code,
          f"UUR processCode {uur_back.process_code} != {repair_code}")
    check(str(uur_back.uut_guid) == str(uut.id), f"UUR refUUT {uur_back.uut_guid} != {uut.id}")
    check(uur_back.operator == "compat-repairer", f"UUR operator {uur_back.operator!r}")
    check(uur_back.test_operation_code == test_code,
          f"UUR test operation {uur_back.test_operation_code} != {test_code}")
    fails = uur_back.all_failures
    check(len(fails) == 1 and fails[0].code == "Defect Component",
          f"UUR failures came back as {fails!r}")
    uur_headers = api.report.get_headers_by_serial(sn, report_type=ReportType.UUR)
    check([str(x.uuid) for x in uur_headers] == [str(uur.id)],
          f"UUR headers by serial: {[str(x.uuid) for x in uur_headers]}")
    check(uur_headers[0].report_type in (None, "R"),
          f"UUR header reportType {uur_headers[0].report_type!r}")
    uur_q = api.report.query_uur_headers(odata_filter=f"partNumber eq '{pn}'", top=10)
    check(len(uur_q) == 1, f"query_uur_headers returned {len(uur_q)}")
    # The UUT now knows the repair that references it.
    uut_again = api.report.get_report(str(uut.id))
    refs = uut_again.info.referenced_by_uurs if uut_again.info else None
    check(refs and str(refs[0].id) == str(uur.id),
          f"UUT referencedByUURs {refs!r}, expected the UUR {uur.id}")
    ok("UUR read back with its failure and reference; UUR headers found; "
       "UUT lists the UUR")

    # 9. Attachments, certificate, WSXF ------------------------------------------------
    step(9, "attachments zip, certificate, WSXF: get_all_attachments, get_certificate, "
            "get_report_xml, submit_report_xml")
    archive = api.report.get_all_attachments(str(uut.id))
    check(isinstance(archive, bytes) and archive[:2] == b"PK",
          f"get_all_attachments() returned {archive[:40]!r}, expected a zip archive")
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        contents = [z.read(n) for n in z.namelist()]
    check(contents == [ATTACHMENT], f"zip holds {contents!r}, expected the step attachment")
    cert = api.report.get_certificate(str(uut.id))
    check(isinstance(cert, bytes) and sn.encode() in cert,
          f"get_certificate() returned {cert[:80]!r}")
    xml = api.report.get_report_xml(str(uut.id))
    check(isinstance(xml, bytes) and sn.encode() in xml and b"TX power" in xml,
          f"get_report_xml() returned {xml[:80]!r}")
    # Resubmitting the WSXF replaces the report (same id). pyWATS's submit_report_xml reads
    # "id" from the answer while WATS answers InsertReportResult {"ID", "uuid",
    # "Report_ID"}, so it returns None against WATS too: check the stored report instead.
    xml_id = api.report.submit_report_xml(xml.decode("utf-8"))
    check(xml_id is None or str(xml_id).lower() == str(uut.id).lower(),
          f"submit_report_xml() returned {xml_id!r}")
    again = api.report.get_report(str(uut.id))
    check(again is not None and again.sn == sn and count_steps(again.get_root_sequence_call())
          == built_steps, "the report read back after the WSXF resubmit differs")
    ok(f"zip with the attachment, {len(cert)}-byte certificate, {len(xml)}-byte WSXF "
       "fetched and resubmitted")

    # 10. Errors -------------------------------------------------------------------------
    step(10, "errors: unknown report, rejected report, wrong token")
    try:
        missing = api.report.get_report(str(uuid.uuid4()))
    except NotFoundError:
        missing = None
    check(missing is None, f"get_report(unknown id) returned {missing!r}")
    try:
        api.report.submit_report({"type": "T", "id": str(uuid.uuid4()), "pn": pn})
        check(False, "submit_report(incomplete report) was accepted")
    except ValueError as e:  # pyWATS raises ValueError with the server's message
        check("400" in str(e) and "failed (400): Report submission failed" not in str(e),
              f"rejected submit raised {e!r}, expected the server's 400 message")
        rejected = str(e)
    bad = pyWATS(base_url=url, token="bm9ib2R5Om5vcGU=", station=station,
                 enable_cache=False)
    try:
        bad.get_version()
        check(False, "a wrong token was accepted")
    except AuthenticationError:
        pass
    check(not bad.test_connection(), "test_connection() with a wrong token returned True")
    bad.close()
    ok(f"NotFoundError; {rejected!r}; AuthenticationError")

    api.close()
    print("PASS: pyWATS drove the server through every step", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--url", default=os.environ.get("PYWATS_SERVER_URL"))
    ap.add_argument("--token", default=os.environ.get("PYWATS_API_TOKEN"))
    args = ap.parse_args()
    if not args.url or not args.token:
        ap.error("give --url and --token (or PYWATS_SERVER_URL / PYWATS_API_TOKEN)")
    try:
        run(args.url, args.token)
    except CheckFailed as e:
        print(f"FAIL: {e}", file=sys.stderr, flush=True)
        return 1
    except Exception as e:  # pyWATS raised: show where
        traceback.print_exc()
        print(f"FAIL: pyWATS raised {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
