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

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

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
    """Model versions that are current for these settings: the one in force
    (the database's setting, else the configured one) and its rules-only variant, which extraction records for documents the
    statistical model does not cover (e.g. a language without a pipeline), and
    the versions of the English and Spanish pipelines (their own NERs, issue 11)."""
    from docmine.extraction.version import LANGUAGES, model_version
    from docmine.store.models import settings_in_force
    settings = settings_in_force(settings)  # the version in force, a setting of the database
    return sorted({model_version(settings), model_version(settings, use_ner=False),
                   *(model_version(settings, language=lang) for lang in LANGUAGES)})


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
    base's organisations and what editors' corrections taught (``kb_overlay``,
    :func:`docmine.store.models.sync_knowledge`), link DOC entities to stored documents, index pages
    not yet in the full-text index. Idempotent; one transaction."""
    from docmine.store import search as _search
    from docmine.store.db import begin_write, make_session_factory
    from docmine.store.entities import link_symbols, load_organisations
    from docmine.store.models import sync_knowledge
    factory = session_factory or make_session_factory(settings.url)
    with factory() as session:
        begin_write(session)  # SQLite: read-then-write transaction takes the write lock first
        load_organisations(session, settings.kb_path)
        sync_knowledge(session=session)  # aliases/entities editors' corrections taught (kb_overlay)
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
    seconds: float = 0.0  #: wall seconds of the call
    cpu_seconds: float = 0.0  #: CPU seconds of the call in the process that did the work
    worker: int = 0  #: id of the process that did the work (:class:`DocumentPool`)

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
                     reraise: Optional[Callable[[BaseException], bool]] = None,
                     extract: bool = True) -> DocumentOutcome:
    """Read → store → extract → store for one local file, within ingest run
    ``run_id``: :func:`docmine.ingest.ingest_file` (a new document, a skip of
    bytes already stored, a scan, or a recorded read failure), then
    :func:`extract_stored` unless the document's output is current.

    The one per-document sequence of docmine: :func:`run` and the Prefect
    flow's tasks both call it. Never raises for one bad document: an
    exception is returned as a failed outcome with its step, unless
    ``reraise(exc)`` is true (the flow passes its transient-I/O test so that
    Prefect retries the call). A retried call resumes: a source this run
    already stored is not read again, only extracted if it still needs it.

    ``extract=False``: the read step only (a document stored, not extracted;
    the reader process of :class:`DocumentPool` runs it)."""
    from docmine.store.db import make_session_factory
    from docmine.ingest import absolute_path, display_path, ingest_file
    t0, c0 = time.perf_counter(), time.process_time()
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
        if not extract:
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
            try:
                exc.docmine_step = step  # type: ignore[attr-defined]  (read by DocumentPool)
            except Exception:  # pragma: no cover - an exception refusing attributes
                pass
            raise
        rec.outcome, rec.step, rec.code = "failed", step, "error"
        rec.reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        return rec
    finally:
        rec.seconds, rec.cpu_seconds = time.perf_counter() - t0, time.process_time() - c0



# --------------------------------------------------------------------------- worker processes
#: retries of a document whose processing hit transient I/O (database
#: connection trouble), and the base of their back-off (seconds: 2, 4, 8)
IO_RETRIES = 3
IO_BACKOFF = 2.0

log = logging.getLogger("docmine.run")


def default_workers() -> int:
    """Worker processes a run uses by default: one per core this process may
    run on (``os.sched_getaffinity``, else ``os.cpu_count()``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def is_transient(exc: BaseException | None) -> bool:
    """I/O that may work next time: network trouble, HTTP 5xx and truncated
    downloads (:class:`docmine.reading.fetch.FetchError` ``.retryable``),
    database connection errors and timeouts (SQLAlchemy ``OperationalError``,
    a pool timeout, an invalidated connection). A broken PDF, a bug or a
    constraint violation is never transient."""
    if exc is None:
        return False
    from docmine.reading.fetch import FetchError
    if isinstance(exc, FetchError):
        return exc.retryable
    from sqlalchemy.exc import DBAPIError, OperationalError, TimeoutError as PoolTimeout
    if isinstance(exc, (OperationalError, PoolTimeout)):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (ConnectionError, TimeoutError))


