"""Abuse limits (issue 12, finding 7): 429 with Retry-After per address and per key, audited
401s and refused admin calls (sampled), one answer to a centre for unknown and foreign firms,
and ``ews serve`` refusing plain HTTP beyond loopback."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cli.main import app as cli_app
from core.settings import Settings
from serving.access.keys import create_key
from serving.access.limits import Lockout, Sampler, TokenBucket
from serving.store.tables import AuditEntry
from tests.serving.support import FIRM_11, FIRM_26, TestClient, auth

UNKNOWN = "9999999999"


class Clock:
    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def limited(
    make_app: Callable[..., FastAPI], tmp_path: Path, database_url: str
) -> Iterator[FastAPI]:
    settings = Settings(
        database_url=database_url,
        models_dir=tmp_path / "models",
        data_dir=tmp_path / "data",
        limit_bad_keys=5,
        limit_key_burst=20,
        limit_key_per_s=0.5,
    )
    app = make_app(settings=settings)
    with TestClient(app):
        yield app


def caller(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, client=(address, 50000))


def audit_rows(app: FastAPI) -> list[AuditEntry]:
    with Session(app.state.engine) as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_bad_keys_from_one_address_get_429_with_retry_after(limited: FastAPI) -> None:
    attacker = caller(limited, "203.0.113.7")
    statuses = [
        attacker.get("/v1/model", headers=auth(f"ews_guess{i}")).status_code for i in range(5)
    ]
    assert statuses == [401] * 5
    refused = attacker.get("/v1/model", headers=auth("ews_guess-again"))
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    good = create_key(limited.state.engine, "analyst")
    assert attacker.get("/v1/model", headers=auth(good)).status_code == 429  # the address is out


def test_a_good_key_is_not_punished_by_another_address(limited: FastAPI) -> None:
    good = create_key(limited.state.engine, "analyst")
    attacker = caller(limited, "203.0.113.8")
    for i in range(8):
        attacker.get("/v1/model", headers=auth(f"ews_guess{i}"))
    assert attacker.get("/v1/model").status_code == 429
    assert caller(limited, "198.51.100.2").get("/v1/model", headers=auth(good)).status_code == 200


def test_a_key_over_its_budget_gets_429_and_other_keys_do_not(limited: FastAPI) -> None:
    busy, other = (create_key(limited.state.engine, "analyst") for _ in range(2))
    client = caller(limited, "198.51.100.3")
    statuses = [client.get("/v1/model", headers=auth(busy)).status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429
    assert client.get("/v1/model", headers=auth(other)).status_code == 200


def test_a_401_is_audited_once_a_minute_per_address(limited: FastAPI) -> None:
    client = caller(limited, "203.0.113.9")
    before = len(audit_rows(limited))
    for i in range(3):
        assert client.get("/v1/model", headers=auth(f"ews_nope{i}")).status_code == 401
    assert client.post("/v1/scores", json={"firm_id": FIRM_26}).status_code == 401
    rows = audit_rows(limited)[before:]
    assert [(r.outcome, r.key_id) for r in rows] == [("unauthorised", None)]
    assert rows[0].endpoint.startswith("GET /v1/model from 203.0.113.9")
    assert rows[0].row_hash is not None  # written through the chained path


def test_a_refused_admin_call_is_audited(limited: FastAPI) -> None:
    analyst = create_key(limited.state.engine, "analyst")
    before = len(audit_rows(limited))
    client = caller(limited, "198.51.100.4")
    for _ in range(2):
        assert client.post("/v1/admin/reload", headers=auth(analyst)).status_code == 403
    rows = audit_rows(limited)[before:]
    assert [(r.outcome, r.role) for r in rows] == [("forbidden", "analyst")]
    assert rows[0].endpoint.startswith("POST /v1/admin/reload")


CENTRE_LOOK_UPS = [
    ("POST", "/v1/scores", lambda firm: {"firm_id": firm}),
    ("GET", "/v1/firms/{firm}/history", None),
    ("GET", "/v1/firms/{firm}/visits", None),
    ("GET", "/v1/firms/{firm}/scores", None),
    (
        "POST",
        "/v1/firms/{firm}/visits",
        lambda firm: {"visited_on": "2024-01-02", "finding": "no_crisis"},
    ),
]


@pytest.mark.parametrize(("method", "path", "body"), CENTRE_LOOK_UPS)
def test_a_centre_gets_one_answer_for_unknown_and_foreign_firms(
    service: TestClient,
    keys: dict[str, str],
    method: str,
    path: str,
    body: Callable[[str], dict[str, str]] | None,
) -> None:
    answers = []
    for firm in (UNKNOWN, FIRM_11):
        json_body = body(firm) if body else None
        response = service.request(
            method, path.format(firm=firm), json=json_body, headers=auth(keys["center26"])
        )
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1]
    assert answers[0][0] == 403
    analyst = service.request(
        method,
        path.format(firm=UNKNOWN),
        json=body(UNKNOWN) if body else None,
        headers=auth(keys["analyst"]),
    )
    assert analyst.status_code in (403, 404)  # an analyst may learn what exists


def test_the_audit_tells_unknown_from_foreign(service: TestClient, keys: dict[str, str]) -> None:
    engine = service.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        before = session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    for firm in (UNKNOWN, FIRM_11):
        service.post("/v1/scores", json={"firm_id": firm}, headers=auth(keys["center26"]))
    with Session(engine) as session:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.id > (before or 0))))
    assert [(json.loads(r.firm_ids), r.subject_region) for r in rows] == [
        ([UNKNOWN], None),
        ([FIRM_11], "11"),
    ]


def test_a_centre_batch_lists_unknown_and_foreign_alike(
    service: TestClient, keys: dict[str, str]
) -> None:
    response = service.post(
        "/v1/scores/batch", json={"firm_ids": [UNKNOWN, FIRM_11]}, headers=auth(keys["center26"])
    )
    items = response.json()["items"]
    assert [(i["status"], i["error"]) for i in items] == [
        (items[0]["status"], items[0]["error"])
    ] * 2
    assert items[0]["status"] == "forbidden"


def test_token_bucket_refills_and_says_how_long_to_wait() -> None:
    clock = Clock()
    bucket = TokenBucket(2, 0.5, clock=clock)
    assert [bucket.take("a"), bucket.take("a")] == [0.0, 0.0]
    assert bucket.take("a") == pytest.approx(2.0)
    assert bucket.take("b") == 0.0  # callers are apart
    clock.at += 2.0
    assert bucket.take("a") == 0.0


def test_token_bucket_forgets_the_least_recent_callers() -> None:
    bucket = TokenBucket(1, 1.0, max_callers=2, clock=Clock())
    for name in ("a", "b", "c"):
        bucket.take(name)
    assert bucket.take("a") == 0.0 and bucket.take("c") > 0  # "a" was forgotten, "c" was not


def test_lockout_cools_down_and_a_success_clears_it() -> None:
    clock = Clock()
    lock = Lockout(3, 60, clock=clock)
    assert [lock.fail("x"), lock.fail("x"), lock.fail("x")] == [False, False, True]
    assert lock.locked_for("x") == pytest.approx(60)
    clock.at += 61
    assert lock.locked_for("x") == 0
    lock.fail("y")
    lock.succeed("y")
    assert [lock.fail("y"), lock.fail("y")] == [False, False]


def test_sampler_writes_one_row_a_minute_with_the_count() -> None:
    clock = Clock()
    sampler = Sampler(60, clock=clock)
    assert [sampler.due("a") for _ in range(4)] == [1, 0, 0, 0]
    clock.at += 60
    assert sampler.due("a") == 4  # this one and the three not written


def test_the_bucket_costs_microseconds() -> None:
    bucket = TokenBucket(1e9, 1e9)
    start = time.perf_counter()
    for i in range(20_000):
        bucket.take(str(i % 1000))
    assert (time.perf_counter() - start) / 20_000 < 50e-6


def test_serve_refuses_plain_http_beyond_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []
    monkeypatch.setattr("uvicorn.run", lambda *_, **kw: ran.append(kw["host"]))
    refused = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0"])
    assert refused.exit_code != 0 and "TLS" in refused.output and ran == []
    allowed = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0", "--allow-plain-http"])
    assert allowed.exit_code == 0 and "warning" in allowed.output and ran == ["0.0.0.0"]
    assert CliRunner().invoke(cli_app, ["serve", "--host", "127.0.0.1"]).exit_code == 0
