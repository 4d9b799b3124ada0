"""idempotency keys per owner (a user or an anonymous client), sealed responses; no keys left in flight.
Replaces 0008's client_hash: an anonymous key's owner becomes ip:<client_hash>, complaint receipts are sealed

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:25:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Keys are claimed in the request's transaction now, so a committed key in flight can only be one an
    # earlier version left behind; it would answer 409 forever, so it goes.
    op.execute("DELETE FROM idempotency_keys WHERE state = 'in_flight'")
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_idempotency_keys_one_caller'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_idempotency_keys_client_hash_key'), type_='unique')
        batch_op.add_column(sa.Column('owner', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('sealed', sa.Boolean(), nullable=False, server_default=sa.false()))
    # 0008 kept an anonymous writer's keys under client_hash (the same hash complaints now name as ip:<hash>)
    # and sealed every complaint receipt, with the key stored as its digest as now.
    op.execute("UPDATE idempotency_keys SET owner = CASE WHEN user_id IS NULL THEN 'ip:' || client_hash "
               "ELSE 'user:' || CAST(user_id AS VARCHAR) END")
    op.execute("UPDATE idempotency_keys SET sealed = true WHERE scope = 'POST /complaints'")
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_column('client_hash')
        batch_op.alter_column('sealed', server_default=None)
        batch_op.alter_column('owner', existing_type=sa.String(length=100), nullable=False)
        batch_op.drop_constraint('uq_idempotency_keys_user_id_key', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_idempotency_keys_owner_key'), ['owner', 'key'])
        batch_op.create_index(batch_op.f('ix_idempotency_keys_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM idempotency_keys WHERE user_id IS NULL")
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_keys_user_id'))
        batch_op.drop_constraint(batch_op.f('uq_idempotency_keys_owner_key'), type_='unique')
        batch_op.create_unique_constraint('uq_idempotency_keys_user_id_key', ['user_id', 'key'])
        batch_op.drop_column('sealed')
        batch_op.drop_column('owner')
        batch_op.add_column(sa.Column('client_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_idempotency_keys_client_hash_key'), ['client_hash', 'key'])
        batch_op.create_check_constraint('one_caller', '(user_id IS NULL) <> (client_hash IS NULL)')
