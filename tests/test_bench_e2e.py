"""benchmarks/bench_e2e.py --quick really runs every mode on a tiny corpus and
reports positive figures for each (no timing assertions: speed goals live in the
benchmark's table, not in tests)."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "bench_e2e.py"

pytestmark = pytest.mark.slow


def test_corpus_is_distinct_un_layout_pdfs(tmp_path):
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import bench_e2e
    finally:
        sys.path.pop(0)
    info = bench_e2e.build_corpus(tmp_path / "corpus", docs=6, min_pages=10)
    pdfs = sorted((tmp_path / "corpus").glob("*.pdf"))
    assert len(pdfs) == info["docs"] >= 6 and info["pages"] >= 10
    assert len({hashlib.sha256(p.read_bytes()).hexdigest() for p in pdfs}) == len(pdfs)
    import pypdfium2
    pdf = pypdfium2.PdfDocument(pdfs[0])
    try:
        text = pdf[0].get_textpage().get_text_bounded()
    finally:
        pdf.close()
    assert "CBD/COP/10/1" in text.splitlines()[0]     # the symbol, top right
    assert "1. Le présent document" in text


def test_quick_run_reports_every_mode(tmp_path, capsys):
    proc = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--docs", "4", "--min-pages", "4",
                           "--folder", str(tmp_path), "--json"],
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    rows = {r["mode"]: r for r in result["rows"]}
    assert set(rows) == {"naive", "library-1", "library-2", "independent-2", "cli-1", "cli-2", "cli-dask-1", "cli-dask-2",
                         "startup-empty", "startup-unchanged", "startup-extract", "startup-first"}
    for mode, r in rows.items():
        assert r["rc"] == 0 and r["wall_s"] > 0 and r["peak_mb"] > 0 and r["peak_pss_mb"] > 0, (mode, r)
        if not mode.startswith("startup"):
            assert r["pages"] == result["corpus"]["pages"] > 0 and r["pages_per_s"] > 0
            assert r["x_naive"] > 0
    for two in ("library-2", "independent-2", "cli-2", "cli-dask-2"):
        assert rows[two]["scaling_1_to_2"] > 0, two
    # each scaling is also given against two independent runs on halves (independent-2)
    goals = bench_goals(result["rows"])
    indep = rows["independent-2"]["scaling_1_to_2"]
    for two in ("library-2", "cli-2", "cli-dask-2"):
        line = next(g for g in goals if f"workers: {two} " in g)
        assert f"two independent 1-worker runs on halves: {indep}× (independent-2), this mode " in line, line
    assert not any("workers: independent-2" in g for g in goals)  # a reference, not a goal
    # the rich table has one row per mode
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import bench_e2e
    finally:
        sys.path.pop(0)
    bench_e2e.print_table(result, width=220)
    table = capsys.readouterr().out
    for mode in rows:
        assert mode in table
    # every docmine mode stored the whole corpus
    import sqlite3
    def stored(db: Path) -> int:
        con = sqlite3.connect(db)
        try:
            return con.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            con.close()
    for mode in ("library-1", "library-2", "cli-1", "cli-2", "cli-dask-1", "cli-dask-2"):
        assert stored(tmp_path / mode / "bench.db") == result["corpus"]["docs"], mode
    # the two independent runs stored one half each
    halves = [stored(tmp_path / "independent-2" / f"half-{k}" / "bench.db") for k in (0, 1)]
    assert sum(halves) == result["corpus"]["docs"] and min(halves) >= 1, halves


def bench_goals(rows: list[dict]) -> list[str]:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import bench_e2e
    finally:
        sys.path.pop(0)
    return bench_e2e.goal_lines(rows)
