"""``docmine extract`` and ``docmine evaluate``: the extraction API on the command line.

``docmine extract FILE...`` mirrors :func:`docmine.extraction.extract.extract` (one JSON
object per line, exactly ``Extraction.to_dict()``); ``docmine evaluate``
mirrors :func:`docmine.extraction.evaluate.evaluate`.
"""
from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from . import app
from .common import settings_from


class ExtractFormat(str, Enum):
    json = "json"
    table = "table"


class EvalFormat(str, Enum):
    table = "table"
    json = "json"


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _extraction_table(ex, console) -> None:
    from rich.table import Table

    d = ex.document
    title = f"{d.source}  [{d.language or '?'} · {d.treaty or '?'} · {ex.pipeline} · {len(ex.mentions)} mentions · {len(ex.action_items)} action items]"
    if len(getattr(ex, "parts", []) or []) > 1:  # read part by part: say which part got which rules
        title += "\nparts: " + "; ".join(f"{p.start}–{p.end} {p.language or '?'} ({p.pipeline})" for p in ex.parts)
    t = Table(title=title, show_lines=False, expand=False)
    for col in ("label", "start", "end", "text", "ids"):
        t.add_column(col, overflow="fold")
    for m in ex.mentions:
        t.add_row(m.label, str(m.start), str(m.end), " ".join(m.text.split()), ", ".join(m.ids))
    console.print(t)
    if ex.action_items:
        a = Table(title="action items", show_lines=True)
        for col in ("¶", "actor", "verb", "deadline", "refs", "text"):
            a.add_column(col, overflow="fold")
        for it in ex.action_items:
            dl = it.deadline.meeting or it.deadline.date if it.deadline else ""
            a.add_row(it.paragraph or "", f"{it.actor or '—'}\n({it.actor_text})", it.verb, dl or "",
                      ", ".join(it.refs), " ".join(it.text.split()))
        console.print(a)


@app.command("extract")
def extract_cmd(
    files: List[Path] = typer.Argument(..., metavar="FILE...", help="Text (.txt, UTF-8) or PDF files."),
    format: ExtractFormat = typer.Option(ExtractFormat.json, "--format", "-f",
                                         help="json: one object per line (the contract's JSON); table: for reading."),
    no_ner: bool = typer.Option(False, "--no-ner", help="Skip the statistical NER (rules and knowledge base only; faster)."),
    language: Optional[str] = typer.Option(None, "--language", help="Force the language (ISO code) instead of detecting it."),
) -> None:
    """Find the mentions (resolutions, decisions, symbols, organisations,
    meetings, dates) and action items of each FILE and print them.

    Mirrors [bold]docmine.extraction.extract.extract()[/bold]. Offsets are character
    offsets into the file's text (PDF: its pages joined with form feeds).
    Nothing is stored: use [bold]docmine run[/bold] for that.
    Exit 1 when a file could not be read (the others are still printed).

    Example: [bold]docmine extract paper.pdf --format table[/bold]
    """
    from rich.console import Console

    from docmine.extraction.extract import ExtractError, extract_many
    from docmine.extraction.nlp import load_nlp

    settings = settings_from(use_ner=False if no_ner else None)
    nlp = load_nlp(settings)
    console = Console()
    failed = 0
    for path, res in zip(files, extract_many(list(files), settings=settings, nlp=nlp, language=language)):
        if isinstance(res, ExtractError):
            failed += 1
            typer.echo(f"docmine extract: {path}: {res.reason}", err=True)
            continue
        if format is ExtractFormat.json:
            sys.stdout.write(_dump(res.to_dict()) + "\n")
        else:
            _extraction_table(res, console)
    sys.stdout.flush()
    if failed:
        raise typer.Exit(1)


def _eval_tables(scores: dict, console) -> None:
    from rich.table import Table

    t = Table(title=f"mentions ({scores['documents']} documents)")
    for col in ("label", "gold", "pred", "strict P", "strict R", "strict F1",
                "lenient P", "lenient R", "lenient F1", "ids acc"):
        t.add_column(col, justify="right" if col != "label" else "left")
    rows = list(scores["labels"].items()) + [("micro", scores["micro"])]
    for label, f in rows:
        t.add_row(label, str(f["gold"]), str(f["pred"]),
                  *(f"{f[m][k]:.3f}" for m in ("strict", "lenient") for k in ("p", "r", "f1")),
                  f"{f['ids']['accuracy']:.3f} ({f['ids']['correct']}/{f['ids']['n']})")
    console.print(t)
    a = scores["actions"]
    at = Table(title="action items")
    for col in ("gold", "pred", "matched", "P", "R", "F1", "actor", "verb", "deadline"):
        at.add_column(col, justify="right")
    at.add_row(str(a["gold"]), str(a["pred"]), str(a["matched"]),
               *(f"{a[k]:.3f}" for k in ("p", "r", "f1", "actor", "verb", "deadline")))
    console.print(at)


@app.command("evaluate")
def evaluate_cmd(
    gold_dir: Optional[Path] = typer.Argument(
        None, help="Folder of NAME.txt + NAME.gold.json pairs (default: ../shared/corpus/dev beside the repository)."),
    format: EvalFormat = typer.Option(EvalFormat.table, "--format", "-f", help="table for people, json for scripts."),
    check_floors: bool = typer.Option(False, "--check-floors",
                                      help="Exit 1 when a figure falls below its floor in models/eval_floor.json."),
    no_ner: bool = typer.Option(False, "--no-ner", help="Evaluate without the statistical NER."),
) -> None:
    """Score the extractor against hand-annotated gold files (spec §8).

    Mirrors [bold]docmine.extraction.evaluate.evaluate()[/bold]: per label strict and
    lenient precision/recall/F1 and id accuracy, micro totals, and the action
    items (F1; actor, verb and deadline accuracy).
    With --check-floors, exit 1 when a figure falls below its floor.

    Example: [bold]docmine evaluate --check-floors[/bold]
    """
    from rich.console import Console

    from docmine.extraction.evaluate import DEFAULT_GOLD_DIR, check_floors as _check, evaluate, load_floors

    gdir = gold_dir or DEFAULT_GOLD_DIR
    if not gdir.is_dir():
        typer.echo(f"docmine evaluate: {gdir}: no such folder", err=True)
        raise typer.Exit(2)
    settings = settings_from(use_ner=False if no_ner else None)
    try:
        scores = evaluate(gdir, settings=settings)
    except FileNotFoundError as exc:
        typer.echo(f"docmine evaluate: {exc}", err=True)
        raise typer.Exit(2)
    if format is EvalFormat.json:
        sys.stdout.write(_dump(scores) + "\n")
    else:
        _eval_tables(scores, Console(width=max(Console().width, 130)))
    if check_floors:
        failures = _check(scores, load_floors())
        for f in failures:
            typer.echo(f"below floor: {f}", err=True)
        if failures:
            raise typer.Exit(1)
