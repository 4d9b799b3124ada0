"""complaints: the channel a letter came through and the registered client that relayed it

Revision ID: pa05
Revises: pa04
Create Date: 2026-12-03 14:21:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'pa05'
down_revision: str | None = 'pa04'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=20), nullable=False, server_default='portal'))
        batch_op.add_column(sa.Column('api_client_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('relayed_by', sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_complaints_api_client_id'), ['api_client_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_complaints_api_client_id_api_clients'), 'api_clients',
                                    ['api_client_id'], ['id'])
    # Letters filed through Open311 before the column existed
    op.execute("UPDATE complaints SET channel = 'open311', api_client_id = (SELECT o.client_pk FROM open311_requests o "
               "WHERE o.case_kind = 'letter' AND o.case_id = complaints.id) "
               "WHERE id IN (SELECT case_id FROM open311_requests WHERE case_kind = 'letter')")
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.alter_column('channel', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_complaints_api_client_id_api_clients'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_complaints_api_client_id'))
        batch_op.drop_column('relayed_by')
        batch_op.drop_column('api_client_id')
        batch_op.drop_column('channel')
