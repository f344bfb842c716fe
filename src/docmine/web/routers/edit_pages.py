"""The editors' HTML pages (the JSON API is ``routers/editing.py``): history of one target (mention or action item), of
one editor and of one document — who, when, before → after — with an
admin's revert button (a form: works without script), and the id
suggestions the edit dialogs autocomplete from (``GET /api/suggest``).

Writes go through :mod:`docmine.corrections` (the JSON API's
``POST /api/corrections`` for the document page's script; the revert form
here), never around it.
"""
from __future__ import annotations

import json
from typing import Any, Optional
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.orm import Session

from ..deps import WebError, current_user, get_lang, get_session, require_reader
from ..editing import can_edit, role_of, suggest_ids
from .common import Label, lookup_document

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_reader)])
api_router = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(require_reader)])

#: the record fields a history row compares, in this order
FIELDS = ("label", "text", "ids", "actor", "actor_text", "verb", "deadline", "refs", "page",
          "start", "end")


@api_router.get("/suggest", summary="Ids to autocomplete (entities and the knowledge base)")
def api_suggest(request: Request, q: str = Query(..., min_length=1, max_length=200),
                label: Optional[Label] = None, limit: int = Query(20, ge=1, le=100),
                session: Session = Depends(get_session)):
    """Ids whose id or name holds every word of ``q`` (case and accents
    folded): ``[{"id", "label", "name", "source": "entity"|"kb"}]``, the
    store's entities first (most mentioned first), then the knowledge base's
    organisations (for ``label=ORG`` or no label)."""
    kb = getattr(request.app.state.settings, "kb_path", None)
    return JSONResponse(suggest_ids(q, session=session, label=label.value if label else None,
                                    limit=limit, kb_path=str(kb) if kb else None))


def _show(v: Any) -> str:
    if v is None or v == "" or v == []:
        return "—"
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_show(x)}" for k, x in v.items() if x not in (None, "", []))or "—"
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    return str(v)


def summary(rec: Optional[dict]) -> str:
    """One line for a whole record: ``ORG «Secrétariat» → cms-secretariat`` or
    ``cms-secretariat prier «…» (deadline: CMS StC53)``."""
    if not rec:
        return "—"
    text = " ".join(str(rec.get("text") or "").split())
    if len(text) > 80:
        text = text[:77] + "…"
    if "label" in rec:
        ids = ", ".join(rec.get("ids") or [])
        return f"{rec.get('label')} «{text}»" + (f" → {ids}" if ids else "")
    dl = _show(rec.get("deadline"))
    return (f"{rec.get('actor') or rec.get('actor_text') or '?'} {rec.get('verb') or ''} «{text}»"
            + (f" ({dl})" if dl != "—" else ""))


def changes(before: Optional[dict], after: Optional[dict]) -> list[dict]:
    """The fields a ledger row changed: ``[{"field", "before", "after"}]``
    (display strings; ``—`` for none). An add or a delete is one line with the
    whole record; an accept (same record) lists nothing."""
    if not before or not after:
        if not before and not after:
            return []
        return [{"field": "added" if after else "deleted", "before": summary(before),
                 "after": summary(after)}]
    out = []
    for f in FIELDS + tuple(k for k in {**before, **after} if k not in FIELDS and k != "attrs"):
        b, a = before.get(f), after.get(f)
        if b != a:
            out.append({"field": f, "before": _show(b), "after": _show(a)})
    return out


def _rows(rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        r = dict(r)
        for k in ("before", "after"):
            if isinstance(r.get(k), str):
                try:
                    r[k] = json.loads(r[k])
                except ValueError:
                    pass
        r["changes"] = changes(r.get("before"), r.get("after"))
        rec = r.get("after") or r.get("before") or {}
        r["what"] = " ".join(str(rec.get("text") or "").split())[:60]
        r["target_url"] = "/history/target/" + quote(str(r.get("target_key") or r.get("target")
                                                         or ""), safe=":")
        out.append(r)
    return out


def _history(session: Session, **kw) -> list[dict]:
    from docmine import corrections
    return _rows(corrections.history(session=session, **kw))


def _render(request: Request, lang: str, user, **ctx):
    from .pages import render
    return render(request, "history.html", lang, is_admin=role_of(user) == "admin",
                  can_edit=can_edit(user), **ctx)


@router.get("/history/document/{key:path}")
def document_history(request: Request, key: str, session: Session = Depends(get_session),
                     lang: str = Depends(get_lang), user=Depends(current_user)):
    d = lookup_document(session, key)
    rows = _history(session, document=d.id)
    return _render(request, lang, user, rows=rows, scope="document", d=d,
                   heading=d.symbol or f"#{d.id}")


@router.get("/history/editor/{name}")
def editor_history(request: Request, name: str, session: Session = Depends(get_session),
                   lang: str = Depends(get_lang), user=Depends(current_user)):
    rows = _history(session, editor=name)
    return _render(request, lang, user, rows=rows, scope="editor", heading=name)


@router.get("/history/target/{target:path}")
def target_history(request: Request, target: str, session: Session = Depends(get_session),
                   lang: str = Depends(get_lang), user=Depends(current_user)):
    from docmine import corrections
    try:
        rows = _history(session, target=target)
    except corrections.CorrectionError as exc:
        raise WebError(exc.status, exc.message)
    if not rows:
        raise WebError(404, f"no corrections of {target!r}")
    last = rows[-1]
    rec = next((r.get("after") or r.get("before") for r in reversed(rows)
                if r.get("after") or r.get("before")), None)
    symbol = None
    if last.get("document_id"):
        from docmine.store.schema import Document
        symbol = session.get(Document, last["document_id"]).symbol
    heading = summary(rec) + (f" · {symbol}" if symbol else "") + f" p. {last.get('page')}"
    return _render(request, lang, user, rows=rows, scope="target", heading=heading, key=target,
                   doc_id=last.get("document_id"), page=last.get("page"),
                   anchor=(f"a-{last.get('page')}-" if last.get("target") == "action_item"
                           else "m-") + str((rec or {}).get("start", last.get("start"))))


@router.post("/history/revert/{correction_id:int}")
def revert_form(request: Request, correction_id: int, csrf_token: str = Form(""),
                next: str = Form("/"), comment: str = Form(""),
                session: Session = Depends(get_session), user=Depends(current_user)):
    """The admin's revert button: a new ledger row putting the target back as
    it was before row ``correction_id``; 303 back to ``next`` (a local path)."""
    from docmine import corrections
    from ..deps import check_csrf

    if user is None:
        raise WebError(401, "sign in to revert a change")
    check_csrf(request, csrf_token)
    try:
        corrections.revert(correction_id, session=session, user=user, comment=comment or None)
    except corrections.CorrectionError as exc:
        raise WebError(exc.status, exc.message)
    back = next if next.startswith("/") and not next.startswith("//") else "/"
    return RedirectResponse(back, status_code=303)
