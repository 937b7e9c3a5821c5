"""Alembic migrations for the service database (``serving.store``): ``create_schema`` brings a
new database to head with the ORM's tables, adopts an old one with its rows, lets workers start
on one new database at once, and the latest revision matches the ORM, so a model change without
a revision fails here.

Each test runs on a SQLite file and, where ``EWS_TEST_DATABASE_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import shutil
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Engine, Integer, MetaData, func, inspect, select, text

from serving.access.audit import verify_chain
from serving.access.keys import KEY_PREFIX, find_key, hash_key
from serving.store.baseline import baseline_metadata, start_audit_chain
from serving.store.engine import make_engine
from serving.store.records import audit_row, insert_rows
from serving.store.schema import (
    MIGRATIONS,
    VERSION_TABLE,
    create_schema,
    current_revision,
    head_revision,
    new_revision,
)
from serving.store.tables import AUDIT_LOG, CHAIN_HEAD, ApiKey, Base
from tests.serving.conftest import fresh_postgres_url

ROOT = Path(__file__).resolve().parents[2]
NewEngine = Callable[..., Engine]


@pytest.fixture(params=["sqlite", "postgresql"])
def new_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NewEngine]:
    """Engines on empty databases of one kind, one per call (PostgreSQL: a fresh schema each),
    or, given another engine, a second engine on its database (as another worker would open)."""
    engines: list[Engine] = []

    def make(same_as: Engine | None = None) -> Engine:
        if same_as is not None:
            url = same_as.url.render_as_string(hide_password=False)
        elif request.param == "sqlite":
            url = f"sqlite:///{tmp_path / f'service{len(engines)}.db'}"
        else:
            url = fresh_postgres_url()
        engines.append(make_engine(url))
        return engines[-1]

    yield make
    for engine in engines:
        engine.dispose()


def _shape(engine: Engine) -> dict[str, dict[str, object]]:
    """Tables, columns (type, nullability, default), keys and indexes, as the database reports."""
    found = inspect(engine)
    shape: dict[str, dict[str, object]] = {}
    for table in sorted(set(found.get_table_names()) - {VERSION_TABLE}):
        shape[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in found.get_columns(table)
            ],
            "primary key": found.get_pk_constraint(table)["constrained_columns"],
            "foreign keys": sorted(
                (tuple(k["constrained_columns"]), k["referred_table"], tuple(k["referred_columns"]))
                for k in found.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in found.get_indexes(table)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(table)),
        }
    return shape


def _drift(engine: Engine, metadata: MetaData) -> list[object]:
    with engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), metadata))


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return current_revision(connection)


def test_a_new_database_gets_the_orms_tables_at_head(new_engine: NewEngine) -> None:
    made, migrated = new_engine(), new_engine()
    Base.metadata.create_all(made)
    create_schema(migrated)
    shape = _shape(migrated)
    assert (
        set(shape)
        == set(Base.metadata.tables)
        == {
            *("api_keys", "scores", "audit_log", "audit_chain", "visits", "web_sessions"),
            *("users", "cases", "case_events", "referrals", "scenario_runs"),
        }
    )
    assert shape == _shape(made)  # keys, indexes and types as the ORM declares them
    with migrated.connect() as connection:  # the chain starts at once
        assert connection.execute(select(CHAIN_HEAD)).all() == [(1, 0, 0, "0" * 64)]
    assert _revision(migrated) == head_revision()


def test_workers_starting_together_on_a_new_database_take_turns(new_engine: NewEngine) -> None:
    first = new_engine()
    engines = [first, *(new_engine(same_as=first) for _ in range(5))]
    start = threading.Barrier(len(engines))
    failures: list[BaseException] = []

    def worker(engine: Engine) -> None:
        start.wait()
        try:
            create_schema(engine)
        except Exception as error:  # reported below, with the others
            failures.append(error)

    threads = [threading.Thread(target=worker, args=(e,), daemon=True) for e in engines]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60  # without the lock PostgreSQL's workers can wait for ever
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert _revision(first) == head_revision()
    with first.connect() as connection:  # one chain head, not one per worker
        assert connection.execute(select(CHAIN_HEAD)).all() == [(1, 0, 0, "0" * 64)]


def test_a_second_start_changes_nothing(new_engine: NewEngine) -> None:
    engine = new_engine()
    create_schema(engine)
    before = _shape(engine)
    create_schema(engine)
    assert _shape(engine) == before and _revision(engine) == head_revision()


def test_the_latest_revision_matches_the_orm(new_engine: NewEngine) -> None:
    engine = new_engine()
    create_schema(engine)
    assert _drift(engine, Base.metadata) == []
    changed = MetaData()  # the check sees a model change no revision made
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["visits"].append_column(Column("follow_up", Integer, nullable=True))
    assert [d[:2] for d in _drift(engine, changed)] == [("add_column", None)]  # type: ignore[index]


def test_a_database_made_before_migrations_is_stamped_and_keeps_its_rows(
    new_engine: NewEngine,
) -> None:
    engine = new_engine()
    with engine.begin() as connection:  # as the code before migrations made it
        metadata = baseline_metadata()
        metadata.create_all(connection)
        # Rows as that code wrote them: none of the newer columns (the ORM's have them).
        key = KEY_PREFIX + "made-before-migrations"
        connection.execute(
            metadata.tables["api_keys"].insert(),
            {"key_hash": hash_key(key), "prefix": key[:8], "role": "center", "region": "26"}
            | {"created_at": dt.datetime.now(dt.UTC)},
        )
        _, values = audit_row("before", ["1234567890"], "ok", ApiKey(id=1, role="center"))
        old_columns = metadata.tables["audit_log"].columns.keys()
        connection.execute(
            metadata.tables["audit_log"].insert(),
            {k: v for k, v in values.items() if k in old_columns},
        )
        start_audit_chain(connection, metadata)  # the row above predates the chain
    assert _revision(engine) is None

    create_schema(engine)
    assert _revision(engine) == head_revision()
    assert find_key(engine, key) is not None
    insert_rows(engine, [audit_row("after", ["1234567890"], "ok", find_key(engine, key))])
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(AUDIT_LOG)) == 2
    assert verify_chain(engine).intact  # the chain goes on from the row written before
    assert _drift(engine, Base.metadata) == []


def test_an_older_database_gains_its_missing_columns_and_tables(new_engine: NewEngine) -> None:
    engine = new_engine()
    serial = "SERIAL" if engine.dialect.name == "postgresql" else "INTEGER"
    with engine.begin() as connection:  # the audit log before subjects and the chain
        connection.execute(
            text(
                f"CREATE TABLE audit_log (id {serial} PRIMARY KEY, at TIMESTAMP, key_id INTEGER, "
                "role VARCHAR(16), region VARCHAR(2), endpoint VARCHAR(128), firm_ids TEXT, "
                "model_version VARCHAR(32), score_id VARCHAR(36), outcome VARCHAR(32))"
            )
        )
        connection.execute(
            text(
                "CREATE TABLE visits (visit_id VARCHAR(36) PRIMARY KEY, firm_id VARCHAR(10), "
                "region VARCHAR(2), visited_on DATE, finding VARCHAR(32), note TEXT, "
                "key_id INTEGER, recorded_at TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO audit_log (id, at, endpoint, firm_ids, outcome) "
                "VALUES (7, '2024-01-02 03:04:05', 'old', '[]', 'ok')"
            )
        )
        if serial == "SERIAL":  # the next id follows the row inserted with its own id
            connection.execute(text("SELECT setval('audit_log_id_seq', 7)"))

    create_schema(engine)
    assert _revision(engine) == head_revision()
    tables = inspect(engine)
    assert set(Base.metadata.tables) <= set(tables.get_table_names())
    audit = {c["name"] for c in tables.get_columns("audit_log")}
    assert {"subject_region", "prev_hash", "row_hash"} <= audit
    if engine.dialect.name == "postgresql":  # SQLite ignores lengths
        visits = {c["name"]: c["type"] for c in tables.get_columns("visits")}
        assert getattr(visits["firm_id"], "length", None) == 40
    with engine.connect() as connection:  # the old row is the chain's genesis, left unchained
        assert connection.execute(select(CHAIN_HEAD)).all() == [(1, 7, 7, "0" * 64)]
    insert_rows(engine, [audit_row("new", ["1234567890123"], "ok", None)])
    assert verify_chain(engine).intact


def test_the_next_revision_is_written_from_the_orm(tmp_path: Path) -> None:
    scripts = tmp_path / "migrations"  # a copy: the real versions folder stays as it is
    shutil.copytree(MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}")
    create_schema(engine)
    written = new_revision(engine, "nothing changed", scripts)
    source = written.read_text(encoding="utf-8")
    compile(source, str(written), "exec")
    assert written.name == f"{int(head_revision()) + 1:04d}_nothing_changed.py"
    assert f"down_revision: str | None = {head_revision()!r}" in source
    assert "op." not in source  # the ORM and head agree: nothing to do either way
    engine.dispose()


def test_the_wheel_carries_the_migrations() -> None:
    """Every file Alembic reads (env, template, revisions) matches the package-data globs."""
    with (ROOT / "pyproject.toml").open("rb") as pyproject:
        globs = tomllib.load(pyproject)["tool"]["setuptools"]["package-data"]["serving"]
    package = ROOT / "serving"
    needed = [
        path.relative_to(package).as_posix()
        for path in MIGRATIONS.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    assert "store/migrations/versions/0001_baseline.py" in needed
    assert [f for f in needed if not any(_glob_matches(f, g) for g in globs)] == []


def _glob_matches(path: str, glob: str) -> bool:
    """As setuptools matches package data: ``*`` stays within one folder."""
    parts, patterns = path.split("/"), glob.split("/")
    return len(parts) == len(patterns) and all(map(fnmatch.fnmatchcase, parts, patterns))
