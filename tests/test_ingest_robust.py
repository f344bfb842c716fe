"""Issue 9, "no traceback, a clear one-line reason, and the rest still
processed", for reading and ingest: symlink loops, FIFOs, file names that are
not UTF-8, missing paths, NUL characters in a page's text, a stale PDFium
error code, paths stored in one form, runs left ``running`` by kill -9."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from docmine.store import db
from docmine.ingest import absolute_path, ingest_paths, mark_stale_runs
from docmine.store.schema import Document, IngestItem, IngestRun, Page
from docmine.reading.read import ReadError, read_bytes
from docmine.settings import Settings
from docmine.reading.sources import discover

from test_ingest_helpers import docmine_cmd, make_pdf

BAD_NAME = b"r\xe9sum\xe9-latin1.pdf"  # a Latin-1 file name: not UTF-8


@pytest.fixture
def hostile_folder(tmp_path) -> Path:
    f = tmp_path / "in"
    make_pdf(f / "good.pdf", 2, tag="good")
    make_pdf(f / "sub" / "deep.pdf", 1, tag="deep")
    (f / "loop.pdf").symlink_to("loop.pdf")
    (f / "a.pdf").symlink_to("b.pdf")
    (f / "b.pdf").symlink_to("a.pdf")
    (f / "broken.pdf").symlink_to("nowhere.pdf")
    os.mkfifo(f / "fifo.pdf")
    make_pdf(tmp_path / "latin.pdf", 1, tag="latin")
    os.rename(tmp_path / "latin.pdf", os.path.join(os.fsencode(f), BAD_NAME))
    return f


def _items(url: str) -> dict[str, tuple]:
    with db.session_scope(url) as s:
        return {src: (outcome, code, reason) for src, outcome, code, reason in s.execute(
            sa.select(IngestItem.source, IngestItem.outcome, IngestItem.error_code, IngestItem.reason))}


def test_ingest_folder_with_loops_fifo_and_bad_name(db_url, hostile_folder):
    """A real ``docmine ingest`` process: no hang, no traceback, every bad
    entry reported on one line and recorded, the good files stored."""
    proc = subprocess.run(docmine_cmd("ingest", hostile_folder, "--database", db_url, "--quiet"),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    items = _items(db_url)
    root = str(hostile_folder.resolve())
    bad = root + "/r\\xe9sum\\xe9-latin1.pdf"
    assert items[root + "/good.pdf"][0] == "new"
    assert items[root + "/sub/deep.pdf"][0] == "new"
    assert items[bad][0] == "new"  # processed; recorded with its bytes escaped
    for name in ("loop.pdf", "a.pdf", "b.pdf"):
        assert items[root + "/" + name][:2] == ("failed", "unreadable")
        assert "symlink loop" in items[root + "/" + name][2]
    assert items[root + "/broken.pdf"][:2] == ("failed", "not_found")
    assert items[root + "/fifo.pdf"][:2] == ("failed", "unreadable")
    assert "not a regular file" in items[root + "/fifo.pdf"][2]
    assert len(items) == 8
    for name in ("loop.pdf", "fifo.pdf", "broken.pdf"):
        line = next(ln for ln in proc.stdout.splitlines() if ln.strip().startswith(root + "/" + name))
        assert "] " in line
    with db.session_scope(db_url) as s:
        assert s.scalar(sa.select(sa.func.count(Document.id))) == 3
        assert s.scalar(sa.select(Document.source).where(Document.source == bad)) == bad


def test_ingest_named_paths_missing_fifo_and_good(db_url, tmp_path):
    good = make_pdf(tmp_path / "good.pdf", 1, tag="named")
    os.mkfifo(tmp_path / "pipe.pdf")
    proc = subprocess.run(docmine_cmd("ingest", good, tmp_path / "missing.pdf", tmp_path / "pipe.pdf",
                                      "--database", db_url, "--quiet"),
                          capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1 and "Traceback" not in out, out
    missing = [ln for ln in out.splitlines() if "missing.pdf" in ln]
    assert len(missing) == 1 and "[not_found] no such file or folder" in missing[0]
    assert any("pipe.pdf" in ln and "not a regular file" in ln for ln in out.splitlines())
    items = _items(db_url)
    assert items[str(good.resolve())][0] == "new"
    assert items[str((tmp_path / "missing.pdf").resolve())][:2] == ("failed", "not_found")


def test_discovery_for_run_reports_loops_fifo_bad_name_and_non_pdf(tmp_path, hostile_folder):
    """What ``docmine run`` discovers (docmine.sources.discover): no exception;
    loops, FIFOs and non-UTF-8 names are failures with a reason, good files are
    candidates; a file named explicitly is a candidate whatever its name."""
    out = discover([str(hostile_folder)], data_dir=tmp_path / "data")
    root = str(hostile_folder.resolve())
    assert sorted(c.location for c in out.candidates) == [root + "/good.pdf", root + "/sub/deep.pdf"]
    codes = {Path(f.location).name: f.code for f in out.failures}
    assert codes == {"loop.pdf": "unreadable", "a.pdf": "unreadable", "b.pdf": "unreadable",
                     "broken.pdf": "unreadable", "fifo.pdf": "unreadable",
                     "r\\xe9sum\\xe9-latin1.pdf": "bad_name"}
    txt = tmp_path / "notes.txt"
    txt.write_text("not a pdf")
    one = discover([str(txt)], data_dir=tmp_path / "data")
    assert [c.location for c in one.candidates] == [str(txt.resolve())]


def test_run_on_a_text_file_says_not_pdf(tmp_path):
    """``docmine.run.run(file.txt)`` reports not_pdf like ``ingest`` (not "0 discovered", exit 0)."""
    from docmine.run import run
    txt = tmp_path / "file.txt"
    txt.write_text("hello")
    s = Settings(data_dir=tmp_path / "d", use_ner=False)
    summary = run([txt], settings=s, progress=False)
    assert summary.exit_code == 1
    assert [f["source"] for f in summary.failed] == [str(txt.resolve())]
    assert "not a PDF" in summary.failed[0]["reason"]


def _nul_pdf() -> bytes:
    """A one-page PDF whose font maps code 0 to U+0000 (pdfplumber returns a NUL)."""
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def "
            b"1 begincodespacerange <00> <FF> endcodespacerange "
            b"2 beginbfrange <00> <00> <0000> <20> <7E> <0020> endbfrange endcmap "
            b"CMapName currentdict /CMap defineresource pop end end")
    lines = [b"Le Secretariat est prie\\000 de faire rapport a la COP14 sur la mise en oeuvre.",
             b"La Conference des Parties\\000\\000 prend note du document UNEP/CMS/COP14/Doc.1."]
    content = b"BT /F1 11 Tf 60 800 Td 14 TL " + b" ".join(b"(" + ln + b") Tj T*" for ln in lines) + b" ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def test_nul_characters_are_stored_as_replacement_characters(db_url, tmp_path):
    """pdfplumber returns U+0000; PostgreSQL refuses it in text. Stored as
    U+FFFD one for one, so offsets are those of the backend's text."""
    pdf = tmp_path / "nul.pdf"
    pdf.write_bytes(_nul_pdf())
    s = Settings(data_dir=tmp_path / "d", database_url=db_url, pdf_backend="pdfplumber")
    summary = ingest_paths([pdf], settings=s, progress=False)
    assert summary.exit_code == 0, summary.render()
    with db.session_scope(db_url) as session:
        text, count = session.execute(sa.select(Page.text, Page.char_count)).one()
    assert "\x00" not in text and text.count("\ufffd") == 3
    assert text.index("\ufffd") == len("Le Secretariat est prie") and count == len(text)
    from docmine.store.write import extract_and_store
    with db.session_scope(db_url) as session:
        did = session.scalar(sa.select(Document.id))
    with db.make_session_factory(db_url)() as session:
        extract_and_store(did, session=session, settings=s.with_(use_ner=False))


