"""docmine_context: the document's treaty, own symbol and date.

* ``doc._.symbol``: kept when the caller set it, else a full UN symbol in the
  document's first lines (its header).
* ``doc._.treaty``: from the symbol; else the convention whose Secretariat
  prepared the paper (``Préparé par le Secrétariat de la CMS``); else the first
  convention named in the title lines; else the treaty that wins a vote over
  the whole text weighted by kind (:class:`TreatyVote`, data
  ``models/patterns/treaty.json``: symbols, instrument forms, bodies, names).
* ``doc._.doc_date``: a full date in the header (``Bonn, 27 February 2025``), ISO.

Also home of :func:`make_span`, which every rules component uses to put a
mention on exact characters.
"""
from __future__ import annotations

import re
from pathlib import Path
from bisect import bisect_right
from collections import Counter

from docmine.settings import PATTERNS_DIR
from spacy.language import Language
from spacy.tokens import Doc, Span

from docmine.extraction import treaty as ctx
from ..grammars.dates import find_dates
from ..grammars.symbols import SYMBOL_RE

HEADER_CHARS = 400
DEFAULT_PATTERNS = PATTERNS_DIR
PREPARED_RE = re.compile(
    r"(?:Préparé|Prepared|Preparado|préparé)\s+(?:par|by|por)\s+(?:le|the|la|el)\s+"
    r"(?:(?:Secrétariat|Secretariat|Secretaría)\s+(?:de\s+la\s+|de\s+l['’]|du\s+|of\s+the\s+|de\s+)?"
    r"(?P<t1>CMS|CEM|CITES|CBD|CDB|IPBES)|(?P<t2>CMS|CITES|CBD|IPBES)\s+Secretariat)")

doc_text = ctx.doc_text
sentence_range = ctx.sentence_range
sentence_text = ctx.sentence_text
treaty_for = ctx.treaty_at


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










_CITED = re.compile(r"(?i:(?:documents?|voir|see|cf\.|dans|in|et|and|du|des|le|la|les|of|the|y|el)\s*:?\s*)$")


def header_symbol(text: str) -> str | None:
    """The document's own symbol: a full symbol in the header that is not a citation."""
    head = text[:HEADER_CHARS]
    for m in SYMBOL_RE.finditer(head):
        if _CITED.search(head, max(0, m.start() - 15), m.start()):
            continue
        return re.sub(r"\s+", " ", m.group("sym") or m.group("cites"))
    return None


def _load_treaty_names() -> list[tuple[re.Pattern, str]]:
    """Full convention names (``CONVENTION SUR LES ESPÈCES MIGRATRICES``) from meetings.json."""
    from ..patterns import load_patterns
    try:
        names = load_patterns(PATTERNS_DIR, "meetings")["treaty_names"]
    except (OSError, KeyError, ValueError):
        return []
    return [(re.compile(rx, re.I), t) for rx, t in names if rx.startswith(("Convention", "Convenio", "Convenci"))]


_TREATY_NAMES = _load_treaty_names()
_CITES_SYMBOL = re.compile(r"^(?:CoP|SC|AC|PC)\d+\s*(?:Doc|Inf|Com|Sum)\.")


class TreatyVote:
    """The document's treaty by a vote weighted by kind (issue 8, M5), from
    ``models/patterns/treaty.json``: full UN symbols vote for their issuer,
    treaty words (``CMS``, ``CDB``) with weight 1, and each signal (instrument
    forms such as ``décision II/1``, bodies such as the SBSTTA, names such as
    ``Objectifs d'Aichi``) with its own weight. Ties go to the treaty named first."""

    def __init__(self, data: dict | None):
        data = data or {}
        self.symbol_weight = float(data.get("symbol_weight", 3))
        self.symbol_treaties = set(data.get("symbol_treaties", []))
        self.signals = [(re.compile(rx), t, float(w)) for rx, t, w in data.get("signals", [])]

    def scores(self, text: str) -> dict[str, tuple[float, int]]:
        """treaty -> (score, first position)."""
        out: dict[str, list] = {}

        def add(t: str, w: float, pos: int) -> None:
            cur = out.setdefault(t, [0.0, pos])
            cur[0] += w
            cur[1] = min(cur[1], pos)

        other = self.redefined(text)
        for m in ctx.TREATY_RE.finditer(text):
            if m.group(1) not in other:
                add(ctx.TREATY_WORDS[m.group(1)], 1.0, m.start())
        for m in SYMBOL_RE.finditer(text):
            sym = re.sub(r"\s+", "", m.group("sym") or m.group("cites") or "")
            t = ctx.treaty_of_symbol(sym) or ("CITES" if _CITES_SYMBOL.match(sym) else None)
            if t in self.symbol_treaties:
                add(t, self.symbol_weight, m.start())
        for rx, t, w in self.signals:
            for m in rx.finditer(text):
                add(t, w, m.start())
        return {t: (v[0], v[1]) for t, v in out.items()}

    #: ``Compliance Monitoring Scheme (CMS)``: capitalised words, then the acronym in brackets
    _DEFINED = re.compile(r"((?:[A-Z][\w’'-]*\s+(?:(?:of|for|on|the|and|de|des|du|la|le|el|y|et)\s+)*){2,8})\((" +
                          ctx.TREATY_RE.pattern.split("(", 2)[2].split(")", 1)[0] + r")\)")

    _BRACKETED = re.compile(r"\((?:" + ctx.TREATY_RE.pattern.split("(", 2)[2].split(")", 1)[0] + r")\)")

    @classmethod
    def redefined(cls, text: str) -> set[str]:
        """Treaty acronyms the text defines as something else: the capitalised words
        before ``(CMS)`` spell it (``Compliance Monitoring Scheme``) and are not the
        convention's own name (``Convention on Migratory Species (CMS)``)."""
        out = set()
        # only where an acronym stands in brackets: the grammar runs on the 160 characters before
        for b in cls._BRACKETED.finditer(text):
            lo = max(0, b.start() - 160)
            m = None
            for m in cls._DEFINED.finditer(text, lo, b.end()):
                pass
            if m is None or m.end() != b.end():
                continue
            acr = m.group(2)
            words = [w for w in m.group(1).split() if w[:1].isupper()]
            initials = "".join(w[0] for w in words)
            if initials.endswith(acr) and not any(w.startswith(("Conven", "Conveni")) for w in words):
                out.add(acr)
        return out

    def __call__(self, text: str) -> str | None:
        sc = self.scores(text)
        if not sc:
            return None
        return min(sc, key=lambda t: (-sc[t][0], sc[t][1]))


