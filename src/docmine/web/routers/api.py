"""The JSON API under ``/api``: one endpoint per query function, the same
arguments and rows as the CLI command named in each docstring.

Listings return the whole filtered result as a JSON array (streamed), or
CSV with ``format=csv`` (the CLI's ``--format csv``); ``limit``/``offset``
take one slice of it. Errors: ``{"error": message, "status": code}`` with
404 for an unknown id and 422 for a bad parameter.
"""
from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from ... import query
from ...documents import document_view
from ..deps import get_session, require_reader
from ..export import frame_records, stream
from .common import (Fmt, Label, MAX_LIMIT, actions_fetch, cited_by_fetch, cites_fetch,
                     documents_fetch, entities_fetch, lookup_document, lookup_entity,
                     plain_filters, search_fetch, streamed)

_ERROR = {"content": {"application/json": {"example": {"error": "a one-line reason",
                                                       "status": 404}}}}
router = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(require_reader)],
                   responses={401: {"description": "reading requires an account (--read login)",
                                    **_ERROR},
                              404: {"description": "unknown id", **_ERROR},
                              422: {"description": "bad parameter, with the reason", **_ERROR}})

FormatQ = Query(Fmt.json, alias="format", description="json (array) or csv (attachment)")
LimitQ = Query(None, ge=0, le=MAX_LIMIT, description="at most this many rows (default: all)")
OffsetQ = Query(0, ge=0, description="skip this many rows first")


@router.get("/documents", summary="Documents (docmine documents)")
def api_documents(request: Request, treaty: Optional[str] = None,
                  year: Optional[str] = Query(None, description="four digits"),
                  language: Optional[str] = None, status: Optional[str] = None,
                  body: Optional[str] = Query(None, description="COP, StC, SBSTTA, SC…"),
                  sort: str = Query("id", description="id, symbol, title, date, pages, "
                                                      "language, treaty, status; -key descends"),
                  limit: Optional[int] = LimitQ, offset: int = OffsetQ, fmt: Fmt = FormatQ):
    """`docmine.documents.list_documents` — columns: id, symbol, title, pages,
    language, status, source, version, treaty, date, body."""
    f = plain_filters(treaty=treaty, year=year, language=language, status=status, body=body,
                      sort=sort or "id")
    return streamed(request, fmt.value, "documents", documents_fetch(f), limit=limit,
                    offset=offset, filename="documents")


@router.get("/documents/{key:path}", summary="One document (docmine show)")
def api_document(key: str = Path(..., description="id, sha256 prefix or symbol"),
                 page: Optional[int] = Query(None, ge=1, description="only this page"),
                 fmt: Fmt = FormatQ, session: Session = Depends(get_session)):
    """`docmine.documents.document_view`: metadata and pages' text (CSV: one
    row per page)."""
    doc = lookup_document(session, key)
    try:
        view = document_view(doc, page=page)
    except LookupError as exc:
        from ..deps import WebError
        raise WebError(404, str(exc.args[0] if exc.args else exc))
    if fmt == Fmt.csv:
        rows = [{"document_id": doc.id, "symbol": doc.symbol, **p} for p in view["pages"]]
        cols = ["document_id", "symbol", "number", "language", "char_count", "doc_offset", "text"]
        return stream("csv", cols, [rows], filename=f"document-{doc.id}")
    return view


@router.get("/actions", summary="Action items (docmine actions)")
def api_actions(request: Request,
                actor: Optional[str] = Query(None, description="organisation id or name"),
                treaty: Optional[str] = Query(None, description="CMS, CBD, CITES…"),
                verb: Optional[str] = Query(None, description="prier, inviter…"),
                meeting: Optional[str] = Query(None, description="deadline meeting, 'CMS StC45'"),
                due_before: Optional[str] = Query(None, description="ISO date or meeting id"),
                document: Optional[str] = Query(None, description="id, sha256 prefix or symbol"),
                text: Optional[str] = Query(None, description="words, accents ignored"),
                ref: Optional[str] = Query(None, description="instrument referred to"),
                limit: Optional[int] = LimitQ, offset: int = OffsetQ, fmt: Fmt = FormatQ):
    """`docmine.query.actions` — the rows of `docmine actions` with the same options."""
    f = plain_filters(actor=actor, treaty=treaty, verb=verb, meeting=meeting,
                      due_before=due_before, document=document, text=text, ref=ref)
    return streamed(request, fmt.value, "actions", actions_fetch(f), limit=limit,
                    offset=offset, filename="actions")


