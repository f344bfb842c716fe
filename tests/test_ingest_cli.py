"""``docmine ingest`` / ``documents`` / ``show``: the CLI says what the Python API returns."""
from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from docmine.store import db
from docmine.cli import app
from docmine.documents import (AmbiguousDocument, DocumentNotFound, document_view, get_document,
                               list_documents)
from docmine.ingest import ingest_paths
from docmine.store.schema import Document, IngestRun, Page
from docmine.settings import get_settings

from test_ingest_helpers import ENGLISH, docmine_cmd, make_pdf

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def folder(tmp_path) -> Path:
    f = tmp_path / "in"
    make_pdf(f / "a.pdf", 3, symbol="UNEP/CMS/StC99/1", tag="a")
    make_pdf(f / "b.pdf", 2, symbol="UNEP/CMS/StC99/2", tag="b")
    make_pdf(f / "c.pdf", 1, symbol="UNEP/CMS/StC99/3", text=ENGLISH, tag="c")
    return f


_TIMINGS = ("seconds", "pages_per_second")


def _untimed(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in _TIMINGS}


def test_ingest_cli_matches_ingest_paths(db_url, folder, tmp_path):
    result = invoke("ingest", folder, "--database", db_url, "--json")
    assert result.exit_code == 0, result.output
    cli = json.loads(result.stdout)
    other = f"sqlite:///{tmp_path / 'api.db'}"
    api = ingest_paths([folder], settings=get_settings(database_url=other), progress=False)
    assert _untimed(cli) == _untimed(api.to_dict())
    assert cli["new"] == 3 and cli["pages"] == 6 and cli["languages"] == {"en": 1, "fr": 2}

    again = invoke("ingest", folder, "--database", db_url)
    assert again.exit_code == 0
    assert "0 new" in again.stdout and "3 skipped (already stored)" in again.stdout
    assert "pages/s" in again.stdout


def test_ingest_cli_text_summary_and_progress(db_url, folder):
    result = invoke("ingest", folder, "--database", db_url)
    assert result.exit_code == 0
    out = result.stdout
    assert "Documents: 3 new, 0 need OCR (no text layer), 0 skipped (already stored), 0 failed" in out
    assert "Pages: 6 in " in out and "pages/s" in out and "Languages: fr 2, en 1" in out
    quiet = invoke("ingest", folder, "--database", db_url, "--quiet")
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_ingest_cli_failures_exit_1_and_the_rest_is_stored(db_url, tmp_path):
    f = tmp_path / "mixed"
    make_pdf(f / "good.pdf", 2, tag="good")
    (f / "empty.pdf").write_bytes(b"")
    (f / "notes.pdf").write_text("plain text, not a PDF")
    result = invoke("ingest", f, "--database", db_url)
    assert result.exit_code == 1
    assert "1 new" in result.stdout and "2 failed" in result.stdout
    assert "empty.pdf: [empty]" in result.stdout and "notes.pdf: [not_pdf]" in result.stdout
    assert "Traceback" not in result.output
    with db.session_scope(db_url) as s:
        assert s.scalar(sa.select(sa.func.count(Document.id))) == 1


def test_ingest_cli_usage_errors_exit_2(tmp_path, folder):
    url = f"sqlite:///{tmp_path / 'u.db'}"
    missing = invoke("ingest", tmp_path / "nope.pdf", "--database", url)
    # one plain line on stderr, whatever the terminal width or the path's length
    assert missing.exit_code == 2 and missing.stdout == ""
    assert missing.stderr.startswith("docmine ingest: error: ")
    assert len(missing.stderr.splitlines()) == 1 and "does not exist" in missing.stderr
    assert invoke("ingest", folder, "--backend", "tesseract", "--database", url).exit_code == 2
    assert invoke("ingest", "--database", url).exit_code == 2


def test_ingest_cli_backend_option(tmp_path):
    url = f"sqlite:///{tmp_path / 'b.db'}"
    pdf = make_pdf(tmp_path / "p.pdf", 2, tag="plumber")
    result = invoke("ingest", pdf, "--database", url, "--backend", "pdfplumber", "--quiet")
    assert result.exit_code == 0, result.output
    with db.session_scope(url) as s:
        assert s.scalars(sa.select(Document.backend)).one() == "pdfplumber"
        assert s.scalars(sa.select(IngestRun.trigger)).one() == "cli"


