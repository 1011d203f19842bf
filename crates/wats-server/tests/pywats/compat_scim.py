"""Steps 50-54 of compat.py: pyWATS's SCIM service (``api.scim``), the calls that work in
pyWATS 0.6.0rc1. Its ``create_user`` and ``update_user`` (and so ``deactivate_user``,
``set_user_active``, ``update_display_name``) pass ``json=`` to a client that does not accept
it and raise ``TypeError`` before sending anything (API notes §7.1), so users are created and
patched here with plain HTTP, as the server contract says, and read back through pyWATS.
The sync ``iter_users`` returns the async service's generator unawaited (``TypeError:
'async_generator' object is not iterable``), so pages are walked with ``get_users``.
"""
from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

from pywats import NotFoundError, pyWATS


def _http(url: str, token: str, method: str, path: str, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url.rstrip("/") + path, data=data, method=method)
    req.add_header("Authorization", f"Basic {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        text = r.read()
        return json.loads(text) if text else None


def _absent(call) -> bool:
    """True when pyWATS answers "no such user" (None, or NotFoundError)."""
    try:
        return call() is None
    except NotFoundError:
        return True


def _all_names(sc, size: int) -> list:
    """Every user name, a page of `size` at a time (1-based startIndex)."""
    names = []
    while True:
        page = sc.get_users(start_index=len(names) + 1, count=size)
        names += [u.user_name for u in page.resources]
        if len(page.resources) < size or len(names) >= page.total_results:
            return names


def scim(api, url: str, token: str, suffix: str, check, step, ok) -> None:
    sc = api.scim

    # 50. Token -------------------------------------------------------------------------------
    step(50, "SCIM token: api.scim.get_token(duration_days=30), then sign in with it")
    t = sc.get_token(duration_days=30)
    check(t is not None and t.token and t.duration_days == 30, f"get_token: {t!r}")
    expires = t.expires_utc
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=timezone.utc)
    left = expires - datetime.now(timezone.utc)
    check(timedelta(days=29, hours=23) < left <= timedelta(days=30), f"expires in {left}")
    user = (t.model_extra or {}).get("userName")
    check(bool(user), f"token names its user: {t.model_extra!r}")
    minted = base64.b64encode(f"{user}:{t.token}".encode()).decode()
    other = pyWATS(base_url=url, token=minted, timeout=30, enable_cache=False)
    version = other.get_version()
    other.close()
    check(bool(version), "the minted token signs in")
    ok(f"token for {user!r}, expires {expires:%Y-%m-%d}, signs in ({version})")

    # 51. Users and pages ---------------------------------------------------------------------
    step(51, "users: get_users(start_index, count), page by page")
    names = [f"pyw-{suffix}-{n}" for n in range(3)]
    ids = {}
    for n, name in enumerate(names):
        made = _http(url, token, "POST", "/api/SCIM/v2/Users", {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": name, "displayName": f"PyWATS user {n}", "active": True,
            "name": {"givenName": "Py", "familyName": f"User{n}"},
            "emails": [{"value": f"{name}@example.com", "type": "work", "primary": True}],
            "roles": [{"value": ["station", "operator", "engineer"][n], "primary": True}],
        })
        ids[name] = made["id"]
    page = sc.get_users(start_index=1, count=2)
    check(page is not None and page.start_index == 1 and len(page.resources) == 2,
          f"first page {page!r}")
    total = page.total_results
    check(total >= 4, f"totalResults {total}")
    listed = _all_names(sc, 2)
    check(len(listed) == total and all(n in listed for n in names),
          f"pages: {listed}")
    ok(f"{total} users, pages of 2, {names} among them")

    # 52. One user ----------------------------------------------------------------------------
    step(52, "one user: get_user(id), get_user_by_username(name)")
    first = names[0]
    u = sc.get_user(ids[first])
    check(u is not None and u.user_name == first and u.display_name == "PyWATS user 0"
          and u.active is True, f"get_user: {u!r}")
    check(u.name.given_name == "Py" and u.name.family_name == "User0", f"name {u.name!r}")
    check(u.emails[0].value == f"{first}@example.com", f"emails {u.emails!r}")
    check((u.model_extra or {}).get("roles", [{}])[0].get("value") == "station",
          f"roles {u.model_extra!r}")
    same = sc.get_user_by_username(names[2])
    check(same is not None and same.id == ids[names[2]], f"get_user_by_username: {same!r}")
    ok(f"{first}: {u.display_name}, {u.emails[0].value}, station")

    # 53. Changes (PATCH sent as the contract says) read back through pyWATS ------------------
    step(53, "changes: PATCH active/displayName (HTTP), read back with get_user()")
    _http(url, token, "PATCH", f"/api/SCIM/v2/Users/{ids[first]}", {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False},
                       {"op": "replace", "path": "displayName", "value": "Renamed"}]})
    u = sc.get_user(ids[first])
    check(u.active is False and u.display_name == "Renamed", f"after PATCH: {u!r}")
    check(_absent(lambda: sc.get_user_by_username(f"nobody-{suffix}")), "unknown name")
    ok("deactivated and renamed; an unknown name is absent")

    # 54. Delete ------------------------------------------------------------------------------
    step(54, "delete: delete_user(id)")
    for name in names:
        sc.delete_user(ids[name])
    check(_absent(lambda: sc.get_user(ids[first])), "deleted user still there")
    left_names = _all_names(sc, 100)
    check(not any(n in left_names for n in names), f"left: {left_names}")
    ok(f"{len(names)} users deleted")