@dataclass(frozen=True)
class Job:
    """One unit of work for :class:`DocumentPool`: a local file to read → store →
    extract → store (``path``, recorded as ``source``), or a stored document to
    extract (``document_id``)."""
    path: Optional[str] = None
    source: Optional[str] = None
    document_id: Optional[int] = None

    @property
    def label(self) -> str:
        return self.source or self.path or f"document {self.document_id}"


def _one_line(text: str, limit: int = 300) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _do_job(job: Job, run_id: Optional[int], settings: Settings, factory, current) -> tuple:
    """Run one job; ``(DocumentOutcome, None)``, or ``(None, (step, reason))``
    when transient I/O interrupted it (the caller retries). Other failures are
    failed outcomes, as :func:`process_document` returns them."""
    rec, transient = _do_job_here(job, run_id, settings, factory, current)
    if rec is not None:
        rec.worker = os.getpid()
    return rec, transient


def _do_job_here(job: Job, run_id: Optional[int], settings: Settings, factory, current) -> tuple:
    try:
        if job.document_id is None:
            return process_document(job.path, run_id=run_id, settings=settings, session_factory=factory,
                                    source=job.source, current=current, reraise=is_transient), None
        t0, c0 = time.perf_counter(), time.process_time()
        rec = DocumentOutcome(source=job.label, outcome="stored", document_id=job.document_id)
        try:
            result = extract_stored(job.document_id, settings=settings, session_factory=factory,
                                    current=current)
        except Exception as exc:
            if is_transient(exc):
                raise
            rec.outcome, rec.step, rec.code = "failed", "extract", "error"
            rec.reason = _one_line(f"{type(exc).__name__}: {exc}")
            return rec, None
        if result is not None:
            rec.extracted = True
            rec.mentions = int(result.get("mentions") or 0)
            rec.action_items = int(result.get("action_items") or 0)
            rec.labels = {k: int(v) for k, v in (result.get("labels") or {}).items()}
        rec.seconds, rec.cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
        return rec, None
    except Exception as exc:  # transient: raised on purpose by process_document/extract_stored
        step = getattr(exc, "docmine_step", None) or ("extract" if job.document_id else "read")
        return None, (step, _one_line(f"{type(exc).__name__}: {exc}"))


#: the worker process's state (:func:`_worker_init`)
_WORKER: dict[str, Any] = {}


def _die_with_parent(parent: int) -> None:
    """End this worker when the process that started it dies, however it dies
    (``kill -9`` included): Linux ``PR_SET_PDEATHSIG`` (SIGKILL at once), and
    a watchdog thread elsewhere. A worker never outlives its run."""
    import threading
    try:
        import ctypes
        import signal
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:  # it died before prctl
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)
    threading.Thread(target=watch, name="docmine-parent-watch", daemon=True).start()


def _worker_init(settings: Settings, parent: int) -> None:
    """Pool initialiser: runs once in each worker process. Loads the pipeline
    (:func:`docmine.extraction.nlp.load_nlp`, cached for the life of the
    process) and opens the database engine, so every document the worker
    takes reuses both."""
    _die_with_parent(parent)
    import atexit
    atexit.register(_exit_now)
    from docmine.extraction.nlp import load_nlp
    from docmine.store.db import make_session_factory
    _WORKER["settings"] = settings
    _WORKER["factory"] = make_session_factory(settings.url)
    load_nlp(settings)


def _exit_now() -> None:
    """A worker's last exit handler (registered last, so run first): close its
    database connections, flush its output and end the process without the
    interpreter tearing down the loaded pipeline object by object (≈ 0.4 s
    per worker at the end of every run, measured with ``benchmarks/bench_e2e.py``).
    A pool worker's exit status carries nothing: results travel on the pool's
    queue, written before the worker takes its stop signal."""
    import sys
    try:
        factory = _WORKER.get("factory")
        if factory is not None:
            factory.kw["bind"].dispose()
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    finally:
        os._exit(0)


