"""Store: the database behind docmine (SQLAlchemy 2, SQLite or PostgreSQL).

Holds the schema (ORM models, :mod:`.schema`), engine and sessions
(:mod:`.db`), the Alembic migrations (``migrations/``), writing one
document's extraction (:mod:`.write`), canonical entities and their counts
(:mod:`.entities`) and full-text search (:mod:`.search`).

May import: :mod:`docmine.extraction`, :mod:`docmine.reading` and the base
modules :mod:`docmine.settings` / :mod:`docmine.records`. Nothing above it
(the verbs ``ingest``/``query``/``run``, cli, web).
"""
