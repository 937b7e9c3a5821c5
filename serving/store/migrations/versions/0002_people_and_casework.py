"""Staff accounts, casework and scenario runs: the ``users``, ``cases``, ``case_events``,
``referrals`` and ``scenario_runs`` tables; the person behind a key, a session, an audit row and
a visit (``user_id``); a key's label; a visit's contact type, programme, amount and outcome.

Every new column is nullable, so rows written before this revision stay valid as they are.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _instant(name: str, nullable: bool = False, index: bool = False) -> sa.Column[object]:
    # ``tables.UTCDateTime`` is a TypeDecorator over this type; only the DDL matters here.
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, index=index)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("region", sa.String(2), nullable=True),
        sa.Column("organisation", sa.String(64), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        _instant("created_at"),
        _instant("password_changed_at"),
        _instant("disabled_at", nullable=True),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        _instant("locked_until", nullable=True),
        sa.Column("capacity", sa.Integer, nullable=True),
    )
    op.create_index("ix_users_username", "users", ["username"], unique=True)
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("label", sa.String(64), nullable=True))
        batch.create_foreign_key("fk_api_keys_user_id_users", "users", ["user_id"], ["id"])
        batch.create_index("ix_api_keys_user_id", ["user_id"])
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer, nullable=True))
        batch.create_index("ix_audit_log_user_id", ["user_id"])
    with op.batch_alter_table("visits") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("contact_type", sa.String(16), nullable=True))
        batch.add_column(sa.Column("programme", sa.String(64), nullable=True))
        batch.add_column(sa.Column("amount", sa.Float, nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(32), nullable=True))
        batch.create_foreign_key("fk_visits_user_id_users", "users", ["user_id"], ["id"])
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer, nullable=True))
        batch.create_foreign_key("fk_web_sessions_user_id_users", "users", ["user_id"], ["id"])
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("firm_id", sa.String(40), nullable=False),
        sa.Column("region", sa.String(2), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("next_follow_up", sa.Date, nullable=True),
        sa.Column("last_contact", sa.Date, nullable=True),
        _instant("opened_at"),
        _instant("updated_at"),
        _instant("closed_at", nullable=True),
    )
    op.create_index("ix_cases_firm_id", "cases", ["firm_id"], unique=True)
    op.create_index("ix_cases_region", "cases", ["region"])
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.case_id"), nullable=False),
        _instant("at"),
        sa.Column("key_id", sa.Integer, nullable=True),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("old_value", sa.Text, nullable=True),
        sa.Column("new_value", sa.Text, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_index("ix_case_events_case_id", "case_events", ["case_id"])
    op.create_table(
        "referrals",
        sa.Column("referral_id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.case_id"), nullable=True),
        sa.Column("firm_id", sa.String(40), nullable=False),
        sa.Column("region", sa.String(2), nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("programme", sa.String(64), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("amount", sa.Float, nullable=True),
        sa.Column("decided_on", sa.Date, nullable=True),
        sa.Column("partner_note", sa.Text, nullable=True),
        _instant("created_at"),
        sa.Column("created_by", sa.Integer, nullable=True),
        _instant("updated_at"),
    )
    op.create_index("ix_referrals_firm_id", "referrals", ["firm_id"])
    op.create_index("ix_referrals_region", "referrals", ["region"])
    op.create_index("ix_referrals_partner", "referrals", ["partner"])
    op.create_table(
        "scenario_runs",
        sa.Column("run_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("model_version", sa.String(32), nullable=False),
        sa.Column("firms", sa.Integer, nullable=False),
        sa.Column("key_id", sa.Integer, nullable=True),
        sa.Column("user_id", sa.Integer, nullable=True),
        _instant("created_at", index=True),
        sa.Column("result", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("scenario_runs", "referrals", "case_events", "cases"):
        op.drop_table(table)
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_constraint("fk_web_sessions_user_id_users", type_="foreignkey")
        batch.drop_column("user_id")
    with op.batch_alter_table("visits") as batch:
        batch.drop_constraint("fk_visits_user_id_users", type_="foreignkey")
        for column in ("outcome", "amount", "programme", "contact_type", "user_id"):
            batch.drop_column(column)
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ix_audit_log_user_id")
        batch.drop_column("user_id")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_constraint("fk_api_keys_user_id_users", type_="foreignkey")
        batch.drop_index("ix_api_keys_user_id")
        batch.drop_column("label")
        batch.drop_column("user_id")
    op.drop_table("users")
