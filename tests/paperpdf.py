"""Small meeting papers rendered with reportlab for the tests (no files from ../shared).

``write_pdf(path, pages, header=…, footer=…)``: A4 pages; each page a list of
lines drawn top-down in Times 11.5 pt (body), a running ``header`` (small,
right-aligned, top band) and ``footer`` (``Page {n}``, bottom band) on every
page. A line is a string or a list of runs ``(text, size, rise)`` (a raised
small run is a footnote call); ``("big", text)`` draws a 15 pt title line;
``("note", text)`` a 9 pt footnote line at the page bottom under a rule.
"""
from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

BODY, LEAD = 11.5, 15


def write_pdf(path: Path, pages: list[list], *, header: str | None = "UNEP/CMS/StC99/7",
              footer: str | None = "Page {n}") -> Path:
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    w, h = A4
    for n, lines in enumerate(pages, 1):
        if header:
            c.setFont("Times-Roman", 9)
            c.drawRightString(w - 70, h - 40, header)
        y = h - 90
        notes = []
        for line in lines:
            if isinstance(line, tuple) and line[0] == "note":
                notes.append(line[1])
                continue
            if isinstance(line, tuple) and line[0] == "big":
                c.setFont("Times-Bold", 15)
                c.drawString(70, y, line[1])
                y -= 20
                continue
            runs = [(line, BODY, 0)] if isinstance(line, str) else line
            t = c.beginText(70, y)
            for text, size, rise in runs:
                t.setFont("Times-Roman", size)
                t.setRise(rise)
                t.textOut(text)
            t.setRise(0)
            c.drawText(t)
            y -= LEAD
        if notes:
            c.setLineWidth(0.5)
            c.line(70, 130, 200, 130)
            yy = 118
            for note in notes:
                c.setFont("Times-Roman", 9)
                c.drawString(70, yy, note)
                yy -= 11
        if footer:
            c.setFont("Times-Roman", 9)
            c.drawCentredString(w / 2, 30, footer.format(n=n))
        c.showPage()
    c.save()
    return path


def sup(text: str) -> tuple:
    """A footnote call: 7 pt, raised 4 pt."""
    return (text, 7, 4)


def body(text: str) -> tuple:
    return (text, BODY, 0)
