"""The ``docmine`` command line: a thin layer over the Python API.

Every command mirrors a function of the library (named in its help) and
accepts ``--database URL`` where it touches the store; every listing command
takes ``--format table|csv|json|jsonl``. Exit codes: 0 success, 1 some input
failed (the rest was still processed) or the thing asked for does not exist,
2 the command could not start (usage error; a database that cannot be
opened, or — for the commands that only read — does not exist). Errors are
one plain line on stderr (see :mod:`docmine.cli.common`).
"""
from __future__ import annotations

import typer

from .common import DocmineGroup

app = typer.Typer(
    name="docmine",
    cls=DocmineGroup,
    help=(
        "docmine mines the meeting papers of the environmental conventions "
        "(CMS, CBD, CITES…): it reads PDFs, finds the resolutions, decisions, "
        "document symbols, organisations, meetings, dates and action items they "
        "contain, and stores them in a database you can query.\n\n"
        "Start with `docmine run` (ingests and extracts the sample corpus into "
        "./data/docmine.db), then `docmine actions` or `docmine search WORDS`."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        from docmine import __version__
        try:
            v = version("docmine")
        except PackageNotFoundError:  # pragma: no cover - run from a bare checkout
            v = __version__
        typer.echo(f"docmine {v}")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True,
        help="Print docmine's version and exit.")) -> None:
    pass


# command modules register themselves on ``app``
from . import ingest as _ingest  # noqa: E402,F401
from . import extract as _extract  # noqa: E402,F401
from . import query as _query  # noqa: E402,F401
from . import web as _web  # noqa: E402,F401
from . import editing as _editing  # noqa: E402,F401
from . import training as _training  # noqa: E402,F401


def main() -> None:  # console-script entry point
    app()
