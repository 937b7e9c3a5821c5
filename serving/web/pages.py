"""The staff pages' router: sign-in, watch list, region, firm and visit pages, and their assets.

Pages share the API's authorisation (a session cookie stands for an API key) and its service
functions; see ``serving.web.access`` and ``docs/ui.md``.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from serving.web import (
    account,
    admin,
    briefs,
    cases,
    changes,
    firms,
    national,
    partners,
    regions,
    report,
    scenarios,
    search,
    watchlist,
)
from serving.web.render import HERE

router = APIRouter(include_in_schema=False)
parts = (
    account,
    regions,
    watchlist,
    firms,
    report,
    cases,
    changes,
    scenarios,
    briefs,
    admin,
    search,
    partners,
    national,
)
for part in (module.router for module in parts):
    router.include_router(part)

STATIC: Final = HERE / "static"
_ASSETS: Final = {path.name: path for path in STATIC.iterdir() if path.is_file()}
_TYPES: Final = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


@router.get("/web/static/{name}")
def asset(name: str) -> FileResponse:
    """The pages' own CSS and JS (nothing from a CDN); only files shipped in the package."""
    path = _ASSETS.get(name)
    if path is None:
        raise HTTPException(404, "no such asset")
    return FileResponse(
        path, media_type=_TYPES.get(path.suffix), headers={"Cache-Control": "public, max-age=3600"}
    )
