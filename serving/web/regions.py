"""The region's watch list, the region page and (for analysts) all regions side by side.

Each page calls the service functions of ``/v1/regions…`` (``serving.domain.watchlist``,
``serving.domain.regions``) under the same rules: an unknown 시도 is a 404, another centre's
region a 403, and every read or refusal is audited with the region it asked about.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from fastapi import Request
from fastapi.responses import Response
from fastapi.routing import APIRouter

from scoring.watchlist import DEFAULT_CAPACITY, MAX_CAPACITY, WatchQuery
from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import SessionDep
from serving.deps import StateDep
from serving.domain import regions as risk
from serving.domain.region_codes import is_region
from serving.domain.state import Snapshot
from serving.domain.watchlist import watchlist
from serving.web import figures, ksic
from serving.web.access import PageRoute, PageUser
from serving.web.i18n import GRADE_CHOICES
from serving.web.render import language, page

router = APIRouter(prefix="/web", route_class=PageRoute)
_KSIC: Final = re.compile(r"\d{2,5}")
_DISTRICT: Final = re.compile(r"\d{5}")


@router.get("/regions")
def regions_page(request: Request, user: PageUser, db: SessionDep, state: StateDep) -> Response:
    """All 17 시도 side by side (a centre key sees its own, as ``GET /v1/regions``)."""
    snapshot, champion = state.current()
    key = user.key
    with attempt(db, key, "GET /web/regions", (), champion.version, policy.confined_region(key)):
        codes = policy.listed_regions(key, risk.served_codes(snapshot))
        overview = risk.regions_overview(snapshot, champion, codes)
    return page(request, "regions.html", {"overview": overview}, user)


@router.get("/regions/{region}")
def region_page(
    request: Request, region: str, user: PageUser, db: SessionDep, state: StateDep
) -> Response:
    """Grade distribution, trend, indicators, drivers and clusters of one 시도."""
    endpoint = "GET /web/regions/{region}"
    snapshot, champion = state.current()
    with attempt(db, user.key, endpoint, (), champion.version, region) as entry:
        entry.check(policy.read_region(user.key, region))
        summary = risk.region_summary(snapshot, champion, region)
        clusters = risk.cluster_summaries(snapshot, champion, region)
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


@router.get("/regions/{region}/watchlist")
def watchlist_page(
    request: Request, region: str, user: PageUser, db: SessionDep, state: StateDep
) -> Response:
    """The firms to contact this period, cut to the capacity the centre sets."""
    endpoint = "GET /web/regions/{region}/watchlist"
    snapshot, champion = state.current()
    with attempt(db, user.key, endpoint, (), champion.version, region) as entry:
        entry.check(policy.read_region(user.key, region))
        query, form, errors = read_filters(dict(request.query_params))
        out = watchlist(snapshot, champion, region, query)
        entry.firm_ids = [item.firm_id for item in out.items]
    lang = language(request)
    context = {
        "region": region,
        "watch": out,
        "form": form,
        "errors": errors,
        "options": filter_options(snapshot, region, lang),
        "grades": GRADE_CHOICES,
        "max_capacity": MAX_CAPACITY,
    }
    return page(request, "watchlist.html", context, user, status_code=422 if errors else 200)


def read_filters(params: dict[str, str]) -> tuple[WatchQuery, dict[str, str], dict[str, str]]:
    """The watch-list query from the filter form; a bad field is reported and left out."""
    form = {
        name: params.get(name, "").strip()
        for name in ("capacity", "min_grade", "ksic", "district", "cluster")
    }
    errors: dict[str, str] = {}
    capacity = DEFAULT_CAPACITY
    if form["capacity"]:
        if form["capacity"].isdigit() and 1 <= int(form["capacity"]) <= MAX_CAPACITY:
            capacity = int(form["capacity"])
        else:
            errors["capacity"] = "capacity_invalid"
    checks: dict[str, Callable[[str], object]] = {
        "min_grade": lambda v: v in GRADE_CHOICES,
        "ksic": _KSIC.fullmatch,
        "district": _DISTRICT.fullmatch,
        "cluster": lambda v: len(v) <= 50,
    }
    chosen: dict[str, Any] = {}
    for name, valid in checks.items():
        value = form[name]
        if value and valid(value):
            chosen[name] = value
        elif value:
            errors[name] = f"{name}_invalid"
    query = WatchQuery(
        capacity,
        chosen.get("min_grade"),
        chosen.get("ksic"),
        chosen.get("district"),
        chosen.get("cluster"),
    )
    return query, {**form, "capacity": form["capacity"] or str(capacity)}, errors


def filter_options(snapshot: Snapshot, region: str, lang: str) -> dict[str, list[tuple[str, str]]]:
    """The districts, industries (KSIC divisions) and clusters the region's firms have."""
    firms = snapshot.features[is_region(snapshot.features["region"], region)]

    def values(column: str) -> list[str]:
        return sorted(firms[column].dropna().astype(str).unique())

    divisions = sorted({code[:2] for code in values("ksic")})
    return {
        "district": [(code, code) for code in values("district")],
        "ksic": [(code, ksic.division_name(code, lang)) for code in divisions],
        "cluster": [(code, code) for code in values("cluster_id")],
    }