def _worker_job(job: Job, run_id: Optional[int], current) -> tuple:
    return _do_job(job, run_id, _WORKER["settings"], _WORKER["factory"], current)


#: how :class:`DocumentPool` starts its workers: ``auto`` (``fork`` where it is
#: safe, else ``spawn``), ``fork`` or ``spawn``
START_METHODS = ("auto", "fork", "spawn")


def fork_is_safe() -> bool:
    """True when worker processes may be forked from this one: Linux, and no
    thread but this one (a fork copies locks that other threads may hold;
    Prefect, a web server or a progress bar's refresh thread make it unsafe)."""
    import multiprocessing
    import sys
    import threading
    return (sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1)


def preload_for_fork(settings: Settings, logger: Optional[logging.Logger] = None) -> bool:
    """Load in this process what worker processes forked from it share
    copy-on-write: the pipeline of ``settings`` (:func:`docmine.extraction.nlp.load_nlp`),
    the page language detector and the store's writer; then ``gc.freeze()``,
    so that a collection in a worker does not touch (and copy) every page of
    them. Returns True when the collector was frozen (the caller calls
    ``gc.unfreeze()`` once its workers are gone); False, with a warning on
    ``logger``, when loading failed (each worker then loads, or says why
    document by document). Used by :class:`DocumentPool` and the Dask local
    cluster of ``pipeline/core.py``."""
    try:
        from docmine.extraction.nlp import load_nlp
        from docmine.reading.language import preload_part_detector
        from docmine.store import write  # noqa: F401  (imported once, shared)
        load_nlp(settings)
        preload_part_detector()
    except Exception as exc:
        (logger or log).warning("could not load the pipeline before starting workers: %s",
                                _one_line(f"{type(exc).__name__}: {exc}"))
        return False
    import gc
    gc.freeze()
    return True


def _reader_main(conn, settings: Settings, parent: int) -> None:
    """The reader process of :class:`DocumentPool`. Gets ready (imports, the
    database engine, the page language detector), then waits on ``conn`` for
    ``(run_id, jobs, retries, backoff)``, or ``None`` (not needed: it ends).
    Runs the read step (:func:`process_document` with ``extract=False``) of
    every file job, in order, each result sent on ``conn`` as ``(index,
    DocumentOutcome, None)``, or ``(index, None, (step, reason))`` when
    transient I/O outlasted the retries; a retry is announced as ``("retry",
    index, attempt, reason)``; ``None`` ends the stream."""
    _die_with_parent(parent)
    from docmine.ingest import ingest_file  # noqa: F401  (imported while waiting)
    from docmine.reading.language import preload_page_detector
    from docmine.store.db import make_session_factory
    factory = make_session_factory(settings.url)
    _WORKER["factory"] = factory
    preload_page_detector()
    try:
        work = conn.recv()
    except (EOFError, OSError):
        work = None
    if work is None:
        _exit_now()
    run_id, jobs, retries, backoff = work
    for i, job in enumerate(jobs):
        attempt = 0
        while True:
            try:
                rec = process_document(job.path, run_id=run_id, settings=settings, session_factory=factory,
                                       source=job.source, reraise=is_transient, extract=False)
                rec.worker = os.getpid()
                conn.send((i, rec, None))
                break
            except Exception as exc:  # transient, re-raised on purpose by process_document
                attempt += 1
                reason = _one_line(f"{type(exc).__name__}: {exc}")
                if attempt > retries:
                    conn.send((i, None, ("read", reason)))
                    break
                conn.send(("retry", i, attempt, reason))
                time.sleep(backoff * (2 ** (attempt - 1)))
    conn.send(None)
    conn.close()
    _exit_now()


