"""The service on PostgreSQL: the scores API, visits, the audit chain and group commit, as on
SQLite (the same tests, imported below, with this module's PostgreSQL fixtures), plus what only
a server database shows: replicas writing one chain, tz-aware timestamps, older schemas.

Every test gets a fresh schema on ``EWS_TEST_DATABASE_URL`` and is skipped where it is not set.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from core.bundle import LoadedModel
from core.settings import Settings
from features.tables import RawTables, normalise
from serving.access.audit import verify_chain
from serving.access.keys import create_key, find_key
from serving.app import create_app
from serving.store.engine import make_engine
from serving.store.records import audit_row, insert_rows, write
from serving.store.schema import create_schema
from serving.store.tables import AuditEntry, Visit
from tests.serving.conftest import fresh_postgres_url
from tests.serving.support import FIRM_26, TestClient, auth

# The SQLite modules' tests, run again here on PostgreSQL through the fixtures below.
from tests.serving.test_audit import (
    test_batch_refuses_other_regions_firms_item_by_item,
    test_every_answer_is_audited_with_key_and_model,
    test_other_regions_centre_gets_nothing_and_is_audited,
)
from tests.serving.test_audit_chain import (
    test_a_forged_row_with_a_valid_hash_appended_past_the_head_is_named,
    test_tampering_is_detected_at_the_first_broken_row,
    test_the_chain_verifies_after_mixed_writes,
    test_the_service_chain_verifies,
)
from tests.serving.test_scores_api import (
    test_batch_keeps_order_and_reports_items,
    test_firm_history,
    test_score_is_recorded_and_audited_before_the_response,
    test_stored_score_comes_back_unchanged,
    test_submitted_statements_score_like_the_stored_firm,
)
from tests.serving.test_visits_history import (
    test_only_the_firms_centre_and_admins_record,
    test_own_centre_records_a_visit_and_sees_it_first,
)

__all__ = [
    "test_a_forged_row_with_a_valid_hash_appended_past_the_head_is_named",
    "test_batch_keeps_order_and_reports_items",
    "test_batch_refuses_other_regions_firms_item_by_item",
    "test_every_answer_is_audited_with_key_and_model",
    "test_firm_history",
    "test_only_the_firms_centre_and_admins_record",
    "test_other_regions_centre_gets_nothing_and_is_audited",
    "test_own_centre_records_a_visit_and_sees_it_first",
    "test_score_is_recorded_and_audited_before_the_response",
    "test_stored_score_comes_back_unchanged",
    "test_submitted_statements_score_like_the_stored_firm",
    "test_tampering_is_detected_at_the_first_broken_row",
    "test_the_chain_verifies_after_mixed_writes",
    "test_the_service_chain_verifies",
]


@pytest.fixture
def database_url() -> str:
    return fresh_postgres_url()


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = make_engine(fresh_postgres_url())
    create_schema(engine)
    yield engine
    engine.dispose()


def _keys(engine: Engine) -> dict[str, str]:
    return {
        "center26": create_key(engine, "center", "26"),
        "center11": create_key(engine, "center", "11"),
        "analyst": create_key(engine, "analyst"),
        "admin": create_key(engine, "admin"),
    }


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, panel: RawTables, loaded: LoadedModel
) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("postgres")
    settings = Settings(database_url=fresh_postgres_url(), models_dir=folder)
    with TestClient(create_app(settings, model=("1", loaded), tables=panel)) as client:
        yield client
        client.app.state.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def keys(service: TestClient) -> dict[str, str]:
    return _keys(service.app.state.engine)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def with_visits(
    tmp_path_factory: pytest.TempPathFactory, panel: RawTables, loaded: LoadedModel
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    imported = normalise(
        "visits",
        pd.DataFrame(
            [
                {
                    "firm_id": FIRM_26,
                    "visited_on": "2023-11-02",
                    "finding": "no_crisis",
                    "note": "양호",
                },
                {
                    "firm_id": FIRM_26,
                    "visited_on": "2024-06-01",
                    "finding": "referred",
                    "note": None,
                },
            ]
        ),
    )
    folder = tmp_path_factory.mktemp("visits")
    settings = Settings(database_url=fresh_postgres_url(), models_dir=folder)
    app = create_app(settings, model=("1", loaded), tables=replace(panel, visits=imported))
    with TestClient(app) as client:
        yield client, _keys(app.state.engine)
        app.state.engine.dispose()


def test_replicas_writing_at_once_keep_one_chain() -> None:
    url = fresh_postgres_url()
    engines = [make_engine(url) for _ in range(4)]  # as four replicas would
    starts = [threading.Thread(target=create_schema, args=(e,)) for e in engines]
    for thread in starts:  # replicas starting together on an empty database
        thread.start()
    for thread in starts:
        thread.join()

    def writer(engine: Engine, n: int) -> None:
        async def callers() -> None:  # group commits, each in a worker thread
            await asyncio.gather(
                *(write(engine, [audit_row(f"w{n}-{i}", [], "ok", None)]) for i in range(10))
            )

        for _ in range(3):
            asyncio.run(callers())
        insert_rows(engine, [audit_row(f"w{n}", [], "ok", None)])

    threads = [threading.Thread(target=writer, args=(e, n)) for n, e in enumerate(engines)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = verify_chain(engines[0])
    assert report.intact, report.describe()
    assert report.checked == 4 * 31
    for engine in engines:
        engine.dispose()


def test_timestamps_are_stored_and_read_in_utc(engine: Engine) -> None:
    seoul = dt.timezone(dt.timedelta(hours=9))
    at = dt.datetime(2026, 12, 1, 9, 0, tzinfo=seoul)
    _, values = audit_row("e", [], "ok", None)
    insert_rows(engine, [(audit_row("e", [], "ok", None)[0], {**values, "at": at})])
    key = find_key(engine, create_key(engine, "admin"))
    with Session(engine) as session:
        stored = session.scalars(select(AuditEntry)).one()
    assert stored.at == at and stored.at.utcoffset() == dt.timedelta(0)
    assert key is not None and key.created_at.tzinfo is not None
    with engine.connect() as connection:
        kind = connection.scalar(
            text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = 'audit_log' "
                "AND column_name = 'at'"
            )
        )
    assert kind == "timestamp with time zone"
    assert verify_chain(engine).intact


def test_an_older_database_gains_columns_and_wider_firm_ids() -> None:
    engine = make_engine(fresh_postgres_url())
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE audit_log (id SERIAL PRIMARY KEY, at TIMESTAMPTZ, key_id INTEGER, "
                "role VARCHAR(16), region VARCHAR(2), endpoint VARCHAR(128), firm_ids TEXT, "
                "model_version VARCHAR(32), score_id VARCHAR(36), outcome VARCHAR(32))"
            )
        )
        connection.execute(
            text(
                "CREATE TABLE visits (visit_id VARCHAR(36) PRIMARY KEY, firm_id VARCHAR(10), "
                "region VARCHAR(2), visited_on DATE, finding VARCHAR(32), note TEXT, "
                "key_id INTEGER, recorded_at TIMESTAMPTZ)"
            )
        )
    create_schema(engine)
    create_schema(engine)  # a second start changes nothing
    audit = {c["name"]: c for c in inspect(engine).get_columns("audit_log")}
    assert {"subject_region", "prev_hash", "row_hash"} <= set(audit)
    visits = {c["name"]: c["type"] for c in inspect(engine).get_columns("visits")}
    assert getattr(visits["firm_id"], "length", None) == 40
    insert_rows(engine, [audit_row("new", ["1234567890123"], "ok", None)])
    assert verify_chain(engine).intact
    engine.dispose()


def test_a_visit_is_stored_with_an_aware_time(
    with_visits: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = with_visits
    body = {"visited_on": "2024-06-11", "finding": "supported", "note": None}
    response = client.post(f"/v1/firms/{FIRM_26}/visits", json=body, headers=auth(keys["admin"]))
    assert response.status_code == 201
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        stored = session.get(Visit, response.json()["visit_id"])
    assert stored is not None and stored.recorded_at.utcoffset() == dt.timedelta(0)


def test_without_the_variable_postgres_tests_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EWS_TEST_DATABASE_URL", raising=False)
    with pytest.raises(pytest.skip.Exception):
        fresh_postgres_url()


def test_sqlite_reads_back_aware_utc(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}")
    create_schema(engine)
    at = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    table, values = audit_row("e", [], "ok", None)
    insert_rows(engine, [(table, {**values, "at": at})])
    with engine.connect() as connection:  # stored as before: naive UTC text, older files agree
        assert connection.scalar(text("SELECT at FROM audit_log")) == "2026-12-01 00:00:00.000000"
    with Session(engine) as session:
        assert session.scalars(select(AuditEntry.at)).one() == at.astimezone(dt.UTC)
        assert session.scalars(select(AuditEntry.at)).one().tzinfo is dt.UTC
    assert verify_chain(engine).intact
    engine.dispose()
