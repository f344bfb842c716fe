"""Treaty context: which convention a mention, sentence or document belongs to.

The contract's rule (spec §3, §4): the treaty comes from the mention itself,
else from its sentence, else from the document (its own symbol, else its
dominant convention). Components call :func:`treaty_at`.
"""
from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections import Counter
from functools import lru_cache

from spacy.tokens import Doc, Span

#: words that name a convention, mapped to its treaty code
TREATY_WORDS: dict[str, str] = {
    "CMS": "CMS", "CEM": "CMS", "CITES": "CITES", "CBD": "CBD", "CDB": "CBD",
    "IPBES": "IPBES", "Ramsar": "RAMSAR",
    "UNFCCC": "UNFCCC", "CCNUCC": "UNFCCC", "CMNUCC": "UNFCCC",
    "UNCCD": "UNCCD", "CNULCD": "UNCCD", "CNULD": "UNCCD",
}
TREATY_RE = re.compile(r"(?<![\w/-])(CMS|CEM|CITES|CBD|CDB|IPBES|Ramsar|UNFCCC|CCNUCC|CMNUCC|UNCCD|CNULCD|CNULD)(?![\w-])")

from docmine.reading.pagemeta import treaty_of_symbol  # noqa: E402,F401  (the one symbol → treaty table)


def treaties_in(text: str) -> list[str]:
    """Treaty codes named in ``text``, in order."""
    return [TREATY_WORDS[m.group(1)] for m in TREATY_RE.finditer(text)]


def _words_in(text: str) -> list[tuple[str, str]]:
    """(word as written, treaty code) of the treaty words in ``text``, in order."""
    return [(m.group(1), TREATY_WORDS[m.group(1)]) for m in TREATY_RE.finditer(text)]


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
    t = treaty_of_symbol(doc._.symbol if Doc.has_extension("symbol") else None)
    if t == "UN":  # a General Assembly paper is no convention's
        t = None
    return t or dominant_treaty(doc_text(doc))


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


#: a heading in capitals: three or more upper-case words in a row (``RAPPORT DU
#: SECRÉTARIAT SUR LA COOPÉRATION AVEC LA CITES``); digits and ordinals may sit inside
HEADING_RE = re.compile(
    r"(?:(?<=\s)|^)(?:[^\s\w]*(?:\d+\w{0,3}|[^\W\d_a-zß-ÿ]+(?:['’\-][^\W\d_a-zß-ÿ]+)*)[^\s\w]*\s+){2,}"
    r"[^\s\w]*(?:\d+\w{0,3}|[^\W\d_a-zß-ÿ]+(?:['’\-][^\W\d_a-zß-ÿ]+)*)[^\s\w]*(?=\s|$)")


def heading_runs(text: str) -> list[tuple[int, int]]:
    """[start, end) of every run of upper-case words that reads as a heading (at
    least two words with letters). A treaty named in a heading is no context for
    a mention outside it (issue 8, O6)."""
    out = []
    for m in HEADING_RE.finditer(text):
        words = [w for w in m.group().split() if any(c.isalpha() for c in w)]
        if len([w for w in words if sum(c.isalpha() for c in w) >= 2]) >= 2 and not all(
                TREATY_RE.fullmatch(w.strip(",;:()")) for w in words):
            out.append((m.start(), m.end()))
    return out


def doc_headings(doc: Doc) -> list[tuple[int, int]]:
    """:func:`heading_runs` of ``doc``'s text, computed once per doc."""
    runs = doc.user_data.get("docmine_headings")
    if runs is None:
        runs = heading_runs(doc_text(doc))
        doc.user_data["docmine_headings"] = runs
    return runs


