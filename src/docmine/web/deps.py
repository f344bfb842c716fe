"""Request dependencies: the database session, the current user, the reading
policy and the interface language.

* :func:`get_session`: one SQLAlchemy session per request, always rolled back
  at the end (writers commit through the library: docmine.corrections, docmine.accounts);
* :func:`current_user`: the user of an ``Authorization: Bearer`` API token or
  of the signed session cookie (Starlette ``SessionMiddleware``), else None;
* :func:`require_editor` / :func:`require_admin`: writers (401 without an
  account, 403 for a viewer) with the CSRF check for cookie sessions
  (header ``X-CSRF-Token``; forms: :func:`check_csrf` on field ``csrf_token``);
* :func:`require_reader`: with ``read="login"`` a request without a user gets
  401 (:class:`LoginRequired`), with ``read="public"`` everyone reads.
"""
from __future__ import annotations

import secrets
from typing import Any, Iterator, Optional

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from . import i18n


class LoginRequired(Exception):
    """Reading needs an account (``--read login``) and the request has none."""


class WebError(Exception):
    """An error to show as JSON (API) or an HTML page: ``status`` and a one-line message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def get_session(request: Request) -> Iterator[Session]:
    """A session on the app's database for one request (rolled back, closed)."""
    session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


AUTH_CACHE = "_docmine_user"


def _bearer(request: Request) -> Optional[str]:
    h = request.headers.get("authorization") or ""
    scheme, _, token = h.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_user(request: Request, session: Session = Depends(get_session)) -> Optional[Any]:
    """The signed-in user (a :class:`docmine.store.schema.User`), or ``None``:
    an ``Authorization: Bearer`` API token first, else the signed session
    cookie (``uid``). A disabled user, a revoked or unknown token count as
    nobody. Sets ``request.state.auth`` to ``"token"``, ``"cookie"`` or None."""
    if hasattr(request.state, AUTH_CACHE):
        return getattr(request.state, AUTH_CACHE)
    from ..accounts import session_fingerprint, user_for_token
    from docmine.store.schema import User

    user, how = None, None
    token = _bearer(request)
    if token is not None:
        user = user_for_token(token, session=session)
        how = "token" if user is not None else None
    elif "session" in request.scope:
        uid = request.session.get("uid")
        if isinstance(uid, int):
            u = session.get(User, uid)
            if u is not None and not u.disabled and request.session.get("pw") == session_fingerprint(u):
                user, how = u, "cookie"
    setattr(request.state, AUTH_CACHE, user)
    request.state.auth = how
    request.state.user_view = {"name": user.name, "role": user.role} if user is not None else None
    return user


def require_reader(request: Request, user: Optional[Any] = Depends(current_user)) -> Optional[Any]:
    """Let the request read, or raise :class:`LoginRequired` (→ 401) when the
    app runs with ``read="login"`` and nobody is signed in."""
    if request.app.state.read == "login" and user is None:
        raise LoginRequired()
    return user


def csrf_token(request: Request) -> str:
    """This browser session's CSRF token (made on first use, kept in the signed cookie)."""
    tok = request.session.get("csrf")
    if not isinstance(tok, str) or len(tok) < 32:
        tok = secrets.token_urlsafe(32)
        request.session["csrf"] = tok
    return tok


class LazyCsrf:
    """Renders as the CSRF token in a template, made only when a template uses it."""

    def __init__(self, request: Request):
        self.request = request

    def __str__(self) -> str:
        return csrf_token(self.request)

    __html__ = __str__


def check_csrf(request: Request, given: Optional[str]) -> None:
    """Raise :class:`WebError` 403 unless ``given`` is this session's CSRF
    token; requests authenticated by a bearer token need none."""
    if getattr(request.state, "auth", None) == "token":
        return
    want = request.session.get("csrf") if "session" in request.scope else None
    if not given or not isinstance(want, str) or not secrets.compare_digest(str(given), want):
        raise WebError(403, "CSRF token missing or wrong: reload the page and try again "
                            "(scripts: use an API token, Authorization: Bearer)")


def require_editor(request: Request, user: Optional[Any] = Depends(current_user)) -> Any:
    """A user who may write corrections: 401 without an account, 403 for a
    viewer; a cookie-authenticated request also needs header ``X-CSRF-Token``."""
    from ..accounts import can_write

    if user is None:
        raise WebError(401, "writing needs an account: sign in at /login, or send "
                            "Authorization: Bearer <token> (docmine users token NAME)")
    if not can_write(user):
        raise WebError(403, f"user {user.name!r} is a {user.role}: only editors and admins "
                            "correct")
    check_csrf(request, request.headers.get("x-csrf-token"))
    return user


def require_admin(request: Request, user: Any = Depends(require_editor)) -> Any:
    """An admin (403 for an editor), CSRF checked as in :func:`require_editor`."""
    if user.role != "admin":
        raise WebError(403, f"user {user.name!r} is an {user.role}: only an admin reverts")
    return user


def get_lang(request: Request) -> str:
    """The interface language (``fr``/``en``) for this request."""
    return i18n.choose(request.query_params.get("lang"), request.headers.get("accept-language"))


def cached(request: Request, session: Session, name: str, compute):
    """``compute()`` for summaries that only change with the store (overview,
    facets), kept per app under :func:`docmine.query.store_version` (a few
    index look-ups), so they are recomputed only after new data lands."""
    from ..query import store_version

    key = (name, store_version(session=session))
    cache = request.app.state.summary_cache
    if key not in cache:
        if len(cache) > 64:
            cache.clear()
        cache[key] = compute()
    return cache[key]
