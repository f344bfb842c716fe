"""docmine_resolve: merge the label groups into ``doc.spans["mentions"]``.

Overlap rules (spec §1):

* a MEETING that contains an ORG wins (``réunion du Comité permanent de la CMS``);
* a REF that names its body is one REF (``résolution CMS 11.10``);
* an ORG inside a DOC symbol is not an ORG (``UNEP/CMS/StC44/13``);
* otherwise the longest span wins; at equal length the label priority
  REF > DOC > MEETING > DATE > ORG, then the earlier span.

Within one label, duplicates (same offsets) are kept once: the first with ids.
The result is ordered by offset.
"""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

LABELS = ("REF", "DOC", "ORG", "MEETING", "DATE")
PRIORITY = {"REF": 0, "DOC": 1, "MEETING": 2, "DATE": 3, "ORG": 4}


def _rank(span: Span) -> tuple:
    # smaller sorts first = stronger claim
    return (-(span.end_char - span.start_char), PRIORITY.get(span.label_, 9),
            0 if span._.ids else 1, span.start_char)


def resolve_spans(spans: list[Span]) -> list[Span]:
    """Non-overlapping mentions chosen from ``spans`` (any labels), ordered by offset."""
    best: dict[tuple, Span] = {}
    for s in spans:
        if s.end_char <= s.start_char:
            continue
        key = (s.label_, s.start_char, s.end_char)
        if key not in best or (not best[key]._.ids and s._.ids):
            best[key] = s
    chosen: list[Span] = []
    size = max((s.end_char for s in best.values()), default=0)
    taken = bytearray(size)  # characters already claimed by a stronger mention
    for s in sorted(best.values(), key=_rank):
        a, b = s.start_char, s.end_char
        if taken.find(1, a, b) != -1:
            continue
        chosen.append(s)
        taken[a:b] = b"\x01" * (b - a)
    chosen.sort(key=lambda s: (s.start_char, s.end_char))
    return chosen


def resolve(doc: Doc) -> Doc:
    spans = [s for label in LABELS if label in doc.spans for s in doc.spans[label]]
    for s in spans:  # components may leave these unset
        if s._.ids is None:
            s._.ids = []
        if s._.attrs is None:
            s._.attrs = {}
    doc.spans["mentions"] = resolve_spans(spans)
    return doc


@Language.factory("docmine_resolve", default_config={"patterns_path": None, "kb_path": None})
def make_resolve(nlp, name, patterns_path=None, kb_path=None):
    return resolve
