"""Options shared by CLI commands."""
from __future__ import annotations

from typing import Optional

import typer

from ..settings import Settings, get_settings

DatabaseOption = typer.Option(
    None, "--database", "-d", envvar="DOCMINE_DATABASE_URL",
    help="SQLAlchemy database URL, e.g. postgresql+psycopg://user@host/db "
         "(default: SQLite file ./data/docmine.db).")


def settings_from(database: Optional[str] = None, **overrides) -> Settings:
    """Settings in force for a CLI call: defaults < DOCMINE_* environment < options."""
    return get_settings(database_url=database, **overrides)
