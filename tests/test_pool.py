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


POOL_SCRIPT = """
import json, os, signal, sys, pathlib
from docmine.ingest import start_run
from docmine.run import DocumentPool, Job
from docmine.settings import get_settings
from docmine.store.db import make_session_factory
if __name__ == "__main__":
    folder, url, data, workers, start, kill = sys.argv[1:7]
    with make_session_factory(url)() as session:
        run_id = start_run(session, trigger="api", settings={}).id
        session.commit()
    jobs = [Job(path=str(p)) for p in sorted(pathlib.Path(folder).glob("*.pdf"))]
    outs, killed = [], []
    if kill == "kill-reader":  # kill -9 of the reader once it has stored its first document
        from docmine import run as R
        start_reader = R._Reader.start
        def start_and_kill(self, *a, **k):
            start_reader(self, *a, **k)
            assert self._conn.poll(60)
            os.kill(self.pid, signal.SIGKILL)
            killed.append(self.pid)
        R._Reader.start = start_and_kill
    with DocumentPool(get_settings(database_url=url, data_dir=data, use_ner=False), workers=int(workers),
                      start_method=start) as pool:
        for _job, out in pool.run(jobs, run_id=run_id):
            outs.append(dict(out.to_dict(), worker=out.worker))
        started = pool.started_with
    print(json.dumps({"outcomes": outs, "started_with": started, "killed": killed, "pid": os.getpid()}))
"""


