"""``docmine train`` and ``docmine models list|show|promote|rollback|curve|knowledge``."""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer

from . import app
from .common import CliError, DatabaseOption, FormatOption, OutputFormat, check_database, settings_from, \
    write_rows

models_app = typer.Typer(help="Model versions: list them, show a gate report, promote one, roll back, "
                              "draw a learning curve, list the knowledge learned from corrections.",
                         no_args_is_help=True)
app.add_typer(models_app, name="models")

DataDirOption = typer.Option(None, "--data-dir", envvar="DOCMINE_DATA_DIR",
                             help="Data folder (database, artefacts under models/, training work under training/).")


def _date(value: Optional[str]) -> Optional[datetime]:
    if value is None:
        return None
    try:
        d = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"--since {value!r} is not an ISO 8601 date (e.g. 2026-11-01)") from None
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


def _tset(**overrides):
    from pydantic import ValidationError

    from docmine.settings import get_training_settings
    try:
        return get_training_settings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise CliError(f"{'.'.join(map(str, err['loc']))}: {err['msg']}") from None


def _settings(database: Optional[str], data_dir: Optional[Path], *, must_exist: bool = True):
    s = settings_from(database, data_dir=data_dir)
    check_database(s, must_exist=must_exist)
    return s


@app.command("train")
def train_cmd(
    since: Optional[str] = typer.Option(None, "--since", help="Only documents corrected on or after this "
                                                              "date (ISO 8601)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Collect and say what would be trained; "
                                                          "train and write nothing."),
    curve: bool = typer.Option(False, "--curve", help="Print the learning curve (25/50/75/100 % of the "
                                                      "corrections) instead of training a candidate."),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", min=1,
                                            help="Training steps (default: DOCMINE_TRAIN_MAX_STEPS or 400)."),
    margin: Optional[float] = typer.Option(None, "--margin", min=0.0, max=1.0,
                                           help="Micro F1 gain the gate asks (default 0.005)."),
    tolerance: Optional[float] = typer.Option(None, "--tolerance", min=0.0, max=1.0,
                                              help="Strict F1 a label may lose (default 0.01)."),
    no_promote: bool = typer.Option(False, "--no-promote", help="Keep the version in force even if "
                                                                "the gate accepts."),
    fmt: str = typer.Option("table", "--format", "-f", help="table (the gate's report) or json."),
    eval_gold: Optional[list[Path]] = typer.Option(
        None, "--eval-gold", help="Gold file or folder (NAME.gold.json beside NAME.txt) for the "
        "evaluation set instead of the dev split's (repeatable; held-back corrected documents are added)."),
    train_gold: Optional[list[Path]] = typer.Option(
        None, "--train-gold", help="Gold file or folder to train on instead of the dev split's training part "
        "(repeatable)."),
    database: Optional[str] = DatabaseOption,
    data_dir: Optional[Path] = DataDirOption,
) -> None:
    """Retrain from editors' corrections (docmine.training.train): collect the
    corrected documents and the dev gold's training split, learn the names
    editors linked (kb_overlay, used at once), fine-tune the organisation NER
    through the spaCy project models/training from the version in force (with
    rehearsal), measure candidate and version in force on one fixed evaluation
    set and promote only if the gate accepts. Exit 0 promoted or dry run,
    1 refused."""
    from docmine.training.retrain import TrainError, curve as _curve, render_curve, train

    if fmt not in ("table", "json"):
        raise CliError(f"--format must be table or json, not {fmt!r}")
    when = _date(since)
    tset = _tset(train_max_steps=max_steps, gate_margin=margin, gate_tolerance=tolerance)
    settings = _settings(database, data_dir)
    for g in (eval_gold or []) + (train_gold or []):
        if not Path(g).exists():
            raise CliError(f"no gold file or folder at {g}")
    log = (lambda m: typer.echo(m, err=True)) if fmt == "table" else None
    try:
        if curve:
            c = _curve(settings, tset=tset, log=log, train_gold=train_gold, eval_gold=eval_gold)
            if fmt == "json":
                typer.echo(json.dumps(c | {"points": [p.__dict__ for p in c["points"]]}, indent=1))
            else:
                typer.echo(render_curve(c))
            return
        res = train(settings, since=when, dry_run=dry_run, tset=tset, promote=not no_promote, log=log,
                    progress=fmt == "table" and sys.stderr.isatty(), train_gold=train_gold,
                    eval_gold=eval_gold)
    except TrainError as exc:
        raise CliError(str(exc), code=1) from None
    if fmt == "json":
        typer.echo(json.dumps(res.to_dict(), indent=1, ensure_ascii=False, default=str))
    else:
        typer.echo(res.render())
    if not dry_run and not (res.report or {}).get("accepted"):
        raise typer.Exit(1)


