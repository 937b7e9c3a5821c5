"""The audit log: every endpoint refuses another region's centre key, saying nothing, and audits
the attempt; successful reads are audited before the response; no audit, no answer; export."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core.bundle import LoadedModel
from core.settings import Settings, get_settings
from features.tables import RawTables
from serving.access.audit import audit_rows
from serving.access.keys import create_key
from serving.app import create_app
from serving.store.tables import AuditEntry, Visit
from tests.serving.support import FIRM_11, FIRM_26, TestClient, auth

VISIT = {"visited_on": "2024-03-02", "finding": "supported", "note": "정책자금 상담"}
SUBMITTED_11 = {"firm": {"region": "11"}, "statements": [{"fiscal_year": 2023, "revenue": 1e6}]}
# (method, path, body, firm id the refusal names, region asked about)
REFUSED: list[tuple[str, str, Any, str | None, str | None]] = [
    ("POST", "/v1/scores", {"firm_id": FIRM_11}, FIRM_11, "11"),
    ("POST", "/v1/scores", SUBMITTED_11, None, None),
    ("GET", f"/v1/firms/{FIRM_11}/scores", None, FIRM_11, "11"),
    ("GET", f"/v1/firms/{FIRM_11}/history", None, FIRM_11, "11"),
    ("GET", f"/v1/firms/{FIRM_11}/visits", None, FIRM_11, "11"),
    ("POST", f"/v1/firms/{FIRM_11}/visits", VISIT, FIRM_11, "11"),
    ("GET", "/v1/regions/11/watchlist?capacity=5", None, None, "11"),
    ("GET", "/v1/regions/11/summary", None, None, "11"),
    ("GET", "/v1/regions/11/clusters", None, None, "11"),
]


def audit_log(client: TestClient) -> list[AuditEntry]:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def _call(client: TestClient, method: str, path: str, body: Any, key: str) -> Any:
    return client.request(method, path, json=body, headers=auth(key))


def _says_nothing(response: Any) -> None:
    """A refusal names neither the other region's firm nor any figure about it."""
    body = response.json()
    assert set(body) == {"detail"}
    for secret in (FIRM_11, '"pd"', "grade", "reasons", "name", "expected"):
        assert secret not in response.text


@pytest.mark.parametrize(
    ("method", "path", "body", "firm_id", "asked"),
    REFUSED,
    ids=[f"{m} {p.split('?')[0]}" for m, p, *_ in REFUSED],
)
def test_other_regions_centre_gets_nothing_and_is_audited(
    service: TestClient,
    keys: dict[str, str],
    method: str,
    path: str,
    body: Any,
    firm_id: str | None,
    asked: str | None,
) -> None:
    before = len(audit_log(service))
    response = _call(service, method, path, body, keys["center26"])
    assert response.status_code == 403
    _says_nothing(response)
    added = audit_log(service)[before:]
    assert [(a.outcome, a.role, a.region) for a in added] == [("forbidden", "center", "26")]
    assert json.loads(added[0].firm_ids) == ([firm_id] if firm_id else [])
    assert added[0].subject_region == asked


def test_batch_refuses_other_regions_firms_item_by_item(
    service: TestClient, keys: dict[str, str]
) -> None:
    before = len(audit_log(service))
    body = {"firm_ids": [FIRM_26, FIRM_11]}
    response = service.post("/v1/scores/batch", json=body, headers=auth(keys["center26"]))
    items = response.json()["items"]
    assert [item["status"] for item in items] == ["ok", "forbidden"]
    assert items[1]["score"] is None
    added = audit_log(service)[before:]
    assert [(a.outcome, json.loads(a.firm_ids)) for a in added] == [
        ("ok", [FIRM_26]),
        ("forbidden", [FIRM_11]),
    ]


def test_stored_score_of_another_region_is_refused_and_audited(
    service: TestClient, keys: dict[str, str]
) -> None:
    scored = service.post("/v1/scores", json={"firm_id": FIRM_11}, headers=auth(keys["center11"]))
    before = len(audit_log(service))
    response = service.get(
        f"/v1/scores/{scored.json()['score_id']}", headers=auth(keys["center26"])
    )
    assert response.status_code == 403
    _says_nothing(response)
    assert [a.outcome for a in audit_log(service)[before:]] == ["forbidden"]


def test_centre_sees_only_its_own_region_in_the_list(
    service: TestClient, keys: dict[str, str]
) -> None:
    response = service.get("/v1/regions", headers=auth(keys["center26"]))
    assert [row["region"] for row in response.json()["regions"]] == ["26"]
    entry = audit_log(service)[-1]
    assert (entry.endpoint, entry.outcome, entry.subject_region) == ("GET /v1/regions", "ok", "26")


OK_READS = [
    ("GET", "/v1/regions", None, "GET /v1/regions"),
    ("GET", "/v1/regions/26/watchlist?capacity=3", None, "GET /v1/regions/{region}/watchlist"),
    ("GET", "/v1/regions/26/summary", None, "GET /v1/regions/{region}/summary"),
    ("GET", "/v1/regions/26/clusters", None, "GET /v1/regions/{region}/clusters"),
    ("GET", f"/v1/firms/{FIRM_26}/history", None, "GET /v1/firms/{firm_id}/history"),
    ("GET", f"/v1/firms/{FIRM_26}/visits", None, "GET /v1/firms/{firm_id}/visits"),
    ("POST", f"/v1/firms/{FIRM_26}/visits", VISIT, "POST /v1/firms/{firm_id}/visits"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "endpoint"),
    OK_READS,
    ids=[f"{m} {p.split('?')[0]}" for m, p, *_ in OK_READS],
)
def test_every_answer_is_audited_with_key_and_model(
    service: TestClient, keys: dict[str, str], method: str, path: str, body: Any, endpoint: str
) -> None:
    before = len(audit_log(service))
    response = _call(service, method, path, body, keys["admin"])
    assert response.status_code in (200, 201)
    added = audit_log(service)[before:]
    assert [(a.endpoint, a.outcome, a.role, a.model_version) for a in added] == [
        (endpoint, "ok", "admin", "1")
    ]


