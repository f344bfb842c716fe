"""The web app in a real browser: Debian's chromium driven by Playwright,
against ``docmine web`` running in a subprocess over a SQLite store built
from the sample PDFs (plus one hostile PDF) by ``docmine.run.run``.

Screenshots of every page go to the test's ``tmp_path`` and are copied to
``screenshots/`` at the repository root (not committed) for people to look at.
Without /usr/bin/chromium these tests skip, except under CI (``CI`` set),
where they fail.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from web_helpers import XSS_SYMBOL, build_store, start_server, stop_server

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = REPO / "screenshots"


def _need_chromium():
    if CHROMIUM.exists():
        return
    msg = (f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) "
           "to run the browser tests")
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _need_chromium()
    tmp = tmp_path_factory.mktemp("web-browser")
    url = f"sqlite:///{tmp / 'docmine.db'}"
    data = build_store(url, tmp)
    proc, base = start_server(url, data)
    yield {"base": base, "url": url, "data": data}
    stop_server(proc)


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB",
                              accept_downloads=True)
    pg = ctx.new_page()
    pg.errors = []
    pg.dialogs = []
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))

    def on_dialog(d):
        pg.dialogs.append(d.message)
        d.dismiss()
    pg.on("dialog", on_dialog)
    pg.base = server["base"]
    yield pg
    ctx.close()


def shot(pg, tmp_path: Path, name: str, full: bool = True) -> Path:
    out = tmp_path / f"{name}.png"
    pg.screenshot(path=str(out), full_page=full)
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(out, SHOTS / out.name)
    return out


def test_overview_and_keyboard(page, tmp_path):
    page.goto(page.base + "/")
    assert page.locator("h1").inner_text() == "Overview"
    assert "6" in page.locator(".totals").inner_text()
    assert page.locator("#h-runs + .scroll tbody tr").count() >= 1
    page.keyboard.press("Tab")  # the first stop is the skip link, and it shows
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.locator("a.skip").bounding_box()["x"] >= 0
    shot(page, tmp_path, "overview-skip-link", full=False)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    shot(page, tmp_path, "overview")
    assert page.errors == []


def test_filter_actions_by_treaty_and_actor_then_open_in_context(page, tmp_path):
    page.goto(page.base + "/actions")
    shot(page, tmp_path, "actions")
    page.select_option("#f-treaty", "CMS")
    page.select_option("#f-actor", "cms-secretariat")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"/actions\?.*treaty=CMS.*actor=cms-secretariat|/actions\?.*actor=cms-secretariat.*treaty=CMS"))
    rows = page.locator("table.actions tbody tr")
    assert rows.count() >= 1
    for i in range(rows.count()):
        assert rows.nth(i).locator("td").nth(1).inner_text() == "cms-secretariat"
    shot(page, tmp_path, "actions-filtered")
    link = rows.first.locator("a.ctx").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(re.compile(r"/documents/\d+\?page=\d+#a-\d+-\d+$"))
    anchor = href.split("#", 1)[1]
    item = page.locator(f"#{anchor}")
    assert item.is_visible()
    assert page.evaluate("document.querySelector(':target') && document.querySelector(':target').id") == anchor
    # the item stands beside its paragraph, whose text holds the item's start
    para = page.locator(f".para:has(#{anchor}) .ptext").inner_text()
    assert item.locator(".itemtext").inner_text().split("·")[-1].strip()[:20] in " ".join(para.split())
    shot(page, tmp_path, "action-in-context", full=False)
    assert page.errors == []


def test_follow_a_citation(page, tmp_path):
    page.goto(page.base + "/documents/" + XSS_SYMBOL)
    link = page.locator("a.cited-doc").first
    assert link.inner_text() == "UNEP/CMS/StC52/11"
    link.click()
    page.wait_for_url(re.compile(r"/documents/\d+$"))
    assert page.locator("h1").inner_text() == "UNEP/CMS/StC52/11"
    assert XSS_SYMBOL in page.locator("#h-citedby + .scroll").inner_text()
    img = page.locator("figure.pageimage img")
    img.scroll_into_view_if_needed()
    for _ in range(100):  # (wait_for_function evaluates a string: the CSP forbids that)
        if img.evaluate("i => i.complete && i.naturalWidth") > 0:
            break
        page.wait_for_timeout(100)
    assert img.evaluate("i => i.naturalWidth") > 0
    shot(page, tmp_path, "document")
    page.click("nav.pagenav a:text-is('2')")
    page.wait_for_url(re.compile(r"page=2"))
    shot(page, tmp_path, "document-page-2", full=False)
    assert page.errors == []


def test_export_csv_reads_back_with_pandas(page, server, tmp_path):
    import pandas as pd

    from docmine import query
    from docmine.store import db
    from docmine.cli.query import render
    page.goto(page.base + "/actions?treaty=CMS")
    with page.expect_download() as dl:
        page.click("p.export a:text-is('CSV')")
    path = tmp_path / "actions.csv"
    dl.value.save_as(path)
    got = pd.read_csv(path)
    with db.session_scope(server["url"]) as s:
        want_csv = render(query.actions(session=s, treaty="CMS"), "csv", "actions")
    (tmp_path / "cli.csv").write_text(want_csv + "\n", encoding="utf-8")
    want = pd.read_csv(tmp_path / "cli.csv")
    assert len(got) > 0 and set(got["treaty"]) == {"CMS"}
    pd.testing.assert_frame_equal(got, want)


def test_search_with_and_without_accents(page, tmp_path):
    found = {}
    for word in ("coopération", "cooperation"):
        page.goto(page.base + "/search")
        page.fill("#q", word)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/search\?q="))
        hits = page.locator("ol.results li")
        assert hits.count() >= 1
        assert page.locator("ol.results mark").count() >= 1
        found[word] = [hits.nth(i).locator(".where a").get_attribute("href")
                       for i in range(hits.count())]
        shot(page, tmp_path, f"search-{'accents' if 'é' in word else 'no-accents'}")
    assert found["coopération"] == found["cooperation"]
    assert page.errors == []


def test_hostile_document_shows_markup_as_text(page, tmp_path):
    page.goto(page.base + "/documents/" + XSS_SYMBOL)
    text = page.locator(".pagetext").inner_text()
    assert "<script>alert('docmine-xss')</script>" in text
    assert "<img src=x onerror=alert('docmine-img')>" in text
    assert page.locator(".pagetext script").count() == 0
    assert page.locator(".pagetext img").count() == 0
    page.wait_for_timeout(300)
    assert page.dialogs == []
    shot(page, tmp_path, "hostile-document")


@pytest.mark.parametrize("path,name", [("/documents", "documents"),
                                       ("/documents?treaty=CMS&sort=-date", "documents-filtered"),
                                       ("/entities", "entities"),
                                       ("/entities/cms-secretariat", "entity"),
                                       ("/docs", "api-docs"),
                                       ("/actions?lang=fr", "actions-fr"),
                                       ("/entities/no-such-thing", "error-404")])
def test_other_pages(page, tmp_path, path, name):
    r = page.goto(page.base + path)
    assert r.status == (404 if "no-such" in path else 200)
    assert r.headers["content-security-policy"].startswith("default-src 'self'")
    shot(page, tmp_path, name)
    assert [e for e in page.errors if "404" not in e] == []


@pytest.mark.parametrize("path,name", [("/", "phone-overview"), ("/actions", "phone-actions"),
                                       ("/documents/5", "phone-document")])
def test_phone_layout(browser, server, tmp_path, path, name):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                              is_mobile=True, has_touch=True)
    pg = ctx.new_page()
    pg.goto(server["base"] + path)
    # nothing wider than the screen outside the scrollable tables
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, width
    shot(pg, tmp_path, name, full=False)
    ctx.close()
