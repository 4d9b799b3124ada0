"""idempotency keys left in flight by an earlier version go (they are no longer taken over)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:15:00+00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Keys are claimed in the request's transaction, so a committed key in flight can only be one an earlier
    # version (claiming in a transaction of its own) left behind; it would answer 409 forever.
    op.execute("DELETE FROM idempotency_keys WHERE state = 'in_flight'")


def downgrade() -> None:
    pass  # nothing to restore: the rows were dead
