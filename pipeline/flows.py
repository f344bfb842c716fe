"""Prefect 3 flows: nightly ingestion and re-extraction.

``nightly_ingest``: discover → fetch → read → extract → store, one task run per
document for the per-document steps, each a thin wrapper over a docmine
function:

==================  =================================================  ===========================
task                wraps                                              retried (back-off) on
==================  =================================================  ===========================
prepare-database    ``docmine.run.prepare`` (migrate, KB, links)       database connection errors
discover-source     ``docmine.reading.sources.discover``               source down / timeout / 5xx
fetch-document      ``docmine.reading.sources.fetch_candidate``        network errors, 5xx, truncated
store-document      ``docmine.run.process_document``                   database connection errors
                    (read → store → extract → store)
extract-document    ``docmine.run.extract_stored`` (``reextract``)     database connection errors
==================  =================================================  ===========================

``process-document`` (one per candidate) is fetch-document then store-document:
the per-document sequence itself lives once, in ``docmine.run.process_document``,
which the one-shot ``docmine.run.run`` calls too.

A PDF that is simply broken is never retried: ``ingest_file`` records it as
failed with its code and reason. Bytes already stored (same sha256) are
skipped before any parsing; a document stored by an interrupted run but not
yet extracted by the current model version is extracted (that is how a killed
run resumes). Every document is written in its own transaction, so a run can
be killed at any point and started again.

The flow ends ``Completed`` when nothing failed and ``Failed`` with a message
such as ``partial failure: 2 of 18 documents failed`` otherwise (after
recording every outcome); the state's data is the run summary either way.
"""
from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Optional

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.states import Completed, Failed
from prefect.tasks import exponential_backoff

from docmine.reading.fetch import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, FetchError
from docmine.run import current_versions  # noqa: F401  (re-exported: the versions a run treats as done)
from docmine.settings import Settings, get_settings

#: retries of the I/O tasks and the base of their exponential back-off (seconds)
IO_RETRIES = 3
IO_BACKOFF = 2.0  # seconds: 2, 4, 8 (± 20 % jitter); the flow parameter ``io_backoff`` changes it
TASK_RUNNERS = ("sequential", "threads", "dask")


# --------------------------------------------------------------------------- retry policy
def is_transient(exc: BaseException | None) -> bool:
    """I/O that may work next time: network/HTTP 5xx/truncated fetches and
    database connection trouble. A broken PDF is never transient."""
    if exc is None:
        return False
    if isinstance(exc, FetchError):
        return exc.retryable
    try:
        from sqlalchemy.exc import DBAPIError, OperationalError, TimeoutError as PoolTimeout
        if isinstance(exc, (OperationalError, PoolTimeout)):
            return True
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return True
    except ImportError:  # pragma: no cover
        pass
    return isinstance(exc, (ConnectionError, TimeoutError))


def retry_on_io(task, task_run, state) -> bool:
    """``retry_condition_fn``: retry only transient I/O errors."""
    exc = state.data if isinstance(getattr(state, "data", None), BaseException) else None
    if exc is None:
        try:
            state.result()
        except BaseException as e:  # noqa: BLE001 - we only inspect it
            exc = e
    return is_transient(exc)


_io = dict(retries=IO_RETRIES, retry_delay_seconds=exponential_backoff(backoff_factor=IO_BACKOFF),
           retry_jitter_factor=0.2, retry_condition_fn=retry_on_io)


def _settings(database_url: Optional[str], data_dir: Optional[str]) -> Settings:
    return get_settings(database_url=database_url or None, data_dir=data_dir or None)


# --------------------------------------------------------------------------- tasks
@task(name="prepare-database", **_io)
def prepare_database(url: str, data_dir: Optional[str] = None) -> str:
    """Migrate the schema, load the knowledge base, link symbols, catch up the
    full-text index (``docmine.run.prepare``; idempotent); return the URL."""
    from docmine.run import prepare
    prepare(_settings(url, data_dir))
    return url