class _Reader:
    """The read step of a list of file jobs, run ahead in a process of its own
    (a spawned interpreter: it needs no pipeline, so it is reading within a
    second) while this process loads the pipeline; see :class:`DocumentPool`.
    (Forking it instead measured the same.) Started before its jobs are known
    (:func:`start_reader_early`), it gets ready meanwhile and waits for them
    (:meth:`start`)."""

    def __init__(self, settings: Settings) -> None:
        import multiprocessing
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe(duplex=True)
        self._proc = ctx.Process(target=_reader_main, name="docmine-reader", daemon=True,
                                 args=(child, settings, os.getpid()))
        self._proc.start()
        child.close()
        self.url = settings.url
        self.pid: int = self._proc.pid  #: the reader's process id
        self.reported: set[int] = set()  #: indexes of the jobs the reader answered for
        self.done = False  #: the stream ended (finished, or the reader died)
        self.died = False  #: the reader ended without finishing: the jobs not reported are not read

    def start(self, jobs: list, run_id: Optional[int], retries: int, backoff: float) -> None:
        """Hand the reader its jobs (raises OSError when it is gone)."""
        self._conn.send((run_id, list(jobs), retries, backoff))

    def poll(self) -> list:
        """Messages received so far, without waiting."""
        out = []
        while not self.done:
            try:
                if not self._conn.poll():
                    break
                msg = self._conn.recv()
            except (EOFError, OSError):
                self.done = self.died = True
                break
            if msg is None:
                self.done = True
                break
            if msg[0] != "retry":
                self.reported.add(msg[0])
            out.append(msg)
        return out

    def wait(self, timeout: float) -> None:
        """Block until a message may be read, at most ``timeout`` seconds."""
        try:
            self._conn.poll(timeout)
        except (EOFError, OSError):
            pass

    def close(self) -> None:
        self.done = True
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join(timeout=5)
        self._conn.close()


#: readers started before their run knew its files (:func:`start_reader_early`), by database URL
_EARLY_READERS: dict[str, _Reader] = {}


def start_reader_early(settings: Settings, workers: Optional[int] = None) -> None:
    """Start the reader process of the next :class:`DocumentPool` run on
    ``settings``' database now, so that it gets ready (≈ 0.5 s of imports)
    while this process finds the files and readies the database; the pool
    takes it (:func:`_take_reader`). Does nothing unless the pool will fork
    workers (``workers`` > 1, default every core, and :func:`fork_is_safe`).
    Call :func:`discard_early_readers` once the run is over."""
    if (workers or default_workers()) > 1 and fork_is_safe() and settings.url not in _EARLY_READERS:
        try:
            _EARLY_READERS[settings.url] = _Reader(settings)
        except Exception as exc:  # the pool will start one itself
            log.debug("no early reader: %s", exc)


def _take_reader(settings: Settings) -> Optional[_Reader]:
    reader = _EARLY_READERS.pop(settings.url, None)
    if reader is not None and not reader._proc.is_alive():
        reader.close()
        return None
    return reader


def discard_early_readers() -> None:
    """End the readers :func:`start_reader_early` started that no pool took."""
    while _EARLY_READERS:
        _url, reader = _EARLY_READERS.popitem()
        try:
            reader._conn.send(None)
        except OSError:
            pass
        reader.close()


