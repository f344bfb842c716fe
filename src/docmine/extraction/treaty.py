"""Treaty context: which convention a mention, sentence or document belongs to.

The contract's rule (spec §3, §4): the treaty comes from the mention itself,
else from its sentence, else from the document (its own symbol, else its
dominant convention). Components call :func:`treaty_at`.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter

from spacy.tokens import Doc, Span

#: words that name a convention, mapped to its treaty code
TREATY_WORDS: dict[str, str] = {
    "CMS": "CMS", "CEM": "CMS", "CITES": "CITES", "CBD": "CBD", "CDB": "CBD",
    "IPBES": "IPBES", "Ramsar": "RAMSAR",
}
TREATY_RE = re.compile(r"(?<![\w/-])(CMS|CEM|CITES|CBD|CDB|IPBES|Ramsar)(?![\w-])")

from docmine.reading.pagemeta import treaty_of_symbol  # noqa: E402,F401  (the one symbol → treaty table)


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


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once per doc (spaCy rebuilds it from the tokens on every access)."""
    text = doc.user_data.get("docmine_text")
    if text is None:
        text = doc.text
        doc.user_data["docmine_text"] = text
    return text


def document_treaty(doc: Doc) -> str | None:
    """Set by the ``docmine_context`` component; falls back to the text."""
    if Doc.has_extension("treaty") and doc._.treaty:
        return doc._.treaty
    return treaty_of_symbol(doc._.symbol if Doc.has_extension("symbol") else None) or dominant_treaty(doc_text(doc))


def sentence_range(doc: Doc, char: int) -> tuple[int, int]:
    """[start, end) of the sentence holding ``char``; boundaries computed once per
    doc (``Token.sent`` walks the whole doc on every call)."""
    bounds = doc.user_data.get("docmine_sent_bounds")
    if bounds is None:
        if doc.has_annotation("SENT_START") and len(doc):
            starts = [sent.start_char for sent in doc.sents]
        else:
            starts = [0]
        bounds = (starts, len(doc_text(doc)))
        doc.user_data["docmine_sent_bounds"] = bounds
    starts, n = bounds
    i = bisect_right(starts, char) - 1
    lo = starts[i] if i >= 0 else 0
    hi = starts[i + 1] if i + 1 < len(starts) else n
    return lo, hi


def sentence_text(doc: Doc, char: int) -> str:
    lo, hi = sentence_range(doc, char)
    return doc_text(doc)[lo:hi]


def treaty_at(doc: Doc, start: int, end: int | None = None, *, mention_text: str | None = None) -> str | None:
    """Treaty for a mention at [start, end): mention, then sentence, then document.

    A sentence naming several conventions, the document's own among them, keeps
    the document's (a footnote or list merged into the sentence must not flip it);
    otherwise the sentence's most named convention wins.
    """
    text = mention_text if mention_text is not None else doc_text(doc)[start:end if end is not None else start]
    found = treaties_in(text)
    if found:
        return found[0]
    own = document_treaty(doc)
    named = treaties_in(sentence_text(doc, start))
    if named:
        if own in named:
            return own
        return Counter(named).most_common(1)[0][0]
    return own
