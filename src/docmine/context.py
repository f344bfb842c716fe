"""Treaty context: which convention a mention, sentence or document belongs to.

The contract's rule (spec §3, §4): the treaty comes from the mention itself,
else from its sentence, else from the document (its own symbol, else its
dominant convention). Components call :func:`treaty_at`.
"""
from __future__ import annotations

import re
from collections import Counter

from spacy.tokens import Doc, Span

#: words that name a convention, mapped to its treaty code
TREATY_WORDS: dict[str, str] = {
    "CMS": "CMS", "CEM": "CMS", "CITES": "CITES", "CBD": "CBD", "CDB": "CBD",
    "IPBES": "IPBES", "Ramsar": "RAMSAR",
}
TREATY_RE = re.compile(r"(?<![\w/-])(CMS|CEM|CITES|CBD|CDB|IPBES|Ramsar)(?![\w-])")

#: document symbol prefixes → treaty
_SYMBOL_TREATY = [
    (re.compile(r"^UNEP/CMS/"), "CMS"),
    (re.compile(r"^(?:UNEP/)?CBD/"), "CBD"),
    (re.compile(r"^(?:CoP|SC|AC|PC)\d+\b"), "CITES"),
    (re.compile(r"^IPBES/"), "IPBES"),
]


def treaty_of_symbol(symbol: str | None) -> str | None:
    if not symbol:
        return None
    for rx, treaty in _SYMBOL_TREATY:
        if rx.search(symbol):
            return treaty
    return None


def treaties_in(text: str) -> list[str]:
    """Treaty codes named in ``text``, in order."""
    return [TREATY_WORDS[m.group(1)] for m in TREATY_RE.finditer(text)]


def dominant_treaty(text: str) -> str | None:
    """The convention a text talks about most (CMS, CITES, CBD…), or None."""
    counts = Counter(treaties_in(text))
    if not counts:
        return None
    (best, n), *rest = counts.most_common(2) + [(None, 0)]
    return best


def document_treaty(doc: Doc) -> str | None:
    """Set by the ``docmine_context`` component; falls back to the text."""
    if Doc.has_extension("treaty") and doc._.treaty:
        return doc._.treaty
    return treaty_of_symbol(doc._.symbol if Doc.has_extension("symbol") else None) or dominant_treaty(doc.text)


def sentence_of(doc: Doc, char: int) -> Span | None:
    if not doc.has_annotation("SENT_START") or len(doc) == 0:
        return None
    tok = doc.char_span(char, min(char + 1, len(doc.text)), alignment_mode="expand")
    if tok is None or len(tok) == 0:
        return None
    return tok[0].sent


def treaty_at(doc: Doc, start: int, end: int | None = None, *, mention_text: str | None = None) -> str | None:
    """Treaty for a mention at [start, end): mention, then sentence, then document."""
    text = mention_text if mention_text is not None else doc.text[start:end if end is not None else start]
    found = treaties_in(text)
    if found:
        return found[0]
    sent = sentence_of(doc, start)
    if sent is not None:
        found = treaties_in(sent.text)
        if found:
            counts = Counter(found)
            return counts.most_common(1)[0][0]
    return document_treaty(doc)
