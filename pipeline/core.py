"""The nightly ingest without Prefect: the steps, the run itself, its summary.

:func:`ingest` is the body of the ``nightly-ingest`` flow (discover → fetch →
read → extract → store, then the summary); it takes its steps from a
:class:`Steps`. The Prefect flow (:mod:`docmine_pipeline.flows`) gives it Prefect
tasks (task runs, retries, task runners, the artifact); :func:`run_once` gives it
plain calls with the same retry policy (:func:`retrying`), for a one-shot
``docmine run`` that needs no orchestration: no Prefect import, no API server,
the same output, records and exit code. Nothing here imports Prefect.
"""
from __future__ import annotations

import logging
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from docmine.reading.fetch import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, FetchError
from docmine.run import current_versions, default_workers, is_transient  # noqa: F401  (is_transient re-exported)
from docmine.settings import Settings, get_settings

#: retries of the I/O steps and the base of their exponential back-off (seconds)
IO_RETRIES = 3
IO_BACKOFF = 2.0  # seconds: 2, 4, 8 (± 20 % jitter); the parameter ``io_backoff`` changes it
IO_JITTER = 0.2
TASK_RUNNERS = ("processes", "sequential", "threads", "dask")
#: documents in flight at once for ``threads`` and ``dask`` when ``concurrency`` is not given
DEFAULT_WINDOW = 4


# --------------------------------------------------------------------------- retry policy
def backoff_delays(backoff: float, retries: int = IO_RETRIES) -> list[float]:
    """Seconds before each retry: ``backoff × 2^n`` (as Prefect's ``exponential_backoff``)."""
    return [backoff * 2 ** n for n in range(retries)]


def retrying(name: str, fn: Callable, *, log: logging.Logger, backoff: float = IO_BACKOFF,
             retries: int = IO_RETRIES, sleep: Callable[[float], None] = time.sleep) -> Callable:
    """``fn`` retried like the flow's I/O tasks: only on :func:`is_transient`
    errors, at most ``retries`` times, after ``backoff × 2^n`` seconds (± 20 %);
    one log line per retry (``<name> failed: … - Retry 1/3 will start 2.1
    second(s) from now``). The last error is raised."""
    delays = backoff_delays(backoff, retries)

    def call(*args, **kwargs):
        attempt = 0
        while True:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                if attempt >= retries or not is_transient(exc):
                    if attempt:
                        log.error("%s failed: %r - Retries are exhausted", name, exc)
                    raise
                delay = delays[attempt]
                if delay > 0:
                    delay = round(random.uniform(delay * (1 - IO_JITTER), delay * (1 + IO_JITTER)), 2)
                attempt += 1
                log.info("%s failed: %r - Retry %d/%d will start %s", name, exc, attempt, retries,
                         f"{delay} second(s) from now" if delay else "immediately")
                if delay > 0:
                    sleep(delay)
    return call


# --------------------------------------------------------------------------- the steps
def settings_for(database_url: Optional[str], data_dir: Optional[str]) -> Settings:
    return get_settings(database_url=database_url or None, data_dir=data_dir or None)


def prepare_database(url: str, data_dir: Optional[str] = None) -> str:
    """Migrate the schema, load the knowledge base, link symbols, catch up the
    full-text index (``docmine.run.prepare``; idempotent); return the URL."""
    from docmine.run import prepare
    prepare(settings_for(url, data_dir))
    return url


def found_target(spec: str) -> str:
    from docmine.reading.sources import parse_source
    return parse_source(spec)[1]


def discover_source(spec: str, data_dir: str, timeout: float, max_bytes: int,
                    allowed_hosts: list[str]) -> dict:
    """Candidates of one configured source; raises when the source itself is
    unreachable in a way worth retrying (after the retries the run records it)."""
    from docmine.reading.sources import discover
    found = discover([spec], data_dir=data_dir, timeout=timeout, max_bytes=max_bytes,
                     allowed_hosts=allowed_hosts)
    for f in found.failures:
        if f.location == spec or (f.source == spec and f.location == found_target(spec)):
            err = FetchError(f.code, f.reason, f.location)
            if err.retryable:
                raise err
    return {"candidates": [c.to_dict() for c in found.candidates],
            "failures": [f.to_dict() for f in found.failures], "sources": found.sources}


