"""Can the service write its audit log? A write probe for ``/readyz`` and for ``ews serve``.

Every audited call answers 503 when the database refuses the audit row, so a database that
cannot be written means a service that cannot serve. The probe updates no row inside a
transaction that is rolled back: SQLite and PostgreSQL both take the write lock (and refuse a
read-only file, folder or server) before they find there is nothing to change, and nothing is
left behind. A full disk shows only when a commit writes, so it shows in the audit-write
failure counter and log lines rather than here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import anyio
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from serving.logs import describe, log_failure
from serving.store.schema import create_schema

# Matches no row (the chain head's id is 1) yet needs the write lock.
_WRITE = text("UPDATE audit_chain SET last_id = last_id WHERE id = 0")
CACHE_S: Final = 2.0  # readiness polling reads the last result for this long
TIMEOUT_S: Final = 1.0  # a probe that takes longer counts as failed


@dataclass(frozen=True, slots=True)
class Check:
    ok: bool
    detail: str | None = None


def probe_write(engine: Engine, timeout_s: float = TIMEOUT_S) -> None:
    """Take the write lock in a transaction and roll it back; raises ``SQLAlchemyError``."""
    with engine.connect() as connection, connection.begin() as transaction:
        if engine.dialect.name == "postgresql":
            ms = int(timeout_s * 1000)
            connection.execute(text(f"SET LOCAL statement_timeout = {ms}"))
        connection.execute(_WRITE)
        transaction.rollback()


class DatabaseProbe:
    """The write probe, run at most once per ``cache_s`` however often readiness is polled."""

    def __init__(
        self,
        engine: Engine,
        on_failure: Callable[[], None] | None = None,
        cache_s: float = CACHE_S,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        self.engine, self.cache_s, self.timeout_s = engine, cache_s, timeout_s
        self.on_failure = on_failure
        self._last: Check | None = None
        self._at = 0.0
        self._lock = anyio.Lock()

    def forget(self) -> None:
        """Drop the cached result (the schema was just created: an earlier failure is stale)."""
        self._last = None

    async def check(self) -> Check:
        async with self._lock:  # concurrent polls wait for one probe instead of each running one
            if self._last is not None and time.monotonic() - self._at < self.cache_s:
                return self._last
            self._last, self._at = await self._probe(), time.monotonic()
            return self._last

    async def _probe(self) -> Check:
        try:
            with anyio.fail_after(self.timeout_s):
                await anyio.to_thread.run_sync(
                    probe_write, self.engine, self.timeout_s, abandon_on_cancel=True
                )
            return Check(ok=True)
        except TimeoutError:
            detail = f"no answer to a write within {self.timeout_s:g} s"
            log_failure("database probe failed", detail=detail)
        except SQLAlchemyError as error:
            detail = f"cannot write: {describe(error)}"
            log_failure("database probe failed", error)
        if self.on_failure is not None:
            self.on_failure()
        return Check(ok=False, detail=detail)


def startup_problem(engine: Engine) -> str | None:
    """Why the service could not write its database, in one line, or None when it can."""
    where = engine.url.render_as_string(hide_password=True)
    try:
        create_schema(engine)
        probe_write(engine)
    except SQLAlchemyError as error:
        reason = describe(error)
        if "readonly" in reason.replace("-", "").replace(" ", "").lower():
            return (
                f"the service database {where} is read-only ({reason}); the service writes an "
                "audit row for every call: check the file's and folder's permissions and the "
                "free disk space"
            )
        return f"cannot write the service database {where} ({reason})"
    return None
