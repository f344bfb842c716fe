"""The flow commands as a user runs them, with Prefect embedded (no
``PREFECT_API_URL``): real ``docmine`` processes, real signals.

* a one-shot ``docmine run`` needs no Prefect: it starts no API, opens no port
  and writes no Prefect home (``--prefect`` makes it a flow run);
* a retried download logs one line per retry, and no traceback (with and
  without Prefect);
* ``kill -9`` of ``docmine run`` leaves no process and no listening port behind
  (the API runs in a thread of the process, not in a child server);
* two runs sharing a data folder do not share (and lock) one Prefect database;
* one SIGINT or SIGTERM stops ``docmine serve`` within seconds, exit 130/143,
  without a traceback.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from test_pipeline_helpers import closed_port_url, make_pdfs

pytestmark = pytest.mark.slow
DOCMINE = str(Path(sys.executable).with_name("docmine"))
#: seconds allowed for a command to start on a loaded 2-core machine
START = 240


@pytest.fixture
def env(tmp_path) -> dict:
    """No Prefect API configured, no Prefect home: what a user has."""
    e = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DOCMINE_"))}
    e["DOCMINE_USE_NER"] = "0"  # these tests are about processes, not extraction quality
    e["PYTHONUNBUFFERED"] = "1"
    return e


class Proc:
    """A ``docmine`` process in its own session (process group), its output collected."""

    def __init__(self, args: list[str], env: dict, cwd: Path) -> None:
        self.p = subprocess.Popen([DOCMINE, *args], env=env, cwd=cwd, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.lines: list[str] = []
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self) -> None:
        for line in self.p.stdout:
            self.lines.append(line)

    @property
    def out(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = START) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.out:
            assert self.p.poll() is None, f"ended ({self.p.returncode}) before {text!r}:\n{self.out[-3000:]}"
            assert time.monotonic() < deadline, f"no {text!r} within {timeout} s:\n{self.out[-3000:]}"
            time.sleep(0.1)

    def wait(self, timeout: float) -> int:
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.p.pid, signal.SIGKILL)
            self.p.wait()
            raise
        self.t.join(5)
        return rc


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _pids_in_group(pgid: int) -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if os.getpgid(int(d.name)) == pgid:
                    pids.append(int(d.name))
            except (ProcessLookupError, PermissionError):
                pass
    return pids


def _listening_ports(pids: list[int]) -> set[int]:
    """TCP ports in LISTEN state whose socket one of ``pids`` holds (Linux /proc)."""
    inodes = set()
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    target = os.readlink(fd)
                except OSError:
                    continue
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except (FileNotFoundError, PermissionError):
            pass
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            cols = row.split()
            if cols[3] == "0A" and cols[9] in inodes:
                ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize("mode", [[], ["--prefect"]], ids=["plain", "prefect"])
def test_retried_download_logs_one_line_per_retry_and_no_traceback(env, tmp_path, mode):
    url = closed_port_url().replace("index.html", "paper.pdf")
    p = Proc(["run", *mode, "--source", url, "--io-backoff", "0.05", "--data-dir", str(tmp_path / "data")],
             env, tmp_path)
    rc = p.wait(timeout=START)
    out = p.out
    assert rc == 1, out
    retries = [line for line in out.splitlines() if " - Retry " in line]
    assert [line.split(" - Retry ")[1][:3] for line in retries] == ["1/3", "2/3", "3/3"], out
    assert "Traceback" not in out and 'File "' not in out, out
    assert "[fetch:unreachable]" in out


def test_one_shot_run_starts_no_prefect(env, tmp_path):
    src = tmp_path / "in"
    make_pdfs(src, 3, pages=1, prefix="plain")
    p = Proc(["run", str(src), "--data-dir", str(tmp_path / "data")], env, tmp_path)
    p.wait_for("[1/3]")
    ports = _listening_ports(_pids_in_group(p.p.pid))
    rc = p.wait(timeout=START)
    assert rc == 0, p.out
    assert ports == set(), "a one-shot run serves nothing"
    assert "ok: discovered 3, new 3" in p.out and "docmine run - [3/3] new" in p.out
    assert "Flow run" not in p.out and "Traceback" not in p.out
    assert not (tmp_path / "data" / "prefect").exists()
    p = Proc(["run", str(src), "--data-dir", str(tmp_path / "data")], env, tmp_path)
    assert p.wait(timeout=START) == 0, p.out
    assert "ok: discovered 3, new 0, skipped 3" in p.out


def test_kill_9_of_run_leaves_no_process_and_no_port(env, tmp_path):
    src = tmp_path / "in"
    make_pdfs(src, 12, pages=2, prefix="k9")
    p = Proc(["run", "--prefect", str(src), "--data-dir", str(tmp_path / "data")], env, tmp_path)
    p.wait_for("[1/12]")  # the flow is storing documents: its API is serving
    pids = _pids_in_group(p.p.pid)
    ports = _listening_ports(pids)
    assert ports, "the embedded Prefect API listens while the run goes on"
    os.kill(p.p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    deadline = time.monotonic() + 10
    while _group_alive(p.p.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _group_alive(p.p.pid), f"left behind: {_pids_in_group(p.p.pid)}"
    assert all(_port_free(port) for port in ports), ports


def test_two_runs_sharing_a_data_folder_use_separate_prefect_databases(env, tmp_path):
    data = tmp_path / "data"
    procs = []
    for i in range(2):
        src = tmp_path / f"in{i}"
        make_pdfs(src, 3, pages=1, prefix=f"two{i}")
        procs.append(Proc(["run", "--prefect", str(src), "--data-dir", str(data),
                           "--database", f"sqlite:///{tmp_path / f'db{i}.db'}"], env, tmp_path))
    rcs = [p.wait(timeout=START + 120) for p in procs]
    outs = [p.out for p in procs]
    assert rcs == [0, 0], outs
    for out in outs:
        assert "ok: discovered 3, new 3" in out
        for bad in ("database is locked", "OperationalError", "Traceback", "Error logging to API"):
            assert bad not in out, out
    # the private Prefect home of the second run is gone; the shared one stays
    assert (data / "prefect").is_dir()
    assert not list((data / "prefect" / "private").glob("*")) if (data / "prefect" / "private").exists() else True


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_one_signal_stops_serve_within_seconds(env, tmp_path, sig, code):
    p = Proc(["serve", "--source", f"folder:{tmp_path / 'in'}", "--data-dir", str(tmp_path / "data")],
             env, tmp_path)
    p.wait_for("Leave this running")
    time.sleep(3)  # the runner has registered the deployments and polls
    ports = _listening_ports(_pids_in_group(p.p.pid))
    t0 = time.monotonic()
    os.kill(p.p.pid, sig)
    rc = p.wait(timeout=30)
    took = time.monotonic() - t0
    assert rc == code, p.out
    assert took < 15, f"{took:.1f} s to stop"
    assert "Traceback" not in p.out, p.out
    assert f"{signal.Signals(sig).name} received, stopping" in p.out
    assert not _group_alive(p.p.pid)
    assert all(_port_free(port) for port in ports)
