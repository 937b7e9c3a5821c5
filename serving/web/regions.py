"""The region page and (for analysts) all regions side by side (the watch list is
``serving.web.watchlist``).

Each page calls the service functions of ``/v1/regions…`` (``serving.domain.watchlist``,
``serving.domain.regions``) under the same rules: an unknown 시도 is a 404, another centre's
region a 403, and every read or refusal is audited with the region it asked about.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from fastapi.routing import APIRouter

from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import SessionDep
from serving.deps import StateDep
from serving.domain import regions as risk
from serving.domain.region_settings import settings_or_built_in
from serving.web import figures
from serving.web.access import PageRoute, PageUser
from serving.web.render import language, page

router = APIRouter(prefix="/web", route_class=PageRoute)


@router.get("/regions")
def regions_page(request: Request, user: PageUser, db: SessionDep, state: StateDep) -> Response:
    """All 17 시도 side by side (a centre key sees its own, as ``GET /v1/regions``)."""
    snapshot, champion = state.current()
    key = user.key
    with attempt(db, key, "GET /web/regions", (), champion.version, policy.confined_region(key)):
        codes = policy.listed_regions(key, risk.served_codes(snapshot))
        settings = settings_or_built_in(request.app.state.settings.config_dir)
        overview = risk.regions_overview(
            snapshot, champion, codes, lambda r: settings.of(r).stage_rule
        )
    return page(request, "regions.html", {"overview": overview}, user)


@router.get("/regions/{region}")
def region_page(
    request: Request, region: str, user: PageUser, db: SessionDep, state: StateDep
) -> Response:
    """Grade distribution, trend, indicators, drivers and clusters of one 시도."""
    endpoint = "GET /web/regions/{region}"
    snapshot, champion = state.current()
    with attempt(db, user.key, endpoint, (), champion.version, region) as entry:
        entry.check(policy.read_region_figures(user.key, region))
        rule = settings_or_built_in(request.app.state.settings.config_dir).of(region).stage_rule
        summary = risk.region_summary(snapshot, champion, region, rule)
        clusters = risk.cluster_summaries(snapshot, champion, region, rule)
    lang = language(request)
    context = {
        "region": region,
        "summary": summary,
        "clusters": clusters,
        "grade_chart": figures.grade_chart(summary.figures, lang),
        "trend_chart": figures.trend_chart(snapshot, champion, region, lang),
        "driver_chart": figures.driver_chart(summary.drivers, lang),
        "indicators": figures.indicator_rows(summary.indicators, lang),
    }
    return page(request, "region.html", context, user)
