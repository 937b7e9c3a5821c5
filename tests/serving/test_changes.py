"""This month's changes per centre (issue 13, item 4): ``GET /v1/regions/{region}/changes`` on a
monthly scores file as `ews monthly score` writes it — grade rises, new triggers, failed firms,
stale data; another centre refused (and audited); no file or no such month is a 404 that says
which command to run; the file is read once per version."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from features.tables import RawTables
from serving.access.keys import create_key
from serving.domain import changes
from serving.store.tables import AuditEntry
from tests.serving.changes_world import MonthIds, month_ids, write_month
from tests.serving.conftest import AppFactory
from tests.serving.support import TestClient, auth


@pytest.fixture
def ids(panel: RawTables) -> MonthIds:
    return month_ids(panel)


@pytest.fixture
def app(make_app: AppFactory) -> FastAPI:
    return make_app()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def _key(client: TestClient, role: str, region: str | None = None) -> str:
    return create_key(client.app.state.engine, role, region)  # type: ignore[attr-defined]


def _data_dir(client: TestClient) -> Path:
    return client.app.state.settings.data_dir  # type: ignore[attr-defined,no-any-return]


def test_a_centre_sees_its_rises_new_triggers_failures_and_stale_firms(
    client: TestClient, ids: MonthIds
) -> None:
    write_month(_data_dir(client), ids)
    response = client.get("/v1/regions/26/changes", headers=auth(_key(client, "center", "26")))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["month"] == "2026-11" and body["as_of"] == "2026-11-30"
    assert body["previous_as_of"] == "2026-10-31" and body["months"] == ["2026-11"]
    rise = {f["firm_id"]: f for f in body["grade_rises"]}
    assert list(rise) == [ids.rise]  # the 서울 firm's rise is not 부산's
    assert (rise[ids.rise]["previous_grade"], rise[ids.rise]["grade"]) == ("관심", "경계")
    assert rise[ids.rise]["grade_change"] == 2 and rise[ids.rise]["reasons_ko"] == [
        "부채비율이 높음"
    ]
    assert rise[ids.rise]["name"]  # named from the served tables
    triggers = {f["firm_id"]: f for f in body["new_triggers"]}
    assert triggers[ids.trigger]["new_triggers"] == ["social_insurance_arrears"]
    # a firm the stored tables do not hold (leading zeros, a letter): listed, without a name
    assert triggers[ids.unknown]["new_triggers"] == ["loan_delinquency_30", "tax_arrears"]
    assert triggers[ids.unknown]["name"] is None
    assert list(triggers) == [ids.unknown, ids.trigger]  # highest PD first
    [failed] = body["failed"]
    assert failed["firm_id"] == ids.failed and failed["failed_on"] == "2026-11-12"
    assert failed["failure_event"] == "dishonored_bill" and failed["pd"] is None
    assert failed["previous_grade"] == "주의"
    [stale] = body["became_stale"]
    assert stale["firm_id"] == ids.stale and stale["statement_period_end"] == "2025-04-30"
    assert body["firms_scored"] == 6 and body["source"] == "scores-2026-11-30.parquet"
    counts = {"grade_rises": 1, "new_triggers": 2, "failed": 1, "became_stale": 1}
    assert body["counts"] == counts and body["limit"] == 200


def test_long_lists_are_cut_to_the_limit_and_counted_in_all(
    client: TestClient, ids: MonthIds
) -> None:
    write_month(_data_dir(client), ids)
    key = _key(client, "center", "26")
    body = client.get("/v1/regions/26/changes?limit=1", headers=auth(key)).json()
    assert [f["firm_id"] for f in body["new_triggers"]] == [ids.unknown]
    assert body["counts"]["new_triggers"] == 2
    too_many = client.get("/v1/regions/26/changes?limit=0", headers=auth(key))
    assert too_many.status_code == 422 and too_many.json()["detail"][0]["loc"] == ["query", "limit"]


def test_another_centre_is_refused_and_audited(client: TestClient, ids: MonthIds) -> None:
    write_month(_data_dir(client), ids)
    response = client.get("/v1/regions/11/changes", headers=auth(_key(client, "center", "26")))
    assert response.status_code == 403
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.endpoint == "GET /v1/regions/{region}/changes")
        ).all()
    assert [(r.outcome, r.subject_region) for r in rows] == [("forbidden", "11")]


def test_firms_without_a_region_are_the_analysts_under_00(
    client: TestClient, ids: MonthIds
) -> None:
    write_month(_data_dir(client), ids)
    analyst = _key(client, "analyst")
    body = client.get("/v1/regions/00/changes", headers=auth(analyst)).json()
    assert [f["firm_id"] for f in body["new_triggers"]] == [ids.no_region]
    assert body["new_triggers"][0]["new_triggers"] == ["wage_arrears"]
    refused = client.get("/v1/regions/00/changes", headers=auth(_key(client, "center", "26")))
    assert refused.status_code == 403


def test_no_monthly_scores_is_a_404_naming_the_command(client: TestClient) -> None:
    key = _key(client, "center", "26")
    response = client.get("/v1/regions/26/changes", headers=auth(key))
    assert response.status_code == 404
    assert "ews monthly score --as-of" in response.json()["detail"]


def test_a_month_without_scores_lists_those_held_and_a_bad_month_names_the_field(
    client: TestClient, ids: MonthIds
) -> None:
    write_month(_data_dir(client), ids)
    write_month(_data_dir(client), ids, pd.Timestamp("2026-10-31"))
    key = _key(client, "center", "26")
    missing = client.get("/v1/regions/26/changes?month=2026-09", headers=auth(key))
    assert missing.status_code == 404
    assert "2026-09" in missing.json()["detail"] and "2026-11, 2026-10" in missing.json()["detail"]
    chosen = client.get("/v1/regions/26/changes?month=2026-10", headers=auth(key)).json()
    assert chosen["as_of"] == "2026-10-31" and chosen["months"] == ["2026-11", "2026-10"]
    bad = client.get("/v1/regions/26/changes?month=2026-13", headers=auth(key))
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "month"]


def test_a_half_written_file_is_never_read(tmp_path: Path, ids: MonthIds) -> None:
    path = write_month(tmp_path, ids)
    path.rename(path.with_name(path.name + ".partial"))
    assert changes.monthly_files(tmp_path) == {}


def test_each_file_is_read_once_per_version(tmp_path: Path, ids: MonthIds) -> None:
    path = write_month(tmp_path, ids)
    first = changes.read_month(tmp_path).rows
    assert changes.read_month(tmp_path).rows is first
    assert ids.steady not in set(first["firm_id"])  # only rows some list shows are kept
    rows = pd.read_parquet(path).iloc[:3]
    rows.to_parquet(path, index=False)  # `ews monthly score` run again: a new version
    again = changes.read_month(tmp_path)
    assert again.rows is not first and len(again.rows) == 3
    assert again.file.scored == {"26": 3}
