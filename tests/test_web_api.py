"""The web app's JSON/CSV API and pages, in-process (FastAPI TestClient), on
SQLite and PostgreSQL, over a store built from the sample PDFs plus one
hostile PDF (``<script>``, ``<img onerror>`` in its text).

Every listing must give the rows the CLI gives for the same filters (the
CLI's own renderer is the reference), bad input a JSON error with a reason
(never a 500), and every response a Content-Security-Policy."""
from __future__ import annotations

import csv
import io
import json
import os
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from conftest import drop_pg_schema, new_pg_url, pg_problem
from web_helpers import XSS_SYMBOL, build_store

from docmine import query
from docmine.store import db
from docmine.cli.query import render
from docmine.documents import LIST_COLUMNS, list_documents
from docmine.settings import get_settings


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, tmp_path_factory):
    """(url, data_dir) of a store built once per module and database."""
    tmp = tmp_path_factory.mktemp(f"web-{request.param}")
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
    yield url, data
    db.dispose_engines()
    if schema:
        drop_pg_schema(schema)


@pytest.fixture(scope="module")
def client(store):
    from fastapi.testclient import TestClient

    from docmine.web import create_app
    url, data = store
    app = create_app(get_settings(database_url=url, data_dir=data))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def session(store):
    with db.session_scope(store[0]) as s:
        yield s


def csv_text(r) -> str:
    return r.text.rstrip("\n")


# ------------------------------------------------------------------ same rows as the CLI
ACTION_FILTERS = [
    {},
    {"treaty": "CMS"},
    {"treaty": "cbd"},
    {"actor": "cms-standing-committee"},
    {"treaty": "CMS", "actor": "cms-secretariat"},
    {"verb": "prier"},
    {"meeting": "CMS StC53"},
    {"due_before": "2027-01-01"},
    {"due_before": "CMS StC60"},
    {"document": "UNEP/CMS/StC52/11"},
    {"document": XSS_SYMBOL},
    {"text": "cooperation technique"},
    {"actor": "parties", "text": "coopération"},
    {"ref": "CMS Res 11.10"},
    {"actor": "nobody-at-all"},
]


@pytest.mark.parametrize("filters", ACTION_FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "all")
def test_actions_api_gives_the_cli_rows(client, session, filters):
    df = query.actions(session=session, **filters)
    r = client.get("/api/actions", params=filters)
    assert r.status_code == 200, r.text
    assert r.json() == json.loads(render(df, "json", "actions"))
    rc = client.get("/api/actions", params={**filters, "format": "csv"})
    assert rc.status_code == 200 and rc.headers["content-type"].startswith("text/csv")
    assert "attachment" in rc.headers["content-disposition"]
    assert csv_text(rc) == render(df, "csv", "actions")


def test_some_filters_narrow(client):
    every = client.get("/api/actions").json()
    cms = client.get("/api/actions", params={"treaty": "CMS"}).json()
    assert 0 < len(cms) < len(every)
    assert {r["treaty"] for r in cms} == {"CMS"}


@pytest.mark.parametrize("limit,offset", [(1, 0), (3, 2), (5, 100), (0, 0), (2, 7)])
def test_limit_offset_slice_the_whole_result(client, limit, offset):
    whole = client.get("/api/actions").json()
    part = client.get("/api/actions", params={"limit": limit, "offset": offset}).json()
    assert part == whole[offset:offset + limit]


def test_export_streams_in_chunks(client, monkeypatch):
    from docmine.web import export
    monkeypatch.setattr(export, "CHUNK", 4)
    from docmine.web.routers import common
    monkeypatch.setattr(common, "CHUNK", 4)
    whole = client.get("/api/actions").json()
    assert len(whole) > 8
    rows = list(csv.DictReader(io.StringIO(client.get("/api/actions?format=csv").text)))
    assert len(rows) == len(whole) and [r["start"] for r in rows] == [str(w["start"]) for w in whole]


DOC_FILTERS = [{}, {"treaty": "CMS"}, {"year": "2025"}, {"language": "fr"}, {"status": "ok"},
               {"body": "StC"}, {"body": "cop"}, {"sort": "-date"}, {"sort": "symbol"},
               {"treaty": "CMS", "body": "StC", "sort": "-id"}]


