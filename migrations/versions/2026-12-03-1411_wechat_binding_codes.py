"""WeChat binding codes: the one-time code a website user shows for the mini-program to confirm

Revision ID: nt03
Revises: nt02
Create Date: 2026-12-03 14:11:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.database

revision: str = 'nt03'
down_revision: str | None = 'nt02'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'wechat_binding_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('expires_at', api.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', api.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', api.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_wechat_binding_codes_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_binding_codes')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_wechat_binding_codes_code_hash')),
    )
    op.create_index(op.f('ix_wechat_binding_codes_user_id'), 'wechat_binding_codes', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_wechat_binding_codes_user_id'), table_name='wechat_binding_codes')
    op.drop_table('wechat_binding_codes')