def fetch_document(candidate: dict, data_dir: str, allowed_hosts: list[str], timeout: float,
                   max_bytes: int) -> dict:
    """A local file for the candidate (download, conditional and atomic, for URLs)."""
    from docmine.reading.sources import Candidate, fetch_candidate
    local = fetch_candidate(Candidate(**candidate), data_dir=data_dir, allowed_hosts=allowed_hosts,
                            timeout=timeout, max_bytes=max_bytes)
    return asdict(local)


def store_document(path: str, source: str, run_id: int, url: str, data_dir: str) -> dict:
    """Read → store → extract → store for one local file
    (``docmine.run.process_document``): raises only on transient I/O (to be
    retried); any other failure comes back as a failed outcome."""
    from docmine.run import process_document
    settings = settings_for(url, data_dir)
    return process_document(path, source=source, run_id=run_id, settings=settings,
                            reraise=is_transient).to_dict()


def process_candidate_with(fetch: Callable, store: Callable, candidate: dict, *, run_id: int, url: str,
                           data_dir: str, allowed_hosts: list[str], timeout: float,
                           max_bytes: int) -> dict:
    """``fetch`` then ``store`` (each with its retries) for one candidate;
    never raises: a failure is returned with its step, code and reason."""
    from docmine.reading.sources import Candidate, remember_file
    rec: dict[str, Any] = empty_record(candidate)
    t0 = time.perf_counter()
    try:
        try:
            local = fetch(candidate, data_dir, allowed_hosts, timeout, max_bytes)
        except FetchError as exc:
            rec.update(code=exc.code, reason=exc.reason)
            return rec
        rec["not_modified"] = local["not_modified"]
        rec["step"] = "store"
        out = store(local["path"], candidate["location"], run_id, url, data_dir)
        rec.update({k: out[k] for k in ("outcome", "step", "code", "reason", "document_id", "pages",
                                         "mentions", "action_items", "labels", "extracted")})
        if rec["outcome"] != "failed" and candidate["kind"] == "file" and out.get("sha256"):
            remember_file(data_dir, Candidate(**candidate), out["sha256"])
        return rec
    except Exception as exc:  # after the step's own retries: record and go on
        rec.update(outcome="failed", code=rec["code"] or code_of(exc),
                   reason=one_line(f"{type(exc).__name__}: {exc}"))
        return rec
    finally:
        rec["seconds"] = round(time.perf_counter() - t0, 3)


def empty_record(candidate: dict) -> dict:
    return {"location": candidate["location"], "source": candidate["source"], "outcome": "failed",
            "step": "fetch", "code": None, "reason": None, "document_id": None, "pages": 0, "mentions": 0,
            "action_items": 0, "labels": {}, "extracted": False, "not_modified": False}


def fetch_all(candidates: list[dict], fetch: Callable, *, data_dir: str, allowed_hosts: list[str],
              timeout: float, max_bytes: int, note: Callable[[dict], None]) -> list[dict]:
    """A local file per candidate: folder files as they are (nothing to
    download), URLs through ``fetch`` (with its retries). A candidate that
    cannot be fetched is noted as failed; returns ``[{"candidate", "local"}]``."""
    from docmine.reading.sources import Candidate, fetch_candidate
    out = []
    for c in candidates:
        t0 = time.perf_counter()
        try:
            if c["kind"] == "file":
                local = asdict(fetch_candidate(Candidate(**c), data_dir=data_dir, allowed_hosts=allowed_hosts,
                                               timeout=timeout, max_bytes=max_bytes))
            else:
                local = fetch(c, data_dir, allowed_hosts, timeout, max_bytes)
        except Exception as exc:  # after fetch's own retries
            rec = empty_record(c)
            rec.update(code=exc.code if isinstance(exc, FetchError) else code_of(exc),
                       reason=exc.reason if isinstance(exc, FetchError)
                       else one_line(f"{type(exc).__name__}: {exc}"),
                       seconds=round(time.perf_counter() - t0, 3))
            note(rec)
            continue
        out.append({"candidate": c, "local": local})
    return out


def batches(files: list, slots: int, per_slot: int = 4) -> list[list]:
    """``files`` dealt into at most ``per_slot`` batches per worker slot (round
    robin, so batch sizes differ by one at most): few enough that a task's
    overhead (a Prefect task run, a Dask round trip) is paid per batch, not
    per document, and enough that the slots stay busy to the end."""
    k = max(1, min(len(files), max(1, slots) * per_slot))
    return [b for b in (files[i::k] for i in range(k)) if b]


