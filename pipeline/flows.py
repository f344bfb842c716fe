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
store-documents     ``docmine.run.DocumentPool`` (the same sequence    (inside, per document:
                    for a batch, in a worker process per core)         database connection errors)
extract-document    ``docmine.run.extract_stored`` (``reextract``)     database connection errors
==================  =================================================  ===========================

The default task runner, ``processes``, fetches every candidate (a task run
per URL; a folder's files need none), then hands the files to one
``store-documents`` task: a pool of worker processes, one per core, each
loading the pipeline once and writing each document in its own transactions.
With ``sequential``, ``threads`` or ``dask``, ``process-document`` (one per
candidate) is fetch-document then store-document:
the per-document sequence itself lives once, in ``docmine.run.process_document``,
which the one-shot ``docmine.run.run`` calls too.

A PDF that is simply broken is never retried: ``ingest_file`` records it as
failed with its code and reason. Bytes already stored (same sha256) are
skipped before any parsing; a document stored by an interrupted run but not
yet extracted by the current model version is extracted (that is how a killed
run resumes). Every document is written in its own transaction, so a run can
be killed at any point and started again.

The flow's body is :func:`docmine_pipeline.core.ingest`, which ``docmine run``
also runs without Prefect (:func:`docmine_pipeline.core.run_once`) when no
orchestration is asked for.

The flow ends ``Completed`` when nothing failed and ``Failed`` with a message
such as ``partial failure: 2 of 18 documents failed`` otherwise (after
recording every outcome); the state's data is the run summary either way.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Optional

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, Failed
from prefect.tasks import exponential_backoff

from docmine.reading.fetch import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, FetchError  # noqa: F401
from docmine.run import current_versions, default_workers  # noqa: F401  (current_versions re-exported)
from docmine.settings import Settings, get_settings  # noqa: F401
from docmine.store.models import settings_in_force
from docmine_pipeline import core
# the steps and helpers live in docmine_pipeline.core (no Prefect); re-exported here
from docmine_pipeline.core import (  # noqa: F401
    DEFAULT_WINDOW, IO_BACKOFF, IO_RETRIES, TASK_RUNNERS, default_sources, found_target, is_transient,
    render_summary, render_text,
)


# --------------------------------------------------------------------------- retry policy


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
           retry_jitter_factor=core.IO_JITTER, retry_condition_fn=retry_on_io)


def _settings(database_url: Optional[str], data_dir: Optional[str]) -> Settings:
    return core.settings_for(database_url, data_dir)


# --------------------------------------------------------------------------- tasks
prepare_database = task(name="prepare-database", **_io)(core.prepare_database)
discover_source = task(name="discover-source", **_io)(core.discover_source)
fetch_document = task(name="fetch-document", **_io)(core.fetch_document)
store_document = task(name="store-document", **_io)(core.store_document)


extract_document = task(name="extract-document", **_io)(core.extract_document)
_jsonable = core.jsonable
_count = core.count


@task(name="store-documents", cache_policy=NO_CACHE)
def store_documents(files: list[dict], run_id: int, url: str, data_dir: str, workers: Optional[int] = None,
                    io_backoff: float = IO_BACKOFF, on_record: Optional[Callable[[dict], None]] = None) -> list[dict]:
    """Read → store → extract → store for a batch of local files
    (``[{"candidate": {...}, "local": {...}}]``) in worker processes:
    ``docmine.run.DocumentPool`` (``workers`` processes, default one per core,
    each loading the pipeline once; every document written in its own
    transactions by the worker). Transient I/O is retried per document inside
    the pool, each retry logged; so this task itself is not retried.
    ``on_record(record)`` is called as each document finishes. Returns one
    record per file, as ``process-document`` returns it."""
    return core.store_files(files, run_id, url, data_dir, workers=workers, io_backoff=io_backoff,
                            on_record=on_record, logger=_flow_logger())


def _flow_logger():
    """The flow run's logger (its lines are shown; the task-run logger's are
    kept to retries and failures by ``quiet_logging``); else this module's."""
    import logging
    try:
        from prefect.context import FlowRunContext
        from prefect.logging.loggers import flow_run_logger
        ctx = FlowRunContext.get()
        if ctx is not None and ctx.flow_run is not None:
            return flow_run_logger(ctx.flow_run, ctx.flow)
    except Exception:  # pragma: no cover - outside a flow run
        pass
    return logging.getLogger("docmine_pipeline.flows")