@pytest.mark.parametrize("filters", DOC_FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "all")
def test_documents_api_gives_the_cli_rows(client, session, store, filters):
    from typer.testing import CliRunner

    from docmine.cli import app
    rows = list_documents(session=session, **filters)
    assert client.get("/api/documents", params=filters).json() == rows
    args = ["documents", "--database", store[0], "--format", "csv"]
    for k, v in filters.items():
        args += [f"--{k}", v]
    cli = CliRunner().invoke(app, args)
    assert cli.exit_code == 0, cli.output
    api = client.get("/api/documents", params={**filters, "format": "csv"})
    assert csv_text(api) == cli.stdout.rstrip("\n")
    assert api.text.splitlines()[0].split(",") == list(LIST_COLUMNS)


def test_documents_filters_and_sort(client):
    every = client.get("/api/documents").json()
    assert len(every) == 6
    assert {r["body"] for r in client.get("/api/documents?body=StC").json()} == {"StC"}
    assert [r["symbol"] for r in client.get("/api/documents?body=StC&treaty=CMS").json()] == \
        ["UNEP/CMS/StC52/11", XSS_SYMBOL]
    dates = [r["date"] for r in client.get("/api/documents?sort=-date").json()]
    assert dates == sorted(dates, reverse=True)
    assert all(r["date"].startswith("2025") for r in client.get("/api/documents?year=2025").json())


@pytest.mark.parametrize("key", ["5", "UNEP/CMS/StC52/11", "unep/cms/stc52/11"])
def test_document_by_id_or_symbol(client, key):
    r = client.get("/api/documents/" + key)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["document"]["symbol"] == "UNEP/CMS/StC52/11"
    assert [p["number"] for p in body["pages"]] == list(range(1, body["document"]["page_count"] + 1))
    rc = client.get("/api/documents/" + key, params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(rc.text)))
    assert [r["text"] for r in rows] == [p["text"] for p in body["pages"]]


def test_cites_cited_by_entities_search_give_the_cli_rows(client, session):
    cases = [
        ("/api/cites/" + quote("CMS Res 11.10", safe=""), query.cites("CMS Res 11.10", session=session), "cites"),
        ("/api/cites/UNEP/CMS/StC52/11", query.cites("UNEP/CMS/StC52/11", session=session), "cites"),
        ("/api/cited-by/4", query.cited_by(4, session=session), "cited_by"),
        ("/api/cited-by/" + XSS_SYMBOL, query.cited_by(XSS_SYMBOL, session=session), "cited_by"),
        ("/api/entities", query.entities(session=session), "entities"),
        ("/api/entities?label=ORG", query.entities(session=session, label="ORG"), "entities"),
        ("/api/search?q=coop%C3%A9ration", query.search("coopération", session=session), "search"),
        ("/api/search?q=cooperation&limit=3", query.search("cooperation", session=session, limit=3), "search"),
    ]
    for url, df, what in cases:
        r = client.get(url)
        assert r.status_code == 200, (url, r.text)
        assert r.json() == json.loads(render(df, "json", what)), url
        sep = "&" if "?" in url else "?"
        assert csv_text(client.get(url + sep + "format=csv")) == render(df, "csv", what), url
    assert len(client.get("/api/cited-by/" + XSS_SYMBOL).json()) >= 1
    assert client.get("/api/cited-by/" + XSS_SYMBOL).json()[0]["cited_document_id"] == 5


def test_entities_page_lists_aliases(client, session):
    html = client.get("/entities?label=ORG").text
    names = query.entity_aliases(["cms-secretariat"], session=session)["cms-secretariat"]
    assert names and names[0] in html


def test_entity_endpoint(client, session):
    r = client.get("/api/entities/cms-secretariat")
    assert r.status_code == 200
    body = r.json()
    assert body["entity"]["id"] == "cms-secretariat" and body["entity"]["label"] == "ORG"
    assert body["mentions"] and body["documents"]
    assert {a["alias"] for a in body["aliases"]}
    by_name = client.get("/api/entities/" + quote(body["aliases"][0]["alias"], safe="")).json()
    assert by_name["entity"]["id"] == "cms-secretariat"
    rc = client.get("/api/entities/cms-secretariat?format=csv&part=actions")
    assert len(list(csv.DictReader(io.StringIO(rc.text)))) == len(body["actions"])


