"""Request dependencies: the database session, the current user, the reading
policy and the interface language.

* :func:`get_session`: one SQLAlchemy session per request, always rolled back
  at the end (nothing in the researchers' app writes);
* :func:`current_user`: ``None`` today (no accounts yet). The editors' issue
  replaces it (signed session cookie / bearer token) without touching routes;
* :func:`require_reader`: with ``read="login"`` a request without a user gets
  401 (:class:`LoginRequired`), with ``read="public"`` everyone reads.
"""
from __future__ import annotations

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


def current_user(request: Request) -> Optional[Any]:
    """The signed-in user, or ``None``. No accounts exist yet: always ``None``
    (the editors' issue reads a signed session cookie or a bearer token here)."""
    return None


def require_reader(request: Request, user: Optional[Any] = Depends(current_user)) -> Optional[Any]:
    """Let the request read, or raise :class:`LoginRequired` (→ 401) when the
    app runs with ``read="login"`` and nobody is signed in."""
    if request.app.state.read == "login" and user is None:
        raise LoginRequired()
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
