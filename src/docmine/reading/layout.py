"""Page structure: running headers/footers, footnotes and body, found by layout.

Both PDF backends hand over the same thing per page (:class:`RawPage`): the
raw text exactly as the backend returned it and its lines, each with offsets
into that text, a vertical position and a font size. :func:`classify` turns
a document's pages into blocks (``header``, ``footer``, ``footnote``,
``body``) that partition each page's raw text.

Running furniture is recognised by *where* a line is (the top or bottom band
of the page) and *what repeats* (the same line, digits masked, at about the
same height on several pages), plus the generic shapes of furniture tokens
(page numbers ``12``, ``Page 12``, ``6/32``, ``-3-``; UN job numbers
``GE.15-12345``, ``18-16895 (E)``, ``*1816895*``; a document symbol). There
is no list of literal header strings.

Footnotes are the run of small-font lines at the bottom of the body that
starts with a note marker (a number or ``*``), or everything under a
``_____`` separator line in the lower half of the page.

Derived views (:func:`body_view`, :func:`dehyphenate`) return a new text
plus, for every character, its offset in the raw text: nothing stored is
ever modified.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

#: fraction of the page height that counts as the top / bottom band
TOP_BAND = 0.10
BOTTOM_BAND = 0.10
#: a line is "small" when its font size is at most this fraction of the body size
SMALL_FONT = 0.92
#: occurrences of a repeated line must lie within this fraction of the page height
REPEAT_Y_TOL = 0.008

KINDS = ("header", "footer", "footnote", "body")


@dataclass
class RawLine:
    """One text line as a backend saw it: ``text[start:end]`` (no line break),
    ``top``/``bottom`` in points from the top of the page, ``size`` the
    font size in points (the largest of a few sampled characters)."""

    start: int
    end: int
    top: float
    bottom: float
    size: float


@dataclass
class RawPage:
    """What a backend returns per page. ``text`` is None without a text layer."""

    number: int
    text: str | None
    width: float
    height: float
    lines: list[RawLine] = field(default_factory=list)


@dataclass(frozen=True)
class Block:
    """A stretch ``[start, end)`` of a page's raw text of one ``kind``."""

    kind: str
    start: int
    end: int


@dataclass
class TextView:
    """A derived text with ``offsets[i]`` = raw offset of ``text[i]``."""

    text: str
    offsets: list[int]

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the view back to a span of the raw text."""
        if start >= end:
            pos = self.offsets[start] if start < len(self.offsets) else (self.offsets[-1] + 1 if self.offsets else 0)
            return pos, pos
        return self.offsets[start], self.offsets[end - 1] + 1


# --- shapes of furniture tokens ------------------------------------------------

_PAGE_NO = re.compile(
    r"""^(?:
        (?:page|p\.|pág\.?|seite)?\s*\d{1,4}(?:\s*(?:/|of|sur|de|von)\s*\d{1,4})?   # 12, Page 12, 6/32, 3 of 9
      | [-–—]\s*\d{1,4}\s*[-–—]                                                      # -3-
      | [ivxlc]{1,7} | [IVXLC]{1,7}                                                  # roman page numbers
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_JOB_NO = re.compile(
    r"""^(?:
        (?:[A-Z]{1,3}\.)?\d{2}-\d{4,6}(?:\s*\([A-Z]\))?   # GE.15-12345, 18-16895 (E)
      | \*\d{5,9}\*                                       # *1816895* (bar code text)
      | \d{6,7}                                           # 1234567, 241018
      | \([A-Z]\)                                         # (E) language tag
    )$""",
    re.VERBOSE,
)
#: a UN-style document symbol (kept loose: its job here is "looks like furniture")
SYMBOL_TOKEN = re.compile(
    r"^(?:[A-Z][A-Za-z]{0,11}(?:/[A-Za-z0-9][A-Za-z0-9.\-]*){1,7}|(?:CoP|SC|AC|PC)\d{1,3}\s+(?:Doc|Inf|Com)\.\s*[\d.]+)\*?$"
)
_SEPARATOR = re.compile(r"^[\s_\-–—‐]{5,}$")
_NOTE_START = re.compile(r"^\s*(?:\d{1,3}|[*†‡§¹²³⁴⁵⁶⁷⁸⁹⁰]+)(?:\s+(?=\S)|(?=[^\W\d_]{2}|[(\[“\"']))")
_DIGITS = re.compile(r"\d+")
_WS = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d_]{3}")


def is_furniture_text(line: str) -> bool:
    """True when every token of ``line`` is a page number, job number or symbol."""
    s = line.strip()
    if not s:
        return False
    if _PAGE_NO.match(s) or _JOB_NO.match(s) or SYMBOL_TOKEN.match(s):
        return True
    # composite lines like "2/10 18-16895" or "Page 3 UNEP/CMS/StC44/17"
    tokens = s.split()
    if len(tokens) > 1 and tokens[0].isdigit() and SYMBOL_TOKEN.match(tokens[1]):
        return False  # "1 A/73/85." is a footnote citing a document
    i, ok = 0, True
    while i < len(tokens):
        two = " ".join(tokens[i:i + 2])
        if len(tokens) - i >= 2 and (_PAGE_NO.match(two) or _JOB_NO.match(two) or SYMBOL_TOKEN.match(two)):
            i += 2
            continue
        t = tokens[i]
        if _PAGE_NO.match(t) or _JOB_NO.match(t) or SYMBOL_TOKEN.match(t):
            i += 1
            continue
        ok = False
        break
    return ok