class DocumentPool:
    """Documents processed by ``workers`` processes, each with the pipeline
    loaded once, or in this process when ``workers`` is 1.

    Each worker runs the one per-document sequence (:func:`process_document`
    for a file, :func:`extract_stored` for a stored document) and writes its
    own transactions: pages are read in a short read transaction, extraction
    runs with none open, and the rows are written in one write transaction
    (SQLite ``BEGIN IMMEDIATE``: writers wait for each other, never fail with
    "database is locked"). A job that meets transient I/O
    (:func:`is_transient`) is retried after a back-off (``backoff`` s, doubled,
    ``retries`` times), each retry logged on the ``docmine.run`` logger;
    anything else fails that document only. A worker that dies (out of
    memory, a crash in a reader) fails the documents it may have held after
    one more try; the pool is started again for the others.

    How the workers start (``start_method``; ``auto``: ``fork`` when
    :func:`fork_is_safe`, else ``spawn``):

    * ``fork``: this process loads the pipeline once and the workers are forked
      from it, sharing it (no worker loads it again: ≈ 2 s of start-up per
      worker saved). Meanwhile a reader process (spawned) runs the read step of
      the files (PDF → pages stored), so the second core works while the
      pipeline loads; the workers then extract the stored documents. A file the
      reader could not answer for (it died) goes to a worker whole. What is
      loaded is frozen for the garbage collector first (``gc.freeze``), so the
      workers' collections do not touch, and copy, the pages they share.
    * ``spawn``: a clean interpreter per worker, each loading the pipeline in
      the pool initialiser and running the whole sequence per file (what a
      process with other threads needs: Prefect, a web app).

    >>> with DocumentPool(settings, workers=2) as pool:          # doctest: +SKIP
    ...     for job, outcome in pool.run(jobs, run_id=7):
    ...         print(outcome.source, outcome.outcome)

    Use it as a context manager, from one thread (the workers die with the
    thread's process, see :func:`_die_with_parent`)."""

    def __init__(self, settings: Settings, workers: Optional[int] = None, *, session_factory=None,
                 retries: int = IO_RETRIES, backoff: float = IO_BACKOFF,
                 logger: Optional[logging.Logger] = None, start_method: str = "auto") -> None:
        if start_method not in START_METHODS:
            raise ValueError(f"start_method must be one of {', '.join(START_METHODS)}, not {start_method!r}")
        self.settings = settings
        self.workers = max(1, workers if workers else default_workers())
        self.retries, self.backoff = max(0, retries), max(0.0, backoff)
        self.log = logger or log
        self.start_method = start_method
        self._factory = session_factory
        self._executor = None
        self._forked = False  # the executor's workers are forked from this process
        self._frozen = False  # gc.freeze() was called before forking them
        self._started = False  # a worker finished a job: the pool can start here
        #: how the workers of this pool were started: "fork", "spawn", or None (none yet)
        self.started_with: Optional[str] = None
        #: the reader process while it runs (:class:`_Reader`: ``pid``), else None
        self.reader: Optional[_Reader] = None
        #: process ids of the reader processes this pool has used
        self.reader_pids: list[int] = []

    # ---- life cycle
    def __enter__(self) -> "DocumentPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        if self._frozen:  # the workers are gone: this process collects its garbage as before
            import gc
            gc.unfreeze()
            self._frozen = False

    def _use_fork(self) -> bool:
        if self.start_method == "spawn":
            return False
        return fork_is_safe() if self.start_method == "auto" else True

    def _pool(self, size: int, fork: bool = False):
        if self._executor is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor
            if fork:  # the pipeline the forked workers share
                self._frozen = preload_for_fork(self.settings, self.log)
            # spawn: a clean interpreter per worker (no inherited threads, locks or
            # database connections), whatever the parent runs (Prefect, a web app)
            self._forked = fork
            self.started_with = "fork" if fork else "spawn"
            self._executor = ProcessPoolExecutor(
                max_workers=size, mp_context=multiprocessing.get_context("fork" if fork else "spawn"),
                initializer=_worker_init, initargs=(self.settings, os.getpid()))
        return self._executor

    def _retry_wait(self, job: Job, attempt: int, reason: str) -> float:
        delay = self.backoff * (2 ** (attempt - 1))
        self.log.warning("retry %d/%d of %s in %.1f s: %s", attempt, self.retries, job.label, delay, reason)
        return delay

    @staticmethod
    def _failed(job: Job, step: str, code: str, reason: str) -> DocumentOutcome:
        return DocumentOutcome(source=job.label, outcome="failed", step=step, code=code, reason=reason,
                               document_id=job.document_id)

    # ---- work
    def run(self, jobs: Sequence[Job], *, run_id: Optional[int] = None,
            current: Optional[Sequence[str]] = None):
        """Yield ``(job, DocumentOutcome)`` for every job, as each finishes
        (in completion order when there are several workers)."""
        jobs = list(jobs)
        current = list(current) if current is not None else current_versions(self.settings)
        if self.workers == 1:
            yield from self._run_here(jobs, run_id, current)
            return
        # what is stored and extracted already (same bytes, a current model version) is
        # recorded here, without starting a worker or loading the pipeline
        light, heavy = [], []
        for job in jobs:
            (heavy if self._needs_work(job, current) else light).append(job)
        yield from self._run_here(light, run_id, current)
        if len(heavy) <= 1 and self._executor is None:
            yield from self._run_here(heavy, run_id, current)
        else:
            yield from self._run_pool(heavy, run_id, current)

    def _session_factory(self):
        if self._factory is None:
            from docmine.store.db import make_session_factory
            self._factory = make_session_factory(self.settings.url)
        return self._factory

    def _needs_work(self, job: Job, current: Sequence[str]) -> bool:
        """False when the job's document is stored and extracted by a ``current``
        model version (a file: by its sha256), so there is nothing to read or
        extract; True when there may be (or when that cannot be told)."""
        try:
            with self._session_factory()() as session:
                if job.document_id is not None:
                    q = select(Document.extracted_version).where(Document.id == job.document_id)
                else:
                    from docmine.ingest import read_regular_file, sha256_bytes  # a FIFO does not block
                    sha = sha256_bytes(read_regular_file(job.path))
                    q = select(Document.extracted_version).where(Document.sha256 == sha)
                found = session.execute(q.limit(1)).first()
                session.rollback()
            return found is None or found[0] not in current
        except Exception:  # unreadable, gone…: process_document records why
            return True

    def _run_here(self, jobs, run_id, current):
        if not jobs:
            return
        factory = self._session_factory()
        for job in jobs:
            attempt = 0
            while True:
                rec, transient = _do_job(job, run_id, self.settings, factory, current)
                if transient is None:
                    yield job, rec
                    break
                attempt += 1
                if attempt > self.retries:
                    yield job, self._failed(job, transient[0], "io_error", transient[1])
                    break
                time.sleep(self._retry_wait(job, attempt, transient[1]))

    def _run_pool(self, jobs, run_id, current):
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool
        jobs = list(jobs)  # grows: the extraction jobs of the files the reader stored
        size = min(self.workers, max(1, len(jobs)))
        fork = self._forked if self._executor is not None else self._use_fork()
        files = [i for i, j in enumerate(jobs) if j.document_id is None]
        reader = None
        if fork and files and self._executor is None:
            for attempt in (1, 2):  # an early reader (start_reader_early), else a new one
                try:
                    reader = (_take_reader(self.settings) if attempt == 1 else None) or _Reader(self.settings)
                    reader.start([jobs[i] for i in files], run_id, self.retries, self.backoff)
                    self.reader = reader
                    self.reader_pids.append(reader.pid)
                    break
                except Exception as exc:  # the workers read the files themselves
                    if reader is not None:
                        reader.close()
                    reader = None
                    if attempt == 2:
                        self.log.warning("no reader process: %s", _one_line(f"{type(exc).__name__}: {exc}"))
        origin: dict[int, int] = {}  # index of an extraction job → index of the file job it continues
        read: dict[int, DocumentOutcome] = {}  # file job index → the outcome of its read step
        attempts: dict[int, int] = {}
        crashes: dict[int, int] = {}
        waiting: list[tuple[float, int]] = []  # (due time, job index) of retries
        running: dict = {}

        def submit(i: int) -> None:
            running[self._pool(size, fork).submit(_worker_job, jobs[i], run_id, current)] = i

        def final(i: int, rec: DocumentOutcome) -> tuple:
            """(job, outcome) to report for pool job ``i``: a file's read and extraction as one."""
            k = origin.pop(i, None)
            return (jobs[i], rec) if k is None else (jobs[k], _merge(read.pop(k), rec))

        def from_reader() -> Iterator[tuple]:
            nonlocal reader
            for msg in reader.poll():
                if msg[0] == "retry":
                    _tag, k, attempt, reason = msg
                    self._retry_wait(jobs[files[k]], attempt, reason)  # logged here; the reader waits
                    continue
                k, rec, transient = msg
                i = files[k]
                if rec is None:
                    yield jobs[i], self._failed(jobs[i], transient[0], "io_error", transient[1])
                elif rec.outcome == "failed" or rec.document_id is None:
                    yield jobs[i], rec
                else:
                    read[i] = rec
                    jobs.append(Job(document_id=rec.document_id))
                    origin[len(jobs) - 1] = i
                    submit(len(jobs) - 1)
            if reader.done:
                if reader.died:  # what it did not answer for: read and extracted by a worker
                    rest = [i for k, i in enumerate(files) if k not in reader.reported]
                    if rest:
                        self.log.warning("the reader process died; %d file(s) go to the workers", len(rest))
                    for i in rest:
                        submit(i)
                reader.close()
                reader = self.reader = None

        if reader is None:
            for i in range(len(jobs)):
                submit(i)
        else:
            for i in range(len(jobs)):
                if jobs[i].document_id is not None:
                    submit(i)
            self._pool(size, fork)  # the pipeline loads here while the reader reads
        try:
            while running or waiting or reader is not None:
                if reader is not None:
                    yield from from_reader()
                now = time.monotonic()
                for due, i in [w for w in waiting if w[0] <= now]:
                    waiting.remove((due, i))
                    submit(i)
                if not running:
                    if reader is not None:
                        reader.wait(0.5 if not waiting else max(0.0, min(d for d, _ in waiting) - now))
                    elif waiting:
                        time.sleep(max(0.0, min(d for d, _ in waiting) - time.monotonic()))
                    continue
                timeout = max(0.0, min(d for d, _ in waiting) - now) if waiting else None
                if reader is not None:  # look at the reader again soon
                    timeout = 0.02 if timeout is None else min(timeout, 0.02)
                done, _ = wait(list(running), timeout=timeout, return_when=FIRST_COMPLETED)
                broken = False
                for fut in done:
                    i = running.pop(fut)
                    job = jobs[i]
                    try:
                        rec, transient = fut.result()
                    except BrokenProcessPool as exc:
                        broken = True
                        crashes[i] = crashes.get(i, 0) + 1
                        if crashes[i] > 1:
                            yield final(i, self._failed(job, "extract" if job.document_id else "read", "crashed",
                                                        _one_line(f"a worker process died: {exc}")))
                        else:
                            waiting.append((time.monotonic(), i))
                        continue
                    except Exception as exc:  # pickling trouble, a bug in the worker wrapper
                        yield final(i, self._failed(job, "extract" if job.document_id else "read", "error",
                                                    _one_line(f"{type(exc).__name__}: {exc}")))
                        continue
                    self._started = True
                    if transient is None:
                        yield final(i, rec)
                        continue
                    attempts[i] = attempts.get(i, 0) + 1
                    if attempts[i] > self.retries:
                        yield final(i, self._failed(job, transient[0], "io_error", transient[1]))
                    else:
                        waiting.append((time.monotonic() + self._retry_wait(job, attempts[i], transient[1]), i))
                if broken and not self._started:
                    # no worker ever finished a job: workers cannot start here (e.g. a calling
                    # script without ``if __name__ == "__main__":``, which spawn re-imports)
                    self.log.warning("worker processes could not start; going on in this process "
                                     "(a script starting docmine runs needs if __name__ == '__main__':)")
                    self.close()
                    rest = {i for _d, i in waiting} | set(running.values())
                    if reader is not None:  # files it has not read yet are read here
                        yield from from_reader()
                        if reader is not None:
                            reader.close()
                            rest |= {i for k, i in enumerate(files) if k not in reader.reported}
                            reader = self.reader = None
                    running.clear()
                    waiting.clear()
                    self.workers = 1
                    for i in sorted(rest):
                        for _job, rec in self._run_here([jobs[i]], run_id, current):
                            yield final(i, rec)
                    return
                if broken:  # every job still queued in the dead pool fails the same way: start again
                    self.log.warning("a worker process died; starting the pool again")
                    if self._executor is not None:
                        self._executor.shutdown(wait=False, cancel_futures=True)
                        self._executor = None
                    for fut, i in list(running.items()):
                        running.pop(fut)
                        crashes[i] = crashes.get(i, 0) + 1
                        waiting.append((time.monotonic(), i))
        finally:
            for fut in running:
                fut.cancel()
            if reader is not None:
                reader.close()
                self.reader = None


