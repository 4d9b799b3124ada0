"""The captcha keeps its question, so its audio alternative can be spoken from it

Revision ID: st01
Revises: pa05
Create Date: 2026-12-03 14:30:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'st01'
down_revision: str | None = 'pa05'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('captcha_challenges') as batch:
        batch.add_column(sa.Column('question', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('captcha_challenges') as batch:
        batch.drop_column('question')
