"""docmine.db: engines, migrations, sessions — on SQLite and PostgreSQL."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from docmine.store import db
from docmine.store.schema import Base, Document, IngestRun
from docmine.settings import get_settings

TABLES = {"documents", "pages", "ingest_runs", "ingest_items", "model_versions", "extraction_runs",
          "entities", "entity_aliases", "mentions", "mention_entities", "action_items",
          "action_item_refs", "corrections", "alembic_version"}


def test_init_db_migrates_to_head_and_is_idempotent(db_url):
    assert db.current_revision(db_url) is None
    engine = db.init_db(db_url)
    assert db.current_revision(engine) == db.head_revision()
    assert TABLES <= set(db.table_names(engine))
    db.init_db(db_url)  # again: nothing to do, nothing breaks
    db.init_db(engine)
    assert db.current_revision(db_url) == db.head_revision()


def _include_object(obj, name, type_, reflected, compare_to):
    # tables a later migration makes by hand (full-text search) are not models
    if type_ == "table" and reflected and compare_to is None:
        return False
    table = getattr(obj, "table", None)
    return not (table is not None and table.name not in Base.metadata.tables)


def test_migrations_match_the_models(db_url):
    """The shipped migrations build everything docmine.store.schema declares, with the
    declared types (later migrations may add indexes of their own)."""
    engine = db.init_db(db_url)
    with engine.connect() as conn:
        opts = {"compare_type": True, "include_object": _include_object}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
    flat = [d for group in diff for d in (group if isinstance(group, list) else [group])]
    missing = [d for d in flat if d[0] != "remove_index"]
    assert missing == []


def test_json_columns_are_json(db_url):
    engine = db.init_db(db_url)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            types = dict(conn.execute(sa.text(
                "select column_name, data_type from information_schema.columns "
                "where table_name = 'documents' and table_schema = current_schema()")).all())
        assert types["languages"] == "json" and types["meta"] == "json"
    with db.session_scope(db_url) as s:
        run = IngestRun(summary={"languages": {"fr": 2}, "failures": [{"code": "empty"}]})
        s.add(run)
    with db.session_scope(db_url) as s:
        got = s.get(IngestRun, run.id)
        assert got.summary == {"languages": {"fr": 2}, "failures": [{"code": "empty"}]}
        assert got.settings == {}


@pytest.mark.slow
def test_concurrent_init_db_in_processes_is_safe(db_url):
    """Two programs starting at once on a fresh database both end up at head."""
    import subprocess
    import sys
    code = "import sys; from docmine.store import db; db.init_db(sys.argv[1])"
    procs = [subprocess.Popen([sys.executable, "-c", code, db_url], stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert db.current_revision(db_url) == db.head_revision()


def test_concurrent_init_db_in_threads_is_safe(db_url):
    errors: list[BaseException] = []

    def work():
        try:
            db.init_db(db_url)
        except BaseException as exc:  # pragma: no cover - the failure we test for
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert db.current_revision(db_url) == db.head_revision()


def _doc(sha: str = "a" * 64, **kw) -> Document:
    return Document(sha256=sha, source="x.pdf", source_key="/x.pdf", size=1, page_count=0,
                    backend="pypdfium2", **kw)


def test_session_scope_commits_and_rolls_back(db_url):
    with db.session_scope(db_url) as s:
        s.add(_doc())
    with pytest.raises(RuntimeError):
        with db.session_scope(db_url) as s:
            s.add(_doc("b" * 64))
            s.flush()
            raise RuntimeError("boom")
    with db.session_scope(db_url) as s:
        assert s.scalars(sa.select(Document.sha256)).all() == ["a" * 64]


def test_sha256_is_unique(db_url):
    with db.session_scope(db_url) as s:
        s.add(_doc())
    with pytest.raises(sa.exc.IntegrityError):
        with db.session_scope(db_url) as s:
            s.add(_doc())


def test_foreign_keys_are_enforced(db_url):
    from docmine.store.schema import Page
    with pytest.raises(sa.exc.IntegrityError):
        with db.session_scope(db_url) as s:
            s.add(Page(document_id=12345, number=1, text="x"))


def test_session_scope_accepts_settings(tmp_path):
    settings = get_settings(database_url=f"sqlite:///{tmp_path / 'via-settings.db'}")
    with db.session_scope(settings) as s:
        s.add(_doc())
    assert (tmp_path / "via-settings.db").exists()
    factory = db.make_session_factory(settings.url)
    with factory() as s:
        assert s.scalar(sa.select(sa.func.count(Document.id))) == 1


def test_default_url_is_sqlite_under_data_dir(tmp_path):
    settings = get_settings(data_dir=tmp_path / "data")
    assert settings.url == f"sqlite:///{(tmp_path / 'data' / 'docmine.db').resolve()}"
    db.init_db(settings)
    assert (tmp_path / "data" / "docmine.db").exists()


def test_sqlite_engine_settings_and_missing_folder(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'deeper' / 'docmine.db'}"
    engine = db.get_engine(url)
    assert engine is db.get_engine(url)  # cached
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    assert (tmp_path / "new" / "deeper" / "docmine.db").exists()


def test_in_memory_sqlite_works():
    with db.session_scope("sqlite://") as s:
        s.add(_doc())
    with db.session_scope("sqlite://") as s:
        assert s.scalar(sa.select(sa.func.count(Document.id))) == 1


def test_postgres_urls_use_psycopg3():
    assert db.normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert db.normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert db.normalise_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert db.get_engine("postgresql://u@127.0.0.1:1/db").dialect.driver == "psycopg"
