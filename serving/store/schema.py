"""Bring the service database to the latest Alembic revision, whatever made it.

``create_schema`` (at service start, by ``ews`` and the tests) runs ``alembic upgrade head`` on
one connection in one transaction, with the script location set here (no ``alembic.ini``), so it
works alike on SQLite and PostgreSQL. A database made before migrations began has the tables but
no ``alembic_version``: it is brought up to the baseline (``adopt``: missing tables and nullable
columns added, short ``VARCHAR``s widened, the audit chain started) and stamped at revision 0001
before the newer revisions run.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.ddl import CreateColumn

from serving.store.baseline import baseline_metadata, start_audit_chain

MIGRATIONS: Final = Path(__file__).with_name("migrations")
BASELINE_REVISION: Final = "0001"
VERSION_TABLE: Final = "alembic_version"
SCHEMA_LOCK: Final = 0x45575301  # "EWS" 1: PostgreSQL's advisory lock id for schema changes
SCHEMA_WAIT_MS: Final = 120_000  # SQLite: how long a starting worker waits for the schema lock


def alembic_config(connection: Connection | None = None, scripts: Path = MIGRATIONS) -> Config:
    """Alembic's configuration in code; ``env.py`` migrates on ``connection`` when given."""
    config = Config()
    # ConfigParser interpolates "%": a folder name holding one must not break the path.
    config.set_main_option("script_location", str(scripts).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def create_schema(engine: Engine) -> None:
    """Adopt a database made before migrations, then run every revision it lacks.

    One transaction, which first takes the schema lock: workers or replicas starting together
    on a new database take turns, and the later ones find it at head. On PostgreSQL a failure
    leaves the schema as it was.
    """
    deadline = time.monotonic() + SCHEMA_WAIT_MS / 1000
    while True:
        try:
            with engine.connect() as connection, _patient(connection), connection.begin():
                _lock_schema(connection)
                if _made_before_migrations(connection):
                    adopt(connection)
                command.upgrade(alembic_config(connection), "head")
            return
        except OperationalError as error:
            # SQLite answers "database is locked" at once, without waiting, where waiting could
            # deadlock (e.g. while another worker turns a new file to WAL): start again.
            locked = engine.dialect.name == "sqlite" and "database is locked" in str(error)
            if not locked or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextlib.contextmanager
def _patient(connection: Connection) -> Iterator[None]:
    """On SQLite, wait up to ``SCHEMA_WAIT_MS`` for the write lock while the schema is made.

    Requests keep the driver's 5 s busy timeout; workers starting together on a new file queue
    for the lock one migration after another, which on a loaded machine takes longer than that.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    # On the driver's connection: through SQLAlchemy the PRAGMA would begin the transaction.
    cursor = connection.connection.cursor()
    (usual,) = cursor.execute("PRAGMA busy_timeout").fetchone()
    cursor.execute(f"PRAGMA busy_timeout = {SCHEMA_WAIT_MS}")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA busy_timeout = {int(usual)}")
        cursor.close()


def _lock_schema(connection: Connection) -> None:
    """Hold the database's schema lock until the transaction ends.

    PostgreSQL: an advisory lock (concurrent ``CREATE TABLE`` of one name fails there rather
    than waiting). SQLite: its write lock, taken up front; pysqlite would otherwise run the
    DDL outside a transaction, and two workers could both find the file empty and both create.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": SCHEMA_LOCK})
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN EXCLUSIVE")


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, f"no revisions under {MIGRATIONS}"
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is stamped at; None before ``upgrade`` first ran on it."""
    return MigrationContext.configure(connection).get_current_revision()


def _made_before_migrations(connection: Connection) -> bool:
    tables = set(inspect(connection).get_table_names())
    return VERSION_TABLE not in tables and bool(tables & set(baseline_metadata().tables))


def adopt(connection: Connection) -> None:
    """Bring a database made before migrations up to revision 0001 and stamp it.

    Additive only, as the code before migrations was: tables an older version lacked are created,
    nullable columns it lacked are added, and on PostgreSQL ``VARCHAR``s are widened (SQLite
    ignores lengths). Every row is kept.
    """
    metadata = baseline_metadata()
    metadata.create_all(connection)  # checkfirst: only the tables that are missing
    _add_missing_columns(connection, metadata)
    _widen_text_columns(connection, metadata)
    start_audit_chain(connection, metadata)
    command.stamp(alembic_config(connection), BASELINE_REVISION)


def _add_missing_columns(connection: Connection, metadata: MetaData) -> None:
    """``ALTER TABLE … ADD COLUMN`` compiled for the dialect, for nullable columns only: a
    ``NOT NULL`` column could not be added to a table with rows, and none was ever added."""
    dialect = connection.dialect
    for table in metadata.sorted_tables:
        present = {c["name"] for c in inspect(connection).get_columns(table.name)}
        for column in table.columns:
            if column.name in present or not column.nullable:
                continue
            definition = CreateColumn(column).compile(dialect=dialect)
            quoted = dialect.identifier_preparer.format_table(table)
            connection.execute(text(f"ALTER TABLE {quoted} ADD COLUMN {definition}"))


def _widen_text_columns(connection: Connection, metadata: MetaData) -> None:
    """Widen PostgreSQL ``VARCHAR``s that were once shorter (firm ids were 10 characters)."""
    if connection.dialect.name != "postgresql":
        return
    preparer = connection.dialect.identifier_preparer
    for table in metadata.sorted_tables:
        present = {c["name"]: c["type"] for c in inspect(connection).get_columns(table.name)}
        for column in table.columns:
            wanted = getattr(column.type, "length", None)
            have = getattr(present.get(column.name), "length", None)
            if wanted is None or have is None or have >= wanted:
                continue
            kind = column.type.compile(dialect=connection.dialect)
            connection.execute(
                text(
                    f"ALTER TABLE {preparer.format_table(table)} "
                    f"ALTER COLUMN {preparer.format_column(column)} TYPE {kind}"
                )
            )


def new_revision(engine: Engine, message: str, scripts: Path = MIGRATIONS) -> Path:
    """Write the next revision file from the difference between the database (upgraded to
    head) and the ORM, as ``alembic revision --autogenerate`` would without an ini file.
    Revisions are numbered 0001, 0002, …; review the file and run ``ruff format`` on it."""
    config = alembic_config(scripts=scripts)
    head = ScriptDirectory.from_config(config).get_current_head()
    number = f"{int(head or 0) + 1:04d}"
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        written = command.revision(config, message=message, autogenerate=True, rev_id=number)
    assert written is not None and not isinstance(written, list), "one revision at a time"
    return Path(written.path)
