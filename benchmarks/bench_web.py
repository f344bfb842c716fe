"""Latency of each page and API call of the web app, with the server running,
on the synthetic store of 10,000 documents built by ``bench_query.py``.

    .venv/bin/python benchmarks/bench_web.py                 # build 10,000 docs, measure
    .venv/bin/python benchmarks/bench_web.py --keep /tmp/bench_web.db
    .venv/bin/python benchmarks/bench_web.py --reuse /tmp/bench_web.db --repeat 30

Starts ``docmine web`` (uvicorn) in a subprocess on a free port of
127.0.0.1, warms each URL once, then requests it ``--repeat`` times in turn
and prints, per URL, the median and 95th percentile of the wall time
(request sent → body read), the response size and the status, as a table.
Goal: p95 ≤ 300 ms for every page on SQLite. Whole-result exports are
measured apart (they stream every row; no goal).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_query  # noqa: E402  (its store builder, reused as is)

GOAL_MS = 300

PAGES = [
    "/",
    "/documents",
    "/documents?treaty=CMS&sort=-date",
    "/documents?sort=-symbol&page=100",
    "/documents/100",
    "/documents/UNEP/CMS/DOC100/11?page=2",
    "/actions",
    "/actions?page=200",
    "/actions?treaty=CMS&actor=cms-secretariat",
    "/actions?actor=cbd-executive-secretary&due_before=CBD%20COP13",
    "/actions?actor=parties&text=coop%C3%A9ration%20technique",
    "/actions?meeting=CMS%20StC45&verb=prier",
    "/entities",
    "/entities?label=ORG&page=2",
    "/entities/" + quote("CMS Res 11.10", safe=""),
    "/entities/" + quote("UNEP/CMS/DOC100/11", safe=""),
    "/entities/" + quote("CMS StC45", safe=""),
    "/search?q=coop%C3%A9ration%20technique",
    "/search?q=%22plans%20de%20travail%22%20migratrices&page=2",
    "/docs",
]
API = [
    "/api/documents?limit=50",
    "/api/documents/100",
    "/api/actions?treaty=CMS&limit=50",
    "/api/actions?actor=cbd-executive-secretary&due_before=CBD%20COP13",
    "/api/cites/" + quote("CMS Res 11.10", safe=""),
    "/api/cited-by/100",
    "/api/entities?limit=50",
    "/api/entities/" + quote("CMS Res 11.10", safe=""),
    "/api/search?q=coop%C3%A9ration%20technique",
    "/openapi.json",
]
EXPORTS = [
    "/api/actions?format=csv",
    "/api/actions?treaty=CMS&format=json",
    "/api/documents?format=csv",
    "/api/entities?format=csv",
]


def start(url: str, data_dir: Path) -> tuple[subprocess.Popen, str]:
    import socket

    import httpx
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DOCMINE_DATA_DIR": str(data_dir)}
    proc = subprocess.Popen([sys.executable, "-c", "from docmine.cli import main; main()", "web",
                             "--port", str(port), "--database", url], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"docmine web exited: {proc.stderr.read()}")
        try:
            httpx.get(base + "/static/style.css", timeout=2)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("docmine web did not start")


def measure(base: str, urls: list[str], repeat: int) -> list[dict]:
    import httpx
    out = []
    with httpx.Client(base_url=base, timeout=120) as c:
        for u in urls:  # warm: first render of a page image, caches, templates
            c.get(u)
        times: dict[str, list[float]] = {u: [] for u in urls}
        info: dict[str, tuple[int, int]] = {}
        for _ in range(repeat):
            for u in urls:
                t = time.perf_counter()
                r = c.get(u)
                n = len(r.content)
                times[u].append((time.perf_counter() - t) * 1000)
                info[u] = (r.status_code, n)
    for u in urls:
        ts = sorted(times[u])
        p95 = ts[min(len(ts) - 1, int(round(0.95 * (len(ts) - 1))))]
        out.append({"url": u, "median": statistics.median(ts), "p95": p95, "max": ts[-1],
                    "status": info[u][0], "bytes": info[u][1]})
    return out


def table(title: str, rows: list[dict], goal: bool):
    from rich.table import Table
    t = Table(title=title)
    for col, just in (("URL", "left"), ("status", "right"), ("median ms", "right"),
                      ("p95 ms", "right"), ("max ms", "right"), ("KiB", "right")):
        t.add_column(col, justify=just, overflow="fold")
    for r in rows:
        flag = " ✗" if goal and r["p95"] > GOAL_MS else ""
        t.add_row(r["url"], str(r["status"]), f"{r['median']:.1f}", f"{r['p95']:.1f}{flag}",
                  f"{r['max']:.1f}", f"{r['bytes'] / 1024:.1f}")
    return t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--documents", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--keep", metavar="PATH", help="write the SQLite file here and keep it")
    ap.add_argument("--reuse", metavar="PATH", help="measure a store built with --keep")
    args = ap.parse_args(argv)
    from rich.console import Console
    console = Console()
    tmp = tempfile.TemporaryDirectory()
    if args.reuse:
        path = Path(args.reuse)
    else:
        path = Path(args.keep) if args.keep else Path(tmp.name) / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        info = bench_query.build(f"sqlite:///{path}", args.documents)
        info.pop("symbols")
        console.print(f"store: {info}")
        from docmine.store import db
        db.dispose_engines()
    url = f"sqlite:///{path}"
    proc, base = start(url, Path(tmp.name) / "data")
    try:
        pages = measure(base, PAGES, args.repeat)
        api = measure(base, API, args.repeat)
        exports = measure(base, EXPORTS, max(1, min(3, args.repeat)))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    console.print(table(f"pages (n={args.repeat} each)", pages, True))
    console.print(table(f"API (n={args.repeat} each)", api, True))
    console.print(table("whole-result exports (streamed; no goal)", exports, False))
    worst = max(pages + api, key=lambda r: r["p95"])
    load = os.getloadavg()[0]
    console.print(f"slowest p95: {worst['p95']:.1f} ms ({worst['url']}); goal ≤ {GOAL_MS} ms; "
                  f"load average {load:.1f} on {os.cpu_count()} CPUs")
    bad = [r for r in pages + api if r["status"] != 200]
    if bad:
        console.print(f"[red]non-200 answers: {[(r['url'], r['status']) for r in bad]}")
    tmp.cleanup()
    return 0 if not bad and worst["p95"] <= GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
