"""Sign-in with an API key, sign-out, and the home page each role lands on."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from serving.auth import SessionDep
from serving.db import audit_row, record
from serving.web.access import PageRoute, PageUser, check_csrf
from serving.web.render import page
from serving.web.sessions import COOKIE, LIFETIME_S, close_session, find_key, open_session

router = APIRouter(route_class=PageRoute)


def safe_next(target: str | None) -> str:
    """Only a path of this site's pages: never an open redirect to another host."""
    if target and target.startswith("/web/") and not target.startswith("//"):
        return target
    return "/web/"


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/web/", status_code=307)


@router.get("/web/sign-in")
def sign_in_form(request: Request, next: str | None = None, out: bool = False) -> Response:
    return page(request, "sign_in.html", {"next": safe_next(next), "signed_out": out})


@router.post("/web/sign-in")
def sign_in(
    request: Request,
    db: SessionDep,
    api_key: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/web/",
) -> Response:
    """Check the key as the API does; on success the browser gets an opaque session cookie."""
    key = find_key(db, api_key) if api_key.strip() else None
    record(db, [audit_row("POST /web/sign-in", [], "ok" if key else "unauthorised", key)])
    if key is None:
        context = {"next": safe_next(next), "failed": True}
        return page(request, "sign_in.html", context, status_code=401)
    close_session(db, request.cookies.get(COOKIE))  # a new sign-in never reuses a session
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(COOKIE, open_session(db, key), max_age=LIFETIME_S, path="/web",
                        httponly=True, samesite="lax",
                        secure=request.url.scheme == "https")  # fmt: skip
    return response


@router.post("/web/sign-out")
def sign_out(
    request: Request, db: SessionDep, user: PageUser, csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(user, csrf)
    close_session(db, request.cookies.get(COOKIE))
    response = RedirectResponse("/web/sign-in?out=true", status_code=303)
    response.delete_cookie(COOKIE, path="/web", httponly=True, samesite="lax")
    return response


@router.get("/web/")
def home(user: PageUser) -> RedirectResponse:
    """A centre starts on its watch list; analysts and admins on the regions overview."""
    if user.key.role == "center" and user.key.region:
        return RedirectResponse(f"/web/regions/{user.key.region}/watchlist", status_code=303)
    return RedirectResponse("/web/regions", status_code=303)
