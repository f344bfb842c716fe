"""Start-up, re-run and long-document benchmark (issue 15, the part not about throughput).

Rows (each command in its own process; wall seconds, CPU seconds of the
process tree, peak RSS; "run s" is the run's own duration as its summary
prints it, i.e. docmine's work without interpreter start-up and imports):

* ``run empty (new data)``: ``docmine run`` on an empty folder, new data folder;
* ``run empty``: the same again (database and caches exist);
* ``run unchanged``: ``docmine run`` over the five sample PDFs, already stored;
* ``extract one.txt (cold)`` / ``extract one.txt``: ``docmine extract`` of one
  small text, first with a new data folder (``DOCMINE_DATA_DIR``), then again;
* ``re-run N stored, state``: ``docmine run`` over N stored one-page PDFs,
  nothing new, sources state present (what a nightly re-run is);
* ``re-run N stored, no state``: the same without the sources state (every file
  is hashed, skipped and remembered: the path that was quadratic);
* ``ingest re-run N``: ``docmine ingest`` of the same N files again;
* ``extract 5 pages`` / ``extract 500 pages``: extraction alone (pipeline
  loaded first, not timed) of a 5-page and a 500-page UN-layout PDF rendered
  from the sample and dev texts: seconds per page and peak RSS.

Set-up, not measured: N distinct one-page PDFs rendered with reportlab,
stored with :func:`docmine.ingest.ingest_paths`, then marked extracted by the
model in force with one ``UPDATE`` (extracting 10,000 documents first would
take an hour and the re-run never looks at their model rows); the sources
state for the "state" row is written from the files' stat and sha256.

``--checkout DIR`` runs the commands from another checkout of docmine (for a
before/after comparison with the same script: ``git worktree add /tmp/old
<rev>``, or ``git archive <rev> | tar -x -C /tmp/old``); set-up always uses
this checkout's library.

Usage::

    .venv/bin/python benchmarks/bench_startup.py                  # N = 10,000
    .venv/bin/python benchmarks/bench_startup.py --docs 1000 --long-pages 100   # quicker
    .venv/bin/python benchmarks/bench_startup.py --checkout /tmp/old --json
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import bench_e2e as e2e  # noqa: E402  (corpus builder and the process-tree measurement)

ONE_TXT = ("1. La Conférence des Parties prie le Secrétariat de rendre compte à la quatorzième "
           "réunion (UNEP/CMS/COP14/Doc.24) avant le 1er juin 2026.\n")


# --------------------------------------------------------------------------- set-up
def one_page_pdfs(folder: Path, n: int) -> list[Path]:
    """``n`` distinct one-page PDFs (a numbered paragraph, a symbol, a date)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        p = folder / f"p{i:05d}.pdf"
        out.append(p)
        if p.exists():
            continue
        c = canvas.Canvas(str(p), pagesize=A4, invariant=1)
        c.setFont("Times-Roman", 11)
        c.drawString(70, 760, f"UNEP/CMS/StC{40 + i % 20}/{i}")
        c.drawString(70, 720, f"{1 + i % 30}. Le Comité permanent prie le Secrétariat de faire rapport "
                              f"sur le point {i}.")
        c.drawString(70, 700, f"Genève, le {1 + i % 28} mars 2025")
        c.showPage()
        c.save()
    return out


def store_all(files: list[Path], folder: Path, db: Path, data: Path) -> None:
    """Ingest ``files`` (this checkout's library), mark them extracted, write the sources state."""
    from docmine.extraction.version import model_version
    from docmine.ingest import ingest_paths
    from docmine.settings import get_settings
    settings = get_settings(database_url=f"sqlite:///{db}", data_dir=data)
    s = ingest_paths([folder], settings=settings, progress=False)
    assert s.new == len(files), (s.new, len(files), [o.reason for o in s.failed][:3])
    con = sqlite3.connect(db)
    con.execute("UPDATE documents SET extracted_version = ?", (model_version(settings),))
    con.commit()
    con.close()
    state = {"urls": {}, "files": {}}
    for p in files:
        st = p.stat()
        state["files"][str(p.resolve())] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns,
                                            "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
    (data / "sources_state.json").write_text(json.dumps(state, indent=1, sort_keys=True))
    for extra in ("sources_state.json.journal",):
        (data / extra).unlink(missing_ok=True)


def long_pdf(folder: Path, pages: int, seed: int) -> tuple[Path, int]:
    """A UN-layout paper of about ``pages`` pages from the sample and dev texts."""
    path = folder / f"long_{pages}.pdf"
    info = folder / f"long_{pages}.json"
    if path.exists() and info.exists():
        return path, json.loads(info.read_text())["pages"]
    paper = e2e.make_paper(seed, e2e.source_blocks(), words=pages * 420)
    n = e2e.rs.render_paper(paper, path)
    info.write_text(json.dumps({"pages": n}))
    return path, n


