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


# ------------------------------------------------------------------ without script
#: form fields copied into a change as they are
_TEXT_FIELDS = ("label", "actor_text", "verb", "comment")


def _split_ids(v: str) -> list[str]:
    """``"a, b"`` or one per line → ``["a", "b"]`` (ids may hold spaces: commas and
    line breaks separate them)."""
    return [x.strip() for x in str(v or "").replace("\n", ",").split(",") if x.strip()]


def form_change(form: dict) -> dict:
    """A ``change`` (docs/editing.md) from the no-script form's fields:
    ``op``, ``target``, ``base_revision``, ``kind``, ``document``, ``page``,
    ``start``, ``end``, ``label``, ``ids`` / ``refs`` (comma-separated),
    ``actor``, ``actor_text``, ``verb``, ``deadline_meeting``,
    ``deadline_date``, ``comment``. Empty fields are left out, except that an
    edit of an action item sends all of its fields (an emptied deadline
    clears it)."""
    op = (form.get("op") or "").strip()
    change: dict[str, Any] = {"op": op}
    for k in ("target", "kind", "document"):
        if (form.get(k) or "").strip():
            change[k] = form[k].strip()
    for k in ("base_revision", "page", "start", "end"):
        v = (form.get(k) or "").strip()
        if v:
            try:
                change[k] = int(v)
            except ValueError:
                raise WebError(422, f"{k}: a whole number, not {v[:20]!r}")
    if op in ("accept", "delete", "undo"):
        if (form.get("comment") or "").strip():
            change["comment"] = form["comment"].strip()
        return change
    for k in _TEXT_FIELDS:
        if (form.get(k) or "").strip():
            change[k] = form[k].strip()
    kind = change.get("kind") or str(change.get("target", "")).split(":")[0]
    if kind == "mention":
        change["ids"] = _split_ids(form.get("ids", ""))
    else:
        change["actor"] = (form.get("actor") or "").strip() or None
        change["refs"] = _split_ids(form.get("refs", ""))
        change["deadline"] = {"meeting": (form.get("deadline_meeting") or "").strip() or None,
                              "date": (form.get("deadline_date") or "").strip() or None}
    return change


def _target_record(session: Session, key: str) -> tuple[Any, dict, bool]:
    from docmine import corrections
    from docmine.store.schema import Document
    from sqlalchemy import select

    try:
        parts = corrections.parse_key(key)
    except corrections.CorrectionError as exc:
        raise WebError(exc.status, exc.message)
    doc = session.scalar(select(Document).where(Document.sha256 == parts["sha256"]))
    if doc is None:
        raise WebError(404, f"no document {parts['sha256'][:12]}…")
    tg = corrections.targets(doc, session=session)
    for r in tg["mentions"] + tg["action_items"]:
        if r["target"] == key:
            return doc, r, False
    for r in tg.get("deleted", []):
        if r["target"] == key:
            return doc, r, True
    raise WebError(404, f"no mention or action item {key!r}")


@router.get("/edit/{target:path}")
def edit_page(request: Request, target: str, session: Session = Depends(get_session),
              lang: str = Depends(get_lang), user=Depends(current_user)):
    """One mention or action item in a plain form (no script needed):
    accept, delete, or change its fields; each button is one ledger row."""
    if not can_edit(user):
        raise WebError(401 if user is None else 403,
                       "correcting needs an editor's account: sign in at /login")
    doc, rec, deleted = _target_record(session, target)
    from .pages import render
    return render(request, "edit_form.html", lang, d=doc, rec=rec, key=target,
                  kind=target.split(":")[0], page=rec.get("page"), mode="edit",
                  deleted=deleted)


@router.get("/documents/{doc_id:int}/add")
def add_page(request: Request, doc_id: int, page: int = Query(1, ge=1), kind: str = "mention",
             session: Session = Depends(get_session), lang: str = Depends(get_lang),
             user=Depends(current_user)):
    """A form to add a mention or an action item on page ``page`` (no script)."""
    if not can_edit(user):
        raise WebError(401 if user is None else 403,
                       "correcting needs an editor's account: sign in at /login")
    if kind not in ("mention", "action_item"):
        raise WebError(422, "kind: mention or action_item")
    doc = lookup_document(session, str(doc_id))
    from .pages import render
    return render(request, "edit_form.html", lang, d=doc, rec={}, key=None, kind=kind,
                  page=page, mode="add", deleted=False)


@router.post("/corrections/form")
async def correction_form(request: Request, session: Session = Depends(get_session),
                          lang: str = Depends(get_lang), user=Depends(current_user)):
    """The no-script forms' target: one change through
    :func:`docmine.corrections.apply` (CSRF field checked), then 303 back to
    ``next``; a conflict shows both versions and lets the editor choose."""
    from docmine import corrections
    from ..deps import check_csrf

    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    if user is None:
        raise WebError(401, "correcting needs an account: sign in at /login")
    check_csrf(request, form.get("csrf_token"))
    change = form_change(form)
    if change.get("op") == "add" and not change.get("start") and (form.get("find") or "").strip():
        change.update(_find(session, change, form["find"]))
    nxt = form.get("next") or "/"
    back = nxt if nxt.startswith("/") and not nxt.startswith("//") else "/"
    from starlette.concurrency import run_in_threadpool
    try:  # (the write waits on the database: off the event loop)
        await run_in_threadpool(corrections.apply, change, session=session, user=user)
    except corrections.Conflict as exc:
        from .pages import render
        resp = render(request, "conflict.html", lang, exc=exc.as_dict(), change=change,
                      next=back, yours_json=json.dumps(exc.yours, ensure_ascii=False, indent=2),
                      theirs_json=json.dumps(exc.current, ensure_ascii=False, indent=2),
                      fields=[(k, v) for k, v in form.items()
                              if k not in ("csrf_token", "base_revision", "next")])
        resp.status_code = 409
        return resp
    except corrections.CorrectionError as exc:
        raise WebError(exc.status, exc.message)
    return RedirectResponse(back, status_code=303)


def _find(session: Session, change: dict, words: str) -> dict:
    """``start``/``end`` of the first occurrence of ``words`` (any spacing) on the page."""
    import re
    doc = lookup_document(session, str(change.get("document") or ""))
    text = next((p.text or "" for p in doc.pages if p.number == change.get("page", 1)), "")
    parts = [re.escape(w) for w in words.split()]
    m = re.search(r"\s+".join(parts), text) if parts else None
    if m is None:
        raise WebError(422, f"{words[:60]!r} is not on page {change.get('page', 1)}")
    return {"start": m.start(), "end": m.end()}
