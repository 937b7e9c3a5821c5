"""The header's firm search: by number or by name, within the caller's region.

A number goes straight to the firm page (which checks the region, as ``/web/firms?firm_id=``
does); anything else is a name search with the rules and audit of ``GET /v1/firms``.
"""

from __future__ import annotations

import re
from typing import Annotated, Final
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import SessionDep
from serving.deps import StateDep
from serving.domain import firm_names
from serving.errors import InvalidSubmission
from serving.schemas import normalise_firm_id
from serving.web.access import PageRoute, PageUser
from serving.web.render import page

router = APIRouter(prefix="/web", route_class=PageRoute)
ENDPOINT: Final = "GET /web/search"
# Digits (with the dashes of 123-45-67890) are a number, never a name: straight to the firm.
NUMBER: Final = re.compile(r"\d[\d-]{0,39}")


@router.get("/search")
def search_page(
    request: Request,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    query = normalise_firm_id(q)[: firm_names.MAX_QUERY]
    if NUMBER.fullmatch(query):
        return RedirectResponse(f"/web/firms/{quote(query.replace('-', ''))}", status_code=303)
    snapshot, champion = state.current()
    context = {"search_query": query, "result": None, "too_short": False}
    with attempt(
        db, user.key, ENDPOINT, (), champion.version, policy.confined_region(user.key)
    ) as entry:
        regions, refusal = firm_names.searched_regions(user.key)
        entry.check(refusal)
        try:
            context["result"] = firm_names.search_firms(snapshot, champion, query, regions)
        except InvalidSubmission:
            context["too_short"] = True
    status = 422 if context["too_short"] else 200
    return page(request, "search.html", context, user, status_code=status)