def store_files(files: list[dict], run_id: int, url: str, data_dir: str, *, workers: Optional[int] = None,
                io_backoff: float = IO_BACKOFF, on_record: Optional[Callable[[dict], None]] = None,
                logger=None) -> list[dict]:
    """Read → store → extract → store for a batch of local files
    (``[{"candidate": {...}, "local": {...}}]``) in worker processes:
    ``docmine.run.DocumentPool`` (``workers`` processes, default one per core,
    each loading the pipeline once; every document written in its own
    transactions by the worker; transient I/O retried per document, each
    retry logged on ``logger``). ``on_record(record)`` is called as each
    document finishes. Returns one record per file."""
    from docmine.reading.sources import Candidate, remember_files
    from docmine.run import DocumentPool, Job
    settings = settings_for(url, data_dir)
    by_path = {f["local"]["path"]: f for f in files}
    records: list[dict] = []
    remember: list[tuple] = []
    with DocumentPool(settings, workers, backoff=io_backoff, logger=logger) as pool:
        jobs = [Job(path=f["local"]["path"], source=f["candidate"]["location"]) for f in files]
        for job, out in pool.run(jobs, run_id=run_id):
            f = by_path[job.path]
            c = f["candidate"]
            rec = empty_record(c)
            rec["not_modified"] = f["local"].get("not_modified", False)
            rec.update({k: v for k, v in out.to_dict().items()
                        if k in ("outcome", "step", "code", "reason", "document_id", "pages", "mentions",
                                 "action_items", "labels", "extracted")})
            rec["seconds"] = round(out.seconds, 3)
            if rec["outcome"] != "failed" and c["kind"] == "file" and out.sha256:
                remember.append((Candidate(**c), out.sha256))
                if len(remember) >= 200:  # a killed run keeps most of what it learnt
                    remember_files(data_dir, remember)
                    remember.clear()
            records.append(rec)
            if on_record is not None:
                on_record(rec)
    if remember:
        remember_files(data_dir, remember)
    return records


def extract_document(document_id: int, url: str, data_dir: str) -> dict:
    """Extract and store one document's model rows, replacing the previous
    ones in one transaction (``docmine.run.extract_stored``)."""
    from docmine.run import extract_stored
    return jsonable(extract_stored(document_id, settings=settings_for(url, data_dir), force=True))


def jsonable(result: Any) -> dict:
    if result is None:
        return {}
    if hasattr(result, "to_dict"):
        result = result.to_dict()
    if not isinstance(result, dict):
        return {"result": str(result)}
    return {k: v for k, v in result.items() if isinstance(v, (int, float, str, bool, type(None), list, dict))}


def count(result: dict, *keys: str) -> int:
    for k in keys:
        v = result.get(k)
        if isinstance(v, bool):
            continue
        if isinstance(v, int):
            return v
        if isinstance(v, (list, tuple)):
            return len(v)
    return 0


def reextract_outdated(url: str, data_dir: str, current: list[str], extract: Callable, *, skip=(),
                       log=None) -> dict:
    """Re-extract, ``extract(document_id, url, data_dir)`` each (raises on
    failure), the stored documents whose output comes from another model
    version than ``current`` (after a promotion or a rollback, a run brings
    every older document up to date). ``{"documents", "extracted", "failed":
    [...], "mentions", "action_items"}``."""
    from docmine.run import pending_documents
    from docmine.store.db import session_scope
    skip = set(skip)
    with session_scope(url) as session:
        ids = [d for d in pending_documents(session=session, model_version=current) if d not in skip]
    out = {"documents": len(ids), "extracted": 0, "failed": [], "mentions": 0, "action_items": 0}
    if ids and log is not None:
        log.info("re-extracting %d document(s) extracted by an older model version", len(ids))
    for i, doc_id in enumerate(ids, 1):
        try:
            r = extract(doc_id, url, data_dir)
        except Exception as exc:
            out["failed"].append({"document_id": doc_id, "reason": one_line(f"{type(exc).__name__}: {exc}")})
            if log is not None:
                log.warning("[%d/%d] document %d failed: %s", i, len(ids), doc_id, out["failed"][-1]["reason"])
            continue
        out["extracted"] += 1
        out["mentions"] += count(r, "mentions", "n_mentions")
        out["action_items"] += count(r, "action_items", "n_action_items", "actions")
        if log is not None:
            log.info("[%d/%d] document %d: %d mention(s)", i, len(ids), doc_id, count(r, "mentions", "n_mentions"))
    return out


