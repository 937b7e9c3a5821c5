"""The national view (GET /v1/national): every 시도's risk and its centre's work per month.

Analysts and admins read every region; a centre, office (지방중소벤처기업청) or local-government
key reads its own 시도's row; partner keys are refused. Audited like every read.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request

from core import clock
from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import CurrentKey, SessionDep
from serving.deps import StateDep
from serving.domain import regions as risk
from serving.domain.national import MONTHS_MAX, national_view, settings_in
from serving.openapi import KEYED, errors
from serving.schemas.national import NationalOut

router = APIRouter(prefix="/v1", tags=["national"], responses=errors(*KEYED, 403))


@router.get(
    "/national",
    response_model=NationalOut,
    summary="Every region's stage, expected crises and casework per month",
)
def national(
    request: Request,
    key: CurrentKey,
    session: SessionDep,
    state: StateDep,
    months: Annotated[
        int, Query(ge=1, le=MONTHS_MAX, description="How many calendar months to count")
    ] = 6,
    until: Annotated[
        dt.date | None, Query(description="The last month counted (default: this month, Korea)")
    ] = None,
) -> NationalOut:
    """Stage by each region's own thresholds (config/regions.yaml), employees at risk (Σ PD ×
    employees), cases opened and closed, visits, referrals and partners' answers per month,
    and the share of expected crises a watch list of the region's capacity covers."""
    snapshot, champion = state.current()
    subject = policy.confined_region(key)
    with attempt(session, key, "GET /v1/national", (), champion.version, subject) as entry:
        entry.check(policy.read_national(key))
        settings = settings_in(request.app.state.settings.config_dir)
        codes = policy.listed_regions(key, risk.served_codes(snapshot))
        day = until or clock.seoul_today()
        return national_view(session, snapshot, champion, settings, codes, day, months)
