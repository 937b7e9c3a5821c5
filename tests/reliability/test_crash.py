"""`kill -9` of an `ews serve` replica under load loses no acknowledged score.

Real server processes on the demo world: one replica on SQLite (killed, then restarted on the
same file), two replicas on one PostgreSQL (one killed while both take load, then restarted).
Every score answered 200 must be in the scores table and in the audit log exactly once, no
score id may be handed out twice, and the audit chain must verify. CI sends a few hundred
requests; ``EWS_RELIABILITY_CRASH_REQUESTS`` scales it up.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from serving.access.audit import verify_chain
from serving.access.keys import create_key
from serving.store.engine import make_engine
from serving.store.schema import create_schema
from serving.store.tables import AUDIT_LOG, SCORES
from tests.conftest import DemoRun
from tests.serving.conftest import fresh_postgres_url
from tests.test_end_to_end import ROOT, _env, _free_port

CLIENTS = 8


def _requests() -> int:
    """300 in CI; ``EWS_RELIABILITY_CRASH_REQUESTS`` for the bench's full size."""
    return int(os.environ.get("EWS_RELIABILITY_CRASH_REQUESTS", 300))


def _record(request: pytest.FixtureRequest, name: str, found: dict[str, Any]) -> None:
    """Into the suite's ``figures`` (tests/reliability/conftest.py) where it exists."""
    with contextlib.suppress(pytest.FixtureLookupError):
        request.getfixturevalue("figures")[name] = found


# One key and one address send all the load: the abuse limits would answer 429.
UNLIMITED = {
    f"EWS_LIMIT_{name}": "1000000"
    for name in ("KEY_BURST", "KEY_PER_S", "ADDRESS_BURST", "ADDRESS_PER_S")
}


@dataclass
class Replica:
    """One `ews serve` process on ``url``'s database."""

    demo_run: DemoRun
    url: str
    base: str = ""
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        port = _free_port()
        env = {**_env(self.demo_run), **UNLIMITED, "EWS_DATABASE_URL": self.url}
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--no-access-log"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, "replica exited"
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        pytest.fail(f"replica {self.base} not ready within 120 s")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no shutdown, no flush, connections cut mid-transaction
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@dataclass
class Load:
    """Clients scoring firms round-robin over the live replicas, keeping each 200's score id."""

    replicas: list[Replica]
    key: str
    firm_ids: list[str]
    acknowledged: list[str] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, requests: int) -> None:
        target = self.sent + requests
        threads = [threading.Thread(target=self._client, args=(target,)) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _next(self, target: int) -> int | None:
        with self.lock:
            if self.sent >= target:
                return None
            self.sent += 1
            return self.sent

    def _client(self, target: int) -> None:
        with httpx.Client(headers={"X-API-Key": self.key}, timeout=30) as client:
            while (n := self._next(target)) is not None:
                replica = self.replicas[n % len(self.replicas)]
                body = {"firm_id": self.firm_ids[n % len(self.firm_ids)]}
                try:
                    response = client.post(f"{replica.base}/v1/scores", json=body)
                except httpx.TransportError:
                    self._count("connection lost")
                    continue
                if response.status_code == 200:
                    with self.lock:
                        self.acknowledged.append(response.json()["score_id"])
                self._count(str(response.status_code))

    def _count(self, outcome: str) -> None:
        with self.lock:
            self.outcomes[outcome] += 1


def _crash(demo_run: DemoRun, url: str, n_replicas: int) -> dict[str, Any]:
    """Load, `kill -9` of replica 0 halfway, its restart, the rest of the load; the figures."""
    engine = make_engine(url)
    create_schema(engine)
    key = create_key(engine, "analyst")
    features = demo_run.features
    firm_ids = features.loc[features["as_of"] == features["as_of"].max(), "firm_id"]
    replicas = [Replica(demo_run, url) for _ in range(n_replicas)]
    requests = _requests()
    try:
        for replica in replicas:
            replica.start()
        for replica in replicas:
            replica.wait_ready()
        load = Load(replicas, key, [str(f) for f in firm_ids.head(200)])
        half = threading.Thread(target=load.run, args=(requests // 2,))
        half.start()
        while load.sent < requests // 4 and half.is_alive():  # kill while requests are in flight
            time.sleep(0.01)
        replicas[0].kill()
        half.join()
        replicas[0].start()
        replicas[0].wait_ready()
        load.run(requests - requests // 2)
    finally:
        for replica in replicas:
            replica.stop()
    return _figures(engine, load)


def _figures(engine: Any, load: Load) -> dict[str, Any]:
    with engine.connect() as connection:
        stored = set(connection.scalars(select(SCORES.c.score_id)))
        audited = Counter(
            connection.scalars(
                select(AUDIT_LOG.c.score_id).where(AUDIT_LOG.c.score_id.is_not(None))
            )
        )
        audit_rows = connection.scalar(select(func.count()).select_from(AUDIT_LOG))
    acknowledged = Counter(load.acknowledged)
    report = verify_chain(engine)
    engine.dispose()
    return {
        "requests": load.sent,
        "outcomes": dict(load.outcomes),
        "acknowledged": len(load.acknowledged),
        "missing_from_scores": len(set(acknowledged) - stored),
        "missing_from_audit": len(set(acknowledged) - set(audited)),
        "duplicate_score_ids": sum(n - 1 for n in acknowledged.values() if n > 1)
        + sum(n - 1 for n in audited.values() if n > 1),
        "audit_rows": audit_rows,
        "chain": report.describe(),
        "chain_intact": report.intact,
    }


def _check(figures: dict[str, Any]) -> None:
    assert figures["acknowledged"] > 0, figures
    assert figures["missing_from_scores"] == 0, figures
    assert figures["missing_from_audit"] == 0, figures
    assert figures["duplicate_score_ids"] == 0, figures
    assert figures["chain_intact"], figures


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'service.db'}"


@pytest.mark.slow
def test_kill_9_on_sqlite_loses_no_acknowledged_score(
    demo_run: DemoRun, sqlite_url: str, request: pytest.FixtureRequest
) -> None:
    found = _crash(demo_run, sqlite_url, n_replicas=1)
    _record(request, "crash_sqlite", found)
    _check(found)


@pytest.mark.slow
def test_kill_9_of_one_of_two_postgres_replicas_loses_no_acknowledged_score(
    demo_run: DemoRun, request: pytest.FixtureRequest
) -> None:
    url = fresh_postgres_url()
    found = _crash(demo_run, url, n_replicas=2)
    _record(request, "crash_postgres", found)
    _check(found)
