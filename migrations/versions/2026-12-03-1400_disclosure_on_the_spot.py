"""依申请公开: a request answered on the spot (当场答复, Art. 33) is marked as such

Revision ID: dr04
Revises: ca01
Create Date: 2026-12-03 14:00:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'dr04'
down_revision: str | None = 'ca01'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('disclosure_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_the_spot', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('disclosure_requests', schema=None) as batch_op:
        batch_op.alter_column('on_the_spot', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('disclosure_requests', schema=None) as batch_op:
        batch_op.drop_column('on_the_spot')