def test_documents_cli_matches_list_documents(db_url, folder):
    invoke("ingest", folder, "--database", db_url, "--quiet")
    with db.session_scope(db_url) as s:
        rows = list_documents(session=s)
    assert [r["symbol"] for r in rows] == ["UNEP/CMS/StC99/1", "UNEP/CMS/StC99/2", "UNEP/CMS/StC99/3"]
    assert [r["pages"] for r in rows] == [3, 2, 1] and {r["version"] for r in rows} == {1}

    as_json = invoke("documents", "--database", db_url, "--format", "json")
    assert as_json.exit_code == 0 and json.loads(as_json.stdout) == rows
    as_csv = invoke("documents", "--database", db_url, "--format", "csv")
    parsed = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [{k: str(v) if v is not None else "" for k, v in r.items()} for r in rows] == parsed
    # wide enough for no cell to wrap: a header, a rule, a line per document, the count
    table = runner.invoke(app, ["documents", "--database", db_url],
                          env={"COLUMNS": "400"}).stdout
    lines = table.splitlines()
    assert lines[0].split() == ["id", "symbol", "title", "pages", "language", "status", "source", "version"]
    assert len(lines) == 1 + 1 + 3 + 1 and "(3 documents)" in lines[-1]
    assert all(r["symbol"] in table for r in rows)


def test_documents_cli_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    db.init_db(url)
    result = invoke("documents", "--database", url)
    assert result.exit_code == 0 and "(0 documents)" in result.stdout
    assert json.loads(invoke("documents", "--database", url, "-f", "json").stdout) == []


