"""docmine.ingest: PDFs into the store, on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from docmine.store import db
from docmine import ingest as ingest_mod
from docmine.ingest import find_pdfs, ingest_file, ingest_paths, sha256_file
from docmine.store.schema import Document, IngestItem, IngestRun, Page
from docmine.reading.read import read_pdf
from docmine.settings import get_settings

from test_ingest_helpers import ENGLISH, make_pdf


def _settings(url: str, **kw):
    return get_settings(database_url=url, **kw)


def _count(url: str, model) -> int:
    with db.session_scope(url) as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model))


def _complete(url: str) -> None:
    """Every stored document has exactly its pages, numbered 1..n."""
    with db.session_scope(url) as s:
        for doc in s.scalars(sa.select(Document)):
            numbers = [p.number for p in doc.pages]
            assert numbers == list(range(1, doc.page_count + 1)), doc.source


@pytest.fixture
def three_pdfs(tmp_path) -> Path:
    folder = tmp_path / "in"
    make_pdf(folder / "a.pdf", 3, symbol="UNEP/CMS/StC99/1", tag="a")
    make_pdf(folder / "sub" / "b.pdf", 2, symbol="UNEP/CMS/StC99/2", tag="b")
    make_pdf(folder / "sub" / "c.PDF", 1, symbol="UNEP/CMS/StC99/3", text=ENGLISH, tag="c")
    (folder / "notes.txt").write_text("not a pdf, and not named like one: ignored in folders")
    return folder


# ------------------------------------------------------------------ basics
def test_find_pdfs_recursive_by_extension_and_magic(tmp_path, three_pdfs):
    magic = three_pdfs / "no_extension"
    magic.write_bytes((three_pdfs / "a.pdf").read_bytes())
    found = [p.relative_to(three_pdfs).as_posix() for p in find_pdfs([three_pdfs])]
    assert found == ["a.pdf", "no_extension", "sub/b.pdf", "sub/c.PDF"]
    # a file named explicitly is taken whatever it holds (so its failure is reported)
    assert find_pdfs([three_pdfs / "notes.txt", three_pdfs / "a.pdf", three_pdfs]) [0].name == "notes.txt"
    with pytest.raises(FileNotFoundError):
        find_pdfs([tmp_path / "missing.pdf"])


def test_ingest_stores_documents_and_pages_exactly(db_url, three_pdfs):
    summary = ingest_paths([three_pdfs], settings=_settings(db_url), progress=False)
    assert (summary.new, summary.skipped, len(summary.failed), summary.needs_ocr) == (3, 0, 0, 0)
    assert summary.pages == 6 and summary.exit_code == 0
    assert summary.languages == {"fr": 2, "en": 1}
    assert summary.pages_per_second > 0
    assert summary.document_ids == [o.document_id for o in summary.outcomes] and len(summary.document_ids) == 3
    with db.session_scope(db_url) as s:
        docs = s.scalars(sa.select(Document).order_by(Document.id)).all()
        assert [d.symbol for d in docs] == ["UNEP/CMS/StC99/1", "UNEP/CMS/StC99/2", "UNEP/CMS/StC99/3"]
        for d in docs:
            path = Path(d.source)
            read = read_pdf(path)
            assert d.sha256 == sha256_file(path) == read.sha256
            assert d.size == path.stat().st_size
            assert d.page_count == len(d.pages) == len(read.pages)
            assert d.source_key == str(path.resolve()) and d.version == 1 and d.supersedes_id is None
            assert (d.status, d.backend, d.language) == ("ok", "pypdfium2", read.language)
            assert d.languages == read.languages and d.treaty == read.treaty
            assert d.doc_date == read.date and d.title == read.title
            joined = "\f".join(p.text for p in d.pages)
            assert joined == read.text
            for p, rp in zip(d.pages, read.pages):
                assert p.text == rp.text  # raw text exactly
                assert p.char_count == len(rp.text)
                assert joined[p.doc_offset:p.doc_offset + p.char_count] == p.text
                assert p.blocks == [{"kind": b.kind, "start": b.start, "end": b.end} for b in rp.blocks]
                assert p.language == rp.language
        run = s.scalars(sa.select(IngestRun)).one()
        assert run.status == "ok" and run.finished_at is not None
        assert run.summary["new"] == 3 and run.summary["pages"] == 6
        assert run.summary["languages"] == {"en": 1, "fr": 2}
        items = s.scalars(sa.select(IngestItem).order_by(IngestItem.id)).all()
        assert [i.outcome for i in items] == ["new"] * 3
        assert all(i.run_id == run.id and i.document_id and i.sha256 and i.size for i in items)


def test_reingest_skips_by_sha256_without_parsing(db_url, three_pdfs, monkeypatch):
    settings = _settings(db_url)
    ingest_paths([three_pdfs], settings=settings, progress=False)

    def must_not_parse(*a, **k):  # pragma: no cover - the failure we test for
        raise AssertionError("already stored bytes were parsed again")

    monkeypatch.setattr("docmine.reading.read.read_bytes", must_not_parse)
    again = ingest_paths([three_pdfs], settings=settings, progress=False)
    assert (again.new, again.skipped, again.pages, again.exit_code) == (0, 3, 0, 0)
    assert all("already stored as document" in o.reason for o in again.outcomes)
    assert _count(db_url, Document) == 3 and _count(db_url, Page) == 6
    with db.session_scope(db_url) as s:
        runs = s.scalars(sa.select(IngestRun).order_by(IngestRun.id)).all()
        assert [r.summary["skipped"] for r in runs] == [0, 3]
        skipped = s.scalars(sa.select(IngestItem).where(IngestItem.run_id == runs[1].id)).all()
        assert {i.outcome for i in skipped} == {"skipped"} and all(i.document_id for i in skipped)


def test_same_bytes_under_another_name_are_skipped(db_url, tmp_path):
    a = make_pdf(tmp_path / "a.pdf", 2, tag="same")
    b = tmp_path / "copy" / "b.pdf"
    b.parent.mkdir()
    b.write_bytes(a.read_bytes())
    summary = ingest_paths([a, b], settings=_settings(db_url), progress=False)
    assert (summary.new, summary.skipped) == (1, 1)
    assert summary.outcomes[1].document_id == summary.outcomes[0].document_id


def test_changed_file_at_the_same_path_is_a_new_version(db_url, tmp_path):
    settings = _settings(db_url)
    path = make_pdf(tmp_path / "doc.pdf", 2, tag="first")
    first = ingest_paths([path], settings=settings, progress=False).outcomes[0]
    make_pdf(path, 3, tag="second edition")
    second = ingest_paths([path], settings=settings, progress=False).outcomes[0]
    make_pdf(path, 1, tag="third")
    third = ingest_paths([path], settings=settings, progress=False).outcomes[0]
    assert (first.version, second.version, third.version) == (1, 2, 3)
    with db.session_scope(db_url) as s:
        docs = s.scalars(sa.select(Document).order_by(Document.version)).all()
        assert [d.page_count for d in docs] == [2, 3, 1]
        assert {d.source_key for d in docs} == {str(path.resolve())}
        assert [d.supersedes_id for d in docs] == [None, docs[0].id, docs[1].id]
    # going back to bytes already stored is a skip, not a version
    make_pdf(path, 2, tag="first")
    assert ingest_paths([path], settings=settings, progress=False).outcomes[0].outcome == "skipped"


def test_url_source_is_the_version_key(db_url, tmp_path):
    settings = _settings(db_url)
    url = "https://example.org/docs/StC99_1.pdf"
    factory = db.make_session_factory(db_url)
    with factory() as s:
        run = IngestRun(trigger="api")
        s.add(run)
        s.commit()
        one = ingest_file(make_pdf(tmp_path / "dl1.pdf", 1, tag="v1"), session=s, run=run,
                          settings=settings, source=url)
        two = ingest_file(make_pdf(tmp_path / "dl2.pdf", 1, tag="v2"), session=s, run=run,
                          settings=settings, source=url)
    assert (one.outcome, two.outcome, two.version) == ("new", "new", 2)
    with db.session_scope(db_url) as s:
        assert set(s.scalars(sa.select(Document.source_key))) == {url}
        assert set(s.scalars(sa.select(IngestItem.source))) == {url}


# ------------------------------------------------------------------ bad input
def test_bad_inputs_are_recorded_and_the_rest_is_stored(db_url, tmp_path):
    from reportlab.lib import pdfencrypt
    folder = tmp_path / "mixed"
    good = make_pdf(folder / "good.pdf", 2, tag="good")
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "text.pdf").write_text("Ceci n'est pas un PDF.\n")
    data = make_pdf(tmp_path / "whole.pdf", 3, tag="whole").read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 2])
    make_pdf(folder / "locked.pdf", 1, tag="locked",
             encrypt=pdfencrypt.StandardEncryption("user-password", "owner-password"))
    summary = ingest_paths([folder], settings=_settings(db_url), progress=False)
    codes = {Path(o.source).name: o.error_code for o in summary.failed}
    assert codes == {"empty.pdf": "empty", "text.pdf": "not_pdf", "truncated.pdf": "corrupt",
                     "locked.pdf": "encrypted"}
    for o in summary.failed:
        assert o.reason and "\n" not in o.reason and "Traceback" not in o.reason
    assert summary.new == 1 and summary.exit_code == 1
    assert summary.outcomes[[Path(o.source).name for o in summary.outcomes].index("good.pdf")].stored
    with db.session_scope(db_url) as s:
        assert s.scalars(sa.select(Document.source)).all() == [str(good)]
        failed = s.scalars(sa.select(IngestItem).where(IngestItem.outcome == "failed")).all()
        assert {Path(i.source).name: i.error_code for i in failed} == codes
        assert all(i.reason and i.document_id is None for i in failed)
        run = s.scalars(sa.select(IngestRun)).one()
        assert run.status == "partial" and run.summary["failed"] == 4
        assert {f["code"] for f in run.summary["failures"]} == set(codes.values())


def test_a_reader_crash_is_a_failure_not_a_traceback(db_url, tmp_path, monkeypatch):
    a = make_pdf(tmp_path / "a.pdf", 1, tag="a")
    b = make_pdf(tmp_path / "b.pdf", 1, tag="b")
    import docmine.reading.read as read

    original = read.read_bytes

    def flaky(data, *, path="", **kw):
        if path.endswith("a.pdf"):
            raise MemoryError("simulated reader bug")
        return original(data, path=path, **kw)

    monkeypatch.setattr(read, "read_bytes", flaky)
    summary = ingest_paths([a, b], settings=_settings(db_url), progress=False)
    assert [o.outcome for o in summary.outcomes] == ["failed", "new"]
    assert summary.failed[0].error_code == "unreadable"
    assert "MemoryError" in summary.failed[0].reason


@pytest.mark.shared
def test_scan_is_stored_as_needs_ocr_with_null_text(db_url, shared_dir):
    scan = shared_dir / "corpus" / "real" / "list_of_docs_2001.pdf"
    summary = ingest_paths([scan], settings=_settings(db_url), progress=False)
    assert (summary.new, summary.needs_ocr, summary.exit_code) == (0, 1, 0)
    assert "OCR" in summary.render()
    with db.session_scope(db_url) as s:
        doc = s.scalars(sa.select(Document)).one()
        assert doc.status == "needs_ocr" and doc.page_count == 8 == len(doc.pages)
        assert all(p.text is None and p.char_count == 0 for p in doc.pages)
        assert s.scalar(sa.select(sa.func.count()).select_from(Page).where(Page.text == "")) == 0
        item = s.scalars(sa.select(IngestItem)).one()
        assert item.outcome == "needs_ocr" and "OCR" in item.reason


@pytest.mark.shared
@pytest.mark.slow
def test_shared_corpus(db_url, shared_dir):
    folders = [shared_dir / "corpus" / "real", shared_dir / "corpus" / "dev" / "pdf"]
    summary = ingest_paths(folders, settings=_settings(db_url), progress=False)
    pdfs = find_pdfs(folders)
    assert len(pdfs) == 17
    assert summary.new + summary.needs_ocr == 17 and summary.needs_ocr == 1
    assert summary.exit_code == 0 and summary.pages > 300
    assert summary.languages["fr"] == 3
    _complete(db_url)
    with db.session_scope(db_url) as s:
        wcpfc2 = s.scalars(sa.select(Document).where(Document.source.like("%WCPFC2%"))).one()
        assert wcpfc2.status == "ok" and wcpfc2.page_count == 66
        blank = [p.number for p in wcpfc2.pages if p.text is None]
        assert len(blank) == 2  # pages without text in an otherwise text PDF
        cbd = s.scalars(sa.select(Document).where(Document.symbol == "CBD/COP/DEC/16/31")).one()
        assert cbd.page_count == 32 and cbd.language == "en"
        doc = s.scalars(sa.select(Document).where(Document.symbol == "UNEP/CMS/StC44/17")).one()
        assert doc.language == "fr" and doc.treaty == "CMS"
        kinds = {b["kind"] for p in doc.pages for b in p.blocks}
        assert {"header", "body"} <= kinds
    again = ingest_paths(folders, settings=_settings(db_url), progress=False)
    assert again.skipped == 17 and again.pages == 0


# ------------------------------------------------------------------ interruptions
def test_interrupted_document_leaves_nothing_and_rerun_completes(db_url, tmp_path, monkeypatch):
    folder = tmp_path / "batch"
    for i in range(4):
        make_pdf(folder / f"d{i}.pdf", 3, tag=f"doc {i}")
    settings = _settings(db_url)
    original = ingest_mod._item

    def killer(run_id, source, outcome):
        # called inside the per-document transaction, after its pages were flushed
        if source.endswith("d2.pdf") and outcome.outcome == "new":
            raise KeyboardInterrupt("killed while writing d2.pdf")
        return original(run_id, source, outcome)

    monkeypatch.setattr(ingest_mod, "_item", killer)
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([folder], settings=settings, progress=False)
    with db.session_scope(db_url) as s:
        assert sorted(Path(p).name for p in s.scalars(sa.select(Document.source))) == ["d0.pdf", "d1.pdf"]
        assert _count(db_url, Page) == 6
        assert s.scalars(sa.select(IngestRun.status)).one() == "interrupted"
    _complete(db_url)

    monkeypatch.setattr(ingest_mod, "_item", original)
    rerun = ingest_paths([folder], settings=settings, progress=False)
    assert [o.outcome for o in rerun.outcomes] == ["skipped", "skipped", "new", "new"]
    assert _count(db_url, Document) == 4 and _count(db_url, Page) == 12
    _complete(db_url)


def test_database_error_inside_the_transaction_rolls_back_that_document(db_url, tmp_path, monkeypatch):
    a = make_pdf(tmp_path / "a.pdf", 2, tag="a")
    b = make_pdf(tmp_path / "b.pdf", 2, tag="b")
    original = ingest_mod._page_rows

    def bad_pages(doc, *, scan):
        rows = original(doc, scan=scan)
        if doc.path.endswith("a.pdf"):
            rows[1].number = 1  # duplicate (document_id, number): the flush fails
        return rows

    monkeypatch.setattr(ingest_mod, "_page_rows", bad_pages)
    with pytest.raises(sa.exc.IntegrityError):
        ingest_paths([a, b], settings=_settings(db_url), progress=False)
    assert _count(db_url, Document) == 0 and _count(db_url, Page) == 0


# ------------------------------------------------------------------ concurrency
def test_two_concurrent_ingests_store_each_document_once(db_url, tmp_path):
    folder = tmp_path / "shared"
    for i in range(6):
        make_pdf(folder / f"p{i}.pdf", 2, tag=f"paper {i}")
    settings = _settings(db_url)
    db.init_db(db_url)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def work():
        try:
            barrier.wait()
            results.append(ingest_paths([folder], settings=settings, progress=False))
        except BaseException as exc:  # pragma: no cover - the failure we test for
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _count(db_url, Document) == 6 and _count(db_url, Page) == 12
    assert sum(r.new for r in results) == 6 and sum(r.skipped for r in results) == 6
    assert all(r.exit_code == 0 for r in results)
    _complete(db_url)


def test_integrity_error_on_commit_is_a_skip(db_url, tmp_path, monkeypatch):
    """The race the unique sha256 settles: another run stored the same bytes
    between our check and our commit."""
    path = make_pdf(tmp_path / "race.pdf", 2, tag="race")
    settings = _settings(db_url)
    ingest_paths([path], settings=settings, progress=False)  # the other run won
    calls = {"n": 0}
    original = ingest_mod.document_exists

    def stale(sha256, *, session):
        calls["n"] += 1
        return None if calls["n"] <= 2 else original(sha256, session=session)

    monkeypatch.setattr(ingest_mod, "document_exists", stale)
    out = ingest_paths([path], settings=settings, progress=False).outcomes[0]
    assert out.outcome == "skipped" and out.document_id
    assert _count(db_url, Document) == 1 and _count(db_url, Page) == 2


@pytest.mark.slow
def test_two_concurrent_processes_store_each_document_once(db_url, tmp_path):
    import subprocess
    from test_ingest_helpers import docmine_cmd
    folder = tmp_path / "shared"
    for i in range(8):
        make_pdf(folder / f"p{i}.pdf", 2, tag=f"paper {i}")
    db.init_db(db_url)
    procs = [subprocess.Popen(docmine_cmd("ingest", folder, "--database", db_url, "--json"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        outs.append(json.loads(out))
    assert _count(db_url, Document) == 8 and _count(db_url, Page) == 16
    assert sum(o["new"] for o in outs) == 8 and sum(o["skipped"] for o in outs) == 8
    _complete(db_url)


def test_concurrent_new_versions_of_one_source_get_distinct_numbers(db_url, tmp_path):
    url = "https://example.org/docs/changing.pdf"
    files = [make_pdf(tmp_path / f"v{i}.pdf", 1, tag=f"edition {i}") for i in range(4)]
    settings = _settings(db_url)
    factory = db.make_session_factory(db_url)
    with factory() as s:
        run = IngestRun(trigger="api")
        s.add(run)
        s.commit()
        run_id = run.id
    barrier = threading.Barrier(len(files))
    outcomes, errors = [], []

    def work(path):
        try:
            barrier.wait()
            with factory() as s:
                outcomes.append(ingest_file(path, session=s, run=IngestRun(id=run_id),
                                            settings=settings, source=url))
        except BaseException as exc:  # pragma: no cover - the failure we test for
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and {o.outcome for o in outcomes} == {"new"}
    with db.session_scope(db_url) as s:
        docs = s.scalars(sa.select(Document).order_by(Document.version)).all()
        assert [d.version for d in docs] == [1, 2, 3, 4]
        assert [d.supersedes_id for d in docs] == [None] + [d.id for d in docs[:-1]]


# ------------------------------------------------------------------ re-runs (issue 15)
def test_rerun_trusts_size_and_mtime_only_for_stored_bytes(db_url, three_pdfs, tmp_path):
    """With a data folder, an unchanged file (same size and mtime_ns) whose
    remembered sha256 is stored is skipped without being read; a file whose
    size or mtime changed is read and hashed."""
    data = tmp_path / "data"
    data.mkdir()
    settings = _settings(db_url, data_dir=data)
    first = ingest_paths([three_pdfs], settings=settings, progress=False)
    assert first.new == 3
    a = three_pdfs / "a.pdf"
    st = a.stat()
    # same size and mtime, other bytes: trusted as unchanged (it is not read again)
    body = bytearray(a.read_bytes())
    body[-20:-10] = b"%" * 10  # a comment-free tail change keeps the size
    a.write_bytes(bytes(body))
    import os
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns))
    again = ingest_paths([three_pdfs], settings=settings, progress=False)
    assert (again.new, again.skipped, len(again.failed)) == (0, 3, 0)
    assert {o.reason.split(" (")[0].rsplit(" ", 1)[0] for o in again.outcomes} == {"already stored as document"}
    assert _count(db_url, IngestItem) == 6
    # a new mtime: read and hashed again (the bytes differ: a new version)
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    third = ingest_paths([three_pdfs], settings=settings, progress=False)
    assert (third.new + len(third.failed), third.skipped) == (1, 2)
    # what is remembered: the sha256 of the stored bytes, by resolved path
    with db.session_scope(db_url) as s:
        b_sha = s.scalar(sa.select(Document.sha256).where(Document.source.like("%b.pdf")))
    from docmine.reading.fetch import FetchState, state_path
    assert FetchState(state_path(data)).section("files")[str((three_pdfs / "sub" / "b.pdf").resolve())][
        "sha256"] == b_sha
    _complete(db_url)


def test_without_a_data_folder_nothing_is_created(db_url, three_pdfs, tmp_path):
    settings = _settings(db_url, data_dir=tmp_path / "absent")
    assert ingest_paths([three_pdfs], settings=settings, progress=False).new == 3
    assert ingest_paths([three_pdfs], settings=settings, progress=False).skipped == 3
    assert not (tmp_path / "absent").exists()


def test_skipped_records_are_written_as_a_writer_while_another_process_writes(db_url, tmp_path):
    """A re-run records its skipped files in batches. Another writer that
    commits between the run's read of what is stored and that batch must not
    fail the run: on SQLite a batch added to the read's transaction failed at
    once with "database is locked" (seen under load with two `docmine ingest`
    at once); written in a writer's transaction (BEGIN IMMEDIATE), the other
    writer waits for it instead."""
    import time
    folder = tmp_path / "in"
    for i in range(3):
        make_pdf(folder / f"s{i}.pdf", 1, tag=f"stored {i}")
    make_pdf(folder / "new.pdf", 1, tag="the new one")
    settings = _settings(db_url)
    assert ingest_paths([folder / f"s{i}.pdf" for i in range(3)], settings=settings, progress=False).new == 3
    factory = db.make_session_factory(db_url)
    other: list = []

    def write_elsewhere() -> None:
        try:
            with factory() as s:
                s.add(IngestRun(trigger="other", status="ok", settings={}))
                s.commit()
            other.append("ok")
        except Exception as exc:  # pragma: no cover - the failure we test for
            other.append(exc)

    threads: list[threading.Thread] = []

    def on_outcome(o) -> None:
        if o.outcome == "skipped" and not threads:  # after the read, before the batch is written
            threads.append(threading.Thread(target=write_elsewhere))
            threads[0].start()
            time.sleep(0.5)  # the other writer commits now, unless the run holds the write lock

    summary = ingest_paths([folder], settings=settings, progress=False, on_outcome=on_outcome)
    threads[0].join(timeout=60)
    assert summary.new == 1 and summary.skipped == 3 and not summary.failed, summary
    assert other == ["ok"]
    with factory() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(IngestRun).where(IngestRun.trigger == "other")) == 1
    db.dispose_engines()
