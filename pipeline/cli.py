"""The ``docmine`` console script: the library's CLI plus the flow commands.

* ``docmine run [PATH...]``: one run of the ``nightly-ingest`` flow now
  (default: the sample corpus into the embedded SQLite database);
* ``docmine serve [--cron "0 2 * * *"] [--source ...]``: serve the nightly
  deployment (and an unscheduled ``reextract`` one) from this process, no
  Prefect server to set up;
* ``docmine reextract``: re-run extraction for the model version in force;
* ``docmine serve`` also serves ``retrain`` (weekly, ``--retrain-cron``):
  ``docmine train`` as a flow, re-extracting after a promotion.

Prefect runs embedded (``docmine_pipeline.runtime``): with no
``PREFECT_API_URL`` configured, its API is served from a thread of this
process (it dies with it), its files live in ``<data_dir>/prefect`` unless
``PREFECT_HOME`` is set, and a second process on the same data folder gets a
private Prefect database. Prefect settings are set here, before Prefect is
imported (the library never imports it).
"""
from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional

import typer

from docmine.cli import app
from docmine.cli.common import DatabaseOption
from docmine_pipeline.runtime import configure_prefect, embedded_api, quiet_logging

DEFAULT_CRON = "0 2 * * *"
#: the weekly retraining (``docmine train``): Sundays 03:00 UTC
DEFAULT_RETRAIN_CRON = "0 3 * * 0"


def _sources(paths: Optional[List[str]], sources: Optional[List[str]]) -> Optional[list[str]]:
    out = [f"folder:{Path(p).resolve()}" for p in (paths or [])]
    out += list(sources or [])
    return out or None


def _exit_code(state) -> int:
    return 0 if state.is_completed() else 1


def _print_summary(summary: dict) -> None:
    from docmine_pipeline.core import render_text
    typer.echo(render_text(summary))


@app.command("run")
def run_cmd(
    paths: Optional[List[str]] = typer.Argument(
        None, help="PDF files or folders (default: the sample corpus corpus/samples)."),
    source: Optional[List[str]] = typer.Option(
        None, "--source", "-s", help="A source: folder:/path, http://host/index.html or a PDF URL "
        "(repeatable; added to PATHs)."),
    database: Optional[str] = DatabaseOption,
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", envvar="DOCMINE_DATA_DIR",
                                            help="Folder for the embedded database, downloads and state."),
    task_runner: str = typer.Option("processes", "--task-runner",
                                    help="processes (a worker process per core, the default) | sequential "
                                    "| threads | dask"),
    concurrency: Optional[int] = typer.Option(
        None, "--concurrency", "-j", min=1,
        help="processes: worker processes (default: one per core); threads: documents in flight "
        "(default 4); with --dask-address: the cluster's worker processes (default 4)."),
    dask_address: Optional[str] = typer.Option(None, "--dask-address",
                                               help="An existing Dask scheduler, e.g. tcp://10.0.0.5:8786 "
                                               "(implies --task-runner dask)."),
    dask_workers: int = typer.Option(2, "--dask-workers", help="Workers of the local Dask cluster."),
    io_backoff: float = typer.Option(2.0, "--io-backoff", min=0.0,
                                     help="Seconds before the first retry of failed I/O (then doubled; 3 retries)."),
    prefect: bool = typer.Option(False, "--prefect",
                                 help="Run it as a Prefect flow run even when nothing needs Prefect "
                                 "(an embedded API unless PREFECT_API_URL is set). Implied by "
                                 "PREFECT_API_URL and --task-runner threads."),
) -> None:
    """Ingest, extract and store now: one run of the nightly ingest. Exit code
    1 if some input failed.

    As a Prefect flow run (docmine_pipeline.flows.nightly_ingest) when Prefect
    has something to do: a Prefect API configured (PREFECT_API_URL), the threads
    task runner, or --prefect. Otherwise the same steps run in this process
    without Prefect (docmine_pipeline.core.run_once; Dask through its own client):
    same retries, records, output and exit code, no API server to start."""
    from docmine_pipeline.core import TASK_RUNNERS
    if task_runner not in TASK_RUNNERS:
        raise typer.BadParameter(f"{task_runner!r} is not one of {', '.join(TASK_RUNNERS)}",
                                 param_hint="'--task-runner'")
    if dask_address:
        task_runner = "dask"
    if not (prefect or os.environ.get("PREFECT_API_URL") or task_runner == "threads"):
        from docmine_pipeline.core import run_once
        summary = run_once(sources=_sources(paths, source), database_url=database,
                           data_dir=str(data_dir) if data_dir else None, task_runner=task_runner,
                           concurrency=concurrency, io_backoff=io_backoff, dask_address=dask_address,
                           dask_workers=dask_workers)
        summary.pop("_counts", None)
        _print_summary(summary)
        raise typer.Exit(0 if summary["status"] == "ok" else 1)
    _FAST_EXIT["on"] = True
    configure_prefect(data_dir)
    from docmine_pipeline.flows import nightly_ingest
    quiet_logging()
    with embedded_api():
        state = nightly_ingest(sources=_sources(paths, source), database_url=database,
                               data_dir=str(data_dir) if data_dir else None, task_runner=task_runner,
                               concurrency=concurrency, dask_address=dask_address, dask_workers=dask_workers,
                               io_backoff=io_backoff, return_state=True)
    summary = state.result(raise_on_failure=False)
    if isinstance(summary, dict):
        _print_summary(summary)
    else:
        typer.echo(f"flow ended {state.type.value}: {state.message or summary}", err=True)
    raise typer.Exit(_exit_code(state))


