"""Notifications reach people: the inbox row doubles as the outbox (event, dispatched_at), channel choices,
per-channel deliveries with their attempt log, WeChat accounts, the shared access_token, subscribe templates
and credits

Revision ID: nt01
Revises: dr03
Create Date: 2026-12-03 12:20:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from api.database import UTCDateTime

revision: str = 'nt01'
down_revision: str | None = 'dr03'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("event", sa.String(80), nullable=True))
        batch.add_column(sa.Column("dispatched_at", UTCDateTime(timezone=True), nullable=True))
    # Rows written before the outbox existed are not sent again.
    op.execute("UPDATE notifications SET dispatched_at = created_at")
    op.create_index("ix_notifications_undispatched", "notifications", ["id"],
                    postgresql_where=sa.text("dispatched_at IS NULL"), sqlite_where=sa.text("dispatched_at IS NULL"))
    op.create_table(
        "notification_preferences",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", name=op.f("fk_notification_preferences_user_id_users"),
                                                         ondelete="CASCADE"), nullable=False),
        sa.Column("event", sa.String(80), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preferences")),
        sa.UniqueConstraint("user_id", "event", "channel", name=op.f("uq_notification_preferences_user_id_event_channel")),
    )
    op.create_index(op.f("ix_notification_preferences_user_id"), "notification_preferences", ["user_id"])
    op.create_table(
        "notification_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"],
                                name=op.f("fk_notification_deliveries_notification_id_notifications"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notification_deliveries_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_deliveries")),
        sa.UniqueConstraint("notification_id", "channel", name=op.f("uq_notification_deliveries_notification_id_channel")),
    )
    op.create_index("ix_notification_deliveries_due", "notification_deliveries", ["status", "next_attempt_at"])
    op.create_index(op.f("ix_notification_deliveries_user_id"), "notification_deliveries", ["user_id"])
    op.create_table(
        "notification_delivery_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["notification_deliveries.id"],
                                name=op.f("fk_notification_delivery_attempts_delivery_id_notification_deliveries"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_delivery_attempts")),
    )
    op.create_index(op.f("ix_notification_delivery_attempts_delivery_id"), "notification_delivery_attempts",
                    ["delivery_id"])
    op.create_table(
        "wechat_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("openid", sa.String(64), nullable=False),
        sa.Column("unionid", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_wechat_accounts_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_accounts")),
        sa.UniqueConstraint("openid", name=op.f("uq_wechat_accounts_openid")),
        sa.UniqueConstraint("user_id", name=op.f("uq_wechat_accounts_user_id")),
    )
    op.create_index(op.f("ix_wechat_accounts_unionid"), "wechat_accounts", ["unionid"])
    op.create_table(
        "wechat_access_tokens",
        sa.Column("appid", sa.String(64), nullable=False),
        sa.Column("token", sa.String(1024), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("appid", name=op.f("pk_wechat_access_tokens")),
    )
    op.create_table(
        "wechat_subscribe_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(80), nullable=False),
        sa.Column("template_id", sa.String(64), nullable=False),
        sa.Column("page", sa.String(200), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_subscribe_templates")),
        sa.UniqueConstraint("event", name=op.f("uq_wechat_subscribe_templates_event")),
    )
    op.create_index(op.f("ix_wechat_subscribe_templates_template_id"), "wechat_subscribe_templates", ["template_id"])
    op.create_table(
        "wechat_subscribe_credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.String(64), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_wechat_subscribe_credits_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_subscribe_credits")),
        sa.UniqueConstraint("user_id", "template_id", name=op.f("uq_wechat_subscribe_credits_user_id_template_id")),
    )
    op.create_index(op.f("ix_wechat_subscribe_credits_user_id"), "wechat_subscribe_credits", ["user_id"])


def downgrade() -> None:
    for table in ("wechat_subscribe_credits", "wechat_subscribe_templates", "wechat_access_tokens", "wechat_accounts",
                  "notification_delivery_attempts", "notification_deliveries", "notification_preferences"):
        op.drop_table(table)
    op.drop_index("ix_notifications_undispatched", table_name="notifications")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("dispatched_at")
        batch.drop_column("event")
