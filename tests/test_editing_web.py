"""Issue 13 against a running ``docmine web`` process, on SQLite and PostgreSQL:
accounts, CSRF, tokens, the sign-in rate limit, conflicts, hostile input, and
100 editors writing at once against one document.

The store is a small two-page CMS paper (reportlab, ingested and extracted
for real, statistical NER off); users are made with the ``docmine users``
command line, the server is a real subprocess (tests/web_helpers.py).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
import sqlalchemy as sa

from conftest import drop_pg_schema, new_pg_url, pg_problem
from docmine import accounts
from docmine.ingest import ingest_paths
from docmine.settings import Settings
from docmine.store import db
from docmine.store.schema import Correction, Document
from docmine.store.write import extract_and_store
from test_carry_corrections import V1, render
from web_helpers import start_server, stop_server

N_EDITORS = 100


def _cli(url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from docmine.cli import main; main()", *args,
                           "--database", url], input=stdin, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    """{url, base, tokens, doc_id, sha}: a store, users and a running server."""
    tmp = tmp_path_factory.mktemp(f"editing-{request.param}")
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'docmine.db'}"
    else:
        problem = pg_problem()
        if problem:
            if os.environ.get("DOCMINE_REQUIRE_POSTGRES") == "1":
                pytest.fail(f"PostgreSQL required but unreachable: {problem}")
            pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432 ({problem})")
        url, schema = new_pg_url()
    settings = Settings(data_dir=tmp / "data", database_url=url, use_ner=False)
    pdf = render(tmp / "paper.pdf", V1)
    assert ingest_paths([pdf], settings=settings, progress=False).exit_code == 0
    # accounts through the command line (password on stdin)
    for name, role in (("vic", "viewer"), ("ada", "admin")):
        r = _cli(url, "users", "add", name, "--role", role, stdin=f"pw-{name}-secret\n")
        assert r.returncode == 0, r.stderr
    listed = _cli(url, "users", "list", "--format", "csv")
    assert listed.stdout.splitlines()[0] == "name,role,disabled,created_at,tokens"
    assert "vic,viewer,False" in listed.stdout
    factory = db.make_session_factory(url)
    with factory() as s:
        for name in ("ed", "eve"):
            accounts.add_user(name, f"pw-{name}-secret", role="editor", session=s)
        tokens = {n: accounts.create_token(n, session=s) for n in ("ed", "eve", "vic", "ada")}
        doc = s.scalar(sa.select(Document))
        extract_and_store(doc.id, session=s, settings=settings)
        unused = accounts._hasher.hash("the hundred sign in with tokens only")
        for i in range(N_EDITORS):  # (one argon2 hash for all: hashing is slow by design)
            s.add(accounts.User(name=f"editor{i:03d}", role="editor", disabled=False,
                                password_hash=unused))
        s.commit()
        for i in range(N_EDITORS):
            tokens[f"editor{i:03d}"] = accounts.create_token(f"editor{i:03d}", session=s)
        doc_id, sha = doc.id, doc.sha256
    proc, base = start_server(url, settings.data_dir)
    try:
        yield {"url": url, "base": base, "tokens": tokens, "doc_id": doc_id, "sha": sha,
               "factory": factory, "data": settings.data_dir}
    finally:
        stop_server(proc)
        db.dispose_engines()
        if schema:
            drop_pg_schema(schema)


def _auth(tok: str) -> dict:
    return {"Authorization": f"Bearer {tok}"}


def _ledger(server) -> int:
    with server["factory"]() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(Correction))


def _targets(server) -> dict:
    return httpx.get(f"{server['base']}/api/targets", params={"document": server["doc_id"]}).json()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@contextmanager
def _login(server, name: str, password: str):
    with httpx.Client(base_url=server["base"], timeout=30) as c:
        tok = _csrf(c.get("/login").text)
        r = c.post("/login", data={"name": name, "password": password, "csrf_token": tok})
        assert r.status_code == 303, r.text
        yield c


def test_anonymous_and_viewer_writes_are_refused(server):
    base = server["base"]
    m = _targets(server)["mentions"][0]
    change = {"op": "delete", "target": m["target"], "base_revision": m["revision"]}
    before = _ledger(server)
    r = httpx.post(f"{base}/api/corrections", json=change)
    assert r.status_code == 401 and "account" in r.json()["error"]
    r = httpx.post(f"{base}/api/corrections", json=change, headers=_auth("dm_not-a-token"))
    assert r.status_code == 401
    r = httpx.post(f"{base}/api/corrections", json=change, headers=_auth(server["tokens"]["vic"]))
    assert r.status_code == 403 and "viewer" in r.json()["error"]
    with _login(server, "vic", "pw-vic-secret") as c:  # the viewer's browser session
        assert c.get("/api/me").json()["user"] == {"name": "vic", "role": "viewer"}
        tok = c.get("/api/me").json()["csrf_token"]
        r = c.post("/api/corrections", json=change, headers={"X-CSRF-Token": tok})
        assert r.status_code == 403
    r = httpx.post(f"{base}/api/corrections/1/revert", headers=_auth(server["tokens"]["ed"]))
    assert r.status_code == 403 and "admin" in r.json()["error"]
    assert _ledger(server) == before


def test_csrf_missing_or_wrong_is_refused(server):
    base = server["base"]
    with httpx.Client(base_url=base) as c:
        good = _csrf(c.get("/login").text)
        for data in ({"name": "ed", "password": "pw-ed-secret"},
                     {"name": "ed", "password": "pw-ed-secret", "csrf_token": "forged"}):
            r = c.post("/login", data=data)
            assert r.status_code == 403 and "CSRF" in r.text
        cookie = c.cookies.get("docmine_session")
        assert cookie
        r = c.post("/login", data={"name": "ed", "password": "pw-ed-secret", "csrf_token": good})
        assert r.status_code == 303
        set_cookie = r.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=lax" in set_cookie
        m = _targets(server)["mentions"][1]
        change = {"op": "accept", "target": m["target"], "base_revision": m["revision"]}
        before = _ledger(server)
        assert c.post("/api/corrections", json=change).status_code == 403
        assert c.post("/api/corrections", json=change,
                      headers={"X-CSRF-Token": good}).status_code == 403  # renewed at sign-in
        tok = c.get("/api/me").json()["csrf_token"]
        assert tok != good
        # another browser's token does not work with this session
        other = httpx.Client(base_url=base)
        other_tok = other.get("/api/me").json()["csrf_token"]
        assert c.post("/api/corrections", json=change,
                      headers={"X-CSRF-Token": other_tok}).status_code == 403
        assert _ledger(server) == before
        r = c.post("/api/corrections", json=change, headers={"X-CSRF-Token": tok})
        assert r.status_code == 201 and r.json()["correction"]["editor"] == "ed"
        assert c.post("/logout", data={}).status_code == 403
        assert c.post("/logout", data={"csrf_token": tok}).status_code == 303
        assert c.get("/api/me").json()["user"] is None
        assert c.post("/api/corrections", json=change).status_code == 401


def test_token_auth_needs_no_csrf_and_a_disabled_user_loses_it(server):
    base = server["base"]
    r = _cli(server["url"], "users", "add", "tmp", "--role", "editor", stdin="pw-tmp-secret\n")
    assert r.returncode == 0
    tok = _cli(server["url"], "users", "token", "tmp").stdout.strip()
    m = _targets(server)["action_items"][0]
    r = httpx.post(f"{base}/api/corrections", headers=_auth(tok),
                   json={"op": "set_verb", "target": m["target"], "base_revision": m["revision"],
                         "verb": "examiner"})
    assert r.status_code == 201 and r.json()["record"]["verb"] == "examiner"
    assert _cli(server["url"], "users", "disable", "tmp").returncode == 0
    r = httpx.post(f"{base}/api/corrections", headers=_auth(tok),
                   json={"op": "undo", "target": m["target"], "base_revision": m["revision"] + 1})
    assert r.status_code == 401


def test_sign_in_is_rate_limited(server):
    with httpx.Client(base_url=server["base"]) as c:
        for _ in range(accounts.MAX_FAILURES):
            tok = _csrf(c.get("/login").text)
            r = c.post("/login", data={"name": "eve", "password": "wrong", "csrf_token": tok})
            assert r.status_code == 401
        tok = _csrf(c.get("/login").text)
        r = c.post("/login", data={"name": "eve", "password": "pw-eve-secret", "csrf_token": tok})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        r = c.post("/login", data={"name": "ada", "password": "pw-ada-secret", "csrf_token": tok})
        assert r.status_code == 303  # another name is not blocked


def test_conflict_is_409_with_both_versions_and_both_rows(server):
    base, tokens = server["base"], server["tokens"]
    ref = next(m for m in _targets(server)["mentions"] if m["label"] == "REF")
    a = httpx.post(f"{base}/api/corrections", headers=_auth(tokens["ed"]),
                   json={"op": "set_ids", "target": ref["target"], "base_revision": ref["revision"],
                         "ids": ["CMS Res 11.11"]})
    b = httpx.post(f"{base}/api/corrections", headers=_auth(tokens["eve"]),
                   json={"op": "set_ids", "target": ref["target"], "base_revision": ref["revision"],
                         "ids": ["CMS Res 11.12"]})
    assert a.status_code == 201 and b.status_code == 409
    body = b.json()
    assert body["current"]["ids"] == ["CMS Res 11.11"] and body["yours"]["ids"] == ["CMS Res 11.12"]
    hist = httpx.get(f"{base}/api/history/{ref['target']}").json()
    assert [(h["editor"], h["status"]) for h in hist][-2:] == [("ed", "applied"), ("eve", "conflict")]
    assert hist[-1]["id"] == body["conflict_id"]
    # the CLI and the researchers' API see the winner
    assert "CMS Res 11.11" in {r["cited"] for r in httpx.get(
        f"{base}/api/cited-by/{server['doc_id']}").json()}
    out = _cli(server["url"], "corrections", "list", "--target", ref["target"], "--format", "csv")
    assert out.returncode == 0 and out.stdout.count("\n") == len(hist) + 1
    csv_ = httpx.get(f"{base}/api/history/{ref['target']}", params={"format": "csv"})
    assert csv_.headers["content-type"].startswith("text/csv") and "conflict" in csv_.text
    # an admin reverts the winner: a new row
    r = httpx.post(f"{base}/api/corrections/{a.json()['correction']['id']}/revert",
                   headers=_auth(tokens["ada"]), json={"comment": "back to the model"})
    assert r.status_code == 201 and r.json()["correction"]["revert_of"] == a.json()["correction"]["id"]
    assert r.json()["record"]["ids"] == ["CMS Res 11.10"]


def test_hostile_input_is_inert(server):
    base, tokens = server["base"], server["tokens"]
    xss = "<script>alert('docmine-xss')</script><img src=x onerror=alert(1)>"
    sql = "'); DROP TABLE corrections; --"
    m = _targets(server)["mentions"][-1]
    r = httpx.post(f"{base}/api/corrections", headers=_auth(tokens["ed"]),
                   json={"op": "accept", "target": m["target"], "base_revision": m["revision"],
                         "comment": xss + sql})
    assert r.status_code == 201
    cid = r.json()["correction"]["id"]
    got = httpx.get(f"{base}/api/corrections/{cid}")
    assert got.headers["content-type"].startswith("application/json")
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.json()["comment"] == xss + sql  # stored verbatim, as data
    page = httpx.post(f"{base}/login", data={"name": xss, "password": "x", "csrf_token": "x"})
    assert "<script>alert" not in page.text
    with httpx.Client(base_url=base) as c:
        tok = _csrf(c.get("/login").text)
        page = c.post("/login", data={"name": xss, "password": "x", "csrf_token": tok})
        assert page.status_code == 401 and "<script>alert" not in page.text
        assert "&lt;script&gt;" in page.text
    for params in ({"document": "1 OR 1=1"}, {"document": sql}, {"editor": sql},
                   {"target": "mention:' OR '1'='1"}):
        r = httpx.get(f"{base}/api/corrections", params=params)
        assert r.status_code in (200, 404, 422), r.text
        if r.status_code != 200:
            assert "\n" not in r.json()["error"]
        else:
            assert r.json() == []
    r = httpx.post(f"{base}/api/corrections", headers=_auth(tokens["ed"]),
                   json={"op": "delete", "target": sql, "base_revision": 0})
    assert r.status_code == 422
    r = httpx.post(f"{base}/api/corrections", headers=_auth(tokens["ed"]),
                   content=b"{not json", )
    assert r.status_code == 422
    with server["factory"]() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Correction)) > 0
        assert s.scalar(sa.select(sa.func.count()).select_from(accounts.User)) > N_EDITORS


def test_a_hundred_editors_at_once_lose_none_and_duplicate_none(server):
    base, tokens, sha = server["base"], server["tokens"], server["sha"]
    state = _targets(server)
    taken = {(m["page"], m["start"], m["end"]) for m in state["mentions"]}
    with server["factory"]() as s:
        text = s.scalar(sa.text("select text from pages where document_id = :d and number = 1"),
                        {"d": server["doc_id"]})
    spans = []
    for i in range(0, len(text) - 3):
        if text[i:i + 3].strip() == text[i:i + 3] and (1, i, i + 3) not in taken:
            spans.append((i, i + 3))
    assert len(spans) >= N_EDITORS
    spans = spans[:N_EDITORS]
    before = _ledger(server)

    def add(i: int) -> int:
        start, end = spans[i]
        r = httpx.post(f"{base}/api/corrections", headers=_auth(tokens[f"editor{i:03d}"]),
                       json={"op": "add", "kind": "mention", "document": sha, "page": 1,
                             "start": start, "end": end, "label": "DATE", "ids": [f"id-{i}"]},
                       timeout=180)
        return r.status_code

    with ThreadPoolExecutor(N_EDITORS) as pool:
        codes = list(pool.map(add, range(N_EDITORS)))
    assert codes == [201] * N_EDITORS
    assert _ledger(server) == before + N_EDITORS
    added = [m for m in _targets(server)["mentions"] if m["origin"] == "correction"
             and m["label"] == "DATE"]
    assert sorted(m["ids"][0] for m in added) == sorted(f"id-{i}" for i in range(N_EDITORS))
    assert len({m["target"] for m in added}) == N_EDITORS
    rows = httpx.get(f"{base}/api/corrections", params={"document": server["doc_id"]}).json()
    assert len({r["editor"] for r in rows if r["edit"] == "add"}) == N_EDITORS

    # the same mention, the same base, 30 editors at once: one wins, every try is kept
    target = added[0]["target"]

    def relabel(i: int) -> int:
        r = httpx.post(f"{base}/api/corrections", headers=_auth(tokens[f"editor{i:03d}"]),
                       json={"op": "set_ids", "target": target, "base_revision": 1,
                             "ids": [f"choice-{i}"]}, timeout=180)
        return r.status_code

    with ThreadPoolExecutor(30) as pool:
        codes = list(pool.map(relabel, range(30)))
    assert codes.count(201) == 1 and codes.count(409) == 29
    hist = httpx.get(f"{base}/api/history/{target}").json()
    assert len(hist) == 31 and [h["status"] for h in hist].count("applied") == 2
    assert [h["revision"] for h in hist if h["status"] == "applied"] == [1, 2]
