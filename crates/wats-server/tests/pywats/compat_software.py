"""Steps 45-49 of compat.py: pyWATS's software service (``api.software``), values checked.

Package PYW-SW-<suffix>: two versions; the release flow with its illegal moves refused; a
zip uploaded, merged and replaced; files checked by SHA-256 (hashlib); folders, virtual
folders, history and the download log.

pyWATS 0.6.0rc1's own ``get_revoked_packages`` and ``get_available_packages`` cannot be
called (the repository defines each twice and the later definition drops an argument), so
they are not driven here; tests/software.rs covers those endpoints.
"""
from __future__ import annotations

import hashlib
import io
import zipfile

from pywats import NotFoundError, ValidationError
from pywats.domains.software import PackageStatus
from pywats.domains.software.models import PackageTag


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def software(api, suffix: str, check, step, ok) -> None:
    sw = api.software
    name = f"PYW-SW-{suffix}"

    # 45. Packages ----------------------------------------------------------------------
    step(45, "packages: create (Draft, versions), update, lookups")
    p1 = sw.create_package(name, description="v1", root_directory="ict",
                           tags=[PackageTag(key="Line", value=suffix)])
    check(p1 is not None and p1.package_id, f"create_package returned {p1!r}")
    check(p1.version == 1 and p1.status == PackageStatus.DRAFT, f"new package {p1!r}")
    p2 = sw.create_package(name, description="v2")
    check(p2.version == 2, f"second version {p2.version}")
    p1.description = "first"
    upd = sw.update_package(p1)
    check(upd.description == "first" and upd.status == PackageStatus.DRAFT, f"update {upd!r}")
    check(sw.get_package(p1.package_id).description == "first", "get_package")
    check(sw.get_package_by_name(name).version == 2, "get_package_by_name: the newest")
    check(sw.get_package_by_name(name, version=1).package_id == p1.package_id,
          "get_package_by_name(version=1)")
    tagged = sw.get_packages_by_tag("Line", suffix)
    check([t.package_id for t in tagged] == [p1.package_id], f"by tag {tagged!r}")
    check(any(p.package_id == p2.package_id for p in sw.get_packages()), "get_packages")
    ok(f"{name} v1 {p1.package_id}, v2 {p2.package_id}")

    # 46. Zip, files, attributes --------------------------------------------------------
    step(46, "zip upload (merge, cleanInstall), files by SHA-256, attributes, hostile zip")
    a, b = b"print('ict')\n", b"limits: 5V\n"
    check(sw.upload_zip(p1.package_id, _zip({"ict/main.py": a, "ict/cfg/limits.yaml": b})),
          "upload_zip")
    files = {f.path: f for f in sw.get_package_files(p1.package_id)}
    check(set(files) == {"ict/main.py", "ict/cfg/limits.yaml"}, f"files {sorted(files)}")
    check(files["ict/main.py"].checksum == _sha(a) and files["ict/main.py"].size == len(a),
          f"checksum/size {files['ict/main.py']!r}")
    check(files["ict/main.py"].filename == "main.py", "filename")
    fid = files["ict/main.py"].file_id
    check(sw.update_file_attribute(fid, "TopLevelFile"), "update_file_attribute")
    check(sw.get_file(fid)["attributes"] == "TopLevelFile", f"attributes {sw.get_file(fid)!r}")
    check(sw.upload_zip(p1.package_id, _zip({"ict/extra.txt": b"x"})), "merge upload")
    check(len(sw.get_package_files(p1.package_id)) == 3, "merge keeps the other files")
    check(sw.upload_zip(p1.package_id, _zip({"ict/main.py": a}), clean_install=True),
          "cleanInstall upload")
    files = sw.get_package_files(p1.package_id)
    check([f.path for f in files] == ["ict/main.py"], f"after cleanInstall {files!r}")
    try:
        sw.upload_zip(p1.package_id, _zip({"ict/../../evil.txt": b"x"}), clean_install=True)
        check(False, "a zip with ../ was accepted")
    except ValidationError:
        pass
    check([f.path for f in sw.get_package_files(p1.package_id)] == ["ict/main.py"],
          "a refused zip changed the package")
    ok(f"sha256 {_sha(a)[:12]}…; merge 3 files, cleanInstall 1; '../' refused, nothing written")

    # 47. Release flow ------------------------------------------------------------------
    step(47, "Draft -> Pending -> Released -> Revoked, illegal moves refused")
    pid = p1.package_id
    for illegal in (sw.release_package, sw.revoke_package, sw.return_to_draft):
        try:
            illegal(pid)
            check(False, f"{illegal.__name__} on a Draft package was accepted")
        except ValidationError as e:
            check("Status can only go" in str(e), f"message {e}")
    check(sw.submit_for_review(pid), "submit_for_review")
    check(sw.return_to_draft(pid), "return_to_draft")
    check(sw.submit_for_review(pid) and sw.release_package(pid), "release_package")
    rel = sw.get_package(pid)
    check(rel.status == PackageStatus.RELEASED, f"status {rel.status}")
    check(sw.get_released_package(name).package_id == pid, "get_released_package")
    rel.description = "changed"
    try:
        sw.update_package(rel)
        check(False, "a Released package was updated")
    except ValidationError:
        pass
    try:
        sw.upload_zip(pid, _zip({"ict/x": b"x"}))
        check(False, "a Released package took a zip")
    except ValidationError:
        pass
    try:
        sw.delete_package(pid)
        check(False, "a Released package was deleted")
    except ValidationError:
        pass
    check(sw.get_package(pid).description == "first", "the Released package changed")
    ok("2 round trips; illegal moves, update, upload and delete of a Released package refused")

    # 48. Folders, virtual folders, internal calls --------------------------------------
    step(48, "package folders, virtual folders, file checks (internal API)")
    check(sw.is_connected(), "is_connected")
    d = p2.package_id
    sw.upload_zip(d, _zip({"app/a.txt": b"hello", "app/b.txt": b"world"}))
    chk = sw.check_file(d, "00000000-0000-0000-0000-000000000000", "app/a.txt",
                        _sha(b"hello"), 0)
    check(chk["exists"] and chk["checksumMatches"], f"check_file {chk!r}")
    folder = sw.create_package_folder(d, {"name": "cfg"})
    check(folder["path"] == "cfg", f"create_package_folder {folder!r}")
    folder = sw.update_package_folder({"packageFolderId": folder["packageFolderId"],
                                       "name": "config"})
    check(folder["path"] == "config", f"update_package_folder {folder!r}")
    details = sw.get_software_entity_details(d)
    paths = sorted(f["path"] for f in details["folders"])
    check(paths == ["app", "config"], f"folders {paths}")
    check(sw.delete_package_folder(folder["packageFolderId"]) is True, "delete_package_folder")
    b_id = next(f.file_id for f in sw.get_package_files(d) if f.path == "app/b.txt")
    check(sw.delete_package_folder_files([b_id]) is True, "delete_package_folder_files")
    check([f.path for f in sw.get_package_files(d)] == ["app/a.txt"], "after deletes")
    vf = sw.create_virtual_folder(f"Line-{suffix}", description="line folder")
    check(vf is not None and vf.folder_id, f"create_virtual_folder {vf!r}")
    check(any(v.folder_id == vf.folder_id and v.name == f"Line-{suffix}"
              for v in sw.get_virtual_folders()), "get_virtual_folders")
    ok("check_file, folders created/renamed/deleted, a file deleted, a virtual folder")

    # 49. History, download log, revoke, delete -----------------------------------------
    step(49, "history, download log, revoke, delete")
    hist = sw.get_package_history(f"Line={suffix}", status=2, all_versions=True)
    check([h.package_id for h in hist] == [pid], f"history {hist!r}")
    logged = sw.log_download(pid, 1234)
    check(logged["downloadSize"] == 1234 and logged["version"] == 1, f"log_download {logged!r}")
    downloads = sw.get_package_download_history(0)
    check(any(x["packageId"] == str(pid) and x["downloadSize"] == 1234 for x in downloads),
          "get_package_download_history(0) lacks the download")
    check(sw.revoke_package(pid), "revoke_package")
    check(sw.get_package(pid).status == PackageStatus.REVOKED, "revoked status")
    try:
        sw.release_package(pid)
        check(False, "a Revoked package was released again")
    except ValidationError:
        pass
    check(sw.delete_package(pid), "delete_package (revoked)")
    check(sw.delete_package_by_name(name), "delete_package_by_name")
    try:
        sw.get_package_by_name(name)
        check(False, "a deleted package was found")
    except NotFoundError:
        pass
    ok("history by tag and status; download logged; revoked, deleted")