_empty_record = core.empty_record


def _fetch_all(candidates: list[dict], *, data_dir: str, allowed_hosts: list[str], timeout: float,
               max_bytes: int, io_backoff: float, note: Callable[[dict], None]) -> list[dict]:
    """A local file per candidate (:func:`docmine_pipeline.core.fetch_all`): folder
    files as they are (no task run), URLs through ``fetch-document`` (retried on I/O)."""
    fetch = fetch_document.with_options(retry_delay_seconds=exponential_backoff(backoff_factor=io_backoff))
    return core.fetch_all(candidates, fetch, data_dir=data_dir, allowed_hosts=allowed_hosts, timeout=timeout,
                          max_bytes=max_bytes, note=note)


@task(name="process-document")
def process_candidate(candidate: dict, *, run_id: int, url: str, data_dir: str, model: list[str],
                      allowed_hosts: list[str], timeout: float, max_bytes: int,
                      io_backoff: float = IO_BACKOFF) -> dict:
    """fetch-document, then store-document (``docmine.run.process_document``)
    for one candidate; never raises: a failure is returned with its step, code
    and reason. ``model``: the current model versions (for the record)."""
    delays = exponential_backoff(backoff_factor=io_backoff)
    return core.process_candidate_with(
        fetch_document.with_options(retry_delay_seconds=delays),
        store_document.with_options(retry_delay_seconds=delays), candidate, run_id=run_id, url=url,
        data_dir=data_dir, allowed_hosts=allowed_hosts, timeout=timeout, max_bytes=max_bytes)


_code_of = core.code_of
_one_line = core.one_line


# --------------------------------------------------------------------------- helpers
def _make_task_runner(task_runner: str, concurrency: int, dask_address: Optional[str],
                      dask_workers: int):
    if task_runner == "dask":
        from prefect_dask import DaskTaskRunner
        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": max(1, dask_workers), "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None,
                                              "config": core.DASK_WORKER_CONFIG})
    from prefect.task_runners import ThreadPoolTaskRunner
    return ThreadPoolTaskRunner(max_workers=max(1, concurrency if task_runner == "threads" else 1))


