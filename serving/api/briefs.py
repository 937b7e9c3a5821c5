"""The regional brief (위기예방계획 초안) as JSON, workbook and PDF (docs/brief.md).

Read under the region-figures rule (``policy.read_region_figures``: a centre, 지방중소벤처기업청
or 지자체 key its own 시도, analysts and admins every one and "00"; partners none); every read and
every refusal is audited with the region it asked about.
A PDF needs Chromium on the server: without it the answer is 503 with the reason, never 500.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import CurrentKey, SessionDep
from serving.deps import StateDep
from serving.domain import brief_files
from serving.domain.briefs import DEFAULT_SHARES, MAX_SHARES, BriefQuery, brief
from serving.openapi import KEYED, errors
from serving.schemas.briefs import BriefOut

router = APIRouter(prefix="/v1", tags=["regions"], responses=errors(*KEYED))
BRIEF_ERRORS = errors(403, 404)

AsOf = Annotated[
    dt.date | None,
    Query(description="A stored as-of date (YYYY-MM-DD); the latest when left out"),
]
Shares = Annotated[
    list[float] | None,
    Query(
        alias="share",
        max_length=MAX_SHARES,
        description="Shares of expected crises the visit plan should reach (0–1, repeatable); "
        f"default {', '.join(f'{s:g}' for s in DEFAULT_SHARES)}",
    ),
]


def _brief(
    request: Request,
    endpoint: str,
    region: str,
    as_of: dt.date | None,
    shares: list[float] | None,
    key: CurrentKey,
    session: SessionDep,
    state: StateDep,
) -> BriefOut:
    snapshot, champion = state.current()
    with attempt(session, key, endpoint, (), champion.version, region) as entry:
        entry.check(policy.read_region_figures(key, region))
        query = BriefQuery(region, as_of, tuple(shares) if shares else DEFAULT_SHARES)
        return brief(snapshot, champion, query, request.app.state.settings.config_dir)


def _download(content: bytes, media_type: str, name: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/regions/{region}/brief",
    response_model=BriefOut,
    summary="The region's brief (위기예방계획 초안): stage, breakdowns, visits, programmes",
    responses=BRIEF_ERRORS,
)
def region_brief(
    request: Request,
    region: str,
    key: CurrentKey,
    session: SessionDep,
    state: StateDep,
    as_of: AsOf = None,
    share: Shares = None,
) -> BriefOut:
    """Every table of the brief with its columns, rows, as-of date and source; sections the
    data cannot give are listed in ``omitted`` with the reason."""
    endpoint = "GET /v1/regions/{region}/brief"
    return _brief(request, endpoint, region, as_of, share, key, session, state)


@router.get(
    "/regions/{region}/brief.xlsx",
    summary="The region's brief as an Excel workbook (one sheet per table)",
    responses={**BRIEF_ERRORS, 200: {"content": {brief_files.XLSX_TYPE: {}}}},
    response_class=Response,
)
def region_brief_workbook(
    request: Request,
    region: str,
    key: CurrentKey,
    session: SessionDep,
    state: StateDep,
    as_of: AsOf = None,
    share: Shares = None,
) -> Response:
    endpoint = "GET /v1/regions/{region}/brief.xlsx"
    found = _brief(request, endpoint, region, as_of, share, key, session, state)
    name = f"{brief_files.file_stem(found)}.xlsx"
    return _download(brief_files.workbook(found), brief_files.XLSX_TYPE, name)


@router.get(
    "/regions/{region}/brief.pdf",
    summary="The region's brief as a PDF (printed by headless Chromium)",
    responses={
        **BRIEF_ERRORS,
        **errors(503),
        200: {"content": {brief_files.PDF_TYPE: {}}},
    },
    response_class=Response,
)
def region_brief_pdf(
    request: Request,
    region: str,
    key: CurrentKey,
    session: SessionDep,
    state: StateDep,
    as_of: AsOf = None,
    share: Shares = None,
    lang: Annotated[str, Query(pattern="^(ko|en)$", description="Language")] = "ko",
) -> Response:
    """503 with the reason when this server has no Chromium (the workbook still works)."""
    endpoint = "GET /v1/regions/{region}/brief.pdf"
    found = _brief(request, endpoint, region, as_of, share, key, session, state)
    try:
        content = brief_files.pdf(brief_files.document_html(found, lang))
    except brief_files.PdfUnavailable as error:
        return JSONResponse({"detail": str(error)}, status_code=503)
    name = f"{brief_files.file_stem(found)}.pdf"
    return _download(content, brief_files.PDF_TYPE, name)
