"""Where a page's structure cuts the running text: hard sentence and paragraph boundaries.

A running header, a page number, a footnote or a heading is never part of the
sentence before or after it, yet in the stored text (PDF pages joined with
``"\\f"``, or a plain text file) it sits on its own line right before an
operative paragraph (``Page 2\\nUNEP/CMS/StC99/7\\n4. Invite les Parties``).
:func:`find_boundaries` returns the offsets where such units start, in the
**original** text, so that the extraction can start a sentence there (issue 8,
kind 1).

Two sources, one result:

* a PDF's page blocks (:mod:`docmine.reading.layout`: ``header``, ``footer``,
  ``footnote``, ``body``), when given (``page_blocks``): a header, footer or
  footnote block is a unit of its own;
* line shapes, for plain text and inside PDF body blocks alike: a line made
  only of furniture tokens (page numbers ``Page 3``/``- 3 -``/``3``, job
  numbers, document symbols: :func:`docmine.reading.layout.is_furniture_text`), a
  heading (a run of upper-case lines; a short numbered heading ``II.
  Contexte`` without final punctuation followed by a capital), a numbered
  paragraph ``4. Invite …`` (whatever ended the line before it), a lettered or
  bulleted item ``a) …`` (a soft boundary: no sentence start).

A furniture line between two halves of one sentence (the body before it does
not end with ``. ; : ! ?`` and the body after it goes on in lower case, or the
line before ends with ``au``, ``de``, ``la``…) cuts nothing: the sentence stays whole and the furniture stays glued inside it,
as before. Mentions inside furniture stay mentions: nothing is removed.

Each :class:`Boundary` has an ``offset`` (original text), a ``kind``
(:data:`KINDS`) and ``hard`` (a sentence must start there).
:func:`paragraph_starts` gives the offsets that open a paragraph (every hard
boundary, plus blank-line paragraph breaks after sentence-final punctuation).
The extraction carries them into the spaCy Doc
(:mod:`docmine.extraction.components.boundaries`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, NamedTuple, Sequence

from docmine.reading.layout import is_furniture_text

#: kinds of unit a boundary opens
KINDS = ("furniture", "footnote", "heading", "paragraph", "item", "body")
#: kinds that start a sentence
HARD = frozenset({"furniture", "footnote", "heading", "paragraph", "body"})

_LINE = re.compile(r"[^\n\r\f]*(?:\r\n|\n|\r|\f|$)")
#: ``4. Invite``, ``12.Prie``, ``(3) Demande``, ``1.Recommande`` (no space)
_NUMBERED = re.compile(r"^\s*(?:\(\d{1,3}\)|\d{1,3}[.)])(?:\s+|(?=[A-ZÀ-Ý\[]))(?=[\[«\"“(]?[A-ZÀ-Ý])")
#: a CITES decision number opening its decision (``18.50 Les Parties``, ``19.14\tThe
#: Secretariat``, ``20.AA Le Secrétariat``): a paragraph of its own
_DECISION_NUMBER = re.compile(r"^\s*\d{1,2}\.(?:\d{1,3}|[A-Z]{2,3})\s+(?=[A-ZÀ-Ý])")
#: ``a) De compiler``, ``b. prendre``, ``(iii) …``, bullets
_ITEM = re.compile(r"^\s*(?:\(?[a-z]{1,2}[.)]|\(?(?:[ivx]{1,5})\)|[•▪◦●‣∙·\uf0b7\uf0a7–—-])\s+\S")
#: ``II. CONTEXTE``, ``A. Synergies``, ``3.1 Coopération``: a numbered heading's opening
_NUM_HEADING = re.compile(r"^\s*(?:[IVXLC]{1,6}|[A-H]|\d{1,2}(?:\.\d{1,2})*)[.)]?\s+[A-ZÀ-Ý]")
#: words a broken sentence line may end with before a number that belongs to it
_GLUE_BEFORE_NUMBER = re.compile(
    r"(?i:(?:paragraphes?|para\.|paragraphs?|párrafos?|articles?|artículos?|points?|annexes?|"
    r"sections?|chapitres?|chapters?|n°|no\.|nº|page|pages|rule|règle|et|and|y|de|of|à|to|au|aux)\s*)$")
#: a line ending with one of these words is not a heading (its sentence goes on)
_OPEN_END = re.compile(
    r"(?i:\b(?:de|du|des|la|le|les|l['’]|d['’]|à|au|aux|et|ou|en|sur|pour|par|avec|que|qui|dont|"
    r"the|of|and|or|to|for|by|with|in|on|a|an|el|los|las|y|del|al|por|para|con)\s*)$")
_FINAL_PUNCT = ".;:!?"
_UPPER_LETTERS = re.compile(r"[^\W\d_]")
_FOOTNOTE_MARK = re.compile(r"^\s*(?:\d{1,3}|[*†‡§¹²³⁴⁵⁶⁷⁸⁹⁰]+)\s*\S")


class Boundary(NamedTuple):
    """A unit of ``kind`` starts at ``offset`` (original text); ``hard``: a sentence starts there.
    A tuple, so it travels in ``doc.user_data`` (msgpack, pickle) as is."""

    offset: int
    kind: str
    hard: bool


@dataclass
class _Line:
    start: int  # offset of the first visible character
    end: int  # end of the visible text (no line break, trailing spaces stripped)
    text: str  # the visible text
    kind: str | None = None  # block kind from the reader: header/footer/footnote/body
    page_start: bool = False  # first line of a page


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    page_start = True
    for m in _LINE.finditer(text):
        s, e = m.span()
        if s == e:
            break
        raw = m.group(0)
        body = raw.rstrip("\r\n\f")
        stripped = body.strip()
        if stripped:
            lead = len(body) - len(body.lstrip())
            out.append(_Line(s + lead, s + lead + len(stripped), stripped, page_start=page_start))
            page_start = False
        if raw.endswith("\f"):
            page_start = True
    return out


def _is_upper_heading(s: str) -> bool:
    # no lower-case letter (cheap test first), then at least three letters
    return len(s) <= 200 and s == s.upper() and len(_UPPER_LETTERS.findall(s)) >= 3


def _open_end(s: str) -> bool:
    """The line ends with a word its sentence goes on after (``de``, ``la``, ``the``…)."""
    return bool(_OPEN_END.search(s[-12:]))


def _starts_upper(s: str) -> bool:
    for ch in s:
        if ch.isalpha():
            return ch.isupper()
        if ch.isdigit():
            return True
    return False


def _starts_lower(s: str) -> bool:
    for ch in s:
        if ch.isalpha():
            return ch.islower()
        if not ch.isspace() and ch not in "(«\"“[":
            return False
    return False


def _line_kind(lines: list[_Line], i: int) -> str:
    """The shape of line ``i``: furniture, footnote, upper (a heading in capitals),
    numheading, paragraph, item or text."""
    ln = lines[i]
    if ln.kind in ("header", "footer"):
        return "furniture"
    if ln.kind == "footnote":
        return "footnote"
    s = ln.text
    if is_furniture_text(s):
        return "furniture"
    if _is_upper_heading(s):
        return "upper"
    nxt = lines[i + 1].text if i + 1 < len(lines) else ""
    numbered = bool(_NUMBERED.match(s))
    if s[-1] not in _FINAL_PUNCT + "," and not _open_end(s) and (not nxt or _starts_upper(nxt)):
        # ``II. Contexte``, ``A. Synergies``, ``3.1 Coopération`` and a short
        # numbered line whose text stops there (``1. Introduction``)
        if (not numbered and _NUM_HEADING.match(s) and len(s) <= 80) or (numbered and nxt and len(s) <= 60):
            return "numheading"
    if _NUMBERED.match(s) or _DECISION_NUMBER.match(s):
        return "paragraph"
    if _ITEM.match(s):
        return "item"
    return "text"


def _assign_blocks(lines: list[_Line], text: str, page_blocks) -> None:
    """Give each line the kind of the reader's block it starts in."""
    page_starts = [0]
    for i, ch in enumerate(text):
        if ch == "\f":
            page_starts.append(i + 1)
    spans: list[tuple[int, int, str]] = []
    for n, blocks in enumerate(page_blocks or []):
        if n >= len(page_starts):
            break
        base = page_starts[n]
        for b in blocks or []:
            kind, s, e = _block_fields(b)
            spans.append((base + s, base + e, kind))
    spans.sort()
    j = 0
    for ln in lines:
        while j < len(spans) and spans[j][1] <= ln.start:
            j += 1
        if j < len(spans) and spans[j][0] <= ln.start < spans[j][1]:
            ln.kind = spans[j][2]


