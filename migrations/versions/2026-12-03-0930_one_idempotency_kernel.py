"""one idempotency kernel: complaints' own key table goes; anonymous callers' keys live in idempotency_keys

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:30:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.database

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('complaint_idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_idempotency_keys_expires_at')
    op.drop_table('complaint_idempotency_keys')
    # Nothing refers to idempotency_keys, so SQLite's batch copy of it cascades nowhere.
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_hash', sa.String(length=64), nullable=True))
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_idempotency_keys_client_hash_key'), ['client_hash', 'key'])
        batch_op.create_check_constraint('one_caller', '(user_id IS NULL) <> (client_hash IS NULL)')


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM idempotency_keys WHERE user_id IS NULL"))
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_idempotency_keys_one_caller'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_idempotency_keys_client_hash_key'), type_='unique')
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('client_hash')
    op.create_table('complaint_idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.Column('created_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'],
                            name=op.f('fk_complaint_idempotency_keys_complaint_id_complaints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_idempotency_keys')),
    sa.UniqueConstraint('scope', 'key', name=op.f('uq_complaint_idempotency_keys_scope_key'))
    )
    with op.batch_alter_table('complaint_idempotency_keys', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_idempotency_keys_expires_at', ['expires_at'], unique=False)
