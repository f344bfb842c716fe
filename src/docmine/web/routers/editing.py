"""The editors' JSON API (``docs/editing.md``): corrections, history, targets.

Writes need an editor's account — a bearer token (``Authorization: Bearer``)
or a signed-in browser session with header ``X-CSRF-Token`` — else 401
(nobody) or 403 (a viewer, a missing or wrong CSRF token). They call
:mod:`docmine.corrections`: 201 with the new ledger row, 409 with both
versions on a conflict (``current`` and ``yours``), 422 with the reason for a
bad change. Listings take ``format=json|csv``.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from ... import corrections
from ..deps import (WebError, csrf_token, current_user, get_session, require_admin,
                    require_editor, require_reader)
from ..export import stream
from .common import Fmt

router = APIRouter(prefix="/api", tags=["editing"], dependencies=[Depends(require_reader)])
FormatQ = Query(Fmt.json, alias="format", description="json (array) or csv (attachment)")


def _fail(exc: corrections.CorrectionError) -> JSONResponse:
    if isinstance(exc, corrections.Conflict):
        return JSONResponse(exc.as_dict(), status_code=409)
    return JSONResponse({"error": exc.message, "status": exc.status}, status_code=exc.status)


def _csv_value(v: Any) -> Any:
    return json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v


def _listing(rows: list[dict], fmt: Fmt, filename: str):
    if fmt == Fmt.csv:
        return stream("csv", corrections.LEDGER_COLUMNS,
                      [[{k: _csv_value(r[k]) for k in corrections.LEDGER_COLUMNS} for r in rows]],
                      filename=filename)
    return rows


@router.get("/me", summary="Who am I (and the CSRF token for JSON writes)")
def api_me(request: Request, user=Depends(current_user)):
    """`{"user": {"name", "role"} or null, "csrf_token"}`: send the token as
    header `X-CSRF-Token` on writes made with the session cookie."""
    return {"user": {"name": user.name, "role": user.role} if user is not None else None,
            "csrf_token": csrf_token(request)}


@router.post("/corrections", status_code=201, summary="Apply one correction (a new ledger row)")
async def api_correct(request: Request, user=Depends(require_editor),
                      session: Session = Depends(get_session)):
    """`docmine.corrections.apply`: body a change (`op`, `target`,
    `base_revision`, the op's fields); 201 `{correction, target, revision,
    record}`; 409 `{error, current, current_revision, latest, yours,
    conflict_id}`."""
    try:
        change = await request.json()
    except ValueError:
        raise WebError(422, "bad request: the body is not JSON")
    try:  # off the event loop: a write may wait for the database's lock
        res = await run_in_threadpool(corrections.apply, change, session=session, user=user)
    except corrections.CorrectionError as exc:
        return _fail(exc)
    return JSONResponse(res.as_dict(), status_code=201)


@router.get("/corrections", summary="Ledger rows (docmine corrections list)")
def api_corrections(document: Optional[str] = Query(None, description="id, sha256 prefix or symbol"),
                    target: Optional[str] = Query(None, description="a target key"),
                    editor: Optional[str] = Query(None, description="a user name"),
                    fmt: Fmt = FormatQ, session: Session = Depends(get_session)):
    """`docmine.corrections.history`: oldest first, refused rows included."""
    try:
        rows = corrections.history(session=session, document=document, target=target,
                                   editor=editor)
    except corrections.CorrectionError as exc:
        return _fail(exc)
    return _listing(rows, fmt, "corrections")


@router.get("/corrections/{correction_id:int}", summary="One ledger row (docmine corrections show)")
def api_correction(correction_id: int, session: Session = Depends(get_session)):
    try:
        return corrections.get(correction_id, session=session)
    except corrections.CorrectionError as exc:
        return _fail(exc)


@router.post("/corrections/{correction_id:int}/revert", status_code=201,
             summary="Revert a correction (admin; a new ledger row)")
def api_revert(correction_id: int, body: Optional[dict] = Body(None), user=Depends(require_admin),
               session: Session = Depends(get_session)):
    """`docmine.corrections.revert`: 201 as for POST /api/corrections."""
    comment = (body or {}).get("comment") if isinstance(body, dict) else None
    try:
        res = corrections.revert(correction_id, session=session, user=user, comment=comment)
    except corrections.CorrectionError as exc:
        return _fail(exc)
    return JSONResponse(res.as_dict(), status_code=201)


@router.get("/history/{target:path}", summary="One mention's or action item's history")
def api_history(target: str = Path(..., description="a target key"), fmt: Fmt = FormatQ,
                session: Session = Depends(get_session)):
    """`docmine.corrections.history(target=...)`."""
    try:
        rows = corrections.history(session=session, target=target)
    except corrections.CorrectionError as exc:
        return _fail(exc)
    return _listing(rows, fmt, "history")


@router.get("/targets", summary="A document's mentions and action items, corrected")
def api_targets(document: str = Query(..., description="id, sha256 prefix or symbol"),
                session: Session = Depends(get_session)):
    """`docmine.corrections.targets`: each with its `target` key and `revision`."""
    try:
        return corrections.targets(document, session=session)
    except corrections.CorrectionError as exc:
        return _fail(exc)
