"""audit outbox mac: each outbox row carries its writer's MAC (under the audit key named by key_id), so a row
added to the outbox by someone without the key is chained as a forgery, not as a record

Rows waiting in the outbox at upgrade time were written by the application; they get their MAC here.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 10:30:00+00:00
"""
from collections.abc import Sequence
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

import api.database

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

outbox = sa.table(
    'audit_outbox', sa.column('id', sa.BigInteger), sa.column('occurred_at', api.database.UTCDateTime()),
    sa.column('actor_id', sa.Integer), sa.column('actor_name', sa.String), sa.column('actor_role', sa.String),
    sa.column('action', sa.String), sa.column('object_type', sa.String), sa.column('object_id', sa.String),
    sa.column('summary', sa.JSON), sa.column('ip', sa.String), sa.column('request_id', sa.String),
    sa.column('key_id', sa.String), sa.column('mac', sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table('audit_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('mac', sa.String(length=64), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.select(outbox)).all()
    if rows:
        from api.audit.keys import get_audit_keys
        from api.audit.service import outbox_mac

        key = get_audit_keys().active
        for row in rows:
            waiting = SimpleNamespace(**{**row._asdict(), "key_id": key.kid})
            conn.execute(sa.update(outbox).where(outbox.c.id == row.id)
                         .values(key_id=key.kid, mac=outbox_mac(key, waiting)))  # type: ignore[arg-type]
    with op.batch_alter_table('audit_outbox', schema=None) as batch_op:
        batch_op.alter_column('key_id', existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column('mac', existing_type=sa.String(length=64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_outbox', schema=None) as batch_op:
        batch_op.drop_column('mac')
        batch_op.drop_column('key_id')
