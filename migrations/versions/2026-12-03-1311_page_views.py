"""Page views per item and day (counts only: no cookie, address or agent stored)

Revision ID: op02
Revises: op01
Create Date: 2026-12-03 13:11:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'op02'
down_revision: str | None = 'op01'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('page_views',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('item_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('column_id', sa.Integer(), nullable=True),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'kind', 'item_id', name=op.f('pk_page_views'))
    )
    with op.batch_alter_table('page_views', schema=None) as batch_op:
        batch_op.create_index('ix_page_views_column_id_day', ['column_id', 'day'], unique=False)
        batch_op.create_index('ix_page_views_kind_item_id', ['kind', 'item_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('page_views', schema=None) as batch_op:
        batch_op.drop_index('ix_page_views_kind_item_id')
        batch_op.drop_index('ix_page_views_column_id_day')

    op.drop_table('page_views')