@app.command("reextract")
def reextract_cmd(
    database: Optional[str] = DatabaseOption,
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", envvar="DOCMINE_DATA_DIR"),
    all_documents: bool = typer.Option(False, "--all", help="Every document, not only outdated ones."),
) -> None:
    """Re-run extraction over stored documents whose model version is not the
    one in force (docmine_pipeline.flows.reextract). Resumable."""
    _FAST_EXIT["on"] = True
    configure_prefect(data_dir)
    from docmine_pipeline.flows import reextract
    quiet_logging()
    with embedded_api():
        state = reextract(database_url=database, only_outdated=not all_documents,
                          data_dir=str(data_dir) if data_dir else None, return_state=True)
    s = state.result(raise_on_failure=False)
    if isinstance(s, dict):
        typer.echo(f"re-extracted {s['extracted']} of {s['documents']} document(s) with {s['model_version']}, "
                   f"{len(s['failed'])} failed, {s['mentions']} mentions, {s['action_items']} action items, "
                   f"{s['duration_s']:.1f} s")
    raise typer.Exit(_exit_code(state))


def next_runs(cron: str, n: int = 3, *, now: Optional[datetime] = None) -> list[datetime]:
    """The next ``n`` times (UTC) a cron expression fires."""
    from cronsim import CronSim
    it = CronSim(cron, now or datetime.now(timezone.utc))
    return [next(it) for _ in range(n)]


@app.command("serve")
def serve_cmd(
    cron: str = typer.Option(DEFAULT_CRON, "--cron", envvar="DOCMINE_CRON",
                             help="When the nightly ingest runs (cron, UTC)."),
    source: Optional[List[str]] = typer.Option(
        None, "--source", "-s", help="folder:/path, http://host/index.html or a PDF URL (repeatable; "
        "default: the sample corpus)."),
    database: Optional[str] = DatabaseOption,
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", envvar="DOCMINE_DATA_DIR"),
    task_runner: str = typer.Option("processes", "--task-runner",
                                    help="processes (default) | sequential | threads | dask"),
    concurrency: Optional[int] = typer.Option(None, "--concurrency", "-j", min=1,
                                              help="Worker processes, or documents in flight (threads, dask)."),
    dask_address: Optional[str] = typer.Option(None, "--dask-address"),
    run_now: bool = typer.Option(False, "--run-now", help="Also start one run immediately."),
    retrain_cron: str = typer.Option(DEFAULT_RETRAIN_CRON, "--retrain-cron", envvar="DOCMINE_RETRAIN_CRON",
                                     help="When the weekly retraining runs (cron, UTC)."),
) -> None:
    """Serve the nightly-ingest deployment on a cron schedule (and reextract,
    unscheduled) from this process: no Prefect server or worker to set up.
    Stop with Ctrl-C."""
    try:
        upcoming = next_runs(cron)
    except Exception as exc:
        typer.echo(f"invalid --cron {cron!r}: {exc}", err=True)
        raise typer.Exit(2)
    try:
        weekly = next_runs(retrain_cron, 1)
    except Exception as exc:
        typer.echo(f"invalid --retrain-cron {retrain_cron!r}: {exc}", err=True)
        raise typer.Exit(2)
    stop = StopOnSignal()  # from here on, one Ctrl-C (or SIGTERM) stops serve
    _FAST_EXIT["on"] = True
    configure_prefect(data_dir)

    from docmine.settings import get_settings
    from docmine_pipeline.flows import default_sources, nightly_ingest, reextract, retrain
    quiet_logging()
    from prefect.schedules import Cron
    settings = get_settings(database_url=database, data_dir=data_dir)
    sources = list(source) if source else default_sources(settings)
    if dask_address:
        task_runner = "dask"
    params = {"sources": sources, "database_url": settings.url,
              "data_dir": str(Path(settings.data_dir).resolve()), "task_runner": task_runner,
              "concurrency": concurrency, "dask_address": dask_address}
    nightly = nightly_ingest.to_deployment(name="docmine-nightly", schedules=[Cron(cron, timezone="UTC")],
                                           parameters=params, description="Nightly ingestion of new papers")
    re_dep = reextract.to_deployment(name="docmine-reextract",
                                     parameters={"database_url": settings.url,
                                                 "data_dir": params["data_dir"]})
    train_dep = retrain.to_deployment(name="docmine-retrain", schedules=[Cron(retrain_cron, timezone="UTC")],
                                      parameters={"database_url": settings.url, "data_dir": params["data_dir"]},
                                      description="Weekly retraining from editors' corrections (gated)")
    typer.echo("docmine serve: the nightly ingest is scheduled.")
    typer.echo(f"  deployment   nightly-ingest/docmine-nightly   cron '{cron}' (UTC)")
    typer.echo(f"  next runs    {', '.join(t.strftime('%Y-%m-%d %H:%M UTC') for t in upcoming)}")
    typer.echo(f"  sources      {', '.join(sources)}")
    typer.echo(f"  database     {_safe(settings.url)}")
    typer.echo(f"  also served  reextract/docmine-reextract (no schedule)")
    typer.echo(f"  retraining   retrain/docmine-retrain   cron '{retrain_cron}' (UTC), next "
               f"{weekly[0].strftime('%Y-%m-%d %H:%M UTC')}")
    typer.echo(f"  Prefect home {os.environ.get('PREFECT_HOME')}")
    sys.stdout.flush()
    try:
        with embedded_api() as api_url:
            typer.echo(f"  Prefect API  {api_url + ' (embedded, in this process)' if api_url else os.environ.get('PREFECT_API_URL', 'configured')}")
            typer.echo("Leave this running; Ctrl-C stops it.")
            sys.stdout.flush()
            if run_now:
                _start_run_now(api_url)
            _serve(stop, nightly, re_dep, train_dep)
    except KeyboardInterrupt:
        pass
    raise typer.Exit(stop.exit_code)


