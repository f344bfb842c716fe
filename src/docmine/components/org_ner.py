"""docmine_org_ner: organisations the knowledge base lacks, from the statistical NER.

Runs after the sourced ``ner`` component. Every ``ORG`` entity that does not
overlap a span already found (ORG from the knowledge base, REF, DOC, MEETING,
DATE) and that looks like an organisation's name becomes an ORG span with
``ids`` = ``[]`` (or the knowledge base id when its text is a known alias).

The filters keep precision (``models/patterns/orgs_ner.json``):

* the entity is trimmed of leading articles/prepositions and trailing
  punctuation; it must start with a capital letter;
* it is either an acronym (two or more capitals, not a generic class such as
  ``ONG``, ``AME``, ``ORGP``) or a name with an organisation head word
  (``Organisation``, ``Commission``, ``Fonds``, ``Groupe``, ``Réseau``…) and
  not an instrument, plan or document (``Résolution``, ``Plan``,
  ``Déclaration``, ``Stratégie``…);
* it has at most ``max_tokens`` tokens and no digits (symbols, meetings).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..kb import load_kb

DEFAULT_PATTERNS = Path(__file__).resolve().parents[3] / "models" / "patterns" / "orgs_ner.json"
ROMAN = re.compile(r"^[IVXLCDM]+$")
BLOCKING = ("ORG", "REF", "DOC", "MEETING", "DATE")

DEFAULTS = {
    "labels": ["ORG"],
    "max_tokens": 14,
    "leading": ["le", "la", "les", "l'", "l’", "du", "de", "des", "d'", "d’", "au", "aux", "à", "et", "en", "par", "pour", "avec", "the"],
    "heads": [],
    "not_heads": [],
    "generic": [],
}


def load_ner_patterns(patterns_path: str | Path | None) -> dict:
    p = Path(patterns_path) / "orgs_ner.json" if patterns_path else DEFAULT_PATTERNS
    if not p.exists():
        p = DEFAULT_PATTERNS
    data = dict(DEFAULTS)
    if p.exists():
        data.update(json.loads(p.read_text(encoding="utf-8")))
    return data


class OrgFilter:
    """Decides whether an entity's text is an organisation name (no spaCy needed)."""

    def __init__(self, patterns: dict):
        self.p = patterns
        self.heads = {h.lower() for h in patterns["heads"]}
        self.not_heads = {h.lower() for h in patterns["not_heads"]}
        self.generic = set(patterns["generic"])
        self.generic_lower = {g.lower() for g in patterns["generic"]}
        self.leading = {w.lower() for w in patterns["leading"]}
        self.acronym = re.compile(r"^[A-Z][A-Za-z&]*[A-Z][A-Za-z&]*(?:[-/][A-Z][A-Za-z]*)*$")

    def accept(self, words: list[str]) -> bool:
        if not words or len(words) > self.p["max_tokens"]:
            return False
        text = " ".join(words)
        if any(ch.isdigit() for ch in text):
            return False
        first = words[0]
        if not first[:1].isupper():
            return False
        if text in self.generic or text.lower() in self.generic_lower:
            return False
        if len(words) == 1:
            w = first.strip("«»\"'’")
            if ROMAN.match(w) or len(w) > 8:
                return False
            return bool(self.acronym.match(w)) and w not in self.generic
        low = [w.lower().strip(",;:«»\"") for w in words]
        joined = " ".join(low)
        if any(joined == h or joined.startswith(h + " ") for h in self.not_heads):
            return False
        if low[0] in self.heads:
            return True
        # English names: head at the end ("Lusaka Agreement Task Force", "... Society")
        return low[-1] in self.heads and all(w[:1].isupper() for w in words if len(w) > 3)


