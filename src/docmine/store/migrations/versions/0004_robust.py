"""one copy of a document's model output; corrections carried to new versions

Revision ID: 0004_robust
Revises: 0003_search_words
Create Date: 2026-11-29 21:00:00

* Duplicate mentions (same document, document offsets, label and origin) and
  duplicate action items (same document, offsets and origin), left by two
  runs that replaced one document's rows at once before
  ``docmine.store.lock_document`` existed, are removed (the lowest id stays,
  with its links), entity counts are recomputed from the rows, and the unique
  indexes ``uq_mentions_span`` and ``uq_action_items_span`` make the database
  refuse such copies from now on.
* ``correction_carries``: for each correction of a document's previous
  version and each new version, whether it was carried (the new ledger row)
  or not (with the reason), see ``docmine.store.carry``.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004_robust"
down_revision: Union[str, Sequence[str], None] = "0003_search_words"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_MENTION_KEY = ["document_id", "doc_start", "doc_end", "label", "origin"]
_ACTION_KEY = ["document_id", "doc_start", "doc_end", "origin"]


def _dedupe(table: str, key: list[str], child: str, child_fk: str) -> None:
    keep = f"SELECT MIN(id) FROM {table} GROUP BY {', '.join(key)}"
    op.execute(f"DELETE FROM {child} WHERE {child_fk} NOT IN ({keep})")
    op.execute(f"DELETE FROM {table} WHERE id NOT IN ({keep})")


def upgrade() -> None:
    _dedupe("mentions", _MENTION_KEY, "mention_entities", "mention_id")
    _dedupe("action_items", _ACTION_KEY, "action_item_refs", "action_item_id")
    op.execute(
        "UPDATE entities SET mention_count = coalesce((SELECT count(*) FROM mention_entities me "
        "WHERE me.entity_id = entities.id), 0), document_count = coalesce((SELECT "
        "count(DISTINCT m.document_id) FROM mention_entities me JOIN mentions m ON "
        "m.id = me.mention_id WHERE me.entity_id = entities.id), 0)")
    op.create_index("uq_mentions_span", "mentions", _MENTION_KEY, unique=True)
    op.create_index("uq_action_items_span", "action_items", _ACTION_KEY, unique=True)

    op.create_table(
        "correction_carries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("correction_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("carried_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["correction_id"], ["corrections.id"]),
        sa.ForeignKeyConstraint(["carried_id"], ["corrections.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("correction_id", "document_id", name="uq_correction_carries_once"),
    )
    op.create_index("ix_correction_carries_document_status", "correction_carries",
                    ["document_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_correction_carries_document_status", table_name="correction_carries")
    op.drop_table("correction_carries")
    op.drop_index("uq_action_items_span", table_name="action_items")
    op.drop_index("uq_mentions_span", table_name="mentions")
