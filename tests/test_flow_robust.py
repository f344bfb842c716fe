"""Issue 9 through the ``docmine run`` flow (``nightly_ingest``): a text file
named on the command line is reported ``not_pdf`` (not "discovered 0"); a
folder holding a symlink loop, a FIFO and a non-UTF-8 name is processed with
those reported, never a traceback or a hang."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from sqlalchemy import create_engine, select  # noqa: E402

from docmine.store.schema import Document, IngestItem  # noqa: E402
from test_pipeline_helpers import ensure_prefect_harness, make_pdfs  # noqa: E402


@pytest.fixture(scope="session")
def flows(pytestconfig):
    ensure_prefect_harness(pytestconfig)
    from docmine_pipeline import flows
    return flows


def _rows(url: str, stmt):
    eng = create_engine(url)
    try:
        with eng.connect() as c:
            return c.execute(stmt).all()
    finally:
        eng.dispose()


def test_run_on_a_text_file_says_not_pdf(flows, db_url, tmp_path):
    txt = tmp_path / "file.txt"
    txt.write_text("meeting notes, not a PDF")
    state = flows.nightly_ingest(sources=[str(txt)], database_url=db_url, data_dir=str(tmp_path / "d"),
                                 io_backoff=0.05, return_state=True)
    s = state.result(raise_on_failure=False)
    assert s["discovered"] == 1
    assert [(Path(f["location"]).name, f["code"]) for f in s["failed"]] == [("file.txt", "not_pdf")]
    assert not state.is_completed()


def test_run_on_a_hostile_folder(flows, db_url, tmp_path):
    src = tmp_path / "in"
    make_pdfs(src, 2, pages=1)
    (src / "loop.pdf").symlink_to("loop.pdf")
    os.mkfifo(src / "fifo.pdf")
    os.rename(make_pdfs(tmp_path / "x", 1, pages=1, prefix="latin")[0],
              os.path.join(os.fsencode(src), b"r\xe9sum\xe9.pdf"))
    state = flows.nightly_ingest(sources=[f"folder:{src}"], database_url=db_url,
                                 data_dir=str(tmp_path / "d"), io_backoff=0.05, return_state=True)
    s = state.result(raise_on_failure=False)
    assert s["new"] == 2
    codes = {Path(f["location"]).name: f["code"] for f in s["failed"]}
    assert codes == {"loop.pdf": "unreadable", "fifo.pdf": "unreadable", "r\\xe9sum\\xe9.pdf": "bad_name"}
    items = {Path(src_).name: code for src_, code in _rows(
        db_url, select(IngestItem.source, IngestItem.error_code).where(IngestItem.outcome == "failed"))}
    assert items == codes
    assert len(_rows(db_url, select(Document.id))) == 2
