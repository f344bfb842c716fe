"""full-text search: the same words indexed on SQLite and PostgreSQL

Revision ID: 0003_search_words
Revises: 0002_query
Create Date: 2026-11-29 21:00:00

Both indexes now hold the same words (``docmine.store.search``): text folded, cut at
every character that is not a letter or a digit (a document symbol
``UNEP/CMS/StC52/11`` is four words, not one PostgreSQL ``file`` token), the
Snowball French stop list left out, Snowball stems (words with digits whole).

* SQLite: ``page_fts`` rebuilt with the new word rules.
* PostgreSQL: the GIN index ``ix_pages_fts_french`` (on the text as PostgreSQL's
  parser cuts it) is replaced by ``ix_pages_fts_words`` on
  ``to_tsvector('french', regexp_replace(docmine_unaccent(coalesce(text, '')),
  '(\\W|_)+', ' ', 'g'))``.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003_search_words"
down_revision: Union[str, Sequence[str], None] = "0002_query"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

#: frozen copy of docmine.store.search.PG_TSVECTOR's expression (on the bare column)
_PG_WORDS = ("to_tsvector('french', regexp_replace(docmine_unaccent(coalesce(text, '')), "
             "'(\\W|_)+', ' ', 'g'))")
_PG_OLD = "to_tsvector('french', docmine_unaccent(coalesce(text, '')))"


def _reindex_sqlite(bind) -> None:
    from docmine.store.search import index_text  # the word rules in force
    bind.execute(sa.text("DELETE FROM page_fts"))
    last = 0
    while True:
        rows = bind.execute(sa.text("SELECT id, text FROM pages WHERE id > :last ORDER BY id "
                                    "LIMIT 2000"), {"last": last}).all()
        if not rows:
            break
        bind.execute(sa.text("INSERT INTO page_fts(rowid, body) VALUES (:id, :body)"),
                     [{"id": r[0], "body": index_text(r[1])} for r in rows])
        last = rows[-1][0]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _reindex_sqlite(bind)
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_pages_fts_french")
        op.execute(f"CREATE INDEX IF NOT EXISTS ix_pages_fts_words ON pages USING gin ({_PG_WORDS})")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_pages_fts_words")
        op.execute(f"CREATE INDEX IF NOT EXISTS ix_pages_fts_french ON pages USING gin ({_PG_OLD})")