#: seconds ``docmine serve`` takes at most to stop after Ctrl-C or SIGTERM
STOP_GRACE = 8.0


class StopOnSignal:
    """SIGINT and SIGTERM handlers for ``docmine serve``: the first signal
    says so in one line, silences Prefect's shutdown noise, interrupts the
    runner (KeyboardInterrupt) and arms a timer that ends the process after
    :data:`STOP_GRACE` seconds whatever is still running; a second signal ends
    it at once. The exit code is 128 + the signal: 130 (SIGINT), 143 (SIGTERM)."""

    def __init__(self) -> None:
        import signal
        self.signum: Optional[int] = None
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self)

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or 2)

    def __call__(self, signum, frame) -> None:
        import logging
        import signal
        import threading
        if self.signum is not None:  # second signal: now
            os._exit(self.exit_code)
        self.signum = signum
        sys.stderr.write(f"docmine serve: {signal.Signals(signum).name} received, stopping\n")
        sys.stderr.flush()
        for name in ("prefect", "asyncio", "uvicorn", "uvicorn.error", "docket", "httpx"):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)
        threading.excepthook = lambda args: None
        timer = threading.Timer(STOP_GRACE, os._exit, args=(self.exit_code,))
        timer.daemon = True
        timer.start()
        raise KeyboardInterrupt


def _serve(stop: StopOnSignal, *deployments) -> None:
    """``prefect.serve`` without its own SIGTERM handler (which exits 0):
    a Runner with the deployments, until :class:`StopOnSignal` interrupts it."""
    import asyncio

    from prefect.runner import Runner
    runner = Runner(limit=1)
    runner.handle_sigterm = stop  # Runner.start installs it for SIGTERM: keep ours
    for d in deployments:
        runner.add_deployment(d)
    asyncio.run(runner.start())


def _start_run_now(api_url: Optional[str]) -> None:
    """Ask for one run of the nightly deployment as soon as ``serve`` has registered it."""
    import threading

    def _kick() -> None:
        import time
        from prefect.deployments import run_deployment
        from prefect.settings import PREFECT_API_URL, temporary_settings
        last: Exception | None = None
        for _ in range(60):  # the deployment is registered once serve() starts
            time.sleep(2)
            try:
                with temporary_settings({PREFECT_API_URL: api_url} if api_url else {}):
                    fr = run_deployment("nightly-ingest/docmine-nightly", timeout=0)
                typer.echo(f"started run {fr.name!r} of nightly-ingest/docmine-nightly now")
                return
            except Exception as exc:  # not registered yet
                last = exc
        typer.echo(f"could not start the immediate run: {last}", err=True)
    threading.Thread(target=_kick, daemon=True).start()


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)


#: set by the flow commands: their process ends without the interpreter's
#: slow teardown of Prefect's loaded state (seconds), once output is flushed
#: and the exit handlers have run
_FAST_EXIT = {"on": False}


def _only_daemon_threads() -> bool:
    """True when no thread but this one would keep the interpreter alive: then
    every command ends the same fast way (output flushed, exit handlers run,
    no teardown of the loaded pipeline's objects: ≈ 0.5 s, measured by
    ``benchmarks/bench_startup.py``)."""
    import threading
    return all(t.daemon or t is threading.current_thread() for t in threading.enumerate())


def main() -> None:
    try:
        app()
    except SystemExit as exc:
        if not (_FAST_EXIT["on"] or _only_daemon_threads()):
            raise
        import atexit
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            atexit._run_exitfuncs()
        finally:
            os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
