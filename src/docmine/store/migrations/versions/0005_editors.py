"""editors: accounts, API tokens, login attempts; the ledger's revisions

Revision ID: 0005_editors
Revises: 0004_robust
Create Date: 2026-11-30 00:10:00

* ``users`` (name unique, role viewer|editor|admin, argon2 password hash,
  disabled, created), ``api_tokens`` (SHA-256 of the token, user, created,
  last used, revoked) and ``login_attempts`` (failed sign-ins per name and
  address, for rate limiting).
* ``corrections`` gains ``target_key`` (the corrected thing's stable name),
  ``base_revision`` (the revision the editor saw), ``revision`` (the one the
  row made; NULL for a refused row), ``status`` (applied|conflict), ``edit``
  (the editor's operation), ``revert_of`` and ``user_id``. The unique index
  ``uq_corrections_target_revision`` on (target_key, revision) lets only one
  of two writes made against the same base land.
* ``corrections`` is append-only in the database too: triggers refuse UPDATE
  and DELETE on it (SQLite ``RAISE(ABORT)``, PostgreSQL a trigger function).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005_editors"
down_revision: Union[str, Sequence[str], None] = "0004_robust"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_MSG = "corrections is an append-only ledger: add a new row instead"


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_attempts_key_time", "login_attempts", ["key", "created_at"])

    sqlite = op.get_bind().dialect.name == "sqlite"
    cols = [
        sa.Column("target_key", sa.String(length=255), nullable=True),
        sa.Column("base_revision", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False, server_default="applied"),
        sa.Column("edit", sa.String(length=32), nullable=True),
    ]
    for col in cols:
        op.add_column("corrections", col)
    if sqlite:  # SQLite adds a column with an inline REFERENCES, never a constraint later
        op.execute("ALTER TABLE corrections ADD COLUMN revert_of INTEGER REFERENCES corrections (id)")
        op.execute("ALTER TABLE corrections ADD COLUMN user_id INTEGER REFERENCES users (id)")
    else:
        op.add_column("corrections", sa.Column("revert_of", sa.Integer(), nullable=True))
        op.add_column("corrections", sa.Column("user_id", sa.Integer(), nullable=True))
        op.create_foreign_key("corrections_revert_of_fkey", "corrections", "corrections",
                              ["revert_of"], ["id"])
        op.create_foreign_key("corrections_user_id_fkey", "corrections", "users",
                              ["user_id"], ["id"])
    op.create_index("ix_corrections_target_key", "corrections", ["target_key"])
    op.create_index("uq_corrections_target_revision", "corrections", ["target_key", "revision"],
                    unique=True)

    if sqlite:
        for what in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER corrections_no_{what.lower()} BEFORE {what} ON corrections "
                       f"BEGIN SELECT RAISE(ABORT, '{_MSG}'); END")
    else:
        op.execute("CREATE OR REPLACE FUNCTION docmine_append_only() RETURNS trigger "
                   "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
                   f"'{_MSG}'; END $$")
        op.execute("CREATE TRIGGER corrections_append_only BEFORE UPDATE OR DELETE ON corrections "
                   "FOR EACH ROW EXECUTE FUNCTION docmine_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS corrections_no_update")
        op.execute("DROP TRIGGER IF EXISTS corrections_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS corrections_append_only ON corrections")
        op.execute("DROP FUNCTION IF EXISTS docmine_append_only()")
    op.drop_index("uq_corrections_target_revision", table_name="corrections")
    op.drop_index("ix_corrections_target_key", table_name="corrections")
    with op.batch_alter_table("corrections") as batch:
        for name in ("user_id", "revert_of", "edit", "status", "revision", "base_revision",
                     "target_key"):
            batch.drop_column(name)
    op.drop_index("ix_login_attempts_key_time", table_name="login_attempts")
    op.drop_table("login_attempts")
    op.drop_index("ix_api_tokens_user_id", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("users")
