#!/usr/bin/env python
"""Render the project's invented sample meeting papers to PDF.

Each source ``corpus/samples/src/<name>.md`` becomes ``corpus/samples/<name>.pdf``:
A4, UN layout (page-1 block with the convention, symbol, date, original
language and meeting; title; numbered paragraphs; running header with the
symbol, right-aligned, on every page; page-number footer; footnotes in a
smaller font at the page bottom under a separator line).

Output is byte-for-byte deterministic: the canvas is ``invariant``, pages are
not compressed (no dependence on the zlib build) and only the 14 standard PDF
fonts are used (WinAnsi covers French, including ’ œ « » – —), so nothing
machine-specific is embedded.

Source format: a front matter between ``---`` lines (``key: value``), then
blocks separated by blank lines:

``# Text``            centred bold heading
``## Text``           bold sub-heading
``### Text``          italic sub-heading
``> Text``            centred italic line
``| Text``            lines of a boxed summary (consecutive ``|`` blocks share one box)
``12. Text``          numbered paragraph (number as written)
``  a) Text``         sub-item; the indent (2 or 4 spaces) gives the level
``[^1]: Text``        footnote text; ``[^1]`` in a paragraph is its call
``::: pagebreak``     start a new page
anything else         an unnumbered justified paragraph
Inline: ``**bold**``, ``*italic*``.

Usage: ``python scripts/render_samples.py [--src DIR] [--out DIR] [NAME ...]``
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas

REPO = Path(__file__).resolve().parents[1]
SRC_DIR = REPO / "corpus" / "samples" / "src"
OUT_DIR = REPO / "corpus" / "samples"

PAGE_W, PAGE_H = A4
CM = 72 / 2.54
LEFT = RIGHT = 2.5 * CM
TOP = 2.0 * CM
BODY_W = PAGE_W - LEFT - RIGHT
HEADER_Y = PAGE_H - 1.3 * CM        # baseline of the running header (and the page-1 symbol)
BODY_TOP = PAGE_H - TOP - 0.6 * CM  # top of the body frame on pages 2+
FOOTER_Y = 1.3 * CM                 # baseline of the page number
BODY_BOTTOM = 2.3 * CM              # lowest body baseline (footnotes sit above it)

BODY_SIZE, BODY_LEAD = 11.5, 14.5
NOTE_SIZE, NOTE_LEAD = 9, 11
SUP_SIZE, SUP_RISE = 7, 4
PARA_GAP = 7
INDENT = 1.0 * CM   # first-line offset of numbered paragraphs / one sub-item level

FONTS = {
    "r": "Times-Roman", "b": "Times-Bold", "i": "Times-Italic", "bi": "Times-BoldItalic",
}
REQUIRED = ("symbol", "treaty", "convention", "date", "meeting", "title")


# --------------------------------------------------------------------------- parsing

@dataclass
class Block:
    kind: str            # h1 h2 h3 center box para num item pagebreak
    text: str = ""
    marker: str = ""
    level: int = 0


@dataclass
class Paper:
    name: str
    meta: dict
    blocks: list[Block]
    notes: dict[str, str]


def parse_source(path: Path) -> Paper:
    raw = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    m = re.match(r"---\n(.*?)\n---\n", raw, re.S)
    if not m:
        raise ValueError(f"{path}: missing front matter")
    meta: dict[str, str] = {}
    for line in m.group(1).splitlines():
        if line.strip():
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip()
    missing = [k for k in REQUIRED if not meta.get(k)]
    if missing:
        raise ValueError(f"{path}: front matter lacks {', '.join(missing)}")
    blocks: list[Block] = []
    notes: dict[str, str] = {}
    for chunk in re.split(r"\n\s*\n", raw[m.end():]):
        if not chunk.strip():
            continue
        lead = len(chunk) - len(chunk.lstrip(" "))
        first = chunk.strip()
        text = " ".join(part.strip() for part in first.splitlines())
        if (fm := re.match(r"\[\^(\w+)\]:\s*(.*)", text)):
            notes[fm.group(1)] = fm.group(2)
        elif first == "::: pagebreak":
            blocks.append(Block("pagebreak"))
        elif text.startswith("### "):
            blocks.append(Block("h3", text[4:]))
        elif text.startswith("## "):
            blocks.append(Block("h2", text[3:]))
        elif text.startswith("# "):
            blocks.append(Block("h1", text[2:]))
        elif text.startswith("> "):
            blocks.append(Block("center", text[2:]))
        elif first.startswith("|"):
            for line in first.splitlines():
                blocks.append(Block("box", line.lstrip("|").strip()))
        elif lead and (im := re.match(r"([a-z]{1,4}[.)]|[ivx]+\)|-)\s+(.*)", text)):
            blocks.append(Block("item", im.group(2), im.group(1), max(1, lead // 2)))
        elif (nm := re.match(r"(\d+(?:\.\d+)?\.)\s+(.*)", text)):
            blocks.append(Block("num", nm.group(2), nm.group(1)))
        else:
            blocks.append(Block("para", text))
    for b in blocks:
        for call in re.findall(r"\[\^(\w+)\]", b.text):
            if call not in notes:
                raise ValueError(f"{path}: footnote [^{call}] has no text")
    return Paper(path.stem, meta, blocks, notes)


# --------------------------------------------------------------------------- inline text

@dataclass
class Run:
    text: str
    style: str           # r b i bi, or "sup"
    size: float

    @property
    def font(self) -> str:
        return FONTS["r" if self.style == "sup" else self.style]

    @property
    def width(self) -> float:
        return stringWidth(self.text, self.font, self.size)


@dataclass
class Line:
    words: list[list[Run]]
    x: float
    width: float          # available width (for justification)
    justify: bool
    notes: list[str] = field(default_factory=list)
    prefix: list[Run] = field(default_factory=list)   # paragraph number / item marker
    prefix_x: float = 0.0
    center: bool = False


def inline_runs(text: str, base: str, size: float) -> list[Run]:
    """Split inline markup into runs; footnote calls become superscript runs."""
    runs: list[Run] = []
    bold = "b" in base
    italic = "i" in base
    for tok in re.split(r"(\*\*|\*|\[\^\w+\])", text):
        if tok == "**":
            bold = not bold
        elif tok == "*":
            italic = not italic
        elif tok.startswith("[^"):
            runs.append(Run(tok[2:-1], "sup", SUP_SIZE))
        elif tok:
            style = ("b" if bold else "") + ("i" if italic else "") or "r"
            runs.append(Run(tok, style, size))
    return runs


def to_words(runs: list[Run]) -> list[list[Run]]:
    """Group runs into words (split at spaces); a word may hold several runs."""
    words: list[list[Run]] = [[]]
    for run in runs:
        parts = run.text.split(" ") if run.style != "sup" else [run.text]
        for k, part in enumerate(parts):
            if k > 0:
                words.append([])
            if part:
                words[-1].append(Run(part, run.style, run.size))
    return [w for w in words if w]


def word_width(word: list[Run]) -> float:
    return sum(r.width for r in word)


def space_width(size: float) -> float:
    return stringWidth(" ", FONTS["r"], size)


def wrap(words: list[list[Run]], first_width: float, width: float, size: float) -> list[list[list[Run]]]:
    lines: list[list[list[Run]]] = []
    cur: list[list[Run]] = []
    cur_w = 0.0
    sp = space_width(size)
    for w in words:
        ww = word_width(w)
        avail = first_width if not lines else width
        if cur and cur_w + sp + ww > avail:
            lines.append(cur)
            cur, cur_w = [w], ww
        else:
            cur_w = cur_w + sp + ww if cur else ww
            cur.append(w)
    if cur:
        lines.append(cur)
    return lines


def make_lines(text: str, *, style: str = "r", size: float = BODY_SIZE, x: float = LEFT,
               width: float = BODY_W, first_indent: float = 0.0, justify: bool = True,
               prefix: str = "", prefix_x: float = LEFT, center: bool = False) -> list[Line]:
    words = to_words(inline_runs(text, style, size))
    wrapped = wrap(words, width - first_indent, width, size)
    out = []
    for k, ws in enumerate(wrapped):
        notes = [r.text for w in ws for r in w if r.style == "sup"]
        line = Line(ws, x + (first_indent if k == 0 else 0), width - (first_indent if k == 0 else 0),
                    justify and k < len(wrapped) - 1, notes, center=center)
        if k == 0 and prefix:
            line.prefix = [Run(prefix, style if style != "sup" else "r", size)]
            line.prefix_x = prefix_x
        out.append(line)
    return out


def draw_line(c: rl_canvas.Canvas, line: Line, y: float, size: float) -> None:
    sp = space_width(size)
    natural = sum(word_width(w) for w in line.words) + sp * (len(line.words) - 1)
    x = line.x
    if line.center:
        x = LEFT + (BODY_W - natural) / 2
    t = c.beginText()
    state: list = [None, None]   # (font, size), rise: only emit operators on change

    def out(text: str, font: str, fsize: float, rise: float) -> None:
        if state[0] != (font, fsize):
            t.setFont(font, fsize)
            state[0] = (font, fsize)
        if state[1] != rise:
            t.setRise(rise)
            state[1] = rise
        t.textOut(text)

    if line.prefix:
        # marker, a real space, then jump to the text column: extraction reads "1. Texte"
        t.setTextOrigin(line.prefix_x, y)
        for r in line.prefix:
            out(r.text + " ", r.font, r.size, 0)
    t.setTextOrigin(x, y)
    gaps = len(line.words) - 1
    ws = (line.width - natural) / gaps if line.justify and gaps else 0.0
    if ws:
        t.setWordSpace(ws)
    for k, word in enumerate(line.words):
        if k:
            out(" ", FONTS["r"], size, 0)
        for r in word:
            out(r.text, r.font, r.size, SUP_RISE if r.style == "sup" else 0)
    if state[1]:
        t.setRise(0)
    if ws:
        t.setWordSpace(0)
    c.drawText(t)


# --------------------------------------------------------------------------- pagination

@dataclass
class Placed:
    line: Line
    y: float
    size: float


@dataclass
class Page:
    placed: list[Placed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    boxes: list[tuple[float, float]] = field(default_factory=list)   # (top, bottom) of summary boxes


class Layout:
    def __init__(self, paper: Paper, first_top: float):
        self.paper = paper
        self.pages = [Page()]
        self.y = first_top
        self._note_lines: dict[str, list[Line]] = {}

    @property
    def page(self) -> Page:
        return self.pages[-1]

    def note_lines(self, label: str) -> list[Line]:
        if label not in self._note_lines:
            self._note_lines[label] = paper_note_lines(self.paper, label)
        return self._note_lines[label]

    def notes_height(self, labels: list[str]) -> float:
        if not labels:
            return 0.0
        return 16 + sum(len(self.note_lines(n)) * NOTE_LEAD for n in labels)

    def floor(self, extra_notes: list[str] = ()) -> float:
        labels = self.page.notes + [n for n in extra_notes if n not in self.page.notes]
        return BODY_BOTTOM + self.notes_height(labels)

    def new_page(self) -> None:
        self.pages.append(Page())
        self.y = BODY_TOP

    def fits(self, lines: list[Line], lead: float) -> bool:
        notes = [n for ln in lines for n in ln.notes]
        return self.y - lead * len(lines) >= self.floor(notes)

    def place(self, lines: list[Line], lead: float, size: float, keep: int = 2) -> None:
        """Place lines, breaking pages as needed; ``keep`` lines stay together at a start."""
        if not self.fits(lines[:keep], lead) and self.page.placed:
            self.new_page()
        for line in lines:
            if not self.fits([line], lead):
                self.new_page()
            self.y -= lead
            self.page.placed.append(Placed(line, self.y, size))
            for n in line.notes:
                if n not in self.page.notes:
                    self.page.notes.append(n)

    def gap(self, h: float) -> None:
        if self.page.placed:
            self.y -= h


def block_lines(b: Block) -> tuple[list[Line], float, float]:
    if b.kind == "h1":
        return make_lines(b.text, style="b", justify=False, center=True), BODY_LEAD, BODY_SIZE
    if b.kind == "h2":
        return make_lines(b.text, style="b", justify=False), BODY_LEAD, BODY_SIZE
    if b.kind == "h3":
        return make_lines(b.text, style="i", justify=False), BODY_LEAD, BODY_SIZE
    if b.kind == "center":
        return make_lines(b.text, style="i", justify=False, center=True), BODY_LEAD, BODY_SIZE
    if b.kind == "box":
        return make_lines(b.text, size=10.5, x=LEFT + 0.4 * CM, width=BODY_W - 0.8 * CM), 13, 10.5
    if b.kind == "num":
        return make_lines(b.text, first_indent=INDENT, prefix=b.marker), BODY_LEAD, BODY_SIZE
    if b.kind == "item":
        x = LEFT + INDENT * (b.level + 1)
        return (make_lines(b.text, x=x, width=PAGE_W - RIGHT - x, prefix=b.marker,
                           prefix_x=x - INDENT), BODY_LEAD, BODY_SIZE)
    return make_lines(b.text), BODY_LEAD, BODY_SIZE


def layout_paper(paper: Paper, first_top: float) -> list[Page]:
    lay = Layout(paper, first_top)
    blocks = paper.blocks
    box_top = None
    for k, b in enumerate(blocks):
        if b.kind == "pagebreak":
            lay.new_page()
            continue
        lines, lead, size = block_lines(b)
        if b.kind == "box":
            if box_top is None:
                lay.gap(4)
                box_top = lay.y
                lay.y -= 4
            lay.place(lines, lead, size, keep=len(lines))
            lay.y -= 3
            if k + 1 >= len(blocks) or blocks[k + 1].kind != "box":
                lay.y -= 4
                lay.page.boxes.append((box_top, lay.y))
                box_top = None
                lay.gap(PARA_GAP + 4)
            continue
        if b.kind in ("h1", "h2"):
            lay.gap(5)   # a little air above section headings
        if b.kind in ("h1", "h2", "h3") and k + 1 < len(blocks) and blocks[k + 1].kind != "pagebreak":
            # keep a heading with the first two lines of what follows
            nxt, nlead, _ = block_lines(blocks[k + 1])
            need = lead * len(lines) + PARA_GAP + nlead * min(2, len(nxt))
            if lay.y - need < lay.floor([n for ln in lines + nxt[:2] for n in ln.notes]) and lay.page.placed:
                lay.new_page()
        lay.place(lines, lead, size)
        lay.gap(PARA_GAP)
    return lay.pages


# --------------------------------------------------------------------------- drawing

def draw_first_block(c: rl_canvas.Canvas, meta: dict) -> float:
    """Convention block, symbol/date/language, meeting lines and title; return the body top."""
    symbol = meta["symbol"]
    c.setFont("Helvetica-Bold", 11)
    c.drawRightString(PAGE_W - RIGHT, HEADER_Y, symbol)
    c.setFont("Helvetica", 9.5)
    right = [meta["date"], "", f"Original : {meta.get('original', 'français')}"]
    y = HEADER_Y - 14
    for line in right:
        if line:
            c.drawRightString(PAGE_W - RIGHT, y, line)
        y -= 11.5
    # convention name, wrapped into the left column
    conv_lines = make_lines(meta["convention"], style="b", size=9.5, width=BODY_W * 0.58, justify=False)
    y = HEADER_Y
    for ln in conv_lines:
        draw_line(c, ln, y, 9.5)
        y -= 11.5
    y = min(y, HEADER_Y - 14 - 3 * 11.5) - 6
    c.setLineWidth(1.2)
    c.line(LEFT, y, PAGE_W - RIGHT, y)
    y -= 22
    for key in ("meeting", "place", "agenda"):
        if meta.get(key):
            style = "b" if key == "meeting" else ("i" if key == "agenda" else "r")
            for ln in make_lines(meta[key], style=style, size=11, justify=False):
                draw_line(c, ln, y, 11)
                y -= 13.5
    y -= 14
    for ln in make_lines(meta["title"].upper(), style="b", size=12, justify=False, center=True):
        draw_line(c, ln, y, 12)
        y -= 15
    if meta.get("prepared"):
        y -= 4
        for ln in make_lines(meta["prepared"], style="i", justify=False, center=True):
            draw_line(c, ln, y, BODY_SIZE)
            y -= BODY_LEAD
    return y - 10


def footer_text(style: str, n: int, total: int) -> str:
    return f"{n}/{total}" if style == "n/m" else f"Page {n}"


def render_paper(paper: Paper, out: Path) -> int:
    """Render one paper; return its page count."""
    meta = paper.meta
    out.parent.mkdir(parents=True, exist_ok=True)
    c = rl_canvas.Canvas(str(out), pagesize=A4, invariant=1, pageCompression=0)
    c.setTitle(f"{meta['symbol']} – {meta['title']}")
    c.setAuthor("docmine sample corpus (invented text)")
    c.setSubject(f"{meta['treaty']} meeting paper (invented sample)")
    c.setCreator("docmine scripts/render_samples.py")
    c.setKeywords(["docmine", "sample", meta["treaty"]])
    # page 1 block is drawn first so we know where the body starts
    first_top = draw_first_block(c, meta)
    pages = layout_paper(paper, first_top)
    total = len(pages)
    for n, page in enumerate(pages, start=1):
        if n > 1:
            c.setFont("Helvetica", 9.5)
            c.drawRightString(PAGE_W - RIGHT, HEADER_Y, meta["symbol"])
        for top, bottom in page.boxes:
            c.setLineWidth(0.6)
            c.rect(LEFT, bottom, BODY_W, top - bottom)
        for p in page.placed:
            draw_line(c, p.line, p.y, p.size)
        if page.notes:
            lay_h = sum(len(paper_note_lines(paper, nl)) for nl in page.notes) * NOTE_LEAD
            y = BODY_BOTTOM + lay_h
            c.setLineWidth(0.5)
            c.line(LEFT, y + 8, LEFT + BODY_W / 3, y + 8)
            for label in page.notes:
                for ln in paper_note_lines(paper, label):
                    y -= NOTE_LEAD
                    draw_line(c, ln, y + 2, NOTE_SIZE)
        c.setFont("Helvetica", 9)
        c.drawCentredString(PAGE_W / 2, FOOTER_Y, footer_text(meta.get("footer", "page"), n, total))
        c.showPage()
    c.save()
    return total


def paper_note_lines(paper: Paper, label: str) -> list[Line]:
    return make_lines(paper.notes[label], size=NOTE_SIZE, x=LEFT + 0.5 * CM,
                      width=BODY_W - 0.5 * CM, prefix=label, prefix_x=LEFT)


def render_all(src: Path = SRC_DIR, out: Path = OUT_DIR, names: list[str] | None = None) -> dict[str, int]:
    """Render every source in ``src`` (or only ``names``) into ``out``; return pages per name."""
    sources = sorted(src.glob("*.md"))
    if names:
        sources = [s for s in sources if s.stem in set(names)]
    result = {}
    for path in sources:
        paper = parse_source(path)
        result[paper.name] = render_paper(paper, out / f"{paper.name}.pdf")
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=SRC_DIR)
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    ap.add_argument("names", nargs="*")
    args = ap.parse_args(argv)
    pages = render_all(args.src, args.out, args.names or None)
    if not pages:
        print(f"no sources found in {args.src}", file=sys.stderr)
        return 1
    for name, n in pages.items():
        print(f"{args.out / (name + '.pdf')}: {n} page(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
