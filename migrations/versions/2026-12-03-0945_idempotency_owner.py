"""idempotency keys per owner (a user or an anonymous client), sealed responses; no keys left in flight

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:15:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Keys are claimed in the request's transaction now, so a committed key in flight can only be one an
    # earlier version left behind; it would answer 409 forever, so it goes.
    op.execute("DELETE FROM idempotency_keys WHERE state = 'in_flight'")
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('sealed', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE idempotency_keys SET owner = 'user:' || CAST(user_id AS VARCHAR)")
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.alter_column('sealed', server_default=None)
        batch_op.alter_column('owner', existing_type=sa.String(length=100), nullable=False)
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint('uq_idempotency_keys_user_id_key', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_idempotency_keys_owner_key'), ['owner', 'key'])
        batch_op.create_index(batch_op.f('ix_idempotency_keys_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM idempotency_keys WHERE user_id IS NULL")
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_keys_user_id'))
        batch_op.drop_constraint(batch_op.f('uq_idempotency_keys_owner_key'), type_='unique')
        batch_op.create_unique_constraint('uq_idempotency_keys_user_id_key', ['user_id', 'key'])
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('sealed')
        batch_op.drop_column('owner')
