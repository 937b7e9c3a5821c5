"""The service's own state in SQL: API keys, stored scores, the audit log and visit outcomes.

SQLite is the default; a PostgreSQL URL works unchanged (only portable column types, no
dialect-specific SQL), which is what several replicas share. A score and its audit row are
written in one transaction that commits before the HTTP response is sent.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import (
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    inspect,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from serving.prepared import PreparedInsert, group_commit, insert_many, prepared_insert


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
    # The 시도 the request was about (a region's list, a firm's region): a refused probe of
    # another region's watch list names no firm, so only this column says what was asked.
    subject_region: Mapped[str | None] = mapped_column(String(2), nullable=True)


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
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


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
    """Create missing tables, then add nullable columns that newer code expects (additive only)."""
    Base.metadata.create_all(engine)
    _add_missing_columns(engine)
    _widen_text_columns(engine)


def _add_missing_columns(engine: Engine) -> None:
    """``ALTER TABLE … ADD COLUMN`` for nullable columns a database made by older code lacks.

    ``create_all`` never alters an existing table; without this an older ``service.db`` would
    make every audited request fail once the audit log gained a column. Another replica adding
    the same column at the same moment is not an error.
    """
    for table in Base.metadata.sorted_tables:
        present = {column["name"] for column in inspect(engine).get_columns(table.name)}
        for column in table.columns:
            if column.name in present or not column.nullable:
                continue
            kind = column.type.compile(dialect=engine.dialect)
            try:
                with engine.begin() as connection:
                    connection.execute(
                        text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')
                    )
            except SQLAlchemyError:
                added = {c["name"] for c in inspect(engine).get_columns(table.name)}
                if column.name not in added:
                    raise


def _widen_text_columns(engine: Engine) -> None:
    """Widen PostgreSQL ``VARCHAR`` columns that newer code made longer (firm ids of 13 digits or
    vendor codes no longer fit the 10 characters of a 사업자등록번호). Widening keeps every
    value; SQLite ignores lengths, so it needs nothing."""
    if engine.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        present = {c["name"]: c["type"] for c in inspect(engine).get_columns(table.name)}
        for column in table.columns:
            wanted = getattr(column.type, "length", None)
            have = getattr(present.get(column.name), "length", None)
            if wanted is None or have is None or have >= wanted:
                continue
            with engine.begin() as connection:
                connection.execute(
                    text(
                        f'ALTER TABLE {table.name} ALTER COLUMN "{column.name}" '
                        f"TYPE VARCHAR({int(wanted)})"
                    )
                )


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


NewRow = tuple[Table, dict[str, Any]]
"""A new row as its table and column values, for rows nothing reads back after the insert.

Building an ORM object costs ~15–20 µs of attribute instrumentation, more than its share of a
prepared insert; a served score and its audit row are written as plain values."""

SCORES = cast(Table, ScoreRecord.__table__)
AUDIT_LOG = cast(Table, AuditEntry.__table__)


def audit_row(
    endpoint: str,
    firm_ids: Iterable[str | None],
    outcome: str,
    key: ApiKey | None,
    model_version: str | None = None,
    score_id: str | None = None,
    subject_region: str | None = None,
) -> NewRow:
    """Who did what to which firms, when, with which model, and how it ended."""
    return AUDIT_LOG, {
        "at": now(),
        "key_id": key.id if key else None,
        "role": key.role if key else None,
        "region": key.region if key else None,
        "endpoint": endpoint,
        "firm_ids": json.dumps([f for f in firm_ids if f is not None]),
        "model_version": model_version,
        "score_id": score_id,
        "outcome": outcome,
        "subject_region": subject_region,
    }


def _table_values(row: Base | NewRow) -> NewRow:
    if isinstance(row, tuple):
        return row
    return cast(Table, row.__table__), row.__dict__


def record(session: Session, rows: Iterable[Base | NewRow]) -> None:
    """Write scores and audit rows in one transaction, committed before this returns."""
    plain: dict[str, tuple[Table, list[dict[str, Any]]]] = {}
    with session.begin():
        for row in rows:
            if isinstance(row, tuple):
                plain.setdefault(row[0].name, (row[0], []))[1].append(row[1])
            else:
                session.add(row)
        for table, values in plain.values():  # one executemany per table
            session.execute(insert(table), values)


def insert_rows(engine: Engine, rows: Iterable[Base | NewRow]) -> None:
    """As ``record``, by prepared ``INSERT``s on the DBAPI connection (``serving.prepared``).

    For new rows nothing reads back (a served score and its audit row): ORM objects stay
    transient, so database-generated values (an autoincrement ``id``) are not set on them. The
    ORM session's unit of work cost several times the statements themselves.
    """
    groups: dict[str, tuple[PreparedInsert, list[dict[str, Any]]]] = {}
    for row in rows:
        table, values = _table_values(row)
        if table.name not in groups:
            groups[table.name] = (prepared_insert(engine, table), [])
        groups[table.name][1].append(values)
    insert_many(groups.values())


async def write(engine: Engine, rows: Iterable[Base | NewRow]) -> None:
    """``insert_rows`` from a coroutine, committed before it returns; concurrent requests'
    rows share one transaction (``prepared.GroupCommit``)."""
    await group_commit(engine, insert_rows).write(list(rows))


def find_score(session: Session, score_id: str) -> ScoreRecord | None:
    with session.begin():
        return session.get(ScoreRecord, score_id)