# --------------------------------------------------------------------------- flows
@flow(name="nightly-ingest", log_prints=False, validate_parameters=True)
def nightly_ingest(sources: Optional[list[str]] = None, database_url: Optional[str] = None,
                   concurrency: Optional[int] = None, task_runner: str = "processes",
                   dask_address: Optional[str] = None, dask_workers: int = 2,
                   data_dir: Optional[str] = None, timeout: float = DEFAULT_TIMEOUT,
                   max_bytes: int = DEFAULT_MAX_BYTES, allowed_hosts: Optional[list[str]] = None,
                   io_backoff: float = IO_BACKOFF):
    """Ingest new and changed meeting papers from every source, then extract and store.

    * ``sources``: ``folder:/path``, ``http://host/index.html`` or a PDF URL
      (default: the sample corpus);
    * ``database_url``: SQLAlchemy URL (default: the settings in force, the
      embedded SQLite ``<data_dir>/docmine.db``);
    * ``task_runner``: ``processes`` (the default: one ``store-documents`` task
      over a pool of worker processes, ``docmine.run.DocumentPool``, each
      loading the pipeline once), ``sequential`` (one ``process-document``
      task per document, one at a time), ``threads`` (documents in flight in
      threads), or ``dask``: one ``store-documents`` task per batch of files
      (``docmine_pipeline.core.batches``: 4 per worker) on a local cluster of
      ``dask_workers`` processes, or the cluster at ``dask_address``; each worker
      process loads the pipeline once, on its first batch, and keeps it;
    * ``concurrency``: ``processes``: worker processes (default: one per core);
      ``threads``: documents in flight at once (default 4); ``dask`` with
      ``dask_address``: the cluster's worker processes (default 4);
    * ``timeout`` (s) and ``max_bytes`` per download; ``allowed_hosts`` beyond
      the hosts of the HTTP sources; ``io_backoff``: first retry delay (s) of
      the I/O tasks (then doubled, 3 retries).
    """
    log = get_run_logger()
    delays = exponential_backoff(backoff_factor=io_backoff)

    def prepare(url: str, data_dir: str) -> None:
        prepare_database.with_options(retry_delay_seconds=delays)(url, data_dir)

    def discover(spec: str, data_dir: str, timeout: float, max_bytes: int, hosts: list[str]) -> dict:
        st = discover_source.with_options(retry_delay_seconds=delays)(
            spec, data_dir, timeout, max_bytes, hosts, return_state=True)
        if st.is_completed():
            return st.result()
        exc = st.result(raise_on_failure=False)
        raise exc if isinstance(exc, BaseException) else RuntimeError(str(exc))

    def process(todo: list[dict], kwargs: dict, note) -> None:
        if task_runner == "processes":
            files = _fetch_all(todo, data_dir=kwargs["data_dir"], allowed_hosts=kwargs["allowed_hosts"],
                               timeout=timeout, max_bytes=max_bytes, io_backoff=io_backoff, note=note)
            if files:
                store_documents(files, kwargs["run_id"], kwargs["url"], kwargs["data_dir"], workers=concurrency,
                                io_backoff=io_backoff, on_record=note)
        elif task_runner == "sequential":
            for c in todo:
                note(process_candidate(c, **kwargs))
        elif task_runner == "dask":
            # the shape of ``processes`` on a cluster: one store-documents task per batch of
            # files, each run in a worker process by docmine.run.DocumentPool in that process
            # (the pipeline loaded once per worker process, kept between batches)
            files = _fetch_all(todo, data_dir=kwargs["data_dir"], allowed_hosts=kwargs["allowed_hosts"],
                               timeout=timeout, max_bytes=max_bytes, io_backoff=io_backoff, note=note)
            slots = max(1, (concurrency or DEFAULT_WINDOW) if dask_address else dask_workers)
            runner = _make_task_runner(task_runner, slots, dask_address, dask_workers)
            with runner:
                futures = [(batch, runner.submit(store_documents, parameters={
                    "files": batch, "run_id": kwargs["run_id"], "url": kwargs["url"],
                    "data_dir": kwargs["data_dir"], "workers": 1, "io_backoff": io_backoff}))
                    for batch in core.batches(files, slots)]
                for batch, fut in futures:
                    for rec in _batch_result(batch, fut):
                        note(rec)
        else:
            window = max(1, concurrency or DEFAULT_WINDOW)
            runner = _make_task_runner(task_runner, window, dask_address, dask_workers)
            with runner:
                pending: list = []
                for c in todo:
                    pending.append((c, runner.submit(process_candidate, parameters={"candidate": c, **kwargs})))
                    if len(pending) >= window:
                        note(_result_of(*pending.pop(0)))
                for c, fut in pending:
                    note(_result_of(c, fut))

    def reextract(url: str, data_dir: str, current: list[str], skip) -> dict:
        return _reextract_outdated(url, data_dir, current, skip=skip, log=log)

    summary = core.ingest(core.Steps(prepare=prepare, discover=discover, process=process, reextract=reextract,
                                     log=log),
                          sources=sources, database_url=database_url, concurrency=concurrency,
                          task_runner=task_runner, data_dir=data_dir, timeout=timeout, max_bytes=max_bytes,
                          allowed_hosts=allowed_hosts, io_backoff=io_backoff)
    message = core.end_message(summary)
    summary.pop("_counts", None)
    try:
        create_markdown_artifact(markdown=render_summary(summary), key="docmine-nightly-ingest",
                                 description=f"docmine ingest run #{summary['run_id']}: {summary['status']}")
    except Exception as exc:  # an artifact is a nicety: never fail the run for it
        log.warning("could not create the summary artifact: %s", exc)
    log.info("summary: %s", render_text(summary))
    if summary["status"] != "ok":
        return Failed(message=message, data=summary)
    return Completed(message=message, data=summary)


def _extract_task(document_id: int, url: str, data_dir: str) -> dict:
    """One ``extract-document`` task run; raises what it ended with when it failed."""
    st = extract_document(document_id, url, data_dir, return_state=True)
    if st.is_completed():
        return st.result()
    exc = st.result(raise_on_failure=False)
    raise exc if isinstance(exc, BaseException) else RuntimeError(str(exc))


def _reextract_outdated(url: str, data_dir: str, current: list[str], *, skip=(), log=None) -> dict:
    """Re-extract, one ``extract-document`` task each, the stored documents whose
    output comes from another model version than ``current``
    (:func:`docmine_pipeline.core.reextract_outdated`)."""
    return core.reextract_outdated(url, data_dir, current, _extract_task, skip=skip, log=log)


