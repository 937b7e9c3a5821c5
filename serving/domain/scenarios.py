"""Stress scenarios in the service: run one on the snapshot with the champion, keep it, list
and read kept runs.

A run is measured against the service's own baseline (the snapshot's features and market
context, the champion's PDs at the latest as-of date), so its "before" figures are those the
region pages show. The run and its result are one ``ScenarioRun`` row, committed with the
call's audit row (``serving.access.audit.attempt``'s rows). Who may read a kept run follows the
rule that allowed running it (``policy.run_scenario`` on the run's region).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.ksic import DIVISIONS
from scoring import stress
from scoring.stress.spec import Scenario, ScenarioError, find_scenario, load_scenario
from scoring.stress.spec import scenario_files as files_in
from serving.domain.region_codes import cluster_name, district_name, region_names
from serving.domain.state import Champion, Snapshot
from serving.errors import InvalidSubmission
from serving.schemas.scenarios import (
    Crossing,
    GroupRow,
    ScenarioFileOut,
    ScenarioFileProblem,
    ScenarioResultOut,
    ScenarioRunIn,
    ScenarioRunListed,
    ScenariosOut,
    ShockReach,
)
from serving.store.tables import ApiKey, ScenarioRun

SCENARIO_FOLDER: Final = "scenarios"  # under the settings' config_dir
LISTED_RUNS: Final = 200


def scenario_folder(config_dir: Path) -> Path:
    return config_dir / SCENARIO_FOLDER


def requested(body: ScenarioRunIn, config_dir: Path) -> Scenario:
    """The scenario a request names (a file) or writes (its spec); a file that cannot be read
    is a 422 naming the request's field and the file's."""
    if body.spec is not None:
        return body.spec
    assert body.scenario is not None  # the request model requires one of the two
    try:
        return load_scenario(find_scenario(scenario_folder(config_dir), body.scenario))
    except ScenarioError as error:
        where = ["body", "scenario", *([error.field] if error.field else [])]
        raise InvalidSubmission(tuple(where), str(error)) from None


def baseline_of(snapshot: Snapshot, champion: Champion) -> stress.Baseline:
    """The service's own as-filed figures as a scenario's baseline (nothing recomputed)."""
    latest = champion.latest
    return stress.Baseline(
        snapshot.tables,
        snapshot.as_of,
        snapshot.features,
        snapshot.context,
        latest.pd,
        latest.grade,
        latest.standing.rated,
    )


def run_scenario(
    snapshot: Snapshot, champion: Champion, scenario: Scenario, region: str | None, key: ApiKey
) -> tuple[ScenarioResultOut, ScenarioRun]:
    """Run ``scenario`` over ``region`` (None: every region); the result and its row to keep."""
    base = baseline_of(snapshot, champion)
    result = stress.run(base, champion.model, scenario, region, snapshot.stale_after_months)
    out = result_out(result, str(uuid.uuid4()), champion.version, dt.datetime.now(dt.UTC))
    row = ScenarioRun(
        run_id=out.run_id,
        name=scenario.name,
        spec=json.dumps({"scenario": out.spec, "region": region}, ensure_ascii=False),
        as_of=out.as_of,
        model_version=out.model_version,
        firms=out.totals.firms,
        key_id=key.id,
        user_id=key.user_id,
        created_at=out.created_at,
        result=out.model_dump_json(),
    )
    return out, row


def result_out(
    result: stress.StressResult, run_id: str, model_version: str, created_at: dt.datetime
) -> ScenarioResultOut:
    scenario = result.scenario
    tables = {by: [_group(by, row) for row in _records(result.table(by))] for by in stress.GROUPS}
    totals = GroupRow(key="", **result.totals())  # type: ignore[arg-type]
    return ScenarioResultOut(
        run_id=run_id,
        name=scenario.name,
        title_ko=scenario.title_ko,
        title_en=scenario.title_en,
        region=result.region,
        as_of=result.as_of.date(),
        model_version=model_version,
        created_at=created_at,
        spec=scenario.model_dump(mode="json"),
        totals=totals,
        by_region=tables["region"],
        by_industry=tables["industry"],
        by_district=tables["district"],
        by_cluster=tables["cluster"],
        crossings=_crossings(result.crossings()),
        shocks=[ShockReach(type=c.type, hit=c.hit, unpriced=c.unpriced) for c in result.counts],
    )


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return table.to_dict(orient="records")  # type: ignore[return-value]


def _group(by: str, row: dict[str, Any]) -> GroupRow:
    key = str(row.pop(by))
    names: tuple[str | None, str | None] = (None, None)
    if by == "region":
        names = region_names(key)
    elif by == "district":
        names = (district_name(key), None)
    elif by == "cluster":
        names = (cluster_name(key), cluster_name(key, "en"))
    elif by == "industry" and key in DIVISIONS:
        names = DIVISIONS[key]
    return GroupRow(key=key, name_ko=names[0], name_en=names[1], **row)


def _crossings(table: pd.DataFrame) -> list[Crossing]:
    return [
        Crossing(from_grade=str(before), to_grade=str(after), firms=int(n))
        for before, row in table.iterrows()
        for after, n in row.items()
        if n and before != after
    ]


def scenario_files(config_dir: Path) -> tuple[list[ScenarioFileOut], list[ScenarioFileProblem]]:
    """The readable scenario files and, apart, the ones that cannot be read (file, field)."""
    found, problems = [], []
    for path in files_in(scenario_folder(config_dir)):
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            problems.append(
                ScenarioFileProblem(file=path.name, field=error.field, message=error.message)
            )
            continue
        found.append(
            ScenarioFileOut(
                file=path.name,
                name=scenario.name,
                title_ko=scenario.title_ko,
                title_en=scenario.title_en,
                description_ko=scenario.description_ko,
                description_en=scenario.description_en,
                shock_types=[shock.type for shock in scenario.shocks],
            )
        )
    return found, problems


def run_region(row: ScenarioRun) -> str | None:
    """The region a kept run was run over (None: every region)."""
    region = json.loads(row.spec).get("region")
    return region if isinstance(region, str) else None


def stored_runs(
    session: Session, readable: Callable[[str | None], bool]
) -> list[ScenarioRunListed]:
    """Kept runs whose region ``readable`` allows, newest first."""
    with session.begin():
        rows = session.scalars(
            select(ScenarioRun).order_by(ScenarioRun.created_at.desc()).limit(LISTED_RUNS)
        ).all()
        listed = []
        for row in rows:
            if not readable(run_region(row)):
                continue
            result = ScenarioResultOut.model_validate_json(row.result)
            listed.append(
                ScenarioRunListed(
                    run_id=row.run_id,
                    name=row.name,
                    title_ko=result.title_ko,
                    title_en=result.title_en,
                    region=result.region,
                    as_of=row.as_of,
                    model_version=row.model_version,
                    created_at=result.created_at,
                    firms=row.firms,
                    expected_crises_delta=result.totals.expected_crises_delta,
                    employees_at_risk_delta=result.totals.employees_at_risk_delta,
                )
            )
        return listed


def stored_run(session: Session, run_id: str) -> tuple[ScenarioResultOut, str | None] | None:
    """A kept run's result and region; None when there is no such run."""
    with session.begin():
        row = session.get(ScenarioRun, run_id)
        if row is None:
            return None
        return ScenarioResultOut.model_validate_json(row.result), run_region(row)


def listing(
    session: Session, config_dir: Path, readable: Callable[[str | None], bool]
) -> ScenariosOut:
    files, problems = scenario_files(config_dir)
    return ScenariosOut(files=files, runs=stored_runs(session, readable), problems=problems)
