"""Steps 55-59 of compat.py: pyWATS's root-cause service (``api.rootcause``): tickets created,
listed, commented, assigned, moved through their statuses and archived, each change in the
ticket's history. pyWATS's ``upload_attachment`` passes ``files=`` to a client that does not
accept it (``TypeError`` before sending, API notes §7.1), so the attachment is uploaded here
with plain HTTP as the contract says (multipart, field ``file``) and read back through pyWATS.
"""
from __future__ import annotations

import json
import urllib.request
import uuid

from pywats.domains.rootcause.enums import TicketPriority, TicketStatus, TicketView


def _upload(url: str, token: str, content: bytes, filename: str) -> str:
    boundary = f"compat-{uuid.uuid4().hex}"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{filename}\"\r\nContent-Type: text/plain\r\n\r\n").encode()
    body += content + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(url.rstrip("/") + "/api/RootCause/Attachment", data=body,
                                 method="POST")
    req.add_header("Authorization", f"Basic {token}")
    req.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def rootcause(api, url: str, token: str, uut, suffix: str, check, step, ok) -> None:
    rc = api.rootcause
    subject = f"PYW ticket {suffix}"

    # 55. Create ------------------------------------------------------------------------------
    step(55, "create a ticket: create_ticket(subject, priority, team, report_uuid, comment)")
    t = rc.create_ticket(subject, priority=TicketPriority.HIGH, team="ICT",
                         report_uuid=str(uut.id), initial_comment="U7 runs hot")
    check(t is not None and t.ticket_id and t.ticket_number and t.ticket_number >= 1,
          f"create_ticket: {t!r}")
    check(t.status == TicketStatus.OPEN and t.priority == TicketPriority.HIGH
          and t.team == "ICT" and str(t.report_uuid) == str(uut.id), f"fields {t!r}")
    check(t.owner and t.created_utc is not None, f"owner/created {t.owner!r}")
    comments = [h.content for h in t.history or [] if h.update_type == 0]
    check(comments == ["U7 runs hot"], f"history {t.history!r}")
    tid = t.ticket_id
    ok(f"ticket #{t.ticket_number} {tid}, owner {t.owner!r}")

    # 56. Read and list -----------------------------------------------------------------------
    step(56, "read and list: get_ticket(), get_tickets(status, view, search), get_open_tickets()")
    back = rc.get_ticket(tid)
    check(back is not None and back.subject == subject and back.ticket_number == t.ticket_number,
          f"get_ticket: {back!r}")
    found = rc.get_tickets(status=TicketStatus.OPEN, view=TicketView.ALL,
                           search_string=f"ticket {suffix}")
    check([x.ticket_id for x in found] == [tid], f"search: {found!r}")
    opened = rc.get_open_tickets(view=TicketView.ALL)
    check(any(x.ticket_id == tid for x in opened), "not among the open tickets")
    mine = rc.get_tickets(status=TicketStatus.OPEN, view=TicketView.ASSIGNED)
    check(all(x.ticket_id != tid for x in mine), "assigned to nobody yet, listed as mine")
    ok(f"found by search; {len(opened)} open")

    # 57. Assign, comment, status -------------------------------------------------------------
    step(57, "assign_ticket(), add_comment(), change_status(IN_PROGRESS)")
    a = rc.assign_ticket(tid, t.owner)
    check(a is not None and a.assignee == t.owner, f"assign_ticket: {a!r}")
    c = rc.add_comment(tid, "Reflowed U7")
    check(c is not None and c.history[-1].content == "Reflowed U7"
          and c.history[-1].update_type == 0, f"add_comment: {c.history[-1]!r}")
    s = rc.change_status(tid, TicketStatus.IN_PROGRESS)
    check(s is not None and s.status == TicketStatus.IN_PROGRESS, f"change_status: {s!r}")
    texts = [h.content for h in s.history]
    check(f"Assignee: (none) → {t.owner}" in texts and "Status: Open → In progress" in texts,
          f"history {texts}")
    active = rc.get_active_tickets(view=TicketView.ASSIGNED)
    check(any(x.ticket_id == tid for x in active), "not among my active tickets")
    ok(f"history: {texts}")

    # 58. Attachments -------------------------------------------------------------------------
    step(58, "attachments: upload (HTTP multipart), get_attachment(id, filename)")
    aid = _upload(url, token, b"thermal log\n", "log.txt")
    data = rc.get_attachment(aid, "log.txt")
    check(data == b"thermal log\n", f"get_attachment: {data!r}")
    ok(f"attachment {aid}: {len(data)} bytes back")

    # 59. Solve, archive ----------------------------------------------------------------------
    step(59, "change_status(SOLVED), archive_tickets(), and an archived ticket stays")
    rc.change_status(tid, TicketStatus.SOLVED)
    arch = rc.archive_tickets([tid])
    check(arch is not None and arch.status == TicketStatus.ARCHIVED, f"archive: {arch!r}")
    refused = None
    try:
        rc.change_status(tid, TicketStatus.OPEN)
    except Exception as e:  # pyWATS raises its typed 400 error
        refused = str(e)
    check(refused is not None and "archived" in refused, f"reopened an archived ticket: {refused}")
    final = rc.get_ticket(tid)
    check(final.status == TicketStatus.ARCHIVED
          and final.history[-1].content == "Status: Solved → Archived", f"final {final!r}")
    ok(f"archived; a change refused: {refused[:80]}")
