"""Ingestion: PDFs in, documents and pages in the database.

:func:`ingest_paths` takes files and folders (searched recursively for PDFs)
and stores each distinct PDF once:

* the sha256 of the bytes is computed first: bytes already stored are
  **skipped** without being parsed;
* a changed file at a path seen before becomes a new **version** of that
  document (``source_key`` = the resolved path or the URL, ``version`` =
  previous + 1, ``supersedes_id`` → the previous version);
* each document is written with all its pages in **one transaction**: an
  interrupted run leaves no half-written document, and running it again
  completes the job; the unique sha256 makes two concurrent runs unable to
  store a document twice (the loser records it as skipped);
* unreadable input (empty, not a PDF, truncated, encrypted…) is recorded as
  **failed** with a code and a one-line reason, and the other files go on;
  a scan without a text layer is stored with status ``needs_ocr`` and pages
  whose text is NULL.

Every call records one :class:`~docmine.store.schema.IngestRun` with one
:class:`~docmine.store.schema.IngestItem` per input, and returns an
:class:`IngestSummary`.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence, Union

from sqlalchemy import select, text as sql_text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from docmine.store.db import begin_write
from docmine.store.schema import Document, IngestItem, IngestRun, Page, utcnow
from docmine.settings import Settings

__all__ = [
    "IngestOutcome", "IngestSummary", "ingest_paths", "ingest_file", "find_pdfs", "sha256_file",
    "sha256_bytes", "document_exists", "is_pdf_file", "source_key_for",
]

PathLike = Union[str, os.PathLike]
OUTCOMES = ("new", "skipped", "failed", "needs_ocr")
_CHUNK = 1 << 20
#: namespace of the PostgreSQL advisory locks taken per source_key
_PG_VERSION_LOCK = 7_320_012


# --------------------------------------------------------------------------- results
@dataclass
class IngestOutcome:
    """What happened to one input: ``outcome`` in new|skipped|failed|needs_ocr."""

    source: str
    outcome: str
    document_id: Optional[int] = None
    reason: Optional[str] = None
    error_code: Optional[str] = None
    pages: int = 0
    sha256: Optional[str] = None
    size: Optional[int] = None
    version: Optional[int] = None
    language: Optional[str] = None
    seconds: float = 0.0

    @property
    def stored(self) -> bool:
        """The input's bytes are in the store (now or before)."""
        return self.outcome != "failed"

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class IngestSummary:
    """The figures of one :func:`ingest_paths` call."""

    run_id: Optional[int] = None
    outcomes: list[IngestOutcome] = field(default_factory=list)
    seconds: float = 0.0

    def _count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    @property
    def new(self) -> int:
        """Documents stored by this call with a text layer."""
        return self._count("new")

    @property
    def needs_ocr(self) -> int:
        """Documents stored by this call without a text layer (scans)."""
        return self._count("needs_ocr")

    @property
    def skipped(self) -> int:
        """Inputs whose bytes were already stored."""
        return self._count("skipped")

    @property
    def failed(self) -> list[IngestOutcome]:
        """Inputs that could not be read, with ``error_code`` and ``reason``."""
        return [o for o in self.outcomes if o.outcome == "failed"]

    @property
    def pages(self) -> int:
        """Pages stored by this call."""
        return sum(o.pages for o in self.outcomes if o.outcome in ("new", "needs_ocr"))

    @property
    def languages(self) -> Counter:
        """Documents stored by this call, per language (``None``: undetermined)."""
        return Counter(o.language for o in self.outcomes if o.outcome in ("new", "needs_ocr"))

    @property
    def document_ids(self) -> list[int]:
        """Ids of the documents stored by this call (new and needs_ocr), in order."""
        return [o.document_id for o in self.outcomes
                if o.outcome in ("new", "needs_ocr") and o.document_id is not None]

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else 0.0

    @property
    def exit_code(self) -> int:
        """0 when every input was stored or skipped, 1 when any failed."""
        return 1 if self.failed else 0

    def to_dict(self) -> dict[str, Any]:
        """The summary as stored in ``ingest_runs.summary``."""
        return {
            "inputs": len(self.outcomes),
            "new": self.new,
            "needs_ocr": self.needs_ocr,
            "skipped": self.skipped,
            "failed": len(self.failed),
            "failures": [{"source": o.source, "code": o.error_code, "reason": o.reason}
                         for o in self.failed],
            "scans": [o.source for o in self.outcomes if o.outcome == "needs_ocr"],
            "pages": self.pages,
            "languages": {str(k): v for k, v in sorted(self.languages.items(), key=lambda kv: str(kv[0]))},
            "seconds": round(self.seconds, 3),
            "pages_per_second": round(self.pages_per_second, 1),
            "exit_code": self.exit_code,
        }

    def render(self) -> str:
        """The summary as the CLI prints it (plain text)."""
        langs = ", ".join(f"{k or 'unknown'} {v}" for k, v in
                          sorted(self.languages.items(), key=lambda kv: (-kv[1], str(kv[0]))))
        lines = [
            f"Documents: {self.new} new, {self.needs_ocr} need OCR (no text layer), "
            f"{self.skipped} skipped (already stored), {len(self.failed)} failed"
            f" — {len(self.outcomes)} input(s)",
            f"Pages: {self.pages} in {self.seconds:.2f} s ({self.pages_per_second:.1f} pages/s)",
            f"Languages: {langs or '-'}",
        ]
        if not self.outcomes:
            lines.append("No PDF found in the given paths.")
        scans = [o for o in self.outcomes if o.outcome == "needs_ocr"]
        if scans:
            lines.append("Stored without text (needs OCR):")
            lines += [f"  {o.source}: {o.reason}" for o in scans]
        if self.failed:
            lines.append("Failed:")
            lines += [f"  {o.source}: [{o.error_code}] {o.reason}" for o in self.failed]
        if self.run_id is not None:
            lines.append(f"Ingest run: {self.run_id}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- files
def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: PathLike) -> str:
    """Hex sha256 of a file's bytes (streamed)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def is_pdf_file(path: PathLike) -> bool:
    """A ``.pdf`` name, or ``%PDF-`` in the first 1024 bytes."""
    p = Path(path)
    if p.suffix.lower() == ".pdf":
        return True
    try:
        with open(p, "rb") as fh:
            return b"%PDF-" in fh.read(1024)
    except OSError:
        return False


def find_pdfs(paths: Iterable[PathLike]) -> list[Path]:
    """The files to ingest: files as given (whatever they hold, so a bad file
    named explicitly is reported), folders searched recursively for PDFs (by
    extension or magic bytes; hidden entries skipped). Order: as given, each
    folder sorted; duplicates removed. A missing path raises FileNotFoundError."""
    out: list[Path] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            out.append(p)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if any(part.startswith(".") for part in rel):
                    continue
                if f.is_file() and is_pdf_file(f):
                    add(f)
        elif p.exists():
            add(p)
        else:
            raise FileNotFoundError(f"no such file or folder: {p}")
    return out


def source_key_for(path: PathLike, source: Optional[str] = None) -> str:
    """What versions of one document share: the URL, else the resolved path."""
    if source and "://" in source:
        return source
    return str(Path(path).resolve())


def document_exists(sha256: str, *, session: Session) -> Optional[int]:
    """The id of the stored document with these bytes, or None."""
    return session.scalar(select(Document.id).where(Document.sha256 == sha256))


# --------------------------------------------------------------------------- one file
def _one_line(text: Any, limit: int = 300) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _block_dict(b: Any) -> dict[str, Any]:
    if isinstance(b, dict):
        return {"kind": b["kind"], "start": int(b["start"]), "end": int(b["end"])}
    return {"kind": b.kind, "start": int(b.start), "end": int(b.end)}


def _page_rows(doc, *, scan: bool) -> list[Page]:
    """Page rows for a read document; ``doc_offset`` follows the "\\f" join."""
    rows: list[Page] = []
    offset = 0
    for p in doc.pages:
        text = p.text
        if scan and text is not None and not text.strip():
            text = None  # no text layer: NULL, never "" posing as content
        rows.append(Page(
            number=p.number, text=text, blocks=[_block_dict(b) for b in (p.blocks or [])],
            language=p.language, char_count=len(text) if text else 0, doc_offset=offset))
        offset += (len(text) if text else 0) + 1
    return rows


def _item(run_id: int, source: str, outcome: IngestOutcome) -> IngestItem:
    return IngestItem(run_id=run_id, source=source, sha256=outcome.sha256, size=outcome.size,
                      outcome=outcome.outcome, reason=outcome.reason,
                      error_code=outcome.error_code, document_id=outcome.document_id)


def _record(session: Session, run_id: int, source: str, outcome: IngestOutcome) -> IngestOutcome:
    session.add(_item(run_id, source, outcome))
    session.commit()
    return outcome


def _skip(session: Session, run_id: int, source: str, outcome: IngestOutcome, doc_id: int) -> IngestOutcome:
    outcome.outcome, outcome.document_id = "skipped", doc_id
    outcome.reason = f"already stored as document {doc_id} (same sha256)"
    return _record(session, run_id, source, outcome)


def ingest_file(path: PathLike, *, session: Session, run: IngestRun, settings: Settings,
                source: Optional[str] = None) -> IngestOutcome:
    """Ingest one file within ``run`` and commit: a new document (all pages in
    one transaction), a skip (same bytes already stored: not parsed), a scan
    stored as ``needs_ocr``, or a failure recorded with its reason. Reader
    errors never raise; the session is committed (or rolled back) on return.
    ``source`` is the path or URL to record (default: the path as given)."""
    t0 = time.perf_counter()
    from docmine.reading.read import ReadError, read_bytes

    src = source or str(path)
    run_id = run.id
    outcome = IngestOutcome(source=src, outcome="failed")

    def done(o: IngestOutcome) -> IngestOutcome:
        o.seconds = time.perf_counter() - t0
        return o

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        outcome.error_code = "unreadable"
        outcome.reason = _one_line(f"cannot read the file: {exc.strerror or exc}")
        return done(_record(session, run_id, src, outcome))
    outcome.sha256, outcome.size = sha256_bytes(data), len(data)

    if session.in_transaction():
        session.commit()
    existing = document_exists(outcome.sha256, session=session)
    session.rollback()  # end the read transaction
    if existing is not None:
        return done(_skip(session, run_id, src, outcome, existing))

    try:
        doc = read_bytes(data, path=str(path), backend=settings.pdf_backend, settings=settings)
    except ReadError as exc:
        outcome.error_code, outcome.reason = exc.code, _one_line(exc.reason)
        return done(_record(session, run_id, src, outcome))
    except Exception as exc:  # a reader bug must not stop the other files
        outcome.error_code = "unreadable"
        outcome.reason = _one_line(f"reader failed: {type(exc).__name__}: {exc}")
        return done(_record(session, run_id, src, outcome))
    del data

    scan = doc.status == "needs_ocr"
    key = source_key_for(path, source)
    outcome.outcome = "needs_ocr" if scan else "new"
    outcome.pages, outcome.language = len(doc.pages), doc.language
    if scan:
        outcome.reason = f"no text layer on any of its {len(doc.pages)} page(s): stored without text, needs OCR"
    try:
        # ---- one transaction: the document, all its pages and the item
        begin_write(session)
        if session.get_bind().dialect.name == "postgresql":
            # concurrent runs storing new bytes for one source take turns, so
            # versions stay 1, 2, 3… (SQLite: BEGIN IMMEDIATE already serialises)
            session.execute(sql_text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"),
                            {"ns": _PG_VERSION_LOCK, "key": key})
        existing = document_exists(outcome.sha256, session=session)
        if existing is not None:  # stored meanwhile by a concurrent run
            session.rollback()
            return done(_skip(session, run_id, src, outcome, existing))
        prev = session.execute(
            select(Document.id, Document.version).where(Document.source_key == key)
            .order_by(Document.version.desc()).limit(1)).first()
        document = Document(
            sha256=outcome.sha256, source=src, source_key=key,
            version=(prev.version + 1) if prev else 1, supersedes_id=prev.id if prev else None,
            size=outcome.size, media_type="application/pdf", status="needs_ocr" if scan else "ok",
            page_count=len(doc.pages), language=doc.language, languages=dict(doc.languages or {}),
            symbol=doc.symbol, treaty=doc.treaty, doc_date=doc.date, title=doc.title,
            backend=doc.backend, meta={"path": str(path)},
        )
        document.pages = _page_rows(doc, scan=scan)
        session.add(document)
        session.flush()
        outcome.document_id, outcome.version = document.id, document.version
        session.add(_item(run_id, src, outcome))
        session.commit()
        session.expunge(document)  # pages go with it: keep the session small
    except IntegrityError:
        session.rollback()
        existing = document_exists(outcome.sha256, session=session)
        session.rollback()
        if existing is None:
            raise
        outcome.pages, outcome.version = 0, None
        return done(_skip(session, run_id, src, outcome, existing))
    except BaseException:
        session.rollback()
        raise
    return done(outcome)


# --------------------------------------------------------------------------- many files
def _progress_bar(total: int):
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    return Progress(TextColumn("[bold]ingest[/]"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(),
                    TextColumn("{task.fields[name]}", style="dim"),
                    console=Console(stderr=True), transient=False)


def ingest_paths(paths: Sequence[PathLike] | PathLike, *, settings: Settings,
                 session_factory: Optional[sessionmaker] = None,
                 progress: Optional[bool] = None, trigger: str = "api",
                 on_outcome: Optional[Callable[[IngestOutcome], None]] = None) -> IngestSummary:
    """Ingest PDF files and folders (recursive) into the database of
    ``settings`` (or ``session_factory``); see the module doc for the rules.
    ``progress``: show a progress bar on stderr (``None``: when stderr is a
    terminal). Records one ingest run; returns its :class:`IngestSummary`.
    A missing path raises FileNotFoundError before anything is written."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files = find_pdfs(paths)
    if session_factory is None:
        from docmine.store.db import make_session_factory
        session_factory = make_session_factory(settings.url)
    if progress is None:
        import sys
        progress = sys.stderr.isatty()

    t0 = time.perf_counter()
    summary = IngestSummary()
    with session_factory() as session:
        run = IngestRun(trigger=trigger, status="running",
                        settings={"backend": settings.pdf_backend,
                                  "inputs": [str(p) for p in paths], "files": len(files)})
        session.add(run)
        session.commit()
        summary.run_id = run.id
        run_ref = IngestRun(id=run.id)  # a detached stand-in: ingest_file needs only the id
        status = "interrupted"
        bar = _progress_bar(len(files)) if progress and files else None
        try:
            if bar:
                bar.start()
                task = bar.add_task("ingest", total=len(files), name="")
            for f in files:
                if bar:
                    bar.update(task, name=f.name)
                outcome = ingest_file(f, session=session, run=run_ref, settings=settings)
                summary.outcomes.append(outcome)
                if on_outcome:
                    on_outcome(outcome)
                if bar:
                    bar.advance(task)
            status = ("ok" if not summary.failed else
                      "failed" if len(summary.failed) == len(files) else "partial")
        finally:
            if bar:
                bar.stop()
            summary.seconds = time.perf_counter() - t0
            try:
                session.rollback()
                begin_write(session)
                row = session.get(IngestRun, summary.run_id)
                row.status, row.finished_at = status, utcnow()
                row.summary = json.loads(json.dumps(summary.to_dict()))
                session.commit()
            except Exception:
                if status != "interrupted":
                    raise
    return summary
