"""Fast checks of the pipeline's configuration: retry policy, prefect.yaml,
the cron helper of ``docmine serve``, the CLI's commands."""
from __future__ import annotations

import inspect
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from docmine.reading.fetch import FetchError

PIPELINE = Path(__file__).resolve().parents[1] / "pipeline"


def test_retry_policy_only_transient_io():
    from sqlalchemy.exc import IntegrityError, OperationalError

    from docmine_pipeline.flows import is_transient
    assert is_transient(FetchError("unreachable", "down"))
    assert is_transient(FetchError("http_5xx", "500"))
    assert is_transient(FetchError("truncated", "short"))
    assert not is_transient(FetchError("http_404", "gone"))
    assert not is_transient(FetchError("redirect_refused", "elsewhere"))
    assert is_transient(OperationalError("connect", {}, Exception("connection refused")))
    assert not is_transient(IntegrityError("insert", {}, Exception("duplicate")))
    assert not is_transient(ValueError("a broken PDF"))


def test_fetch_error_pickles():
    import pickle
    e = pickle.loads(pickle.dumps(FetchError("http_404", "gone", "http://h/x.pdf")))
    assert (e.code, e.reason, e.url) == ("http_404", "gone", "http://h/x.pdf")


def test_prefect_yaml_deployments_match_the_flows():
    from cronsim import CronSim

    from docmine_pipeline import flows
    conf = yaml.safe_load((PIPELINE / "prefect.yaml").read_text())
    deps = {d["name"]: d for d in conf["deployments"]}
    assert set(deps) == {"docmine-nightly", "docmine-reextract", "docmine-retrain"}
    nightly = deps["docmine-nightly"]
    assert nightly["schedules"][0]["cron"] == "0 2 * * *" and nightly["schedules"][0]["timezone"] == "UTC"
    CronSim(nightly["schedules"][0]["cron"], datetime.now(timezone.utc))
    assert deps["docmine-reextract"]["schedules"] == []
    weekly = deps["docmine-retrain"]["schedules"][0]
    assert weekly["cron"] == "0 3 * * 0" and weekly["timezone"] == "UTC"
    runs = [CronSim(weekly["cron"], datetime(2026, 11, 23, tzinfo=timezone.utc)) for _ in range(1)][0]
    assert [next(runs).weekday() for _ in range(2)] == [6, 6]  # Sundays, once a week
    for dep, fl in ((nightly, flows.nightly_ingest), (deps["docmine-reextract"], flows.reextract),
                    (deps["docmine-retrain"], flows.retrain)):
        path, name = dep["entrypoint"].split(":")
        assert (PIPELINE / path).is_file() and getattr(flows, name) is fl
        assert set(dep["parameters"]) <= set(inspect.signature(fl.fn).parameters)


def test_next_runs_of_the_default_cron():
    from docmine_pipeline.cli import DEFAULT_CRON, next_runs
    runs = next_runs(DEFAULT_CRON, 2, now=datetime(2026, 11, 23, 5, 0, tzinfo=timezone.utc))
    assert [r.isoformat() for r in runs] == ["2026-11-24T02:00:00+00:00", "2026-11-25T02:00:00+00:00"]


def test_cli_has_the_flow_commands():
    from typer.testing import CliRunner

    from docmine_pipeline.cli import app
    out = CliRunner().invoke(app, ["--help"]).output
    for cmd in ("run", "serve", "reextract", "ingest"):
        assert cmd in out
    out = CliRunner().invoke(app, ["serve", "--cron", "not a cron"])
    assert out.exit_code == 2


def test_render_summary_lists_failures():
    from docmine_pipeline.flows import render_summary, render_text
    s = {"status": "partial", "discovered": 3, "new": 1, "skipped": 1, "needs_ocr": 0,
         "failed": [{"location": "http://h/a.pdf", "step": "fetch", "code": "http_404", "reason": "gone|x"}],
         "pages": 2, "mentions": 5, "action_items": 1, "duration_s": 1.25, "not_modified": 0,
         "sources": ["http://h/"], "database": "sqlite://", "model_version": "m", "task_runner": "sequential",
         "run_id": 7}
    md = render_summary(s)
    assert "| 3 | 1 | 1 | 0 | 1 | 2 | 5 | 1 | 1.2 s |" in md or "| 3 | 1 | 1 | 0 | 1 | 2 | 5 | 1 | 1.3 s |" in md
    assert "gone\\|x" in md and "http_404" in md
    assert "failed: http://h/a.pdf [fetch:http_404] gone|x" in render_text(s)


def test_plain_retry_policy_matches_the_flows():
    """docmine_pipeline.core.retrying (the Prefect-free ``docmine run``): transient
    I/O retried 3 times after 2, 4, 8 s (± 20 %), one line per retry; anything
    else raised at once."""
    import logging

    from docmine_pipeline.core import IO_RETRIES, backoff_delays, retrying
    assert IO_RETRIES == 3 and backoff_delays(2.0) == [2.0, 4.0, 8.0]
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    log = logging.getLogger("test.retrying")
    log.addHandler(Keep())
    log.setLevel(logging.INFO)
    slept: list[float] = []
    calls = []

    def down():
        calls.append(1)
        raise FetchError("unreachable", "down")

    with pytest.raises(FetchError):
        retrying("fetch-document", down, log=log, backoff=2.0, sleep=slept.append)()
    assert len(calls) == 4 and len(slept) == 3
    assert all(0.8 * d <= s <= 1.2 * d for s, d in zip(slept, [2, 4, 8]))
    assert [m.split(" - Retry ")[1][:3] for m in lines if " - Retry " in m] == ["1/3", "2/3", "3/3"]
    assert lines[-1].endswith("Retries are exhausted")
    calls.clear()

    def broken():
        calls.append(1)
        raise ValueError("a broken PDF")

    with pytest.raises(ValueError):
        retrying("store-document", broken, log=log, sleep=slept.append)()
    assert len(calls) == 1
    flaky = iter([FetchError("http_5xx", "500"), None])

    def once():
        e = next(flaky)
        if e:
            raise e
        return "ok"

    assert retrying("fetch-document", once, log=log, backoff=0.0, sleep=slept.append)() == "ok"
