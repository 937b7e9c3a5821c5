"""The national view page (``GET /v1/national`` as a table): every 시도's stage, expected
crises, employees at risk, capacity and list coverage, and its centre's months of casework.

Analysts and admins see every region; a centre, office or local-government key its own row;
partners get a 403 page. Audited as the API call is.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from core import clock
from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import SessionDep
from serving.deps import StateDep
from serving.domain import regions as risk
from serving.domain.national import MONTHS_MAX, national_view, settings_in
from serving.web.access import PageRoute, PageUser
from serving.web.render import page

router = APIRouter(prefix="/web", route_class=PageRoute)


@router.get("/national")
def national_page(
    request: Request, user: PageUser, db: SessionDep, state: StateDep, months: int = 6
) -> Response:
    snapshot, champion = state.current()
    key = user.key
    months = min(max(months, 1), MONTHS_MAX)
    subject = policy.confined_region(key)
    with attempt(db, key, "GET /web/national", (), champion.version, subject) as entry:
        entry.check(policy.read_national(key))
        settings = settings_in(request.app.state.settings.config_dir)
        codes = policy.listed_regions(key, risk.served_codes(snapshot))
        view = national_view(db, snapshot, champion, settings, codes, clock.seoul_today(), months)
    return page(request, "national.html", {"view": view}, user)
