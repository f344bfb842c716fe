"""docmine_boundaries: the page's structure as hard sentence and paragraph boundaries.

The one mechanism every component uses to see headers, page numbers,
footnotes and headings as cuts in the running text (issue 8, kind 1).

Input: ``doc.user_data["docmine_boundaries"]``, a list of
:class:`docmine.reading.boundaries.Boundary` with offsets into ``doc.text`` (the
normalised text), left there by :mod:`docmine.extraction.extract` (from the reader's
page blocks for a PDF, from line shapes for plain text:
:func:`docmine.reading.boundaries.find_boundaries`), and
``doc.user_data["docmine_paragraphs"]``, the offsets that open a paragraph.
A Doc made without them (``nlp("…")``) has none.

Output, right after spaCy's ``sentencizer``:

* every hard boundary starts a sentence (``token.is_sent_start = True``), so
  ``doc.sents``, :func:`docmine.extraction.treaty.sentence_range` and everything built
  on them never glue ``Page 2 UNEP/CMS/StC99/7`` to ``4. Invite les Parties``;
* ``doc._.boundaries``: the boundaries, ascending (``offset`` into
  ``doc.text``, ``kind`` in :data:`docmine.reading.boundaries.KINDS`, ``hard``);
* :func:`unit_start` (does a unit start at this character?) and
  :func:`paragraph_range` (the paragraph holding a character) for the
  components.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right

from spacy.language import Language
from spacy.tokens import Doc

from docmine.reading.boundaries import Boundary

KEY = "docmine_boundaries"
PARAGRAPHS_KEY = "docmine_paragraphs"

if not Doc.has_extension("boundaries"):
    Doc.set_extension("boundaries", default=None)


def boundaries(doc: Doc) -> list[Boundary]:
    """The doc's boundaries (offsets into ``doc.text``), ascending; [] when none were given."""
    b = doc._.boundaries
    if b is None:
        b = sorted((Boundary(*x) for x in doc.user_data.get(KEY) or []), key=lambda x: x.offset)
    return b


def unit_start(doc: Doc, char: int, *, hard_only: bool = True) -> bool:
    """True when a unit (a hard one unless ``hard_only`` is False) starts at ``char``."""
    offs = doc.user_data.get("_docmine_boundary_offsets")
    if offs is None:
        offs = {b.offset: b.hard for b in boundaries(doc)}
        doc.user_data["_docmine_boundary_offsets"] = offs
    hard = offs.get(char)
    return hard is not None and (hard or not hard_only)


def paragraph_range(doc: Doc, char: int) -> tuple[int, int]:
    """[start, end) of the paragraph holding ``char`` (the whole doc without structure)."""
    starts = doc.user_data.get(PARAGRAPHS_KEY)
    if starts is None:
        starts = sorted(b.offset for b in boundaries(doc) if b.hard)
    text_len = len(doc.user_data.get("docmine_text") or doc.text)
    i = bisect_right(starts, char) - 1
    lo = starts[i] if i >= 0 else 0
    hi = starts[i + 1] if i + 1 < len(starts) else text_len
    return lo, hi


class BoundaryMarker:
    """Sets sentence starts at the hard boundaries of ``doc.user_data``."""

    def __init__(self, nlp: Language, name: str):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        bounds = sorted((Boundary(*b) for b in doc.user_data.get(KEY) or []), key=lambda b: b.offset)
        doc._.boundaries = bounds
        if not bounds or not len(doc):
            return doc
        starts = [t.idx for t in doc]
        for b in bounds:
            if not b.hard:
                continue
            i = bisect_left(starts, b.offset)
            if i < len(doc) and starts[i] == b.offset and i > 0:
                doc[i].is_sent_start = True
        doc.user_data.pop("docmine_sent_bounds", None)  # context.sentence_range's cache
        return doc


@Language.factory("docmine_boundaries", assigns=["token.is_sent_start", "doc._.boundaries"])
def make_boundaries(nlp: Language, name: str):
    return BoundaryMarker(nlp, name)
