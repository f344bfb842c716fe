"""full-text search, query indexes, mentions.paragraph

Revision ID: 0002_query
Revises: 0001
Create Date: 2026-11-23 05:00:00

* SQLite: FTS5 table ``page_fts`` (rowid = pages.id) holding the folded and
  Snowball-stemmed page text, filled by ``docmine.store.search.index_document``
  (pages present at upgrade time are indexed here).
* PostgreSQL: ``unaccent`` extension, the immutable wrapper
  ``docmine_unaccent(text)`` and a GIN index on
  ``to_tsvector('french', docmine_unaccent(coalesce(text, '')))``.
* Indexes for docmine.query; ``mentions.paragraph``; ``entities.mention_count``
  and ``entities.document_count``.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002_query"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_INDEXES = [
    ("ix_mentions_doc_page_start", "mentions", ["document_id", "page_number", "start"]),
    ("ix_mention_entities_entity_mention", "mention_entities", ["entity_id", "mention_id"]),
    ("ix_entities_kind_treaty_body", "entities", ["kind", "treaty", "body"]),
    ("ix_entities_document_id", "entities", ["document_id"]),
    ("ix_entities_label_count", "entities", ["label", "mention_count"]),
    ("ix_action_items_doc_page", "action_items", ["document_id", "page_number", "start"]),
    ("ix_action_items_actor_deadline", "action_items", ["actor_id", "deadline_sort"]),
    ("ix_action_items_origin", "action_items", ["origin"]),
    ("ix_mentions_origin", "mentions", ["origin"]),
    ("ix_corrections_target_op", "corrections", ["target", "op"]),
]


def _pg_unaccent_schema(bind) -> str:
    """Schema holding the unaccent extension, installing it (in ``public``,
    which per-test schemas do not drop) when missing."""
    q = sa.text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                "ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'")
    schema = bind.execute(q).scalar()
    if schema:
        return schema
    has_public = bind.execute(sa.text(
        "SELECT 1 FROM pg_namespace WHERE nspname = 'public'")).scalar()
    if has_public:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public"))
    else:  # pragma: no cover - unusual server layout
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS unaccent"))
    return bind.execute(q).scalar()


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("mentions") as batch_op:
        batch_op.add_column(sa.Column("paragraph", sa.String(length=32), nullable=True))
    with op.batch_alter_table("entities") as batch_op:
        batch_op.add_column(sa.Column("mention_count", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("document_count", sa.Integer(), nullable=False,
                                      server_default="0"))
    for name, table, cols in _INDEXES:
        op.create_index(name, table, cols)
    if bind.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE IF NOT EXISTS page_fts USING fts5("
                   "body, tokenize = 'unicode61 remove_diacritics 2')")
        from docmine.store.search import index_text
        rows = bind.execute(sa.text("SELECT id, text FROM pages ORDER BY id")).all()
        if rows:
            bind.execute(sa.text("INSERT INTO page_fts(rowid, body) VALUES (:id, :body)"),
                         [{"id": r[0], "body": index_text(r[1])} for r in rows])
    elif bind.dialect.name == "postgresql":
        schema = _pg_unaccent_schema(bind)
        q = '"' + schema.replace('"', '""') + '"'
        op.execute(
            "CREATE OR REPLACE FUNCTION docmine_unaccent(text) RETURNS text "
            "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS "
            f"$$ SELECT {q}.unaccent('{q}.unaccent'::regdictionary, $1) $$")
        op.execute("CREATE INDEX IF NOT EXISTS ix_pages_fts_french ON pages USING gin "
                   "(to_tsvector('french', docmine_unaccent(coalesce(text, ''))))")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS page_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_pages_fts_french")
        op.execute("DROP FUNCTION IF EXISTS docmine_unaccent(text)")
    for name, table, _cols in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("mentions") as batch_op:
        batch_op.drop_column("paragraph")
    with op.batch_alter_table("entities") as batch_op:
        batch_op.drop_column("document_count")
        batch_op.drop_column("mention_count")
