"""The audit log's hash chain: every write path joins one chain, concurrent writers too, and
`ews audit verify` names the first row that was changed, deleted or inserted; `ews keys`."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core.settings import get_settings
from serving.access.audit import audit_rows, verify_chain
from serving.access.keys import create_key, find_key
from serving.store.audit_chain import CHAINED_FIELDS, audit_hash
from serving.store.engine import make_engine
from serving.store.records import NewRow, audit_row, insert_rows, record, write
from serving.store.schema import create_schema
from serving.store.tables import AUDIT_LOG, AuditEntry
from tests.serving.support import FIRM_26, TestClient, auth


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


def _audit(endpoint: str) -> NewRow:
    return audit_row(endpoint, ["1234567890"], "ok", None, "3")


def _mixed_writes(engine: Engine) -> None:
    """ORM session, ORM objects, prepared inserts, a group commit of 20 concurrent callers."""
    with Session(engine) as session:
        record(session, [_audit("orm")])
        _, values = _audit("orm object")
        record(session, [AuditEntry(**values)])
    insert_rows(engine, [_audit("prepared"), _audit("prepared")])

    async def callers() -> None:
        await asyncio.gather(*(write(engine, [_audit(f"group {i}")]) for i in range(20)))

    asyncio.run(callers())


def test_the_chain_verifies_after_mixed_writes(engine: Engine) -> None:
    _mixed_writes(engine)
    report = verify_chain(engine)
    assert report.intact, report.describe()
    assert (report.checked, report.genesis_id, report.last_id) == (24, 0, 24)
    rows = list(audit_rows(engine, dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
    assert rows[0]["prev_hash"] == "0" * 64
    assert all(b["prev_hash"] == a["row_hash"] for a, b in itertools.pairwise(rows))


def test_threads_and_processes_sharing_the_database_keep_one_chain(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'service.db'}"
    engines = [make_engine(url) for _ in range(4)]  # as four replicas would
    create_schema(engines[0])

    def writer(engine: Engine, n: int) -> None:
        for i in range(15):
            if i % 2:
                insert_rows(engine, [_audit(f"w{n}-{i}")])
            else:
                with Session(engine) as session:
                    record(session, [_audit(f"w{n}-{i}"), _audit(f"w{n}-{i}b")])

    threads = [threading.Thread(target=writer, args=(e, n)) for n, e in enumerate(engines)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = verify_chain(engines[0])
    assert report.intact, report.describe()
    assert report.checked == 4 * (8 * 2 + 7)
    for engine in engines:
        engine.dispose()


def _tamper(engine: Engine, sql: str) -> None:
    with engine.begin() as connection:
        connection.execute(text(sql))


@pytest.mark.parametrize(
    ("sql", "broken", "says"),
    [
        ("UPDATE audit_log SET outcome = 'forbidden' WHERE id = 7", 7, "changed"),
        ("UPDATE audit_log SET firm_ids = '[\"999\"]' WHERE id = 1", 1, "changed"),
        ("DELETE FROM audit_log WHERE id = 5", 6, "deleted"),
        ("DELETE FROM audit_log WHERE id = 1", 2, "deleted"),
        ("DELETE FROM audit_log WHERE id = 24", 23, "deleted"),
        (
            "INSERT INTO audit_log (id, at, endpoint, firm_ids, outcome) "
            "VALUES (100, '2026-01-01 00:00:00.000000', 'x', '[]', 'ok')",
            100,
            "outside",
        ),
        (
            "INSERT INTO audit_log (at, endpoint, firm_ids, outcome, prev_hash, row_hash) "
            "SELECT at, endpoint, firm_ids, outcome, row_hash, row_hash FROM audit_log "
            "WHERE id = 24",
            25,
            "changed",
        ),
    ],
    ids=[
        "changed outcome",
        "changed firm",
        "deleted row",
        "deleted first",
        "deleted last",
        "inserted unhashed",
        "inserted forged",
    ],
)
def test_tampering_is_detected_at_the_first_broken_row(
    engine: Engine, sql: str, broken: int, says: str
) -> None:
    _mixed_writes(engine)
    _tamper(engine, sql)
    report = verify_chain(engine)
    assert not report.intact
    assert report.broken_id == broken, report.describe()
    assert says in report.describe()


def test_the_person_is_in_the_chain_and_rows_without_one_hash_as_before(engine: Engine) -> None:
    """A row that names a person (``user_id``) hashes it: changing who did something breaks the
    chain there. Rows without a person hash exactly as before staff accounts existed."""
    table, values = _audit("by a person")
    insert_rows(engine, [(table, {**values, "user_id": 7}), _audit("by a shared key")])
    assert verify_chain(engine).intact
    with engine.connect() as connection:
        rows = connection.execute(select(AUDIT_LOG).order_by(AUDIT_LOG.c.id)).mappings().all()
    before = [v for k, v in rows[1].items() if k in CHAINED_FIELDS and k != "user_id"]
    assert rows[1]["user_id"] is None and len(before) == len(CHAINED_FIELDS) - 1
    assert audit_hash(rows[1]["prev_hash"], rows[1]) == rows[1]["row_hash"]
    _tamper(engine, "UPDATE audit_log SET user_id = 8 WHERE id = 1")
    report = verify_chain(engine)
    assert (report.intact, report.broken_id) == (False, 1), report.describe()


def test_a_forged_row_with_a_valid_hash_appended_past_the_head_is_named(engine: Engine) -> None:
    from serving.store.audit_chain import audit_hash

    _mixed_writes(engine)
    last = list(audit_rows(engine, dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))[-1]
    _, values = _audit("forged")
    forged = {**values, "at": values["at"].replace(tzinfo=None)}
    row_hash = audit_hash(last["row_hash"], forged)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_log (at, endpoint, firm_ids, outcome, model_version, "
                "prev_hash, row_hash) VALUES (:at, :endpoint, :firm_ids, :outcome, "
                ":model_version, :prev, :row)"
            ),
            {**forged, "prev": last["row_hash"], "row": row_hash},
        )
    report = verify_chain(engine)
    assert report.broken_id == 25 and "past the chain head" in report.describe()


def test_rows_written_before_the_chain_are_its_genesis(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at DATETIME, key_id INTEGER, "
                "role VARCHAR(16), region VARCHAR(2), endpoint VARCHAR(128), firm_ids TEXT, "
                "model_version VARCHAR(32), score_id VARCHAR(36), outcome VARCHAR(32))"
            )
        )
        for _ in range(3):
            connection.execute(
                text(
                    "INSERT INTO audit_log (at, endpoint, firm_ids, outcome) "
                    "VALUES ('2025-01-01 00:00:00', 'old', '[]', 'ok')"
                )
            )
    create_schema(engine)
    create_schema(engine)  # a second start keeps the genesis
    insert_rows(engine, [_audit("new"), _audit("new")])
    report = verify_chain(engine)
    assert report.intact and (report.genesis_id, report.checked, report.last_id) == (3, 2, 5)
    assert "rows up to id 3 predate the chain" in report.describe()
    _tamper(engine, "UPDATE audit_log SET outcome = 'x' WHERE id = 2")  # before genesis
    assert verify_chain(engine).intact
    engine.dispose()


@pytest.fixture
def ews(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """`ews` pointed at ``engine``'s database."""
    monkeypatch.setenv("EWS_DATABASE_URL", str(engine.url))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_ews_audit_verify_exits_non_zero_and_names_the_row(engine: Engine, ews: CliRunner) -> None:
    from cli.main import app

    _mixed_writes(engine)
    result = ews.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0 and "audit chain intact: 24 rows" in result.stdout
    _tamper(engine, "UPDATE audit_log SET key_id = 9 WHERE id = 12")
    result = ews.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "broken at row 12" in result.stderr


