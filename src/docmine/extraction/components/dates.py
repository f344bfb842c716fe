"""docmine_dates: DATE mentions from the French date grammar.

The grammar is :mod:`docmine.extraction.grammars.dates` (pure functions, table-tested).
This component runs it over ``doc.text``, drops expressions inside a DOC or
REF mention, and gives a day and month without a year the year of its
sentence (when the sentence names exactly one) or of ``doc._.doc_date``.
``models/patterns/dates.json`` may add words that make years part of a name
(``name_heads``) or counts (``count_nouns``).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from docmine.extraction.grammars import dates as dg
from docmine.extraction import treaty as ctx
from .context import doc_text, make_span, sentence_text, set_spans

_YEAR = re.compile(r"(?<![\d/.])(?:19[5-9]\d|20\d\d)(?!\d)")


class DateRecognizer:
    def __init__(self, nlp: Language, name: str, patterns_path: str | None = None):
        self.name = name
        if patterns_path:
            p = Path(patterns_path) / "dates.json"
            if p.exists():
                data = json.loads(p.read_text(encoding="utf-8"))
                heads = data.get("name_heads")
                if heads:
                    dg.NAME_HEADS = re.compile(r"(?i:\b(?:" + "|".join(heads) + r"))\b")
                nouns = data.get("count_nouns")
                if nouns:
                    dg.COUNT_NOUNS = re.compile(r"\s*(?:" + "|".join(nouns) + r")\b", re.I)

    def _context_year(self, doc: Doc, start: int) -> int | None:
        if True:
            years = set(_YEAR.findall(sentence_text(doc, start)))
            if len(years) == 1:
                return int(years.pop())
            if years:
                return None
        if doc._.doc_date:
            return int(doc._.doc_date[:4])
        return None

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        blocked = [(s.start_char, s.end_char) for lab in ("DOC", "REF") if lab in doc.spans for s in doc.spans[lab]]
        spans = []
        found = dg.find_dates(text, default_year=0)
        for s, e, value, attrs in found:
            if any(bs < e and s < be for bs, be in blocked):
                continue
            if value.startswith("0000"):
                year = self._context_year(doc, s)
                if not year:
                    continue
                value = value.replace("0000", f"{year:04d}")
            spans.append(make_span(doc, "DATE", s, e, [value], attrs))
        set_spans(doc, "DATE", spans)
        return doc


@Language.factory("docmine_dates", assigns=["doc.spans"], default_config={"patterns_path": None})
def make_dates(nlp: Language, name: str, patterns_path: str | None = None):
    return DateRecognizer(nlp, name, patterns_path)
