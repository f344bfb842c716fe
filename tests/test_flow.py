"""The Prefect flows (``docmine_pipeline.flows``) under ``prefect_test_harness``:
folder and HTTP sources, skips, failures recorded with their reasons, honest
final states, the summary artifact, re-extraction, Dask = sequential."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from docmine.store.schema import ActionItem, Document, IngestItem, IngestRun, Mention, Page  # noqa: E402
from test_pipeline_helpers import (CorpusServer, closed_port_url, ensure_prefect_harness,  # noqa: E402
                                   make_pdfs)


@pytest.fixture(scope="session")
def prefect_harness(pytestconfig):
    ensure_prefect_harness(pytestconfig)


@pytest.fixture(scope="session")
def flows(prefect_harness):
    from docmine_pipeline import flows
    return flows


def run_flow(flows, **kw):
    kw.setdefault("io_backoff", 0.05)
    state = flows.nightly_ingest(return_state=True, **kw)
    return state, state.result(raise_on_failure=False)


def q(url: str, stmt):
    eng = create_engine(url)
    try:
        with eng.connect() as c:
            return c.execute(stmt).all()
    finally:
        eng.dispose()


def counts(url: str) -> dict:
    out = {}
    for model in (Document, Page, Mention, ActionItem):
        out[model.__tablename__] = q(url, select(func.count()).select_from(model))[0][0]
    return out


def test_folder_run_then_nothing_new(flows, db_url, tmp_path):
    src = tmp_path / "in"
    make_pdfs(src, 4, pages=2)
    (src / "broken.pdf").write_bytes(b"%PDF-1.4\n this is not really a pdf")
    (src / "copy").mkdir()
    (src / "copy" / "dup.pdf").write_bytes((src / "gen_000.pdf").read_bytes())
    data = tmp_path / "data"
    state, s = run_flow(flows, sources=[f"folder:{src}"], database_url=db_url, data_dir=str(data))
    assert state.is_failed() and state.message.startswith("partial failure")
    assert s["discovered"] == 6 and s["new"] == 4 and s["skipped"] == 1
    assert [(Path(f["location"]).name, f["step"]) for f in s["failed"]] == [("broken.pdf", "read")]
    assert s["failed"][0]["code"] in {"corrupt", "not_pdf", "unreadable", "empty"}
    assert s["pages"] == 8 and s["mentions"] > 0
    c1 = counts(db_url)
    assert c1["documents"] == 4 and c1["pages"] == 8
    # every stored document is extracted by the model in force
    assert {v for (v,) in q(db_url, select(Document.extracted_version))} <= set(
        flows.current_versions(flows.get_settings()))
    # the run and its items are recorded
    runs = q(db_url, select(IngestRun.status, IngestRun.summary).where(IngestRun.id == s["run_id"]))
    assert runs[0][0] == "partial" and runs[0][1]["new"] == 4
    items = q(db_url, select(IngestItem.outcome, IngestItem.error_code).where(IngestItem.run_id == s["run_id"]))
    assert sorted(o for o, _ in items) == ["failed", "new", "new", "new", "new", "skipped"]

    # second run: nothing new, nothing re-read, the broken file honestly failing again
    t0 = time.perf_counter()
    state2, s2 = run_flow(flows, sources=[f"folder:{src}"], database_url=db_url, data_dir=str(data))
    assert s2["new"] == 0 and s2["unchanged"] == 5 and s2["skipped"] == 5
    assert len(s2["failed"]) == 1
    assert counts(db_url) == c1
    assert time.perf_counter() - t0 < 30


def test_http_source_failures_recorded_and_second_run_is_304s(flows, db_url, tmp_path, pdfs_small):
    files = {f"/docs/{p.name}": p for p in pdfs_small}
    down = closed_port_url()
    data = tmp_path / "data"
    with CorpusServer(files) as srv:
        sources = [srv.index_url, down, f"{srv.base}/flaky.pdf"]
        state, s = run_flow(flows, sources=sources, database_url=db_url, data_dir=str(data), timeout=10)
        assert state.is_failed() and "partial failure" in state.message
        by_code = {(f["code"], f["location"]) for f in s["failed"]}
        assert ("http_404", f"{srv.base}/fail/404.pdf") in by_code
        assert ("http_5xx", f"{srv.base}/fail/500.pdf") in by_code
        assert ("truncated", f"{srv.base}/fail/truncated.pdf") in by_code
        assert ("redirect_refused", f"{srv.base}/fail/redirect.pdf") in by_code
        assert ("host_not_allowed", "http://other-host.invalid/paper.pdf") in by_code
        assert ("unreachable", down) in by_code
        assert len(s["failed"]) == 6
        # I/O was retried with back-off (500 and truncated: 1 + 3 tries); a 404 was not
        assert srv.count(500, prefix="/fail/500.pdf") == 4
        assert srv.count(404, prefix="/fail/404.pdf") == 1
        # the flaky URL (503 twice) got through on a retry
        assert srv.count(503, prefix="/flaky.pdf") == 2 and srv.count(200, prefix="/flaky.pdf") == 1
        # 3 distinct PDFs; /doc?id=1 and /flaky.pdf are copies of them: stored once
        assert s["new"] == 3 and s["skipped"] == 2
        assert counts(db_url)["documents"] == 3
        # the failures are in the database too
        reasons = q(db_url, select(IngestItem.source, IngestItem.error_code)
                    .where(IngestItem.run_id == s["run_id"], IngestItem.outcome == "failed"))
        assert {(loc, code) for loc, code in reasons} == {(f["location"], f["code"]) for f in s["failed"]}
        # no partial download was left behind
        dl = data / "downloads"
        assert not [p for p in dl.rglob("*") if p.is_file() and (p.name.startswith(".") or "truncated" in p.name)]

        gets_before = srv.count(200, prefix="/docs/")
        t0 = time.perf_counter()
        state2, s2 = run_flow(flows, sources=[srv.index_url], database_url=db_url, data_dir=str(data), timeout=10)
        took = time.perf_counter() - t0
        assert s2["new"] == 0 and s2["not_modified"] == 4  # 3 files + /doc?id=1
        assert srv.count(200, prefix="/docs/") == gets_before  # nothing downloaded again
        assert srv.count(304, prefix="/index.html") == 1
        assert counts(db_url)["documents"] == 3
        assert took < 60, took


@pytest.fixture(scope="module")
def pdfs_small(tmp_path_factory):
    return make_pdfs(tmp_path_factory.mktemp("small"), 3, pages=1, prefix="small")


def test_reextract_only_outdated_and_resumable(flows, tmp_path, pdfs_small):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    src = tmp_path / "in"
    src.mkdir()
    for p in pdfs_small:
        (src / p.name).write_bytes(p.read_bytes())
    state, s = run_flow(flows, sources=[f"folder:{src}"], database_url=url, data_dir=str(tmp_path / "d"))
    assert state.is_completed() and s["new"] == 3
    before = counts(url)
    st = flows.reextract(database_url=url, data_dir=str(tmp_path / "d"), return_state=True)
    assert st.is_completed() and st.result()["documents"] == 0  # nothing outdated
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(text("UPDATE documents SET extracted_version = 'old-model' WHERE id = 1"))
    eng.dispose()
    st = flows.reextract(database_url=url, data_dir=str(tmp_path / "d"), return_state=True)
    r = st.result()
    assert r["documents"] == 1 and r["extracted"] == 1
    assert counts(url) == before  # replaced, not duplicated
    st = flows.reextract(database_url=url, only_outdated=False, data_dir=str(tmp_path / "d"), return_state=True)
    assert st.result()["extracted"] == 3 and counts(url) == before


def test_summary_artifact_is_created(flows, tmp_path, pdfs_small):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.pdf").write_bytes(pdfs_small[0].read_bytes())
    state, s = run_flow(flows, sources=[f"folder:{src}"], database_url=f"sqlite:///{tmp_path / 'a.db'}",
                        data_dir=str(tmp_path / "d"))
    assert state.is_completed()
    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=["docmine-nightly-ingest"])))
    assert arts and any("| discovered | new |" in (a.data or "") for a in arts)
    md = flows.render_summary(s)
    assert "discovered" in md and "duration" in md


@pytest.mark.slow
def test_shared_corpus_first_and_second_run(flows, db_url, tmp_path, shared_dir):
    """The shared PDFs (real + dev/pdf), twice: the second run does nothing."""
    sources = [f"folder:{shared_dir / 'corpus/real'}", f"folder:{shared_dir / 'corpus/dev/pdf'}"]
    data = tmp_path / "data"
    t0 = time.perf_counter()
    state, s = run_flow(flows, sources=sources, database_url=db_url, data_dir=str(data))
    first = time.perf_counter() - t0
    n = len(list((shared_dir / "corpus/real").glob("*.pdf"))) + len(list((shared_dir / "corpus/dev/pdf").glob("*.pdf")))
    assert s["discovered"] == n
    assert s["new"] + s["needs_ocr"] + s["skipped"] + len(s["failed"]) == n
    assert s["needs_ocr"] >= 1  # the scan without a text layer
    stored = counts(db_url)["documents"]
    t0 = time.perf_counter()
    state2, s2 = run_flow(flows, sources=sources, database_url=db_url, data_dir=str(data))
    second = time.perf_counter() - t0
    assert s2["new"] == 0 and s2["needs_ocr"] == 0 and counts(db_url)["documents"] == stored
    print(f"\nshared corpus ({n} PDFs, {db_url.split(':')[0]}): first run {first:.1f} s, second {second:.1f} s; "
          f"summary: {flows.render_text(s)}")


@pytest.mark.slow
def test_dask_two_workers_same_rows_as_sequential(flows, tmp_path, pdfs_small):
    """A local Dask cluster of 2 worker processes stores the same rows as a sequential run."""
    from test_pipeline_reliability import table_fingerprint
    src = tmp_path / "in"
    make_pdfs(src, 6, pages=2, prefix="dask")
    results = {}
    from conftest import drop_pg_schema, new_pg_url, pg_problem
    schema = None
    if pg_problem() is None:  # the scale-out setup: Dask workers writing to PostgreSQL
        pg_url, schema = new_pg_url()
    urls = {"sequential": f"sqlite:///{tmp_path / 'sequential.db'}",
            "dask": pg_url if schema else f"sqlite:///{tmp_path / 'dask.db'}"}
    try:
        _run_both(flows, src, tmp_path, urls, results)
    finally:
        if schema:
            import gc
            gc.collect()
            from docmine.store.db import dispose_engines
            dispose_engines()
            drop_pg_schema(schema)
    assert results["dask"][0] == results["sequential"][0]


def _run_both(flows, src, tmp_path, urls, results):
    from test_pipeline_reliability import table_fingerprint
    for runner in ("sequential", "dask"):
        url = urls[runner]
        t0 = time.perf_counter()
        state, s = run_flow(flows, sources=[f"folder:{src}"], database_url=url, data_dir=str(tmp_path / runner),
                            task_runner=runner, concurrency=4, dask_workers=2)
        assert state.is_completed(), state.message
        assert s["new"] == 6
        results[runner] = (table_fingerprint(url), time.perf_counter() - t0)
        print(f"\n{runner} ({url.split(':')[0]}): {results[runner][1]:.1f} s, {flows.render_text(s)}")


def _all_rows(url: str) -> dict:
    """Every row of the stored record, ids replaced by what they point at (a
    document by its sha256, a page by (sha256, number), a mention or an action
    item by its own row), times and run ids left out."""
    from sqlalchemy import MetaData
    skip = {"id", "created_at", "ingested_at", "started_at", "finished_at", "extraction_run_id", "run_id",
            "supersedes_id"}
    eng = create_engine(url)
    try:
        md = MetaData()
        md.reflect(bind=eng, only=["documents", "pages", "mentions", "mention_entities", "action_items",
                                   "action_item_refs", "entities", "entity_aliases"])
        out: dict[str, list] = {}
        keys: dict[str, dict] = {}
        with eng.connect() as c:
            for name in ("documents", "pages", "mentions", "action_items", "mention_entities",
                         "action_item_refs", "entities", "entity_aliases"):
                table = md.tables[name]
                rows = []
                for r in c.execute(select(table)).mappings():
                    row = {}
                    for col, v in r.items():
                        if col in skip:
                            continue
                        if col == "document_id" and v is not None:
                            v = keys["documents"][v]
                        elif col == "page_id":
                            v = keys["pages"][v]
                        elif col == "mention_id":
                            v = keys["mentions"][v]
                        elif col == "action_item_id":
                            v = keys["action_items"][v]
                        row[col] = v
                    frozen = repr(sorted(row.items()))
                    keys.setdefault(name, {})[r.get("id")] = (
                        row["sha256"] if name == "documents" else (row["document_id"], row["number"])
                        if name == "pages" else frozen)
                    rows.append(frozen)
                out[name] = sorted(rows)
        return out
    finally:
        eng.dispose()


def test_flow_and_library_run_store_identical_rows(flows, db_url, tmp_path, repo_dir):
    """One way to run the pipeline (issue 10): the flow's tasks and the one-shot
    ``docmine.run.run`` both go through ``docmine.run.process_document``, so the
    same inputs give the same rows, row for row."""
    import shutil

    from docmine.run import run as library_run
    from docmine.settings import get_settings
    src = tmp_path / "in"
    src.mkdir()
    for p in sorted((repo_dir / "corpus" / "samples").glob("*.pdf")):
        shutil.copy(p, src / p.name)
    (src / "broken.pdf").write_bytes(b"%PDF-1.4\n not a pdf")
    state, s = run_flow(flows, sources=[f"folder:{src}"], database_url=db_url, data_dir=str(tmp_path / "f"))
    assert s["new"] == 5 and [f["step"] for f in s["failed"]] == ["read"]
    schema = None
    if db_url.startswith("sqlite"):
        other = f"sqlite:///{tmp_path / 'library.db'}"
    else:
        from conftest import new_pg_url
        other, schema = new_pg_url()
    try:
        summary = library_run([src], settings=get_settings(database_url=other, data_dir=tmp_path / "l"),
                              progress=False)
        assert summary.new_documents == 5 and len(summary.failed) == 1 and summary.extracted == 5
        flow_rows, lib_rows = _all_rows(db_url), _all_rows(other)
        assert {k: len(v) for k, v in flow_rows.items()} == {k: len(v) for k, v in lib_rows.items()}
        assert len(flow_rows["mentions"]) > 100 and len(flow_rows["action_items"]) > 5
        for table in flow_rows:
            assert flow_rows[table] == lib_rows[table], table
    finally:
        if schema:
            from conftest import drop_pg_schema
            from docmine.store.db import dispose_engines
            dispose_engines()
            drop_pg_schema(schema)


#: run_once with the Dask runner from a process that already has another thread
#: (a web app, a progress bar): the local cluster's workers must be spawned
_DASK_THREADED_PARENT = """
import sys, threading
threading.Thread(target=threading.Event().wait, daemon=True).start()
from docmine_pipeline.core import run_once
summary = run_once(sources=[sys.argv[1]], database_url=sys.argv[2], data_dir=sys.argv[3],
                   task_runner="dask", dask_workers=2)
