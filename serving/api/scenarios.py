"""Stress scenarios: run one, list the scenario files and kept runs, read a kept run.

A run over one region follows the region rule; a national run (no region) needs an analyst or
admin key (``policy.run_scenario``). Every call is audited, refused ones too, and a run is kept
(``scenario_runs``) in the same transaction as its audit row.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import CurrentKey, SessionDep
from serving.deps import StateDep
from serving.domain import scenarios
from serving.errors import UnknownFirm
from serving.openapi import KEYED, errors
from serving.schemas.scenarios import ScenarioResultOut, ScenarioRunIn, ScenariosOut

router = APIRouter(prefix="/v1", tags=["scenarios"], responses=errors(*KEYED))
RunId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[0-9a-f-]+$")]


@router.post(
    "/scenarios/run",
    response_model=ScenarioResultOut,
    summary="Run a stress scenario on the stored firms with the champion",
    responses=errors(403, 404, 413, 422),
)
def run_scenario(
    body: ScenarioRunIn, request: Request, key: CurrentKey, session: SessionDep, state: StateDep
) -> ScenarioResultOut:
    """Shock each hit firm's latest statement, rebuild its features, score it, and sum the
    change in expected crises (Σ PD), employees and payroll at risk and grade crossings by
    region, KSIC division, 시군구 and cluster (docs/scenarios.md)."""
    snapshot, champion = state.current()
    endpoint = "POST /v1/scenarios/run"
    with attempt(session, key, endpoint, (), champion.version, body.region) as entry:
        entry.check(policy.run_scenario(key, body.region))
        scenario = scenarios.requested(body, request.app.state.settings.config_dir)
        out, row = scenarios.run_scenario(snapshot, champion, scenario, body.region, key)
        entry.rows.append(row)
        return out


@router.get("/scenarios", response_model=ScenariosOut, summary="Scenario files and kept runs")
def list_scenarios(
    request: Request, key: CurrentKey, session: SessionDep, state: StateDep
) -> ScenariosOut:
    """The files in config/scenarios (and any that cannot be read, with the field at fault) and
    the kept runs this key may read, newest first."""
    _, champion = state.current()
    subject = policy.confined_region(key)
    with attempt(session, key, "GET /v1/scenarios", (), champion.version, subject):
        config_dir = request.app.state.settings.config_dir
        return scenarios.listing(
            session, config_dir, lambda region: policy.run_scenario(key, region) is None
        )


@router.get(
    "/scenarios/runs/{run_id}",
    response_model=ScenarioResultOut,
    summary="A kept scenario run",
    responses=errors(403, 404),
)
def read_run(run_id: RunId, key: CurrentKey, session: SessionDep) -> ScenarioResultOut:
    """A run as it was kept; readable by the keys that may run it over its region."""
    found = scenarios.stored_run(session, run_id)
    region = found[1] if found is not None else None
    endpoint = "GET /v1/scenarios/runs/{run_id}"
    with attempt(session, key, endpoint, (), None, region) as entry:
        if found is None:
            raise UnknownFirm(f"no scenario run with run_id {run_id}")
        entry.model_version = found[0].model_version
        entry.check(policy.run_scenario(key, region))
        return found[0]
