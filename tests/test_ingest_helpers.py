"""Helpers for the store/ingest tests: PDFs made with reportlab, and a way to
run ``docmine`` in a subprocess. (No tests here.)"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

FRENCH = ("Le Comité permanent est invité à prendre note du présent document et à "
          "examiner les plans de travail conjoints avec les secrétariats de la CDB "
          "et de la Convention de Ramsar, conformément à la Résolution 11.10.")
ENGLISH = ("The Standing Committee is invited to take note of this document and to "
           "review the joint work plans with the secretariats of the CBD and the "
           "Ramsar Convention, in accordance with Resolution 11.10.")


def make_pdf(path: Path, pages: list[str] | int = 2, *, symbol: str = "UNEP/CMS/StC99/1",
             text: str = FRENCH, tag: str = "", encrypt=None) -> Path:
    """A small UN-style PDF: running header with the symbol, numbered
    paragraphs, page number in the footer. ``tag`` makes the bytes unique."""
    if isinstance(pages, int):
        pages = [f"{i + 1}. {text} {tag}".strip() for i in range(pages)]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=A4, encrypt=encrypt, invariant=1)
    width, height = A4
    for n, body in enumerate(pages, 1):
        c.setFont("Helvetica", 9)
        c.drawRightString(width - 60, height - 40, symbol)
        c.setFont("Helvetica", 11)
        y = height - 100
        words, line = body.split(), ""
        for w in words:
            if len(line) + len(w) > 85:
                c.drawString(60, y, line)
                y -= 15
                line = ""
            line = f"{line} {w}".strip()
        if line:
            c.drawString(60, y, line)
        c.setFont("Helvetica", 9)
        c.drawCentredString(width / 2, 40, str(n))
        c.showPage()
    c.save()
    return path


def docmine_cmd(*args: str) -> list[str]:
    """The argv that runs the ``docmine`` command line with this interpreter."""
    return [sys.executable, "-c", "from docmine.cli import main; main()", *map(str, args)]


def run_docmine(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(docmine_cmd(*args), capture_output=True, text=True, timeout=timeout)
