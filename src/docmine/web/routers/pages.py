"""The HTML pages: overview, documents, one document, action items, entities,
one entity, search. Each is a thin layer over the query functions; links
carry every filter in the URL (a stable address for each combination) and
listings link to the API's export of the whole filtered result."""
from __future__ import annotations

from typing import Optional
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import query
from ...documents import SORT_KEYS, document_facets
from docmine.store.schema import Document, Entity
from ..app import page_context
from ..deps import (WebError, cached, csrf_token, current_user, get_lang, get_session,
                    require_reader)
from ..editing import can_edit, edit_data
from ..export import frame_records
from ..pdfimage import page_png, pdf_path
from ..render import page_blocks, snippet_html
from .common import (Label, actions_fetch, call, documents_fetch, entities_fetch, lookup_document,
                     lookup_entity, page_of, plain_filters)

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_reader)])

#: rows of each table an entity page shows (the rest: the linked listing or export)
SHOWN = 100
PageQ = Query(1, ge=1, le=100_000, description="result page, from 1")
PerPageQ = Query(50, ge=1, le=500, description="rows per page")


def entity_url(eid: str) -> str:
    return "/entities/" + quote(str(eid), safe="")


def doc_url(document_id, page=None, anchor=None) -> str:
    u = f"/documents/{int(document_id)}"
    if page:
        u += f"?page={int(page)}"
    if anchor:
        u += "#" + anchor
    return u


def render(request: Request, template: str, lang: str, **ctx):
    base = page_context(request, lang)
    base.update(entity_url=entity_url, doc_url=doc_url, snippet_html=snippet_html)
    base.update(ctx)
    return request.app.state.templates.TemplateResponse(request, template, base)


def pager(request: Request, page: int, has_next: bool, n_rows: int, per_page: int) -> dict:
    """Links to the previous and next result pages (the same filters)."""
    def at(p: int) -> str:
        items = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
        if p > 1:
            items.append(("page", str(p)))
        return request.url.path + ("?" + urlencode(items) if items else "")
    first = (page - 1) * per_page + 1
    return {"page": page, "prev": at(page - 1) if page > 1 else None,
            "next": at(page + 1) if has_next else None,
            "first": first if n_rows else 0, "last": first + n_rows - 1 if n_rows else 0}


def export_urls(api_path: str, filters: dict) -> dict:
    items = [(k, v) for k, v in filters.items() if v not in (None, "")]
    return {"csv": api_path + "?" + urlencode(items + [("format", "csv")]),
            "json": api_path + "?" + urlencode(items + [("format", "json")])}


@router.get("/")
def overview(request: Request, session: Session = Depends(get_session),
             lang: str = Depends(get_lang)):
    ov = cached(request, session, "overview", lambda: query.overview(session=session))
    return render(request, "overview.html", lang, totals=ov["totals"],
                  by_treaty=frame_records(ov["treaty"]), by_language=frame_records(ov["language"]),
                  by_year=frame_records(ov["year"]), runs=frame_records(ov["runs"]),
                  failures=frame_records(ov["failures"]))


@router.get("/documents")
def documents(request: Request, treaty: Optional[str] = None, year: Optional[str] = None,
              language: Optional[str] = None, status: Optional[str] = None,
              body: Optional[str] = None, sort: str = "id", page: int = PageQ,
              per_page: int = PerPageQ, session: Session = Depends(get_session),
              lang: str = Depends(get_lang)):
    f = plain_filters(treaty=treaty, year=year, language=language, status=status, body=body,
                      sort=sort or "id")
    rows, has_next = page_of(session, documents_fetch(f), per_page, page)
    return render(request, "documents.html", lang, rows=rows, filters=f,
                  facets=cached(request, session, "document_facets",
                                lambda: document_facets(session=session)), sort=f.get("sort", "id"),
                  sort_keys=SORT_KEYS, pager=pager(request, page, has_next, len(rows), per_page),
                  export=export_urls("/api/documents", {k: v for k, v in f.items()}))


@router.get("/documents/{doc_id:int}/pages/{number:int}.png")
def page_image(request: Request, doc_id: int, number: int,
               session: Session = Depends(get_session)):
    d = session.get(Document, doc_id)
    if d is None:
        raise WebError(404, f"no document {doc_id}")
    pdf = pdf_path(d.source, d.size, d.sha256)
    if pdf is None:
        raise WebError(404, f"the PDF of document {doc_id} is not at hand")
    png = page_png(pdf, d.sha256, number, request.app.state.cache_dir)
    if png is None:
        raise WebError(404, f"document {doc_id} has no page {number}")
    return FileResponse(png, media_type="image/png",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/documents/{doc_id:int}/pdf")
def document_pdf(doc_id: int, session: Session = Depends(get_session)):
    d = session.get(Document, doc_id)
    if d is None:
        raise WebError(404, f"no document {doc_id}")
    pdf = pdf_path(d.source, d.size, d.sha256)
    if pdf is None:
        raise WebError(404, f"the PDF of document {doc_id} is not at hand")
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in (d.symbol or str(d.id)))
    return FileResponse(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})


