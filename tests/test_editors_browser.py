"""The editors' loop in a real browser: Debian's chromium driven by
Playwright, against a real ``docmine web`` process over the README's kind of
store (``docmine run`` on the sample PDFs plus one hostile PDF), on SQLite
and PostgreSQL. Accounts are made with the real ``docmine users add``
(password on stdin).

* an editor signs in, fixes an organisation's id with the keyboard alone
  (autocompleted from the knowledge base), deletes a false mention, adds a
  missing one from selected text, changes an action item's deadline and
  undoes a change; the researchers' pages, the JSON API and ``docmine
  actions`` show the corrected values at once;
* two editors (two browser contexts) change the same mention: one wins, the
  other sees the conflict dialog with both versions, chooses, and every row
  (the refused one too) is in the ledger;
* an admin reverts a change from the history page (a form, no script);
* viewers and anonymous users get no edit controls and their writes are
  refused; XSS payloads in a comment and in the document text stay text.

Screenshots go to the test's ``tmp_path`` and are copied to
``/tmp/editors-ui-shots/`` (and ``screenshots/`` at the repository root).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from conftest import drop_pg_schema, new_pg_url, pg_problem
from web_helpers import XSS_SYMBOL, build_store, start_server, stop_server

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = [REPO / "screenshots", Path("/tmp/editors-ui-shots")]
DOC = "UNEP/CMS/StC52/11"
PASSWORDS = {"alice": "alice-pass-1234", "bob": "bob-pass-1234", "root": "root-pass-1234",
             "vera": "vera-pass-1234"}
ROLES = {"alice": "editor", "bob": "editor", "root": "admin", "vera": "viewer"}


def _need_chromium():
    if CHROMIUM.exists():
        return
    msg = f"{CHROMIUM} not found: install Debian's chromium to run the browser tests"
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


def docmine(*args: str, url: str, data: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DOCMINE_DATA_DIR": str(data), "DOCMINE_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-c", "from docmine.cli import main; main()", *args],
                          input=stdin, capture_output=True, text=True, env=env, timeout=120)


def add_users(url: str, data: Path) -> None:
    """The accounts, made as an operator would: ``docmine users add`` (password on stdin)."""
    for name, role in ROLES.items():
        r = docmine("users", "add", name, "--role", role, url=url, data=data,
                    stdin=PASSWORDS[name] + "\n")
        assert r.returncode == 0, r.stdout + r.stderr


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    _need_chromium()
    tmp = tmp_path_factory.mktemp(f"editors-{request.param}")
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
    add_users(url, data)
    proc, base = start_server(url, data)
    from docmine.store import db
    with db.session_scope(url) as s:
        from docmine.documents import get_document
        doc_id = get_document(DOC, session=s).id
        xss_id = get_document(XSS_SYMBOL, session=s).id
    yield {"base": base, "url": url, "data": data, "doc": doc_id, "xss": xss_id,
           "db": request.param}
    stop_server(proc)
    db.dispose_engines()
    if schema:
        drop_pg_schema(schema)


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def new_page(browser, server):
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    pg = ctx.new_page()
    pg.errors, pg.dialogs = [], []
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))

    def on_dialog(d):
        pg.dialogs.append(d.message)
        d.dismiss()
    pg.on("dialog", on_dialog)
    pg.base = server["base"]
    return ctx, pg


@pytest.fixture
def page(browser, server):
    ctx, pg = new_page(browser, server)
    yield pg
    ctx.close()


def shot(pg, tmp_path: Path, name: str, server=None, full: bool = True) -> Path:
    if server is not None:
        name = f"{name}-{server['db']}"
    out = tmp_path / f"{name}.png"
    pg.screenshot(path=str(out), full_page=full)
    for d in SHOTS:
        d.mkdir(parents=True, exist_ok=True)
        shutil.copy(out, d / out.name)
    return out


def login(pg, name: str, next_path: str = "/"):
    pg.goto(pg.base + "/login?next=" + quote(next_path))
    pg.fill("input[name=name]", name)
    pg.fill("input[name=password]", PASSWORDS[name])
    pg.locator("input[name=password]").press("Enter")
    pg.wait_for_load_state()
    assert pg.locator("header .user .who").inner_text() == name


def focused(pg) -> dict:
    return pg.evaluate("""() => { const e = document.activeElement;
        return {start: +e.getAttribute('data-start'), end: +e.getAttribute('data-end'),
                label: e.getAttribute('data-label'), item: e.classList.contains('item'),
                text: e.textContent}; }""")


def go_to(pg, start: int, item: bool = False, label: str | None = None, limit: int = 300):
    """Press ``j`` (forward) or ``k`` (back) until the target starting at
    ``start`` has the focus: the keyboard alone, as an editor would."""
    want = pg.evaluate("""([start, item, label]) => {
        const all = Array.from(document.querySelectorAll('.ptext .m[data-start], .item[data-start]'));
        return all.findIndex(e => +e.dataset.start === start && e.classList.contains('item') === item
                                  && (label === null || e.dataset.label === label)); }""",
                       [start, item, label])
    assert want >= 0, f"no target at {start} on the page"
    for _ in range(limit):
        here = pg.evaluate("""() => Array.from(document.querySelectorAll(
            '.ptext .m[data-start], .item[data-start]')).indexOf(document.activeElement)""")
        if here == want:
            return focused(pg)
        pg.keyboard.press("j" if here < want else "k")
    raise AssertionError(f"j / k never reached {start}")


def wait_saved(pg):
    pg.wait_for_load_state()
    pg.locator("#edit-status.good").wait_for(timeout=15000)


def history(server, target: str) -> list[dict]:
    r = httpx.get(server["base"] + "/api/history/" + quote(target, safe=":"), timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def edit_data(pg) -> dict:
    return json.loads(pg.locator("#edit-data").text_content())


def mention(pg, start: int, label: str) -> dict:
    return next(m for m in edit_data(pg)["mentions"] if m["start"] == start and m["label"] == label)


def test_editor_loop_keyboard_and_mouse(page, server, tmp_path):
    pg = page
    doc = server["doc"]
    login(pg, "alice", f"/documents/{doc}?page=1")
    assert pg.locator(".edit-toolbar").is_visible()
    assert pg.locator("header .role").text_content() == "editor"
    shot(pg, tmp_path, "editor-page", server, full=False)

    # 1. an organisation's id, with the keyboard alone: the first "Secrétariat" of the page
    sec = next(m for m in edit_data(pg)["mentions"]
               if m["label"] == "ORG" and m["text"] == "Secrétariat")["start"]
    pg.locator("main").focus()
    go_to(pg, sec, label="ORG")
    pg.keyboard.press("?")
    assert pg.locator("#keys-dialog").is_visible()
    shot(pg, tmp_path, "editor-keys", server, full=False)
    pg.keyboard.press("Escape")
    pg.keyboard.press("e")
    assert pg.locator("#mention-dialog").is_visible()
    assert pg.evaluate("document.activeElement.id") == "md-ids"
    assert pg.locator("#mention-dialog ul.chips li").all_inner_texts()[0].startswith("cms-secretariat")
    pg.keyboard.press("Backspace")  # removes the last id
    assert pg.locator("#mention-dialog ul.chips li").count() == 0
    pg.keyboard.type("executive secretary")
    # autocompleted from the store's entities and the knowledge base
    pg.locator("#ids-mention option[value='cms-executive-secretary']").wait_for(state="attached")
    shot(pg, tmp_path, "editor-autocomplete", server, full=False)
    pg.keyboard.press("Control+A")
    pg.keyboard.type("cms-executive-secretary")
    pg.keyboard.press("Enter")  # adds the id
    pg.keyboard.press("Control+Enter")  # saves
    wait_saved(pg)
    m = mention(pg, sec, "ORG")
    assert m["ids"] == ["cms-executive-secretary"] and m["revision"] == 1
    link = pg.locator(f".ptext .m[data-start='{sec}']")
    assert link.get_attribute("href") == "/entities/cms-executive-secretary"
    assert focused(pg)["start"] == sec  # the focus came back to it after the reload

    # 2. a false mention deleted: the title banner is not a mention of the convention
    go_to(pg, 57, label="ORG")
    pg.keyboard.press("x")
    wait_saved(pg)
    assert pg.locator(".ptext .m[data-start='57']").count() == 0

    # 3. a missing one added from the text selected with the mouse: "entre les Parties"
    ptext = edit_data(pg)["page_text"]
    at = ptext.index("entre les Parties") + len("entre les ")
    box = pg.evaluate("""() => {  // where "Parties" of "entre les Parties" is drawn
        const w = document.createTreeWalker(document.querySelector('.pagetext'), NodeFilter.SHOW_TEXT);
        let n;
        while ((n = w.nextNode())) {
          const i = n.data.indexOf('entre les Parties');
          if (i >= 0) {
            const r = document.createRange(); r.setStart(n, i + 10); r.setEnd(n, i + 17);
            const b = r.getBoundingClientRect(); return {x: b.x, y: b.y, w: b.width, h: b.height};
          }
        }
        return null; }""")
    assert box, "the word is on the page"
    pg.mouse.move(box["x"] + 1, box["y"] + box["h"] / 2)
    pg.mouse.down()
    pg.mouse.move(box["x"] + box["w"] - 1, box["y"] + box["h"] / 2, steps=5)
    pg.mouse.up()
    pg.click(".edit-toolbar [data-cmd='add-mention']")
    dlg = pg.locator("#mention-dialog")
    assert dlg.is_visible()
    assert dlg.locator(".span-text").inner_text() == "Parties"
    pg.select_option("#md-label", "ORG")
    pg.fill("#md-ids", "parties")
    pg.locator("#md-ids").press("Enter")
    shot(pg, tmp_path, "editor-add-mention", server, full=False)
    dlg.locator("button.save").click()
    wait_saved(pg)
    added = mention(pg, at, "ORG")
    assert added["ids"] == ["parties"] and added["text"] == "Parties"
    assert pg.locator(f".ptext .m[data-start='{at}']").get_attribute("href") == "/entities/parties"

    # 4. an action item's deadline, keyboard only (page 2, item c)
    pg.goto(pg.base + f"/documents/{doc}?page=2")
    item = next(a for a in edit_data(pg)["actions"] if a["paragraph"] == "c")
    assert item["deadline"]["date"] == "2025-01-31"
    pg.locator("main").focus()
    go_to(pg, item["start"], item=True)
    pg.keyboard.press("e")
    assert pg.evaluate("document.activeElement.id") == "ad-actor"
    for _ in range(4):  # actor → actor as written → verb → meeting → date
        pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.id") == "ad-date"
    pg.keyboard.press("Control+A")
    pg.keyboard.type("2025-03-31")
    shot(pg, tmp_path, "editor-action-deadline", server, full=False)
    pg.keyboard.press("Control+Enter")
    wait_saved(pg)
    assert "2025-03-31" in pg.locator(f".item[data-start='{item['start']}']").inner_text()

    # the researchers' views and the CLI show the corrected values at once
    r = docmine("actions", "--document", DOC, "--format", "json", url=server["url"],
                data=server["data"])
    assert r.returncode == 0, r.stderr
    rows = {a["start"]: a for a in json.loads(r.stdout)}
    got = rows[item["start"]]
    assert got["deadline_date"] == "2025-03-31" and got["origin"] == "correction"
    html = httpx.get(server["base"] + "/actions?treaty=CMS", timeout=30).text
    assert "2025-03-31" in html
    ent = httpx.get(server["base"] + "/api/entities/cms-executive-secretary", timeout=30)
    assert ent.status_code == 200 and DOC in ent.text
    anon = httpx.get(server["base"] + f"/documents/{doc}?page=1", timeout=30).text
    assert 'href="/entities/cms-executive-secretary"' in anon and 'href="/entities/parties"' in anon

    # 5. undo (a new ledger row): the deadline goes back
    pg.keyboard.press("u")
    wait_saved(pg)
    assert "2025-01-31" in pg.locator(f".item[data-start='{item['start']}']").inner_text()
    rows = history(server, item["target"])
    assert [r["edit"] for r in rows] == ["edit", "undo"]
    assert rows[0]["before"]["deadline"]["date"] == "2025-01-31"
    assert rows[0]["after"]["deadline"]["date"] == "2025-03-31"
    assert rows[1]["revert_of"] == rows[0]["id"] and rows[1]["editor"] == "alice"

    # the history of the document: who, when, before → after
    pg.goto(pg.base + f"/history/document/{doc}")
    table = pg.locator("table.history")
    assert table.locator("tbody tr").count() >= 5
    assert "cms-executive-secretary" in table.inner_text()
    assert "alice" in table.inner_text()
    assert pg.locator("form.revert").count() == 0  # editors do not revert
    shot(pg, tmp_path, "history-document", server)
    assert pg.errors == [] and pg.dialogs == []


def test_two_editors_conflict(browser, server, tmp_path):
    doc = server["doc"]
    ctx_a, a = new_page(browser, server)
    ctx_b, b = new_page(browser, server)
    try:
        login(a, "alice", f"/documents/{doc}?page=1")
        login(b, "bob", f"/documents/{doc}?page=1")
        target = mention(a, 1003, "ORG")  # "PNUE"
        # alice relabels-and-re-ids it first…
        a.locator("main").focus()
        go_to(a, 1003, label="ORG")
        a.keyboard.press("e")
        a.keyboard.press("Backspace")
        a.keyboard.type("unep-programme")
        a.keyboard.press("Enter")
        a.fill("#md-comment", "the programme itself")
        a.keyboard.press("Control+Enter")
        wait_saved(a)
        # …bob, on the page he loaded before, changes its ids
        b.locator("main").focus()
        go_to(b, 1003, label="ORG")
        b.keyboard.press("e")
        b.keyboard.press("Backspace")
        b.keyboard.type("unep-secretariat")
        b.keyboard.press("Enter")
        b.keyboard.press("Control+Enter")
        dlg = b.locator("#conflict-dialog")
        dlg.wait_for(state="visible")
        theirs, yours = json.loads(dlg.locator("pre.theirs").inner_text()), \
            json.loads(dlg.locator("pre.yours").inner_text())
        assert theirs["ids"] == ["unep-programme"] and yours["ids"] == ["unep-secretariat"]
        assert "alice" in dlg.locator(".who").inner_text()
        shot(b, tmp_path, "conflict-dialog", server, full=False)
        dlg.locator("button.keep-mine").click()
        wait_saved(b)
        assert mention(b, 1003, "ORG")["ids"] == ["unep-secretariat"]
        rows = history(server, target["target"])
        assert [(r["editor"], r["status"]) for r in rows] == [
            ("alice", "applied"), ("bob", "conflict"), ("bob", "applied")]
        assert rows[1]["revision"] is None and rows[2]["base_revision"] == rows[0]["revision"]
        # the target's own history page
        b.goto(b.base + "/history/target/" + quote(target["target"], safe=":"))
        assert b.locator("table.history tbody tr").count() == 3
        assert b.locator("tr.status-conflict").count() == 1
        shot(b, tmp_path, "history-target", server)
        assert a.errors == []
        assert [e for e in b.errors if "409" not in e] == []  # (Chromium logs the 409 response)
    finally:
        ctx_a.close()
        ctx_b.close()


def test_admin_reverts_from_history(page, server, tmp_path):
    doc = server["doc"]
    login(page, "root", f"/history/document/{doc}")
    assert page.locator("header .role").text_content() == "admin"
    rows = page.locator("table.history tbody tr")
    n = rows.count()
    assert n >= 1
    first = rows.first
    cid = int(first.locator("td").first.inner_text())
    first.locator("form.revert button").click()
    page.wait_for_load_state()
    assert page.locator("table.history tbody tr").count() == n + 1
    last = page.locator("table.history tbody tr").last
    assert "revert" in last.inner_text() and f"#{cid}" in last.inner_text()
    assert "root" in last.inner_text()
    shot(page, tmp_path, "history-revert", server)
    assert page.errors == []


def test_viewer_and_anonymous_see_no_edit_controls(page, server, tmp_path):
    doc = server["doc"]
    page.goto(page.base + f"/documents/{doc}")
    assert page.locator(".edit-toolbar, #edit-data, dialog").count() == 0
    assert page.locator("header .login-link").is_visible()
    page.click("header .login-link")
    page.wait_for_url(re.compile(r"/login\?next="))
    shot(page, tmp_path, "login", server, full=False)
    login(page, "vera", f"/documents/{doc}")
    assert page.locator("header .role").text_content() == "viewer"
    assert page.locator(".edit-toolbar, #edit-data, dialog").count() == 0
    # and the server refuses the viewer's write anyway (with the right CSRF token)
    token = page.evaluate("fetch('/api/me').then(r => r.json()).then(j => j.csrf_token)")
    status = page.evaluate("""(t) => fetch('/api/corrections', {method: 'POST',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': t},
        body: JSON.stringify({op: 'add', kind: 'mention', document: %d, page: 1, start: 0,
                              end: 4, label: 'ORG'})}).then(r => r.status)""" % doc, token)
    assert status == 403
    anon = httpx.post(page.base + "/api/corrections", json={"op": "add"}, timeout=30)
    assert anon.status_code == 401


def test_xss_in_comment_and_document_text_inert(page, server, tmp_path):
    xss = server["xss"]
    payload = "<img src=x onerror=alert('comment-xss')><script>alert('c2')</script>"
    login(page, "alice", f"/documents/{xss}")
    text = page.locator(".pagetext").inner_text()
    assert "<script>alert('docmine-xss')</script>" in text
    assert json.loads(page.locator("#edit-data").text_content())["page_text"].count("<script>") == 1
    page.locator("main").focus()
    f = go_to(page, 0)
    page.keyboard.press("a")  # accept, with a hostile comment through the dialog next
    wait_saved(page)
    go_to(page, f["start"])
    page.keyboard.press("e")
    page.fill("#md-comment", payload)
    page.keyboard.press("Control+Enter")
    wait_saved(page)
    page.goto(page.base + f"/history/document/{xss}")
    assert payload in page.locator("table.history").inner_text()
    assert page.locator("table.history img, table.history script").count() == 0
    page.wait_for_timeout(300)
    shot(page, tmp_path, "history-xss", server)
    assert page.dialogs == []
    assert page.errors == []


def test_add_action_item_relabel_and_move_keyboard_only(page, server, tmp_path):
    pg = page
    doc = server["doc"]
    login(pg, "alice", f"/documents/{doc}?page=1")
    ptext = edit_data(pg)["page_text"]
    # a new action item from its words, found in the dialog (nothing selected: keyboard only)
    pg.locator("main").focus()
    pg.keyboard.press("i")
    assert pg.evaluate("document.activeElement.id") == "ad-find"
    pg.keyboard.type("le Comité permanent a demandé au Secrétariat de lui présenter un rapport")
    pg.keyboard.press("Enter")
    span = pg.locator("#action-dialog .span-text").inner_text()
    assert span.startswith("le Comité permanent a demandé") and span.endswith("un rapport")
    for field, value in (("#ad-actor", "cms-standing-committee"), ("#ad-verb", "demander"),
                         ("#ad-meeting", "CMS StC52")):
        pg.locator(field).focus()
        pg.keyboard.type(value)
    shot(pg, tmp_path, "editor-add-action", server, full=False)
    pg.keyboard.press("Control+Enter")
    wait_saved(pg)
    new = [a for a in edit_data(pg)["actions"] if a["verb"] == "demander"
           and a["actor"] == "cms-standing-committee" and a["page"] == 1]
    assert len(new) == 1 and new[0]["deadline"]["meeting"] == "CMS StC52", new
    assert pg.locator(f".item[data-start='{new[0]['start']}']").count() == 1
    assert ptext[new[0]["start"]:new[0]["end"]].startswith("le Comité permanent")
    r = docmine("actions", "--document", DOC, "--meeting", "CMS StC52", "--format", "json",
                url=server["url"], data=server["data"])
    assert [a["verb"] for a in json.loads(r.stdout) if a["origin"] == "correction"] == ["demander"]

    # relabel a mention and move its boundaries ("Secrétariat de la CMS" → "le Secrétariat de la CMS")
    m = next(x for x in edit_data(pg)["mentions"] if x["text"] == "Secrétariat de la CMS")
    go_to(pg, m["start"], label="ORG")
    pg.keyboard.press("e")
    for _ in range(4):  # ids → its chips' remove buttons → label
        pg.keyboard.press("Shift+Tab")
        if pg.evaluate("document.activeElement.id") == "md-label":
            break
    assert pg.evaluate("document.activeElement.id") == "md-label"
    pg.select_option("#md-label", "DOC")  # (a select takes arrow keys; the value is what counts)
    pg.locator("#md-find").focus()
    pg.keyboard.type("le Secrétariat de la CMS")
    pg.keyboard.press("Enter")
    assert pg.locator("#mention-dialog .span-text").inner_text() == "le Secrétariat de la CMS"
    pg.keyboard.press("Control+Enter")
    wait_saved(pg)
    moved = [x for x in edit_data(pg)["mentions"] if x["text"] == "le Secrétariat de la CMS"]
    assert len(moved) == 1 and moved[0]["label"] == "DOC" and moved[0]["target"] == m["target"]
    assert pg.locator(f".ptext .m[data-start='{moved[0]['start']}'][data-label='DOC']").count() == 1
    rows = history(server, m["target"])
    assert rows[-1]["before"]["label"] == "ORG" and rows[-1]["after"]["label"] == "DOC"
    assert rows[-1]["after"]["start"] == m["start"] - 3
    assert pg.errors == []
