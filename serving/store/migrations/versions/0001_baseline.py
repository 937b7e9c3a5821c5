"""The schema as the code made it (create_all) when migrations began: six tables (API keys,
scores, the audit log and its chain head, visits, web sessions) and the audit chain's head row.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from serving.store.baseline import baseline_metadata, start_audit_chain

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    metadata = baseline_metadata()
    metadata.create_all(op.get_bind(), checkfirst=False)  # an existing table is adopted instead
    start_audit_chain(op.get_bind(), metadata)


def downgrade() -> None:
    baseline_metadata().drop_all(op.get_bind(), checkfirst=False)