@task(name="discover-source", **_io)
def discover_source(spec: str, data_dir: str, timeout: float, max_bytes: int,
                    allowed_hosts: list[str]) -> dict:
    """Candidates of one configured source; raises when the source itself is
    unreachable in a way worth retrying (after the retries the flow records it)."""
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


def found_target(spec: str) -> str:
    from docmine.reading.sources import parse_source
    return parse_source(spec)[1]


@task(name="fetch-document", **_io)
def fetch_document(candidate: dict, data_dir: str, allowed_hosts: list[str], timeout: float,
                   max_bytes: int) -> dict:
    """A local file for the candidate (download, conditional and atomic, for URLs)."""
    from docmine.reading.sources import Candidate, fetch_candidate
    local = fetch_candidate(Candidate(**candidate), data_dir=data_dir, allowed_hosts=allowed_hosts,
                            timeout=timeout, max_bytes=max_bytes)
    return asdict(local)


@task(name="store-document", **_io)
def store_document(path: str, source: str, run_id: int, url: str, data_dir: str) -> dict:
    """Read → store → extract → store for one local file
    (``docmine.run.process_document``): raises, and is retried, only on
    transient I/O; any other failure comes back as a failed outcome."""
    from docmine.run import process_document
    settings = _settings(url, data_dir)
    return process_document(path, source=source, run_id=run_id, settings=settings,
                            reraise=is_transient).to_dict()


@task(name="extract-document", **_io)
def extract_document(document_id: int, url: str, data_dir: str) -> dict:
    """Extract and store one document's model rows, replacing the previous
    ones in one transaction (``docmine.run.extract_stored``)."""
    from docmine.run import extract_stored
    settings = _settings(url, data_dir)
    return _jsonable(extract_stored(document_id, settings=settings, force=True))


def _jsonable(result: Any) -> dict:
    if result is None:
        return {}
    if hasattr(result, "to_dict"):
        result = result.to_dict()
    if not isinstance(result, dict):
        return {"result": str(result)}
    return {k: v for k, v in result.items() if isinstance(v, (int, float, str, bool, type(None), list, dict))}


def _count(result: dict, *keys: str) -> int:
    for k in keys:
        v = result.get(k)
        if isinstance(v, bool):
            continue
        if isinstance(v, int):
            return v
        if isinstance(v, (list, tuple)):
            return len(v)
    return 0


@task(name="process-document")
def process_candidate(candidate: dict, *, run_id: int, url: str, data_dir: str, model: list[str],
                      allowed_hosts: list[str], timeout: float, max_bytes: int,
                      io_backoff: float = IO_BACKOFF) -> dict:
    """fetch-document, then store-document (``docmine.run.process_document``)
    for one candidate; never raises: a failure is returned with its step, code
    and reason. ``model``: the current model versions (for the record)."""
    from docmine.reading.sources import Candidate, remember_file
    delays = exponential_backoff(backoff_factor=io_backoff)
    fetch = fetch_document.with_options(retry_delay_seconds=delays)
    store = store_document.with_options(retry_delay_seconds=delays)
    rec: dict[str, Any] = {"location": candidate["location"], "source": candidate["source"],
                           "outcome": "failed", "step": "fetch", "code": None, "reason": None,
                           "document_id": None, "pages": 0, "mentions": 0, "action_items": 0,
                           "labels": {}, "extracted": False, "not_modified": False}
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
    except Exception as exc:  # after the task's own retries: record and go on
        rec.update(outcome="failed", code=rec["code"] or _code_of(exc),
                   reason=_one_line(f"{type(exc).__name__}: {exc}"))
        return rec
    finally:
        rec["seconds"] = round(time.perf_counter() - t0, 3)


def _code_of(exc: BaseException) -> str:
    if isinstance(exc, FetchError):
        return exc.code
    if is_transient(exc):
        return "io_error"
    return "error"


