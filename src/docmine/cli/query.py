"""``docmine actions``, ``cites``, ``cited-by``, ``entities``, ``entity``,
``search``: the researchers' questions, each a thin layer over one function of
:mod:`docmine.query` (same arguments, same rows)."""
from __future__ import annotations

from enum import Enum
from typing import List, Optional

import typer

from . import app
from .common import (CliError, DatabaseOption, FormatOption, OutputFormat, WordsCommand,
                     open_store, records, write_rows)

__all__ = ["records", "render"]


class Label(str, Enum):
    ORG = "ORG"
    REF = "REF"
    MEETING = "MEETING"
    DOC = "DOC"
    DATE = "DATE"


class Part(str, Enum):
    entity = "entity"
    aliases = "aliases"
    documents = "documents"
    mentions = "mentions"
    actions = "actions"


#: columns shown in the table format (csv/json/jsonl give them all)
TABLE_COLUMNS = {
    "actions": ["symbol", "page", "paragraph", "actor", "verb", "deadline_meeting",
                "deadline_date", "refs", "text"],
    "cites": ["symbol", "page", "paragraph", "text", "sentence", "actor", "verb"],
    "cited_by": ["symbol", "page", "paragraph", "label", "cited", "cited_document_id",
                 "sentence"],
    "entities": ["id", "label", "name", "treaty", "mentions", "documents"],
    "search": ["symbol", "page", "paragraph", "terms", "hits", "snippet"],
    "mentions": ["symbol", "page", "paragraph", "text", "sentence", "actor", "verb"],
}


def _write(df, fmt, what: str, noun: str = "row", **kw) -> None:
    write_rows(df, fmt, table_columns=TABLE_COLUMNS.get(what), noun=noun, **kw)


def render(df, fmt: OutputFormat | str, what: str) -> str:
    """What ``docmine <what> --format fmt`` prints for ``df``, as a string
    (without the final newline): the same writer, into a buffer."""
    import io
    buf = io.StringIO()
    _write(df, fmt, what, file=buf)
    return buf.getvalue().rstrip("\n")


@app.command("actions")
def actions_cmd(
    actor: Optional[str] = typer.Option(
        None, "--actor", "-a", metavar="ID",
        help="Who is asked: an organisation id such as cbd-executive-secretary, "
             "cms-standing-committee, parties (see `docmine entities --label ORG`), or a name."),
    treaty: Optional[str] = typer.Option(None, "--treaty", "-t", help="CMS, CBD, CITES…"),
    verb: Optional[str] = typer.Option(None, "--verb", help="The request's infinitive: prier, "
                                                          "inviter, examiner…"),
    meeting: Optional[str] = typer.Option(None, "--meeting", "-m", metavar="MEETING",
                                          help="Due at this meeting, e.g. 'CMS StC45'."),
    due_before: Optional[str] = typer.Option(
        None, "--due-before", metavar="DATE|MEETING",
        help="Due before a date (2016-12-31) or a meeting ('CBD COP13': an earlier meeting "
             "of the same body, or a date before it)."),
    document: Optional[str] = typer.Option(None, "--document", metavar="DOC",
                                           help="One document: id, sha256 prefix or symbol."),
    text: Optional[str] = typer.Option(None, "--text", metavar="WORDS",
                                       help="Words the item's text must contain (accents "
                                            "and case ignored)."),
    ref: Optional[str] = typer.Option(None, "--ref", metavar="ID",
                                      help="Items that refer to this resolution, decision or "
                                           "document, e.g. 'CMS Res 11.10'."),
    fmt: OutputFormat = FormatOption,
    database: Optional[str] = DatabaseOption,
) -> None:
    """Action items: who is asked to do what, by when — with the document
    symbol, page and paragraph they come from.

    Example, what the CBD asks its Executive Secretary before COP13:
    `docmine actions --actor cbd-executive-secretary --due-before "CBD COP13"`

    Python: `docmine.query.actions(session=..., actor=..., treaty=..., verb=...,
    meeting=..., due_before=..., document=..., text=..., ref=...)`.
    """
    from docmine import query
    with open_store(database) as session:
        try:
            df = query.actions(session=session, actor=actor, treaty=treaty, verb=verb,
                               meeting=meeting, due_before=due_before, document=document,
                               text=text, ref=ref)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    _write(df, fmt, "actions", noun="action item")


@app.command("cites")
def cites_cmd(
    entity_id: str = typer.Argument(..., metavar="ID",
                                    help="An instrument ('CMS Res 11.10', 'CBD COP Dec XII/30') "
                                         "or a document symbol ('UNEP/CMS/StC44/18.1')."),
    fmt: OutputFormat = FormatOption,
    database: Optional[str] = DatabaseOption,
) -> None:
    """Which documents cite a resolution, decision or document, with the citing
    sentence and, when the citation stands in an action item, who is asked to
    do what.

    Example: `docmine cites "CMS Res 11.10"`

    Python: `docmine.query.cites(entity_id, session=...)`.
    """
    from docmine import query
    with open_store(database) as session:
        df = query.cites(entity_id, session=session)
    _write(df, fmt, "cites", noun="citation")


