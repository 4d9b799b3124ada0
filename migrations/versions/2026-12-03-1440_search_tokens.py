"""The search-token table: an inverted index token → item ids, kept by triggers in step with
disclosures.search_text, so a query's newest matches are a range read of (token, item_id) (issue 17)

Revision ID: sr01
Revises: st02
Create Date: 2026-12-03 14:40:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'sr01'
down_revision: str | None = 'st02'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# search_text is the space-separated output of api.search.tokenizer.index_text (CJK characters, letters and
# digits only). A token is kept to its first 64 characters (the query side cuts the same way), so no index entry
# is ever too long for PostgreSQL's btree.


def _sqlite_tokens(text: str) -> str:
    """A JSON array of the words of `text` for json_each (quote and backslash escaped, although the tokenizer
    never writes them). SQLite allows no WITH in a trigger, so json_each does the splitting."""
    escaped = f"replace(replace(trim({text}), '\\', '\\\\'), '\"', '\\\"')"
    return f"""json_each('["' || replace({escaped}, ' ', '","') || '"]')"""


# Fixed column names only, never user input (noqa S608 below).
SQLITE_INSERT = ("INSERT OR IGNORE INTO disclosures_search_tokens (token, item_id) "  # noqa: S608
                 "SELECT DISTINCT substr(value, 1, 64), {id} FROM " + _sqlite_tokens("{text}") + " WHERE value <> ''")
SQLITE_DELETE = ("DELETE FROM disclosures_search_tokens WHERE item_id = old.id AND token IN "  # noqa: S608
                 "(SELECT substr(value, 1, 64) FROM " + _sqlite_tokens("old.search_text") + ")")
SQLITE = [
    "CREATE TRIGGER disclosures_tokens_ai AFTER INSERT ON disclosures BEGIN "
    + SQLITE_INSERT.format(id="new.id", text="new.search_text") + "; END",
    "CREATE TRIGGER disclosures_tokens_ad AFTER DELETE ON disclosures BEGIN " + SQLITE_DELETE + "; END",
    "CREATE TRIGGER disclosures_tokens_au AFTER UPDATE OF search_text ON disclosures "
    "WHEN old.search_text IS NOT new.search_text BEGIN " + SQLITE_DELETE + "; "
    + SQLITE_INSERT.format(id="new.id", text="new.search_text") + "; END",
]
SQLITE_BACKFILL = ("INSERT OR IGNORE INTO disclosures_search_tokens (token, item_id) "  # noqa: S608
                   "SELECT DISTINCT substr(j.value, 1, 64), d.id FROM disclosures d, "
                   + _sqlite_tokens("d.search_text")
                   + " j WHERE d.search_text <> '' AND j.value <> ''")
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS disclosures_tokens_{s}" for s in ("ai", "ad", "au")]

POSTGRESQL = [
    """CREATE FUNCTION disclosures_search_tokens_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM disclosures_search_tokens s USING unnest(string_to_array(OLD.search_text, ' ')) AS t(word)
     WHERE s.item_id = OLD.id AND s.token = left(t.word, 64);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO disclosures_search_tokens (token, item_id)
    SELECT DISTINCT left(t.word, 64), NEW.id FROM unnest(string_to_array(NEW.search_text, ' ')) AS t(word)
     WHERE t.word <> ''
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER disclosures_search_tokens_ins AFTER INSERT OR DELETE ON disclosures "
    "FOR EACH ROW EXECUTE FUNCTION disclosures_search_tokens_sync()",
    "CREATE TRIGGER disclosures_search_tokens_upd AFTER UPDATE OF search_text ON disclosures "
    "FOR EACH ROW WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text) "
    "EXECUTE FUNCTION disclosures_search_tokens_sync()",
]
# Distinct per item (a small sort each) rather than over the whole join (one sort of every token of every item).
POSTGRESQL_BACKFILL = ("INSERT INTO disclosures_search_tokens (token, item_id) "
                       "SELECT t.token, d.id FROM disclosures d, LATERAL (SELECT DISTINCT left(w.word, 64) AS token "
                       "FROM unnest(string_to_array(d.search_text, ' ')) AS w(word) WHERE w.word <> '') AS t "
                       "ON CONFLICT DO NOTHING")
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS disclosures_search_tokens_ins ON disclosures",
    "DROP TRIGGER IF EXISTS disclosures_search_tokens_upd ON disclosures",
    "DROP FUNCTION IF EXISTS disclosures_search_tokens_sync()",
]


def upgrade() -> None:
    op.create_table(
        'disclosures_search_tokens',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('item_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint('token', 'item_id', name=op.f('pk_disclosures_search_tokens')),
        sqlite_with_rowid=False,
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for stmt in SQLITE if sqlite else POSTGRESQL:
        op.execute(stmt)
    op.execute(SQLITE_BACKFILL if sqlite else POSTGRESQL_BACKFILL)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for stmt in SQLITE_DROP if sqlite else POSTGRESQL_DROP:
        op.execute(stmt)
    op.drop_table('disclosures_search_tokens')
