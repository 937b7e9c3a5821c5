"""A firm's score history over the stored as-of dates, and its visit outcomes.

Every read and every recorded visit is audited before the response; refused attempts too.
Centre keys reach only their own 시도's firms; only the firm's own centre and admins record
visits (analysts read). A recorded call or visit moves the firm's case (its last contact, and
미접촉 or 연락 forward) in the same transaction as the visit and its audit row.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status
from pydantic import BeforeValidator

from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import CurrentKey, SessionDep
from serving.deps import StateDep
from serving.domain import cases
from serving.domain.history import firm_history
from serving.domain.visits import firm_visits, new_visit, recorded, recorder
from serving.openapi import KEYED, errors
from serving.schemas import FIRM_ID_DESCRIPTION, FIRM_ID_PATTERN, normalise_firm_id
from serving.schemas.firms import FirmHistoryOut, VisitIn, VisitOut

router = APIRouter(prefix="/v1", tags=["firms"], responses=errors(*KEYED, 403, 404))
FirmPath = Annotated[
    str,
    BeforeValidator(normalise_firm_id),
    Path(pattern=FIRM_ID_PATTERN, description=FIRM_ID_DESCRIPTION),
]


@router.get(
    "/firms/{firm_id}/history",
    response_model=FirmHistoryOut,
    summary="A firm's PD and grade at every stored as-of date",
)
def history(
    firm_id: FirmPath, key: CurrentKey, session: SessionDep, state: StateDep
) -> FirmHistoryOut:
    """Scored by the current model on each date's data, with the reasons that changed most."""
    endpoint = "GET /v1/firms/{firm_id}/history"
    snapshot, champion = state.current()
    region = snapshot.regions.get(firm_id)
    with attempt(session, key, endpoint, [firm_id], champion.version, region) as entry:
        entry.check(policy.read_firm(key, firm_id, region))
        return firm_history(snapshot, champion, firm_id)


@router.get(
    "/firms/{firm_id}/visits",
    response_model=list[VisitOut],
    summary="A firm's visit outcomes, newest first",
)
def list_visits(
    firm_id: FirmPath, key: CurrentKey, session: SessionDep, state: StateDep
) -> list[VisitOut]:
    """Visits recorded through the service and those imported with the raw data."""
    endpoint = "GET /v1/firms/{firm_id}/visits"
    snapshot, champion = state.current()
    region = snapshot.regions.get(firm_id)
    with attempt(session, key, endpoint, [firm_id], champion.version, region) as entry:
        entry.check(policy.read_firm(key, firm_id, region))
        return firm_visits(session, snapshot, firm_id)


@router.post(
    "/firms/{firm_id}/visits",
    response_model=VisitOut,
    status_code=status.HTTP_201_CREATED,
    summary="Record a visit outcome",
    responses=errors(413),
)
def record_visit(
    firm_id: FirmPath, body: VisitIn, key: CurrentKey, session: SessionDep, state: StateDep
) -> VisitOut:
    """Only the firm's own centre and admins may record; the visit, the case's change and the
    audit row commit together before the response."""
    endpoint = "POST /v1/firms/{firm_id}/visits"
    snapshot, champion = state.current()
    region = snapshot.regions.get(firm_id)
    with attempt(session, key, endpoint, [firm_id], champion.version, region) as entry:
        entry.check(policy.record_visit(key, firm_id, region))
        assert region is not None  # record_visit refuses an unknown firm
        visit = new_visit(firm_id, region, body, key)
        work = cases.start(session, firm_id, region)
        cases.record_contact(work, body.contact_type, body.visited_on, cases.Actor.of(key))
        entry.rows.extend([visit, *cases.written(session, work)])
    return recorded(visit, recorder(session, key))
