"""Failures an operator can see (issue 12, finding 6): readiness probes the database, every
request and failure is a JSON log line, refused audit writes are counted, and ``ews serve``
says in one line why a read-only database stops it."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from serving.access.keys import create_key, find_key
from serving.logs import JsonFormatter
from tests.serving.conftest import AppFactory
from tests.serving.support import FIRM_26, TestClient, auth


class ReadOnly:
    """Puts every new connection in SQLite's ``query_only`` mode: writes fail with the driver's
    own 'attempt to write a readonly database', on the ORM and the prepared (DBAPI) paths."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @staticmethod
    def _query_only(connection: sqlite3.Connection, _: Any) -> None:
        connection.execute("PRAGMA query_only = ON")

    def __enter__(self) -> None:
        event.listen(self.engine, "connect", self._query_only)
        self.engine.dispose()  # pooled connections reconnect, read-only

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "connect", self._query_only)
        self.engine.dispose()


@pytest.fixture
def client(make_app: AppFactory) -> Iterator[TestClient]:
    with TestClient(make_app()) as client:
        client.app.state.db_probe.cache_s = 0  # type: ignore[attr-defined]
        yield client


def _engine(client: TestClient) -> Engine:
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    return engine


def _metric(client: TestClient, name: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not exposed")


def test_readyz_names_each_check_and_fails_while_the_database_is_read_only(
    client: TestClient,
) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {
        "database": {"ok": True, "detail": None},
        "model": {"ok": True, "detail": None},
    }
    with ReadOnly(_engine(client)):
        down = client.get("/readyz")
        assert down.status_code == 503
        body = down.json()
        assert body["status"] == "not ready" and body["checks"]["model"]["ok"] is True
        assert body["checks"]["database"]["ok"] is False
        assert "readonly" in body["checks"]["database"]["detail"]
        assert body["detail"].startswith("database: cannot write")
    assert client.get("/readyz").status_code == 200  # recovered with the database
    assert _metric(client, "ews_db_probe_failures_total") == 1


def test_the_probe_result_is_reused_between_polls(client: TestClient) -> None:
    probe = client.app.state.db_probe  # type: ignore[attr-defined]
    probe.cache_s = 60
    assert client.get("/readyz").status_code == 200
    with ReadOnly(_engine(client)):
        assert client.get("/readyz").status_code == 200  # cached: polling cannot load the DB
        probe.cache_s = 0
        assert client.get("/readyz").status_code == 503


def _json_lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[dict[str, Any]]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == logger]


def test_each_request_is_one_json_line_with_its_id_key_status_and_latency(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    key = create_key(_engine(client), "analyst")
    key_id = find_key(_engine(client), key).id  # type: ignore[union-attr]
    with caplog.at_level(logging.INFO, logger="serving.requests"):
        scored = client.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(key))
        chosen = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.1"})
        forged = client.get("/healthz", headers={"X-Request-ID": "x\n{}" + "y" * 80})
    assert scored.status_code == 200
    lines = _json_lines(caplog, "serving.requests")
    assert len(lines) == 3
    first = lines[0]
    assert first["request_id"] == scored.headers["X-Request-ID"]
    assert first["key_id"] == key_id and key not in json.dumps(lines)
    assert (first["method"], first["route"], first["status"]) == ("POST", "/v1/scores", 200)
    assert first["level"] == "info" and first["latency_ms"] > 0
    assert lines[1]["request_id"] == chosen.headers["X-Request-ID"] == "lb-7f3a.1"
    assert lines[1]["key_id"] is None
    assert len(forged.headers["X-Request-ID"]) == 32  # not echoed: a fresh id instead


def test_a_refused_audit_write_is_counted_and_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    key = create_key(_engine(client), "analyst")
    assert _metric(client, "ews_audit_write_failures_total") == 0
    with ReadOnly(_engine(client)), caplog.at_level(logging.INFO, logger="serving"):
        refused = client.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(key))
    assert refused.status_code == 503
    assert _metric(client, "ews_audit_write_failures_total") == 1
    (failure,) = _json_lines(caplog, "serving.failures")
    assert failure["message"] == "audit write failed" and failure["level"] == "error"
    assert failure["request_id"] == refused.headers["X-Request-ID"]
    assert "readonly" in failure["error"] and failure["route"] == "/v1/scores"
    (request,) = _json_lines(caplog, "serving.requests")
    assert request["status"] == 503 and request["level"] == "error"


@pytest.mark.slow  # starts `ews serve` in a subprocess (~11 s)
def test_serve_on_a_read_only_database_exits_with_one_clear_line(
    make_app: AppFactory, tmp_path: Path
) -> None:
    database = tmp_path / "service.db"
    with TestClient(make_app()):  # a complete schema, in WAL mode
        pass
    env = {**os.environ, "EWS_DATABASE_URL": f"sqlite:///file:{database}?mode=ro&uri=true"}
    ews = Path(sys.executable).with_name("ews")
    command = [ews, "serve", "--host", "127.0.0.1", "--port", "1"]
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "is read-only" in line and "readonly database" in line