def _batch_result(files: list[dict], future) -> list[dict]:
    """The records of a ``store-documents`` task run over ``files``, or one
    failed record per file when the task run itself ended badly (a worker
    lost): what it stored is extracted by the run's re-extraction step."""
    future.wait()
    st = future.state
    if st is not None and st.is_completed():
        return future.result()
    exc = st.result(raise_on_failure=False) if st is not None else None
    out = []
    for f in files:
        rec = _empty_record(f["candidate"])
        rec.update(step="task", code="crashed",
                   reason=_one_line(f"task ended {st.type.value if st else '?'}: {exc}"))
        out.append(rec)
    return out


def _result_of(candidate: dict, future) -> dict:
    future.wait()
    st = future.state
    if st is not None and st.is_completed():
        return future.result()
    exc = st.result(raise_on_failure=False) if st is not None else None
    return {"location": candidate["location"], "source": candidate["source"], "outcome": "failed", "step": "task", "code": "crashed",
            "reason": _one_line(f"task ended {st.type.value if st else '?'}: {exc}"), "document_id": None,
            "pages": 0, "mentions": 0, "action_items": 0, "extracted": False, "not_modified": False}


_safe_url = core.safe_url


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
    prepare_database(url, data_dir)
    settings = settings_in_force(settings)  # the model version in force (a database setting)
    model = model_version(settings)
    current = current_versions(settings)
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
# --------------------------------------------------------------------------- retraining
@task(name="train-model")
def train_model(url: str, data_dir: Optional[str], since: Optional[str], max_steps: Optional[int],
                margin: Optional[float], tolerance: Optional[float]) -> dict:
    """``docmine.training.train``: collect, learn knowledge, train a
    candidate through the spaCy project, evaluate, gate (no retries: a failed
    training is not transient I/O)."""
    from datetime import datetime as _dt

    from docmine.settings import get_training_settings
    from docmine.training.retrain import train
    settings = _settings(url, data_dir)
    tset = get_training_settings(train_max_steps=max_steps, gate_margin=margin, gate_tolerance=tolerance)
    res = train(settings, since=_dt.fromisoformat(since) if since else None, tset=tset)
    out = res.to_dict()
    out["report_text"] = res.report_text
    return out


@flow(name="retrain", log_prints=False)
def retrain(database_url: Optional[str] = None, data_dir: Optional[str] = None, since: Optional[str] = None,
            max_steps: Optional[int] = None, margin: Optional[float] = None, tolerance: Optional[float] = None):
    """Weekly retraining from editors' corrections (``docmine train``): a
    candidate organisation NER is trained from the version in force and
    promoted only when the gate accepts it; after a promotion every document
    extracted by an older version is re-extracted at once (the nightly run
    would do it too). The gate's report is the run's artifact.

    * ``since``: only documents corrected since this ISO 8601 date;
    * ``max_steps``, ``margin``, ``tolerance``: override ``TrainingSettings``
      (``DOCMINE_TRAIN_MAX_STEPS``, ``DOCMINE_GATE_MARGIN``, ``DOCMINE_GATE_TOLERANCE``).
    """
    log = get_run_logger()
    settings = _settings(database_url, data_dir)
    url = settings.url
    data_dir = str(Path(settings.data_dir).resolve())
    prepare_database(url, data_dir)
    st = train_model(url, data_dir, since, max_steps, margin, tolerance, return_state=True)
    if not st.is_completed():
        exc = st.result(raise_on_failure=False)
        return Failed(message=_one_line(f"training failed: {exc}"))
    res = st.result()
    log.info("%s", res.get("report_text") or "")
    try:
        create_markdown_artifact(markdown=f"# docmine retrain\n\n```\n{res.get('report_text', '')}\n```\n",
                                 key="docmine-retrain", description="gate report")
    except Exception as exc:
        log.warning("could not create the report artifact: %s", exc)
    if res.get("promoted"):
        current = current_versions(settings_in_force(settings))
        res["reextracted"] = _reextract_outdated(url, data_dir, current, log=log)
        return Completed(message=f"promoted {res['tag']}; re-extracted "
                                 f"{res['reextracted']['extracted']} document(s)", data=res)
    verdict = (res.get("report") or {}).get("verdict", "refused")
    return Completed(message=f"candidate {res.get('tag')} {verdict}; {res.get('in_force')} stays in force",
                     data=res)
