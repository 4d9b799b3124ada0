from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.auth.models import OrgUnit
from api.cases.workflow import Step, Workflow
from api.database import Base, utcnow
from api.disclosures.states import (
    DISCLOSURE_VERSION,
    ChangeKind,
    DisclosureStatus,
    Freshness,
    Validity,
    VersionStatus,
)


class Column(Base):
    """栏目: a node of the 信息公开目录, owned by one department, reviewed in `review_levels` steps."""

    __tablename__ = "columns"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("columns.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    freshness: Mapped[Freshness] = mapped_column(String(20))
    is_homepage: Mapped[bool] = mapped_column(default=False)
    review_levels: Mapped[int] = mapped_column(default=1)
    sort_order: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner_unit: Mapped[OrgUnit] = relationship(lazy="raise")


class IndexScheme(Base):
    """The 索引号 pattern of an organisation; items of its subtree number from its counter."""

    __tablename__ = "disclosure_index_schemes"

    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), primary_key=True, autoincrement=False)
    org_code: Mapped[str] = mapped_column(String(40))
    pattern: Mapped[str] = mapped_column(String(100), default="{org_code}/{year}-{seq:05d}")


class IndexCounter(Base):
    """Last sequence handed out per organisation and year; only ever incremented."""

    __tablename__ = "disclosure_index_counters"

    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), primary_key=True, autoincrement=False)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)


class Disclosure(Base):
    """政务公开事项: the item's identity and the copy the public reads (its published version,
    or the latest draft while it has never been published)."""

    __tablename__ = "disclosures"
    __table_args__ = (
        Index("ix_disclosures_public", "status", "published_at", "id"),
        Index("ix_disclosures_column_public", "column_id", "status", "published_at", "id"),
        Index("ix_disclosures_publisher_public", "publisher_id", "status", "published_at", "id"),
        Index("ix_disclosures_updated_at", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    index_no: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[DisclosureStatus] = mapped_column(String(20), default=DisclosureStatus.unpublished)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id"))
    publisher_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(String(1000), default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    doc_no: Mapped[str | None] = mapped_column(String(100), index=True)  # an exact 文号 query ranks first
    topic: Mapped[str | None] = mapped_column(String(50), index=True)
    genre: Mapped[str | None] = mapped_column(String(50), index=True)
    written_date: Mapped[date | None]
    validity: Mapped[Validity] = mapped_column(String(20), default=Validity.valid)
    effective_date: Mapped[date | None]
    invalid_date: Mapped[date | None]
    # 政策解读: the policy document this item interprets (the policy shows its interpretations).
    # Checked on save (no reference: adding one on SQLite would mean rebuilding the table and its FTS triggers).
    interprets_id: Mapped[int | None] = mapped_column(index=True)
    version_no: Mapped[int] = mapped_column(default=0)
    published_version_id: Mapped[int | None]
    has_attachments: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None]
    first_published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    retracted_at: Mapped[datetime | None]
    retract_reason: Mapped[str | None] = mapped_column(String(500))
    view_count: Mapped[int] = mapped_column(default=0)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    column: Mapped[Column] = relationship(lazy="raise")
    publisher: Mapped[OrgUnit] = relationship(lazy="raise")


class DisclosureSearchToken(Base):
    """The search index (api/search): one row per distinct token of an item's search_text, so a token's items
    newest first are a backward range read of the primary key. Written only by database triggers on
    disclosures.search_text (see the migration), in the transaction that changes it."""

    __tablename__ = "disclosures_search_tokens"
    __table_args__ = ({"sqlite_with_rowid": False},)

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


class DisclosureVersion(Base):
    """One version of an item's content and its way through review."""

    __tablename__ = "disclosure_versions"
    __table_args__ = (UniqueConstraint("disclosure_id", "version_no"),
                      Index("ix_disclosure_versions_status", "status", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id", ondelete="CASCADE"))
    version_no: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(String(20), default=VersionStatus.draft)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id"), index=True)
    publisher_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(String(1000), default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    doc_no: Mapped[str | None] = mapped_column(String(100))
    topic: Mapped[str | None] = mapped_column(String(50))
    genre: Mapped[str | None] = mapped_column(String(50))
    written_date: Mapped[date | None]
    validity: Mapped[Validity] = mapped_column(String(20), default=Validity.valid)
    effective_date: Mapped[date | None]
    invalid_date: Mapped[date | None]
    interprets_id: Mapped[int | None]
    change_note: Mapped[str | None] = mapped_column(String(500))
    is_major: Mapped[bool] = mapped_column(default=True)
    review_levels: Mapped[int] = mapped_column(default=1)  # copied from the column at submission
    approved_levels: Mapped[int] = mapped_column(default=0)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    personal_data_confirmed: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    # Optimistic lock: an UPDATE that finds another version loses with 409 (api/cases).
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative hook
    __workflow__: ClassVar[Workflow[Any, Any]] = DISCLOSURE_VERSION

    disclosure: Mapped[Disclosure] = relationship(lazy="raise")
    column: Mapped[Column] = relationship(lazy="raise")

    def case_event(self, step: Step) -> "DisclosureEvent":
        return DisclosureEvent(disclosure_id=self.disclosure_id, version_id=self.id, action=step.action.value,
                               from_status=step.from_status, to_status=step.to_status,
                               review_level=(step.detail or {}).get("level"), comment=step.note,
                               actor_id=step.actor.id, actor_name=step.actor.name, actor_role=step.actor.role,
                               at=step.at)


class DisclosureEvent(Base):
    """The history: every transition with who, when and the comment."""

    __tablename__ = "disclosure_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("disclosure_versions.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    review_level: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(String(1000))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str | None] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class DisclosureChange(Base):
    """The public change log mirrors replay. `seq` is handed out under the head row's lock, so
    sequence order is commit order and a reader polling with `since` never skips an event.

    The filtered fields (column, publisher, topic) are kept as they are after the change, and `prev_*` holds a
    field's value from the item's previous event when this change moved it (else null; a topic that was empty
    is ""), so a filtered view finds the items that left it (departures) on an index of departures only."""

    __tablename__ = "disclosure_changes"
    __table_args__ = (Index("ix_disclosure_changes_column_id_seq", "column_id", "seq"),
                      Index("ix_disclosure_changes_publisher_id_seq", "publisher_id", "seq"),
                      Index("ix_disclosure_changes_topic_seq", "topic", "seq"),
                      Index("ix_disclosure_changes_prev_column_id_seq", "prev_column_id", "seq"),
                      Index("ix_disclosure_changes_prev_publisher_id_seq", "prev_publisher_id", "seq"),
                      Index("ix_disclosure_changes_prev_topic_seq", "prev_topic", "seq"))

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[ChangeKind] = mapped_column(String(20))
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id", ondelete="CASCADE"), index=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id"))
    publisher_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    topic: Mapped[str | None] = mapped_column(String(50))
    prev_column_id: Mapped[int | None]
    prev_publisher_id: Mapped[int | None]
    prev_topic: Mapped[str | None] = mapped_column(String(50))
    version_no: Mapped[int]
    at: Mapped[datetime]


class DisclosureFeedHead(Base):
    """One row: the last change's seq and time (cheap validators for feeds and the change log)."""

    __tablename__ = "disclosure_feed_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_at: Mapped[datetime | None]
