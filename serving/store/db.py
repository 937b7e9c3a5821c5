"""The service's own state in SQL: API keys, stored scores, the audit log and visit outcomes.

SQLite is the default; PostgreSQL (``postgresql+psycopg://…``, the ``postgres`` extra) is what
several replicas share, and CI runs the service, audit and crash tests on both. Only portable
column types; the few statements that differ (adding and widening columns) are compiled for the
engine's dialect. A score and its audit row are written in one transaction that commits before
the HTTP response is sent. Timestamps are UTC and read back time-zone aware on both databases.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final, cast

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    Select,
    String,
    Table,
    Text,
    TypeDecorator,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    inspect,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.sql.ddl import CreateColumn

from serving.store.prepared import (
    PreparedInsert,
    group_commit,
    in_transaction,
    prepared_insert,
    prepared_statements,
)


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
        at = _utc(value)
        return at.replace(tzinfo=None) if dialect.name == "sqlite" else at

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else _utc(value)


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
    # The hash chain (``chain_audit``): NULL only on rows written before the chain began.
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
    """Create missing tables, then add nullable columns that newer code expects (additive only).

    On PostgreSQL replicas starting together take turns (an advisory lock): concurrent
    ``CREATE TABLE`` of one name fails there rather than waiting.
    """
    with _schema_lock(engine):
        Base.metadata.create_all(engine)
        _add_missing_columns(engine)
        _widen_text_columns(engine)
        _start_audit_chain(engine)


SCHEMA_LOCK: Final = 0x45575301  # "EWS" 1: the advisory lock id create_schema holds


@contextlib.contextmanager
def _schema_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name != "postgresql":  # SQLite's own write lock serialises DDL
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": SCHEMA_LOCK})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": SCHEMA_LOCK})
            connection.commit()


def _add_missing_columns(engine: Engine) -> None:
    """``ALTER TABLE … ADD COLUMN`` for nullable columns a database made by older code lacks.

    ``create_all`` never alters an existing table; without this an older ``service.db`` would
    make every audited request fail once the audit log gained a column. The column's DDL is
    compiled for the engine's dialect (quoted names, the dialect's type). Another replica adding
    the same column at the same moment is not an error.
    """
    quote = engine.dialect.identifier_preparer.format_table
    for table in Base.metadata.sorted_tables:
        present = {column["name"] for column in inspect(engine).get_columns(table.name)}
        for column in table.columns:
            if column.name in present or not column.nullable:
                continue
            definition = CreateColumn(column).compile(dialect=engine.dialect)
            try:
                with engine.begin() as connection:
                    connection.execute(text(f"ALTER TABLE {quote(table)} ADD COLUMN {definition}"))
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
    preparer = engine.dialect.identifier_preparer
    for table in Base.metadata.sorted_tables:
        present = {c["name"]: c["type"] for c in inspect(engine).get_columns(table.name)}
        for column in table.columns:
            wanted = getattr(column.type, "length", None)
            have = getattr(present.get(column.name), "length", None)
            if wanted is None or have is None or have >= wanted:
                continue
            kind = column.type.compile(dialect=engine.dialect)
            with engine.begin() as connection:
                connection.execute(
                    text(
                        f"ALTER TABLE {preparer.format_table(table)} "
                        f"ALTER COLUMN {preparer.format_column(column)} TYPE {kind}"
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
CHAIN_HEAD = cast(Table, AuditChainHead.__table__)


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


GENESIS_HASH: Final = "0" * 64
CHAINED_FIELDS: Final = (
    *("at", "key_id", "role", "region", "endpoint", "subject_region", "firm_ids"),
    *("model_version", "score_id", "outcome"),
)


def audit_hash(prev_hash: str, values: Mapping[str, Any]) -> str:
    """The chain's one rule: SHA-256(prev_hash || the row's fields as compact JSON), in hex.

    ``at`` is written as naive UTC ISO 8601 (what SQLite stores and PostgreSQL returns, in UTC);
    ``firm_ids`` is the stored JSON text. The id is left out: the database assigns it.
    """
    at = _utc(values["at"]).replace(tzinfo=None).isoformat(timespec="microseconds")
    fields = [at, *(values.get(name) for name in CHAINED_FIELDS[1:])]
    canonical = _CANONICAL_JSON(fields)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


# One encoder: ``json.dumps`` with options builds a new one per call, a third of the hash's cost.
_CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _utc(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is dt.UTC:  # what ``now()`` gives: no conversion needed
        return at
    return at.astimezone(dt.UTC) if at.tzinfo else at.replace(tzinfo=dt.UTC)


def chain_audit(cursor: Any, engine: Engine, rows: list[dict[str, Any]]) -> None:
    """Insert audit rows at the end of the hash chain, in the caller's open transaction.

    Every audit row is written here. The first statement updates the one-row chain head, which
    takes SQLite's write lock or PostgreSQL's row lock until commit, so another transaction,
    process or replica appends only after this one commits, from the hash it left.
    """
    if not rows:
        return
    chain = prepared_statements(engine, "audit_chain", lambda: _chain_statements(engine))
    for step in ("lock", "read"):
        if step in chain:  # "read" only where UPDATE … RETURNING is missing
            cursor.execute(chain[step].sql, chain[step].params({"head": 1}))
    found = cursor.fetchone()
    if found is None:  # a database made without create_schema: the chain starts here
        start = chain["start"]
        cursor.execute(start.sql, start.params({"head": 1, "genesis": GENESIS_HASH}))
    prev = found[0] if found is not None else GENESIS_HASH
    chained = []
    for values in rows:
        at = _utc(values["at"])  # stored as UTC, so it reads back as hashed
        row_hash = audit_hash(prev, {**values, "at": at})
        chained.append({**values, "at": at, "prev_hash": prev, "row_hash": row_hash})
        prev = row_hash
    audit = prepared_insert(engine, AUDIT_LOG)
    cursor.executemany(audit.compiled.sql, [audit.row(values) for values in chained])
    advance = chain["advance"]
    cursor.execute(advance.sql, advance.params({"head": 1, "row_hash": prev}))


def _chain_statements(engine: Engine) -> dict[str, Any]:
    head = CHAIN_HEAD.c.id == bindparam("head", type_=Integer)
    lock = update(CHAIN_HEAD).where(head).values(row_hash=CHAIN_HEAD.c.row_hash)
    last = _last_audit_id().scalar_subquery()
    statements: dict[str, Any] = {
        "advance": update(CHAIN_HEAD)
        .where(head)
        .values(row_hash=bindparam("row_hash", type_=String), last_id=last),
        "start": insert(CHAIN_HEAD).from_select(
            ["id", "genesis_id", "last_id", "row_hash"],
            select(
                bindparam("head", type_=Integer), last, last, bindparam("genesis", type_=String)
            ),
        ),
    }
    if engine.dialect.update_returning:
        statements["lock"] = lock.returning(CHAIN_HEAD.c.row_hash)
    else:
        statements["lock"] = lock
        statements["read"] = select(CHAIN_HEAD.c.row_hash).where(head)
    return statements


def _last_audit_id() -> Select[tuple[int]]:
    return select(func.coalesce(func.max(AUDIT_LOG.c.id), literal_column("0")))


def _start_audit_chain(engine: Engine) -> None:
    """Create the chain head once; audit rows already there are its genesis (left unchained)."""
    with engine.connect() as connection:
        if connection.scalar(select(CHAIN_HEAD.c.id)) is not None:
            return
    try:
        with engine.begin() as connection:
            last = connection.scalar(_last_audit_id())
            connection.execute(
                insert(CHAIN_HEAD).values(
                    id=1, genesis_id=last, last_id=last, row_hash=GENESIS_HASH
                )
            )
    except IntegrityError:  # another replica started the chain at the same moment
        pass


def _table_values(row: Base | NewRow) -> NewRow:
    if isinstance(row, tuple):
        return row
    if isinstance(row, AuditEntry):  # joins the chain like a plain row; the database sets id
        return AUDIT_LOG, {c.key: getattr(row, c.key) for c in AUDIT_LOG.columns if c.key != "id"}
    return cast(Table, row.__table__), row.__dict__


def record(session: Session, rows: Iterable[Base | NewRow]) -> None:
    """Write scores and audit rows in one transaction, committed before this returns."""
    plain: dict[str, tuple[Table, list[dict[str, Any]]]] = {}
    with session.begin():
        for row in rows:
            if isinstance(row, tuple | AuditEntry):
                table, values = _table_values(row)
                plain.setdefault(table.name, (table, []))[1].append(values)
            else:
                session.add(row)
        audits = plain.pop(AUDIT_LOG.name, (AUDIT_LOG, []))[1]
        for table, table_rows in plain.values():  # one executemany per table
            session.execute(insert(table), table_rows)
        if audits:
            session.flush()  # the chain's lock is taken last and held only until commit
            _chain_in_session(session, audits)


def _chain_in_session(session: Session, audits: list[dict[str, Any]]) -> None:
    connection = session.connection()
    engine = connection.engine
    cursor = connection.connection.cursor()
    try:
        chain_audit(cursor, engine, audits)
    except engine.dialect.loaded_dbapi.Error as error:
        raise DBAPIError("audit chain", None, error) from error
    finally:
        cursor.close()


def insert_rows(engine: Engine, rows: Iterable[Base | NewRow]) -> None:
    """As ``record``, by prepared ``INSERT``s on the DBAPI connection (``serving.store.prepared``).

    For new rows nothing reads back (a served score and its audit row): ORM objects stay
    transient, so database-generated values (an autoincrement ``id``) are not set on them. The
    ORM session's unit of work cost several times the statements themselves.
    """
    groups: dict[str, tuple[PreparedInsert, list[dict[str, Any]]]] = {}
    audits: list[dict[str, Any]] = []
    for row in rows:
        table, values = _table_values(row)
        if table is AUDIT_LOG:
            audits.append(values)
            continue
        if table.name not in groups:
            groups[table.name] = (prepared_insert(engine, table), [])
        groups[table.name][1].append(values)
    if not groups and not audits:
        return

    def work(cursor: Any) -> None:
        for prepared, values in groups.values():
            cursor.executemany(prepared.compiled.sql, [prepared.row(v) for v in values])
        chain_audit(cursor, engine, audits)  # last: the chain's lock is held only to commit

    in_transaction(engine, work)


async def write(engine: Engine, rows: Iterable[Base | NewRow]) -> None:
    """``insert_rows`` from a coroutine, committed before it returns; concurrent requests'
    rows share one transaction (``prepared.GroupCommit``)."""
    await group_commit(engine, insert_rows).write(list(rows))


def find_score(session: Session, score_id: str) -> ScoreRecord | None:
    with session.begin():
        return session.get(ScoreRecord, score_id)