# --------------------------------------------------------------------------- children
def child_extract(path: str) -> None:
    """Load the pipeline (not timed), extract ``path`` (timed); print JSON."""
    from docmine.extraction.extract import extract
    from docmine.extraction.nlp import load_nlp
    from docmine.settings import get_settings
    settings = get_settings()
    nlp = load_nlp(settings)
    extract(ONE_TXT * 3, settings=settings, nlp=nlp)  # lazy parts (language detection…) loaded, not timed
    t0, c0 = time.perf_counter(), time.process_time()
    ex = extract(Path(path), settings=settings, nlp=nlp)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"seconds": dt, "cpu": cpu, "mentions": len(ex.mentions),
                      "action_items": len(ex.action_items)}))


# --------------------------------------------------------------------------- measuring
def docmine_cmd(checkout: Path | None, shim: Path) -> list[str]:
    if checkout is None:
        return [str(e2e.BIN / "docmine")]
    return [sys.executable, "-c", "from docmine_pipeline.cli import main; main()"]


def env_for(checkout: Path | None, shim: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DOCMINE_"))}
    env["PYTHONUNBUFFERED"] = "1"
    env["DOCMINE_USE_NER"] = env.get("DOCMINE_USE_NER", "1")
    if checkout is not None:
        shim.mkdir(parents=True, exist_ok=True)
        link = shim / "docmine_pipeline"
        if not link.exists():
            link.symlink_to(checkout / "pipeline")
        env["PYTHONPATH"] = f"{checkout / 'src'}{os.pathsep}{shim}"
    env.update(extra)
    return env


_RUN_S = re.compile(r"(?:action items \d+, |time\s*:\s*)([\d.]+) s")


SKIP: list[str] = []


def row(name: str, cmd: list[str], *, cwd: Path, env: dict, echo, pages: int | None = None) -> dict:
    if any(s in name for s in SKIP):
        return {"row": name, "skipped": True}
    echo(f"… {name}")
    r = e2e.measure(cmd, cwd=cwd, env=env)
    out = r["output"]
    d = {"row": name, "wall_s": round(r["wall"], 2), "cpu_s": round(r["cpu"], 2),
         "peak_mb": round(r["peak_mb"], 1), "rc": r["rc"], "load1": round(os.getloadavg()[0], 2)}
    m = _RUN_S.findall(out)
    if m:
        d["run_s"] = float(m[-1])
    if out.lstrip().startswith("{") and '"seconds"' in out:
        try:
            j = json.loads(out.strip().splitlines()[-1])
            d["extract_s"] = round(j["seconds"], 2)
            d["extract_cpu_s"] = round(j["cpu"], 2)
            d["mentions"] = j["mentions"]
            if pages:
                d["pages"] = pages
                d["s_per_page"] = round(j["seconds"] / pages, 4)
                d["cpu_s_per_page"] = round(j["cpu"] / pages, 4)
        except (ValueError, KeyError):
            pass
    if r["rc"] not in (0,):
        d["note"] = (out.strip().splitlines() or ["?"])[-1][:120]
    echo(f"  {json.dumps(d)}")
    return d


def print_table(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table
    t = Table(title=f"docmine start-up and re-runs ({result['checkout']}); N = {result['docs']}; "
                    f"load average {result['load_before']} → {result['load_after']} on {os.cpu_count()} CPUs")
    for col in ("row", "wall s", "CPU s", "run s", "extract s", "extract CPU s", "s/page", "CPU s/page",
                "mentions", "peak MB", "load1", "note"):
        t.add_column(col, justify="left" if col in ("row", "note") else "right", no_wrap=col == "row")
    for r in result["rows"]:
        if r.get("skipped"):
            continue
        t.add_row(r["row"], f"{r['wall_s']:.2f}", f"{r['cpu_s']:.2f}", str(r.get("run_s", "–")),
                  str(r.get("extract_s", "–")), str(r.get("extract_cpu_s", "–")), str(r.get("s_per_page", "–")),
                  str(r.get("cpu_s_per_page", "–")), str(r.get("mentions", "–")), f"{r['peak_mb']:.0f}",
                  str(r["load1"]), r.get("note", ""))
    if result.get("per_page_ratio"):
        t.caption = (f"CPU s/page, long ÷ short: {result['per_page_ratio']} (1.0 = time per page independent "
                     f"of length)")
    Console(width=170).print(t)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000, help="stored one-page PDFs for the re-run rows")
    ap.add_argument("--long-pages", type=int, default=500)
    ap.add_argument("--checkout", type=Path, help="run the commands from this docmine checkout")
    ap.add_argument("--work", type=Path, help="work folder (kept; default a temporary one)")
    ap.add_argument("--only", help="comma-separated row groups: startup,rerun,long")
    ap.add_argument("--skip", action="append", default=[],
                    help="skip rows whose name contains this (repeatable), e.g. 'no state'")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--child", choices=["extract"])
    ap.add_argument("--path")
    a = ap.parse_args(argv)
    if a.child == "extract":
        child_extract(a.path)
        return 0
    groups = set((a.only or "startup,rerun,long").split(","))
    SKIP.extend(a.skip)
    echo = (lambda *x: print(*x, file=sys.stderr)) if a.json else print
    work = a.work or Path(tempfile.mkdtemp(prefix="docmine-bench-startup-"))
    work.mkdir(parents=True, exist_ok=True)
    checkout = a.checkout.resolve() if a.checkout else None
    shim = work / "shim"
    dm = docmine_cmd(checkout, shim)
    rows: list[dict] = []
    load_before = round(os.getloadavg()[0], 2)
    tag = "before" if checkout else "this"

    if "startup" in groups:
        d = work / f"startup-{tag}"
        shutil.rmtree(d, ignore_errors=True)
        (d / "empty").mkdir(parents=True)
        env = env_for(checkout, shim)
        run = dm + ["run", str(d / "empty"), "--data-dir", str(d / "data")]
        rows.append(row("run empty (new data)", run, cwd=d, env=env, echo=echo))
        rows.append(row("run empty", run, cwd=d, env=env, echo=echo))
        samples = dm + ["run", str(REPO / "corpus" / "samples"), "--data-dir", str(d / "data")]
        first = e2e.measure(samples, cwd=d, env=env)  # set-up: store the samples
        if first["rc"] != 0:
            echo(first["output"])
        rows.append(row("run unchanged (5 samples)", samples, cwd=d, env=env, echo=echo))
        (d / "one.txt").write_text(ONE_TXT, encoding="utf-8")
        xenv = env_for(checkout, shim, DOCMINE_DATA_DIR=str(d / "xdata"))
        rows.append(row("extract one.txt (cold)", dm + ["extract", str(d / "one.txt")], cwd=d, env=xenv, echo=echo))
        rows.append(row("extract one.txt", dm + ["extract", str(d / "one.txt")], cwd=d, env=xenv, echo=echo))

    if "rerun" in groups:
        n = a.docs
        folder = work / f"pdfs-{n}"
        echo(f"set-up: {n} one-page PDFs in {folder}")
        files = one_page_pdfs(folder, n)
        base = work / f"stored-{n}"
        if not (base / "done").exists():
            shutil.rmtree(base, ignore_errors=True)
            (base / "data").mkdir(parents=True)
            t0 = time.perf_counter()
            store_all(files, folder, base / "docmine.db", base / "data")
            (base / "done").write_text("ok")
            echo(f"set-up: stored in {time.perf_counter() - t0:.0f} s")
        d = work / f"rerun-{tag}"
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(base, d)
        env = env_for(checkout, shim)
        url = f"sqlite:///{d / 'docmine.db'}"
        cmd = dm + ["run", str(folder), "--database", url, "--data-dir", str(d / "data")]
        rows.append(row(f"re-run {n} stored, state", cmd, cwd=d, env=env, echo=echo))
        (d / "data" / "sources_state.json").unlink()
        (d / "data" / "sources_state.json.journal").unlink(missing_ok=True)
        rows.append(row(f"re-run {n} stored, no state", cmd, cwd=d, env=env, echo=echo))
        ing = dm + ["ingest", str(folder), "--database", url]
        rows.append(row(f"ingest re-run {n}", ing, cwd=d, env=env_for(checkout, shim, DOCMINE_DATA_DIR=str(d / "data")),
                        echo=echo))

    ratio = None
    if "long" in groups:
        lf = work / "long"
        lf.mkdir(exist_ok=True)
        short, short_pages = long_pdf(lf, 5, 77_001)
        big, big_pages = long_pdf(lf, a.long_pages, 77_002)
        env = env_for(checkout, shim, DOCMINE_DATA_DIR=str(work / "xdata-long"))
        child = [sys.executable, str(Path(__file__).resolve()), "--child", "extract", "--path"]
        r5 = row(f"extract {short_pages} pages", child + [str(short)], cwd=lf, env=env, echo=echo, pages=short_pages)
        rb = row(f"extract {big_pages} pages", child + [str(big)], cwd=lf, env=env, echo=echo, pages=big_pages)
        rows += [r5, rb]
        if r5.get("cpu_s_per_page") and rb.get("cpu_s_per_page"):
            ratio = round(rb["cpu_s_per_page"] / r5["cpu_s_per_page"], 2)

    result = {"checkout": str(checkout or REPO), "docs": a.docs, "rows": rows, "load_before": load_before,
              "load_after": round(os.getloadavg()[0], 2), "per_page_ratio": ratio,
              "long_pages": a.long_pages, "work": str(work)}
    if a.json:
        print(json.dumps(result, indent=1))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
