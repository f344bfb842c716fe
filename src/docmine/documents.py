"""Looking at what is stored: the list of documents, one document and its pages.

:func:`list_documents` is what ``docmine documents`` prints;
:func:`get_document` finds one document by id, sha256 prefix or symbol, and
:func:`document_view` is what ``docmine show`` prints.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from docmine.store.schema import Document, Page

__all__ = ["DocumentNotFound", "AmbiguousDocument", "LIST_COLUMNS", "SORT_KEYS", "list_documents",
           "document_facets", "body_of_symbol", "get_document", "document_view",
           "page_body_text", "as_row_id", "MAX_ROW_ID"]

#: columns of :func:`list_documents`, in order
LIST_COLUMNS = ("id", "symbol", "title", "pages", "language", "status", "source", "version",
                "treaty", "date", "body")
#: the columns ``docmine documents`` shows in its table (csv/json give them all)
TABLE_COLUMNS = LIST_COLUMNS[:8]

_HEX = re.compile(r"[0-9a-fA-F]{4,64}")
_DIGITS = re.compile(r"[0-9]{1,32}")

#: the largest row id: ids are SQL ``INTEGER`` (32-bit on PostgreSQL)
MAX_ROW_ID = 2**31 - 1


def as_row_id(key: Any) -> Optional[int]:
    """``key`` as a row id when it is one: an ``int`` or ASCII digits, between 1
    and :data:`MAX_ROW_ID`; ``None`` otherwise (a larger number names no row,
    and binding it would overflow the database's integer)."""
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        n = key
    elif isinstance(key, str) and _DIGITS.fullmatch(key.strip()):
        n = int(key.strip())
    else:
        return None
    return n if 1 <= n <= MAX_ROW_ID else None


class DocumentNotFound(LookupError):
    """No stored document matches the key."""


class AmbiguousDocument(LookupError):
    """Several stored documents match the key; ``candidates`` lists them."""

    def __init__(self, key: str, candidates: list[Document]):
        self.candidates = candidates
        listing = ", ".join(f"{d.id} ({d.symbol or d.sha256[:12]})" for d in candidates[:10])
        super().__init__(f"{key!r} matches {len(candidates)} documents: {listing}; "
                         "give an id or a longer sha256 prefix")


#: sort keys of :func:`list_documents` (``-key`` for descending)
SORT_KEYS = ("id", "symbol", "title", "date", "pages", "language", "treaty", "status")
_BODY = re.compile(r"^(?:UNEP/)?(?:[A-Z]+/)?([A-Za-z]+)\d*(?:/|\s|$)")
_BODIES = {"cop": "COP", "stc": "StC", "sbstta": "SBSTTA", "sbi": "SBI", "sc": "SC", "ac": "AC",
           "pc": "PC", "mop": "MOP", "scc": "ScC", "cms": None, "cbd": None, "cites": None}


def body_of_symbol(symbol: str | None) -> str | None:
    """The body that issued a document, from its UN symbol: ``UNEP/CMS/StC52/11``
    → ``StC``, ``CBD/SBSTTA/27/6`` → ``SBSTTA``, ``SC79 Doc. 14`` → ``SC``
    (CITES), ``UNEP/CMS/COP15/Doc.24`` → ``COP``; None when the symbol names no
    body. Case follows the conventions' usage (``CoP`` → ``COP``)."""
    if not symbol:
        return None
    s = symbol.strip()
    parts = s.split("/")
    cands = parts[1:] if len(parts) > 1 else [s]
    if parts[0].upper() == "UNEP":
        cands = parts[2:]
    for part in cands[:1] or [s]:
        m = re.match(r"([A-Za-z]+)\d*(?:\s|$|\.)", part.strip()) or re.match(r"([A-Za-z]+)\d+", part)
        if m:
            key = m.group(1).lower()
            if key in _BODIES:
                return _BODIES[key]
            return m.group(1) if len(m.group(1)) <= 8 and key not in ("doc", "inf") else None
    return None


def list_documents(*, session: Session, treaty: str | None = None, year: int | str | None = None,
                   language: str | None = None, status: str | None = None,
                   body: str | None = None, sort: str = "id", limit: int | None = None,
                   offset: int = 0) -> list[dict[str, Any]]:
    """Stored documents as rows with :data:`LIST_COLUMNS` (``pages`` is the page
    count; ``source`` the path or URL it came from; ``date`` the document's
    ISO date as written; ``body`` from :func:`body_of_symbol`), oldest first
    by default.

    Filters (all optional, combined with AND): ``treaty`` (``CMS``…, case
    ignored), ``year`` (of the document date), ``language`` (ISO 639-1),
    ``status`` (``ok``/``needs_ocr``), ``body`` (``COP``, ``StC``…, case
    ignored). ``sort``: one of :data:`SORT_KEYS`, ``-key`` for descending
    (ties by id). ``limit``/``offset`` page the result. Raises ``ValueError``
    for an unknown sort key or a year that is not a number."""
    desc = sort.startswith("-")
    key = sort.lstrip("-") or "id"
    if key not in SORT_KEYS:
        raise ValueError(f"sort must be one of {', '.join(SORT_KEYS)} (prefix - for descending), "
                         f"not {sort!r}")
    col = {"id": Document.id, "symbol": Document.symbol, "title": Document.title,
           "date": Document.doc_date, "pages": Document.page_count,
           "language": Document.language, "treaty": Document.treaty,
           "status": Document.status}[key]
    q = select(Document.id, Document.symbol, Document.title, Document.page_count,
               Document.language, Document.status, Document.source, Document.version,
               Document.treaty, Document.doc_date)
    if treaty:
        q = q.where(func.upper(Document.treaty) == treaty.strip().upper())
    if year not in (None, ""):
        y = str(year).strip()
        if not (y.isdigit() and len(y) == 4):
            raise ValueError(f"year must be four digits, not {year!r}")
        q = q.where(Document.doc_date.like(y + "%"))
    if language:
        q = q.where(Document.language == language.strip().lower())
    if status:
        q = q.where(Document.status == status.strip())
    nulls = col.is_(None)  # missing values last, both ways, on both databases
    q = q.order_by(nulls, col.desc() if desc else col, Document.id.desc() if desc else Document.id)
    if body:
        rows = [r for r in session.execute(q) if (body_of_symbol(r[1]) or "").lower()
                == body.strip().lower()]
        rows = rows[offset:offset + limit] if limit is not None else rows[offset:]
    else:
        if limit is not None:
            q = q.limit(limit)
        if offset:
            q = q.offset(offset)
        rows = session.execute(q).all()
    out = []
    for r in rows:
        d = dict(zip(LIST_COLUMNS, r))
        d["body"] = body_of_symbol(r[1])
        out.append(d)
    return out


def document_facets(*, session: Session) -> dict[str, list[tuple[Any, int]]]:
    """Values to narrow :func:`list_documents` by, with how many documents
    have each: ``{"treaty": [("CMS", 12), …], "year": […], "language": […],
    "status": […], "body": […]}``, most frequent first."""
    out: dict[str, list[tuple[Any, int]]] = {}
    for name, col in (("treaty", Document.treaty), ("language", Document.language),
                      ("status", Document.status)):
        out[name] = [(v, n) for v, n in session.execute(
            select(col, func.count()).where(col.is_not(None)).group_by(col)
            .order_by(func.count().desc(), col))]
    year = func.substr(Document.doc_date, 1, 4)
    out["year"] = [(v, n) for v, n in session.execute(
        select(year, func.count()).where(Document.doc_date.is_not(None)).group_by(year)
        .order_by(year.desc()))]
    bodies: dict[str, int] = {}
    for (sym,) in session.execute(select(Document.symbol)):
        b = body_of_symbol(sym)
        if b:
            bodies[b] = bodies.get(b, 0) + 1
    out["body"] = sorted(bodies.items(), key=lambda kv: (-kv[1], kv[0]))
    return out


def _norm_symbol(s: str) -> str:
    return "".join(s.split()).upper()


def get_document(key: str | int, *, session: Session) -> Document:
    """One stored document (pages loaded) by ``key``: its id (digits), a
    sha256 prefix (at least 4 hex digits) or its symbol (case and spaces
    ignored; among versions of one source the latest wins). Raises
    :class:`DocumentNotFound` or :class:`AmbiguousDocument`."""
    row_id = as_row_id(key)
    key = str(key).strip()
    q = select(Document).options(selectinload(Document.pages))
    if row_id is not None:
        doc = session.scalar(q.where(Document.id == row_id))
        if doc is not None:
            return doc
    if _HEX.fullmatch(key):
        docs = list(session.scalars(q.where(Document.sha256.like(key.lower() + "%")).limit(11)))
        if len(docs) == 1:
            return docs[0]
        if len(docs) > 1:
            raise AmbiguousDocument(key, docs)
    want = _norm_symbol(key)
    # spaces are rare in symbols: narrow in SQL case-insensitively, then compare exactly
    docs = [d for d in session.scalars(
        q.where(or_(func.upper(Document.symbol) == key.upper(),
                    func.upper(func.replace(Document.symbol, " ", "")) == want))
        .order_by(Document.id))
        if d.symbol and _norm_symbol(d.symbol) == want]
    if not docs:
        raise DocumentNotFound(f"no stored document has id, sha256 prefix or symbol {key!r} "
                               "(see `docmine documents`)")
    if len({d.source_key for d in docs}) == 1:
        return max(docs, key=lambda d: d.version)
    raise AmbiguousDocument(key, docs)


def page_body_text(page: Page) -> Optional[str]:
    """A stored page's body view (header, footer and footnotes left out),
    derived by the reader's own rule from the stored text and blocks."""
    if page.text is None:
        return None
    from docmine.reading.layout import Block
    from docmine.reading.read import PageText

    blocks = [Block(b["kind"], b["start"], b["end"]) for b in (page.blocks or [])]
    return PageText(page.number, page.text, blocks).body_text()


_META_FIELDS = ("id", "sha256", "symbol", "title", "treaty", "doc_date", "language", "languages",
                "status", "page_count", "size", "backend", "source", "source_key", "version",
                "supersedes_id", "ingested_at", "extracted_version")


def document_view(doc: Document, *, page: Optional[int] = None, body: bool = False) -> dict[str, Any]:
    """What ``docmine show`` prints: the document's metadata and its pages
    (one page with ``page``; the body view instead of the raw text with
    ``body``). A page without a text layer has ``text`` None."""
    meta = {k: getattr(doc, k) for k in _META_FIELDS}
    meta["ingested_at"] = doc.ingested_at.isoformat() if doc.ingested_at else None
    pages = doc.pages
    if page is not None:
        pages = [p for p in pages if p.number == page]
        if not pages:
            raise DocumentNotFound(f"document {doc.id} has no page {page} "
                                   f"(it has {doc.page_count})")
    return {
        "document": meta,
        "pages": [{"number": p.number, "language": p.language, "char_count": p.char_count,
                   "doc_offset": p.doc_offset,
                   "text": page_body_text(p) if body else p.text} for p in pages],
    }
