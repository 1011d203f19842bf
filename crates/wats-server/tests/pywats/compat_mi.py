"""Steps 60-64 of compat.py: pyWATS's manual-inspection service (``api.manual_inspection``,
internal API): definitions and their life cycle, copies, relations and conflicts, sequences,
and the XAML / workflow content stored as given. ``get_mi_details``, ``validate_misc_info``
and ``put_string_test`` concern inspections being run, which wats-server does not run (not
served; see docs/sdk/manual_inspection.md).
"""
from __future__ import annotations


def mi(api, suffix: str, check, step, ok) -> None:
    m = api.manual_inspection
    name = f"PYW visual {suffix}"

    # 60. Definitions -------------------------------------------------------------------------
    step(60, "definitions: create_inspection(), get_inspection(), list_definitions(), "
             "update_definition()")
    d = m.create_inspection(name, description="Look at the board", on_fail_require_repair=2,
                            LogOperator=True)
    check(d is not None and d.test_sequence_definition_id and d.version == 1
          and d.status == 0 and d.on_fail_require_repair == 2 and d.log_operator is True,
          f"create_inspection: {d!r}")
    did = str(d.test_sequence_definition_id)
    g = m.create_definition(f"PYW global {suffix}", is_global=True)
    gid = str(g.test_sequence_definition_id)
    back = m.get_inspection(did)
    check(back.name == name and back.description == "Look at the board"
          and back.instances_count == 0, f"get_inspection: {back!r}")
    local = [x.name for x in m.list_definitions(is_global=False)]
    glob = [x.name for x in m.list_definitions(is_global=True)]
    check(name in local and name not in glob and g.name in glob, f"lists {local} / {glob}")
    u = m.update_definition(did, Description="Look closely")
    check(u.description == "Look closely" and u.name == name, f"update_definition: {u!r}")
    check(m.get_instances_count(did) == 0, "instances count")
    ok(f"{name} v{d.version} and a global one; updated")

    # 61. XAML --------------------------------------------------------------------------------
    step(61, "XAML: put_xaml(), get_xaml(), get_wwf_content()")
    xaml = '<Activity xmlns="http://schemas.microsoft.com/netfx/2009/xaml/activities"/>'
    m.put_xaml({"TestSequenceDefinitionId": did, "XAML": xaml})
    check(m.get_xaml(did) == xaml, f"get_xaml: {m.get_xaml(did)!r}")
    check(m.get_wwf_content(did) == xaml, "get_wwf_content")
    check(m.get_definition(did).xaml == xaml, "the definition carries its XAML")
    ok(f"{len(xaml)} characters kept as given")

    # 62. Relations ---------------------------------------------------------------------------
    step(62, "relations: create_relation(), list_relations(), get_relation_conflicts(), "
             "update_relation(), delete_relation()")
    pn = f"PYW-MI-{suffix}"
    r = m.create_relation(did, "Product", "PartNumber", entity_value=pn)
    check(r is not None and r.test_sequence_relation_id and r.entity_value == pn,
          f"create_relation: {r!r}")
    r2 = m.create_relation(gid, "Product", "PartNumber", entity_value=pn.lower())
    rels = m.list_relations(did)
    check([str(x.test_sequence_relation_id) for x in rels] == [str(r.test_sequence_relation_id)],
          f"list_relations: {rels!r}")
    conflicts = m.get_relation_conflicts(did)
    check(len(conflicts) == 1 and str(conflicts[0].test_sequence_definition_id) == gid,
          f"conflicts: {conflicts!r}")
    moved = m.update_relation({"TestSequenceRelationId": str(r2.test_sequence_relation_id),
                               "EntityValue": "OTHER"})
    check(moved.entity_value == "OTHER" and moved.entity_schema == "Product",
          f"update_relation: {moved!r}")
    check(m.get_relation_conflicts(did) == [], "conflict gone")
    m.delete_relation({"TestSequenceRelationId": str(r2.test_sequence_relation_id)})
    check(m.list_relations(gid) == [], "relation deleted")
    ok("one conflict found, then moved away and deleted")

    # 63. Life cycle --------------------------------------------------------------------------
    step(63, "life cycle: move_to_pending(), move_to_draft(), release_inspection(), "
             "copy_inspection(), revoke")
    p = m.move_to_pending(did)
    check(p.status == 1, f"pending: {p!r}")
    check(m.move_to_draft(did).status == 0, "back to draft")
    m.move_to_pending(did)
    rel = m.release_inspection(did)
    check(rel.status == 2 and rel.released is not None and rel.released_by, f"released {rel!r}")
    refused = None
    try:
        m.update_definition(did, Description="late")
    except Exception as e:  # pyWATS raises its typed 400 error
        refused = str(e)
    check(refused is not None and "Only a draft" in refused, f"edit of a released: {refused}")
    c = m.copy_inspection(did)
    check(c.status == 0 and c.version == 2 and c.name == name and c.xaml == xaml,
          f"copy: {c!r}")
    m.move_to_pending(str(c.test_sequence_definition_id))
    m.release_inspection(str(c.test_sequence_definition_id))
    check(m.get_definition(did).status == 3, "releasing v2 revokes v1")
    ok(f"v1 released then revoked by v2 (copy {c.test_sequence_definition_id})")

    # 64. Sequences ---------------------------------------------------------------------------
    step(64, "sequences: list_sequences(), update_sequence(), delete_sequence()")
    seqs = {str(s.test_sequence_definition_id): s for s in m.list_sequences()}
    check(did in seqs and seqs[did].status == 3 and seqs[did].version == 1, f"sequences {seqs}")
    m.update_sequence({"TestSequenceDefinitionId": gid, "Name": f"PYW global {suffix} b"})
    check(m.get_definition(gid).name == f"PYW global {suffix} b", "update_sequence")
    m.delete_sequence(gid)
    check(gid not in {str(s.test_sequence_definition_id) for s in m.list_sequences()},
          "delete_sequence")
    ok(f"{len(seqs)} sequences; one renamed and deleted")
