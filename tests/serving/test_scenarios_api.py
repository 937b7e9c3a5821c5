"""The scenario API: a run is kept and audited, a centre runs only its own region, a bad spec
is a 422 naming the field, kept runs are read by the keys that may run them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.bundle import LoadedModel
from core.ksic import DIVISIONS
from core.settings import Settings
from features.tables import RawTables
from serving.access.keys import create_key
from serving.app import create_app
from serving.store.tables import AuditEntry, ScenarioRun
from tests.serving.support import TestClient, auth

ROOT = Path(__file__).resolve().parents[2]
RUN = "/v1/scenarios/run"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, panel: RawTables, loaded: LoadedModel) -> FastAPI:
    """An app whose scenario folder holds the shipped files and one broken file."""
    folder = tmp_path_factory.mktemp("scenarios-api")
    shutil.copytree(ROOT / "config" / "scenarios", folder / "config" / "scenarios")
    broken = "name: broken\ntitle_ko: 깨짐\ntitle_en: broken\nshocks:\n  - type: revenue\n"
    (folder / "config" / "scenarios" / "broken.yaml").write_text(broken + "    pct: -300\n")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'service.db'}",
        models_dir=folder,
        config_dir=folder / "config",
    )
    return create_app(settings, model=("1", loaded), tables=panel)


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def keys(client: TestClient, app: FastAPI) -> dict[str, str]:
    engine = app.state.engine
    return {
        "center26": create_key(engine, "center", "26"),
        "center11": create_key(engine, "center", "11"),
        "analyst": create_key(engine, "analyst"),
    }


def _audit(app: FastAPI, endpoint: str) -> list[AuditEntry]:
    with Session(app.state.engine) as session:
        query = select(AuditEntry).where(AuditEntry.endpoint == endpoint).order_by(AuditEntry.id)
        return list(session.scalars(query))


def test_a_run_is_kept_and_audited(client: TestClient, app: FastAPI, keys: dict[str, str]) -> None:
    before = len(_audit(app, "POST /v1/scenarios/run"))
    answer = client.post(RUN, json={"scenario": "rate_200bp"}, headers=auth(keys["analyst"]))
    assert answer.status_code == 200, answer.text
    run = answer.json()
    assert run["name"] == "rate_200bp" and run["region"] is None
    totals = run["totals"]
    assert totals["hit"] > 0 and totals["expected_crises_delta"] > 0
    assert {row["key"] for row in run["by_region"]} == {"26", "11"}
    assert {row["name_ko"] for row in run["by_region"]} == {"부산", "서울"}
    assert sum(row["firms"] for row in run["by_industry"]) == totals["firms"]
    named = [row for row in run["by_industry"] if row["key"] in DIVISIONS]
    assert named and all(row["name_ko"] == DIVISIONS[row["key"]][0] for row in named)
    assert run["shocks"] == [{"type": "interest_rate", "hit": totals["hit"], "unpriced": 0}]
    audited = _audit(app, "POST /v1/scenarios/run")[before:]
    assert [(a.outcome, a.role, a.subject_region) for a in audited] == [("ok", "analyst", None)]
    with Session(app.state.engine) as session:
        kept = session.get(ScenarioRun, run["run_id"])
        assert kept is not None and kept.name == "rate_200bp" and kept.firms == totals["firms"]
        assert kept.model_version == "1" and kept.key_id == audited[0].key_id
    again = client.get(f"/v1/scenarios/runs/{run['run_id']}", headers=auth(keys["analyst"]))
    assert again.status_code == 200 and again.json() == run


def test_a_centre_runs_its_own_region_only(
    client: TestClient, app: FastAPI, keys: dict[str, str]
) -> None:
    centre = auth(keys["center26"])
    for body in ({"scenario": "rate_100bp"}, {"scenario": "rate_100bp", "region": "11"}):
        refused = client.post(RUN, json=body, headers=centre)
        assert refused.status_code == 403, body
    outcomes = [(a.outcome, a.subject_region) for a in _audit(app, "POST /v1/scenarios/run")]
    assert ("forbidden", None) in outcomes and ("forbidden", "11") in outcomes
    own = client.post(RUN, json={"scenario": "rate_100bp", "region": "26"}, headers=centre)
    assert own.status_code == 200, own.text
    run = own.json()
    assert [row["key"] for row in run["by_region"]] == ["26"]
    # The run is the centre's to read again; another centre's key and the listing say so.
    path = f"/v1/scenarios/runs/{run['run_id']}"
    assert client.get(path, headers=centre).status_code == 200
    assert client.get(path, headers=auth(keys["center11"])).status_code == 403
    listed = client.get("/v1/scenarios", headers=auth(keys["center11"])).json()
    assert run["run_id"] not in {r["run_id"] for r in listed["runs"]}
    mine = client.get("/v1/scenarios", headers=centre).json()["runs"]
    assert run["run_id"] in {r["run_id"] for r in mine}
    assert all(r["region"] == "26" for r in mine)  # no national run is shown to a centre


def test_a_centre_cannot_read_a_national_run(client: TestClient, keys: dict[str, str]) -> None:
    national = client.post(RUN, json={"scenario": "energy_30pct"}, headers=auth(keys["analyst"]))
    assert national.status_code == 200, national.text
    path = f"/v1/scenarios/runs/{national.json()['run_id']}"
    assert client.get(path, headers=auth(keys["center26"])).status_code == 403
    assert (
        client.get("/v1/scenarios/runs/0000-dead", headers=auth(keys["analyst"])).status_code == 404
    )


def test_a_written_spec_runs_and_a_bad_one_names_its_field(
    client: TestClient, keys: dict[str, str]
) -> None:
    spec = {
        "name": "own",
        "title_ko": "부산 음식점 매출 -20%",
        "title_en": "Busan restaurants -20 %",
        "shocks": [{"type": "revenue", "pct": -20, "scope": {"divisions": ["56"]}}],
    }
    centre = auth(keys["center26"])
    ran = client.post(RUN, json={"spec": spec, "region": "26"}, headers=centre)
    assert ran.status_code == 200, ran.text
    hit = {row["key"]: row["hit"] for row in ran.json()["by_industry"]}
    assert hit["56"] > 0 and hit["25"] == 0
    bad = {**spec, "shocks": [{"type": "interest_rate", "bp": 9000}]}
    answer = client.post(RUN, json={"spec": bad, "region": "26"}, headers=centre)
    assert answer.status_code == 422
    (problem,) = answer.json()["detail"]
    assert problem["loc"][:4] == ["body", "spec", "shocks", 0] and problem["loc"][-1] == "bp"
    both = client.post(RUN, json={"spec": spec, "scenario": "rate_100bp"}, headers=centre)
    assert both.status_code == 422
    unknown = client.post(RUN, json={"scenario": "rate_999bp", "region": "26"}, headers=centre)
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "scenario"]
    assert "no such scenario" in unknown.json()["detail"][0]["msg"]


def test_a_broken_file_is_listed_with_its_field_and_refused_as_422(
    client: TestClient, keys: dict[str, str]
) -> None:
    listed = client.get("/v1/scenarios", headers=auth(keys["analyst"]))
    assert listed.status_code == 200
    body = listed.json()
    assert "rate_200bp.yaml" in {f["file"] for f in body["files"]}
    assert body["problems"] == [
        {
            "file": "broken.yaml",
            "field": "shocks.0.pct",
            "message": "Input should be greater than or equal to -100",
        }
    ]
    answer = client.post(RUN, json={"scenario": "broken"}, headers=auth(keys["analyst"]))
    assert answer.status_code == 422
    problem = answer.json()["detail"][0]
    assert problem["loc"] == ["body", "scenario", "shocks.0.pct"]
    assert "broken.yaml" in problem["msg"]