@app.command("cited-by")
def cited_by_cmd(
    doc: str = typer.Argument(..., metavar="DOC",
                              help="A document: id, sha256 prefix or symbol "
                                   "(see `docmine documents`)."),
    fmt: OutputFormat = FormatOption,
    database: Optional[str] = DatabaseOption,
) -> None:
    """What a document cites: resolutions, decisions and document symbols, one
    row each, with the ingested document a cited symbol stands for
    (cited_document_id) when it is in the database.

    Example: `docmine cited-by UNEP/CMS/StC44/13`

    Python: `docmine.query.cited_by(doc, session=...)`.
    """
    from docmine import query
    with open_store(database) as session:
        df = query.cited_by(doc, session=session)
    _write(df, fmt, "cited_by", noun="citation")


@app.command("entities")
def entities_cmd(
    label: Optional[Label] = typer.Option(None, "--label", "-l", case_sensitive=False,
                                          help="Only one kind: ORG (organisations), REF "
                                               "(resolutions, decisions), MEETING, DOC "
                                               "(document symbols) or DATE."),
    fmt: OutputFormat = FormatOption,
    database: Optional[str] = DatabaseOption,
) -> None:
    """The things the documents mention, most mentioned first, with how many
    mentions and in how many documents. Use an id with `docmine entity ID`.

    Python: `docmine.query.entities(session=..., label=...)`.
    """
    from docmine import query
    with open_store(database) as session:
        df = query.entities(session=session, label=label.value if label else None)
    _write(df, fmt, "entities", noun="entity", plural="entities")


@app.command("entity")
def entity_cmd(
    entity_id: str = typer.Argument(..., metavar="ID",
                                    help="An id from `docmine entities` ('cms-secretariat', "
                                         "'CMS Res 11.10', 'CBD COP13') or a name."),
    part: Optional[Part] = typer.Option(
        None, "--part", "-p", case_sensitive=False,
        help="Only this table: entity, aliases, documents, mentions or actions. table and "
             "json give all of them by default; csv and jsonl print one table (default: "
             "mentions)."),
    fmt: OutputFormat = FormatOption,
    database: Optional[str] = DatabaseOption,
) -> None:
    """Everything about one entity: what it is, its names (aliases), in which
    documents and where it is mentioned, and the action items it is the actor,
    deadline or subject of. Exit code 1 when the id is unknown.

    Python: `docmine.query.entity(entity_id, session=...)` (a dict of DataFrames).
    """
    from docmine import query
    with open_store(database) as session:
        parts = query.entity(entity_id, session=session)
    if parts["entity"].empty:
        raise CliError(f"unknown entity: {entity_id} (see `docmine entities`)", code=1)
    fmt = OutputFormat(fmt)
    if part is None and fmt is OutputFormat.json:
        import json
        import sys
        sys.stdout.write(json.dumps({k: records(v) for k, v in parts.items()},
                                    ensure_ascii=False, indent=2) + "\n")
        return
    if part is None and fmt is OutputFormat.table:
        for key in ("entity", "aliases", "documents", "mentions", "actions"):
            _write(parts[key], fmt, key, title=key)
        return
    key = (part or Part.mentions).value
    _write(parts[key], fmt, key)


@app.command("search", cls=WordsCommand)
def search_cmd(
    words: List[str] = typer.Argument(
        ..., metavar="WORDS",
        help='Words to find: pages with any of them, those with the most first; "a phrase" '
             "in quotes, or a document symbol such as UNEP/CMS/StC52/11, is one term; "
             "coop* is a prefix; -word excludes (no quotes or -- needed)."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=10_000,
                              help="At most this many pages."),
    fmt: OutputFormat = FormatOption,
    database: Optional[str] = DatabaseOption,
) -> None:
    """Full-text search over the pages, French-aware: accents and case are
    ignored, words match their other forms (coopération, coopérations,
    cooperation), and function words (le, de, sont…) are left out. The same
    pages, in the same order, on SQLite and PostgreSQL. Shows the symbol, page,
    paragraph and a snippet around the hits.

    Example: `docmine search coopération technique -Afrique`

    Python: `docmine.query.search(words, session=..., limit=...)`.
    """
    from docmine import query
    from docmine.store.search import SearchQueryError
    with open_store(database) as session:
        try:
            df = query.search(" ".join(words), session=session, limit=limit)
        except SearchQueryError as exc:
            raise CliError(str(exc)) from None
    _write(df, fmt, "search", noun="page", highlight={"snippet": "highlights"})
