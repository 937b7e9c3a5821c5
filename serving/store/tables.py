"""The service's tables as ORM classes: staff accounts and API keys, stored scores, the audit log
and its chain head, visit outcomes, browser sessions, casework (cases, their change log,
referrals to partner agencies) and stored scenario runs, all on one ``Base`` (so its metadata
holds every table whatever was imported first, and the migrations' drift test compares them all).

Only portable column types. Timestamps are UTC and read back time-zone aware on SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utc(at: dt.datetime) -> dt.datetime:
    """``at`` in UTC; a naive value is taken as UTC already."""
    if at.tzinfo is dt.UTC:  # what ``records.now()`` gives: no conversion needed
        return at
    return at.astimezone(dt.UTC) if at.tzinfo else at.replace(tzinfo=dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A UTC instant: PostgreSQL's ``timestamp with time zone``; on SQLite the naive UTC text
    SQLAlchemy always wrote there (so older files read unchanged). Reads are aware, in UTC.

    A naive value on the way in is taken as UTC; an aware one is converted to UTC first.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        at = utc(value)
        return at.replace(tzinfo=None) if dialect.name == "sqlite" else at

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else utc(value)


class Base(DeclarativeBase):
    pass


class User(Base):
    """A named staff member: a centre's (``region`` set) or headquarters' (analyst, admin), or a
    partner organisation's (``organisation``). The password is kept only as its argon2 hash.

    ``failed_logins`` and ``locked_until`` carry the sign-in lock-out; ``capacity`` is how many
    open cases the person can carry (NULL: the centre's default).
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(2), nullable=True)
    organisation: Mapped[str | None] = mapped_column(String(64), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ApiKey(Base):
    """An API key, kept only as its SHA-256; ``prefix`` lets operators recognise it.

    ``user_id`` names the person a key belongs to (NULL: a shared or service key); ``label``
    says what it is for (e.g. a person's sign-in key).
    """

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    prefix: Mapped[str] = mapped_column(String(8))
    role: Mapped[str] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(2), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    label: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ScoreRecord(Base):
    """A served score with its full response, so the explanation can be fetched again."""

    __tablename__ = "scores"

    score_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    firm_id: Mapped[str | None] = mapped_column(String(40), index=True, nullable=True)
    region: Mapped[str] = mapped_column(String(2))
    as_of: Mapped[dt.date] = mapped_column(Date)
    pd: Mapped[float] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(16))
    # ok, stale or in_state; where not ok, pd and grade hold the model's figure and the status
    # (kept only for the record: the payload and the history endpoint show none). NULL: ok.
    status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    grade_table_version: Mapped[str] = mapped_column(String(64))
    model_name: Mapped[str] = mapped_column(String(128))
    model_version: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    payload: Mapped[str] = mapped_column(Text)
    # True: scored from statements a non-admin key submitted; served and fetchable by score_id
    # but never listed in the firm's history (NULL: stored data, or an admin's submission).
    submitted: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class AuditEntry(Base):
    """Who looked at or scored which firms, when, with which model, and what came of it."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    key_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    region: Mapped[str | None] = mapped_column(String(2), nullable=True)
    endpoint: Mapped[str] = mapped_column(String(128))
    firm_ids: Mapped[str] = mapped_column(Text)  # JSON list
    model_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    score_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    outcome: Mapped[str] = mapped_column(String(32))
    # The 시도 the request was about (a region's list, a firm's region): a refused probe of
    # another region's watch list names no firm, so only this column says what was asked.
    subject_region: Mapped[str | None] = mapped_column(String(2), nullable=True)
    # The hash chain (``audit_chain``): NULL only on rows written before the chain began.
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    row_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The person behind the key (NULL: a shared key, or a row from before staff accounts).
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)


class AuditChainHead(Base):
    """The audit chain's end, one row: writers lock it, so rows join the chain one at a time."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    genesis_id: Mapped[int] = mapped_column(Integer)  # audit rows up to here predate the chain
    last_id: Mapped[int] = mapped_column(Integer)  # the last chained audit row
    row_hash: Mapped[str] = mapped_column(String(64))


class Visit(Base):
    """A visit outcome recorded by centre staff (SPEC §3.5), with who recorded it and when."""

    __tablename__ = "visits"

    visit_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    firm_id: Mapped[str] = mapped_column(String(40), index=True)
    region: Mapped[str] = mapped_column(String(2))
    visited_on: Mapped[dt.date] = mapped_column(Date)
    finding: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    contact_type: Mapped[str | None] = mapped_column(String(16), nullable=True)  # 전화/방문/화상
    programme: Mapped[str | None] = mapped_column(String(64), nullable=True)  # catalogue id
    amount: Mapped[float | None] = mapped_column(Float, nullable=True)  # 천원
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)


class WebSession(Base):
    """A signed-in browser (``serving.access.sessions``): the token's hash, its key, the forms'
    CSRF token and the expiry."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[int] = mapped_column(Integer)  # Unix seconds: portable comparisons
    expires_at: Mapped[int] = mapped_column(Integer, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class Case(Base):
    """A watch-listed firm's case: its stage (미접촉 → … → 종결), who owns it and when to follow
    up. One case per firm; every change is a ``CaseEvent``."""

    __tablename__ = "cases"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    firm_id: Mapped[str] = mapped_column(String(40), unique=True, index=True)
    region: Mapped[str] = mapped_column(String(2), index=True)
    status: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    next_follow_up: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    last_contact: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CaseEvent(Base):
    """One change of a case: which field went from what to what, who changed it and when."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    key_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class Referral(Base):
    """A firm a centre referred to a partner agency from its case, with the centre's note, and
    what the partner did (approved, declined, amount, date)."""

    __tablename__ = "referrals"

    referral_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.case_id"), nullable=True)
    firm_id: Mapped[str] = mapped_column(String(40), index=True)
    region: Mapped[str] = mapped_column(String(2), index=True)
    partner: Mapped[str] = mapped_column(String(64), index=True)  # the partner organisation
    programme: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    amount: Mapped[float | None] = mapped_column(Float, nullable=True)  # 천원
    decided_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    partner_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)  # user id
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ScenarioRun(Base):
    """A stress scenario as it was run: its specification, the model and as-of date it used,
    who ran it and the result's summary (JSON)."""

    __tablename__ = "scenario_runs"

    run_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    spec: Mapped[str] = mapped_column(Text)  # JSON
    as_of: Mapped[dt.date] = mapped_column(Date)
    model_version: Mapped[str] = mapped_column(String(32))
    firms: Mapped[int] = mapped_column(Integer)
    key_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    result: Mapped[str] = mapped_column(Text)  # JSON


# The tables the hot path writes as plain rows (``records.NewRow``) rather than ORM objects.
SCORES = cast(Table, ScoreRecord.__table__)
AUDIT_LOG = cast(Table, AuditEntry.__table__)
CHAIN_HEAD = cast(Table, AuditChainHead.__table__)
