"""model versions as records; the version in force; knowledge learned from corrections

Revision ID: 0006_training
Revises: 0005_editors
Create Date: 2026-11-30 00:30:00

* ``model_versions`` gains what a trained version needs (issue 14): ``tag``
  (the artefact folder's name), ``status`` (baseline, candidate, in_force,
  retired, refused, rolled_back), ``artefact_path`` (under the data folder),
  ``parent`` (the version it was trained from), ``data_hashes``, ``verdict``
  and ``report`` (the gate's), ``promoted_at``.
* ``settings``: settings of the database every process reads
  (``model_in_force``).
* ``kb_overlay``: aliases and entities learned from editors' corrections,
  each with the correction it came from.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006_training"
down_revision: Union[str, Sequence[str], None] = "0005_editors"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("model_versions") as b:
        b.add_column(sa.Column("tag", sa.String(length=128), nullable=True))
        b.add_column(sa.Column("status", sa.String(length=16), nullable=False,
                               server_default="candidate"))
        b.add_column(sa.Column("artefact_path", sa.Text(), nullable=True))
        b.add_column(sa.Column("parent", sa.String(length=128), nullable=True))
        b.add_column(sa.Column("data_hashes", sa.JSON(), nullable=False, server_default="{}"))
        b.add_column(sa.Column("verdict", sa.String(length=16), nullable=True))
        b.add_column(sa.Column("report", sa.JSON(), nullable=False, server_default="{}"))
        b.add_column(sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True))
        b.create_unique_constraint("uq_model_versions_tag", ["tag"])
    # versions extraction recorded before: they were in force when they ran
    op.execute("UPDATE model_versions SET status = 'baseline'")

    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "kb_overlay",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.String(length=255), nullable=False),
        sa.Column("alias", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("correction_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["correction_id"], ["corrections.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("correction_id", "entity_id", "alias", name="uq_kb_overlay_correction_alias"),
    )
    op.create_index("ix_kb_overlay_entity_id", "kb_overlay", ["entity_id"])
    op.create_index("ix_kb_overlay_correction_id", "kb_overlay", ["correction_id"])


def downgrade() -> None:
    op.drop_index("ix_kb_overlay_correction_id", table_name="kb_overlay")
    op.drop_index("ix_kb_overlay_entity_id", table_name="kb_overlay")
    op.drop_table("kb_overlay")
    op.drop_table("settings")
    with op.batch_alter_table("model_versions") as b:
        b.drop_constraint("uq_model_versions_tag", type_="unique")
        for col in ("promoted_at", "report", "verdict", "data_hashes", "parent", "artefact_path",
                    "status", "tag"):
            b.drop_column(col)
