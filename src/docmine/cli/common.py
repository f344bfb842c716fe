"""What every ``docmine`` command shares: one output option and writer, one
check that the database exists, one error handler.

* :data:`FormatOption` and :func:`write_rows`: every listing command takes
  ``--format table|csv|json|jsonl`` (``-f``), as sqlite-utils does. ``table``
  is a rich table that fits the terminal; ``csv`` is one table that a CSV
  reader parses (lists joined with ``"; "``, other nested values as JSON);
  ``json`` is one array of objects; ``jsonl`` one object per line.
* :func:`open_store` (read-only commands) and :func:`check_database`: a
  database URL docmine cannot use, a server it cannot reach, or — for commands
  that only read — no docmine database at that place, is one line on stderr
  and exit code 2; nothing is created.
* :class:`DocmineGroup`: the command group. Usage errors print one plain line
  on stderr (``docmine CMD: error: …``), whatever the terminal width or the
  length of a path in it; an argument that is not valid UTF-8 (and names no
  existing file) is refused; any other failure is one line, never a traceback
  (``DOCMINE_DEBUG=1`` shows it).

Exit codes: 0 success; 1 some input failed (the rest was processed) or the
thing asked for does not exist; 2 the command could not start: a usage error,
or a database that cannot be opened or does not exist.
"""
from __future__ import annotations

import csv
import json
import os
import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Sequence

import typer
from typer import _click as click  # typer ships its own copy of click: its exceptions
from typer.core import TyperCommand, TyperGroup

from docmine.records import csv_value, json_value
from docmine.settings import Settings, get_settings

DatabaseOption = typer.Option(
    None, "--database", "-d", envvar="DOCMINE_DATABASE_URL",
    help="SQLAlchemy database URL, e.g. postgresql+psycopg://user@host/db "
         "(default: SQLite file ./data/docmine.db).")


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"


FORMAT_HELP = ("table (for reading; fits the terminal), csv, json (one array) or jsonl "
               "(one object per line), for other programs: every column, lists as lists "
               "in JSON, '; '-joined in CSV.")

FormatOption = typer.Option(OutputFormat.table, "--format", "-f", case_sensitive=False,
                            help=FORMAT_HELP)

EXIT_USAGE = 2


class CliError(Exception):
    """A failure the user can act on: printed as one line, exit ``code``."""

    def __init__(self, message: str, code: int = EXIT_USAGE):
        super().__init__(message)
        self.code = code


def settings_from(database: Optional[str] = None, **overrides) -> Settings:
    """Settings in force for a CLI call: defaults < DOCMINE_* environment < options."""
    return get_settings(database_url=database, **overrides)


# ------------------------------------------------------------------ values
#: a JSON-able value (dates as ISO 8601); one CSV cell: shared with the web API's exports
plain = json_value
csv_cell = csv_value


def records(data) -> list[dict[str, Any]]:
    """Rows (a DataFrame, or a list of dicts) as plain dicts: what ``json`` prints."""
    if hasattr(data, "to_dict") and hasattr(data, "columns"):
        cols = list(data.columns)
        return [{c: plain(v) for c, v in zip(cols, row)}
                for row in data.itertuples(index=False, name=None)]
    return [{k: plain(v) for k, v in r.items()} for r in data]


# ------------------------------------------------------------------ the one writer
#: long-text columns: they get the most room in a table
WRAP_COLUMNS = ("text", "snippet", "sentence", "title", "name", "action", "actor_text",
                "cited_title", "source")


def _console(file=None):
    from rich.console import Console
    return Console(file=file or sys.stdout, highlight=False, soft_wrap=False, emoji=False,
                   markup=False)


