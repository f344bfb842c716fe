"""Helpers shared by the routers: fetch-one-page wrappers over the query
functions, document and entity lookup with clear 404/422 errors."""
from __future__ import annotations

from enum import Enum
from typing import Any, Callable, Optional

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import query
from ...documents import (LIST_COLUMNS, AmbiguousDocument, DocumentNotFound, get_document,
                          list_documents)
from docmine.store.schema import Document, Entity
from ..deps import WebError
from ..export import CHUNK, frame_records, stream

#: largest page size a listing page or ``limit`` accepts (exports: no limit)
MAX_LIMIT = 10_000


class Fmt(str, Enum):
    json = "json"
    csv = "csv"


class Label(str, Enum):
    ORG = "ORG"
    REF = "REF"
    MEETING = "MEETING"
    DOC = "DOC"
    DATE = "DATE"


def lookup_document(session: Session, key: str) -> Document:
    """A document by id, sha256 prefix or symbol (as ``docmine show``); 404 / 422."""
    try:
        return get_document(key, session=session)
    except DocumentNotFound as exc:
        raise WebError(404, str(exc.args[0] if exc.args else exc))
    except AmbiguousDocument as exc:
        raise WebError(422, str(exc))


def lookup_entity(session: Session, key: str) -> str:
    """An entity id from an id, symbol or name (as ``docmine entity``); 404."""
    eid = query.resolve_entity_id(key, session=session)
    if not eid or session.get(Entity, eid) is None:
        raise WebError(404, f"unknown entity: {key!r} (see /api/entities)")
    return eid


def call(fn: Callable, *args, **kwargs):
    """Run a query function; its ValueError (a bad filter) becomes 422."""
    try:
        return fn(*args, **kwargs)
    except ValueError as exc:
        raise WebError(422, str(exc))


# one page of each listing: fetch(session, limit, offset) -> list of plain dicts
def documents_fetch(f: dict) -> Callable[[Session, int, int], list[dict]]:
    return lambda s, limit, offset: list_documents(session=s, limit=limit, offset=offset, **f)


def actions_fetch(f: dict):
    return lambda s, limit, offset: frame_records(
        query.actions(session=s, limit=limit, offset=offset, **f))


def entities_fetch(label: Optional[str]):
    return lambda s, limit, offset: frame_records(
        query.entities(session=s, label=label, limit=limit, offset=offset))


def cites_fetch(eid: str):
    return lambda s, limit, offset: frame_records(
        query.cites(eid, session=s, limit=limit, offset=offset))


def cited_by_fetch(doc_id: int):
    return lambda s, limit, offset: frame_records(
        query.cited_by(doc_id, session=s, limit=limit, offset=offset))


def search_fetch(q: str):
    return lambda s, limit, offset: frame_records(
        query.search(q, session=s, limit=limit, offset=offset))


COLUMNS = {"documents": list(LIST_COLUMNS), "actions": query.ACTION_COLUMNS,
           "entities": query.ENTITY_COLUMNS, "cites": query.CITES_COLUMNS,
           "cited_by": query.CITED_BY_COLUMNS, "search": query.SEARCH_COLUMNS}


def page_of(session: Session, fetch, per_page: int, page: int) -> tuple[list[dict], bool]:
    """Rows of result page ``page`` (1-based) and whether a next page exists
    (one row more is fetched to know)."""
    rows = call(fetch, session, per_page + 1, (page - 1) * per_page)
    return rows[:per_page], len(rows) > per_page


def streamed(request: Request, fmt: str, what: str, fetch, *, limit: Optional[int],
             offset: int, filename: str, max_rows: Optional[int] = None):
    """The rows ``offset … offset + limit`` (all when ``limit`` is None) of a
    listing, streamed as JSON or CSV over their own session. The first chunk
    is fetched before the response starts, so a bad filter is still a 422."""
    session = request.app.state.session_factory()
    cap = limit if limit is not None else max_rows

    def close():
        session.rollback()
        session.close()

    try:
        n0 = CHUNK if cap is None else min(CHUNK, cap)
        first = call(fetch, session, n0, offset)
    except BaseException:
        close()
        raise

    def chunks():
        yield first
        got, want = len(first), n0
        if got < want:
            return
        while cap is None or got < cap:
            n = CHUNK if cap is None else min(CHUNK, cap - got)
            rows = fetch(session, n, offset + got)
            if rows:
                yield rows
            got += len(rows)
            if len(rows) < n:
                return
    return stream(fmt, COLUMNS[what], chunks(), filename=filename, on_close=close)


def plain_filters(**kw: Any) -> dict:
    """Filters with empty strings dropped (``?actor=`` means no actor filter)."""
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in kw.items()
            if v is not None and not (isinstance(v, str) and not v.strip())}
