"""``docmine extract`` and ``docmine evaluate``: the extraction API on the command line.

``docmine extract FILE...`` mirrors :func:`docmine.extraction.extract.extract` (one JSON
object per line, exactly ``Extraction.to_dict()``); ``docmine evaluate``
mirrors :func:`docmine.extraction.evaluate.evaluate`.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from . import app
from .common import CliError, OutputFormat, csv_cell, settings_from, write_rows

#: columns of ``docmine extract --format csv`` (one row per mention, every file)
MENTION_COLUMNS = ["source", "label", "start", "end", "text", "ids", "attrs"]
ACTION_TABLE_COLUMNS = ["paragraph", "actor", "actor_text", "verb", "deadline", "refs", "text"]


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _mention_rows(ex) -> list[dict]:
    return [{"source": ex.document.source, "label": m.label, "start": m.start, "end": m.end,
             "text": m.text, "ids": list(m.ids), "attrs": dict(m.attrs or {})}
            for m in ex.mentions]


def _action_rows(ex) -> list[dict]:
    out = []
    for it in ex.action_items:
        dl = (it.deadline.meeting or it.deadline.date) if it.deadline else None
        out.append({"paragraph": it.paragraph, "actor": it.actor, "actor_text": it.actor_text,
                    "verb": it.verb, "deadline": dl, "refs": list(it.refs), "text": it.text})
    return out


def _extraction_table(ex) -> None:
    d = ex.document
    title = (f"{d.source}  [{d.language or '?'} · {d.treaty or '?'} · {ex.pipeline} · "
             f"{len(ex.mentions)} mentions · {len(ex.action_items)} action items]")
    if len(getattr(ex, "parts", []) or []) > 1:  # read part by part: say which part got which rules
        title += "\nparts: " + "; ".join(f"{p.start}–{p.end} {p.language or '?'} ({p.pipeline})"
                                         for p in ex.parts)
    write_rows(_mention_rows(ex), OutputFormat.table, title=title, noun="mention",
               table_columns=["label", "start", "end", "text", "ids"])
    if ex.action_items:
        write_rows(_action_rows(ex), OutputFormat.table, title="action items",
                   noun="action item", table_columns=ACTION_TABLE_COLUMNS)


@app.command("extract")
def extract_cmd(
    files: List[Path] = typer.Argument(..., metavar="FILE", help="Text (.txt, UTF-8) or PDF files."),
    format: OutputFormat = typer.Option(
        OutputFormat.json, "--format", "-f", case_sensitive=False,
        help="json or jsonl: one object per file and per line (the contract's JSON, "
             "spec section 7); csv: one row per mention of every file (source, label, "
             "start, end, text, ids, attrs); table: for reading."),
    no_ner: bool = typer.Option(False, "--no-ner", help="Skip the statistical NER (rules and knowledge base only; faster)."),
    language: Optional[str] = typer.Option(None, "--language", help="Force the language (ISO code) instead of detecting it."),
) -> None:
    """Find the mentions (resolutions, decisions, symbols, organisations,
    meetings, dates) and action items of each FILE and print them.

    Offsets are character offsets into the file's text (PDF: its pages
    joined with form feeds). Nothing is stored: use `docmine run` for that.
    Exit 1 when a file could not be read (the others are still printed).

    Example: `docmine extract paper.pdf --format table`

    Python: `docmine.extraction.extract.extract(path)` (one file) and
    `docmine.extraction.extract.extract_many(paths)`.
    """
    import csv

    from docmine.extraction.extract import ExtractError, extract_many
    from docmine.extraction.nlp import load_nlp

    settings = settings_from(use_ner=False if no_ner else None)
    nlp = load_nlp(settings)
    fmt = OutputFormat(format)
    failed = 0
    writer = None
    if fmt is OutputFormat.csv:  # one table for every file
        writer = csv.DictWriter(sys.stdout, fieldnames=MENTION_COLUMNS, lineterminator="\n")
        writer.writeheader()
    for path, res in zip(files, extract_many(list(files), settings=settings, nlp=nlp, language=language)):
        if isinstance(res, ExtractError):
            failed += 1
            typer.echo(f"docmine extract: {path}: {res.reason}", err=True)
            continue
        if fmt in (OutputFormat.json, OutputFormat.jsonl):
            sys.stdout.write(_dump(res.to_dict()) + "\n")
        elif writer is not None:
            for r in _mention_rows(res):
                writer.writerow({k: csv_cell(v) for k, v in r.items()})
        else:
            _extraction_table(res)
        sys.stdout.flush()
    sys.stdout.flush()
    if failed:
        raise typer.Exit(1)


#: columns of ``docmine evaluate --format csv|jsonl|table``: one row per label, the
#: micro totals, and the action items (p/r/f1 are strict for mentions)
EVAL_COLUMNS = ["label", "gold", "pred", "matched", "p", "r", "f1", "lenient_p", "lenient_r",
                "lenient_f1", "ids_accuracy", "ids_correct", "ids_n", "actor", "verb",
                "deadline"]


def eval_rows(scores: dict) -> list[dict]:
    """The scores of :func:`docmine.extraction.evaluate.evaluate` as one table: a row per
    label, ``micro``, and ``action items``."""
    rows = []
    for label, f in list(scores["labels"].items()) + [("micro", scores["micro"])]:
        rows.append({"label": label, "gold": f["gold"], "pred": f["pred"], "matched": None,
                     "p": f["strict"]["p"], "r": f["strict"]["r"], "f1": f["strict"]["f1"],
                     "lenient_p": f["lenient"]["p"], "lenient_r": f["lenient"]["r"],
                     "lenient_f1": f["lenient"]["f1"], "ids_accuracy": f["ids"]["accuracy"],
                     "ids_correct": f["ids"]["correct"], "ids_n": f["ids"]["n"],
                     "actor": None, "verb": None, "deadline": None})
    a = scores["actions"]
    rows.append({"label": "action items", **{c: None for c in EVAL_COLUMNS[1:]},
                 **{k: a[k] for k in ("gold", "pred", "matched", "p", "r", "f1", "actor",
                                      "verb", "deadline")}})
    return rows


def _rounded(rows: list[dict]) -> list[dict]:
    return [{k: (f"{v:.3f}" if isinstance(v, float) else v) for k, v in r.items()} for r in rows]


@app.command("evaluate")
def evaluate_cmd(
    gold_dir: Optional[Path] = typer.Argument(
        None, help="Folder of NAME.txt + NAME.gold.json pairs (default: ../shared/corpus/dev beside the repository)."),
    format: OutputFormat = typer.Option(
        OutputFormat.table, "--format", "-f", case_sensitive=False,
        help="table (for reading); json: the whole score object; csv or jsonl: one row per "
             "label, micro, and action items."),
    check_floors: bool = typer.Option(False, "--check-floors",
                                      help="Exit 1 when a figure falls below its floor in models/eval_floor.json."),
    no_ner: bool = typer.Option(False, "--no-ner", help="Evaluate without the statistical NER."),
) -> None:
    """Score the extractor against hand-annotated gold files (spec §8).

    Per label strict and lenient precision/recall/F1 and id accuracy, micro
    totals, and the action items (F1; actor, verb and deadline accuracy).
    With --check-floors, exit 1 when a figure falls below its floor.

    Example: `docmine evaluate --check-floors`

    Python: `docmine.extraction.evaluate.evaluate(gold_dir, settings=...)`.
    """
    from docmine.extraction.evaluate import DEFAULT_GOLD_DIR, check_floors as _check, evaluate, load_floors

    gdir = gold_dir or DEFAULT_GOLD_DIR
    if not gdir.is_dir():
        raise CliError(f"{gdir}: no such folder")
    settings = settings_from(use_ner=False if no_ner else None)
    try:
        scores = evaluate(gdir, settings=settings)
    except FileNotFoundError as exc:
        raise CliError(str(exc)) from None
    fmt = OutputFormat(format)
    if fmt is OutputFormat.json:
        sys.stdout.write(_dump(scores) + "\n")
    elif fmt is OutputFormat.table:
        write_rows(_rounded(eval_rows(scores)), fmt, noun="row",
                   title=f"{scores['documents']} documents (p/r/f1: strict)")
    else:
        write_rows(eval_rows(scores), fmt)
    if check_floors:
        failures = _check(scores, load_floors())
        for f in failures:
            typer.echo(f"below floor: {f}", err=True)
        if failures:
            raise typer.Exit(1)