def test_zero_page_pdf_after_an_encrypted_one_is_not_encrypted(tmp_path):
    import pypdfium2 as pdfium
    buf = io.BytesIO()
    pdfium.PdfDocument.new().save(buf)
    zero = buf.getvalue()
    from reportlab.lib.pdfencrypt import StandardEncryption
    enc = make_pdf(tmp_path / "enc.pdf", 1, encrypt=StandardEncryption("pw", "owner")).read_bytes()
    got = []
    for data in (zero, enc, zero, enc, zero):
        with pytest.raises(ReadError) as ei:
            read_bytes(data, backend="pypdfium2")
        got.append((ei.value.code, ei.value.reason))
    assert [c for c, _ in got] == ["corrupt", "encrypted", "corrupt", "encrypted", "corrupt"]
    assert got[0] == got[2] == got[4] == ("corrupt", "the PDF has no pages")


def test_relative_and_absolute_paths_store_one_form(db_url, tmp_path, monkeypatch):
    """``ingest rel/a.pdf`` and ``run`` (absolute, resolved) store the same source."""
    make_pdf(tmp_path / "in" / "a.pdf", 1, tag="rel")
    (tmp_path / "link").symlink_to(tmp_path / "in")
    monkeypatch.chdir(tmp_path)
    s = Settings(data_dir=tmp_path / "d", database_url=db_url)
    ingest_paths([Path("link/a.pdf")], settings=s, progress=False)
    with db.session_scope(db_url) as session:
        doc_src, key = session.execute(sa.select(Document.source, Document.source_key)).one()
        item_src = session.scalar(sa.select(IngestItem.source))
    want = str((tmp_path / "in" / "a.pdf").resolve())
    assert doc_src == item_src == key == want
    assert [c.location for c in discover([str(tmp_path / "in")], data_dir=tmp_path / "d").candidates] == [want]
    assert str(absolute_path("link/a.pdf")) == want


