"""Signing in and out: ``GET/POST /login``, ``POST /logout``.

The session is a signed cookie (Starlette ``SessionMiddleware``, see
:func:`docmine.web.app.create_app`) holding the user id, a fingerprint of the
password hash (a changed password ends old sessions) and the CSRF token,
which is renewed at every sign-in. Failed sign-ins are counted per name and
client address (:func:`docmine.accounts.login_blocked`): past the limit the
answer is 429 with ``Retry-After``.
"""
from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ... import accounts
from ..app import page_context
from ..deps import check_csrf, current_user, get_lang, get_session

router = APIRouter(include_in_schema=False)


def _safe_next(value) -> str:
    v = str(value or "/")
    return v if v.startswith("/") and not v.startswith("//") and "\\" not in v else "/"


def _form(request: Request, lang: str, *, status: int = 200, message: str | None = None,
          name: str = "", next_url: str = "/", headers: dict | None = None):
    ctx = page_context(request, lang)
    ctx.update(message=message, name=name, next=_safe_next(next_url))
    return request.app.state.templates.TemplateResponse(request, "login.html", ctx,
                                                        status_code=status, headers=headers)


@router.get("/login")
def login_page(request: Request, next: str = "/", lang: str = Depends(get_lang),
               user=Depends(current_user)):
    return _form(request, lang, next_url=next)


@router.post("/login")
def login(request: Request, name: str = Form(""), password: str = Form(""),
          csrf_token: str = Form(""), next: str = Form("/"), lang: str = Depends(get_lang),
          session: Session = Depends(get_session)):
    name, next_url = name[:64], _safe_next(next)
    check_csrf(request, csrf_token)
    ip = request.client.host if request.client else "?"
    wait = accounts.login_blocked(name, ip, session=session)
    if wait:
        return _form(request, lang, status=429, name=name, next_url=next_url,
                     message=f"too many failed sign-ins for {name!r}: try again in {wait} s",
                     headers={"Retry-After": str(wait)})
    user = accounts.authenticate(name, password, session=session)
    if user is None:
        accounts.record_failure(name, ip, session=session)
        return _form(request, lang, status=401, name=name, next_url=next_url,
                     message="wrong user name or password (or the account is disabled)")
    accounts.clear_failures(name, ip, session=session)
    request.session.clear()
    request.session.update({"uid": user.id, "pw": accounts.session_fingerprint(user),
                            "csrf": secrets.token_urlsafe(32)})
    return RedirectResponse(next_url, status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("")):
    check_csrf(request, csrf_token)
    request.session.clear()
    return RedirectResponse("/", status_code=303)
