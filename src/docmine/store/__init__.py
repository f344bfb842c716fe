"""Store: the database behind docmine (SQLAlchemy 2, SQLite or PostgreSQL).

Holds the schema (ORM models, :mod:`.schema`), engine and sessions
(:mod:`.db`), the Alembic migrations (``migrations/``), writing one
document's extraction (:mod:`.write`), canonical entities and their counts
(:mod:`.entities`), full-text search (:mod:`.search`) and model versions, the
version in force and the knowledge learned from corrections (:mod:`.models`).

May import: :mod:`docmine.extraction`, :mod:`docmine.reading` and the base
modules :mod:`docmine.settings` / :mod:`docmine.records`. Nothing above it
(the verbs ``ingest``/``query``/``run``, cli, web).
"""
