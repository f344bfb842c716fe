"""One-shot library run: ingest PDFs, then extract and store every document
not yet extracted with the current model version.

>>> from docmine.run import run
>>> from docmine.settings import get_settings
>>> print(run(settings=get_settings()).render())      # doctest: +SKIP

The ``docmine run`` command (package ``docmine_pipeline``) is a Prefect flow
over the same functions; this is the plain-Python equivalent. There is one
per-document sequence, :func:`process_document` (read → store → extract →
store), which both :func:`run` and the flow's tasks call; :func:`prepare`
readies the database once per run for both.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from sqlalchemy import func, or_, select

from docmine.store.schema import ActionItem, Document, IngestItem, IngestRun, Mention, Page
from docmine.settings import Settings, get_settings


@dataclass
class RunSummary:
    """What a run did: documents and pages ingested, what extraction found."""
    documents: int = 0  #: documents in the database after the run
    new_documents: int = 0  #: documents ingested by this run
    skipped: int = 0  #: inputs already in the database
    failed: list[dict] = field(default_factory=list)  #: [{"source", "reason"}]
    pages: int = 0  #: pages in the database
    extracted: int = 0  #: documents extracted and stored by this run
    extract_failed: list[dict] = field(default_factory=list)
    mentions: dict[str, int] = field(default_factory=dict)  #: per label, whole database
    action_items: int = 0  #: whole database
    seconds: float = 0.0
    model_version: str = ""
    database: str = ""

    @property
    def exit_code(self) -> int:
        return 1 if (self.failed or self.extract_failed) else 0

    def to_dict(self) -> dict[str, Any]:
        return {"documents": self.documents, "new_documents": self.new_documents,
                "skipped": self.skipped, "failed": self.failed, "pages": self.pages,
                "extracted": self.extracted, "extract_failed": self.extract_failed,
                "mentions": dict(self.mentions), "action_items": self.action_items,
                "seconds": round(self.seconds, 2), "model_version": self.model_version,
                "database": self.database}

    def render(self) -> str:
        """A few lines for people."""
        labels = ", ".join(f"{k} {v}" for k, v in sorted(self.mentions.items())) or "none"
        lines = [
            f"docmine run — {self.model_version} → {self.database}",
            f"  ingested : {self.new_documents} new, {self.skipped} already stored, "
            f"{len(self.failed)} failed",
            f"  extracted: {self.extracted} documents"
            + (f", {len(self.extract_failed)} failed" if self.extract_failed else ""),
            f"  database : {self.documents} documents, {self.pages} pages",
            f"  mentions : {sum(self.mentions.values())} ({labels})",
            f"  actions  : {self.action_items} action items",
            f"  time     : {self.seconds:.1f} s",
        ]
        for f in self.failed + self.extract_failed:
            lines.append(f"  ! {f['source']}: {f['reason']}")
        if self.documents:
            lines.append("Next: docmine actions   |   docmine entities   |   docmine search WORDS")
        return "\n".join(lines)


def current_versions(settings: Settings) -> list[str]:
    """Model versions that are current for these settings: the configured one
    and its rules-only variant, which extraction records for documents the
    statistical model does not cover (e.g. non-French ones)."""
    from docmine.extraction.version import model_version
    return sorted({model_version(settings), model_version(settings, use_ner=False)})


def pending_documents(*, session, model_version: str | Sequence[str]) -> list[int]:
    """Ids of stored documents whose model output is not from ``model_version``
    (one version, or the list of current ones)."""
    versions = [model_version] if isinstance(model_version, str) else list(model_version)
    q = (select(Document.id).where(or_(Document.extracted_version.is_(None),
                                       Document.extracted_version.not_in(versions)))
         .order_by(Document.id))
    return list(session.scalars(q))


def prepare(settings: Settings, session_factory=None) -> None:
    """Ready the database for a run: migrate the schema, load the knowledge
    base's organisations, link DOC entities to stored documents, index pages
    not yet in the full-text index. Idempotent; one transaction."""
    from docmine.store import search as _search
    from docmine.store.db import begin_write, make_session_factory
    from docmine.store.entities import link_symbols, load_organisations
    factory = session_factory or make_session_factory(settings.url)
    with factory() as session:
        begin_write(session)  # SQLite: read-then-write transaction takes the write lock first
        load_organisations(session, settings.kb_path)
        link_symbols(session)
        _search.catch_up(session)
        session.commit()


@dataclass
class DocumentOutcome:
    """What :func:`process_document` did with one input file."""
    source: str  #: path or URL as recorded
    outcome: str = "failed"  #: new | skipped (same bytes stored) | needs_ocr | failed
    step: Optional[str] = None  #: where it failed: "read" or "extract"
    code: Optional[str] = None  #: reader error code (corrupt, encrypted…) or "error"
    reason: Optional[str] = None  #: one line
    document_id: Optional[int] = None
    sha256: Optional[str] = None
    pages: int = 0  #: pages stored by this call (0 when skipped)
    extracted: bool = False  #: model rows (re)written by this call
    mentions: int = 0
    action_items: int = 0
    labels: dict[str, int] = field(default_factory=dict)  #: mentions per label
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "outcome": self.outcome, "step": self.step, "code": self.code,
                "reason": self.reason, "document_id": self.document_id, "sha256": self.sha256,
                "pages": self.pages, "extracted": self.extracted, "mentions": self.mentions,
                "action_items": self.action_items, "labels": dict(self.labels),
                "seconds": round(self.seconds, 3)}


def extract_stored(document_id: int, *, settings: Settings, session_factory=None, nlp=None,
                   current: Optional[Sequence[str]] = None, force: bool = False) -> Optional[dict]:
    """Extract one stored document and replace its model rows, in one
    transaction, unless its output already comes from a ``current`` model
    version (default :func:`current_versions`) and ``force`` is false.
    Returns :func:`docmine.store.extract_and_store`'s dict, or None when it
    was up to date."""
    from docmine.store.db import make_session_factory
    from docmine.store.write import extract_and_store
    factory = session_factory or make_session_factory(settings.url)
    current = list(current) if current is not None else current_versions(settings)
    with factory() as session:
        if not force:
            version = session.scalar(select(Document.extracted_version).where(Document.id == document_id))
            session.rollback()  # extract_and_store then owns its transactions (write lock, row lock)
            if version in current:
                return None
        result = extract_and_store(document_id, session=session, settings=settings, nlp=nlp)
        session.commit()
    return result


def process_document(path: str | Path, *, run_id: int, settings: Settings, session_factory=None,
                     nlp=None, source: Optional[str] = None, current: Optional[Sequence[str]] = None,
                     reraise: Optional[Callable[[BaseException], bool]] = None) -> DocumentOutcome:
    """Read → store → extract → store for one local file, within ingest run
    ``run_id``: :func:`docmine.ingest.ingest_file` (a new document, a skip of
    bytes already stored, a scan, or a recorded read failure), then
    :func:`extract_stored` unless the document's output is current.

    The one per-document sequence of docmine: :func:`run` and the Prefect
    flow's tasks both call it. Never raises for one bad document: an
    exception is returned as a failed outcome with its step, unless
    ``reraise(exc)`` is true (the flow passes its transient-I/O test so that
    Prefect retries the call). A retried call resumes: a source this run
    already stored is not read again, only extracted if it still needs it."""
    from docmine.store.db import make_session_factory
    from docmine.ingest import absolute_path, display_path, ingest_file
    t0 = time.perf_counter()
    factory = session_factory or make_session_factory(settings.url)
    src = display_path(source) if source else display_path(absolute_path(path))  # as ingest_file records it
    rec = DocumentOutcome(source=src)
    step = "read"
    try:
        with factory() as session:
            done = session.execute(
                select(IngestItem.outcome, IngestItem.document_id, IngestItem.sha256)
                .where(IngestItem.run_id == run_id, IngestItem.source == src,
                       IngestItem.outcome.in_(("new", "needs_ocr")), IngestItem.document_id.is_not(None))
                .limit(1)).first()
            session.rollback()
            if done:  # a retry of this run's own call: stored already, not read again
                rec.outcome, rec.document_id, rec.sha256 = done.outcome, done.document_id, done.sha256
                rec.pages = session.scalar(select(Document.page_count)
                                           .where(Document.id == done.document_id)) or 0
            else:
                o = ingest_file(path, session=session, run=IngestRun(id=run_id), settings=settings,
                                source=source)
                rec.outcome, rec.document_id, rec.sha256 = o.outcome, o.document_id, o.sha256
                rec.reason, rec.code = o.reason, o.error_code
                rec.pages = o.pages if o.outcome in ("new", "needs_ocr") else 0
                if o.outcome == "failed":
                    rec.step = "read"
                    return rec
        step = "extract"
        result = extract_stored(rec.document_id, settings=settings, session_factory=factory, nlp=nlp,
                                current=current)
        if result is not None:
            rec.extracted = True
            rec.mentions = int(result.get("mentions") or 0)
            rec.action_items = int(result.get("action_items") or 0)
            rec.labels = {k: int(v) for k, v in (result.get("labels") or {}).items()}
        return rec
    except Exception as exc:
        if reraise is not None and reraise(exc):
            raise
        rec.outcome, rec.step, rec.code = "failed", step, "error"
        rec.reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        return rec
    finally:
        rec.seconds = time.perf_counter() - t0


def run(paths: Sequence[str | Path] | str | Path | None = None, *, settings: Settings | None = None,
        progress: bool = True) -> RunSummary:
    """Ingest ``paths`` (files or folders; default ``settings.samples_dir``),
    extracting and storing each document as it is stored
    (:func:`process_document`), then extract every other stored document whose
    output is not from a current model version (an interrupted run, a new
    model). One document's failure is recorded and the others go on; so is a
    path that cannot be taken (missing, a symlink loop, a FIFO…), with its
    reason. A run left ``running`` by a process that is gone is marked
    ``interrupted`` first (:func:`docmine.ingest.start_run`)."""
    from docmine.store.db import begin_write, make_session_factory
    from docmine.ingest import display_path, find_pdfs, start_run
    from docmine.store.schema import utcnow
    from docmine.extraction.version import model_version

    settings = settings or get_settings()
    t0 = time.perf_counter()
    if paths is None:
        paths = [settings.samples_dir]
    elif isinstance(paths, (str, Path)):
        paths = [paths]
    problems: list = []
    files = find_pdfs(list(paths), problems=problems)
    factory = make_session_factory(settings.url)
    summary = RunSummary(model_version=model_version(settings),
                         database=_display_url(settings.url))
    current = current_versions(settings)
    prepare(settings, factory)
    with factory() as session:
        row = start_run(session, trigger="api",
                        settings={"backend": settings.pdf_backend,
                                  "inputs": [display_path(p) for p in paths], "files": len(files)})
        run_id = row.id
        for o in problems:  # recorded like any failed input; the others go on
            session.add(IngestItem(run_id=run_id, source=o.source, outcome="failed",
                                   error_code=o.error_code, reason=o.reason))
        session.commit()

    outcomes: list[DocumentOutcome] = [
        DocumentOutcome(source=o.source, step="read", code=o.error_code, reason=o.reason)
        for o in problems]
    status = "interrupted"
    bar = None
    if progress and files:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
        bar = Progress(TextColumn("run"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("{task.fields[name]}"), transient=True)
        bar.start()
        task = bar.add_task("run", total=len(files), name="")
    try:
        for f in files:
            if bar:
                bar.update(task, name=Path(f).name)
            rec = process_document(f, run_id=run_id, settings=settings, session_factory=factory,
                                   current=current)
            outcomes.append(rec)
            if bar:
                bar.advance(task)
        failed_ids = {r.document_id for r in outcomes if r.step == "extract"}
        with factory() as session:
            todo = [d for d in pending_documents(session=session, model_version=current)
                    if d not in failed_ids]
        leftovers: list[dict] = []
        for did in todo:  # stored earlier, not extracted by a current model version
            try:
                if extract_stored(did, settings=settings, session_factory=factory, current=current):
                    summary.extracted += 1
            except Exception as exc:  # one document's failure does not stop the run
                with factory() as session:
                    src = session.scalar(select(Document.source).where(Document.id == did))
                leftovers.append({"source": str(src), "reason": f"{type(exc).__name__}: {exc}"[:300]})
        summary.new_documents = sum(r.outcome in ("new", "needs_ocr") for r in outcomes)
        summary.skipped = sum(r.outcome == "skipped" for r in outcomes)
        summary.failed = [{"source": r.source, "reason": r.reason} for r in outcomes if r.step == "read"]
        summary.extracted += sum(r.extracted for r in outcomes)
        summary.extract_failed = [{"source": r.source, "reason": r.reason}
                                  for r in outcomes if r.step == "extract"] + leftovers
        n_failed = sum(r.outcome == "failed" for r in outcomes)
        status = "ok" if not n_failed and not leftovers else (
            "failed" if outcomes and n_failed == len(outcomes) else "partial")
    finally:
        if bar:
            bar.stop()
        with factory() as session:
            begin_write(session)
            row = session.get(IngestRun, run_id)
            row.status, row.finished_at = status, utcnow()
            row.summary = {"files": len(files), "new": summary.new_documents, "skipped": summary.skipped,
                           "failed": summary.failed, "extracted": summary.extracted,
                           "extract_failed": summary.extract_failed}
            session.commit()

    with factory() as session:
        summary.documents = session.scalar(select(func.count(Document.id))) or 0
        summary.pages = session.scalar(select(func.count(Page.id))) or 0
        summary.mentions = {lab: n for lab, n in session.execute(
            select(Mention.label, func.count(Mention.id)).group_by(Mention.label))}
        summary.action_items = session.scalar(select(func.count(ActionItem.id))) or 0
    summary.seconds = time.perf_counter() - t0
    return summary


def _display_url(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # pragma: no cover
        return url
