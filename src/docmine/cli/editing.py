"""``docmine users …`` and ``docmine corrections …``: accounts and the
editors' ledger, thin layers over :mod:`docmine.accounts` and
:mod:`docmine.corrections` (see docs/editing.md)."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Iterator, List, Optional

import typer

from . import app
from .common import (CliError, DatabaseOption, FormatOption, OutputFormat, check_database,
                     open_store, settings_from, write_rows)

users_app = typer.Typer(help="Accounts: viewers read, editors correct, admins also revert "
                             "(Python: docmine.accounts).", no_args_is_help=True)
corrections_app = typer.Typer(help="The editors' ledger: list, show, export for training "
                                   "(Python: docmine.corrections).", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(corrections_app, name="corrections")


class Role(str, Enum):
    viewer = "viewer"
    editor = "editor"
    admin = "admin"


@contextmanager
def _store(database: Optional[str]) -> Iterator:
    """A session on the database, created and migrated when missing (accounts
    may be made before the first ingestion)."""
    from docmine.store.db import session_scope

    settings = settings_from(database)
    check_database(settings, must_exist=False)
    with session_scope(settings) as session:
        yield session


def _password(stdin: bool) -> str:
    if stdin or not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise CliError("no password on stdin", code=2)
        return line.rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def users_add(name: str = typer.Argument(..., help="The user name (letters, digits, . _ @ -)."),
              role: Role = typer.Option(Role.editor, "--role", "-r", case_sensitive=False,
                                        help="viewer, editor or admin."),
              password_stdin: bool = typer.Option(False, "--password-stdin",
                                                  help="Read the password from stdin (also "
                                                       "when stdin is not a terminal)."),
              database: Optional[str] = DatabaseOption) -> None:
    """Create an account; the password is asked twice (or read from stdin).
    Python: docmine.accounts.add_user."""
    from docmine import accounts

    password = _password(password_stdin)
    with _store(database) as s:
        try:
            accounts.add_user(name, password, role=role.value, session=s)
        except accounts.AccountError as exc:
            raise CliError(str(exc), code=1)
    typer.echo(f"user {name} added ({role.value})")


@users_app.command("list")
def users_list(fmt: OutputFormat = FormatOption, database: Optional[str] = DatabaseOption) -> None:
    """Every account: name, role, disabled, created_at, tokens. Python: docmine.accounts.list_users."""
    from docmine import accounts

    with _store(database) as s:
        rows = accounts.list_users(session=s)
    write_rows(rows, fmt, table_columns=accounts.USER_COLUMNS, noun="user")


@users_app.command("disable")
def users_disable(name: str, database: Optional[str] = DatabaseOption) -> None:
    """Disable an account: no sign-in, its sessions and tokens stop working.
    Python: docmine.accounts.disable_user."""
    from docmine import accounts

    with _store(database) as s:
        try:
            accounts.disable_user(name, session=s)
        except accounts.AccountError as exc:
            raise CliError(str(exc), code=1)
    typer.echo(f"user {name} disabled")


@users_app.command("token")
def users_token(name: str, database: Optional[str] = DatabaseOption) -> None:
    """Make a new API token for NAME and print it (once: only its hash is
    kept). Scripts send it as `Authorization: Bearer TOKEN`. Python:
    docmine.accounts.create_token."""
    from docmine import accounts

    with _store(database) as s:
        try:
            token = accounts.create_token(name, session=s)
        except accounts.AccountError as exc:
            raise CliError(str(exc), code=1)
    typer.echo(token)


TABLE = ["id", "created_at", "editor", "edit", "status", "page", "start", "end",
         "label", "revision"]


@corrections_app.command("list")
def corrections_list(document: Optional[str] = typer.Option(None, "--document", metavar="DOC",
                                                            help="id, sha256 prefix or symbol"),
                     editor: Optional[str] = typer.Option(None, "--editor", help="a user name"),
                     target: Optional[str] = typer.Option(None, "--target", metavar="KEY",
                                                          help="a target key (mention:… or "
                                                               "action_item:…)"),
                     fmt: OutputFormat = FormatOption,
                     database: Optional[str] = DatabaseOption) -> None:
    """Ledger rows, oldest first (refused conflict rows included). Python:
    docmine.corrections.history."""
    from docmine import corrections

    with open_store(database) as s:
        try:
            rows = corrections.history(session=s, document=document, editor=editor, target=target)
        except corrections.CorrectionError as exc:
            raise CliError(exc.message, code=1)
    write_rows(rows if rows else [], fmt, table_columns=TABLE, noun="correction")


@corrections_app.command("show")
def corrections_show(correction_id: int = typer.Argument(..., metavar="ID"),
                     fmt: OutputFormat = FormatOption,
                     database: Optional[str] = DatabaseOption) -> None:
    """One ledger row with its before and after. Python: docmine.corrections.get."""
    from docmine import corrections

    with open_store(database) as s:
        try:
            row = corrections.get(correction_id, session=s)
        except corrections.CorrectionError as exc:
            raise CliError(exc.message, code=1)
    if fmt is OutputFormat.table:
        write_rows([{"field": k, "value": v} for k, v in row.items()], fmt, noun="field")
    else:
        write_rows([row], fmt, noun="correction")


@corrections_app.command("export")
def corrections_export(out_dir: Path = typer.Argument(..., metavar="OUT_DIR"),
                       document: Optional[List[str]] = typer.Option(
                           None, "--document", metavar="DOC",
                           help="Only these documents (repeatable; default: every corrected one)."),
                       all_documents: bool = typer.Option(False, "--all",
                                                          help="Every document, corrected or not."),
                       database: Optional[str] = DatabaseOption) -> None:
    """Write corrections.spacy (spaCy DocBin, for `spacy train`),
    documents.jsonl (the contract's JSON with every correction applied) and
    ledger.csv into OUT_DIR. Python: docmine.corrections.export."""
    from docmine import corrections

    with open_store(database) as s:
        try:
            res = corrections.export(out_dir, session=s, documents=document or None,
                                     only_corrected=not all_documents)
        except corrections.CorrectionError as exc:
            raise CliError(exc.message, code=1)
    typer.echo(f"{res['documents']} documents, {res['docs']} spaCy docs, {res['mentions']} "
               f"mentions, {res['action_items']} action items, {res['corrections']} ledger rows "
               f"→ {res['docbin']}, {res['jsonl']}, {res['ledger']}")
