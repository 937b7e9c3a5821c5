"""Cases: each watch-listed firm's stage, owner and follow-up, and their changes.

Reading follows the firm and region rules (analysts read every region's cases); changing a case
is the firm's own centre's and admins' (``policy.change_case``). Every read and change, and
every refusal, is audited; a change's case row and events commit with its audit row.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from core import clock
from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import CurrentKey, SessionDep
from serving.api.firms import FirmPath
from serving.deps import StateDep
from serving.domain import cases
from serving.openapi import KEYED, errors
from serving.schemas.cases import USER_ID_MAX, CaseChangeIn, CaseOut, CasesOut

router = APIRouter(prefix="/v1", tags=["cases"], responses=errors(*KEYED, 403, 404))


@router.get("/firms/{firm_id}/case", response_model=CaseOut, summary="A firm's case and its log")
def read_case(firm_id: FirmPath, key: CurrentKey, session: SessionDep, state: StateDep) -> CaseOut:
    """미접촉 with no events for a firm nobody has worked on yet."""
    endpoint = "GET /v1/firms/{firm_id}/case"
    snapshot, champion = state.current()
    region = snapshot.regions.get(firm_id)
    with attempt(session, key, endpoint, [firm_id], champion.version, region) as entry:
        entry.check(policy.read_firm(key, firm_id, region))
        assert region is not None  # read_firm refuses an unknown firm
        return cases.firm_case(session, firm_id, region, clock.seoul_today())


@router.patch(
    "/firms/{firm_id}/case",
    response_model=CaseOut,
    summary="Change a firm's case: stage, owner, next follow-up date, note",
    responses=errors(413, 422),
)
def change_case(
    firm_id: FirmPath, body: CaseChangeIn, key: CurrentKey, session: SessionDep, state: StateDep
) -> CaseOut:
    """Fields left out stay as they are; each change is kept as an event (from → to, who,
    when). A stage move that the case's rule does not allow, or an owner who is not on the
    firm's centre's staff, is a 422 naming the field."""
    endpoint = "PATCH /v1/firms/{firm_id}/case"
    snapshot, champion = state.current()
    region = snapshot.regions.get(firm_id)
    with attempt(session, key, endpoint, [firm_id], champion.version, region) as entry:
        entry.check(policy.change_case(key, firm_id, region))
        assert region is not None  # change_case refuses an unknown firm
        work = cases.start(session, firm_id, region)
        cases.change(session, work, body, cases.Actor.of(key), region)
        entry.rows.extend(cases.written(session, work))
    return cases.firm_case(session, firm_id, region, clock.seoul_today())


@router.get(
    "/regions/{region}/cases",
    response_model=CasesOut,
    summary="A centre's open cases, the soonest follow-up first, and each person's load",
    responses=errors(404),
)
def region_cases(
    region: str,
    key: CurrentKey,
    session: SessionDep,
    state: StateDep,
    assignee: Annotated[
        int | None, Query(ge=1, le=USER_ID_MAX, description="Only this users.id's cases")
    ] = None,
    overdue: Annotated[bool, Query(description="Only cases whose follow-up date passed")] = False,
) -> CasesOut:
    """Cases not 종결; a firm with no case row (미접촉, nobody on it) is on the watch list,
    not here."""
    endpoint = "GET /v1/regions/{region}/cases"
    _, champion = state.current()
    with attempt(session, key, endpoint, (), champion.version, region) as entry:
        entry.check(policy.read_region(key, region))
        out = cases.open_cases(session, region, clock.seoul_today(), assignee, overdue)
        entry.firm_ids = [item.firm_id for item in out.items]
        return out
