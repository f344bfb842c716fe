"""Ingestion: PDFs in, documents and pages in the database.

:func:`ingest_paths` takes files and folders (searched recursively for PDFs)
and stores each distinct PDF once:

* the sha256 of the bytes is computed first: bytes already stored are
  **skipped** without being parsed;
* a changed file at a path seen before becomes a new **version** of that
  document (``source_key`` = the resolved path or the URL, ``version`` =
  previous + 1, ``supersedes_id`` → the previous version); the editors'
  corrections of the previous version are carried to it where their text is
  unchanged (:mod:`docmine.store.carry`; the others are listed by
  :func:`uncarried_corrections`);
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

import errno
import hashlib
import json
import os
import socket
import stat
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence, Union

from sqlalchemy import select, text as sql_text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from docmine.store.carry import carry_corrections, uncarried_corrections  # noqa: F401 (re-exported)
from docmine.store.db import begin_write
from docmine.store.schema import Document, IngestItem, IngestRun, Page, utcnow
from docmine.settings import Settings

__all__ = [
    "IngestOutcome", "IngestSummary", "ingest_paths", "ingest_file", "find_pdfs", "sha256_file",
    "sha256_bytes", "document_exists", "is_pdf_file", "source_key_for", "display_path",
    "absolute_path", "start_run", "mark_stale_runs", "uncarried_corrections",
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


def display_path(path: PathLike) -> str:
    """``path`` as text any database and terminal takes: bytes of a file name
    that are not UTF-8 (``os.fsdecode`` gives them as lone surrogates) are
    written ``\\xNN``. The path itself is not changed: open the original."""
    s = os.fsdecode(os.fspath(path))
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return s.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def absolute_path(path: PathLike) -> Path:
    """The absolute, resolved form of ``path`` (symlinks followed), as
    ``documents.source`` and ``ingest_items.source`` store it whatever the
    command (``ingest`` or ``run``); a path that cannot be resolved (a
    symlink loop) is made absolute without resolving."""
    p = Path(os.fsdecode(os.fspath(path)))
    try:
        return p.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(p))


def _problem(path: PathLike, code: str, reason: str) -> IngestOutcome:
    p = Path(os.fsdecode(os.fspath(path)))  # the entry itself, not where a (bad) link points
    return IngestOutcome(source=display_path(absolute_path(p.parent) / p.name), outcome="failed",
                         error_code=code, reason=reason)


def _stat_problem(path: PathLike, exc: BaseException) -> IngestOutcome:
    if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
        return _problem(path, "unreadable", "symlink loop: the link never reaches a file")
    if isinstance(exc, FileNotFoundError):
        if os.path.islink(path):
            return _problem(path, "not_found", "broken symlink: its target does not exist")
        return _problem(path, "not_found", "no such file or folder")
    return _problem(path, "unreadable", f"cannot read: {getattr(exc, 'strerror', None) or exc}")


def find_pdfs(paths: Iterable[PathLike], *,
              problems: Optional[list[IngestOutcome]] = None) -> list[Path]:
    """The files to ingest: files as given (whatever they hold, so a bad file
    named explicitly is reported), folders searched recursively for PDFs (by
    extension or magic bytes; hidden entries skipped; symlinked folders not
    followed). Order: as given, each folder sorted; duplicates removed.

    Only regular files are returned: a FIFO, socket or device is never
    opened (it could block for ever). What cannot be taken (a missing path, a
    symlink loop or broken link, a FIFO named ``*.pdf``…) is appended to
    ``problems`` as a failed :class:`IngestOutcome` with a one-line reason,
    and the rest goes on; without ``problems``, a missing path raises
    FileNotFoundError (and the other problems are skipped silently)."""
    out: list[Path] = []
    seen: set[Path] = set()

    def problem(o: IngestOutcome) -> None:
        if problems is not None:
            problems.append(o)

    def add(p: Path) -> None:
        key = absolute_path(p)
        if key not in seen:
            seen.add(key)
            out.append(p)

    for raw in paths:
        p = Path(raw)
        try:
            st = p.stat()
        except (OSError, RuntimeError) as exc:
            if problems is None and isinstance(exc, FileNotFoundError):
                raise FileNotFoundError(f"no such file or folder: {display_path(p)}") from None
            problem(_stat_problem(p, exc))
            continue
        if stat.S_ISDIR(st.st_mode):
            found: list[Path] = []
            for dirpath, dirnames, filenames in os.walk(p, followlinks=False):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                for name in filenames:
                    if name.startswith("."):
                        continue
                    f = Path(dirpath, name)
                    named_pdf = name.lower().endswith(".pdf")
                    try:
                        fst = f.stat()
                    except (OSError, RuntimeError) as exc:
                        if named_pdf:
                            problem(_stat_problem(f, exc))
                        continue
                    if stat.S_ISREG(fst.st_mode):
                        if named_pdf or is_pdf_file(f):
                            found.append(f)
                    elif named_pdf and not stat.S_ISDIR(fst.st_mode):
                        problem(_problem(f, "unreadable", _NOT_REGULAR))
            for f in sorted(found):
                add(f)
        elif stat.S_ISREG(st.st_mode):
            add(p)
        else:
            problem(_problem(p, "unreadable", _NOT_REGULAR))
    return out


_NOT_REGULAR = "not a regular file (a FIFO, socket or device): not read"


def source_key_for(path: PathLike, source: Optional[str] = None) -> str:
    """What versions of one document share: the URL, else the resolved path."""
    if source and "://" in source:
        return source
    return display_path(absolute_path(path))


class _NotRegular(OSError):
    pass


def read_regular_file(path: PathLike) -> bytes:
    """The bytes of ``path`` when it is a regular file. Opened without blocking
    and checked with ``fstat`` before reading, so a FIFO (or a device) named
    ``*.pdf`` raises OSError at once instead of hanging for ever."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _NotRegular(errno.EINVAL, _NOT_REGULAR)
        if hasattr(os, "O_NONBLOCK"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as fh:
            fd = -1
            return fh.read()
    finally:
        if fd >= 0:
            os.close(fd)


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

    src = display_path(source) if source else display_path(absolute_path(path))
    run_id = run.id
    outcome = IngestOutcome(source=src, outcome="failed")

    def done(o: IngestOutcome) -> IngestOutcome:
        o.seconds = time.perf_counter() - t0
        return o

    try:
        data = read_regular_file(path)
    except (OSError, RuntimeError) as exc:
        failed = _stat_problem(path, exc) if not isinstance(exc, _NotRegular) \
            else _problem(path, "unreadable", _NOT_REGULAR)
        outcome.error_code = failed.error_code
        outcome.reason = _one_line(f"cannot read the file: {failed.reason}")
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
            backend=doc.backend, meta={"path": display_path(path)},
        )
        document.pages = _page_rows(doc, scan=scan)
        session.add(document)
        session.flush()
        outcome.document_id, outcome.version = document.id, document.version
        if prev:  # editors' corrections follow the new version (docmine.store.carry)
            carry_corrections(document.id, session=session)
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
#: skipped items written per commit when files are known unchanged
_BATCH = 500


