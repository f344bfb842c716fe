"""docmine_context: the document's treaty, own symbol and date.

* ``doc._.symbol``: kept when the caller set it, else a full UN symbol in the
  document's first lines (its header).
* ``doc._.treaty``: from the symbol; else the convention whose Secretariat
  prepared the paper (``Préparé par le Secrétariat de la CMS``); else the first
  convention named in the title lines; else the dominant convention
  (:func:`docmine.context.dominant_treaty`).
* ``doc._.doc_date``: a full date in the header (``Bonn, 27 February 2025``), ISO.

Also home of :func:`make_span`, which every rules component uses to put a
mention on exact characters.
"""
from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from .. import context as ctx
from ..dategrammar import find_dates
from ..symbols_parse import SYMBOL_RE

HEADER_CHARS = 400
PREPARED_RE = re.compile(
    r"(?:Préparé|Prepared|Preparado|préparé)\s+(?:par|by|por)\s+(?:le|the|la|el)\s+"
    r"(?:(?:Secrétariat|Secretariat|Secretaría)\s+(?:de\s+la\s+|de\s+l['’]|du\s+|of\s+the\s+|de\s+)?"
    r"(?P<t1>CMS|CEM|CITES|CBD|CDB|IPBES)|(?P<t2>CMS|CITES|CBD|IPBES)\s+Secretariat)")


def make_span(doc: Doc, label: str, start: int, end: int, ids: list[str], attrs: dict | None = None) -> Span | None:
    """A span on exactly ``doc.text[start:end]`` (None when the tokens do not allow it)."""
    span = doc.char_span(start, end, label=label)
    if span is None:
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is None or span.start_char != start or span.end_char != end:
            return None
    span._.ids = list(ids)
    span._.attrs = dict(attrs or {})
    return span


def set_spans(doc: Doc, label: str, spans: list[Span]) -> None:
    """Write spans of one label, sorted, adding to any already there."""
    old = list(doc.spans[label]) if label in doc.spans else []
    allspans = old + [s for s in spans if s is not None]
    allspans.sort(key=lambda s: (s.start_char, -s.end_char))
    doc.spans[label] = allspans


def header_symbol(text: str) -> str | None:
    head = text[:HEADER_CHARS]
    m = SYMBOL_RE.search(head)
    if m:
        return re.sub(r"\s+", "", m.group("sym") or m.group("cites"))
    return None


def document_treaty_of_text(text: str, symbol: str | None) -> str | None:
    t = ctx.treaty_of_symbol(symbol)
    if t:
        return t
    m = PREPARED_RE.search(text[:2000])
    if m:
        return ctx.TREATY_WORDS.get(m.group("t1") or m.group("t2"))
    found = ctx.treaties_in(text[:200])
    if found:
        return found[0]
    return ctx.dominant_treaty(text)


class DocumentContext:
    def __init__(self, nlp: Language, name: str, patterns_path: str | None = None):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        if not doc._.symbol:
            sym = header_symbol(text)
            if sym:
                doc._.symbol = sym
        if not doc._.treaty:
            doc._.treaty = document_treaty_of_text(text, doc._.symbol)
        if not doc._.doc_date:
            for s, e, value, attrs in find_dates(text[:HEADER_CHARS]):
                if len(value) == 10 and "/" not in value:
                    doc._.doc_date = value
                    break
        return doc


@Language.factory("docmine_context", assigns=["doc._.treaty", "doc._.symbol", "doc._.doc_date"],
                  default_config={"patterns_path": None})
def make_context(nlp: Language, name: str, patterns_path: str | None = None):
    return DocumentContext(nlp, name, patterns_path)