def rich_table(rows: list[dict[str, Any]], columns: Sequence[str], *, title: str | None = None,
               highlight: dict[str, str] | None = None, width: int | None = None):
    """A rich Table of ``rows`` (plain dicts) with ``columns``: cells are
    literal text (never console markup). Wider than ``width`` (the terminal),
    the long-text columns (:data:`WRAP_COLUMNS`) share the room the others
    leave, and every cell wraps. ``highlight`` maps a column to the column of
    ``[start, end]`` offsets to show in bold (search snippets)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    cells = []
    for r in rows:
        line = []
        for c in columns:
            v = r.get(c)
            if isinstance(v, list):
                v = "; ".join("" if x is None else str(x) for x in v)
            s = "" if v is None else " ".join(str(v).split())
            txt = Text(s)
            marks = r.get((highlight or {}).get(c, ""), None)
            if marks and s == str(r.get(c)):
                for a, b in marks:
                    txt.stylize("bold reverse", a, b)
            line.append(txt)
        cells.append(line)

    widths = _fit_widths(columns, [[len(x.plain) for x in line] for line in cells],
                         width or Console().width)
    t = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
              collapse_padding=True, header_style="bold", title_justify="left")
    for c, w in zip(columns, widths):
        t.add_column(c, overflow="fold", width=w)
    for line in cells:
        t.add_row(*line)
    return t


def _fit_widths(columns: Sequence[str], lengths: list[list[int]], width: int) -> list[int]:
    """Column widths for a table ``width`` characters wide (two between
    columns): natural widths when they fit; else short columns are capped and
    the long-text columns share what is left."""
    natural = [max([len(c)] + [ln[i] for ln in lengths]) for i, c in enumerate(columns)]
    room = max(width - 2 * (len(columns) - 1), len(columns))
    if sum(natural) <= room:
        return natural
    wide = [i for i, c in enumerate(columns) if c in WRAP_COLUMNS] or \
        [max(range(len(columns)), key=lambda i: natural[i])]
    for cap in (24, 18, 14, 10, 8, 6, 4, 2, 1):
        out = [n if i in wide else min(n, cap) for i, n in enumerate(natural)]
        left = room - sum(out[i] for i in range(len(out)) if i not in wide)
        if left >= 12 * len(wide) or cap == 1:
            share = max(left // len(wide), 1)
            for i in wide:
                out[i] = min(natural[i], share)
            # give what a narrow wide column does not need to the others
            spare = left - sum(out[i] for i in wide)
            for i in wide:
                if spare <= 0:
                    break
                extra = min(natural[i] - out[i], spare)
                out[i] += extra
                spare -= extra
            return out
    return natural  # pragma: no cover


def write_rows(data, fmt: OutputFormat | str, *, table_columns: Sequence[str] | None = None,
               noun: str = "row", plural: str | None = None, title: str | None = None,
               highlight: dict[str, str] | None = None, file=None) -> None:
    """Print rows (a DataFrame or a list of dicts) in ``fmt``: the one output
    writer of every listing command. ``csv``, ``json`` and ``jsonl`` give every
    column; ``table`` the ``table_columns`` (default: all) and a closing
    count line ``(N rows)``."""
    fmt = OutputFormat(fmt)
    out = file or sys.stdout
    rows = records(data)
    columns = list(data.columns) if hasattr(data, "columns") else \
        (list(rows[0]) if rows else list(table_columns or []))
    if fmt is OutputFormat.json:
        out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    elif fmt is OutputFormat.jsonl:
        for r in rows:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    elif fmt is OutputFormat.csv:
        w = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: csv_cell(v) for k, v in r.items()})
    else:
        shown = [c for c in (table_columns or columns) if c in columns] or columns
        console = _console(out)
        if rows:
            console.print(rich_table(rows, shown, title=title, highlight=highlight,
                                     width=console.width))
        elif title:
            console.print(title)
        n = len(rows)
        console.print(f"({n} {noun if n == 1 else plural or noun + 's'})")
    out.flush()


# ------------------------------------------------------------------ the database
def _shown_url(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def check_database(settings: Settings, *, must_exist: bool) -> str:
    """Make sure the database of ``settings`` can be used, else raise
    :class:`CliError` (one line, exit 2): a URL that is not one, an unknown
    database kind, a missing driver, a server that does not answer, and, with
    ``must_exist``, no docmine database there (nothing is created: no file,
    no folder, no table). Returns the URL."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy import exc as sa_exc
    from sqlalchemy.engine import make_url

    from docmine.store.db import normalise_url

    url = normalise_url(settings.url)
    try:
        u = make_url(url)
    except sa_exc.ArgumentError:
        raise CliError(f"{url!r} is not a database URL (e.g. sqlite:///data/docmine.db or "
                       "postgresql+psycopg://user@host/db)") from None
    shown = _shown_url(url)
    try:
        u.get_dialect()
    except sa_exc.NoSuchModuleError:
        raise CliError(f"unknown kind of database {u.drivername!r} in {shown}: docmine works "
                       "with sqlite:/// and postgresql+psycopg://") from None
    except ImportError as exc:
        raise CliError(f"the driver for {u.drivername} is not installed ({exc.name or exc}); "
                       "docmine ships psycopg: use postgresql+psycopg://…") from None
    sqlite = u.get_backend_name() == "sqlite"
    if sqlite:
        database = u.database or ""
        memory = database in ("", ":memory:") or database.startswith("file::memory:")
        if memory:
            if must_exist:
                raise CliError(f"no docmine database at {shown} (an in-memory database is empty); "
                               "`docmine run` creates one")
            return url
        path = Path(database).expanduser()
        if not path.exists():
            if must_exist:
                raise CliError(f"no docmine database at {path}; `docmine run` creates one")
            return url
        if not path.is_file():
            raise CliError(f"{path} is not a database file")
    try:
        engine = create_engine(url, **({} if sqlite else {"pool_pre_ping": True}))
    except ImportError as exc:
        raise CliError(f"the driver for {u.drivername} is not installed ({exc.name or exc}); "
                       "docmine ships psycopg: use postgresql+psycopg://…") from None
    try:
        with engine.connect() as conn:
            insp = inspect(conn)
            ok = insp.has_table("alembic_version") and insp.has_table("documents")
    except sa_exc.DBAPIError as exc:
        raise CliError(f"cannot open the database {shown}: {_first_line(exc)}") from None
    finally:
        engine.dispose()
    if must_exist and not ok:
        raise CliError(f"no docmine database at {shown}; `docmine run` creates one")
    return url


