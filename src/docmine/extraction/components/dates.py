"""docmine_dates: DATE mentions from the French date grammar.

The grammar is :mod:`docmine.extraction.grammars.dates` (pure functions, table-tested).
This component runs it over ``doc.text``, drops expressions inside a DOC or
REF mention, and gives a day and month without a year (``le 11 février``,
``du 8 au 9 février``) the year of its sentence (when the sentence's dates
name exactly one), else of the nearest earlier date in its paragraph, else of
``doc._.doc_date`` (spec §6).
``models/patterns/dates.json`` may add words that make years part of a name
(``name_heads``; ``year_name_before``/``year_name_after``: right before or
after the year) or counts (``count_nouns``).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from docmine.extraction.grammars import dates as dg
from docmine.extraction import treaty as ctx
from .boundaries import paragraph_range
from ..patterns import load_patterns
from .context import doc_text, make_span, sentence_range, set_spans



class DateRecognizer:
    def __init__(self, nlp: Language, name: str, patterns_path: str | None = None):
        self.name = name
        if patterns_path:
            # dates.json merged with dates_<lang>.json (docmine.extraction.patterns)
            data = load_patterns(patterns_path, "dates")
            if data:
                heads = data.get("name_heads")
                if heads:
                    dg.NAME_HEADS = re.compile(r"(?i:\b(?:" + "|".join(heads) + r"))\b")
                before = data.get("year_name_before")
                if before:
                    dg.YEAR_NAME_BEFORE = re.compile(r"(?i:(?:" + "|".join(before) + r")[\s\-]*)$")
                after = data.get("year_name_after")
                if after:
                    dg.YEAR_NAME_AFTER = re.compile(r"\s+(?:" + "|".join(after) + r")\b")
                nouns = data.get("count_nouns")
                if nouns:
                    dg.COUNT_NOUNS = re.compile(r"\s*(?:" + "|".join(nouns) + r")\b", re.I)

    @staticmethod
    def _years(value: str) -> set[int]:
        return {int(part[:4]) for part in value.split("/") if part[:4].isdigit() and part[:4] != "0000"}

    def _context_year(self, doc: Doc, start: int, dated: list[tuple[int, int, str]]) -> int | None:
        """The year of a day and month written without one (spec §6): the one
        year of its sentence's dates; else that of the nearest earlier date of
        its paragraph (:func:`docmine.extraction.components.boundaries.paragraph_range`);
        else the document date. None when the step that decides is ambiguous
        (two years in the sentence, an earlier range over several years)."""
        lo, hi = sentence_range(doc, start)
        years: set[int] = set()
        for s, e, value in dated:
            if lo <= s < hi:
                years |= self._years(value)
        if len(years) == 1:
            return years.pop()
        if years:
            return None
        plo, _ = paragraph_range(doc, start)
        earlier = [value for s, e, value in dated if plo <= s < start]
        if earlier:
            ys = self._years(earlier[-1])
            return ys.pop() if len(ys) == 1 else None
        if doc._.doc_date:
            return int(doc._.doc_date[:4])
        return None

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        blocked = [(s.start_char, s.end_char) for lab in ("DOC", "REF") if lab in doc.spans for s in doc.spans[lab]]
        found = [f for f in dg.find_dates(text, default_year=0)
                 if not any(bs < f[1] and f[0] < be for bs, be in blocked)]
        dated = [(s, e, value) for s, e, value, _ in found if not value.startswith("0000")]
        spans = []
        for s, e, value, attrs in found:
            if value.startswith("0000"):
                year = self._context_year(doc, s, dated)
                if not year:
                    continue
                value = value.replace("0000", f"{year:04d}")
            spans.append(make_span(doc, "DATE", s, e, [value], attrs))
        set_spans(doc, "DATE", spans)
        return doc


@Language.factory("docmine_dates", assigns=["doc.spans"], default_config={"patterns_path": None})
def make_dates(nlp: Language, name: str, patterns_path: str | None = None):
    return DateRecognizer(nlp, name, patterns_path)