def _merge(read: DocumentOutcome, extracted: DocumentOutcome) -> DocumentOutcome:
    """One outcome for a file whose read step and extraction ran in two
    processes (:class:`DocumentPool` with a reader), as :func:`process_document`
    would have returned it."""
    read.extracted, read.mentions, read.action_items = extracted.extracted, extracted.mentions, extracted.action_items
    read.labels = dict(extracted.labels)
    read.seconds += extracted.seconds
    read.cpu_seconds += extracted.cpu_seconds
    read.worker = extracted.worker or read.worker
    if extracted.outcome == "failed":
        read.outcome, read.step = "failed", extracted.step or "extract"
        read.code, read.reason = extracted.code, extracted.reason
    return read


def run(paths: Sequence[str | Path] | str | Path | None = None, *, settings: Settings | None = None,
        progress: bool = True, workers: Optional[int] = None) -> RunSummary:
    """Ingest ``paths`` (files or folders; default ``settings.samples_dir``),
    extracting and storing each document as it is stored
    (:func:`process_document`), then extract every other stored document whose
    output is not from a current model version (an interrupted run, a new
    model). One document's failure is recorded and the others go on; so is a
    path that cannot be taken (missing, a symlink loop, a FIFO…), with its
    reason. A run left ``running`` by a process that is gone is marked
    ``interrupted`` first (:func:`docmine.ingest.start_run`).

    ``workers``: processes extracting at once (default :func:`default_workers`,
    every core; 1 = in this process), see :class:`DocumentPool`."""
    settings = settings or get_settings()
    # the reader of the worker processes gets ready while this process finds the files
    start_reader_early(settings, workers)
    try:
        return _run(paths, settings=settings, progress=progress, workers=workers)
    finally:
        discard_early_readers()