@contextmanager
def open_store(database: Optional[str]) -> Iterator:
    """A session on an existing docmine database, for commands that only read
    (:func:`check_database` with ``must_exist``); commits at the end."""
    from docmine.store.db import session_scope

    settings = settings_from(database)
    check_database(settings, must_exist=True)
    with session_scope(settings) as session:
        yield session


# ------------------------------------------------------------------ the error handler
def _not_utf8(args: Iterable[str]) -> Optional[str]:
    """The first argument that is not valid UTF-8 (Python keeps such bytes as
    lone surrogates) and does not name an existing file, shown escaped."""
    for a in args:
        try:
            a.encode("utf-8")
        except UnicodeEncodeError:
            if os.path.lexists(a):  # a file name in another encoding: the command decides
                continue
            return a.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return None


def _command_name(args: Sequence[str]) -> str:
    for a in args:
        if not a.startswith("-"):
            return a
    return ""


def _echo_error(prog: str, message: str) -> None:
    line = " ".join(str(message).split())
    try:
        click.echo(f"{prog}: error: {line}", err=True)
    except UnicodeEncodeError:  # pragma: no cover - a terminal that cannot show it
        click.echo(f"{prog}: error: {line.encode('ascii', 'backslashreplace').decode()}",
                   err=True)


class DocmineGroup(TyperGroup):
    """The ``docmine`` group: one plain error line instead of boxes and tracebacks."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        if not standalone_mode:
            return super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                                standalone_mode=False, **extra)
        args = list(sys.argv[1:] if args is None else args)
        prog = prog_name or "docmine"
        cmd = _command_name(args)
        where = f"{prog} {cmd}".strip()
        # an unreachable PostgreSQL host fails in seconds, not minutes
        os.environ.setdefault("PGCONNECT_TIMEOUT", "10")
        bad = _not_utf8(args)
        if bad is not None:
            _echo_error(where, f"argument '{bad}' is not valid UTF-8")
            sys.exit(EXIT_USAGE)
        try:
            rv = super().main(args=args, prog_name=prog, complete_var=complete_var,
                              standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as e:
            e.show()  # ``docmine`` alone: its help
            sys.exit(e.exit_code)
        except click.exceptions.ClickException as e:
            ctx = getattr(e, "ctx", None)
            path = ctx.command_path if ctx is not None else where
            msg = e.format_message()
            if isinstance(e, click.exceptions.UsageError) and ctx is not None:
                msg += f" (see `{path} --help`)"
            _echo_error(path, msg)
            sys.exit(e.exit_code)
        except typer.Abort:
            _echo_error(where, "aborted")
            sys.exit(1)
        except KeyboardInterrupt:
            _echo_error(where, "interrupted")
            sys.exit(130)
        except CliError as e:
            _echo_error(where, str(e))
            sys.exit(e.code)
        except BrokenPipeError:
            sys.stderr = open(os.devnull, "w")
            sys.exit(1)
        except Exception as e:  # no traceback for anything a user can type
            if os.environ.get("DOCMINE_DEBUG") == "1":
                raise
            _echo_error(where, f"{type(e).__name__}: {_first_line(e)} "
                               "(DOCMINE_DEBUG=1 shows the traceback)")
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


class WordsCommand(TyperCommand):
    """A command whose trailing WORDS may start with ``-`` (``docmine search
    coopération -technique``): an argument that is not one of the command's
    options is a word, so the documented ``-word`` exclusion needs no ``--``."""

    def parse_args(self, ctx, args):
        takes_value, flags = set(), set()
        for p in self.params:
            if p.param_type_name == "option":
                names = list(p.opts) + list(p.secondary_opts)
                (flags if p.is_flag or p.count else takes_value).update(names)
        opts, words = [], []
        it = iter(args)
        for a in it:
            if a == "--":
                words.extend(it)
                break
            name = a.split("=", 1)[0] if a.startswith("--") else a
            if name in takes_value:
                opts.append(a)
                if "=" not in a or not a.startswith("--"):
                    nxt = next(it, None)
                    if nxt is not None:
                        opts.append(nxt)
            elif name in flags or a == "--help":
                opts.append(a)
            else:
                words.append(a)
        return super().parse_args(ctx, opts + (["--"] + words if words else []))
