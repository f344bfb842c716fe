"""Plain dataclasses for what extraction returns (contract: spec/extraction.md §7).

``Extraction.to_dict()`` gives exactly the JSON object that ``docmine extract``
prints, one per document.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Mention:
    label: str  # REF | DOC | ORG | MEETING | DATE
    start: int  # offsets into the original text, [start, end)
    end: int
    text: str
    ids: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    #: numbered paragraph / lettered item the mention stands in (``"12"``, ``"12 b"``),
    #: from the document's decision structure; stored, not part of the JSON of spec §7
    paragraph: str | None = None

    def to_dict(self) -> dict:
        return {"label": self.label, "start": self.start, "end": self.end,
                "text": self.text, "ids": list(self.ids), "attrs": dict(self.attrs)}


@dataclass
class Deadline:
    meeting: str | None = None  # meeting id, e.g. "CMS StC45"
    date: str | None = None  # ISO value, e.g. "2016-03-31"

    def to_dict(self) -> dict:
        return {"meeting": self.meeting, "date": self.date}


@dataclass
class ActionItem:
    start: int
    end: int
    text: str
    actor: str | None  # organisation id, "parties", "donors", or None
    actor_text: str
    verb: str  # infinitive
    kind: str = "request"
    deadline: Deadline | None = None
    refs: list[str] = field(default_factory=list)
    paragraph: str | None = None

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text,
                "actor": self.actor, "actor_text": self.actor_text, "verb": self.verb,
                "kind": self.kind,
                "deadline": self.deadline.to_dict() if self.deadline else None,
                "refs": list(self.refs), "paragraph": self.paragraph}


@dataclass
class DocumentInfo:
    source: str
    sha256: str
    language: str | None
    symbol: str | None = None
    treaty: str | None = None
    pages: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class LanguagePart:
    """A stretch ``[start, end)`` of the original text in one ``language``, and
    the ``pipeline`` that read it: ``fr``, ``en`` or ``es`` (that language's
    pipeline) or ``rules`` (another language: the language-independent rules
    only, REF, DOC, MEETING, DATE)."""

    start: int
    end: int
    language: str | None
    pipeline: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Extraction:
    document: DocumentInfo
    text_length: int
    mentions: list[Mention] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    #: which pipeline ran: "fr", "en", "es" (that language's pipeline), "rules"
    #: (language-neutral rules only) or, for a document in several languages read
    #: part by part, the pipelines joined, the main one first ("en+fr")
    pipeline: str = "fr"
    model_version: str | None = None
    #: the document's parts by language and the pipeline of each (one part for
    #: most documents; a French note with an English annex has two)
    parts: list[LanguagePart] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"document": self.document.to_dict(),
                "text_length": self.text_length,
                "mentions": [m.to_dict() for m in self.mentions],
                "action_items": [a.to_dict() for a in self.action_items]}


# ------------------------------------------------------------------ values in exports
def json_value(v: Any) -> Any:
    """A JSON-able Python value for exports (CLI ``--format json|jsonl|csv``,
    the web API): no numpy/pandas scalars, ``None`` for missing (NaN, NA,
    NaT), dates and timestamps as ISO 8601 strings (a date alone when there
    is no time of day), lists and dicts converted inside."""
    import math
    from datetime import date, datetime

    if v is None or isinstance(v, (str, bool, int)):
        return v
    if isinstance(v, (list, tuple)):
        return [json_value(x) for x in v]
    if isinstance(v, dict):
        return {k: json_value(x) for k, x in v.items()}
    try:
        import pandas as pd
        if v is pd.NA or v is pd.NaT:
            return None
        if isinstance(v, pd.Timestamp):
            v = v.to_pydatetime()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() and v.tzinfo is None \
            else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if hasattr(v, "tolist") and not isinstance(v, float):  # numpy scalar or array
        v = v.tolist()
        return json_value(v) if isinstance(v, (list, dict)) else v
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def csv_value(v: Any) -> Any:
    """One CSV cell for a :func:`json_value`: a list of plain values joined
    with ``"; "``, other lists and dicts as JSON, ``None`` as an empty cell."""
    import json

    if v is None:
        return ""
    if isinstance(v, list):
        if all(not isinstance(x, (list, dict)) for x in v):
            return "; ".join("" if x is None else str(x) for x in v)
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False)
    return v