@router.get("/documents/{key:path}")
def document(request: Request, key: str, page: int = Query(1, ge=1, le=100_000),
             session: Session = Depends(get_session), lang: str = Depends(get_lang),
             user=Depends(current_user)):
    d = lookup_document(session, key)
    pages = {p.number: p for p in d.pages}
    if pages and page not in pages:
        raise WebError(404, f"document {d.id} has no page {page} (it has {d.page_count})")
    p = pages.get(page)
    mentions = frame_records(query.document_mentions(d.id, session=session, page=page))
    acts = [a for a in frame_records(query.actions(session=session, document=d.id))
            if a["page"] == page]
    text = (p.text if p is not None else None)
    blocks = page_blocks(text, mentions, acts, entity_url) if text is not None else []
    cites = frame_records(query.cited_by(d.id, session=session))
    own = [d.symbol] if d.symbol else []
    own += list(session.scalars(select(Entity.id).where(Entity.document_id == d.id)))
    cited_by, seen = [], set()
    for eid in dict.fromkeys(own):
        if session.get(Entity, query.resolve_entity_id(eid, session=session)) is None:
            continue
        for r in frame_records(query.cites(eid, session=session)):
            k = (r["document_id"], r["page"], r["start"])
            if k not in seen:
                seen.add(k)
                cited_by.append(r)
    has_pdf = pdf_path(d.source, d.size, d.sha256) is not None
    labels = sorted({m["label"] for m in mentions})
    editor = can_edit(user) and text is not None
    edit = None
    if editor:  # the page's targets, revisions and the CSRF token for static/editor.js
        edit = edit_data(session=session, document=d, page=page, page_text=text,
                         csrf_token=csrf_token(request), lang=lang)
    return render(request, "document.html", lang, d=d, page=page, pages=sorted(pages),
                  page_obj=p, blocks=blocks, cites=cites, cited_by=cited_by, has_pdf=has_pdf,
                  labels=labels, n_actions=len(acts), can_edit=editor, edit_data=edit,
                  show_history=user is not None)


@router.get("/actions")
def actions(request: Request, actor: Optional[str] = None, treaty: Optional[str] = None,
            verb: Optional[str] = None, meeting: Optional[str] = None,
            due_before: Optional[str] = None, document: Optional[str] = None,
            text: Optional[str] = None, ref: Optional[str] = None, page: int = PageQ,
            per_page: int = PerPageQ, session: Session = Depends(get_session),
            lang: str = Depends(get_lang)):
    f = plain_filters(actor=actor, treaty=treaty, verb=verb, meeting=meeting,
                      due_before=due_before, document=document, text=text, ref=ref)
    rows, has_next = page_of(session, actions_fetch(f), per_page, page)
    return render(request, "actions.html", lang, rows=rows, filters=f,
                  facets=cached(request, session, "action_facets",
                                lambda: query.action_facets(session=session)),
                  pager=pager(request, page, has_next, len(rows), per_page),
                  export=export_urls("/api/actions", f))


@router.get("/entities")
def entities(request: Request, label: Optional[Label] = None, page: int = PageQ,
             per_page: int = PerPageQ, session: Session = Depends(get_session),
             lang: str = Depends(get_lang)):
    lab = label.value if label else None
    rows, has_next = page_of(session, entities_fetch(lab), per_page, page)
    aliases = query.entity_aliases([r["id"] for r in rows], session=session)
    return render(request, "entities.html", lang, rows=rows, label=lab, aliases=aliases,
                  pager=pager(request, page, has_next, len(rows), per_page),
                  export=export_urls("/api/entities", {"label": lab}))


@router.get("/entities/{entity_id:path}")
def entity(request: Request, entity_id: str, session: Session = Depends(get_session),
           lang: str = Depends(get_lang)):
    eid = lookup_entity(session, entity_id)
    parts = query.entity(eid, session=session)
    e = frame_records(parts["entity"])[0]
    return render(request, "entity.html", lang, e=e, aliases=frame_records(parts["aliases"]),
                  documents=frame_records(parts["documents"]),
                  mentions=frame_records(parts["mentions"].head(SHOWN)),
                  n_mentions=len(parts["mentions"]),
                  actions=frame_records(parts["actions"].head(SHOWN)), shown=SHOWN,
                  n_actions=len(parts["actions"]),
                  export_mentions="/api/cites/" + quote(eid, safe="") + "?format=csv")


@router.get("/search")
def search(request: Request, q: Optional[str] = Query(None, max_length=500), page: int = PageQ,
           per_page: int = Query(20, ge=1, le=200), session: Session = Depends(get_session),
           lang: str = Depends(get_lang)):
    rows, has_next = [], False
    if q and q.strip():
        rows, has_next = page_of(session, lambda s, limit, offset: frame_records(
            call(query.search, q, session=s, limit=limit, offset=offset)), per_page, page)
    return render(request, "search.html", lang, q=q or "", rows=rows,
                  pager=pager(request, page, has_next, len(rows), per_page),
                  export=export_urls("/api/search", {"q": q, "limit": 1000}) if q else None)