class OrgNer:
    def __init__(self, patterns: dict, kb=None):
        self.filter = OrgFilter(patterns)
        self.labels = set(patterns["labels"])
        self.kb = kb
        self.extend_over_kb = bool(patterns.get("extend_over_kb", True))
        self._replaced: list[tuple[int, int]] = []
        self.max_kb_words_inside = int(patterns.get("max_kb_words_inside", 2))

    def trim(self, span: Span) -> Span | None:
        doc = span.doc
        s, e = span.start, span.end
        while s < e and (doc[s].lower_ in self.filter.leading or doc[s].is_punct or doc[s].is_space):
            s += 1
        while e > s and (doc[e - 1].is_punct and doc[e - 1].text != ")" or doc[e - 1].is_space
                         or doc[e - 1].lower_ in self.filter.leading):
            e -= 1
        return doc[s:e] if e > s else None

    def _in_heading(self, span: Span) -> bool:
        """An upper-case word beside other upper-case words is a heading, not an acronym."""
        known = self.kb.acronyms if self.kb is not None else {}
        doc = span.doc
        for i in (span.start - 1, span.end):
            if 0 <= i < len(doc):
                t = doc[i].text
                if len(t) >= 2 and t.isalpha() and t.isupper() and t not in known:
                    return True
        return False

    def find(self, doc: Doc, blocking=BLOCKING, *, filtered: bool = True) -> list[Span]:
        """ORG spans from ``doc.ents`` that overlap no span of ``blocking`` labels."""
        taken = []
        for label in blocking:
            if label in doc.spans:
                taken.extend((sp.start_char, sp.end_char) for sp in doc.spans[label])
        kb_orgs = []
        if self.extend_over_kb and "ORG" in blocking and "ORG" in doc.spans:
            kb_orgs = [(sp.start_char, sp.end_char) for sp in doc.spans["ORG"]]
            taken = []
            for label in (lab for lab in blocking if lab != "ORG"):
                if label in doc.spans:
                    taken.extend((sp.start_char, sp.end_char) for sp in doc.spans[label])
        new, replaced = [], []
        for ent in doc.ents:
            if ent.label_ not in self.labels:
                continue
            span = self.trim(ent) if filtered else ent
            if span is None:
                continue
            if any(span.start_char < e and s < span.end_char for s, e in taken):
                continue
            if kb_orgs:
                inside = [(s, e) for s, e in kb_orgs if span.start_char < e and s < span.end_char]
                if inside:
                    # a longer name around exactly one knowledge-base mention replaces it
                    # ("Bureau régional du PNUE pour …" when the KB only knows "PNUE")
                    if not filtered or len(inside) > 1:
                        continue
                    s0, e0 = inside[0]
                    if not (span.start_char <= s0 and e0 <= span.end_char and e0 - s0 < len(span.text)):
                        continue
                    if len(doc.text[s0:e0].split()) > self.max_kb_words_inside:
                        continue  # a full name of the KB is not overridden
                    if not self.filter.accept([t.text for t in span]) or len(span) < 3:
                        continue
                    replaced.append((s0, e0))
            if filtered:
                if span.text.count("(") != span.text.count(")"):
                    continue
                if not self.filter.accept([t.text for t in span]):
                    continue
                if len(span) == 1 and self._in_heading(span):
                    continue
            out = Span(doc, span.start, span.end, label="ORG")
            oid = self.kb.lookup(span.text) if self.kb is not None else None
            out._.ids = [oid] if oid else []
            out._.attrs = {}
            new.append(out)
            taken.append((span.start_char, span.end_char))
        self._replaced = replaced
        return new

    def __call__(self, doc: Doc) -> Doc:
        new = self.find(doc)
        if new:
            spans = list(doc.spans["ORG"]) if "ORG" in doc.spans else []
            gone = set(self._replaced)
            spans = [sp for sp in spans if (sp.start_char, sp.end_char) not in gone]
            spans.extend(new)
            spans.sort(key=lambda s: s.start)
            doc.spans["ORG"] = spans
        return doc


@Language.factory("docmine_org_ner", assigns=["doc.spans"],
                  default_config={"patterns_path": None, "kb_path": None})
def make_org_ner(nlp: Language, name: str, patterns_path: str | None = None, kb_path: str | None = None):
    kb = load_kb(str(kb_path)) if kb_path else None
    return OrgNer(load_ner_patterns(patterns_path), kb)
