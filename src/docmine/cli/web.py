"""``docmine web``: serve the researchers' web app (uvicorn)."""
from __future__ import annotations

from enum import Enum
from typing import Optional

import typer

from . import app
from .common import DatabaseOption, settings_from


class ReadPolicy(str, Enum):
    public = "public"
    login = "login"


@app.command("web")
def web_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every "
                                                         "interface)."),
    port: int = typer.Option(8000, "--port", "-p", min=1, max=65535, help="TCP port."),
    database: Optional[str] = DatabaseOption,
    read: ReadPolicy = typer.Option(ReadPolicy.public, "--read", case_sensitive=False,
                                    help="public: anyone reads (default); login: reading "
                                         "needs an account (none exist yet: every request "
                                         "gets 401)."),
) -> None:
    """Browse, filter, search and export in the browser: documents, action
    items, entities, citations, full text; JSON/CSV API under /api, its
    reference at /docs. Read-only: nothing is written to the database.

      docmine web            then open http://127.0.0.1:8000/

    Python: docmine.web.create_app(settings, read=...) (an ASGI app).
    """
    import uvicorn

    from ..web import create_app

    try:
        application = create_app(settings_from(database), read=read.value)
    except Exception as exc:  # a bad URL or an unreachable server: one line, no traceback
        typer.echo(f"error: cannot open the database: {type(exc).__name__}: "
                   f"{str(exc).splitlines()[0] if str(exc) else ''}", err=True)
        raise typer.Exit(2)
    typer.echo(f"docmine web: http://{host}:{port}/  (read: {read.value}; Ctrl-C stops)")
    uvicorn.run(application, host=host, port=port, log_level="warning")
