"""The regional brief's pages: a region chooser (a centre goes straight to its own 시도), the
brief itself, printable, and its workbook and PDF downloads under the page's session.

The brief is ``serving.domain.briefs``'s, the document ``serving.domain.brief_files``'s, so
the page, ``GET /v1/regions/{region}/brief`` and its files show the same figures; reads and
refusals are audited as the API's are.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRouter

from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import SessionDep
from serving.deps import StateDep
from serving.domain import brief_files
from serving.domain import regions as risk
from serving.domain.briefs import BriefQuery, brief
from serving.schemas.briefs import BriefOut
from serving.web.access import PageRoute, PageUser
from serving.web.render import language, page

router = APIRouter(prefix="/web", route_class=PageRoute)
AsOf = Annotated[dt.date | None, Query(description="A stored as-of date")]


@router.get("/briefs", response_model=None)
def briefs_page(request: Request, user: PageUser, state: StateDep) -> Response | RedirectResponse:
    """The regions a brief can be made for; a centre has one, so it goes straight there."""
    own = policy.confined_region(user.key)
    if own is not None:
        return RedirectResponse(f"/web/briefs/{own}", status_code=303)
    snapshot, _ = state.current()
    context = {"codes": risk.served_codes(snapshot), "as_of": snapshot.as_of.date()}
    return page(request, "briefs.html", context, user)


def _read(
    request: Request,
    endpoint: str,
    region: str,
    as_of: dt.date | None,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
) -> BriefOut:
    snapshot, champion = state.current()
    with attempt(db, user.key, endpoint, (), champion.version, region) as entry:
        entry.check(policy.read_region_figures(user.key, region))
        config_dir = request.app.state.settings.config_dir
        return brief(snapshot, champion, BriefQuery(region, as_of), config_dir)


@router.get("/briefs/{region}")
def brief_page(
    request: Request,
    region: str,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    as_of: AsOf = None,
) -> Response:
    """The brief of one 시도, laid out to print, with its downloads."""
    found = _read(request, "GET /web/briefs/{region}", region, as_of, user, db, state)
    lang = language(request)
    query = f"?as_of={found.as_of}&lang={lang}"
    context = {
        "brief": found,
        "body": brief_files.body_html(found, lang),
        "downloads": {
            "xlsx": f"/web/briefs/{region}/brief.xlsx{query}",
            "pdf": f"/web/briefs/{region}/brief.pdf{query}",
        },
    }
    return page(request, "brief.html", context, user)


@router.get("/briefs/{region}/brief.xlsx")
def brief_workbook(
    request: Request,
    region: str,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    as_of: AsOf = None,
) -> Response:
    found = _read(request, "GET /web/briefs/{region}/brief.xlsx", region, as_of, user, db, state)
    name = f"{brief_files.file_stem(found)}.xlsx"
    return _download(brief_files.workbook(found), brief_files.XLSX_TYPE, name)


@router.get("/briefs/{region}/brief.pdf")
def brief_pdf(
    request: Request,
    region: str,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    as_of: AsOf = None,
) -> Response:
    """The printed brief; without Chromium on the server, a 503 page that says so."""
    found = _read(request, "GET /web/briefs/{region}/brief.pdf", region, as_of, user, db, state)
    try:
        content = brief_files.pdf(brief_files.document_html(found, language(request)))
    except brief_files.PdfUnavailable as error:
        context = {"title_key": "brief_pdf_unavailable", "body_key": None, "detail": str(error)}
        return page(request, "error.html", context, user, status_code=503)
    return _download(content, brief_files.PDF_TYPE, f"{brief_files.file_stem(found)}.pdf")


def _download(content: bytes, media_type: str, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(content, media_type=media_type, headers=headers)
