"""Helpers for the web tests (no tests here): a store built from the sample
PDFs plus one hostile PDF, on SQLite or PostgreSQL, and a running server."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "corpus" / "samples"

#: the hostile document: markup in its text must show as text
XSS_SYMBOL = "UNEP/CMS/StC99/66"
XSS_PARAGRAPHS = [
    "SURETE DES DONNEES ET AFFICHAGE",
    "1. Le texte <script>alert('docmine-xss')</script> doit rester du texte.",
    "2. Une image <img src=x onerror=alert('docmine-img')> ne doit pas se charger.",
    "3. Le Comité permanent a examiné le document UNEP/CMS/StC52/11 à sa 52e réunion.",
    "4. Prie le Secrétariat de faire rapport sur la coopération technique au Comité "
    "permanent à sa 53e réunion.",
]


def make_xss_pdf(path: Path) -> Path:
    """A one-page UN-style PDF whose paragraphs hold ``<script>`` and
    ``<img onerror>`` and cite the sample document UNEP/CMS/StC52/11."""
    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    width, height = A4
    c.setFont("Helvetica", 9)
    c.drawRightString(width - 60, height - 40, XSS_SYMBOL)
    c.drawRightString(width - 60, height - 52, "12 novembre 2025")
    y = height - 110
    for i, para in enumerate(XSS_PARAGRAPHS):
        c.setFont("Helvetica-Bold" if i == 0 else "Helvetica", 13 if i == 0 else 11)
        line = ""
        for w in para.split():
            if len(line) + len(w) > 80:
                c.drawString(60, y, line)
                y -= 15
                line = ""
            line = f"{line} {w}".strip()
        c.drawString(60, y, line)
        y -= 26
    c.setFont("Helvetica", 9)
    c.drawCentredString(width / 2, 40, "1")
    c.showPage()
    c.save()
    return path


def build_store(url: str, tmp: Path) -> Path:
    """Ingest and extract the sample PDFs and the hostile one into ``url``
    with :func:`docmine.run.run`; returns the data folder used."""
    from docmine.run import run
    from docmine.settings import get_settings

    data = tmp / "data"
    xss = make_xss_pdf(tmp / "pdfs" / "xss_stc99_66.pdf")
    # one process: documents get their ids in input order (the tests name them by id);
    # with worker processes the order depends on which worker stores first
    summary = run([SAMPLES, xss], settings=get_settings(database_url=url, data_dir=data),
                  progress=False, workers=1)
    assert summary.exit_code == 0, summary.render()
    return data


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, data_dir: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    """``docmine web`` in a subprocess on a free port; waits until it answers."""
    import httpx

    port = free_port()
    env = {**os.environ, "DOCMINE_DATA_DIR": str(data_dir)}
    proc = subprocess.Popen([sys.executable, "-c", "from docmine.cli import main; main()", "web",
                             "--port", str(port), "--database", url, *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"docmine web exited: {proc.stdout.read()}")
        try:
            if httpx.get(base + "/static/style.css", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("docmine web did not answer within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover
        proc.kill()