def test_show_cli_matches_get_document(db_url, folder):
    invoke("ingest", folder, "--database", db_url, "--quiet")
    with db.session_scope(db_url) as s:
        doc = get_document("UNEP/CMS/StC99/2", session=s)
        view = json.loads(json.dumps(document_view(doc)))
        page2 = json.loads(json.dumps(document_view(doc, page=2, body=True)))
        doc_id, sha = doc.id, doc.sha256
    for key in (str(doc_id), sha[:10], "unep/cms/stc99/2", "UNEP/CMS/ StC99/2"):
        result = invoke("show", key, "--database", db_url, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == view
    body = invoke("show", doc_id, "--page", 2, "--body", "--database", db_url, "--json")
    assert json.loads(body.stdout) == page2
    text = invoke("show", doc_id, "--database", db_url).stdout
    assert "symbol: UNEP/CMS/StC99/2" in text and f"sha256: {sha}" in text
    assert "--- page 1 " in text and "--- page 2 " in text
    # (click's test runner turns the PDF text's \r\n into \n)
    assert view["pages"][0]["text"].replace("\r\n", "\n") in text


@pytest.mark.shared
def test_show_body_leaves_out_the_running_header(db_url, shared_dir):
    pdf = shared_dir / "corpus" / "dev" / "pdf" / "000_cedb1ec72c960b43.pdf"
    invoke("ingest", pdf, "--database", db_url, "--quiet")
    raw = invoke("show", "UNEP/CMS/StC44/17", "--page", 2, "--database", db_url)
    body = invoke("show", "UNEP/CMS/StC44/17", "--page", 2, "--body", "--database", db_url)
    assert raw.exit_code == body.exit_code == 0
    raw_text = raw.stdout.split("---\n", 1)[1]
    body_text = body.stdout.split("---\n", 1)[1]
    assert raw_text.lstrip().startswith("UNEP/CMS/StC44/17")
    assert "UNEP/CMS/StC44/17" not in body_text.splitlines()[0]
    assert len(body_text) < len(raw_text)


def test_show_errors_exit_2(db_url, folder):
    invoke("ingest", folder, "--database", db_url, "--quiet")
    missing = invoke("show", "UNEP/XYZ/1", "--database", db_url)
    assert missing.exit_code == 2 and "no stored document" in missing.stderr
    no_page = invoke("show", "1", "--page", 9, "--database", db_url)
    assert no_page.exit_code == 2 and "has no page 9" in no_page.stderr
    # an id beyond any integer column: not found, no overflow traceback
    huge = invoke("show", "99999999999999999999", "--database", db_url)
    assert huge.exit_code == 2 and "no stored document" in huge.stderr
    assert "Traceback" not in huge.output and len(huge.stderr.splitlines()) == 1


@pytest.mark.shared
def test_show_scan_says_needs_ocr(db_url, shared_dir):
    scan = shared_dir / "corpus" / "real" / "list_of_docs_2001.pdf"
    assert invoke("ingest", scan, "--database", db_url, "--quiet").exit_code == 0
    out = invoke("show", "1", "--page", 1, "--database", db_url).stdout
    assert "status: needs_ocr" in out and "[no text layer: needs OCR]" in out
    listing = json.loads(invoke("documents", "--database", db_url, "-f", "json").stdout)
    assert listing[0]["status"] == "needs_ocr" and listing[0]["language"] is None


def test_get_document_keys_versions_and_ambiguity(db_url, tmp_path):
    settings = get_settings(database_url=db_url)
    path = make_pdf(tmp_path / "v.pdf", 1, symbol="UNEP/CMS/StC99/7", tag="v1")
    ingest_paths([path], settings=settings, progress=False)
    make_pdf(path, 2, symbol="UNEP/CMS/StC99/7", tag="v2")
    ingest_paths([path], settings=settings, progress=False)
    with db.session_scope(db_url) as s:
        latest = get_document("UNEP/CMS/StC99/7", session=s)
        assert latest.version == 2 and latest.page_count == 2
    # the same symbol from another source: ambiguous
    make_pdf(tmp_path / "elsewhere.pdf", 1, symbol="UNEP/CMS/StC99/7", tag="other")
    ingest_paths([tmp_path / "elsewhere.pdf"], settings=settings, progress=False)
    with db.session_scope(db_url) as s:
        with pytest.raises(AmbiguousDocument) as err:
            get_document("UNEP/CMS/StC99/7", session=s)
        assert len(err.value.candidates) == 3
        with pytest.raises(DocumentNotFound):
            get_document("999", session=s)
        assert get_document(1, session=s).version == 1


def test_help_says_what_and_names_the_function():
    for cmd, fn in (("ingest", "ingest_paths"), ("documents", "list_documents"),
                    ("show", "get_document")):
        result = invoke(cmd, "--help")
        assert result.exit_code == 0
        assert fn in result.stdout
    assert "Store PDFs in the database" in invoke("ingest", "--help").stdout
    assert "List the documents" in invoke("documents", "--help").stdout


# ------------------------------------------------------------------ a killed run
@pytest.mark.slow
def test_sigkill_mid_run_leaves_no_half_document_and_rerun_completes(db_url, tmp_path):
    folder = tmp_path / "many"
    n = 120
    for i in range(n):
        make_pdf(folder / f"doc{i:03d}.pdf", 3, tag=f"number {i}")
    db.init_db(db_url)
    proc = subprocess.Popen(docmine_cmd("ingest", folder, "--database", db_url, "--quiet"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    engine = db.get_engine(db_url)
    stored = 0
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            with engine.connect() as c:
                stored = c.execute(sa.select(sa.func.count(Document.id))).scalar()
            if stored >= 5:
                break
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    if proc.returncode != -signal.SIGKILL or stored >= n:  # pragma: no cover - machine too fast
        pytest.skip("the run finished before it could be killed")

    with db.session_scope(db_url) as s:
        docs = s.scalars(sa.select(Document)).all()
        assert 5 <= len(docs) < n
        assert all(len(d.pages) == d.page_count == 3 for d in docs)  # no half-written document
        assert s.scalar(sa.select(sa.func.count(Page.id))) == 3 * len(docs)
        assert s.scalars(sa.select(IngestRun.status)).one() == "running"  # killed: never finished
        killed_at = len(docs)

    result = subprocess.run(docmine_cmd("ingest", folder, "--database", db_url, "--json"),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["skipped"] == killed_at and summary["new"] == n - killed_at
    with db.session_scope(db_url) as s:
        assert s.scalar(sa.select(sa.func.count(Document.id))) == n
        assert s.scalar(sa.select(sa.func.count(Page.id))) == 3 * n
