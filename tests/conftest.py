"""Shared fixtures.

* ``shared_dir``: ``../shared`` beside the repository (tests that read it skip
  with a clear reason on a user's clone; CI always has it).
* ``db_url``: a fresh, empty database URL, parametrised over SQLite (always)
  and PostgreSQL (127.0.0.1:5432, database ``test``; skipped when unreachable,
  unless ``DOCMINE_REQUIRE_POSTGRES=1``, as in CI, which makes it an error).
  Each PostgreSQL test gets its own schema, dropped afterwards.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DOCMINE_SHARED_DIR", REPO.parent / "shared"))
PG_BASE = os.environ.get("DOCMINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "corpus").is_dir():
        if os.environ.get("DOCMINE_REQUIRE_SHARED") == "1":
            pytest.fail(f"../shared required (DOCMINE_REQUIRE_SHARED=1) but not found at {SHARED}")
        pytest.skip(f"../shared not found at {SHARED}: shared corpus tests run in CI only")
    return SHARED


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


def _pg_reachable() -> str | None:
    try:
        import sqlalchemy as sa
        eng = sa.create_engine(PG_BASE, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(sa.text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:  # pragma: no cover - depends on the machine
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


_PG_PROBLEM: list = []


def pg_problem() -> str | None:
    if not _PG_PROBLEM:
        _PG_PROBLEM.append(_pg_reachable())
    return _PG_PROBLEM[0]


def new_pg_url() -> tuple[str, str]:
    """Create a fresh schema; return (url with search_path, schema)."""
    import sqlalchemy as sa
    schema = f"dm_{uuid.uuid4().hex[:12]}"
    eng = sa.create_engine(PG_BASE)
    with eng.begin() as c:
        c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    eng.dispose()
    sep = "&" if "?" in PG_BASE else "?"
    return f"{PG_BASE}{sep}options=-csearch_path%3D{schema},public", schema


def drop_pg_schema(schema: str) -> None:
    import sqlalchemy as sa
    eng = sa.create_engine(PG_BASE)
    with eng.begin() as c:
        c.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'docmine.db'}"
        return
    problem = pg_problem()
    if problem:
        if os.environ.get("DOCMINE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required (DOCMINE_REQUIRE_POSTGRES=1) but unreachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432 ({problem})")
    url, schema = new_pg_url()
    try:
        yield url
    finally:
        import gc
        gc.collect()
        drop_pg_schema(schema)
