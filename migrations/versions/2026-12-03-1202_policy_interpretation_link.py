"""政策解读: a disclosure (and its versions) may name the policy it interprets

Revision ID: dr03
Revises: dr02
Create Date: 2026-12-03 12:02:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'dr03'
down_revision: str | None = 'dr02'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ADD COLUMN (no batch rebuild): rebuilding `disclosures` on SQLite would drop its FTS5 triggers; the id is
# checked on save instead of by a reference.


def upgrade() -> None:
    op.add_column("disclosures", sa.Column("interprets_id", sa.Integer(), nullable=True))
    op.create_index("ix_disclosures_interprets_id", "disclosures", ["interprets_id"])
    op.add_column("disclosure_versions", sa.Column("interprets_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("disclosure_versions", "interprets_id")
    op.drop_index("ix_disclosures_interprets_id", table_name="disclosures")
    op.drop_column("disclosures", "interprets_id")
