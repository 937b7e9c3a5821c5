"""This month's changes per centre ("이번 달 변화"): ``GET /v1/regions/{region}/changes``.

Read under the region rule (``policy.read_region``: a centre its own 시도, analysts and admins
every one and "00"), audited granted or refused. Without monthly scores the answer is 404 with
the command that makes them (``ews monthly score``), never 500.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import CurrentKey, SessionDep
from serving.deps import StateDep
from serving.domain import changes
from serving.openapi import KEYED, errors
from serving.schemas.changes import ChangesOut

router = APIRouter(prefix="/v1", tags=["regions"], responses=errors(*KEYED))
Month = Annotated[
    str | None,
    Query(
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="A month with monthly scores (YYYY-MM); the newest when left out",
    ),
]


@router.get(
    "/regions/{region}/changes",
    response_model=ChangesOut,
    summary="This month's changes in a region: grade rises, new triggers, failures, stale data",
    responses=errors(403, 404),
)
def region_changes(
    request: Request,
    region: str,
    key: CurrentKey,
    session: SessionDep,
    state: StateDep,
    month: Month = None,
    limit: Annotated[
        int, Query(ge=1, le=changes.MAX_LIMIT, description="Firms shown per list")
    ] = changes.LIMIT,
) -> ChangesOut:
    """The region's firms whose grade rose since the previous month-end, that got a new arrears
    or 30-day delinquency event, that failed (first default-type event) or whose data became
    too old for a grade, from the month's monthly scores file."""
    snapshot, champion = state.current()
    endpoint = "GET /v1/regions/{region}/changes"
    with attempt(session, key, endpoint, (), champion.version, region) as entry:
        entry.check(policy.read_region(key, region))
        scores = changes.read_month(request.app.state.settings.data_dir, month)
        names = changes.snapshot_names(snapshot)
        found = changes.region_changes(scores, region, names, limit)
        shown = (*found.grade_rises, *found.new_triggers, *found.failed, *found.became_stale)
        entry.firm_ids = [firm_id for firm_id in dict.fromkeys(f.firm_id for f in shown)]
        return found
