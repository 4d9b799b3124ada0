"""api clients: registered partners (OAuth2 client credentials), their hashed secrets, their daily usage

Revision ID: pa01
Revises: nt01
Create Date: 2026-12-03 12:40:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.database

revision: str = 'pa01'
down_revision: str | None = 'nt01'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'api_clients',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('owner_contact', sa.String(length=200), nullable=False),
        sa.Column('scopes', sa.JSON(), nullable=False),
        sa.Column('rate_limit_per_minute', sa.Integer(), nullable=False),
        sa.Column('daily_quota', sa.Integer(), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', api.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_api_clients_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_clients')),
        sa.UniqueConstraint('client_id', name=op.f('uq_api_clients_client_id')),
    )
    op.create_table(
        'api_client_secrets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_pk', sa.Integer(), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', api.database.UTCDateTime(), nullable=False),
        sa.Column('expires_at', api.database.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['client_pk'], ['api_clients.id'], ondelete='CASCADE',
                                name=op.f('fk_api_client_secrets_client_pk_api_clients')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_client_secrets')),
        sa.UniqueConstraint('secret_hash', name=op.f('uq_api_client_secrets_secret_hash')),
    )
    op.create_index('ix_api_client_secrets_client', 'api_client_secrets', ['client_pk'])
    op.create_table(
        'api_client_usage',
        sa.Column('client_pk', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('endpoint', sa.String(length=200), nullable=False),
        sa.Column('requests', sa.Integer(), nullable=False),
        sa.Column('errors', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['client_pk'], ['api_clients.id'], ondelete='CASCADE',
                                name=op.f('fk_api_client_usage_client_pk_api_clients')),
        sa.PrimaryKeyConstraint('client_pk', 'day', 'endpoint', name=op.f('pk_api_client_usage')),
    )


def downgrade() -> None:
    op.drop_table('api_client_usage')
    op.drop_index('ix_api_client_secrets_client', table_name='api_client_secrets')
    op.drop_table('api_client_secrets')
    op.drop_table('api_clients')
