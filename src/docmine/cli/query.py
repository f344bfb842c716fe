"""``docmine actions``, ``cites``, ``cited-by``, ``entities``, ``entity``,
``search``: the researchers' questions, each a thin layer over one function of
:mod:`docmine.query` (same arguments, same rows)."""
from __future__ import annotations

import csv
import io
import json
import math
from enum import Enum
from typing import Any, Optional

import typer

from . import app
from .common import DatabaseOption, settings_from, text_table


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class Label(str, Enum):
    ORG = "ORG"
    REF = "REF"
    MEETING = "MEETING"
    DOC = "DOC"
    DATE = "DATE"


FormatOption = typer.Option(Format.table, "--format", "-f", case_sensitive=False,
                            help="table (for reading), csv or json (for other programs: "
                                 "every column, lists as lists in JSON, '; '-joined in CSV).")

#: columns shown in the table format (csv/json give them all)
TABLE_COLUMNS = {
    "actions": ["symbol", "page", "paragraph", "actor", "verb", "deadline_meeting",
                "deadline_date", "refs", "text"],
    "cites": ["symbol", "page", "paragraph", "text", "sentence", "actor", "verb"],
    "cited_by": ["symbol", "page", "paragraph", "label", "cited", "cited_document_id",
                 "sentence"],
    "entities": ["id", "label", "name", "treaty", "mentions", "documents"],
    "search": ["symbol", "page", "paragraph", "terms", "hits", "snippet"],
}
_WIDTH = {"text": 70, "sentence": 70, "snippet": 90, "name": 40, "symbol": 30, "refs": 30,
          "actor": 26, "cited": 28}


def _plain(v: Any) -> Any:
    """A JSON-able Python value (no numpy/pandas scalars, None for missing)."""
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    try:
        import pandas as pd
        if v is pd.NA or v is pd.NaT:
            return None
    except Exception:  # pragma: no cover
        pass
    if hasattr(v, "item"):  # numpy scalar
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def records(df) -> list[dict[str, Any]]:
    """A DataFrame's rows as plain dicts (what ``--format json`` prints)."""
    return [{c: _plain(r[c]) for c in df.columns} for _i, r in df.iterrows()]


def render(df, fmt: Format | str, what: str) -> str:
    fmt = Format(fmt).value
    rows = records(df)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(df.columns), lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: "; ".join(map(str, v)) if isinstance(v, list) else v
                        for k, v in r.items()})
        return buf.getvalue().rstrip("\n")
    cols = [c for c in TABLE_COLUMNS.get(what, list(df.columns)) if c in df.columns]
    return text_table(rows, cols, widths=_WIDTH)


def _session(database: Optional[str]):
    from docmine.store.db import session_scope
    return session_scope(settings_from(database))


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
    fmt: Format = FormatOption,
    database: Optional[str] = DatabaseOption,
) -> None:
    """Action items: who is asked to do what, by when — with the document
    symbol, page and paragraph they come from.

    Example: what the CBD asks its Executive Secretary before COP13:

      docmine actions --actor cbd-executive-secretary --due-before "CBD COP13"

    Python: docmine.query.actions(session=..., actor=..., treaty=..., verb=...,
    meeting=..., due_before=..., document=..., text=..., ref=...).
    """
    from docmine import query
    try:
        with _session(database) as session:
            df = query.actions(session=session, actor=actor, treaty=treaty, verb=verb,
                               meeting=meeting, due_before=due_before, document=document,
                               text=text, ref=ref)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    typer.echo(render(df, fmt, "actions"))


@app.command("cites")
def cites_cmd(
    entity_id: str = typer.Argument(..., metavar="ID",
                                    help="An instrument ('CMS Res 11.10', 'CBD COP Dec XII/30') "
                                         "or a document symbol ('UNEP/CMS/StC44/18.1')."),
    fmt: Format = FormatOption,
    database: Optional[str] = DatabaseOption,
) -> None:
    """Which documents cite a resolution, decision or document, with the citing
    sentence and, when the citation stands in an action item, who is asked to
    do what.

      docmine cites "CMS Res 11.10"

    Python: docmine.query.cites(entity_id, session=...).
    """
    from docmine import query
    with _session(database) as session:
        df = query.cites(entity_id, session=session)
    typer.echo(render(df, fmt, "cites"))


