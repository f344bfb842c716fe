"""The app factory: ``create_app(settings, read="public")``.

Layout (FastAPI "bigger applications"): ``routers/pages.py`` (HTML),
``routers/api.py`` (JSON/CSV under ``/api``), ``routers/docs.py`` (the
offline API reference at ``/docs``), ``deps.py`` (session, user, language),
``templates/`` (Jinja2, autoescaped), ``static/`` (CSS, no script needed).

Every response carries a Content-Security-Policy (no inline script, no
third-party origin) and ``X-Content-Type-Options: nosniff``. Errors are JSON
``{"error": message, "status": code}`` under ``/api`` and a small HTML page
elsewhere; a bad parameter is 422 with the reason, an unknown id 404, and an
unexpected failure 500 with a one-line message (never a traceback).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal, Optional
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..settings import Settings, get_settings
from . import i18n
from .deps import LoginRequired, WebError

HERE = Path(__file__).resolve().parent
log = logging.getLogger("docmine.web")

#: the policy on every response: only this origin, no inline script or style
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
#: PDFs open in the browser's own viewer, which a strict object-src blocks
CSP_PDF = "default-src 'none'; object-src 'self'; plugin-types application/pdf; frame-ancestors 'self'"


def create_app(settings: Optional[Settings] = None,
               read: Literal["public", "login"] = "public") -> FastAPI:
    """The web app over ``settings``' database (migrated to the latest schema
    on start, as every docmine command does). ``read="public"``: anyone
    reads; ``read="login"``: reading needs an account — none exist yet, so
    every page and API call answers 401 with a message saying so."""
    from docmine.store.db import make_session_factory

    if read not in ("public", "login"):
        raise ValueError(f"read must be 'public' or 'login', not {read!r}")
    settings = settings or get_settings()
    app = FastAPI(title="docmine", version="0.1.0", docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json",
                  description="Read-only JSON API over docmine's store: the same functions "
                              "(docmine.query, docmine.documents) and rows as the CLI. "
                              "Every listing takes `format=json|csv` (the whole filtered "
                              "result, streamed) and `limit`/`offset`.")
    app.state.settings = settings
    app.state.read = read
    app.state.session_factory = make_session_factory(settings.url)
    app.state.cache_dir = Path(settings.data_dir) / "cache" / "pages"
    app.state.summary_cache = {}
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.autoescape = True  # every template, whatever its extension
    templates.env.globals["LABELS"] = ("ORG", "REF", "DOC", "MEETING", "DATE")
    app.state.templates = templates
    # signed-cookie sessions (itsdangerous): HttpOnly, SameSite=Lax, 12 hours
    from starlette.middleware.sessions import SessionMiddleware
    app.add_middleware(SessionMiddleware, secret_key=session_secret(settings.data_dir),
                       session_cookie="docmine_session", max_age=12 * 3600, same_site="lax",
                       https_only=False)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        pdf = response.headers.get("content-type", "").startswith("application/pdf")
        response.headers["Content-Security-Policy"] = CSP_PDF if pdf else CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if not pdf:
            response.headers["X-Frame-Options"] = "DENY"
        return response

    def wants_json(request: Request) -> bool:
        p = request.url.path
        return p.startswith("/api/") or p == "/api" or p.endswith(".json")

    def error(request: Request, status: int, message: str, headers: dict | None = None):
        if wants_json(request):
            return JSONResponse({"error": message, "status": status}, status_code=status,
                                headers=headers)
        lang = i18n.choose(request.query_params.get("lang"),
                           request.headers.get("accept-language"))
        return templates.TemplateResponse(
            request, "error.html", {"status": status, "message": message,
                                    **page_context(request, lang)},
            status_code=status, headers=headers)

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError):
        return error(request, exc.status, exc.message)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired):
        return error(request, 401, "reading requires an account on this server (it runs with "
                                   "--read login): sign in at /login, or send "
                                   "Authorization: Bearer <token>",
                     headers={"WWW-Authenticate": 'Bearer realm="docmine"'})

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        reasons = []
        for e in exc.errors():
            loc = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "path"))
            reasons.append(f"{loc}: {e.get('msg')}" if loc else str(e.get("msg")))
        return error(request, 422, "bad request: " + "; ".join(reasons))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        msg = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and msg == "Not Found":
            msg = f"no such page: {request.url.path}"
        return error(request, exc.status_code, msg)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):  # pragma: no cover - a bug
        log.exception("unexpected error on %s", request.url.path)
        return error(request, 500, f"internal error ({type(exc).__name__}); the server log "
                                   "has the details")

    from .routers import api, auth, docs, edit_pages, editing, pages
    app.include_router(auth.router)
    app.include_router(edit_pages.api_router)
    app.include_router(edit_pages.router)
    app.include_router(editing.router)
    app.include_router(api.router)
    app.include_router(docs.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    return app


def page_context(request: Request, lang: str) -> dict:
    """What every template gets: the language, ``t`` (labels), ``url`` (links
    that keep an explicit ``?lang=``), ``lang_url`` (this page in the other
    language), ``user`` (``{"name", "role"}`` or None) and ``csrf_token``
    (put it in every form as the hidden field ``csrf_token``)."""
    explicit = request.query_params.get("lang")

    def url(path: str, **params) -> str:
        items = [(k, v) for k, v in params.items() if v not in (None, "")]
        if explicit in i18n.LANGS and "lang" not in params:
            items.append(("lang", explicit))
        return path + ("?" + urlencode(items) if items else "")

    def lang_url(code: str) -> str:
        items = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        items.append(("lang", code))
        return request.url.path + "?" + urlencode(items)

    from .deps import LazyCsrf

    return {"lang": lang, "t": i18n.translator(lang), "url": url, "lang_url": lang_url,
            "user": getattr(request.state, "user_view", None), "path": request.url.path,
            "csrf_token": LazyCsrf(request)}


def session_secret(data_dir) -> str:
    """The key signing session cookies: ``<data_dir>/web-secret``, 64 random
    hex digits generated once (mode 600) and read by every later start."""
    import os
    import secrets

    path = Path(data_dir) / "web-secret"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it right now
            value = path.read_text(encoding="ascii").strip()
            if len(value) >= 32:
                return value
            import time
            time.sleep(0.05)
        raise RuntimeError(f"{path} holds no key: delete it and start again")
    value = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
    return value
