"""Benchmark the PDF reader: pages per second and peak memory per backend.

Builds a corpus of ``--docs`` PDFs of ``--pages`` pages with reportlab
(meeting-paper layout: running header with the symbol, page-number footer,
job number, small-font footnotes under a rule, ~45 body lines a page), then
runs each backend in its own subprocess pinned to one CPU, so the peak RSS
(``ru_maxrss``) is that backend's alone. Two figures per backend:

* ``layout``: backend text + positions and header/footer/footnote separation
  (``read_pages`` + ``layout.classify``), what the ≥ 300 pages/s goal is about;
* ``read_pdf``: the full reader (plus sha256, per-page language, page-1 metadata).

Usage::

    .venv/bin/python benchmarks/bench_read.py --docs 20 --pages 10
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SENTENCES = [
    "Le Secrétariat a poursuivi la mise en œuvre du programme de travail conjoint avec les conventions",
    "Les Parties sont invitées à communiquer leurs rapports nationaux avant la prochaine réunion du",
    "La coopération avec les organisations internationales a été renforcée dans le domaine de la",
    "Le Comité permanent est prié de prendre note du présent rapport et de formuler des recommandations",
    "Des ateliers régionaux ont été organisés afin de renforcer les capacités des points focaux nationaux",
    "Les espèces migratrices menacées font l'objet de plans d'action concertés entre les États de l'aire",
]


def build_corpus(folder: Path, docs: int, pages: int) -> list[Path]:
    """``docs`` PDFs of ``pages`` pages each, in ``folder``."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    w, h = A4
    paths = []
    for d in range(docs):
        symbol = f"UNEP/CMS/StC{40 + d % 9}/{d + 1}"
        path = folder / f"doc_{d:04d}.pdf"
        c = canvas.Canvas(str(path), pagesize=A4)
        for n in range(1, pages + 1):
            c.setFont("Helvetica", 9)
            c.drawRightString(w - 60, h - 36, symbol)
            y = h - 80
            if n == 1:
                c.setFont("Helvetica", 10)
                c.drawRightString(w - 60, y - 20, "1er septembre 2015")
                c.setFont("Helvetica-Bold", 14)
                c.drawString(60, y - 50, "SYNERGIES ET PARTENARIATS")
                y -= 80
            c.setFont("Helvetica", 11)
            k = 0
            while y > 170:
                c.drawString(60, y, f"{n}.{k} " + SENTENCES[(d + n + k) % len(SENTENCES)])
                y -= 14
                k += 1
            c.line(60, 150, 200, 150)
            c.setFont("Helvetica", 8)
            for j in range(2):
                c.drawString(60, 138 - 10 * j, f"{n * 2 + j} Voir le document UNEP/CMS/COP11/Doc.{n}.{j} pour plus de détails.")
            c.setFont("Helvetica", 9)
            c.drawCentredString(w / 2, 30, f"{n}/{pages}")
            if n == 1:
                c.drawString(60, 30, f"GE.15-{12345 + d}")
            c.showPage()
        c.save()
        paths.append(path)
    return paths


def worker(backend: str, folder: Path) -> dict:
    """Time one backend on the corpus (run in a subprocess, one CPU)."""
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass
    from docmine.reading import layout
    from docmine.reading import read

    paths = sorted(folder.glob("*.pdf"))
    mod = read._backend(read._ALIASES[backend])
    # warm-up (imports, langdetect profiles) on the first document
    read.read_pdf(paths[0], backend=backend)

    bare = None
    if backend == "pypdfium2":  # the floor: PDFium's text alone, no positions or layout
        import pypdfium2 as pdfium

        c0, n = time.process_time(), 0
        for p in paths:
            pdf = pdfium.PdfDocument(p.read_bytes())
            for i in range(len(pdf)):
                page = pdf[i]
                tp = page.get_textpage()
                tp.get_text_range(0, tp.count_chars(), force_this=True)
                tp.close()
                page.close()
                n += 1
            pdf.close()
        bare = round(n / (time.process_time() - c0), 1)

    w0, c0 = time.perf_counter(), time.process_time()
    pages = 0
    separated = 0
    for p in paths:
        raw = mod.read_pages(p.read_bytes())
        blocks = layout.classify(raw)
        pages += len(raw)
        separated += sum(1 for bl in blocks if any(b.kind == "header" for b in bl))
    w_layout, c_layout = time.perf_counter() - w0, time.process_time() - c0

    w0, c0 = time.perf_counter(), time.process_time()
    for p in paths:
        read.read_pdf(p, backend=backend)
    w_full, c_full = time.perf_counter() - w0, time.process_time() - c0
    return {
        "backend": backend,
        "pages": pages,
        "pages_with_header": separated,
        # wall clock, and CPU time (steadier on a shared machine)
        "layout_pages_per_s": round(pages / w_layout, 1),
        "layout_pages_per_cpu_s": round(pages / c_layout, 1),
        "read_pdf_pages_per_s": round(pages / w_full, 1),
        "read_pdf_pages_per_cpu_s": round(pages / c_full, 1),
        "bare_text_pages_per_cpu_s": bare,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=20)
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--backends", default="pypdfium2,pdfplumber")
    ap.add_argument("--dir", type=Path, help="reuse/keep the corpus here (default: a temporary folder)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(args.worker, args.dir)))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if not list(folder.glob("*.pdf")):
            t0 = time.perf_counter()
            build_corpus(folder, args.docs, args.pages)
            print(f"built {args.docs} PDFs x {args.pages} pages in {time.perf_counter() - t0:.1f}s")
        print("pages/s: wall clock (per CPU second); layout = text + positions + header/footer/footnote")
        print(f"{'backend':<11} {'pages':>6} {'layout p/s':>16} {'read_pdf p/s':>16} {'peak RSS MB':>12}  header found")
        for backend in args.backends.split(","):
            out = subprocess.run([sys.executable, __file__, "--worker", backend, "--dir", str(folder)],
                                 capture_output=True, text=True, check=False)
            if out.returncode != 0:
                print(f"{backend}: failed\n{out.stderr}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            lay = f"{r['layout_pages_per_s']} ({r['layout_pages_per_cpu_s']})"
            full = f"{r['read_pdf_pages_per_s']} ({r['read_pdf_pages_per_cpu_s']})"
            print(f"{r['backend']:<11} {r['pages']:>6} {lay:>16} {full:>16} "
                  f"{r['peak_rss_mb']:>12}  {r['pages_with_header']}/{r['pages']}")
            if r.get("bare_text_pages_per_cpu_s"):
                print(f"{'':<11} {'':>6} bare get_text_range: {r['bare_text_pages_per_cpu_s']} pages per CPU second")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
