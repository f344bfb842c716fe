"""docmine in the browser: the researchers' web app (FastAPI + Jinja2).

``create_app(settings, read="public")`` builds the app; ``docmine web`` serves
it with uvicorn. Pages and the JSON API are thin layers over
:mod:`docmine.query` and :mod:`docmine.documents` (the same functions, hence
the same rows, as the CLI). Nothing here writes to the database.

May import: the verbs (``docmine.query``, ``docmine.documents``), ``docmine.store``
(schema, sessions) and the base (``docmine.settings``); never ``docmine.cli``.
The editors' work adds routers here (``routers/``) and fills the templates'
``toolbar``, ``user`` and ``scripts`` blocks; :func:`deps.current_user` is
where accounts plug in.
"""
from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
