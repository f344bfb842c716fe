"""Initial schema: ingestion, documents and pages, model output, corrections.

Generated with alembic autogenerate against an empty SQLite database, then
reviewed: runs on SQLite and PostgreSQL; JSON columns are JSON on both
(SQLite stores them as text).

Revision ID: 0001
Revises:
Create Date: 2026-11-23 04:47:23.156616

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('editor', sa.String(length=128), nullable=False),
    sa.Column('target', sa.String(length=16), nullable=False),
    sa.Column('op', sa.String(length=16), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('page_number', sa.Integer(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=16), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('model_version', sa.String(length=128), nullable=True),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['supersedes_id'], ['corrections.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_corrections_document_sha256'), 'corrections', ['document_sha256'])
    op.create_index('ix_corrections_target', 'corrections', ['document_sha256', 'target', 'start', 'end'])

    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('media_type', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('symbol', sa.String(length=128), nullable=True),
    sa.Column('treaty', sa.String(length=16), nullable=True),
    sa.Column('doc_date', sa.String(length=32), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('backend', sa.String(length=32), nullable=False),
    sa.Column('meta', sa.JSON(), nullable=False),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('extracted_version', sa.String(length=128), nullable=True),
    sa.ForeignKeyConstraint(['supersedes_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sha256')
    )
    op.create_index(op.f('ix_documents_extracted_version'), 'documents', ['extracted_version'])
    op.create_index(op.f('ix_documents_language'), 'documents', ['language'])
    op.create_index(op.f('ix_documents_source_key'), 'documents', ['source_key'])
    op.create_index(op.f('ix_documents_symbol'), 'documents', ['symbol'])
    op.create_index(op.f('ix_documents_treaty'), 'documents', ['treaty'])

    op.create_table('ingest_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('trigger', sa.String(length=32), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('model_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('promoted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('entities',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=16), nullable=False),
    sa.Column('treaty', sa.String(length=16), nullable=True),
    sa.Column('body', sa.String(length=32), nullable=True),
    sa.Column('instrument_kind', sa.String(length=16), nullable=True),
    sa.Column('number', sa.String(length=32), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('parent_id', sa.String(length=255), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['entities.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_entities_kind'), 'entities', ['kind'])
    op.create_index(op.f('ix_entities_label'), 'entities', ['label'])
    op.create_index(op.f('ix_entities_treaty'), 'entities', ['treaty'])

    op.create_table('extraction_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('model_version_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('pipeline', sa.String(length=16), nullable=True),
    sa.Column('stats', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['model_version_id'], ['model_versions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_extraction_runs_document_id'), 'extraction_runs', ['document_id'])

    op.create_table('ingest_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('error_code', sa.String(length=32), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['ingest_runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_ingest_items_run_id'), 'ingest_items', ['run_id'])
    op.create_index(op.f('ix_ingest_items_sha256'), 'ingest_items', ['sha256'])

    op.create_table('pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('blocks', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('char_count', sa.Integer(), nullable=False),
    sa.Column('doc_offset', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'number')
    )
    op.create_table('action_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('page_number', sa.Integer(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('doc_start', sa.Integer(), nullable=False),
    sa.Column('doc_end', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.String(length=255), nullable=True),
    sa.Column('actor_text', sa.Text(), nullable=False),
    sa.Column('verb', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('deadline_meeting_id', sa.String(length=255), nullable=True),
    sa.Column('deadline_date', sa.String(length=32), nullable=True),
    sa.Column('deadline_sort', sa.String(length=10), nullable=True),
    sa.Column('paragraph', sa.String(length=32), nullable=True),
    sa.Column('treaty', sa.String(length=16), nullable=True),
    sa.Column('extraction_run_id', sa.Integer(), nullable=True),
    sa.Column('model_version', sa.String(length=128), nullable=True),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['entities.id'], ),
    sa.ForeignKeyConstraint(['deadline_meeting_id'], ['entities.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['extraction_run_id'], ['extraction_runs.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_action_items_actor_id'), 'action_items', ['actor_id'])
    op.create_index(op.f('ix_action_items_deadline_meeting_id'), 'action_items', ['deadline_meeting_id'])
    op.create_index(op.f('ix_action_items_deadline_sort'), 'action_items', ['deadline_sort'])
    op.create_index(op.f('ix_action_items_document_id'), 'action_items', ['document_id'])
    op.create_index(op.f('ix_action_items_extraction_run_id'), 'action_items', ['extraction_run_id'])
    op.create_index(op.f('ix_action_items_treaty'), 'action_items', ['treaty'])
    op.create_index(op.f('ix_action_items_verb'), 'action_items', ['verb'])

    op.create_table('entity_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sa.String(length=255), nullable=False),
    sa.Column('alias', sa.Text(), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('is_acronym', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('entity_id', 'alias', 'lang')
    )
    op.create_index(op.f('ix_entity_aliases_entity_id'), 'entity_aliases', ['entity_id'])

    op.create_table('mentions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('page_number', sa.Integer(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('doc_start', sa.Integer(), nullable=False),
    sa.Column('doc_end', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('attrs', sa.JSON(), nullable=False),
    sa.Column('sentence', sa.Text(), nullable=True),
    sa.Column('extraction_run_id', sa.Integer(), nullable=True),
    sa.Column('model_version', sa.String(length=128), nullable=True),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['extraction_run_id'], ['extraction_runs.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_mentions_doc_label', 'mentions', ['document_id', 'label'])
    op.create_index(op.f('ix_mentions_extraction_run_id'), 'mentions', ['extraction_run_id'])
    op.create_index(op.f('ix_mentions_label'), 'mentions', ['label'])
    op.create_index(op.f('ix_mentions_page_id'), 'mentions', ['page_id'])

    op.create_table('action_item_refs',
    sa.Column('action_item_id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['action_item_id'], ['action_items.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], ),
    sa.PrimaryKeyConstraint('action_item_id', 'entity_id')
    )
    op.create_index(op.f('ix_action_item_refs_entity_id'), 'action_item_refs', ['entity_id'])

    op.create_table('mention_entities',
    sa.Column('mention_id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sa.String(length=255), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], ),
    sa.ForeignKeyConstraint(['mention_id'], ['mentions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('mention_id', 'entity_id')
    )
    op.create_index(op.f('ix_mention_entities_entity_id'), 'mention_entities', ['entity_id'])



def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_mention_entities_entity_id'), table_name='mention_entities')

    op.drop_table('mention_entities')
    op.drop_index(op.f('ix_action_item_refs_entity_id'), table_name='action_item_refs')

    op.drop_table('action_item_refs')
    op.drop_index(op.f('ix_mentions_page_id'), table_name='mentions')
    op.drop_index(op.f('ix_mentions_label'), table_name='mentions')
    op.drop_index(op.f('ix_mentions_extraction_run_id'), table_name='mentions')
    op.drop_index('ix_mentions_doc_label', table_name='mentions')

    op.drop_table('mentions')
    op.drop_index(op.f('ix_entity_aliases_entity_id'), table_name='entity_aliases')

    op.drop_table('entity_aliases')
    op.drop_index(op.f('ix_action_items_verb'), table_name='action_items')
    op.drop_index(op.f('ix_action_items_treaty'), table_name='action_items')
    op.drop_index(op.f('ix_action_items_extraction_run_id'), table_name='action_items')
    op.drop_index(op.f('ix_action_items_document_id'), table_name='action_items')
    op.drop_index(op.f('ix_action_items_deadline_sort'), table_name='action_items')
    op.drop_index(op.f('ix_action_items_deadline_meeting_id'), table_name='action_items')
    op.drop_index(op.f('ix_action_items_actor_id'), table_name='action_items')

    op.drop_table('action_items')
    op.drop_table('pages')
    op.drop_index(op.f('ix_ingest_items_sha256'), table_name='ingest_items')
    op.drop_index(op.f('ix_ingest_items_run_id'), table_name='ingest_items')

    op.drop_table('ingest_items')
    op.drop_index(op.f('ix_extraction_runs_document_id'), table_name='extraction_runs')

    op.drop_table('extraction_runs')
    op.drop_index(op.f('ix_entities_treaty'), table_name='entities')
    op.drop_index(op.f('ix_entities_label'), table_name='entities')
    op.drop_index(op.f('ix_entities_kind'), table_name='entities')

    op.drop_table('entities')
    op.drop_table('model_versions')
    op.drop_table('ingest_runs')
    op.drop_index(op.f('ix_documents_treaty'), table_name='documents')
    op.drop_index(op.f('ix_documents_symbol'), table_name='documents')
    op.drop_index(op.f('ix_documents_source_key'), table_name='documents')
    op.drop_index(op.f('ix_documents_language'), table_name='documents')
    op.drop_index(op.f('ix_documents_extracted_version'), table_name='documents')

    op.drop_table('documents')
    op.drop_index('ix_corrections_target', table_name='corrections')
    op.drop_index(op.f('ix_corrections_document_sha256'), table_name='corrections')

    op.drop_table('corrections')