_START = r"""
import os, signal, sys, time
from docmine.store.db import make_session_factory
from docmine.ingest import start_run
with make_session_factory(sys.argv[1])() as s:
    rid = start_run(s, trigger="cli", settings={}).id
print(rid, flush=True)
if sys.argv[2] == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
time.sleep(120)
"""


def test_runs_killed_are_marked_interrupted_live_ones_are_not(db_url, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    db.init_db(db_url)
    killed = subprocess.run([sys.executable, "-c", _START, db_url, "kill"], capture_output=True,
                            text=True, timeout=120, env=env)
    assert killed.returncode == -signal.SIGKILL
    killed_id = int(killed.stdout.split()[0])
    live = subprocess.Popen([sys.executable, "-c", _START, db_url, "live"], stdout=subprocess.PIPE,
                            text=True, env=env)
    try:
        live_id = int(live.stdout.readline().split()[0])
        with db.session_scope(db_url) as s:  # a run of another machine: cannot be told, left alone
            s.add(IngestRun(trigger="flow", status="running",
                            settings={"owner": {"pid": 1, "host": "another-host", "proc_start": "1"}}))
        pdf = make_pdf(tmp_path / "x.pdf", 1, tag="stale")
        summary = ingest_paths([pdf], settings=Settings(data_dir=tmp_path / "d", database_url=db_url),
                               progress=False)
        with db.session_scope(db_url) as s:
            status = dict(s.execute(sa.select(IngestRun.id, IngestRun.status)).all())
            reason = s.scalar(sa.select(IngestRun.summary).where(IngestRun.id == killed_id))
        assert status[killed_id] == "interrupted" and "gone" in reason["interrupted"]
        assert status[live_id] == "running"
        assert status[summary.run_id] == "ok"
        assert sorted(status.values()).count("running") == 2  # the live one and the other host's
        with db.make_session_factory(db_url)() as s:
            assert mark_stale_runs(s) == []  # idempotent
    finally:
        live.kill()
        live.wait()