def in_heading(runs: list[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    """The heading run holding [start, end), if any."""
    i = bisect_right(runs, (start, float("inf"))) - 1
    if i >= 0 and runs[i][0] <= start and end <= runs[i][1]:
        return runs[i]
    return None


#: what separates the clauses of one sentence: a ``;`` or a list item's marker
#: (``a)``, ``b.``, ``iv)``) after whitespace
CLAUSE_SEP_RE = re.compile(r";|(?<=\s)(?:[a-z]|[ivx]{1,4})[).](?=\s)")


def sibling_clauses(text: str, lo: int, pos: int) -> tuple[int, int] | None:
    """[start, end) of the earlier clauses of the sentence text[lo:…] that are no
    context for a mention at ``pos``: the sibling items or ``;`` clauses before the
    one holding ``pos``. A lead clause ending with ``:`` stays context (``Le
    Secrétariat de la CMS est prié de : a) … b) …``: its subject is every item's)."""
    seps = list(CLAUSE_SEP_RE.finditer(text, lo, pos))
    if not seps:
        return None
    first, last = seps[0], seps[-1]
    lead_ends_colon = text[lo:first.start()].rstrip().endswith(":")
    a = first.start() if lead_ends_colon else lo
    return (a, last.start()) if last.start() > a else None


def context_text(doc: Doc, start: int, end: int) -> str:
    """The sentence around [start, end) without the headings in capitals that do
    not hold the mention and without the sibling clauses before its own
    (:func:`sibling_clauses`); both are blanked, offsets kept."""
    lo, hi = sentence_range(doc, start)
    full = doc_text(doc)
    text = full[lo:hi]
    own = in_heading(doc_headings(doc), start, end)
    blanks = [(a, b) for a, b in doc_headings(doc) if not (b <= lo or a >= hi or (a, b) == own)]
    sib = sibling_clauses(full, lo, start)
    if sib:
        blanks.append(sib)
    for a, b in blanks:
        a2, b2 = max(a, lo) - lo, min(b, hi) - lo
        text = text[:a2] + " " * (b2 - a2) + text[b2:]
    return text


@lru_cache(maxsize=1)
def _partner_before() -> re.Pattern:
    """``partner_before`` of ``models/patterns/treaty.json``: the words that make a
    treaty named after them a partner (``with``, ``avec``, ``con``)."""
    from docmine.settings import PATTERNS_DIR
    try:
        rx = json.loads((PATTERNS_DIR / "treaty.json").read_text(encoding="utf-8"))["partner_before"]
    except (OSError, KeyError, ValueError):
        rx = r"(?i:(?<![\w])(?:with|avec|con)\s+[^.;:]{0,140}$)"
    return re.compile(rx)


def treaty_at(doc: Doc, start: int, end: int | None = None, *, mention_text: str | None = None) -> str | None:
    """Treaty for a mention at [start, end): mention, then sentence, then document.

    Only what the sentence names before the mention counts, headings in capitals
    that do not hold the mention left out. A sentence naming several conventions
    there, the document's own among them, keeps the document's (a footnote or list
    merged into the sentence must not flip it); otherwise the most named wins.
    """
    text = mention_text if mention_text is not None else doc_text(doc)[start:end if end is not None else start]
    # acronyms the paper defines as something else (``Compliance Monitoring Scheme
    # (CMS)``) name no treaty in it (set by the docmine_context component)
    other = doc.user_data.get("docmine_redefined") or ()
    found = [t for w, t in _words_in(text) if w not in other]
    if found:
        return found[0]
    own = document_treaty(doc)
    # what the sentence names before the mention (a treaty named later is another
    # clause's: issue 8, O6), headings in capitals left out
    lo, _ = sentence_range(doc, start)
    before = context_text(doc, start, end if end is not None else start)[:start - lo]
    named = [t for w, t in _words_in(before) if w not in other]
    if named and own is not None and own not in named:
        # ``cooperate with the Secretariat of the … (CMS) … report to the Standing
        # Committee``: a partner named after ``with`` is not the clause's treaty
        named = [TREATY_WORDS[m.group(1)] for m in TREATY_RE.finditer(before) if m.group(1) not in other
                 and not _partner_before().search(before, max(0, m.start() - 160), m.start())]
    if named:
        if own in named:
            return own
        return Counter(named).most_common(1)[0][0]
    return own
