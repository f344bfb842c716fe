"""``docmine ingest``, ``docmine documents``, ``docmine show``: PDFs into the
store, and a look at what is stored."""
from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any, List, Optional

import typer

from . import app
from .common import (CliError, DatabaseOption, FormatOption, OutputFormat, check_database,
                     open_store, settings_from, write_rows)


class Backend(str, Enum):
    pypdfium2 = "pypdfium2"
    pdfplumber = "pdfplumber"


@app.command("ingest")
def ingest_cmd(
    paths: List[Path] = typer.Argument(
        ..., exists=True, readable=True, show_default=False, metavar="PATH",
        help="PDF files, or folders searched recursively for PDFs."),
    database: Optional[str] = DatabaseOption,
    backend: Optional[Backend] = typer.Option(
        None, "--backend", "-b", case_sensitive=False,
        help="How text is taken out of the PDF: pypdfium2 (fast, default) or "
             "pdfplumber (slower, layout-precise)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar; only the summary."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Store PDFs in the database: their text page by page, with headers,
    footers and footnotes marked, the language, and the document's own symbol,
    title and date.

    The same file is never stored twice (it is recognised by its content, so
    running the command again only adds what is new); a changed file at the
    same path is stored as a new version. Files that cannot be read are listed
    with the reason and the others are still stored; a scan without a text
    layer is stored and flagged "needs OCR".

    Exit code: 0 when every file was stored or already there, 1 when any
    failed.

    Python: `docmine.ingest.ingest_paths(paths, settings=...)`.
    """
    from docmine.ingest import ingest_paths

    settings = settings_from(database, pdf_backend=backend.value if backend else None)
    check_database(settings, must_exist=False)
    summary = ingest_paths(paths, settings=settings, progress=not quiet and not as_json,
                           trigger="cli")
    if as_json:
        typer.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(summary.render())
    raise typer.Exit(summary.exit_code)


@app.command("documents")
def documents_cmd(
    database: Optional[str] = DatabaseOption,
    fmt: OutputFormat = FormatOption,
    treaty: Optional[str] = typer.Option(None, "--treaty", "-t", help="CMS, CBD, CITES…"),
    year: Optional[str] = typer.Option(None, "--year", help="Year of the document's date."),
    language: Optional[str] = typer.Option(None, "--language", help="fr, en, es…"),
    status: Optional[str] = typer.Option(None, "--status", help="ok or needs_ocr."),
    body: Optional[str] = typer.Option(None, "--body", help="The issuing body: COP, StC, "
                                                            "SBSTTA, SC…"),
    sort: str = typer.Option("id", "--sort", help="id, symbol, title, date, pages, language, "
                                                  "treaty or status; -date for newest first."),
) -> None:
    """List the documents in the database: id, symbol, title, number of pages,
    language, status ("ok", or "needs_ocr" for a scan without text), where it
    came from, and its version (2, 3… when a file changed at the same path);
    csv/json add treaty, date and body.

    Use an id, a sha256 prefix or the symbol with `docmine show`.

    Python: `docmine.documents.list_documents(session=..., treaty=..., year=...,
    language=..., status=..., body=..., sort=...)`.
    """
    from docmine.documents import TABLE_COLUMNS, list_documents

    with open_store(database) as session:
        try:
            rows = list_documents(session=session, treaty=treaty, year=year, language=language,
                                  status=status, body=body, sort=sort)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    write_rows(rows, fmt, table_columns=TABLE_COLUMNS, noun="document")


def _render_view(view: dict[str, Any], body: bool) -> str:
    meta = view["document"]
    lines = [f"{k}: {json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v}"
             for k, v in meta.items() if v is not None]
    for p in view["pages"]:
        lines.append("")
        what = "body" if body else "text"
        lines.append(f"--- page {p['number']} ({p['language'] or '?'}, {p['char_count']} chars, {what}) ---")
        lines.append("[no text layer: needs OCR]" if p["text"] is None else p["text"])
    return "\n".join(lines)


@app.command("show")
def show_cmd(
    doc: str = typer.Argument(..., metavar="DOC",
                              help="Document id, sha256 prefix (4+ hex digits) or symbol."),
    page: Optional[int] = typer.Option(None, "--page", "-p", min=1, help="Only this page (1-based)."),
    body: bool = typer.Option(False, "--body",
                              help="Print the body text only: running headers, footers and "
                                   "footnotes left out."),
    database: Optional[str] = DatabaseOption,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Show one stored document: its metadata (symbol, title, date, language,
    source, version…) and the text of its pages exactly as stored.

    Python: `docmine.documents.get_document(key, session=...)` and
    `docmine.documents.document_view(doc, page=..., body=...)`.
    """
    from docmine.documents import document_view, get_document

    with open_store(database) as session:
        try:
            view = document_view(get_document(doc, session=session), page=page, body=body)
        except LookupError as exc:
            raise CliError(str(exc.args[0] if exc.args else exc)) from None
    if as_json:
        typer.echo(json.dumps(view, ensure_ascii=False, indent=2))
    else:
        typer.echo(_render_view(view, body))
