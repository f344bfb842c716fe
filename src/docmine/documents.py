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

__all__ = ["DocumentNotFound", "AmbiguousDocument", "LIST_COLUMNS", "list_documents",
           "get_document", "document_view", "page_body_text"]

#: columns of :func:`list_documents`, in order
LIST_COLUMNS = ("id", "symbol", "title", "pages", "language", "status", "source", "version")

_HEX = re.compile(r"[0-9a-fA-F]{4,64}")


class DocumentNotFound(LookupError):
    """No stored document matches the key."""


class AmbiguousDocument(LookupError):
    """Several stored documents match the key; ``candidates`` lists them."""

    def __init__(self, key: str, candidates: list[Document]):
        self.candidates = candidates
        listing = ", ".join(f"{d.id} ({d.symbol or d.sha256[:12]})" for d in candidates[:10])
        super().__init__(f"{key!r} matches {len(candidates)} documents: {listing}; "
                         "give an id or a longer sha256 prefix")


def list_documents(*, session: Session) -> list[dict[str, Any]]:
    """Every stored document, oldest first, as rows with :data:`LIST_COLUMNS`
    (``pages`` is the page count; ``source`` the path or URL it came from)."""
    rows = session.execute(select(Document.id, Document.symbol, Document.title,
                                  Document.page_count, Document.language, Document.status,
                                  Document.source, Document.version).order_by(Document.id))
    return [dict(zip(LIST_COLUMNS, r)) for r in rows]


def _norm_symbol(s: str) -> str:
    return "".join(s.split()).upper()


def get_document(key: str | int, *, session: Session) -> Document:
    """One stored document (pages loaded) by ``key``: its id (digits), a
    sha256 prefix (at least 4 hex digits) or its symbol (case and spaces
    ignored; among versions of one source the latest wins). Raises
    :class:`DocumentNotFound` or :class:`AmbiguousDocument`."""
    key = str(key).strip()
    q = select(Document).options(selectinload(Document.pages))
    if key.isdigit():
        doc = session.scalar(q.where(Document.id == int(key)))
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
