"""依申请公开: the review or suit on a reply carries its filing and decision dates (section 四 of the annual
report counts it in the year of its decision). Existing records get the request's finish date for both (the
year they were counted in until now); a pending one has no decision date.

Revision ID: dr05
Revises: dr04
Create Date: 2026-12-03 14:01:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'dr05'
down_revision: str | None = 'dr04'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('disclosure_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_filed_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('review_decided_date', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_disclosure_requests_review_decided_date'), ['review_decided_date'],
                              unique=False)
    op.execute("UPDATE disclosure_requests SET review_filed_date = finished_date WHERE review_kind IS NOT NULL")
    op.execute("UPDATE disclosure_requests SET review_decided_date = finished_date "
               "WHERE review_kind IS NOT NULL AND review_result <> 'pending'")


def downgrade() -> None:
    with op.batch_alter_table('disclosure_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_requests_review_decided_date'))
        batch_op.drop_column('review_decided_date')
        batch_op.drop_column('review_filed_date')
