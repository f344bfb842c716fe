"""Reliability of the nightly flow: a run killed with SIGKILL and started
again stores every document exactly once with nothing half-written; two runs
at once never store a document twice; the ``docmine run``/``serve`` commands."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from sqlalchemy import create_engine, text  # noqa: E402

from test_pipeline_helpers import ensure_prefect_harness, make_pdfs  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def table_fingerprint(url: str) -> dict:
    """Rows that must not depend on how a run was scheduled (no ids, no times)."""
    eng = create_engine(url)
    try:
        with eng.connect() as c:
            def rows(sql):
                return sorted(tuple(r) for r in c.execute(text(sql)).all())
            return {
                "documents": rows("SELECT sha256, page_count, status, language, symbol, extracted_version "
                                  "FROM documents"),
                "pages": rows("SELECT d.sha256, p.number, p.char_count, p.doc_offset FROM pages p "
                              "JOIN documents d ON d.id = p.document_id"),
                "mentions": rows("SELECT d.sha256, m.page_number, m.start, m.\"end\", m.label, m.text "
                                 "FROM mentions m JOIN documents d ON d.id = m.document_id"),
                "action_items": rows("SELECT d.sha256, a.page_number, a.start, a.\"end\", a.verb, "
                                     "COALESCE(a.actor_id, '') FROM action_items a "
                                     "JOIN documents d ON d.id = a.document_id"),
            }
    finally:
        eng.dispose()


def integrity(url: str) -> dict:
    """Checks that hold after any interruption."""
    eng = create_engine(url)
    try:
        with eng.connect() as c:
            one = lambda sql: c.execute(text(sql)).scalar()  # noqa: E731
            return {
                "documents": one("SELECT COUNT(*) FROM documents"),
                "distinct_sha": one("SELECT COUNT(DISTINCT sha256) FROM documents"),
                "half_written": one("SELECT COUNT(*) FROM documents d WHERE d.page_count <> "
                                    "(SELECT COUNT(*) FROM pages p WHERE p.document_id = d.id)"),
                "extracted": one("SELECT COUNT(*) FROM documents WHERE extracted_version IS NOT NULL"),
                "orphan_mentions": one("SELECT COUNT(*) FROM mentions m WHERE NOT EXISTS "
                                       "(SELECT 1 FROM documents d WHERE d.id = m.document_id)"),
            }
    finally:
        eng.dispose()


@pytest.fixture(scope="session")
def prefect_harness(pytestconfig):
    ensure_prefect_harness(pytestconfig)


@pytest.fixture(scope="session")
def api_env(prefect_harness) -> dict:
    """Environment for subprocesses: they use the harness's API (no server start-up of their own)."""
    from prefect.settings import PREFECT_API_URL
    env = dict(os.environ)
    env["PREFECT_API_URL"] = PREFECT_API_URL.value()
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env["DOCMINE_USE_NER"] = "0"  # rules only: these tests are about storage, not extraction quality
    env.pop("PREFECT_HOME", None)
    return env


FLOW_SCRIPT = """
import sys
from docmine_pipeline.flows import nightly_ingest
state = nightly_ingest(sources=[sys.argv[1]], database_url=sys.argv[2], data_dir=sys.argv[3],
                       io_backoff=0.2, return_state=True)
print("STATE", state.type.value, state.message, flush=True)
"""


def start_flow(api_env, source: str, url: str, data_dir: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", FLOW_SCRIPT, source, url, str(data_dir)],
                            env=api_env, cwd=str(REPO), stdout=open(log, "w"), stderr=subprocess.STDOUT)


@pytest.mark.slow
def test_sigkill_mid_run_then_resume(api_env, db_url, tmp_path, monkeypatch):
    from docmine_pipeline import flows
    monkeypatch.setenv("DOCMINE_USE_NER", "0")  # the same model version as the killed run
    n = 30
    src = tmp_path / "in"
    make_pdfs(src, n, pages=2, prefix="kill")
    data = tmp_path / "data"
    proc = start_flow(api_env, f"folder:{src}", db_url, data, tmp_path / "run1.log")
    killed_at = None
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                done = integrity(db_url)["documents"]
            except Exception:  # schema not there yet
                done = 0
            if done >= 5:
                os.kill(proc.pid, signal.SIGKILL)
                killed_at = done
                break
            time.sleep(0.1)
    finally:
        if proc.poll() is None and killed_at is None:
            proc.kill()
        proc.wait(timeout=30)
    log = (tmp_path / "run1.log").read_text()
    assert killed_at is not None, f"the run ended before it could be killed:\n{log[-3000:]}"
    after_kill = integrity(db_url)
    assert after_kill["documents"] < n, "killed too late to test anything"
    assert after_kill["half_written"] == 0 and after_kill["orphan_mentions"] == 0
    assert after_kill["documents"] == after_kill["distinct_sha"]

    state = flows.nightly_ingest(sources=[f"folder:{src}"], database_url=db_url, data_dir=str(data),
                                 io_backoff=0.05, return_state=True)
    s = state.result(raise_on_failure=False)
    assert state.is_completed(), state.message
    final = integrity(db_url)
    assert final == {"documents": n, "distinct_sha": n, "half_written": 0, "extracted": n,
                     "orphan_mentions": 0}
    # what the killed run stored is not stored again; what it had not extracted is
    assert s["new"] == n - after_kill["documents"]
    assert s["extracted"] == n - after_kill["extracted"]