def _run(paths, *, settings: Settings, progress: bool, workers: Optional[int]) -> RunSummary:
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
    from docmine.store.models import settings_in_force
    settings = settings_in_force(settings)  # the model version in force (database setting)
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
        # refreshed on each document, not by a thread: the workers may then be
        # forked from this process (DocumentPool, fork_is_safe)
        bar = Progress(TextColumn("run"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("{task.fields[name]}"), transient=True, auto_refresh=False)
        bar.start()
        task = bar.add_task("run", total=len(files), name="")
    pool = DocumentPool(settings, workers, session_factory=factory)
    try:
        with pool:
            for _job, rec in pool.run([Job(path=str(f)) for f in files], run_id=run_id, current=current):
                outcomes.append(rec)
                if bar:
                    bar.update(task, name=Path(rec.source).name, advance=1, refresh=True)
            failed_ids = {r.document_id for r in outcomes if r.step == "extract"}
            with factory() as session:
                todo = [d for d in pending_documents(session=session, model_version=current)
                        if d not in failed_ids]
            leftovers: list[dict] = []
            # stored earlier, not extracted by a current model version (a killed run, a new model)
            for _job, rec in pool.run([Job(document_id=d) for d in todo], current=current):
                if rec.extracted:
                    summary.extracted += 1
                elif rec.outcome == "failed":
                    with factory() as session:
                        src = session.scalar(select(Document.source).where(Document.id == rec.document_id))
                    leftovers.append({"source": str(src), "reason": rec.reason})
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
