"""The service's schema as the code made it (``create_all``) when migrations began:
revision 0001 creates it, and a database made before then is brought up to it before being stamped.

Frozen on purpose: these tables are what old ``service.db`` files hold, not what the code wants
today. A change to a table is a new revision, never an edit here.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
)

from serving.store.audit_chain import GENESIS_HASH


def baseline_metadata() -> MetaData:
    """The six tables of revision 0001 (a new ``MetaData`` each call: callers may bind it)."""
    metadata = MetaData()
    _keys(metadata)
    _scores(metadata)
    _audit(metadata)
    _visits(metadata)
    _web_sessions(metadata)
    return metadata


def _instant(name: str, nullable: bool = False, index: bool = False) -> Column[object]:
    # ``tables.UTCDateTime`` is a TypeDecorator over this type; only the DDL matters here.
    return Column(name, DateTime(timezone=True), nullable=nullable, index=index)


def _keys(metadata: MetaData) -> None:
    Table(
        "api_keys",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("key_hash", String(64), nullable=False, unique=True, index=True),
        Column("prefix", String(8), nullable=False),
        Column("role", String(16), nullable=False),
        Column("region", String(2), nullable=True),
        _instant("created_at"),
        _instant("revoked_at", nullable=True),
    )


def _scores(metadata: MetaData) -> None:
    Table(
        "scores",
        metadata,
        Column("score_id", String(36), primary_key=True),
        Column("firm_id", String(40), nullable=True, index=True),
        Column("region", String(2), nullable=False),
        Column("as_of", Date, nullable=False),
        Column("pd", Float, nullable=False),
        Column("grade", String(16), nullable=False),
        Column("status", String(16), nullable=True),
        Column("grade_table_version", String(64), nullable=False),
        Column("model_name", String(128), nullable=False),
        Column("model_version", String(32), nullable=False),
        Column("key_id", Integer, ForeignKey("api_keys.id"), nullable=False),
        _instant("created_at"),
        Column("payload", Text, nullable=False),
        Column("submitted", Boolean, nullable=True),
    )


def _audit(metadata: MetaData) -> None:
    Table(
        "audit_log",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        _instant("at", index=True),
        Column("key_id", Integer, nullable=True),
        Column("role", String(16), nullable=True),
        Column("region", String(2), nullable=True),
        Column("endpoint", String(128), nullable=False),
        Column("firm_ids", Text, nullable=False),
        Column("model_version", String(32), nullable=True),
        Column("score_id", String(36), nullable=True),
        Column("outcome", String(32), nullable=False),
        Column("subject_region", String(2), nullable=True),
        Column("prev_hash", String(64), nullable=True),
        Column("row_hash", String(64), nullable=True),
    )
    Table(
        "audit_chain",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("genesis_id", Integer, nullable=False),
        Column("last_id", Integer, nullable=False),
        Column("row_hash", String(64), nullable=False),
    )


def _visits(metadata: MetaData) -> None:
    Table(
        "visits",
        metadata,
        Column("visit_id", String(36), primary_key=True),
        Column("firm_id", String(40), nullable=False, index=True),
        Column("region", String(2), nullable=False),
        Column("visited_on", Date, nullable=False),
        Column("finding", String(32), nullable=False),
        Column("note", Text, nullable=True),
        Column("key_id", Integer, ForeignKey("api_keys.id"), nullable=False),
        _instant("recorded_at"),
    )


def _web_sessions(metadata: MetaData) -> None:
    Table(
        "web_sessions",
        metadata,
        Column("token_hash", String(64), primary_key=True),
        Column("key_id", Integer, ForeignKey("api_keys.id"), nullable=False, index=True),
        Column("csrf", String(64), nullable=False),
        Column("created_at", Integer, nullable=False),  # Unix seconds
        Column("expires_at", Integer, nullable=False, index=True),
    )


def start_audit_chain(connection: Connection, metadata: MetaData) -> None:
    """Create the chain head once; audit rows already there are its genesis (left unchained).

    The caller holds the schema lock, so no other replica starts the chain at the same moment.
    """
    head, audit = metadata.tables["audit_chain"], metadata.tables["audit_log"]
    if connection.scalar(select(head.c.id)) is not None:
        return
    last = connection.scalar(select(func.coalesce(func.max(audit.c.id), 0)))
    connection.execute(
        insert(head).values(id=1, genesis_id=last, last_id=last, row_hash=GENESIS_HASH)
    )