@models_app.command("list")
def list_cmd(fmt: OutputFormat = FormatOption, database: Optional[str] = DatabaseOption,
             data_dir: Optional[Path] = DataDirOption) -> None:
    """Every model version, newest first, the one in force marked
    (docmine.store.models.list_versions)."""
    from docmine.store.db import session_scope
    from docmine.store.models import list_versions
    settings = _settings(database, data_dir)
    with session_scope(settings) as s:
        rows = list_versions(session=s)
    for r in rows:
        r["in_force"] = "*" if r["in_force"] and fmt == OutputFormat.table else r["in_force"]
    write_rows(rows, fmt, table_columns=["in_force", "tag", "status", "verdict", "micro_f1", "created_at"], noun="version")


@models_app.command("show")
def show_cmd(version: str = typer.Argument(..., help="Tag, name or id."),
             fmt: str = typer.Option("table", "--format", "-f", help="table or json"),
             database: Optional[str] = DatabaseOption, data_dir: Optional[Path] = DataDirOption) -> None:
    """One version: its record and the gate's report."""
    from docmine.store.db import session_scope
    from docmine.store.models import ModelError, find_version
    from docmine.training.gate import GateReport
    settings = _settings(database, data_dir)
    with session_scope(settings) as s:
        try:
            row = find_version(version, session=s)
        except ModelError as exc:
            raise CliError(str(exc), code=1) from None
        rec = {"tag": row.tag, "name": row.name, "status": row.status, "verdict": row.verdict,
               "parent": row.parent, "artefact_path": row.artefact_path, "config": row.config,
               "data_hashes": row.data_hashes, "report": row.report,
               "created_at": row.created_at.isoformat() if row.created_at else None,
               "promoted_at": row.promoted_at.isoformat() if row.promoted_at else None}
    if fmt == "json":
        typer.echo(json.dumps(rec, indent=1, ensure_ascii=False, default=str))
        return
    typer.echo(f"{rec['tag']}  {rec['name']}  status {rec['status']}  artefact {rec['artefact_path']}")
    rep = rec["report"] or {}
    if rep.get("rows"):
        g = GateReport(accepted=rep["accepted"], reasons=rep["reasons"], margin=rep["margin"],
                       tolerance=rep["tolerance"], current=rep["current"], candidate=rep["candidate"],
                       rows=rep["rows"], micro=rep["micro"], eval_documents=rep["eval_documents"])
        typer.echo(g.render())
    else:
        typer.echo("(never gated)")


@models_app.command("promote")
def promote_cmd(version: str = typer.Argument(..., help="Tag, name or id (see docmine models list)."),
                database: Optional[str] = DatabaseOption, data_dir: Optional[Path] = DataDirOption) -> None:
    """Put a version in force (docmine.store.models.promote); the nightly run
    then re-extracts documents extracted by another version."""
    from docmine.store.db import session_scope
    from docmine.store.models import ModelError, promote
    settings = _settings(database, data_dir)
    with session_scope(settings) as s:
        try:
            row = promote(version, session=s)
        except ModelError as exc:
            raise CliError(str(exc), code=1) from None
        typer.echo(f"in force: {row.tag} ({row.name}); `docmine reextract` or the nightly run re-extracts "
                   "older documents")


@models_app.command("rollback")
def rollback_cmd(database: Optional[str] = DatabaseOption, data_dir: Optional[Path] = DataDirOption) -> None:
    """Put back the version in force before the current one (docmine.store.models.rollback)."""
    from docmine.store.db import session_scope
    from docmine.store.models import ModelError, register_baseline, rollback
    settings = _settings(database, data_dir)
    with session_scope(settings) as s:
        try:
            register_baseline(settings, session=s)
            old, new = rollback(session=s)
        except ModelError as exc:
            raise CliError(str(exc), code=1) from None
        typer.echo(f"rolled back: {old.tag} → {new.tag} is in force again")


@models_app.command("curve")
def curve_cmd(max_steps: Optional[int] = typer.Option(None, "--max-steps", min=1),
              database: Optional[str] = DatabaseOption, data_dir: Optional[Path] = DataDirOption) -> None:
    """The learning curve: F1 with 25/50/75/100 % of the corrections
    (docmine.training.curve); the same as `docmine train --curve`."""
    from docmine.training.retrain import TrainError, curve, render_curve
    settings = _settings(database, data_dir)
    try:
        c = curve(settings, tset=_tset(train_max_steps=max_steps), log=lambda m: typer.echo(m, err=True))
    except TrainError as exc:
        raise CliError(str(exc), code=1) from None
    typer.echo(render_curve(c))


@models_app.command("knowledge")
def knowledge_cmd(fmt: OutputFormat = FormatOption,
                  all_rows: bool = typer.Option(False, "--all", help="Also inactive rows (reverted corrections)."),
                  database: Optional[str] = DatabaseOption, data_dir: Optional[Path] = DataDirOption) -> None:
    """The knowledge learned from corrections (kb_overlay): aliases and new
    entities with the correction each came from (docmine.store.models.list_overlay)."""
    from docmine.store.db import session_scope
    from docmine.store.models import list_overlay, sync_knowledge
    settings = _settings(database, data_dir)
    with session_scope(settings) as s:
        sync_knowledge(session=s)
        rows = list_overlay(session=s, include_inactive=all_rows)
    write_rows(rows, fmt, noun="row")