@app.command("cited-by")
def cited_by_cmd(
    doc: str = typer.Argument(..., metavar="DOC",
                              help="A document: id, sha256 prefix or symbol "
                                   "(see `docmine documents`)."),
    fmt: Format = FormatOption,
    database: Optional[str] = DatabaseOption,
) -> None:
    """What a document cites: resolutions, decisions and document symbols, one
    row each, with the ingested document a cited symbol stands for
    (cited_document_id) when it is in the database.

      docmine cited-by UNEP/CMS/StC44/13

    Python: docmine.query.cited_by(doc, session=...).
    """
    from docmine import query
    with _session(database) as session:
        df = query.cited_by(doc, session=session)
    typer.echo(render(df, fmt, "cited_by"))


@app.command("entities")
def entities_cmd(
    label: Optional[Label] = typer.Option(None, "--label", "-l", case_sensitive=False,
                                          help="Only one kind: ORG (organisations), REF "
                                               "(resolutions, decisions), MEETING, DOC "
                                               "(document symbols) or DATE."),
    fmt: Format = FormatOption,
    database: Optional[str] = DatabaseOption,
) -> None:
    """The things the documents mention, most mentioned first, with how many
    mentions and in how many documents. Use an id with `docmine entity ID`.

    Python: docmine.query.entities(session=..., label=...).
    """
    from docmine import query
    with _session(database) as session:
        df = query.entities(session=session, label=label.value if label else None)
    typer.echo(render(df, fmt, "entities"))


@app.command("entity")
def entity_cmd(
    entity_id: str = typer.Argument(..., metavar="ID",
                                    help="An id from `docmine entities` ('cms-secretariat', "
                                         "'CMS Res 11.10', 'CBD COP13') or a name."),
    fmt: Format = FormatOption,
    database: Optional[str] = DatabaseOption,
) -> None:
    """Everything about one entity: what it is, its names (aliases), where it
    is mentioned, in which documents, and the action items it is the actor,
    deadline or subject of. Exit code 1 when the id is unknown.

    Python: docmine.query.entity(entity_id, session=...) (a dict of DataFrames).
    """
    from docmine import query
    with _session(database) as session:
        parts = query.entity(entity_id, session=session)
    if parts["entity"].empty:
        typer.echo(f"unknown entity: {entity_id} (see `docmine entities`)", err=True)
        raise typer.Exit(1)
    if Format(fmt) == Format.json:
        typer.echo(json.dumps({k: records(v) for k, v in parts.items()}, ensure_ascii=False,
                              indent=2))
        return
    out = []
    for key, what in (("entity", None), ("aliases", None), ("documents", None),
                      ("mentions", "cites"), ("actions", "actions")):
        out.append(f"== {key}")
        out.append(render(parts[key], fmt, what or key))
    typer.echo("\n".join(out))


@app.command("search")
def search_cmd(
    words: str = typer.Argument(..., metavar="WORDS",
                                help='Words to find: pages with any of them, those with '
                                     'the most first; "a phrase" in quotes; -word to exclude.'),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="At most this many pages."),
    fmt: Format = FormatOption,
    database: Optional[str] = DatabaseOption,
) -> None:
    """Full-text search over the pages, French-aware: accents and case are
    ignored and words match their other forms (coopération, coopérations,
    cooperation). Shows the symbol, page, paragraph and a snippet around the hits.

      docmine search "coopération technique"

    Python: docmine.query.search(words, session=..., limit=...).
    """
    from docmine import query
    with _session(database) as session:
        df = query.search(words, session=session, limit=limit)
    typer.echo(render(df, fmt, "search"))
