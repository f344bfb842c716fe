"""The editors' pages without a browser (FastAPI's TestClient over the real
app and a store built by ``docmine run`` on the samples), on SQLite and
PostgreSQL: the no-script forms (edit, stale edit → conflict page, CSRF,
add by finding text), id suggestions (entities and knowledge base; SQL and
LIKE payloads inert), history pages, and who sees edit controls."""
from __future__ import annotations

import os
import re

import pytest

from conftest import drop_pg_schema, new_pg_url, pg_problem
from web_helpers import build_store

from docmine.settings import get_settings
from docmine.store import db

DOC = "UNEP/CMS/StC52/11"
USERS = {"ed": ("editor", "ed-pass-123456"), "vi": ("viewer", "vi-pass-123456")}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"editors-web-{request.param}")
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
    data = build_store(url, tmp)
    from docmine import accounts
    from docmine.documents import get_document
    with db.session_scope(url) as s:
        for name, (role, pw) in USERS.items():
            accounts.add_user(name, pw, role=role, session=s)
        d = get_document(DOC, session=s)
        doc = {"id": d.id, "sha256": d.sha256}
    yield url, data, doc
    db.dispose_engines()
    if schema:
        drop_pg_schema(schema)


def client_for(store, name=None):
    from fastapi.testclient import TestClient

    from docmine.web import create_app
    url, data, _ = store
    c = TestClient(create_app(get_settings(database_url=url, data_dir=data)),
                   raise_server_exceptions=False)
    if name:
        r = c.get("/login")
        tok = csrf(r.text)
        r = c.post("/login", data={"name": name, "password": USERS[name][1], "csrf_token": tok,
                                   "next": "/"}, follow_redirects=False)
        assert r.status_code == 303, r.text
    return c


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_no_script_forms_edit_conflict_add(store):
    url, _data, doc = store
    c = client_for(store, "ed")
    page = c.get(f"/documents/{doc['id']}?page=2")
    assert page.status_code == 200 and "<noscript>" in page.text
    keys = re.findall(r'href="/edit/(action_item:[^"]+)"', page.text)
    assert keys, "the page's action items are listed for editing without script"
    key = keys[-1]
    form_page = c.get("/edit/" + key)
    assert form_page.status_code == 200
    tok, rev = csrf(form_page.text), hidden(form_page.text, "base_revision")
    assert rev == "0"
    form = {"csrf_token": tok, "next": f"/documents/{doc['id']}?page=2", "op": "edit",
            "target": key, "base_revision": rev, "actor": "cms-secretariat",
            "actor_text": "le Secrétariat", "verb": "demander", "deadline_meeting": "CMS StC54",
            "deadline_date": "", "refs": "", "start": key.split(":")[3],
            "end": key.split(":")[4], "comment": "<b>bold?</b>"}
    r = c.post("/corrections/form", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == form["next"]
    # the same form again is stale: 409, both versions shown, nothing written over
    r = c.post("/corrections/form", data=form, follow_redirects=False)
    assert r.status_code == 409
    assert "CMS StC54" in r.text and 'class="keep-mine"' in r.text
    assert hidden(r.text, "base_revision") == "1"
    # a wrong CSRF token is refused and writes nothing
    r = c.post("/corrections/form", data={**form, "csrf_token": "wrong"}, follow_redirects=False)
    assert r.status_code == 403
    from docmine import corrections, query
    with db.session_scope(url) as s:
        rows = corrections.history(session=s, target=key)
        acts = query.actions(session=s, document=DOC)
    assert [(r["editor"], r["status"]) for r in rows] == [("ed", "applied"), ("ed", "conflict")]
    assert rows[0]["comment"] == "<b>bold?</b>"
    got = acts[acts["start"] == int(key.split(":")[3])].iloc[0]
    assert got["deadline_meeting"] == "CMS StC54" and got["actor"] == "cms-secretariat"
    # add a mention by finding its words on the page (any spacing)
    add = c.get(f"/documents/{doc['id']}/add?page=1&kind=mention")
    assert add.status_code == 200
    r = c.post("/corrections/form", data={
        "csrf_token": csrf(add.text), "next": f"/documents/{doc['id']}?page=1", "op": "add",
        "kind": "mention", "document": hidden(add.text, "document"), "page": "1",
        "find": "tenue à   Samarcande", "label": "MEETING", "ids": "CMS COP14"},
        follow_redirects=False)
    assert r.status_code == 303, r.text
    with db.session_scope(url) as s:
        ms = query.document_mentions(DOC, session=s, page=1)
    added = ms[ms["origin"] == "correction"]
    assert list(added["text"]) == ["tenue à Samarcande"] and list(added["ids"]) == [["CMS COP14"]]
    # the history pages show it all, escaped
    h = c.get(f"/history/document/{doc['id']}")
    assert h.status_code == 200
    assert "&lt;b&gt;bold?&lt;/b&gt;" in h.text and "<b>bold?" not in h.text
    assert "refused (conflict)" in h.text
    assert c.get("/history/target/" + key).status_code == 200
    assert c.get("/history/editor/ed").text.count('<tr id="c-') == 3
    assert c.get("/history/target/mention:" + "0" * 64 + ":1:0:4:ORG").status_code == 404
    assert c.get("/history/target/nonsense").status_code == 422


def test_who_sees_edit_controls(store):
    _url, _data, doc = store
    anon = client_for(store)
    r = anon.get(f"/documents/{doc['id']}")
    assert "edit-toolbar" not in r.text and "edit-data" not in r.text
    assert 'href="/login?next=' in r.text
    assert anon.get("/edit/action_item:" + doc["sha256"] + ":2:0:10").status_code == 401
    assert anon.post("/corrections/form", data={"op": "delete"}).status_code == 401
    viewer = client_for(store, "vi")
    r = viewer.get(f"/documents/{doc['id']}")
    assert "edit-toolbar" not in r.text and "edit-data" not in r.text
    assert '<span class="role role-viewer"' in r.text
    assert viewer.get("/edit/action_item:" + doc["sha256"] + ":2:0:10").status_code == 403
    tok = csrf(r.text)
    r = viewer.post("/corrections/form", data={"csrf_token": tok, "op": "add", "kind": "mention",
                                               "document": doc["sha256"], "page": "1",
                                               "start": "0", "end": "4", "label": "ORG"})
    assert r.status_code == 403
    editor = client_for(store, "ed")
    r = editor.get(f"/documents/{doc['id']}")
    assert 'id="edit-data"' in r.text and '<script src="/static/editor.js"' in r.text
    # the page text is in the data island with <, >, & escaped (no way out of the script tag)
    island = re.search(r'<script type="application/json" id="edit-data">(.*?)</script>',
                       r.text, re.S).group(1)
    assert "<" not in island and ">" not in island


def test_suggest_ids(store):
    c = client_for(store)
    got = c.get("/api/suggest", params={"q": "executive secr", "label": "ORG"}).json()
    ids = [g["id"] for g in got]
    assert "cms-executive-secretary" in ids
    assert all(g["label"] == "ORG" for g in got)
    assert any(g["source"] == "kb" for g in got) or any(g["source"] == "entity" for g in got)
    ent = c.get("/api/suggest", params={"q": "secretariat"}).json()
    assert ent[0]["source"] == "entity" and "cms-secretariat" in [g["id"] for g in ent]
    assert [g["id"] for g in c.get("/api/suggest", params={"q": "StC53",
                                                           "label": "MEETING"}).json()] \
        == ["CMS StC53"]
    for payload in ("'; DROP TABLE entities; --", "%", "_", "\\"):
        assert c.get("/api/suggest", params={"q": payload}).json() == []
    assert c.get("/api/entities/cms-secretariat").status_code == 200
    assert c.get("/api/suggest", params={"q": ""}).status_code == 422
    assert c.get("/api/suggest", params={"q": "x", "label": "NOPE"}).status_code == 422


def test_changes_lines():
    from docmine.web.routers.edit_pages import changes, summary
    m = {"label": "ORG", "text": "PNUE", "ids": ["unep"], "page": 1, "start": 3, "end": 7}
    assert changes(m, {**m, "ids": ["unep-x"]}) == [
        {"field": "ids", "before": "unep", "after": "unep-x"}]
    assert changes(m, m) == []
    assert changes(None, m) == [{"field": "added", "before": "—",
                                 "after": "ORG «PNUE» → unep"}]
    assert changes(m, None)[0]["field"] == "deleted"
    a = {"actor": "parties", "verb": "prier", "text": "x", "deadline": {"meeting": None,
                                                                        "date": "2025-01-31"}}
    assert changes(a, {**a, "deadline": {"meeting": "CMS StC53", "date": None}}) == [
        {"field": "deadline", "before": "date: 2025-01-31", "after": "meeting: CMS StC53"}]
    assert summary(a) == "parties prier «x» (date: 2025-01-31)"