print(f"new {summary['new']}, failed {len(summary['failed'])}")
"""


@pytest.mark.slow
@pytest.mark.parametrize("parent", ["cli", "threaded"])
def test_dask_without_prefect_stores_the_rows_of_a_pool_run(db_url, tmp_path, parent):
    """``docmine run --task-runner dask`` with no Prefect API configured: a real
    local cluster of 2 worker processes (``distributed``, no API server), one
    task per batch of files; the same rows as the default run of worker
    processes. From the command (one thread) the workers are forked from a
    process that loaded the pipeline; from a process with another thread
    they are spawned, each loading its own: the same rows either way."""
    import subprocess
    import sys
    from test_pipeline_reliability import table_fingerprint
    from docmine_pipeline.core import batches
    src = tmp_path / "in"
    make_pdfs(src, 7, pages=2, prefix="dasknp")
    docmine = str(Path(sys.executable).parent / "docmine")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API_URL", "DOCMINE_"))}
    ref = f"sqlite:///{tmp_path / 'ref.db'}"
    r = subprocess.run([docmine, "run", str(src), "--database", ref, "--data-dir", str(tmp_path / "ref")],
                       capture_output=True, text=True, timeout=900, env=env, cwd=tmp_path)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    if parent == "cli":
        cmd = [docmine, "run", str(src), "--database", db_url, "--data-dir", str(tmp_path / "dask"),
               "--task-runner", "dask", "--dask-workers", "2"]
        started = "forked from this one"
    else:
        cmd = [sys.executable, "-c", _DASK_THREADED_PARENT, str(src), db_url, str(tmp_path / "dask")]
        started = "spawned"
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env, cwd=tmp_path)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-3000:]
    assert "new 7" in out and "failed 0" in out, out[-2000:]
    assert "Beginning flow run" not in out  # no Prefect flow run, no API server
    assert f"local Dask cluster: 2 worker process(es), {started}" in out, out[-2000:]
    assert table_fingerprint(db_url) == table_fingerprint(ref)
    assert table_fingerprint(ref)["mentions"]
    # 7 files on 2 workers: 7 batches of one (at most 4 per worker), dealt round robin
    assert [len(b) for b in batches(list(range(7)), 2)] == [1] * 7
    assert [len(b) for b in batches(list(range(100)), 2)] == [13, 13, 13, 13, 12, 12, 12, 12]


def test_store_on_dask_rejects_an_unknown_start_method(tmp_path):
    """A mistyped start method is a clear error before any cluster starts."""
    from docmine_pipeline.core import store_on_dask
    with pytest.raises(ValueError, match="start_method must be auto, fork or spawn, not 'forkserver'"):
        store_on_dask([], 1, f"sqlite:///{tmp_path / 'x.db'}", str(tmp_path), start_method="forkserver")
    assert not (tmp_path / "x.db").exists()