def test_watchlist_audit_names_the_listed_firms(service: TestClient, keys: dict[str, str]) -> None:
    listed = service.get("/v1/regions/26/watchlist?capacity=4", headers=auth(keys["analyst"]))
    firm_ids = [item["firm_id"] for item in listed.json()["items"]]
    entry = audit_log(service)[-1]
    assert json.loads(entry.firm_ids) == firm_ids and entry.subject_region == "26"


def test_unknown_region_is_404_and_audited(service: TestClient, keys: dict[str, str]) -> None:
    response = service.get("/v1/regions/99/summary", headers=auth(keys["analyst"]))
    assert response.status_code == 404
    assert audit_log(service)[-1].outcome == "not_found"


@pytest.fixture(scope="module")
def broken_audit(
    tmp_path_factory: pytest.TempPathFactory, panel: RawTables, loaded: LoadedModel
) -> Iterator[tuple[TestClient, str]]:
    """An app whose audit table vanished after start, so every audit write fails."""
    folder = tmp_path_factory.mktemp("broken")
    settings = Settings(database_url=f"sqlite:///{folder / 'service.db'}", models_dir=folder)
    app = create_app(settings, model=("1", loaded), tables=panel)
    with TestClient(app) as client:
        key = create_key(app.state.engine, "admin")
        with app.state.engine.begin() as connection:
            connection.execute(text("DROP TABLE audit_log"))
        yield client, key


@pytest.mark.parametrize(
    ("method", "path", "body", "endpoint"),
    OK_READS,
    ids=[f"{m} {p.split('?')[0]}" for m, p, *_ in OK_READS],
)
def test_no_audit_no_answer(
    broken_audit: tuple[TestClient, str], method: str, path: str, body: Any, endpoint: str
) -> None:
    client, key = broken_audit
    response = _call(client, method, path, body, key)
    assert response.status_code == 503
    assert set(response.json()) == {"detail"} and FIRM_26 not in response.text


def test_a_visit_whose_audit_fails_is_not_stored(broken_audit: tuple[TestClient, str]) -> None:
    client, key = broken_audit
    assert _call(client, "POST", f"/v1/firms/{FIRM_26}/visits", VISIT, key).status_code == 503
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        assert session.scalars(select(Visit)).all() == []


@pytest.fixture
def exported(
    service: TestClient, keys: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[CliRunner, Path]]:
    """`ews audit export` pointed at the shared service's database."""
    service.get("/v1/regions/26/summary", headers=auth(keys["center26"]))
    service.get("/v1/regions/11/summary", headers=auth(keys["center26"]))
    url = str(service.app.state.engine.url)  # type: ignore[attr-defined]
    monkeypatch.setenv("EWS_DATABASE_URL", url)
    get_settings.cache_clear()
    yield CliRunner(), tmp_path
    get_settings.cache_clear()


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_export_writes_the_log_for_an_inspector(
    service: TestClient, exported: tuple[CliRunner, Path], suffix: str
) -> None:
    from cli.main import app as ews

    runner, folder = exported
    out = folder / f"audit.{suffix}"
    result = runner.invoke(ews, ["audit", "export", "--since", "2000-01-01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text_ = out.read_text(encoding="utf-8")
    if suffix == "csv":
        rows = list(csv.DictReader(text_.splitlines()))
    else:
        rows = [json.loads(line) for line in text_.splitlines()]
    assert len(rows) == len(audit_log(service))
    last = rows[-1]
    assert (last["endpoint"], last["outcome"], last["subject_region"]) == (
        "GET /v1/regions/{region}/summary",
        "forbidden",
        "11",
    )
    assert last["key_prefix"].startswith("ews_") and last["role"] == "center"


def test_export_since_a_later_day_is_empty(
    service: TestClient, exported: tuple[CliRunner, Path]
) -> None:
    from cli.main import app as ews

    runner, _ = exported
    result = runner.invoke(ews, ["audit", "export", "--since", "2999-01-01", "--format", "jsonl"])
    assert result.exit_code == 0 and result.stdout == ""
    engine = service.app.state.engine  # type: ignore[attr-defined]
    assert list(audit_rows(engine, dt.datetime(2999, 1, 1, tzinfo=dt.UTC))) == []


def test_export_refuses_a_bad_date(exported: tuple[CliRunner, Path]) -> None:
    from cli.main import app as ews

    runner, _ = exported
    result = runner.invoke(ews, ["audit", "export", "--since", "yesterday"])
    assert result.exit_code == 2


def test_an_older_database_gains_the_new_audit_column(tmp_path: Path) -> None:
    from sqlalchemy import inspect

    from serving.store.engine import make_engine
    from serving.store.schema import create_schema

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at DATETIME, key_id INTEGER, "
                "role VARCHAR(16), region VARCHAR(2), endpoint VARCHAR(128), firm_ids TEXT, "
                "model_version VARCHAR(32), score_id VARCHAR(36), outcome VARCHAR(32))"
            )
        )
    create_schema(engine)
    create_schema(engine)  # a second start changes nothing
    columns = {column["name"] for column in inspect(engine).get_columns("audit_log")}
    assert "subject_region" in columns
    assert "visits" in inspect(engine).get_table_names()
    engine.dispose()
