"""How the ``docmine`` flow commands run Prefect: embedded, quiet, and leaving
nothing behind.

* **The API runs inside this process** (:func:`embedded_api`): uvicorn serving
  Prefect's API app in a daemon thread, on a free port of 127.0.0.1, instead of
  Prefect's default "temporary server" (a separate ``uvicorn`` process that
  survives a ``kill -9`` of its parent and keeps its port). When the process
  dies, however it dies, the API dies with it. Flow runs that ``docmine serve``
  starts in subprocesses reach it through ``PREFECT_API_URL``. Nothing starts
  when ``PREFECT_API_URL`` is configured (a real Prefect server).
* **One Prefect database per process at a time** (:func:`configure_prefect`):
  the first ``docmine`` process using a data folder takes an exclusive lock on
  ``<data_dir>/prefect`` and uses its database (run history kept); a second one
  started meanwhile gets a private home ``<data_dir>/prefect/private/<pid>``
  (removed at exit; left-overs of killed processes removed at the next start),
  so two runs never share, and lock, one SQLite database.
* **One line per event** (:func:`quiet_logging`): a retried task logs one line
  per retry; a failed task or flow logs one line, without Prefect's traceback.
"""
from __future__ import annotations

import atexit
import logging
import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

#: the lock file telling other docmine processes that ``<data_dir>/prefect`` is in use
LOCK_NAME = "docmine.lock"
_lock_fh = None  # kept open for the life of the process: the OS releases it on any exit


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _claim_home(shared: Path) -> Path:
    """``shared`` if no other process uses it (an exclusive, non-blocking
    ``flock`` held until this process exits), else a private home under it."""
    global _lock_fh
    import fcntl
    shared.mkdir(parents=True, exist_ok=True)
    private_root = shared / "private"
    if private_root.is_dir():  # homes of processes that were killed
        for d in private_root.iterdir():
            if d.name.isdigit() and not _pid_alive(int(d.name)):
                shutil.rmtree(d, ignore_errors=True)
    fh = open(shared / LOCK_NAME, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        home = private_root / str(os.getpid())
        home.mkdir(parents=True, exist_ok=True)
        atexit.register(shutil.rmtree, home, True)
        return home
    _lock_fh = fh
    return shared


def configure_prefect(data_dir: Optional[Path] = None) -> None:
    """Environment for an embedded Prefect (no server to set up, little noise).
    Values already in the environment win. Must run before ``import prefect``."""
    from docmine.settings import get_settings
    data_dir = Path(data_dir or get_settings().data_dir).resolve()
    defaults = {
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
        "PREFECT_LOGGING_LOG_PRINTS": "false",
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_CLIENT_ENABLE_METRICS": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    }
    for k, v in defaults.items():
        os.environ.setdefault(k, v)
    if not os.environ.get("PREFECT_HOME") and not os.environ.get("PREFECT_API_URL"):
        os.environ["PREFECT_HOME"] = str(_claim_home(data_dir / "prefect"))
    elif os.environ.get("PREFECT_HOME"):
        Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)


# --------------------------------------------------------------------------- logging
class OneLine(logging.Filter):
    """Task and flow run records as one line: retries kept (``Retry 1/3 will
    start 2.1 second(s) from now``), failures kept without their traceback,
    a task's other records (state changes) dropped."""

    def __init__(self, keep_info: bool) -> None:
        super().__init__()
        self.keep_info = keep_info

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        if not self.keep_info and msg.startswith("Finished in state"):
            return False  # said already: "… - Retries are exhausted" or "Task run failed …"
        if record.levelno >= logging.WARNING:
            record.exc_info, record.exc_text, record.stack_info = None, None, None
            return True
        if self.keep_info:
            return not msg.startswith("View at ")  # the embedded API serves no UI
        return " - Retry " in msg and " will start " in msg


def quiet_logging() -> None:
    """Keep the flow's progress lines and one line per retry or failure; drop
    per-task state chatter and every traceback Prefect would print."""
    for name in ("prefect.server", "docket", "uvicorn", "uvicorn.error", "prefect.events",
                 "distributed", "distributed.worker", "distributed.scheduler", "distributed.nanny",
                 "distributed.core", "distributed.http.proxy"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for name, keep_info in (("prefect.task_runs", False), ("prefect.flow_runs", True)):
        lg = logging.getLogger(name)
        lg.setLevel(logging.INFO)
        if not any(isinstance(f, OneLine) for f in lg.filters):
            lg.addFilter(OneLine(keep_info))


# --------------------------------------------------------------------------- the API
@contextmanager
def embedded_api(timeout: float = 180.0) -> Iterator[Optional[str]]:
    """Serve Prefect's API from a daemon thread of this process while the block
    runs; yield its URL (``None`` when ``PREFECT_API_URL`` is configured, and
    nothing is started). ``PREFECT_API_URL`` is set for the block, in the
    settings and in ``os.environ`` (subprocesses: ``serve``'s flow runs, Dask
    workers). Logs still queued for the API are sent before it stops."""
    from prefect.settings import PREFECT_API_URL, temporary_settings
    if PREFECT_API_URL.value():
        yield None
        return
    import uvicorn
    from prefect.server.api.server import create_app

    app = create_app(ephemeral=True, final=True)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="on", timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="prefect-api", daemon=True)
    thread.start()
    t0 = time.monotonic()
    while not server.started:
        if not thread.is_alive() or time.monotonic() - t0 > timeout:
            sock.close()
            raise RuntimeError(f"the embedded Prefect API did not start within {timeout:.0f} s")
        time.sleep(0.02)
    url = f"http://127.0.0.1:{port}/api"
    before = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings({PREFECT_API_URL: url}):
            try:
                yield url
            finally:
                _flush_api_logs()
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:  # pragma: no cover
            os.environ["PREFECT_API_URL"] = before
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _flush_api_logs(timeout: float = 5.0) -> None:
    """Send the logs and events Prefect's background workers still hold, while
    the API is up (otherwise they are retried against a stopped API at exit)."""
    try:
        from prefect._internal.concurrency.services import _QueueServiceBase
        _QueueServiceBase.drain_all(timeout=timeout)
    except Exception:  # logs are a nicety: never fail a run for them
        pass
