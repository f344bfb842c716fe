"""Options shared by CLI commands."""
from __future__ import annotations

from typing import Optional

import typer

from docmine.settings import Settings, get_settings

DatabaseOption = typer.Option(
    None, "--database", "-d", envvar="DOCMINE_DATABASE_URL",
    help="SQLAlchemy database URL, e.g. postgresql+psycopg://user@host/db "
         "(default: SQLite file ./data/docmine.db).")


def settings_from(database: Optional[str] = None, **overrides) -> Settings:
    """Settings in force for a CLI call: defaults < DOCMINE_* environment < options."""
    return get_settings(database_url=database, **overrides)


def text_table(rows: list[dict], columns: list[str], *, widths: dict[str, int] | None = None,
               noun: str = "row", keep_tail: tuple[str, ...] = ()) -> str:
    """Rows as an aligned plain-text table for people, one line per row, long
    cells cut with "…" (at the end, or at the start for ``keep_tail`` columns
    such as paths), and a closing count line ``(N rows)``."""
    widths = widths or {}

    def cell(col: str, v) -> str:
        if isinstance(v, list):
            v = "; ".join(map(str, v))
        s = "" if v is None else " ".join(str(v).split())
        lim = widths.get(col)
        if lim and len(s) > lim:
            s = ("…" + s[-(lim - 1):]) if col in keep_tail else (s[: lim - 1] + "…")
        return s

    cells = [[cell(c, r.get(c)) for c in columns] for r in rows]
    sizes = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, sizes)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, sizes)).rstrip() for row in cells]
    lines.append(f"({len(rows)} {noun}{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)
