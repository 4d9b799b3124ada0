"""audit keyed chain: each link is an HMAC under a key kept outside the database (key_id names it); signed
checkpoints of the chain head

Existing records are re-linked under the active audit key after their plain SHA-256 chain is checked: a chain that
is already broken is not sealed over (the upgrade stops and says where it breaks).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 10:10:00+00:00
"""
import hashlib
import json
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from alembic import op

import api.database

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
records = sa.table(
    'audit_records', sa.column('id', sa.BigInteger), sa.column('occurred_at', api.database.UTCDateTime()),
    sa.column('actor_id', sa.Integer), sa.column('actor_name', sa.String), sa.column('actor_role', sa.String),
    sa.column('action', sa.String), sa.column('object_type', sa.String), sa.column('object_id', sa.String),
    sa.column('summary', sa.JSON), sa.column('ip', sa.String), sa.column('request_id', sa.String),
    sa.column('prev_hash', sa.String), sa.column('hash', sa.String), sa.column('key_id', sa.String),
)
head = sa.table('audit_head', sa.column('id', sa.Integer), sa.column('last_hash', sa.String))


def _plain_digest(prev_hash: str, rec: Any) -> str:
    """The unkeyed link of revisions before this one (frozen here)."""
    payload = {
        "id": rec.id, "occurred_at": rec.occurred_at.isoformat(timespec="microseconds"), "actor_id": rec.actor_id,
        "actor_name": rec.actor_name, "actor_role": rec.actor_role, "action": rec.action,
        "object_type": rec.object_type, "object_id": rec.object_id, "summary": rec.summary, "ip": rec.ip,
        "request_id": rec.request_id,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _relink(keyed: bool) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(records).order_by(records.c.id)).all()
    if not rows:
        return
    if keyed:
        from api.audit.keys import get_audit_keys
        from api.audit.service import link_hash

        key = get_audit_keys().active
    prev = old_prev = GENESIS
    for expected_id, row in enumerate(rows, start=1):
        rec = SimpleNamespace(**row._asdict())
        if keyed:
            if rec.id != expected_id or rec.prev_hash != old_prev or _plain_digest(old_prev, rec) != rec.hash:
                raise RuntimeError(
                    f"audit_records is already broken at record {rec.id}: it will not be sealed under the audit "
                    "key. Run `python -m api.cli verify-audit` on the previous release and investigate before "
                    "upgrading.")
            old_prev = rec.hash
            rec.key_id = key.kid
            new_hash = link_hash(key, prev, rec)  # type: ignore[arg-type]
        else:
            new_hash = _plain_digest(prev, rec)
        values = {"prev_hash": prev, "hash": new_hash, **({"key_id": rec.key_id} if keyed else {})}
        conn.execute(sa.update(records).where(records.c.id == rec.id).values(**values))
        prev = new_hash
    conn.execute(sa.update(head).where(head.c.id == 1).values(last_hash=prev))


def upgrade() -> None:
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('signed_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_id', sa.BigInteger(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.Column('token', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints'))
    )
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sa.String(length=32), nullable=True))
    _relink(keyed=True)
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.alter_column('key_id', existing_type=sa.String(length=32), nullable=False)


def downgrade() -> None:
    _relink(keyed=False)
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.drop_column('key_id')
    op.drop_table('audit_checkpoints')
