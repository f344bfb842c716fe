"""Alembic environment for docmine's schema (``docmine.store.schema``).

Run by :func:`docmine.store.db.init_db` (which passes an open connection), or by the
``alembic`` command for developers::

    alembic -c src/docmine/migrations/alembic.ini revision --autogenerate -m "what"
    alembic -c src/docmine/migrations/alembic.ini upgrade head

(the database URL comes from ``-x url=…``, then ``DOCMINE_DATABASE_URL``, then
the default settings). Batch mode is on for SQLite, whose ALTER TABLE is
limited; on PostgreSQL an advisory lock serialises concurrent upgrades.
"""
from __future__ import annotations

from alembic import context

from docmine.store.schema import Base

config = context.config
target_metadata = Base.metadata

#: arbitrary key of the advisory lock that serialises migrations on PostgreSQL
PG_MIGRATION_LOCK = 7_320_011


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Autogenerate compares only what the models declare: tables made by hand
    in a migration (e.g. full-text search tables and their shadow tables) and
    their indexes are left alone."""
    if type_ == "table" and reflected and compare_to is None:
        return False
    table = getattr(obj, "table", None)
    if type_ in ("index", "unique_constraint", "column") and table is not None \
            and table.name not in target_metadata.tables:
        return False
    return True


def _url() -> str:
    from docmine.store.db import normalise_url
    from docmine.settings import get_settings

    url = context.get_x_argument(as_dictionary=True).get("url") \
        or config.get_main_option("sqlalchemy.url")
    return normalise_url(url) if url else get_settings().url


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )


def run_migrations_offline() -> None:
    url = _url()
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=url.startswith("sqlite"), include_object=include_object,
                      dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})")
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from docmine.store.db import get_engine

    with get_engine(_url()).connect() as connection:
        _run(connection)
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