def _one_line(text: str, limit: int = 300) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


# --------------------------------------------------------------------------- helpers
def _make_task_runner(task_runner: str, concurrency: int, dask_address: Optional[str],
                      dask_workers: int):
    if task_runner == "dask":
        from prefect_dask import DaskTaskRunner
        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": max(1, dask_workers), "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    from prefect.task_runners import ThreadPoolTaskRunner
    return ThreadPoolTaskRunner(max_workers=max(1, concurrency if task_runner == "threads" else 1))


def _start_run(url: str, params: dict) -> int:
    """``docmine.ingest.start_run``: runs whose process is gone become ``interrupted``."""
    from docmine.store.db import make_session_factory
    from docmine.ingest import start_run
    with make_session_factory(url)() as session:
        return start_run(session, trigger="flow", settings=params).id


def _finish_run(url: str, run_id: int, status: str, summary: dict,
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
                                   error_code=code[:32], reason=_one_line(f.get("reason") or ""),
                                   document_id=f.get("document_id")))
        row = session.get(IngestRun, run_id)
        row.status, row.finished_at, row.summary = status, utcnow(), summary


def _unchanged(url: str, candidates: list[dict], model: list[str]) -> set[str]:
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


def _sum_labels(records: list[dict]) -> dict[str, int]:
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