def code_of(exc: BaseException) -> str:
    if isinstance(exc, FetchError):
        return exc.code
    if is_transient(exc):
        return "io_error"
    return "error"


def one_line(text: str, limit: int = 300) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


# --------------------------------------------------------------------------- run records
def start_run(url: str, params: dict) -> int:
    """``docmine.ingest.start_run``: runs whose process is gone become ``interrupted``."""
    from docmine.store.db import make_session_factory
    from docmine.ingest import start_run as _start
    with make_session_factory(url)() as session:
        return _start(session, trigger="flow", settings=params).id


def finish_run(url: str, run_id: int, status: str, summary: dict,
               source_failures: list[dict], records: list[dict] = ()) -> None:
    """Close the ingest run; record the failures ``ingest_file`` did not record
    itself (sources and links, downloads, extraction) as ``ingest_items``."""
    from docmine.store.db import begin_write, session_scope
    from docmine.store.schema import IngestItem, IngestRun, utcnow
    failures = [dict(f, step="discover") for f in source_failures]
    failures += [r for r in records if r["outcome"] == "failed" and r.get("step") != "read"]
    with session_scope(url) as session:
        begin_write(session)  # SQLite: take the write lock first, so a concurrent run makes this wait, not fail
        for f in failures:
            code = f.get("code") or "error"
            if f.get("step") == "extract":
                code = f"extract:{code}"[:32]
            session.add(IngestItem(run_id=run_id, source=f["location"], outcome="failed",
                                   error_code=code[:32], reason=one_line(f.get("reason") or ""),
                                   document_id=f.get("document_id")))
        row = session.get(IngestRun, run_id)
        row.status, row.finished_at, row.summary = status, utcnow(), summary


def unchanged(url: str, candidates: list[dict], model: list[str]) -> set[str]:
    """Locations whose remembered sha256 is stored and extracted by a current model version:
    nothing to do for them (no task run, no parsing)."""
    from sqlalchemy import select

    from docmine.store.db import session_scope
    from docmine.store.schema import Document
    shas: dict[str, list[str]] = {}
    for c in candidates:
        if c.get("sha256") and not c.get("changed"):
            shas.setdefault(c["sha256"], []).append(c["location"])
    if not shas:
        return set()
    done: set[str] = set()
    keys = list(shas)
    with session_scope(url) as session:
        for i in range(0, len(keys), 500):
            rows = session.execute(select(Document.sha256, Document.extracted_version)
                                   .where(Document.sha256.in_(keys[i:i + 500]))).all()
            for r in rows:
                if r.extracted_version in model:
                    done.update(shas[r.sha256])
    return done


def render_summary(summary: dict) -> str:
    """The run summary as markdown (the artifact) — also readable as plain text."""
    lines = [f"# docmine nightly ingest — {summary['status']}", "",
             "| discovered | new | skipped | needs OCR | failed | pages | mentions | action items | duration |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
             f"| {summary['discovered']} | {summary['new']} | {summary['skipped']} | {summary['needs_ocr']} "
             f"| {len(summary['failed'])} | {summary['pages']} | {summary['mentions']} "
             f"| {summary['action_items']} | {summary['duration_s']:.1f} s |", ""]
    if summary.get("not_modified"):
        lines.append(f"HTTP 304 (not modified): {summary['not_modified']}; "
                     f"unchanged files not re-read: {summary.get('unchanged', 0)}.")
        lines.append("")
    if summary["failed"]:
        lines += ["## Failures", "", "| where | step | code | reason |", "|---|---|---|---|"]
        for f in summary["failed"]:
            reason = str(f.get("reason") or "").replace("|", "\\|")
            lines.append(f"| {f['location']} | {f.get('step') or ''} | {f.get('code') or ''} | {reason} |")
        lines.append("")
    lines.append(f"Sources: {', '.join(summary['sources'])}  ")
    lines.append(f"Database: {summary['database']}  ")
    lines.append(f"Model version: {summary['model_version']}; task runner: {summary['task_runner']}; "
                 f"ingest run #{summary['run_id']}")
    return "\n".join(lines)


def sum_labels(records: list[dict]) -> dict[str, int]:
    total: dict[str, int] = {}
    for r in records:
        for label, n in (r.get("labels") or {}).items():
            total[label] = total.get(label, 0) + int(n)
    return dict(sorted(total.items()))


