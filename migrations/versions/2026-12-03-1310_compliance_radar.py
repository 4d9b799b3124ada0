"""Compliance radar (38号 checks): stored link checks, daily snapshots, the outbound-check setting

Revision ID: op01
Revises: pa03
Create Date: 2026-12-03 13:10:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.database

revision: str = 'op01'
down_revision: str | None = 'pa03'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('compliance_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('check', sa.String(length=30), nullable=False),
    sa.Column('findings', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Boolean(), nullable=False),
    sa.Column('taken_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compliance_snapshots')),
    sa.UniqueConstraint('day', 'check', name=op.f('uq_compliance_snapshots_day_check'))
    )
    with op.batch_alter_table('compliance_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compliance_snapshots_day'), ['day'], unique=False)

    op.create_table('compliance_settings',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('outbound_checks', sa.Boolean(), nullable=False),
    sa.Column('own_hosts', sa.JSON(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_compliance_settings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compliance_settings'))
    )
    op.create_table('compliance_link_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disclosure_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('external', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('checked_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['disclosure_id'], ['disclosures.id'], name=op.f('fk_compliance_link_checks_disclosure_id_disclosures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compliance_link_checks'))
    )
    with op.batch_alter_table('compliance_link_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compliance_link_checks_disclosure_id'), ['disclosure_id'], unique=False)
        batch_op.create_index('ix_compliance_link_checks_status', ['status', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('compliance_link_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_compliance_link_checks_status')
        batch_op.drop_index(batch_op.f('ix_compliance_link_checks_disclosure_id'))

    op.drop_table('compliance_link_checks')
    op.drop_table('compliance_settings')
    with op.batch_alter_table('compliance_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compliance_snapshots_day'))

    op.drop_table('compliance_snapshots')
