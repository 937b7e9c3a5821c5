"""Region risk: watch lists sized to a centre's capacity, region and cluster summaries.

Centre keys read only their own 시도 (``GET /v1/regions`` lists just it); analysts and admins
read all, and also "00" (지역 미상: firms stored without a region) when there are such firms.
Every read, and every refused one, is audited with the region it asked about.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from core.clock import seoul_today
from scoring.watchlist import MAX_CAPACITY, WatchQuery
from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import CurrentKey, SessionDep
from serving.deps import StateDep
from serving.domain import cases
from serving.domain import regions as risk
from serving.domain.region_settings import RegionSettings, settings_or_built_in
from serving.domain.watchlist import sorted_items, watchlist
from serving.openapi import KEYED, errors
from serving.schemas import GradeName
from serving.schemas.regions import ClustersOut, RegionsOut, RegionSummaryOut
from serving.schemas.watchlist import WatchlistOut

router = APIRouter(prefix="/v1", tags=["regions"], responses=errors(*KEYED))
REGION_ERRORS = errors(403, 404)


@router.get("/regions", response_model=RegionsOut, summary="All 시도 side by side")
def list_regions(
    request: Request, key: CurrentKey, session: SessionDep, state: StateDep
) -> RegionsOut:
    """Analysts and admins get all 17 시도 (and 00 지역 미상 when some firms have no region); a
    centre key gets its own region only. Each is staged by its own rule (config/regions.yaml)."""
    snapshot, champion = state.current()
    subject = policy.confined_region(key)
    with attempt(session, key, "GET /v1/regions", (), champion.version, subject):
        codes = policy.listed_regions(key, risk.served_codes(snapshot))
        settings = _region_settings(request)
        return risk.regions_overview(snapshot, champion, codes, lambda r: settings.of(r).stage_rule)


@router.get(
    "/regions/{region}/watchlist",
    response_model=WatchlistOut,
    summary="The region's firms to contact, ranked and cut to capacity",
    responses=REGION_ERRORS,
)
def region_watchlist(
    request: Request,
    region: str,
    key: CurrentKey,
    session: SessionDep,
    state: StateDep,
    capacity: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_CAPACITY,
            description="How many firms the centre can contact (default: the region's capacity "
            "in config/regions.yaml)",
        ),
    ] = None,
    min_grade: Annotated[GradeName | None, Query(description="Lowest grade listed")] = None,
    ksic: Annotated[str | None, Query(pattern=r"^\d{2,5}$", description="KSIC code prefix")] = None,
    district: Annotated[str | None, Query(pattern=r"^\d{5}$", description="시군구 code")] = None,
    cluster: Annotated[
        str | None, Query(min_length=1, max_length=50, description="firms.cluster_id")
    ] = None,
    sort: Annotated[
        Literal["pd", "pd_change", "due"],
        Query(
            description="pd (the list's order), pd_change (largest rise first) or due "
            "(soonest follow-up first)"
        ),
    ] = "pd",
) -> WatchlistOut:
    """Top ``capacity`` firms by PD at the latest as-of date, kept steady between periods, each
    with its case (stage, owner, next follow-up, overdue)."""
    endpoint = "GET /v1/regions/{region}/watchlist"
    snapshot, champion = state.current()
    with attempt(session, key, endpoint, (), champion.version, region) as entry:
        entry.check(policy.read_region(key, region))
        chosen = capacity or _region_settings(request).of(region).capacity
        query = WatchQuery(chosen, min_grade, ksic, district, cluster)
        out = cases.with_cases(session, watchlist(snapshot, champion, region, query), seoul_today())
        out = out.model_copy(update={"items": sorted_items(out.items, sort)})
        entry.firm_ids = [item.firm_id for item in out.items]
        return out


@router.get(
    "/regions/{region}/summary",
    response_model=RegionSummaryOut,
    summary="A region's risk: grades, expected distress, drivers, stage",
    responses=REGION_ERRORS,
)
def region_summary(
    request: Request, region: str, key: CurrentKey, session: SessionDep, state: StateDep
) -> RegionSummaryOut:
    """Counts by grade, expected distressed firms, change since the previous as-of date, the
    main drivers, the latest regional indicators and a proposed 안정·유의·위험 stage."""
    endpoint = "GET /v1/regions/{region}/summary"
    snapshot, champion = state.current()
    with attempt(session, key, endpoint, (), champion.version, region) as entry:
        entry.check(policy.read_region_figures(key, region))
        rule = _region_settings(request).of(region).stage_rule
        return risk.region_summary(snapshot, champion, region, rule)


@router.get(
    "/regions/{region}/clusters",
    response_model=ClustersOut,
    summary="The region's industrial clusters, riskiest first",
    responses=REGION_ERRORS,
)
def region_clusters(
    request: Request, region: str, key: CurrentKey, session: SessionDep, state: StateDep
) -> ClustersOut:
    """Per cluster (firms.cluster_id): the same figures, stage and top drivers as a region."""
    endpoint = "GET /v1/regions/{region}/clusters"
    snapshot, champion = state.current()
    with attempt(session, key, endpoint, (), champion.version, region) as entry:
        entry.check(policy.read_region_figures(key, region))
        rule = _region_settings(request).of(region).stage_rule
        return risk.cluster_summaries(snapshot, champion, region, rule)


def _region_settings(request: Request) -> RegionSettings:
    return settings_or_built_in(request.app.state.settings.config_dir)