def render_text(summary: dict) -> str:
    s = summary
    text = (f"{s['status']}: discovered {s['discovered']}, new {s['new']}, skipped {s['skipped']}, "
            f"needs_ocr {s['needs_ocr']}, failed {len(s['failed'])}, pages {s['pages']}, "
            f"mentions {s['mentions']}, action items {s['action_items']}, {s['duration_s']:.1f} s")
    by_label = s.get("mentions_by_label") or {}
    if by_label:
        text += "\n  mentions by label: " + ", ".join(f"{k} {v}" for k, v in by_label.items())
    for f in s["failed"]:
        text += f"\n  failed: {f['location']} [{f.get('step') or 'source'}:{f.get('code')}] {f.get('reason')}"
    return text


def default_sources(settings: Settings) -> list[str]:
    return [f"folder:{settings.samples_dir}"]


def safe_url(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # pragma: no cover
        return url


# --------------------------------------------------------------------------- the run
@dataclass
class Steps:
    """How :func:`ingest` performs its steps.

    * ``prepare(url, data_dir)``, ``discover(spec, data_dir, timeout, max_bytes,
      hosts) -> dict`` (raises once its retries are spent);
    * ``process(candidates, kwargs, note)``: every candidate fetched, read,
      stored and extracted (:func:`fetch_all` and :func:`store_files`, or
      :func:`process_candidate_with` one by one), calling ``note(record)`` as
      each ends;
    * ``reextract(url, data_dir, current, skip) -> dict``: documents extracted
      by an older model version (:func:`reextract_outdated`);
    * ``log``: where progress lines go.
    """
    prepare: Callable[[str, str], Any]
    discover: Callable[..., dict]
    process: Callable[[list[dict], dict, Callable[[dict], None]], None]
    reextract: Callable[..., dict]
    log: logging.Logger | logging.LoggerAdapter
    extra: dict = field(default_factory=dict)


def ingest(steps: Steps, *, sources: Optional[list[str]] = None, database_url: Optional[str] = None,
           concurrency: Optional[int] = None, task_runner: str = "processes", data_dir: Optional[str] = None,
           timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES,
           allowed_hosts: Optional[list[str]] = None, io_backoff: float = IO_BACKOFF) -> dict:
    """Ingest new and changed meeting papers from every source, then extract
    and store; return the run summary (``status``: ok | partial | failed).
    Parameters: those of the ``nightly-ingest`` flow."""
    t0 = time.perf_counter()
    log = steps.log
    if task_runner not in TASK_RUNNERS:
        raise ValueError(f"task_runner must be one of {TASK_RUNNERS}, not {task_runner!r}")
    settings = settings_for(database_url, data_dir)
    data_dir = str(Path(settings.data_dir).resolve())
    url = settings.url
    specs = list(sources) if sources else default_sources(settings)
    from docmine.extraction.version import model_version
    from docmine.reading.sources import allowed_hosts_for
    from docmine.store.models import settings_in_force
    hosts = sorted(allowed_hosts_for(specs, allowed_hosts or []))
    steps.prepare(url, data_dir)
    settings = settings_in_force(settings)  # the model version in force (a database setting)
    model = current_versions(settings)
    run_id = start_run(url, {"sources": specs, "task_runner": task_runner, "concurrency": concurrency,
                             "model_version": model_version(settings)})
    log.info("ingest run #%s: %d source(s) → %s (model %s, %s%s)", run_id, len(specs),
             safe_url(url), model_version(settings), task_runner,
             f", {concurrency or default_workers()} worker process(es)" if task_runner == "processes" else "")

    # ---- discover
    candidates: list[dict] = []
    source_failures: list[dict] = []
    for spec in specs:
        try:
            found = steps.discover(spec, data_dir, timeout, max_bytes, hosts)
        except Exception as exc:
            code = exc.code if isinstance(exc, FetchError) else code_of(exc)
            reason = exc.reason if isinstance(exc, FetchError) else one_line(f"{type(exc).__name__}: {exc}")
            source_failures.append({"source": spec, "location": found_target(spec), "code": code,
                                    "reason": reason})
            continue
        candidates.extend(found["candidates"])
        source_failures.extend(found["failures"])
    seen: set[str] = set()
    candidates = [c for c in candidates if not (c["location"] in seen or seen.add(c["location"]))]
    for f in source_failures:
        log.warning("source failure: %s [%s] %s", f["location"], f["code"], f["reason"])

    # ---- skip what is already done without a task run
    done = unchanged(url, candidates, model)
    todo = [c for c in candidates if c["location"] not in done]
    log.info("discovered %d document(s): %d unchanged, %d to check", len(candidates), len(done), len(todo))

    # ---- per document
    kwargs = dict(run_id=run_id, url=url, data_dir=data_dir, model=model, allowed_hosts=hosts,
                  timeout=timeout, max_bytes=max_bytes, io_backoff=io_backoff)
    records: list[dict] = []

    def note(rec: dict) -> None:
        records.append(rec)
        extra = (f"{rec['pages']} page(s), {rec['mentions']} mention(s), {rec['action_items']} action item(s)"
                 if rec["outcome"] in ("new", "needs_ocr") else (rec.get("reason") or ""))
        if rec["outcome"] == "failed":
            extra = f"[{rec.get('step')}:{rec.get('code')}] {rec.get('reason')}"
        log.info("[%d/%d] %-9s %s  %s", len(records), len(todo), rec["outcome"],
                 Path(rec["location"]).name, extra)

    steps.process(todo, kwargs, note)

    # ---- documents extracted by an older model version (after a promotion or a rollback)
    failed_ids = {r.get("document_id") for r in records if r["outcome"] == "failed"}
    reextracted = steps.reextract(url, data_dir, model, failed_ids)
    for f in reextracted["failed"]:
        records.append({"location": f"document {f['document_id']}", "source": "", "outcome": "failed",
                        "step": "extract", "code": "error", "reason": f["reason"],
                        "document_id": f["document_id"], "pages": 0, "mentions": 0, "action_items": 0,
                        "labels": {}, "extracted": False, "not_modified": False})

    # ---- summary
    failed = [dict(r, step=r.get("step")) for r in records if r["outcome"] == "failed"]
    failed += [{"location": f["location"], "step": "discover", "code": f["code"], "reason": f["reason"]}
               for f in source_failures]
    n_fail_docs = sum(1 for r in records if r["outcome"] == "failed")
    summary = {
        "run_id": run_id, "sources": specs, "database": safe_url(url), "model_version": model_version(settings),
        "task_runner": task_runner,
        "discovered": len(candidates), "unchanged": len(done),
        "new": sum(r["outcome"] == "new" for r in records),
        "needs_ocr": sum(r["outcome"] == "needs_ocr" for r in records),
        "skipped": len(done) + sum(r["outcome"] == "skipped" for r in records),
        "not_modified": sum(bool(r.get("not_modified")) for r in records),
        "extracted": sum(bool(r.get("extracted")) for r in records),
        "failed": [{k: f.get(k) for k in ("location", "step", "code", "reason")} for f in failed],
        "pages": sum(r["pages"] for r in records),
        "mentions": sum(r["mentions"] for r in records),
        "mentions_by_label": sum_labels(records),
        "action_items": sum(r["action_items"] for r in records),
        "reextracted": reextracted["extracted"],
        "duration_s": round(time.perf_counter() - t0, 2),
    }
    if not failed:
        status = "ok"
    elif n_fail_docs == len(candidates):  # nothing stored or already there: every input failed
        status = "failed"
    else:
        status = "partial"
    summary["status"] = status
    summary["_counts"] = {"failed": len(failed), "failed_documents": n_fail_docs, "todo": len(todo),
                          "source_failures": len(source_failures)}
    finish_run(url, run_id, status, {k: v for k, v in summary.items() if k != "_counts"},
               source_failures, records)
    return summary


def end_message(summary: dict) -> str:
    """The one line a run ends with (the flow's final state message)."""
    c = summary["_counts"]
    if summary["status"] == "ok":
        return f"ok: {summary['new']} new, {summary['skipped']} skipped"
    if summary["status"] == "partial":
        return (f"partial failure: {c['failed']} failure(s) ({c['failed_documents']} of {c['todo']} "
                f"document(s), {c['source_failures']} source/link(s))")
    return f"failed: {c['failed']} failure(s), nothing stored"


# --------------------------------------------------------------------------- without Prefect
class _Format(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s.%(msecs)03d | %(levelname)-7s | docmine run - %(message)s",
                         datefmt="%H:%M:%S")


def run_logger() -> logging.Logger:
    """``docmine.run`` progress lines on stderr, one per event (as the flow's)."""
    log = logging.getLogger("docmine.pipeline.run")
    if not log.handlers:
        h = logging.StreamHandler(sys.stderr)
        h.setFormatter(_Format())
        log.addHandler(h)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


def store_batch(files: list[dict], run_id: int, url: str, data_dir: str, io_backoff: float = IO_BACKOFF) -> list[dict]:
    """:func:`store_files` in this process (one batch of a Dask worker)."""
    return store_files(files, run_id, url, data_dir, workers=1, io_backoff=io_backoff)


#: Dask configuration of the workers of a local cluster (``LocalCluster(config=...)``,
#: the Prefect Dask runner's too). Dask's statistical profiler samples the running
#: task's stack every 10 ms and walks it; over spaCy's deep stacks that cost the
#: worker ≈ 12 % of a run (``docmine run --task-runner dask --dask-workers 1`` on the
#: 100 PDFs of ``benchmarks/bench_e2e.py``, timed with ``/usr/bin/time`` on 2026-11-30:
#: 48.1 s wall with it, 42.6 s without).
#: A cluster docmine does not start keeps its own configuration: set
#: ``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False`` where its workers start.
DASK_WORKER_CONFIG = {"distributed.worker.profile.enabled": False}


def store_on_dask(files: list[dict], run_id: int, url: str, data_dir: str, *, dask_address: Optional[str] = None,
                  dask_workers: int = 2, concurrency: Optional[int] = None, io_backoff: float = IO_BACKOFF,
                  on_record: Optional[Callable[[dict], None]] = None, start_method: str = "auto",
                  log: Optional[logging.Logger] = None) -> list[dict]:
    """:func:`store_files` on a Dask cluster (``distributed``, no Prefect): a
    local cluster of ``dask_workers`` processes with one thread each, or the
    scheduler at ``dask_address`` (``concurrency`` worker processes assumed,
    default 4). One Dask task per batch of files (:func:`batches`), each run
    by ``docmine.run.DocumentPool`` in the worker process, which loads the
    pipeline once and keeps it for the batches after. A batch whose task
    failed (a worker lost) gives a failed record per file; what it stored is
    extracted by the run's re-extraction step. Returns one record per file.

    ``start_method`` of a local cluster's worker processes: ``fork`` (this
    process loads the pipeline first, :func:`docmine.run.preload_for_fork`,
    and the workers share it instead of each loading its own: the start-up
    paid once, not per worker), ``spawn`` (Dask's default), or ``auto``: fork
    where :func:`docmine.run.fork_is_safe` (Linux, no other thread yet)."""
    from distributed import Client, LocalCluster
    from docmine.run import START_METHODS, fork_is_safe, preload_for_fork
    if start_method not in START_METHODS:  # the same choices as docmine.run.DocumentPool
        raise ValueError(f"start_method must be {', '.join(START_METHODS[:-1])} or {START_METHODS[-1]}, "
                         f"not {start_method!r}")
    cluster = None
    frozen = False
    try:
        if dask_address:
            client = Client(dask_address)
            slots = max(1, concurrency or DEFAULT_WINDOW)
        else:
            import dask
            fork = start_method == "fork" or (start_method == "auto" and fork_is_safe())
            if fork:
                frozen = preload_for_fork(settings_for(url, data_dir))
            # read by each nanny as it starts its worker process (a restarted worker included)
            with dask.config.set({"distributed.worker.multiprocessing-method": "fork" if fork else "spawn"}):
                cluster = LocalCluster(n_workers=max(1, dask_workers), threads_per_worker=1, processes=True,
                                       dashboard_address=None, config=DASK_WORKER_CONFIG)
            client = Client(cluster)
            slots = max(1, dask_workers)
            if log is not None:
                log.info("local Dask cluster: %d worker process(es), %s", max(1, dask_workers),
                         "forked from this one (the pipeline loaded once, shared)" if fork
                         else "spawned (each loads the pipeline once)")
        return _store_on_client(client, files, slots, run_id, url, data_dir, io_backoff, on_record)
    finally:
        if cluster is not None:
            cluster.close()
        if frozen:
            import gc
            gc.unfreeze()


def _store_on_client(client, files, slots, run_id, url, data_dir, io_backoff, on_record) -> list[dict]:
    from distributed import as_completed
    records: list[dict] = []
    try:
        futures = {client.submit(store_batch, batch, run_id, url, data_dir, io_backoff, pure=False): batch
                   for batch in batches(files, slots)}
        for fut in as_completed(futures):
            batch = futures[fut]
            try:
                recs = fut.result()
            except Exception as exc:
                recs = []
                for f in batch:
                    rec = empty_record(f["candidate"])
                    rec.update(step="task", code="crashed", reason=one_line(f"task failed: {type(exc).__name__}: {exc}"))
                    recs.append(rec)
            for rec in recs:
                records.append(rec)
                if on_record is not None:
                    on_record(rec)
    finally:
        client.close()
    return records


def run_once(*, sources: Optional[list[str]] = None, database_url: Optional[str] = None,
             data_dir: Optional[str] = None, task_runner: str = "processes", concurrency: Optional[int] = None,
             timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES,
             allowed_hosts: Optional[list[str]] = None, io_backoff: float = IO_BACKOFF,
             dask_address: Optional[str] = None, dask_workers: int = 2,
             log: Optional[logging.Logger] = None) -> dict:
    """One run of the nightly ingest in this process, without Prefect (what
    ``docmine run`` does when no Prefect API is configured and the task runner
    is ``processes``, the default, ``sequential`` or ``dask``): the same steps,
    retry policy, records and summary as the flow. ``processes``: a pool of
    ``concurrency`` worker processes (default one per core,
    ``docmine.run.DocumentPool``); ``sequential``: one document at a time in
    this process; ``dask``: batches of files on a Dask cluster
    (:func:`store_on_dask`). Returns the summary (see :func:`ingest`)."""
    if task_runner not in ("processes", "sequential", "dask"):
        raise ValueError(f"without Prefect the task runner is processes, sequential or dask, not {task_runner!r}")
    from docmine.run import discard_early_readers, start_reader_early
    if task_runner == "processes":  # the workers' reader gets ready while sources are discovered
        start_reader_early(settings_for(database_url, data_dir), concurrency)
    try:
        return _run_once(sources=sources, database_url=database_url, data_dir=data_dir, task_runner=task_runner,
                         concurrency=concurrency, timeout=timeout, max_bytes=max_bytes, allowed_hosts=allowed_hosts,
                         io_backoff=io_backoff, dask_address=dask_address, dask_workers=dask_workers, log=log)
    finally:
        discard_early_readers()


def _run_once(*, sources, database_url, data_dir, task_runner, concurrency, timeout, max_bytes, allowed_hosts,
              io_backoff, dask_address, dask_workers, log) -> dict:
    log = log or run_logger()
    r = dict(log=log, backoff=io_backoff)
    fetch = retrying("fetch-document", fetch_document, **r)
    store = retrying("store-document", store_document, **r)

    def process(todo: list[dict], kwargs: dict, note: Callable[[dict], None]) -> None:
        kw = {k: kwargs[k] for k in ("data_dir", "allowed_hosts", "timeout", "max_bytes")}
        if task_runner == "processes":
            files = fetch_all(todo, fetch, note=note, **kw)
            if files:
                store_files(files, kwargs["run_id"], kwargs["url"], kwargs["data_dir"], workers=concurrency,
                            io_backoff=io_backoff, on_record=note, logger=log)
            return
        if task_runner == "dask":
            files = fetch_all(todo, fetch, note=note, **kw)
            if files:
                store_on_dask(files, kwargs["run_id"], kwargs["url"], kwargs["data_dir"], dask_address=dask_address,
                              dask_workers=dask_workers, concurrency=concurrency, io_backoff=io_backoff,
                              on_record=note, log=log)
            return
        for c in todo:
            note(process_candidate_with(fetch, store, c, run_id=kwargs["run_id"], url=kwargs["url"], **kw))

    extract = retrying("extract-document", extract_document, **r)

    def reextract(url: str, data_dir: str, current: list[str], skip) -> dict:
        return reextract_outdated(url, data_dir, current, extract, skip=skip, log=log)

    steps = Steps(prepare=retrying("prepare-database", prepare_database, **r),
                  discover=retrying("discover-source", discover_source, **r), process=process,
                  reextract=reextract, log=log)
    summary = ingest(steps, sources=sources, database_url=database_url, task_runner=task_runner,
                     concurrency=concurrency, data_dir=data_dir, timeout=timeout, max_bytes=max_bytes,
                     allowed_hosts=allowed_hosts, io_backoff=io_backoff)
    log.info("summary: %s", render_text(summary))
    return summary
