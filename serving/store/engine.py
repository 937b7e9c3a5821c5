"""Connections to the service database: SQLite by default (a file beside the models), or
PostgreSQL (``postgresql+psycopg://…``, the ``postgres`` extra), which several replicas share."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event


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