def test_search_same_with_and_without_accents(client):
    a = client.get("/api/search", params={"q": "coopération"}).json()
    b = client.get("/api/search", params={"q": "COOPERATION"}).json()
    assert a and [(r["document_id"], r["page"]) for r in a] == [(r["document_id"], r["page"]) for r in b]


# ------------------------------------------------------------------ bad input
BAD = [
    ("/api/documents/999999", 404, "no stored document"),
    ("/api/documents/UNEP/NOPE/1", 404, "no stored document"),
    ("/api/documents/5?page=99", 404, "no page 99"),
    ("/api/documents/5?page=0", 422, "page"),
    ("/api/documents?year=20x5", 422, "year"),
    ("/api/documents?sort=bogus", 422, "sort"),
    ("/api/documents?limit=abc", 422, "limit"),
    ("/api/actions?due_before=soon", 422, "due-before"),
    ("/api/actions?limit=-1", 422, "limit"),
    ("/api/actions?offset=-5", 422, "offset"),
    ("/api/actions?limit=99999999", 422, "limit"),
    ("/api/actions?format=xml", 422, "format"),
    ("/api/entities?label=FOO", 422, "label"),
    ("/api/entities/no-such-entity", 404, "unknown entity"),
    ("/api/entities/cms-secretariat?part=bogus", 422, "part"),
    ("/api/cites/no-such-entity", 404, "unknown entity"),
    ("/api/cited-by/no-such-doc", 404, "no stored document"),
    ("/api/search", 422, "q"),
    ("/api/search?q=", 422, "q"),
    ("/api/search?q=%20%20", 422, "q"),
    ("/api/search?q=x&limit=0", 422, "limit"),
    ("/api/nothing-here", 404, "no such page"),
    ("/api/actions?actor=%27%3B%20DROP%20TABLE%20action_items%3B--", 200, None),
    ("/api/search?q=%22unbalanced", 200, None),
    ("/api/search?q=-", 422, "nothing to search"),
    ("/api/search?q=%2A%3A%28%29%5E", 422, "nothing to search"),
    ("/api/search?q=le", 422, "only French function words"),
    ("/api/search?q=-technique", 422, "needs a word to find"),
]