def _key(line: str) -> str:
    """Repetition key: digits masked, whitespace collapsed, trailing '*' dropped."""
    return _WS.sub(" ", _DIGITS.sub("#", line)).strip().rstrip("*").strip()


# --- classification ------------------------------------------------------------

def body_font_size(pages: list[RawPage]) -> float:
    """The document's body font size: the size carrying most characters."""
    weights: Counter = Counter()
    for p in pages:
        if p.text is None:
            continue
        for ln in p.lines:
            weights[round(ln.size * 2) / 2] += ln.end - ln.start
    if not weights:
        return 0.0
    return weights.most_common(1)[0][0]


def _running_keys(pages: list[RawPage]) -> set[tuple[str, str]]:
    """(band, key) pairs of lines repeated in a band on enough pages at about
    the same height: running headers and footers."""
    seen: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    text_pages = 0
    for p in pages:
        if p.text is None or not p.lines:
            continue
        text_pages += 1
        h = p.height or 1.0
        for ln in p.lines:
            band = _band(ln, h)
            if band is None:
                continue
            k = _key(p.text[ln.start:ln.end])
            if len(k) < 1:
                continue
            seen[(band, k)].append((p.number, ln.top / h))
    need = max(2, math.ceil(0.2 * text_pages))
    keys = set()
    for bk, occ in seen.items():
        if len({n for n, _ in occ}) < need:
            continue
        ys = sorted(y for _, y in occ)
        med = ys[len(ys) // 2]
        near = {n for n, y in occ if abs(y - med) <= REPEAT_Y_TOL}
        if len(near) >= need:
            keys.add(bk)
    return keys


def _band(ln: RawLine, height: float) -> str | None:
    if ln.top <= TOP_BAND * height:
        return "top"
    if ln.bottom >= (1 - BOTTOM_BAND) * height or ln.top >= (1 - BOTTOM_BAND) * height:
        return "bottom"
    return None


def classify(pages: list[RawPage]) -> list[list[Block]]:
    """Blocks for every page (empty list for pages without text)."""
    running = _running_keys(pages)
    body_size = body_font_size(pages)
    return [classify_page(p, running, body_size) for p in pages]


def classify_page(page: RawPage, running: set[tuple[str, str]], body_size: float) -> list[Block]:
    """Kinds of one page's lines, turned into blocks covering its whole text."""
    if page.text is None:
        return []
    text, h = page.text, page.height or 1.0
    kinds = ["body"] * len(page.lines)
    # a band holding several symbol-only lines is a list of documents, not a masthead
    symbol_lines = Counter(_band(ln, h) for ln in page.lines
                           if SYMBOL_TOKEN.match(text[ln.start:ln.end].strip()))
    for i, ln in enumerate(page.lines):
        band = _band(ln, h)
        if band is None:
            continue
        s = text[ln.start:ln.end]
        shaped = is_furniture_text(s) and not (symbol_lines[band] > 2 and SYMBOL_TOKEN.match(s.strip()))
        if shaped or ((band, _key(s)) in running and not _looks_like_note(ln, s, body_size)):
            kinds[i] = "header" if band == "top" else "footer"
    # small print in the top band above the first body-size line: a running
    # header even when it occurs once (a 2-page document's running title)
    body_tops = [ln.top for ln in page.lines if not _is_small(ln, body_size) and _has_word(text[ln.start:ln.end])]
    if body_tops:
        first_body = min(body_tops)
        for i, ln in enumerate(page.lines):
            if (kinds[i] == "body" and _band(ln, h) == "top" and ln.bottom <= first_body
                    and _is_small(ln, body_size)):
                kinds[i] = "header"
    _mark_footnotes(page, kinds, body_size)
    return _blocks(page, kinds)


def _has_word(s: str) -> bool:
    return bool(_WORD.search(s))


def _is_small(ln: RawLine, body_size: float) -> bool:
    return body_size > 0 and ln.size <= SMALL_FONT * body_size


def _looks_like_note(ln: RawLine, s: str, body_size: float) -> bool:
    """A small-font line starting with a note marker: a footnote, even when a
    similar note sits at the same height on other pages."""
    return _is_small(ln, body_size) and bool(_NOTE_START.match(s))


def _mark_footnotes(page: RawPage, kinds: list[str], body_size: float) -> None:
    text, h = page.text or "", page.height or 1.0
    cand = [i for i, ln in enumerate(page.lines)
            if kinds[i] == "body" and ln.top >= 0.4 * h and text[ln.start:ln.end].strip()]
    if not cand:
        return
    cand.sort(key=lambda i: (page.lines[i].top, page.lines[i].start))
    # 1. a separator line: what lies below it is notes
    for pos, i in enumerate(cand):
        s = text[page.lines[i].start:page.lines[i].end]
        if _SEPARATOR.match(s) and ("_" in s or len(s.strip()) >= 10):
            below = cand[pos + 1:]
            if below and any(_NOTE_START.match(text[page.lines[j].start:page.lines[j].end]) for j in below):
                for j in cand[pos:]:
                    kinds[j] = "footnote"
                return
    # 2. the bottom run of small lines that starts with a note marker
    start = None
    for pos in range(len(cand) - 1, -1, -1):
        ln = page.lines[cand[pos]]
        if not _is_small(ln, body_size):
            break
        if _NOTE_START.match(text[ln.start:ln.end]):
            start = pos
    run = [page.lines[j] for j in cand[start:]] if start is not None else []
    if run and _is_prose(text, run) and _numbers_in_sequence(text, run):
        for j in cand[start:]:
            kinds[j] = "footnote"


def _numbers_in_sequence(text: str, lines: list[RawLine]) -> bool:
    """Numbered notes count up one by one (7, 8, 9); a timetable's "30 mins",
    "15 mins" at the page bottom does not."""
    nums = []
    for ln in lines:
        m = _NOTE_START.match(text[ln.start:ln.end])
        if m and m.group(0).strip().isdigit():
            nums.append(int(m.group(0).strip()))
    return all(b == a + 1 for a, b in zip(nums, nums[1:]))


def _is_prose(text: str, lines: list[RawLine]) -> bool:
    """Notes are words; a block of small numbers at the page bottom is a table."""
    chars = "".join(text[ln.start:ln.end] for ln in lines)
    visible = [ch for ch in chars if not ch.isspace()]
    if not visible:
        return False
    return sum(ch.isalpha() for ch in visible) >= 0.5 * len(visible)


def _blocks(page: RawPage, kinds: list[str]) -> list[Block]:
    """Partition the raw text: each line owns its text up to the next line's
    start (line breaks included); text before the first line goes with it."""
    text = page.text or ""
    if not page.lines:
        return [Block("body", 0, len(text))] if text else []
    order = sorted(range(len(page.lines)), key=lambda i: page.lines[i].start)
    spans: list[tuple[str, int, int]] = []
    for pos, i in enumerate(order):
        s = 0 if pos == 0 else page.lines[i].start
        e = page.lines[order[pos + 1]].start if pos + 1 < len(order) else len(text)
        if e > s:
            spans.append((kinds[i], s, e))
    blocks: list[Block] = []
    for kind, s, e in spans:
        if blocks and blocks[-1].kind == kind and blocks[-1].end == s:
            blocks[-1] = Block(kind, blocks[-1].start, e)
        else:
            blocks.append(Block(kind, s, e))
    return blocks


# --- derived views -------------------------------------------------------------

#: PDFium marks a hyphen it saw at a line end as U+FFFE (sometimes U+0002);
#: views show it as the "-" it is (one character for one: offsets unchanged)
_VIEW_CHARS = str.maketrans({"\ufffe": "-", "\x02": "-"})


def body_view(text: str, blocks: list[Block], kinds: tuple[str, ...] = ("body",), *,
              dehyphenated: bool = False) -> TextView:
    """The text of the blocks of ``kinds`` in order, with raw offsets;
    optionally de-hyphenated; PDFium's hyphen marks shown as "-"."""
    parts: list[str] = []
    offsets: list[int] = []
    for b in blocks:
        if b.kind in kinds:
            parts.append(text[b.start:b.end])
            offsets.extend(range(b.start, b.end))
    view = TextView("".join(parts), offsets)
    if dehyphenated:
        view = dehyphenate(view)
    return TextView(view.text.translate(_VIEW_CHARS), view.offsets)


#: a hyphen before a line break, or PDFium's U+FFFE (a line-end hyphen whose
#: line break PDFium already removed), between two letters
_HYPHEN_BREAK = re.compile(
    r"(?<=[^\W\d_])(?:[-\u00ad\x02\ufffe][ \t]*(?:\r\n|\n|\r)[ \t]*|\ufffe)(?=[^\W\d_])"
)


def dehyphenate(view: TextView) -> TextView:
    """Join ``word-\\nword`` into ``wordword`` when both sides are lowercase
    letters (``Kunming-\\nMontreal`` gives ``Kunming-Montreal``), and PDFium's
    ``word\\ufffeword`` likewise. Offsets still point to the raw text."""
    text, offs = view.text, view.offsets
    out: list[str] = []
    out_offs: list[int] = []
    last = 0
    for m in _HYPHEN_BREAK.finditer(text):
        s, e = m.span()
        if not (text[s - 1].islower() and text[e].islower()):
            if text[s] == "-" and e > s + 1:  # ``Kunming-\nMontreal``: keep the hyphen, join the lines
                out.append(text[last:s + 1])
                out_offs.extend(offs[last:s + 1])
                last = e
            continue
        out.append(text[last:s])
        out_offs.extend(offs[last:s])
        last = e
    if last == 0:
        return view
    out.append(text[last:])
    out_offs.extend(offs[last:])
    return TextView("".join(out), out_offs)
