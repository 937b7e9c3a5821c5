"""The service's own state in SQL: API keys, stored scores and the audit log (SQLAlchemy 2).

SQLite is the default; a PostgreSQL URL works unchanged (only portable column types, no
dialect-specific SQL), which is what several replicas share. A score and its audit row are
written in one transaction that commits before the HTTP response is sent.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


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
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ScoreRecord(Base):
    """A served score with its full response, so the explanation can be fetched again."""

    __tablename__ = "scores"

    score_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    firm_id: Mapped[str | None] = mapped_column(String(10), index=True, nullable=True)
    region: Mapped[str] = mapped_column(String(2))
    as_of: Mapped[dt.date] = mapped_column(Date)
    pd: Mapped[float] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(16))
    grade_table_version: Mapped[str] = mapped_column(String(64))
    model_name: Mapped[str] = mapped_column(String(128))
    model_version: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[str] = mapped_column(Text)


class AuditEntry(Base):
    """Who looked at or scored which firms, when, with which model, and what came of it."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    key_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    region: Mapped[str | None] = mapped_column(String(2), nullable=True)
    endpoint: Mapped[str] = mapped_column(String(128))
    firm_ids: Mapped[str] = mapped_column(Text)  # JSON list
    model_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    score_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    outcome: Mapped[str] = mapped_column(String(32))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the writer; NORMAL still survives a killed process."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets thread-safe connections and WAL, others stay default."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        if ":memory:" not in url and url != "sqlite://":
            event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def create_schema(engine: Engine) -> None:
    Base.metadata.create_all(engine)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def audit_entry(
    endpoint: str,
    firm_ids: Iterable[str | None],
    outcome: str,
    key: ApiKey | None,
    model_version: str | None = None,
    score_id: str | None = None,
) -> AuditEntry:
    return AuditEntry(
        at=now(),
        key_id=key.id if key else None,
        role=key.role if key else None,
        region=key.region if key else None,
        endpoint=endpoint,
        firm_ids=json.dumps([f for f in firm_ids if f is not None]),
        model_version=model_version,
        score_id=score_id,
        outcome=outcome,
    )


def record(session: Session, rows: Iterable[Base]) -> None:
    """Write scores and audit rows in one transaction, committed before this returns."""
    with session.begin():
        session.add_all(list(rows))


def find_score(session: Session, score_id: str) -> ScoreRecord | None:
    with session.begin():
        return session.get(ScoreRecord, score_id)