def test_export_carries_the_chain(engine: Engine, ews: CliRunner, tmp_path: Path) -> None:
    from cli.main import app

    _mixed_writes(engine)
    out = tmp_path / "audit.csv"
    result = ews.invoke(app, ["audit", "export", "--since", "2000-01-01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[-2:] == ["prev_hash", "row_hash"]


def test_keys_list_shows_no_secret_and_revoke_refuses_the_next_request(
    service: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli.main import app

    engine = service.app.state.engine  # type: ignore[attr-defined]
    key = create_key(engine, "center", "26")
    stored = find_key(engine, key)
    assert stored is not None
    monkeypatch.setenv("EWS_DATABASE_URL", str(engine.url))
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        listed = runner.invoke(app, ["keys", "list"])
        assert listed.exit_code == 0, listed.output
        assert key not in listed.stdout and key[8:] not in listed.stdout
        line = next(r for r in listed.stdout.splitlines() if r.split()[0] == str(stored.id))
        assert line.split()[1:4] == ["center", "26", key[:8]] and line.endswith("-")
        assert (
            service.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(key)).status_code
            == 200
        )
        revoked = runner.invoke(app, ["keys", "revoke", str(stored.id)])
        assert revoked.exit_code == 0 and f"revoked key {stored.id}" in revoked.stdout
        response = service.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(key))
        assert response.status_code == 401
        again = runner.invoke(app, ["keys", "revoke", str(stored.id)])
        assert again.exit_code == 2 and "already revoked" in again.stderr
        assert runner.invoke(app, ["keys", "revoke", "ews_zzzz"]).exit_code == 2
        line = next(
            r
            for r in runner.invoke(app, ["keys", "list"]).stdout.splitlines()
            if r.split()[0] == str(stored.id)
        )
        assert not line.endswith("-")
    finally:
        get_settings.cache_clear()


def test_the_service_chain_verifies(service: TestClient, keys: dict[str, str]) -> None:
    for _ in range(3):
        service.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(keys["center26"]))
    service.get("/v1/regions/26/summary", headers=auth(keys["center26"]))
    report = verify_chain(service.app.state.engine)  # type: ignore[attr-defined]
    assert report.intact and report.checked >= 4, report.describe()
