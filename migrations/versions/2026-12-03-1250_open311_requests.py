"""open311 requests: service requests filed through the GeoReport v2 façade and the case each became

Revision ID: pa03
Revises: pa02
Create Date: 2026-12-03 12:50:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.database

revision: str = 'pa03'
down_revision: str | None = 'pa02'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'open311_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('service_request_id', sa.String(length=32), nullable=False),
        sa.Column('token', sa.String(length=40), nullable=False),
        sa.Column('case_kind', sa.String(length=20), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('client_pk', sa.Integer(), nullable=False),
        sa.Column('service_code', sa.String(length=64), nullable=False),
        sa.Column('service_name', sa.String(length=100), nullable=False),
        sa.Column('agency_responsible', sa.String(length=100), nullable=False),
        sa.Column('lat', sa.Double(), nullable=True),
        sa.Column('long', sa.Double(), nullable=True),
        sa.Column('requested_at', api.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['client_pk'], ['api_clients.id'], name=op.f('fk_open311_requests_client_pk_api_clients')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_requests')),
        sa.UniqueConstraint('service_request_id', name=op.f('uq_open311_requests_service_request_id')),
        sa.UniqueConstraint('token', name=op.f('uq_open311_requests_token')),
    )
    op.create_index(op.f('ix_open311_requests_client_pk'), 'open311_requests', ['client_pk'])
    op.create_index(op.f('ix_open311_requests_service_code'), 'open311_requests', ['service_code'])
    op.create_index(op.f('ix_open311_requests_requested_at'), 'open311_requests', ['requested_at'])


def downgrade() -> None:
    op.drop_table('open311_requests')
