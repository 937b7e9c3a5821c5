"""The one write path (``serving.store.records.insert``, prepared SQL on the DBAPI cursor) stores
rows exactly as the ORM reads them, in a session's transaction or its own, and its group commit."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from serving.access.keys import create_key, find_key, hash_key
from serving.store.engine import make_engine
from serving.store.prepared import group_commit
from serving.store.records import NewRow, audit_row, insert_rows, record
from serving.store.schema import create_schema
from serving.store.tables import ApiKey, AuditEntry, Base, ScoreRecord


def test_prepared_inserts_read_back_through_the_orm(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}")
    create_schema(engine)
    key = create_key(engine, "center", "26")
    stored = find_key(engine, key)
    assert stored is not None and (stored.role, stored.region) == ("center", "26")
    at = dt.datetime(2026, 11, 26, 9, 30, 5, 123456, tzinfo=dt.UTC)
    score = ScoreRecord(
        score_id="s1",
        firm_id="1234567890",
        region="26",
        as_of=dt.date(2026, 6, 30),
        pd=0.0123,
        grade="관심",
        grade_table_version="ladder",
        model_name="m",
        model_version="3",
        key_id=stored.id,
        created_at=at,
        payload='{"pd": 0.0123}',
    )
    audit = AuditEntry(
        at=at,
        key_id=stored.id,
        role="center",
        region="26",
        endpoint="e",
        firm_ids="[]",
        model_version=None,
        score_id="s1",
        outcome="ok",
    )
    insert_rows(
        engine, [score, audit, AuditEntry(at=at, endpoint="f", firm_ids="[]", outcome="forbidden")]
    )
    with Session(engine) as session:
        row = session.get(ScoreRecord, "s1")
        audits = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert row is not None
    expected = (dt.date(2026, 6, 30), 0.0123, '{"pd": 0.0123}', stored.id)
    assert (row.as_of, row.pd, row.payload, row.key_id) == expected
    assert row.created_at.replace(tzinfo=dt.UTC) == at  # SQLite keeps the naive UTC time
    assert [(a.id, a.endpoint, a.outcome, a.key_id) for a in audits] == [
        (1, "e", "ok", stored.id),
        (2, "f", "forbidden", None),
    ]
    assert find_key(engine, "ews_unknown") is None


def test_a_failed_statement_is_a_dbapi_error_and_writes_nothing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}")
    create_schema(engine)
    at = dt.datetime.now(dt.UTC)
    ok = AuditEntry(at=at, endpoint="e", firm_ids="[]", outcome="ok")
    duplicate = ApiKey(key_hash=hash_key("x"), prefix="ews_x", role="admin", created_at=at)
    again = ApiKey(key_hash=hash_key("x"), prefix="ews_x", role="admin", created_at=at)
    with pytest.raises(DBAPIError):
        insert_rows(engine, [ok, duplicate, again])  # unique key_hash: the third row fails
    with Session(engine) as session:
        assert session.scalars(select(AuditEntry)).all() == []
        assert session.scalars(select(ApiKey)).all() == []


def test_a_failed_record_rolls_the_session_back_and_the_session_goes_on(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}")
    create_schema(engine)
    at = dt.datetime.now(dt.UTC)
    duplicate = ApiKey(key_hash=hash_key("x"), prefix="ews_x", role="admin", created_at=at)
    again = ApiKey(key_hash=hash_key("x"), prefix="ews_x", role="admin", created_at=at)
    with Session(engine) as session:
        with pytest.raises(IntegrityError):  # the driver's error keeps SQLAlchemy's subclass
            record(session, [audit_row("e", [], "ok", None), duplicate, again])
        record(session, [audit_row("after", [], "ok", None)])
    with Session(engine) as session:
        assert [a.endpoint for a in session.scalars(select(AuditEntry))] == ["after"]
        assert session.scalars(select(ApiKey)).all() == []


def test_plain_rows_are_stored_like_orm_objects(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}")
    create_schema(engine)
    key = find_key(engine, create_key(engine, "center", "26"))
    assert key is not None
    insert_rows(engine, [audit_row("e", ["1234567890", None], "ok", key, "3", "s1", "26")])
    with Session(engine) as session:
        record(session, [audit_row("e", ["1234567890"], "ok", key, "3", "s1", "26")])
        _, values = audit_row("e", ["1234567890"], "ok", key, "3", "s1", "26")
        record(session, [AuditEntry(**values)])  # ORM objects and plain rows alike
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    seen = {
        (
            a.key_id,
            a.role,
            a.region,
            a.endpoint,
            a.firm_ids,
            a.model_version,
            a.score_id,
            a.outcome,
            a.subject_region,
        )
        for a in rows
    }
    assert len(rows) == 3
    assert seen == {(key.id, "center", "26", "e", '["1234567890"]', "3", "s1", "ok", "26")}


def _audit(endpoint: str) -> NewRow:
    return audit_row(endpoint, [], "ok", None)


def test_concurrent_writes_share_one_commit_and_each_waits_for_it(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}")
    create_schema(engine)
    commits: list[int] = []

    def commit(engine: Engine, rows: list[NewRow]) -> None:
        commits.append(len(rows))
        insert_rows(engine, rows)

    async def request(i: int) -> int:
        await group_commit(engine, commit).write([_audit(f"e{i}"), _audit(f"f{i}")])
        with Session(engine) as session:  # committed before write returned
            return len(
                session.scalars(select(AuditEntry).where(AuditEntry.endpoint == f"e{i}")).all()
            )

    async def main() -> list[int]:
        return await asyncio.gather(*(request(i) for i in range(20)))

    assert asyncio.run(main()) == [1] * 20
    assert commits == [40]  # all 20 reached their write in the same turn of the loop


def test_a_failed_group_commit_fails_every_request_in_it(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}")
    create_schema(engine)
    at = dt.datetime.now(dt.UTC)
    duplicate = ApiKey(key_hash=hash_key("x"), prefix="ews_x", role="admin", created_at=at)
    again = ApiKey(key_hash=hash_key("x"), prefix="ews_x", role="admin", created_at=at)

    async def main() -> list[BaseException | None]:
        batches: list[list[Base | NewRow]] = [[_audit("a")], [duplicate], [_audit("b"), again]]
        writes = [group_commit(engine, insert_rows).write(rows) for rows in batches]
        return await asyncio.gather(*writes, return_exceptions=True)

    outcomes = asyncio.run(main())
    assert all(isinstance(o, DBAPIError) for o in outcomes)
    with Session(engine) as session:
        assert session.scalars(select(AuditEntry)).all() == []


class _ServerEngine:
    dialect = SimpleNamespace(name="postgresql")


def test_with_a_server_database_writes_during_a_commit_join_the_next_one() -> None:
    # A server database commits in a worker thread, so the event loop keeps taking requests.
    engine = _ServerEngine()
    batches: list[list[str]] = []

    def commit(_: object, rows: list[str]) -> None:
        time.sleep(0.05)
        batches.append(rows)

    def write(rows: list[str]) -> asyncio.Task[None]:
        return asyncio.ensure_future(group_commit(engine, commit).write(rows))  # type: ignore[arg-type]

    async def main() -> None:
        first = write(["a"])
        await asyncio.sleep(0.01)  # the first commit is running in its thread
        gone, later = write(["gone"]), [write(["b"]), write(["c"])]
        await asyncio.sleep(0)
        gone.cancel()  # a client that went away: the others still complete
        await asyncio.gather(first, *later)

    asyncio.run(main())
    assert batches == [["a"], ["gone", "b", "c"]]  # a cancelled waiter's rows are still written
