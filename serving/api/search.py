"""Firm search by name (partial Korean match) within the caller's region.

A centre key searches its own 시도's firms only; analysts and admins search every region (and
"00", firms stored without one); partner, office and local_gov keys see no firms and get 403.
Every search, refused or not, is audited with the region it covered.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import CurrentKey, SessionDep
from serving.deps import StateDep
from serving.domain import firm_names
from serving.domain.firm_names import search_firms, searched_regions
from serving.openapi import KEYED, errors
from serving.schemas.search import FirmSearchOut

router = APIRouter(prefix="/v1", tags=["firms"], responses=errors(*KEYED, 403))
ENDPOINT = "GET /v1/firms"


@router.get(
    "/firms",
    response_model=FirmSearchOut,
    summary="Find firms by name (or number) within the caller's region",
)
def find_firms(
    key: CurrentKey,
    session: SessionDep,
    state: StateDep,
    q: Annotated[
        str,
        Query(
            min_length=firm_names.MIN_QUERY,
            max_length=firm_names.MAX_QUERY,
            description='Part of the name ("대한" finds "대한정밀(주)") or the firm number',
            examples=["대한"],
        ),
    ],
) -> FirmSearchOut:
    """At most 50 firms, the exact match first; ``total`` says how many matched in all."""
    snapshot, champion = state.current()
    with attempt(
        session, key, ENDPOINT, (), champion.version, policy.confined_region(key)
    ) as entry:
        regions, refusal = searched_regions(key)
        entry.check(refusal)
        return search_firms(snapshot, champion, q, regions)
