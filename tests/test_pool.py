"""``docmine.run.DocumentPool``: documents processed by worker processes (one
per core by default), each loading the pipeline once and writing each
document in its own transactions; the rows are those of a one-process run;
the workers never outlive the process that started them."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from docmine.run import DocumentPool, Job, default_workers, run
from docmine.settings import get_settings
from test_concurrent_runs import fingerprint
from test_pipeline_helpers import make_pdfs

REPO = Path(__file__).resolve().parents[1]


def test_default_workers_is_every_core():
    assert default_workers() == len(os.sched_getaffinity(0))


def test_two_workers_store_the_rows_of_one(db_url, tmp_path):
    src = tmp_path / "in"
    make_pdfs(src, 5, pages=2, prefix="pool")
    (src / "broken.pdf").write_bytes(b"%PDF-1.4\n not a pdf")
    one = f"sqlite:///{tmp_path / 'one.db'}"
    s1 = run([src], settings=get_settings(database_url=one, data_dir=tmp_path / "d1", use_ner=False),
             progress=False, workers=1)
    s2 = run([src], settings=get_settings(database_url=db_url, data_dir=tmp_path / "d2", use_ner=False),
             progress=False, workers=2)
    for s in (s1, s2):
        assert (s.new_documents, s.extracted, len(s.failed)) == (5, 5, 1), s.render()
        assert "broken.pdf" in s.failed[0]["source"]
    assert fingerprint(db_url) == fingerprint(one)
    assert fingerprint(one)["mentions"], "nothing extracted: the comparison would prove nothing"


def test_pool_work_happens_in_worker_processes_and_resumes(tmp_path):
    src = tmp_path / "in"
    pdfs = make_pdfs(src, 4, pages=1, prefix="where")
    url = f"sqlite:///{tmp_path / 'w.db'}"
    settings = get_settings(database_url=url, data_dir=tmp_path, use_ner=False)
    from docmine.ingest import start_run
    from docmine.store.db import make_session_factory
    with make_session_factory(url)() as session:
        run_id = start_run(session, trigger="api", settings={}).id
    with DocumentPool(settings, workers=2) as pool:
        first = [o for _j, o in pool.run([Job(path=str(p)) for p in pdfs], run_id=run_id)]
        # the same jobs again (a retried batch): resumed, nothing read or extracted twice, and
        # told apart here (stored, current model version) without a worker
        again = [o for _j, o in pool.run([Job(path=str(p)) for p in pdfs], run_id=run_id)]
    assert sorted(o.outcome for o in first) == ["new"] * 4 and all(o.extracted for o in first)
    workers = {o.worker for o in first}
    assert os.getpid() not in workers and 1 <= len(workers) <= 2
    assert {o.worker for o in again} == {os.getpid()}
    assert [o.extracted for o in again] == [False] * 4
    assert sorted(o.document_id for o in again) == sorted(o.document_id for o in first)


SCRIPT = """
import sys
from docmine.run import DocumentPool, Job
from docmine.settings import get_settings
if __name__ == "__main__":
    url, folder = sys.argv[1], sys.argv[2]
    import pathlib
    jobs = [Job(path=str(p)) for p in sorted(pathlib.Path(folder).glob("*.pdf"))]
    with DocumentPool(get_settings(database_url=url, use_ner=False), workers=2) as pool:
        for _job, out in pool.run(jobs):
            print(out.outcome, flush=True)
"""


def test_workers_die_with_a_killed_parent(tmp_path):
    import psutil
    src = tmp_path / "in"
    make_pdfs(src, 40, pages=2, prefix="orphan")
    script = tmp_path / "pool_script.py"
    script.write_text(SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), f"sqlite:///{tmp_path / 'k.db'}", str(src)],
                            cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        parent = psutil.Process(proc.pid)
        workers: list = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
            workers = [c for c in parent.children(recursive=True)
                       if "spawn_main" in " ".join(c.cmdline()) and "resource_tracker" not in " ".join(c.cmdline())]
            time.sleep(0.1)
        assert len(workers) == 2, "the pool did not start two worker processes"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        gone_by = time.monotonic() + 10
        alive = workers
        while alive and time.monotonic() < gone_by:
            alive = [w for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]
            time.sleep(0.1)
        assert not alive, f"worker processes outlived their parent: {[w.pid for w in alive]}"
    finally:
        if proc.poll() is None:
            proc.kill()
