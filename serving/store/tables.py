"""The service's tables as ORM classes: API keys, stored scores, the audit log and its chain
head, visit outcomes and browser sessions, all on one ``Base`` (so its metadata holds every
table whatever was imported first, and the migrations' drift test compares all of them).

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


class ApiKey(Base):
    """An API key, kept only as its SHA-256; ``prefix`` lets operators recognise it."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    prefix: Mapped[str] = mapped_column(String(8))
    role: Mapped[str] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(2), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


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


class WebSession(Base):
    """A signed-in browser (``serving.access.sessions``): the token's hash, its key, the forms'
    CSRF token and the expiry."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[int] = mapped_column(Integer)  # Unix seconds: portable comparisons
    expires_at: Mapped[int] = mapped_column(Integer, index=True)


# The tables the hot path writes as plain rows (``records.NewRow``) rather than ORM objects.
SCORES = cast(Table, ScoreRecord.__table__)
AUDIT_LOG = cast(Table, AuditEntry.__table__)
CHAIN_HEAD = cast(Table, AuditChainHead.__table__)