class _KnownFiles:
    """(path, size, mtime_ns) → sha256 of files already ingested, kept in the
    data folder's sources state (``<data_dir>/sources_state.json``, section
    ``files``, shared with the ``docmine run`` folder sources), so that a
    re-run does not read and hash every unchanged file again. Used only when
    the data folder exists (nothing is created for it). A file whose size or
    mtime changed is read and hashed as before; a remembered sha256 is only
    trusted when a stored document still has it, so the same bytes are never
    stored twice (sha256 uniqueness) and a known file is never missed."""

    def __init__(self, settings: Settings) -> None:
        self.state = None
        self.files: dict = {}
        try:
            if Path(settings.data_dir).is_dir():
                from docmine.reading.fetch import FetchState, state_path
                self.state = FetchState(state_path(settings.data_dir))
                self.files = self.state.section("files")
        except OSError:  # pragma: no cover - unreadable state: no cache
            self.state = None

    @staticmethod
    def stat(path: Path) -> Optional[tuple[int, int]]:
        try:
            st = os.stat(path)
        except OSError:
            return None
        return st.st_size, st.st_mtime_ns

    def stored(self, stats: dict, *, session: Session) -> dict[Path, tuple[str, int]]:
        """{path: (sha256, document id)} for files unchanged since remembered and stored."""
        if not self.files:
            return {}
        by_sha: dict[str, list[Path]] = {}
        for path, st in stats.items():
            prev = self.files.get(str(absolute_path(path))) if st else None
            if prev and prev.get("sha256") and (prev.get("size"), prev.get("mtime_ns")) == st:
                by_sha.setdefault(prev["sha256"], []).append(path)
        out: dict[Path, tuple[str, int]] = {}
        keys = list(by_sha)
        for i in range(0, len(keys), 500):
            for sha, doc_id in session.execute(select(Document.sha256, Document.id)
                                               .where(Document.sha256.in_(keys[i:i + 500]))):
                for path in by_sha[sha]:
                    out[path] = (sha, doc_id)
        session.rollback()  # end the read transaction
        return out

    def remember(self, path: Path, st: Optional[tuple[int, int]], sha256: str) -> None:
        """Record the file's (size, mtime_ns) as taken before it was read."""
        if self.state is None or st is None:
            return
        try:
            self.state.update("files", str(absolute_path(path)),
                              {"size": st[0], "mtime_ns": st[1], "sha256": sha256})
        except OSError:  # pragma: no cover - a read-only data folder: no cache
            self.state = None


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
    A path that cannot be taken (missing, a symlink loop, a FIFO…) is a
    failed input with its reason (see :func:`find_pdfs`); the others go on.
    Sources are stored as absolute resolved paths (:func:`absolute_path`)."""
    if isinstance(paths, (str, os.PathLike, bytes)):
        paths = [paths]
    problems: list[IngestOutcome] = []
    files = find_pdfs(paths, problems=problems)
    if session_factory is None:
        from docmine.store.db import make_session_factory
        session_factory = make_session_factory(settings.url)
    if progress is None:
        import sys
        progress = sys.stderr.isatty()

    t0 = time.perf_counter()
    summary = IngestSummary()
    with session_factory() as session:
        run = start_run(session, trigger=trigger,
                        settings={"backend": settings.pdf_backend,
                                  "inputs": [display_path(p) for p in paths], "files": len(files)})
        summary.run_id = run.id
        run_ref = IngestRun(id=run.id)  # a detached stand-in: ingest_file needs only the id
        status = "interrupted"
        bar = _progress_bar(len(files)) if progress and files else None
        try:
            for o in problems:  # recorded like any failed input; the others go on
                summary.outcomes.append(_record(session, run.id, o.source, o))
                if on_outcome:
                    on_outcome(o)
            if bar:
                bar.start()
                task = bar.add_task("ingest", total=len(files), name="")
            known = _KnownFiles(settings)
            stats = {f: known.stat(f) for f in files}
            stored = known.stored(stats, session=session)  # unchanged files already stored: not read
            pending = 0
            for f in files:
                if bar:
                    bar.update(task, name=f.name)
                hit = stored.get(f)
                if hit is not None:
                    outcome = IngestOutcome(source=display_path(absolute_path(f)), outcome="skipped",
                                            sha256=hit[0], size=stats[f][0], document_id=hit[1],
                                            reason=f"already stored as document {hit[1]} (same sha256)")
                    if not pending:
                        # a batch of records written in a writer's transaction: added to the
                        # read of `stored` above, SQLite would fail it at once ("database is
                        # locked") whenever another process wrote in between
                        begin_write(session)
                    session.add(_item(run.id, outcome.source, outcome))
                    pending += 1
                    if pending >= _BATCH:
                        session.commit()
                        pending = 0
                else:
                    if pending:
                        session.commit()
                        pending = 0
                    outcome = ingest_file(f, session=session, run=run_ref, settings=settings)
                    if outcome.sha256 and outcome.outcome in ("new", "needs_ocr", "skipped"):
                        known.remember(f, stats[f], outcome.sha256)
                summary.outcomes.append(outcome)
                if on_outcome:
                    on_outcome(outcome)
                if bar:
                    bar.advance(task)
            if pending:
                session.commit()
            status = ("ok" if not summary.failed else
                      "failed" if len(summary.failed) == len(summary.outcomes) else "partial")
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


# --------------------------------------------------------------------------- runs
def _proc_start(pid: int) -> Optional[str]:
    """The start time of process ``pid`` in clock ticks since boot (Linux
    ``/proc/<pid>/stat`` field 22), or None where there is no /proc. With the
    pid it names one process even after the pid is reused."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            raw = fh.read().decode("ascii", "replace")
        return raw[raw.rindex(")") + 2:].split()[19]
    except (OSError, ValueError, IndexError):
        return None