@pytest.mark.parametrize("url,status,fragment", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_a_json_error_with_a_reason(client, url, status, fragment):
    r = client.get(url)
    assert r.status_code == status, r.text
    assert "Traceback" not in r.text
    if fragment:
        body = r.json()
        assert body["status"] == status and fragment in body["error"], body


def test_sql_payload_is_inert(client, session):
    before = session.scalar(sa.text("select count(*) from action_items"))
    client.get("/api/actions", params={"actor": "x'); DELETE FROM action_items; --"})
    client.get("/api/documents", params={"treaty": "' OR 1=1 --"})
    assert client.get("/api/documents", params={"treaty": "' OR 1=1 --"}).json() == []
    assert session.scalar(sa.text("select count(*) from action_items")) == before


# ------------------------------------------------------------------ pages
PAGES = ["/", "/documents", "/documents?treaty=CMS&sort=-date", "/documents?body=StC&page=1",
         "/documents/5", "/documents/4?page=1", "/documents/UNEP/CMS/StC52/11",
         "/actions", "/actions?treaty=CMS&actor=cms-standing-committee",
         "/actions?due_before=2027-01-01&text=rapport", "/entities", "/entities?label=REF",
         "/entities/cms-secretariat", "/entities/" + quote("CMS Res 11.10", safe=""),
         "/search", "/search?q=coop%C3%A9ration", "/search?q=cooperation&lang=fr", "/docs"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_with_csp(client, url):
    r = client.get(url)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "<script" not in r.text.replace("&lt;script", "")  # no script at all in our pages


@pytest.mark.parametrize("url,status", [("/documents/999999", 404), ("/entities/no-such", 404),
                                        ("/actions?due_before=soon", 422), ("/documents?year=x", 422),
                                        ("/documents/5?page=99", 404), ("/actions?page=0", 422),
                                        ("/nope", 404)])
def test_page_errors_are_pages(client, url, status):
    r = client.get(url)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html") and "Traceback" not in r.text
    assert 'role="alert"' in r.text and "content-security-policy" in r.headers


def test_hostile_text_is_escaped(client):
    doc = client.get("/api/documents/" + XSS_SYMBOL).json()
    r = client.get(f"/documents/{doc['document']['id']}")
    assert "&lt;script&gt;alert(&#39;docmine-xss&#39;)&lt;/script&gt;" in r.text
    assert "&lt;img src=x onerror=alert(&#39;docmine-img&#39;)&gt;" in r.text
    assert "<script>" not in r.text and "<img src=x" not in r.text
    s = client.get("/search", params={"q": "<script>alert(1)</script> texte"})
    assert "<script>alert(1)" not in s.text and "&lt;script&gt;alert(1)" in s.text


def test_document_page_shows_mentions_actions_citations(client):
    r = client.get("/documents/" + XSS_SYMBOL)
    assert r.status_code == 200
    html = r.text
    assert 'class="m m-DOC"' in html and 'href="/entities/UNEP%2FCMS%2FStC52%2F11"' in html
    assert 'class="item" id="a-1-' in html and "cms-secretariat" in html
    assert 'class="cited-doc" href="/documents/5"' in html
    cited = client.get("/documents/5").text
    assert XSS_SYMBOL in cited  # "cited by" lists the hostile document


def test_page_image_and_pdf(client, store):
    r = client.get("/documents/5/pages/1.png")
    assert r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n"
    cache = store[1] / "cache" / "pages"
    assert any(p.suffix == ".png" for p in cache.iterdir())
    pdf = client.get("/documents/5/pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    assert client.get("/documents/5/pages/99.png").status_code == 404
    assert client.get("/documents/999/pdf").status_code == 404


def test_interface_language(client):
    assert "Actions demandées" in client.get("/actions?lang=fr").text
    assert "Action items" in client.get("/actions?lang=en").text
    fr = client.get("/actions", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}).text
    assert "Actions demandées" in fr and '<html lang="fr">' in fr
    en = client.get("/actions", headers={"Accept-Language": "de, en;q=0.8, fr;q=0.5"}).text
    assert '<html lang="en">' in en
    # an explicit ?lang= stays in the links
    assert 'href="/documents?lang=fr"' in client.get("/?lang=fr").text


def test_every_filter_combination_has_a_stable_url(client):
    r = client.get("/actions", params={"treaty": "CMS", "per_page": 2})
    assert 'rel="next" href="/actions?treaty=CMS&amp;per_page=2&amp;page=2"' in r.text
    assert "/api/actions?treaty=CMS&amp;format=csv" in r.text
    page2 = client.get("/actions?treaty=CMS&per_page=2&page=2")
    assert page2.status_code == 200 and 'rel="prev"' in page2.text


def test_nothing_is_written(client, store):
    eng = sa.create_engine(store[0].replace("postgresql://", "postgresql+psycopg://"))
    tables = ["documents", "pages", "mentions", "action_items", "entities", "corrections",
              "ingest_runs", "ingest_items"]

    def counts():
        with eng.connect() as c:
            return [c.execute(sa.text(f"select count(*) from {t}")).scalar() for t in tables]
    before = counts()
    for url in PAGES + [b[0] for b in BAD]:
        client.get(url)
    assert counts() == before
    eng.dispose()


def test_read_login_answers_401(store):
    from fastapi.testclient import TestClient

    from docmine.web import create_app
    url, data = store
    with TestClient(create_app(get_settings(database_url=url, data_dir=data), read="login"),
                    raise_server_exceptions=False) as c:
        r = c.get("/api/actions")
        assert r.status_code == 401 and "account" in r.json()["error"]
        assert r.headers["www-authenticate"].startswith("Bearer")
        page = c.get("/")
        assert page.status_code == 401 and "text/html" in page.headers["content-type"]
        assert c.get("/docs").status_code == 401
        assert c.get("/static/style.css").status_code == 200
    with pytest.raises(ValueError):
        create_app(get_settings(database_url=url, data_dir=data), read="everyone")


def test_openapi_and_offline_reference(client):
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {"/api/documents", "/api/documents/{key}", "/api/actions", "/api/cites/{entity_id}",
            "/api/cited-by/{document}", "/api/entities", "/api/entities/{entity_id}",
            "/api/search"} <= paths
    assert all(p.startswith("/api/") for p in paths)  # pages are not API
    docs = client.get("/docs")
    assert docs.status_code == 200 and "<script" not in docs.text  # no CDN, no script
    for p in paths:
        assert p in docs.text
    assert "json | csv" in docs.text and "HTTP 200, 401, 404, 422" in docs.text