@pytest.mark.slow
def test_two_runs_at_once_store_each_document_once(api_env, db_url, tmp_path):
    n = 8
    src = tmp_path / "in"
    make_pdfs(src, n, pages=1, prefix="twin")
    data = tmp_path / "data"
    # both runs must pass init_db before racing: migrate first
    from docmine.store.db import init_db
    init_db(db_url)
    procs = [start_flow(api_env, f"folder:{src}", db_url, data, tmp_path / f"twin{i}.log") for i in (1, 2)]
    for p in procs:
        p.wait(timeout=300)
    logs = [(tmp_path / f"twin{i}.log").read_text() for i in (1, 2)]
    for p, log in zip(procs, logs):
        assert p.returncode == 0, log[-3000:]
    final = integrity(db_url)
    assert final["documents"] == n and final["distinct_sha"] == n and final["half_written"] == 0
    assert final["extracted"] == n
    eng = create_engine(db_url)
    with eng.connect() as c:
        news = c.execute(text("SELECT COUNT(*) FROM ingest_items WHERE outcome = 'new'")).scalar()
        per_doc = c.execute(text("SELECT MAX(k) FROM (SELECT COUNT(*) AS k FROM extraction_runs "
                                 "GROUP BY document_id) t")).scalar()
    eng.dispose()
    assert news == n  # each document was new for exactly one of the two runs
    assert per_doc is not None


def test_cli_run_and_exit_codes(api_env, tmp_path):
    src = tmp_path / "in"
    make_pdfs(src, 2, pages=1, prefix="cli")
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    cmd = [str(Path(sys.executable).with_name("docmine")), "run", str(src), "--database", url,
           "--data-dir", str(tmp_path / "data")]
    r = subprocess.run(cmd, env=api_env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "ok: discovered 2, new 2" in r.stdout
    (src / "bad.pdf").write_bytes(b"not a pdf at all")
    r = subprocess.run(cmd, env=api_env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1
    assert "partial: discovered 3, new 0, skipped 2" in r.stdout and "bad.pdf" in r.stdout


def test_cli_serve_prints_schedule_and_registers_deployments(api_env, tmp_path):
    from prefect.client.orchestration import get_client
    cmd = [str(Path(sys.executable).with_name("docmine")), "serve", "--cron", "30 3 * * *",
           "--source", f"folder:{tmp_path}", "--data-dir", str(tmp_path / "data")]
    proc = subprocess.Popen(cmd, env=api_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Leave this running"):
                break
        out = "".join(lines)
        assert "cron '30 3 * * *' (UTC)" in out and "next runs" in out, out
        assert " 03:30 UTC" in out
        dep = None
        with get_client(sync_client=True) as client:
            for _ in range(120):  # the two deployments are registered one after the other
                try:
                    dep = client.read_deployment_by_name("nightly-ingest/docmine-nightly")
                    client.read_deployment_by_name("reextract/docmine-reextract")
                    if dep.schedules:
                        break
                except Exception:
                    dep = None
                time.sleep(0.5)
            assert dep is not None and dep.schedules
            assert dep.schedules[0].schedule.cron == "30 3 * * *"
            assert dep.parameters["sources"] == [f"folder:{tmp_path}"]
            client.read_deployment_by_name("reextract/docmine-reextract")
            weekly = None
            for _ in range(60):  # registered after the other two
                try:
                    weekly = client.read_deployment_by_name("retrain/docmine-retrain")
                    break
                except Exception:
                    time.sleep(0.5)
            assert weekly is not None and weekly.schedules[0].schedule.cron == "0 3 * * 0"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