def _block_fields(b) -> tuple[str, int, int]:
    if isinstance(b, dict):
        return b["kind"], int(b["start"]), int(b["end"])
    if isinstance(b, (tuple, list)):
        return b[0], int(b[1]), int(b[2])
    return b.kind, int(b.start), int(b.end)


def find_boundaries(text: str, page_blocks: Sequence[Iterable] | None = None) -> list[Boundary]:
    """Unit starts of ``text`` (original offsets, ascending; none at offset 0).

    ``page_blocks``: for a PDF, per page (pages are ``text`` split on ``"\\f"``)
    the reader's blocks (:class:`docmine.reading.layout.Block`, or dicts/tuples with
    kind, start, end in page offsets); None for plain text.
    """
    lines = _lines(text)
    if page_blocks:
        _assign_blocks(lines, text, page_blocks)
    kinds = [_line_kind(lines, i) for i in range(len(lines))]
    out: dict[int, Boundary] = {}

    def put(off: int, kind: str) -> None:
        if off > 0 and off not in out:
            out[off] = Boundary(off, kind, kind in HARD)

    last_body: str | None = None  # text of the last body line seen (before furniture)
    i, n = 0, len(lines)
    while i < n:
        k = kinds[i]
        ln = lines[i]
        if k in ("furniture", "footnote"):
            # a run of furniture/footnote lines
            j = i
            while j < n and kinds[j] in ("furniture", "footnote"):
                j += 1
            nxt = lines[j] if j < n else None
            continuing = (last_body is not None and last_body[-1] not in _FINAL_PUNCT
                          and nxt is not None and kinds[j] == "text"
                          and (_starts_lower(nxt.text) or _open_end(last_body)))
            if not continuing:
                for t in range(i, j):
                    # each note (a line opening with its marker) and each furniture line is a unit
                    if kinds[t] == "furniture" or t == i or _FOOTNOTE_MARK.match(lines[t].text) \
                            or kinds[t] != kinds[t - 1]:
                        if kinds[t] == "footnote" and t > i and kinds[t - 1] == "footnote" \
                                and not _FOOTNOTE_MARK.match(lines[t].text):
                            continue
                        put(lines[t].start, kinds[t])
                if nxt is not None:
                    put(nxt.start, _unit_kind(kinds[j]))
            i = j
            continue
        if k == "upper":
            j = i
            while j < n and kinds[j] == "upper":
                j += 1
            put(ln.start, "heading")
            if j < n and kinds[j] not in ("furniture", "footnote"):
                put(lines[j].start, _unit_kind(kinds[j]))
            last_body = lines[j - 1].text + "."  # a heading ends its unit
            i = j
            continue
        if k in ("numheading", "paragraph") and _NUMBERED.match(ln.text) and last_body is not None \
                and last_body[-1] not in _FINAL_PUNCT and bool(_GLUE_BEFORE_NUMBER.search(last_body[-24:])):
            k = "text"  # ``au paragraphe`` + ``4. Le …``: the number belongs to the line before
        if k == "numheading":
            put(ln.start, "heading")
            if i + 1 < n and kinds[i + 1] not in ("furniture", "footnote"):
                put(lines[i + 1].start, _unit_kind(kinds[i + 1]))
            last_body = ln.text + "."
            i += 1
            continue
        if k == "paragraph":
            put(ln.start, "paragraph")
        elif k == "item":
            put(ln.start, "item")
        last_body = ln.text
        i += 1
    return sorted(out.values(), key=lambda b: b.offset)


def _unit_kind(line_kind: str) -> str:
    return {"upper": "heading", "numheading": "heading", "paragraph": "paragraph",
            "item": "item", "furniture": "furniture", "footnote": "footnote"}.get(line_kind, "body")


def paragraph_starts(text: str, boundaries: Sequence[Boundary]) -> list[int]:
    """Offsets that open a paragraph: every hard boundary, and a line after a
    blank line when the text before it ends with sentence-final punctuation
    (texts converted from PDFs put blank lines inside paragraphs too)."""
    starts = {b.offset for b in boundaries if b.hard}
    for m in re.finditer(r"([.!?:;])[ \t]*(?:\r\n|\n|\r)[ \t]*(?:\r\n|\n|\r)\s*(?=\S)", text):
        starts.add(m.end())
    return sorted(starts)
