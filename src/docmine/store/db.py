"""Database connection, schema migrations and sessions.

docmine stores everything in one SQL database: an embedded SQLite file by
default (``./data/docmine.db``), or PostgreSQL (``postgresql+psycopg://…``).

* :func:`get_engine` makes (and caches) the engine for a URL. SQLite gets
  write-ahead logging, foreign keys, a busy timeout and ``BEGIN IMMEDIATE``
  transactions, so several processes can ingest into one file safely.
* :func:`init_db` brings the schema up to date with the Alembic migrations
  shipped inside the package (``docmine/migrations``); it is idempotent and
  safe to call from several processes at once.
* :func:`session_scope` is a context manager: a session that commits when the
  block ends and rolls back when it raises.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from docmine.settings import Settings, get_settings

#: where the Alembic environment and revisions live (shipped with the package)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: seconds a SQLite writer waits for another one before giving up
SQLITE_BUSY_TIMEOUT = 60

#: execution option choosing how SQLite transactions begin (DEFERRED|IMMEDIATE)
SQLITE_BEGIN_OPTION = "docmine_sqlite_begin"

UrlLike = Union[str, Settings, Engine, None]

_ENGINES: "OrderedDict[str, Engine]" = OrderedDict()
_ENGINE_CACHE_SIZE = 8
_INITIALISED: set[str] = set()
_LOCK = threading.RLock()
_MIGRATE_LOCK = threading.Lock()


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 (the driver docmine ships with)."""
    url = str(url)
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _resolve_url(url_or_settings: UrlLike) -> str:
    if url_or_settings is None:
        return get_settings().url
    if isinstance(url_or_settings, Settings):
        return url_or_settings.url
    if isinstance(url_or_settings, Engine):
        return url_or_settings.url.render_as_string(hide_password=False)
    return normalise_url(url_or_settings)


def _make_engine(url: str) -> Engine:
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, future=True)

    database = u.database or ""
    memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if memory:
        engine = create_engine(url, connect_args={"check_same_thread": False},
                               poolclass=StaticPool)
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT,
                                                  "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_conn, _record):  # pragma: no cover - trivial
        # let SQLAlchemy, not the sqlite3 module, decide when transactions start
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT * 1000}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn):  # pragma: no cover - trivial
        # Readers never block writers (WAL) with a deferred BEGIN. A transaction
        # that reads and then writes must take the write lock up front
        # (BEGIN IMMEDIATE, see write_transaction): otherwise it fails at once
        # with "database is locked" when another process committed in between,
        # without waiting for the busy timeout.
        mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def get_engine(url: UrlLike = None) -> Engine:
    """The engine for ``url`` (a URL string, :class:`Settings`, or ``None`` for the
    settings in force). Engines are cached per URL (the least recently used are
    disposed beyond a few). A SQLite file's folder is created when missing."""
    if isinstance(url, Engine):
        return url
    key = _resolve_url(url)
    with _LOCK:
        engine = _ENGINES.get(key)
        if engine is not None:
            _ENGINES.move_to_end(key)
            return engine
        engine = _make_engine(key)
        _ENGINES[key] = engine
        while len(_ENGINES) > _ENGINE_CACHE_SIZE:
            old_key, old = _ENGINES.popitem(last=False)
            _INITIALISED.discard(old_key)
            old.dispose()
        return engine


def dispose_engines() -> None:
    """Close every cached engine's connections (tests, forked workers)."""
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()
        _INITIALISED.clear()


def _forget_engines_in_child() -> None:
    """In a process forked from one holding engines: drop the inherited engines
    without closing their connections, which still belong to the parent
    (SQLAlchemy's rule for ``fork``: ``Engine.dispose(close=False)``); the
    child opens its own on first use."""
    global _LOCK, _MIGRATE_LOCK
    _LOCK, _MIGRATE_LOCK = threading.RLock(), threading.Lock()
    for engine in _ENGINES.values():
        engine.dispose(close=False)
    _ENGINES.clear()
    _INITIALISED.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_engines_in_child)


