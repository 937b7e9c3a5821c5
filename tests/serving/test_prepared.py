"""The hot path's prepared SQL stores and reads rows exactly as the ORM does."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from serving.auth import create_key, find_key, hash_key
from serving.db import ApiKey, AuditEntry, ScoreRecord, create_schema, insert_rows, make_engine


def test_prepared_inserts_read_back_through_the_orm(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}")
    create_schema(engine)
    key = create_key(engine, "center", "26")
    stored = find_key(engine, key)
    assert stored is not None and (stored.role, stored.region) == ("center", "26")
    at = dt.datetime(2026, 11, 26, 9, 30, 5, 123456, tzinfo=dt.UTC)
    score = ScoreRecord(score_id="s1", firm_id="1234567890", region="26",
                        as_of=dt.date(2026, 6, 30), pd=0.0123, grade="관심",
                        grade_table_version="ladder", model_name="m", model_version="3",
                        key_id=stored.id, created_at=at, payload='{"pd": 0.0123}')  # fmt: skip
    audit = AuditEntry(at=at, key_id=stored.id, role="center", region="26", endpoint="e",
                       firm_ids="[]", model_version=None, score_id="s1", outcome="ok")  # fmt: skip
    insert_rows(engine, [score, audit, AuditEntry(at=at, endpoint="f", firm_ids="[]",
                                                  outcome="forbidden")])  # fmt: skip
    with Session(engine) as session:
        row = session.get(ScoreRecord, "s1")
        audits = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert row is not None
    expected = (dt.date(2026, 6, 30), 0.0123, '{"pd": 0.0123}', stored.id)
    assert (row.as_of, row.pd, row.payload, row.key_id) == expected
    assert row.created_at.replace(tzinfo=dt.UTC) == at  # SQLite keeps the naive UTC time
    assert [(a.id, a.endpoint, a.outcome, a.key_id) for a in audits] == [
        (1, "e", "ok", stored.id), (2, "f", "forbidden", None)
    ]  # fmt: skip
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
