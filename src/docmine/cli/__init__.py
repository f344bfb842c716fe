"""The ``docmine`` command line: a thin layer over the Python API.

Every command mirrors a function of the library (named in its help) and
accepts ``--database URL`` where it touches the store. Exit codes: 0 success,
1 some input failed (the rest was still processed), 2 usage error.
"""
from __future__ import annotations

import typer

app = typer.Typer(
    name="docmine",
    help=(
        "docmine mines the meeting papers of the environmental conventions "
        "(CMS, CBD, CITES…): it reads PDFs, finds the resolutions, decisions, "
        "document symbols, organisations, meetings, dates and action items they "
        "contain, and stores them in a database you can query.\n\n"
        "Start with:  docmine run   (ingests and extracts the sample corpus into "
        "./data/docmine.db), then  docmine actions  or  docmine search WORDS."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)

# command modules register themselves on ``app``
from . import ingest as _ingest  # noqa: E402,F401
from . import extract as _extract  # noqa: E402,F401
from . import query as _query  # noqa: E402,F401
from . import web as _web  # noqa: E402,F401


def main() -> None:  # console-script entry point
    app()