# --------------------------------------------------------------------------- flows
@flow(name="nightly-ingest", log_prints=False, validate_parameters=True)
def nightly_ingest(sources: Optional[list[str]] = None, database_url: Optional[str] = None,
                   concurrency: int = 4, task_runner: str = "sequential",
                   dask_address: Optional[str] = None, dask_workers: int = 2,
                   data_dir: Optional[str] = None, timeout: float = DEFAULT_TIMEOUT,
                   max_bytes: int = DEFAULT_MAX_BYTES, allowed_hosts: Optional[list[str]] = None,
                   io_backoff: float = IO_BACKOFF):
    """Ingest new and changed meeting papers from every source, then extract and store.

    * ``sources``: ``folder:/path``, ``http://host/index.html`` or a PDF URL
      (default: the sample corpus);
    * ``database_url``: SQLAlchemy URL (default: the settings in force, the
      embedded SQLite ``<data_dir>/docmine.db``);
    * ``concurrency``: documents in flight at once (a limit for ``threads`` and
      ``dask``; ``sequential`` runs one at a time);
    * ``task_runner``: ``sequential``, ``threads`` or ``dask`` (a local cluster
      of ``dask_workers`` processes, or the cluster at ``dask_address``);
    * ``timeout`` (s) and ``max_bytes`` per download; ``allowed_hosts`` beyond
      the hosts of the HTTP sources; ``io_backoff``: first retry delay (s) of
      the I/O tasks (then doubled, 3 retries).
    """
    t0 = time.perf_counter()
    log = get_run_logger()
    if task_runner not in TASK_RUNNERS:
        raise ValueError(f"task_runner must be one of {TASK_RUNNERS}, not {task_runner!r}")
    settings = _settings(database_url, data_dir)
    data_dir = str(Path(settings.data_dir).resolve())
    url = settings.url
    specs = list(sources) if sources else default_sources(settings)
    from docmine.extraction.version import model_version
    from docmine.reading.sources import allowed_hosts_for
    model = current_versions(settings)
    hosts = sorted(allowed_hosts_for(specs, allowed_hosts or []))
    delays = exponential_backoff(backoff_factor=io_backoff)
    prepare_database.with_options(retry_delay_seconds=delays)(url, data_dir)
    run_id = _start_run(url, {"sources": specs, "task_runner": task_runner, "concurrency": concurrency,
                              "model_version": model_version(settings)})
    log.info("ingest run #%s: %d source(s) → %s (model %s, %s)", run_id, len(specs),
             _safe_url(url), model_version(settings), task_runner)

    # ---- discover
    candidates: list[dict] = []
    source_failures: list[dict] = []
    for spec in specs:
        st = discover_source.with_options(retry_delay_seconds=delays)(
            spec, data_dir, timeout, max_bytes, hosts, return_state=True)
        if st.is_completed():
            found = st.result()
            candidates.extend(found["candidates"])
            source_failures.extend(found["failures"])
        else:
            exc = st.result(raise_on_failure=False)
            code = exc.code if isinstance(exc, FetchError) else _code_of(exc)
            reason = exc.reason if isinstance(exc, FetchError) else _one_line(f"{type(exc).__name__}: {exc}")
            source_failures.append({"source": spec, "location": found_target(spec), "code": code,
                                    "reason": reason})
    seen: set[str] = set()
    candidates = [c for c in candidates if not (c["location"] in seen or seen.add(c["location"]))]
    for f in source_failures:
        log.warning("source failure: %s [%s] %s", f["location"], f["code"], f["reason"])

    # ---- skip what is already done without a task run
    unchanged = _unchanged(url, candidates, model)
    todo = [c for c in candidates if c["location"] not in unchanged]
    log.info("discovered %d document(s): %d unchanged, %d to check", len(candidates), len(unchanged), len(todo))

    # ---- per document, at most `concurrency` in flight
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

    if task_runner == "sequential":
        for c in todo:
            note(process_candidate(c, **kwargs))
    else:
        runner = _make_task_runner(task_runner, concurrency, dask_address, dask_workers)
        with runner:
            window = max(1, concurrency)
            pending: list = []
            for c in todo:
                pending.append((c, runner.submit(process_candidate, parameters={"candidate": c, **kwargs})))
                if len(pending) >= window:
                    note(_result_of(*pending.pop(0)))
            for c, fut in pending:
                note(_result_of(c, fut))

    # ---- summary
    failed = [dict(r, step=r.get("step")) for r in records if r["outcome"] == "failed"]
    failed += [{"location": f["location"], "step": "discover", "code": f["code"], "reason": f["reason"]}
               for f in source_failures]
    n_fail_docs = sum(1 for r in records if r["outcome"] == "failed")
    summary = {
        "run_id": run_id, "sources": specs, "database": _safe_url(url), "model_version": model_version(settings),
        "task_runner": task_runner,
        "discovered": len(candidates), "unchanged": len(unchanged),
        "new": sum(r["outcome"] == "new" for r in records),
        "needs_ocr": sum(r["outcome"] == "needs_ocr" for r in records),
        "skipped": len(unchanged) + sum(r["outcome"] == "skipped" for r in records),
        "not_modified": sum(bool(r.get("not_modified")) for r in records),
        "extracted": sum(bool(r.get("extracted")) for r in records),
        "failed": [{k: f.get(k) for k in ("location", "step", "code", "reason")} for f in failed],
        "pages": sum(r["pages"] for r in records),
        "mentions": sum(r["mentions"] for r in records),
        "mentions_by_label": _sum_labels(records),
        "action_items": sum(r["action_items"] for r in records),
        "duration_s": round(time.perf_counter() - t0, 2),
    }
    if not failed:
        status = "ok"
    elif n_fail_docs == len(candidates):  # nothing stored or already there: every input failed
        status = "failed"
    else:
        status = "partial"
    summary["status"] = status
    _finish_run(url, run_id, status, summary, source_failures, records)
    try:
        create_markdown_artifact(markdown=render_summary(summary), key="docmine-nightly-ingest",
                                 description=f"docmine ingest run #{run_id}: {status}")
    except Exception as exc:  # an artifact is a nicety: never fail the run for it
        log.warning("could not create the summary artifact: %s", exc)
    log.info("summary: %s", render_text(summary))
    if failed:
        return Failed(message=f"partial failure: {len(failed)} failure(s) "
                              f"({n_fail_docs} of {len(todo)} document(s), {len(source_failures)} source/link(s))"
                      if status == "partial" else f"failed: {len(failed)} failure(s), nothing stored",
                      data=summary)
    return Completed(message=f"ok: {summary['new']} new, {summary['skipped']} skipped", data=summary)