@router.get("/cites/{entity_id:path}", summary="Where an entity is cited (docmine cites)")
def api_cites(request: Request, entity_id: str, limit: Optional[int] = LimitQ,
              offset: int = OffsetQ, fmt: Fmt = FormatQ, session: Session = Depends(get_session)):
    """`docmine.query.cites`: one row per citing mention."""
    eid = lookup_entity(session, entity_id)
    return streamed(request, fmt.value, "cites", cites_fetch(eid), limit=limit, offset=offset,
                    filename="cites")


@router.get("/cited-by/{document:path}", summary="What a document cites (docmine cited-by)")
def api_cited_by(request: Request, document: str, limit: Optional[int] = LimitQ,
                 offset: int = OffsetQ, fmt: Fmt = FormatQ,
                 session: Session = Depends(get_session)):
    """`docmine.query.cited_by`: one row per cited instrument or symbol."""
    doc = lookup_document(session, document)
    return streamed(request, fmt.value, "cited_by", cited_by_fetch(doc.id), limit=limit,
                    offset=offset, filename="cited-by")


@router.get("/entities", summary="Entities with counts (docmine entities)")
def api_entities(request: Request, label: Optional[Label] = None, limit: Optional[int] = LimitQ,
                 offset: int = OffsetQ, fmt: Fmt = FormatQ):
    """`docmine.query.entities`: most mentioned first."""
    return streamed(request, fmt.value, "entities",
                    entities_fetch(label.value if label else None), limit=limit, offset=offset,
                    filename="entities")


@router.get("/entities/{entity_id:path}", summary="One entity (docmine entity)")
def api_entity(entity_id: str, fmt: Fmt = FormatQ,
               part: str = Query("mentions", pattern="^(entity|aliases|mentions|documents|actions)$",
                                 description="with format=csv: which table"),
               session: Session = Depends(get_session)):
    """`docmine.query.entity`: {entity, aliases, mentions, documents, actions}."""
    eid = lookup_entity(session, entity_id)
    parts = query.entity(eid, session=session)
    if fmt == Fmt.csv:
        df = parts[part]
        return stream("csv", list(df.columns), [frame_records(df)], filename=f"entity-{part}")
    out = {k: frame_records(v) for k, v in parts.items()}
    out["entity"] = out["entity"][0] if out["entity"] else None
    return out


@router.get("/search", summary="Full-text search (docmine search)")
def api_search(request: Request, q: str = Query(..., min_length=1, max_length=500,
                                                description="words; \"a phrase\"; -word"),
               limit: int = Query(20, ge=1, le=1000), offset: int = OffsetQ,
               fmt: Fmt = FormatQ):
    """`docmine.query.search`: pages best first, plain snippets with the hits' offsets in `highlights`."""
    if not q.strip():
        from ..deps import WebError
        raise WebError(422, "bad request: q: give at least one word")
    return streamed(request, fmt.value, "search", search_fetch(q), limit=limit, offset=offset,
                    filename="search")


@router.get("/models", summary="Model versions (docmine models list)")
def api_models(session: Session = Depends(get_session)):
    """`docmine.store.models.list_versions` — the model versions, newest first,
    with the one in force (a setting of the database, the same for the CLI, the
    flows and this app) marked ``in_force``: tag, name, status, in_force,
    verdict, micro_f1, created_at, promoted_at, parent, artefact_path."""
    from ...store.models import list_versions
    return list_versions(session=session)
