"""Writing the service's rows: one path for scores, audit rows, visits and keys alike.

``insert`` is the only code that inserts: rows grouped by table, one prepared ``executemany``
per table on the DBAPI cursor (``serving.store.prepared``), audit rows last through the hash
chain (``serving.store.audit_chain``). The callers differ only in whose transaction it runs in:

- ``record(session, rows)``: the request's ORM session's connection, committed before it returns;
- ``insert_rows(engine, rows)``: a pooled connection of its own, committed before it returns;
- ``write(engine, rows)``: ``insert_rows`` from a coroutine, concurrent requests' rows sharing
  one commit (``prepared.GroupCommit``); what ``POST /v1/scores`` and the access log use.

Each returns only once the rows are committed, so an answered request is in the audit log.
ORM objects passed in stay transient: a value the database generates (an autoincrement ``id``)
is not set on them, and nothing reads one back.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Engine, Table
from sqlalchemy.orm import Session

from serving.store.audit_chain import chain_audit
from serving.store.prepared import as_dbapi_error, group_commit, in_transaction, prepared_insert
from serving.store.tables import AUDIT_LOG, ApiKey, AuditEntry, Base, ScoreRecord

NewRow = tuple[Table, dict[str, Any]]
"""A new row as its table and column values, for rows nothing reads back after the insert.

Building an ORM object costs ~15–20 µs of attribute instrumentation, more than its share of a
prepared insert; a served score and its audit row are written as plain values."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def audit_row(
    endpoint: str,
    firm_ids: Iterable[str | None],
    outcome: str,
    key: ApiKey | None,
    model_version: str | None = None,
    score_id: str | None = None,
    subject_region: str | None = None,
    user_id: int | None = None,
) -> NewRow:
    """Who did what to which firms, when, with which model, and how it ended. The person is
    the key's (``user_id`` names one where there is no key: a failed password sign-in)."""
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
        "user_id": key.user_id if key is not None and key.user_id is not None else user_id,
    }


def insert(cursor: Any, engine: Engine, rows: Iterable[Base | NewRow]) -> None:
    """Insert ``rows`` in the cursor's open transaction; audit rows join the hash chain.

    The chain head is locked last, so the lock that serialises every writer is held only from
    there to the caller's commit.
    """
    groups: dict[str, tuple[Table, list[dict[str, Any]]]] = {}
    for row in rows:
        table, values = _table_values(row)
        groups.setdefault(table.name, (table, []))[1].append(values)
    audits = groups.pop(AUDIT_LOG.name, (AUDIT_LOG, []))[1]
    # No table written here is another's parent within one call: an inserted key's id is the
    # database's, unknown to rows beside it, so the order of the tables does not matter.
    for table, table_rows in groups.values():
        prepared = prepared_insert(engine, table)
        cursor.executemany(prepared.compiled.sql, [prepared.row(v) for v in table_rows])
    chain_audit(cursor, engine, audits)


def _table_values(row: Base | NewRow) -> NewRow:
    if isinstance(row, tuple):
        return row
    if isinstance(row, AuditEntry):  # joins the chain like a plain row; the database sets id
        return AUDIT_LOG, {c.key: getattr(row, c.key) for c in AUDIT_LOG.columns if c.key != "id"}
    return cast(Table, row.__table__), row.__dict__


def record(session: Session, rows: Iterable[Base | NewRow]) -> None:
    """``insert`` in a transaction of the request's session, committed before this returns."""
    with session.begin():
        connection = session.connection()
        engine = connection.engine
        cursor = connection.connection.cursor()
        try:
            insert(cursor, engine, rows)
        except engine.dialect.loaded_dbapi.Error as error:
            raise as_dbapi_error(engine, "record", error) from error
        finally:
            cursor.close()


def insert_rows(engine: Engine, rows: Iterable[Base | NewRow]) -> None:
    """``insert`` in a transaction of its own on a pooled connection, committed on return."""
    rows = list(rows)
    if rows:
        in_transaction(engine, lambda cursor: insert(cursor, engine, rows))


async def write(engine: Engine, rows: Iterable[Base | NewRow]) -> None:
    """``insert_rows`` from a coroutine, committed before it returns; concurrent requests'
    rows share one transaction (``prepared.GroupCommit``)."""
    await group_commit(engine, insert_rows).write(list(rows))


def find_score(session: Session, score_id: str) -> ScoreRecord | None:
    """A stored score by its id (the one read here: the API and the pages show it again)."""
    with session.begin():
        return session.get(ScoreRecord, score_id)
