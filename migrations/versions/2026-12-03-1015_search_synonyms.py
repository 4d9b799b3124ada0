"""search synonyms (admin-managed, seeded) and an index for exact 文号 lookups

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:15:00+00:00
"""
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import api.database

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What citizens type for what documents say (and back where the short form is what documents say).
SEED = [("公车", "公务用车"), ("公务用车", "公车"), ("公务车", "公务用车"), ("车改", "公务用车制度改革"),
        ("社保", "社会保险"), ("医保", "医疗保险"), ("低保", "最低生活保障"), ("网办", "网上办事")]


def upgrade() -> None:
    synonyms = op.create_table('search_synonyms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=50), nullable=False),
    sa.Column('synonym', sa.String(length=50), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_search_synonyms_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_synonyms')),
    sa.UniqueConstraint('term', 'synonym', name=op.f('uq_search_synonyms_term_synonym'))
    )
    with op.batch_alter_table('search_synonyms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_synonyms_term'), ['term'], unique=False)
    now = datetime.now(UTC)
    op.bulk_insert(synonyms, [{"term": t, "synonym": s, "created_at": now} for t, s in SEED])
    with op.batch_alter_table('disclosures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosures_doc_no'), ['doc_no'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('disclosures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosures_doc_no'))
    with op.batch_alter_table('search_synonyms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_synonyms_term'))
    op.drop_table('search_synonyms')
