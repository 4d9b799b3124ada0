"""关于我们 / 联系我们 / 隐私声明 kept by staff

Revision ID: st02
Revises: st01
Create Date: 2026-12-03 14:31:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.database

revision: str = 'st02'
down_revision: str | None = 'st01'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'site_pages',
        sa.Column('slug', sa.String(length=20), nullable=False),
        sa.Column('title', sa.String(length=100), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', api.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_site_pages_updated_by_id_users')),
        sa.PrimaryKeyConstraint('slug', name=op.f('pk_site_pages')),
    )


def downgrade() -> None:
    op.drop_table('site_pages')