def _pool_rows(tmp_path, src, name: str, *, workers: int, start_method: str = "auto",
               kill: str = "", url: str | None = None) -> tuple[str, dict]:
    """The files of ``src`` through a DocumentPool into a new SQLite database,
    in a fresh process (pytest's own may hold threads of earlier tests, and a
    fork is only safe without them)."""
    import json
    url = url or f"sqlite:///{tmp_path / (name + '.db')}"
    script = tmp_path / "pool_rows.py"
    script.write_text(POOL_SCRIPT)
    r = subprocess.run([sys.executable, str(script), str(src), url, str(tmp_path / name), str(workers),
                        start_method, kill or "-"], capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    return url, dict(json.loads(r.stdout.strip().splitlines()[-1]), stderr=r.stderr)


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_fork_and_spawn_workers_store_the_rows_of_one_process(tmp_path, start_method, db_url):
    src = tmp_path / "in"
    make_pdfs(src, 6, pages=2, prefix="start")
    (src / "broken.pdf").write_bytes(b"%PDF-1.4\n not a pdf")
    one, res1 = _pool_rows(tmp_path, src, "one", workers=1)
    two, res2 = _pool_rows(tmp_path, src, start_method, workers=2, start_method=start_method, url=db_url)
    assert res1["started_with"] is None and res2["started_with"] == start_method
    outs1, outs2 = res1["outcomes"], res2["outcomes"]
    for outs in (outs1, outs2):
        assert sorted(o["outcome"] for o in outs) == ["failed"] + ["new"] * 6
        assert [o["step"] for o in outs if o["outcome"] == "failed"] == ["read"]
        assert all(o["extracted"] and o["pages"] == 2 and o["mentions"] for o in outs if o["outcome"] == "new")
    # a file's read step and its extraction are reported as one outcome, by the worker that extracted it
    assert {o["worker"] for o in outs2 if o["outcome"] == "new"} - {0, res2["pid"]}
    assert sum(o["mentions"] for o in outs2) == sum(o["mentions"] for o in outs1)
    assert fingerprint(two) == fingerprint(one)
    assert fingerprint(one)["mentions"], "nothing extracted: the comparison would prove nothing"


AUTO_SCRIPT = """
import sys, threading, pathlib
from docmine.ingest import start_run
from docmine.run import DocumentPool, Job
from docmine.settings import get_settings
from docmine.store.db import make_session_factory
if __name__ == "__main__":
    folder, data, other = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3] == "thread"
    if other:  # as Prefect, a web server or a progress bar's refresh thread
        threading.Thread(target=threading.Event().wait, daemon=True).start()
    url = f"sqlite:///{data / 'a.db'}"
    with make_session_factory(url)() as session:
        run_id = start_run(session, trigger="api", settings={}).id
        session.commit()
    jobs = [Job(path=str(p)) for p in sorted(pathlib.Path(folder).glob("*.pdf"))]
    with DocumentPool(get_settings(database_url=url, data_dir=data, use_ner=False), workers=2) as pool:
        outcomes = sorted(o.outcome for _j, o in pool.run(jobs, run_id=run_id))
        print(pool.started_with, *outcomes)
"""


@pytest.mark.parametrize("other,expected", [("alone", "fork"), ("thread", "spawn")])
def test_auto_forks_only_without_other_threads(tmp_path, other, expected):
    """A fresh process (pytest's own may hold threads of earlier tests)."""
    src = tmp_path / "in"
    make_pdfs(src, 3, pages=1, prefix="auto")
    script = tmp_path / "auto.py"
    script.write_text(AUTO_SCRIPT)
    r = subprocess.run([sys.executable, str(script), str(src), str(tmp_path), other], capture_output=True,
                       text=True, timeout=600, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split() == [expected, "new", "new", "new"], r.stdout + r.stderr[-2000:]


def test_a_killed_reader_leaves_its_files_to_the_workers(tmp_path):
    """kill -9 of the reader process in the middle of a run: the files it had not
    answered for are read and extracted by the workers; every row is there once."""
    src = tmp_path / "in"
    make_pdfs(src, 30, pages=2, prefix="reader")
    one, _ = _pool_rows(tmp_path, src, "one", workers=1)
    url, res = _pool_rows(tmp_path, src, "killed", workers=2, start_method="fork", kill="kill-reader")
    assert res["killed"], "no reader was killed: nothing was tested"
    assert "the reader process died;" in res["stderr"] and "go to the workers" in res["stderr"], res["stderr"]
    outs = res["outcomes"]
    assert sorted(o["outcome"] for o in outs) == ["new"] * 30, [(o["source"], o["outcome"], o["reason"]) for o in outs]
    assert all(o["extracted"] for o in outs)
    assert fingerprint(url) == fingerprint(one)


SCRIPT = """
import sys
from docmine.run import DocumentPool, Job
from docmine.settings import get_settings
if __name__ == "__main__":
    url, folder, start = sys.argv[1], sys.argv[2], sys.argv[3]
    import pathlib
    from docmine.ingest import start_run
    from docmine.store.db import make_session_factory
    with make_session_factory(url)() as session:
        run_id = start_run(session, trigger="api", settings={}).id
        session.commit()
    jobs = [Job(path=str(p)) for p in sorted(pathlib.Path(folder).glob("*.pdf"))]
    with DocumentPool(get_settings(database_url=url, use_ner=False), workers=2, start_method=start) as pool:
        for _job, out in pool.run(jobs, run_id=run_id):
            print(out.outcome, flush=True)
"""


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_workers_die_with_a_killed_parent(tmp_path, start_method):
    import psutil
    src = tmp_path / "in"
    make_pdfs(src, 40, pages=2, prefix="orphan")
    script = tmp_path / "pool_script.py"
    script.write_text(SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), f"sqlite:///{tmp_path / 'k.db'}", str(src), start_method],
                            cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def workers_of(parent) -> list:
        found = []
        for c in parent.children(recursive=True):
            try:
                if "resource_tracker" not in " ".join(c.cmdline()):
                    found.append(c)
            except psutil.Error:
                pass
        return found
    try:
        parent = psutil.Process(proc.pid)
        workers: list = []
        deadline = time.monotonic() + 120
        # fork: the reader and two workers; spawn: two workers
        while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
            workers = workers_of(parent)
            time.sleep(0.1)
        assert len(workers) >= 2, "the pool did not start two worker processes"
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


EARLY_SCRIPT = """
import sys, pathlib, psutil
from docmine import run as R
from docmine.ingest import start_run
from docmine.settings import get_settings
from docmine.store.db import make_session_factory
if __name__ == "__main__":
    folder, data = sys.argv[1], pathlib.Path(sys.argv[2])
    url = f"sqlite:///{data / 'e.db'}"
    settings = get_settings(database_url=url, data_dir=data, use_ner=False)
    # not needed: discarded, and gone
    R.start_reader_early(settings, workers=2)
    unused = R._EARLY_READERS[url].pid
    R.discard_early_readers()
    print("unused-gone", not psutil.pid_exists(unused) or psutil.Process(unused).status() == psutil.STATUS_ZOMBIE)
    # needed: the pool takes it
    R.start_reader_early(settings, workers=2)
    early = R._EARLY_READERS[url].pid
    with make_session_factory(url)() as session:
        run_id = start_run(session, trigger="api", settings={}).id
        session.commit()
    jobs = [R.Job(path=str(p)) for p in sorted(pathlib.Path(folder).glob("*.pdf"))]
    with R.DocumentPool(settings, workers=2) as pool:
        outs = [o for _j, o in pool.run(jobs, run_id=run_id)]
        print("taken", pool.reader_pids == [early])
    print("outcomes", *sorted(o.outcome for o in outs))
    print("left", len(R._EARLY_READERS))
"""


def test_a_reader_started_early_is_taken_by_the_pool_or_ended(tmp_path):
    """``start_reader_early`` (``docmine.run.run`` and ``docmine run`` call it first
    thing): the pool takes that reader; one no pool takes ends with
    ``discard_early_readers``."""
    src = tmp_path / "in"
    make_pdfs(src, 8, pages=1, prefix="early")
    script = tmp_path / "early.py"
    script.write_text(EARLY_SCRIPT)
    r = subprocess.run([sys.executable, str(script), str(src), str(tmp_path)], capture_output=True, text=True,
                       timeout=600, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in r.stdout.strip().splitlines())
    assert lines == {"unused-gone": "True", "taken": "True", "outcomes": " ".join(["new"] * 8), "left": "0"}, r.stdout