def alembic_config(url: str | None = None):
    """A programmatic Alembic config pointing at the packaged migrations."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def shipped_heads() -> set[str]:
    """The head revision(s) of the packaged migrations, read from the
    ``revision``/``down_revision`` lines of ``migrations/versions/*.py``
    without importing Alembic (milliseconds). Empty if a file cannot be read."""
    import re
    rev_re = re.compile(r"^revision(?:\s*:[^=]*)?\s*=\s*['\"]([^'\"]+)['\"]", re.M)
    down_re = re.compile(r"^down_revision(?:\s*:[^=]*)?\s*=\s*(.+)$", re.M)
    revisions: set[str] = set()
    downs: set[str] = set()
    try:
        for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
            if path.name.startswith("_"):
                continue
            text = path.read_text(encoding="utf-8")
            rev, down = rev_re.search(text), down_re.search(text)
            if not rev or not down:
                return set()
            revisions.add(rev.group(1))
            downs.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    except OSError:  # pragma: no cover
        return set()
    return revisions - downs


def at_head(engine: Engine) -> bool:
    """True when the database's ``alembic_version`` holds exactly the shipped
    head(s): nothing to migrate, Alembic need not be loaded. Any doubt
    (no such table, another revision, an error) answers False."""
    heads = shipped_heads()
    if not heads:
        return False
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return False
            rows = {r[0] for r in connection.exec_driver_sql("SELECT version_num FROM alembic_version")}
    except Exception:
        return False
    return rows == heads


def init_db(url_or_engine: UrlLike = None) -> Engine:
    """Create or upgrade the schema to the latest migration (``alembic upgrade
    head``). Idempotent; concurrent callers are serialised (SQLite: the write
    lock; PostgreSQL: an advisory lock). A database already at the shipped
    head (:func:`at_head`) is left as it is without loading Alembic. Returns
    the engine."""
    engine = get_engine(url_or_engine)
    key = engine.url.render_as_string(hide_password=False)
    if at_head(engine):
        with _LOCK:
            _INITIALISED.add(key)
        return engine
    from alembic import command

    cfg = alembic_config()
    # Alembic's ``context`` is process-global: one upgrade at a time per process
    # (other processes are held off by the database lock, see migrations/env.py)
    with _MIGRATE_LOCK, engine.connect() as connection:
        connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
        connection.commit()
        with _LOCK:
            _INITIALISED.add(key)
    return engine


def current_revision(url_or_engine: UrlLike = None) -> str | None:
    """The schema revision the database is at (``None``: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    engine = get_engine(url_or_engine)
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The latest migration shipped with this version of docmine."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def table_names(url_or_engine: UrlLike = None) -> list[str]:
    return sorted(inspect(get_engine(url_or_engine)).get_table_names())


def _ready_engine(url_or_settings: UrlLike) -> Engine:
    engine = get_engine(url_or_settings)
    key = engine.url.render_as_string(hide_password=False)
    if key not in _INITIALISED:
        init_db(engine)
    return engine


def begin_write(session: Session) -> None:
    """Start ``session``'s next transaction as a writer: on SQLite it takes the
    write lock at once (``BEGIN IMMEDIATE``), so a transaction that reads and
    then writes waits for other writers instead of failing; elsewhere a plain
    begin. A transaction in progress is committed first."""
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})


def make_session_factory(url: UrlLike = None) -> sessionmaker:
    """A ``sessionmaker`` for ``url``, its schema brought up to date first.
    Sessions do not expire objects on commit, so rows stay readable after it."""
    return sessionmaker(bind=_ready_engine(url), expire_on_commit=False, future=True)


@contextmanager
def session_scope(url_or_settings: UrlLike = None) -> Iterator[Session]:
    """``with session_scope(url) as session:`` — commits at the end of the
    block, rolls back (and re-raises) on an exception, always closes.
    The schema is migrated to the latest revision on first use."""
    session = make_session_factory(url_or_settings)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