def run_owner() -> dict[str, Any]:
    """Who runs: ``{"pid", "host", "proc_start"}`` of this process."""
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "proc_start": _proc_start(pid)}


def owner_alive(owner: dict[str, Any] | None) -> Optional[bool]:
    """Whether the process that recorded ``owner`` still runs: True/False on
    this host, None when it cannot be told (another host, or no owner)."""
    if not owner or owner.get("host") != socket.gethostname() or not owner.get("pid"):
        return None
    pid = int(owner["pid"])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    started = owner.get("proc_start")
    if started is not None and _proc_start(pid) not in (None, started):
        return False  # the pid now names another process
    return True


def mark_stale_runs(session: Session) -> list[int]:
    """Mark ``interrupted`` every ingest run still ``running`` whose process is
    gone (killed, crashed, machine rebooted): its ``settings.owner`` names a
    pid on this host that no longer runs, or a pid reused by another process.
    A live run, and a run of another host, are left alone. Commits; returns
    the ids marked."""
    begin_write(session)
    rows = session.execute(select(IngestRun.id, IngestRun.settings)
                           .where(IngestRun.status == "running")).all()
    stale = [rid for rid, cfg in rows if owner_alive((cfg or {}).get("owner")) is False]
    for rid in stale:
        row = session.get(IngestRun, rid)
        row.status, row.finished_at = "interrupted", utcnow()
        row.summary = dict(row.summary or {}, interrupted="its process was gone when the next "
                                                          "run started (killed or crashed)")
    session.commit()
    return stale


def start_run(session: Session, *, trigger: str, settings: dict[str, Any]) -> IngestRun:
    """Record a new ``running`` ingest run owned by this process (pid, host and
    process start time in ``settings["owner"]``), after marking the runs
    whose process is gone ``interrupted`` (:func:`mark_stale_runs`). Commits."""
    mark_stale_runs(session)
    run = IngestRun(trigger=trigger, status="running",
                    settings=dict(settings, owner=run_owner()))
    session.add(run)
    session.commit()
    return run