def _load_json(patterns_path: str | None, name: str) -> dict | None:
    import json
    from pathlib import Path
    for base in ([Path(patterns_path)] if patterns_path else []) + [DEFAULT_PATTERNS]:
        p = base / name
        if p.exists():
            return json.loads(p.read_text(encoding="utf-8"))
    return None


#: bodies that may win the treaty vote but are no convention (``treaty.json`` signals)
NON_TREATY_BODIES = ("UNGA",)


def _document_bodies() -> list[tuple[str, re.Pattern, re.Pattern]]:
    data = _load_json(None, "treaty.json") or {}
    return [(b["body"], re.compile(b["symbol"]), re.compile(b["names"]))
            for b in data.get("document_bodies", [])]


_DOCUMENT_BODIES: list | None = None


def document_body(doc: Doc) -> str | None:
    """``UNGA`` for a General Assembly paper, ``UNEA`` for an Environment Assembly
    one, else None: the body whose own instruments and sessions the paper's bare
    ``its resolutions 47/19`` and ``its seventy-fourth session`` are. From the
    paper's symbol (``A/RES/73/8``, ``UNEP/EA.5/Res.2``), else — when no
    convention is the paper's — the first such body its text names
    (``models/patterns/treaty.json``, ``document_bodies``). Cached on the doc."""
    if "docmine_body" in doc.user_data:
        return doc.user_data["docmine_body"]
    global _DOCUMENT_BODIES
    if _DOCUMENT_BODIES is None:
        _DOCUMENT_BODIES = _document_bodies()
    sym = doc._.symbol if Doc.has_extension("symbol") else None
    found = None
    for body, sym_rx, _ in _DOCUMENT_BODIES:
        if sym and sym_rx.search(sym):
            found = body
            break
    if found is None and not ctx.document_treaty(doc):
        text = doc_text(doc)
        hits = [(m.start(), body) for body, _, rx in _DOCUMENT_BODIES for m in [rx.search(text)] if m]
        found = min(hits)[1] if hits else None
    doc.user_data["docmine_body"] = found
    return found


def document_treaty_of_text(text: str, symbol: str | None, vote: TreatyVote | None = None) -> str | None:
    t = ctx.treaty_of_symbol(symbol)
    if t == "UN":  # a General Assembly or ECOSOC paper: no convention's
        return None
    if t:
        return t
    if symbol and _CITES_SYMBOL.match(symbol):
        return "CITES"
    m = PREPARED_RE.search(text[:2000])
    if m:
        return ctx.TREATY_WORDS.get(m.group("t1") or m.group("t2"))
    head = text[:300]
    # title lines: a treaty word in a heading in capitals near the top (``COOPERATION
    # ENTRE LA CMS ET CITES``); in running text it only votes
    heads = [(a, b) for a, b in ctx.heading_runs(head) if a < 200]
    hits = [(m.start(), ctx.TREATY_WORDS[m.group(1)]) for a, b in heads
            for m in ctx.TREATY_RE.finditer(text, a, b)]
    # a convention's full name as an upper-case title line (``CONVENTION SUR LES ESPÈCES MIGRATRICES``)
    hits += [(m.start(), t) for rx, t in _TREATY_NAMES for m in [rx.search(head)] if m and m.group(0).isupper()]
    if hits:
        return min(hits)[1]
    if vote is not None:
        return vote(text)
    return ctx.dominant_treaty(text)


class DocumentContext:
    def __init__(self, nlp: Language, name: str, patterns_path: str | None = None):
        self.name = name
        self.vote = TreatyVote(_load_json(patterns_path, "treaty.json"))

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        if not doc._.symbol:
            sym = header_symbol(text)
            if sym:
                doc._.symbol = sym
        redefined = self.vote.redefined(text)
        if redefined:
            doc.user_data["docmine_redefined"] = sorted(redefined)
        if not doc._.treaty:
            treaty = document_treaty_of_text(text, doc._.symbol, self.vote)
            if treaty in NON_TREATY_BODIES:  # a General Assembly paper: no convention's
                doc.user_data["docmine_body"] = treaty
                treaty = None
            doc._.treaty = treaty
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