def _result_of(candidate: dict, future) -> dict:
    future.wait()
    st = future.state
    if st is not None and st.is_completed():
        return future.result()
    exc = st.result(raise_on_failure=False) if st is not None else None
    return {"location": candidate["location"], "source": candidate["source"], "outcome": "failed", "step": "task", "code": "crashed",
            "reason": _one_line(f"task ended {st.type.value if st else '?'}: {exc}"), "document_id": None,
            "pages": 0, "mentions": 0, "action_items": 0, "extracted": False, "not_modified": False}


def _safe_url(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # pragma: no cover
        return url


@flow(name="reextract", log_prints=False)
def reextract(database_url: Optional[str] = None, only_outdated: bool = True,
              data_dir: Optional[str] = None):
    """Re-run extraction over stored documents for the model version in force:
    every document, or (default) those whose ``extracted_version`` differs from
    ``docmine.extraction.nlp.model_version()``. One transaction per document, so an
    interrupted re-extraction resumes where it stopped."""
    from sqlalchemy import or_, select

    from docmine.store.db import session_scope
    from docmine.store.schema import Document
    from docmine.extraction.version import model_version
    t0 = time.perf_counter()
    log = get_run_logger()
    settings = _settings(database_url, data_dir)
    url = settings.url
    model = model_version(settings)
    current = current_versions(settings)
    prepare_database(url, data_dir)
    with session_scope(url) as session:
        q = select(Document.id).order_by(Document.id)
        if only_outdated:
            q = q.where(or_(Document.extracted_version.is_(None), Document.extracted_version.not_in(current)))
        ids = list(session.scalars(q))
    log.info("re-extracting %d document(s) with %s", len(ids), model)
    done, failed, mentions, actions = 0, [], 0, 0
    for i, doc_id in enumerate(ids, 1):
        st = extract_document(doc_id, url, str(settings.data_dir), return_state=True)
        if st.is_completed():
            r = st.result()
            done += 1
            mentions += _count(r, "mentions", "n_mentions")
            actions += _count(r, "action_items", "n_action_items", "actions")
            log.info("[%d/%d] document %d: %d mention(s)", i, len(ids), doc_id, _count(r, "mentions", "n_mentions"))
        else:
            exc = st.result(raise_on_failure=False)
            failed.append({"document_id": doc_id, "reason": _one_line(f"{type(exc).__name__}: {exc}")})
            log.warning("[%d/%d] document %d failed: %s", i, len(ids), doc_id, failed[-1]["reason"])
    summary = {"model_version": model, "documents": len(ids), "extracted": done, "failed": failed,
               "mentions": mentions, "action_items": actions,
               "duration_s": round(time.perf_counter() - t0, 2), "database": _safe_url(url)}
    md = (f"# docmine re-extraction ({model})\n\n| documents | extracted | failed | mentions | action items | "
          f"duration |\n|---:|---:|---:|---:|---:|---:|\n| {len(ids)} | {done} | {len(failed)} | {mentions} | "
          f"{actions} | {summary['duration_s']:.1f} s |\n")
    md += "".join(f"\n- document {f['document_id']}: {f['reason']}" for f in failed)
    try:
        create_markdown_artifact(markdown=md, key="docmine-reextract", description=f"re-extraction with {model}")
    except Exception as exc:
        log.warning("could not create the summary artifact: %s", exc)
    log.info("re-extracted %d of %d document(s), %d failed, %.1f s", done, len(ids), len(failed),
             summary["duration_s"])
    if failed:
        return Failed(message=f"partial failure: {len(failed)} of {len(ids)} document(s) failed", data=summary)
    return Completed(message=f"ok: {done} document(s) re-extracted", data=summary)
