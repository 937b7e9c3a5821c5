"""The region's watch list page: the firms to contact this period, with its filters, each
firm's case (stage, owner, next follow-up, overdue ones marked in words) and each staff
member's open cases against capacity; sorted by PD, by PD change or by due date.

It calls the service function of ``GET /v1/regions/{region}/watchlist``
(``serving.domain.watchlist``) under the same rules: an unknown 시도 is a 404, another centre's
region a 403, and every read or refusal is audited with the region it asked about.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from fastapi import Request
from fastapi.responses import Response
from fastapi.routing import APIRouter

from core import clock, ksic
from scoring.watchlist import DEFAULT_CAPACITY, MAX_CAPACITY, WatchQuery
from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import SessionDep
from serving.deps import StateDep
from serving.domain import cases
from serving.domain.region_codes import cluster_label, district_label, is_region
from serving.domain.region_settings import settings_or_built_in
from serving.domain.state import Snapshot
from serving.domain.watchlist import SORTS, firm_names, sorted_items, watchlist
from serving.web.access import PageRoute, PageUser
from serving.web.i18n import GRADE_CHOICES
from serving.web.render import language, page

router = APIRouter(prefix="/web", route_class=PageRoute)
_KSIC: Final = re.compile(r"\d{2,5}")
_DISTRICT: Final = re.compile(r"\d{5}")


@router.get("/regions/{region}/watchlist")
def watchlist_page(
    request: Request, region: str, user: PageUser, db: SessionDep, state: StateDep
) -> Response:
    """The firms to contact this period, cut to the capacity the centre sets."""
    endpoint = "GET /web/regions/{region}/watchlist"
    snapshot, champion = state.current()
    with attempt(db, user.key, endpoint, (), champion.version, region) as entry:
        entry.check(policy.read_region(user.key, region))
        config_dir = request.app.state.settings.config_dir
        capacity = settings_or_built_in(config_dir).of(region).capacity
        query, form, errors = read_filters(dict(request.query_params), capacity)
        today = clock.seoul_today()
        out = cases.with_cases(db, watchlist(snapshot, champion, region, query), today)
        out = out.model_copy(update={"items": sorted_items(out.items, form["sort"])})
        listed = {item.firm_id for item in out.items}
        worked = cases.open_cases(db, region, today)
        off_list = [case for case in worked.items if case.firm_id not in listed]
        entry.firm_ids = [item.firm_id for item in out.items]
        entry.firm_ids += [case.firm_id for case in off_list]
    lang = language(request)
    context = {
        "staff": worked.staff,
        "off_list": off_list,
        "off_list_names": firm_names(snapshot, [case.firm_id for case in off_list]),
        "sorts": SORTS,
        "overdue": sum(1 for case in worked.items if case.overdue),
        "region": region,
        "watch": out,
        "form": form,
        "errors": errors,
        "options": filter_options(snapshot, region, lang),
        "grades": GRADE_CHOICES,
        "max_capacity": MAX_CAPACITY,
    }
    return page(request, "watchlist.html", context, user, status_code=422 if errors else 200)


def read_filters(
    params: dict[str, str], default_capacity: int = DEFAULT_CAPACITY
) -> tuple[WatchQuery, dict[str, str], dict[str, str]]:
    """The watch-list query from the filter form; a bad field is reported and left out. Without
    a capacity the region's own applies (``default_capacity``, config/regions.yaml)."""
    form = {
        name: params.get(name, "").strip()
        for name in ("capacity", "min_grade", "ksic", "district", "cluster", "sort")
    }
    errors: dict[str, str] = {}
    if form["sort"] not in ("", *SORTS):
        errors["sort"] = "case_sort_invalid"
    sort = form["sort"] if form["sort"] in SORTS else "pd"
    capacity = default_capacity
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
    return query, {**form, "capacity": form["capacity"] or str(capacity), "sort": sort}, errors


def filter_options(snapshot: Snapshot, region: str, lang: str) -> dict[str, list[tuple[str, str]]]:
    """The districts, industries (KSIC divisions) and clusters the region's firms have."""
    firms = snapshot.features[is_region(snapshot.features["region"], region)]

    def values(column: str) -> list[str]:
        return sorted(firms[column].dropna().astype(str).unique())

    divisions = sorted({code[:2] for code in values("ksic")})
    return {
        "district": [(code, district_label(code)) for code in values("district")],
        "ksic": [(code, ksic.division_name(code, lang)) for code in divisions],
        "cluster": [(code, cluster_label(code, lang)) for code in values("cluster_id")],
    }
