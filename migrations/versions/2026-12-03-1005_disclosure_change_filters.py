"""disclosure change log: topic and the previous filtered values (departures from filtered feeds)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:05:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Earlier events did not record a topic: they take the item's current one (so no topic moved). An event's
# previous column and publisher are those of the item's event before it, kept only where they changed.
BACKFILL = [
    "UPDATE disclosure_changes SET topic = "
    "(SELECT d.topic FROM disclosures d WHERE d.id = disclosure_changes.disclosure_id)",
    "UPDATE disclosure_changes SET "
    "prev_column_id = (SELECT p.column_id FROM disclosure_changes p "
    "WHERE p.disclosure_id = disclosure_changes.disclosure_id AND p.seq < disclosure_changes.seq "
    "ORDER BY p.seq DESC LIMIT 1), "
    "prev_publisher_id = (SELECT p.publisher_id FROM disclosure_changes p "
    "WHERE p.disclosure_id = disclosure_changes.disclosure_id AND p.seq < disclosure_changes.seq "
    "ORDER BY p.seq DESC LIMIT 1)",
    "UPDATE disclosure_changes SET prev_column_id = NULL WHERE prev_column_id = column_id",
    "UPDATE disclosure_changes SET prev_publisher_id = NULL WHERE prev_publisher_id = publisher_id",
]


def upgrade() -> None:
    with op.batch_alter_table('disclosure_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('prev_column_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_publisher_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_topic', sa.String(length=50), nullable=True))
    for statement in BACKFILL:
        op.execute(statement)
    with op.batch_alter_table('disclosure_changes', schema=None) as batch_op:
        batch_op.create_index('ix_disclosure_changes_topic_seq', ['topic', 'seq'], unique=False)
        batch_op.create_index('ix_disclosure_changes_prev_column_id_seq', ['prev_column_id', 'seq'], unique=False)
        batch_op.create_index('ix_disclosure_changes_prev_publisher_id_seq', ['prev_publisher_id', 'seq'],
                              unique=False)
        batch_op.create_index('ix_disclosure_changes_prev_topic_seq', ['prev_topic', 'seq'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('disclosure_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_disclosure_changes_prev_topic_seq')
        batch_op.drop_index('ix_disclosure_changes_prev_publisher_id_seq')
        batch_op.drop_index('ix_disclosure_changes_prev_column_id_seq')
        batch_op.drop_index('ix_disclosure_changes_topic_seq')
        batch_op.drop_column('prev_topic')
        batch_op.drop_column('prev_publisher_id')
        batch_op.drop_column('prev_column_id')
        batch_op.drop_column('topic')
