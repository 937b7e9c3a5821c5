"""Sign-in with a username and password (or an API key), sign-out, and the home page each role
lands on.

The sign-in form carries a CSRF token that must match a cookie set with the form (double
submit), so another site cannot sign a browser in under its own key (login CSRF). Repeated
failures lock the address, and the typed key's prefix, out for ``EWS_LIMIT_LOCKOUT_S`` (429);
an account is locked after ``people.LOCK_AFTER`` wrong passwords (``serving.access.people``).
Every attempt is audited, naming the person where the username is known.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from serving.access import passwords, people, policy
from serving.access.keys import SessionDep, client_address, live_key
from serving.access.limits import guard_of, retry_after
from serving.access.sessions import (
    COOKIE,
    LIFETIME_S,
    SIGN_IN_CSRF,
    close_session,
    new_csrf,
    open_session,
    same_csrf,
)
from serving.store.records import audit_row, record
from serving.store.tables import ApiKey
from serving.web.access import CsrfMismatch, PageRoute, PageUser, check_csrf
from serving.web.render import page

router = APIRouter(route_class=PageRoute)


def safe_next(target: str | None) -> str:
    """Only a path of this site's pages: never an open redirect to another host."""
    if target and target.startswith("/web/") and not target.startswith("//"):
        return target
    return "/web/"


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/web/", status_code=307)


def _sign_in_page(request: Request, context: dict[str, object], status_code: int = 200) -> Response:
    """The form with a CSRF token, the same one as in the browser's cookie (set here)."""
    token = request.cookies.get(SIGN_IN_CSRF) or new_csrf()
    response = page(request, "sign_in.html", {**context, "csrf": token}, status_code=status_code)
    response.set_cookie(
        SIGN_IN_CSRF,
        token,
        path="/web/sign-in",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/web/sign-in")
def sign_in_form(request: Request, next: str | None = None, out: bool = False) -> Response:
    return _sign_in_page(request, {"next": safe_next(next), "signed_out": out})


SIGN_IN: Final = "POST /web/sign-in"


@router.post("/web/sign-in")
def sign_in(
    request: Request,
    db: SessionDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=passwords.MAX_LENGTH)] = "",
    api_key: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/web/",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Check a username and password, or a key as the API does; on success the browser gets
    an opaque session cookie."""
    if not same_csrf(request.cookies.get(SIGN_IN_CSRF) or "", csrf) or not csrf:
        raise CsrfMismatch("the sign-in form is stale or came from another site; reload it")
    guard, address = guard_of(request.app.state), client_address(request)
    prefix = "prefix:" + api_key.strip()[:8]
    wait = guard.sign_in_by_address.locked_for(address)
    if not username.strip():
        wait = max(wait, guard.sign_in_by_prefix.locked_for(prefix))
    if wait:
        return _locked(request, next, wait)
    if username.strip():
        return _with_password(request, db, username, password, next)
    engine = request.app.state.engine
    key = live_key(engine, api_key.strip()) if api_key.strip() else None
    rows = [audit_row(SIGN_IN, [], "ok" if key else "unauthorised", key)]
    if key is None:
        locks = [guard.sign_in_by_address.fail(address), guard.sign_in_by_prefix.fail(prefix)]
        if any(locks):  # the failure that starts a lock-out says so in the audit
            rows.append(audit_row(f"{SIGN_IN} from {address}"[:128], [], "locked", None))
        record(db, rows)
        return _sign_in_page(request, {"next": safe_next(next), "failed": "key"}, 401)
    record(db, rows)
    guard.sign_in_by_prefix.succeed(prefix)
    return _signed_in(request, db, key, next)


def _with_password(
    request: Request, db: SessionDep, username: str, password: str, next: str
) -> Response:
    """The username-and-password way in; a locked account is told so, with its wait."""
    guard, address = guard_of(request.app.state), client_address(request)
    found = people.sign_in(request.app.state.engine, username, password)
    rows = [audit_row(SIGN_IN, [], found.outcome, found.key, user_id=found.user_id)]
    if found.key is None:
        address_locked = guard.sign_in_by_address.fail(address)
        if found.locked_now or address_locked:
            where = f"user {found.user_id}" if found.locked_now else f"from {address}"
            rows.append(
                audit_row(f"{SIGN_IN} {where}"[:128], [], "locked", None, user_id=found.user_id)
            )
        record(db, rows)
        if found.outcome == "locked" or found.locked_now:
            return _locked(request, next, found.wait_s or people.LOCK_S)
        return _sign_in_page(
            request, {"next": safe_next(next), "failed": "password", "username": username}, 401
        )
    record(db, rows)
    return _signed_in(request, db, found.key, next)


def _locked(request: Request, next: str, wait_s: float) -> Response:
    response = _sign_in_page(request, {"next": safe_next(next), "locked": True}, 429)
    response.headers.update(retry_after(wait_s))
    return response


def _signed_in(request: Request, db: SessionDep, key: ApiKey, next: str) -> Response:
    guard_of(request.app.state).sign_in_by_address.succeed(client_address(request))
    close_session(db, request.cookies.get(COOKIE))  # a new sign-in never reuses a session
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        open_session(db, key),
        max_age=LIFETIME_S,
        path="/web",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
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
    """A centre starts on its watch list, analysts and admins on the regions overview, a
    partner on its referrals, the 지방중소벤처기업청 and 지자체 on the national view (their
    region's row)."""
    role = user.key.role
    if role == "partner":
        return RedirectResponse("/web/partners", status_code=303)
    if role not in policy.FIRM_LEVEL:  # aggregates only: their region's row of the national view
        return RedirectResponse("/web/national", status_code=303)
    own = policy.confined_region(user.key)
    if own:
        return RedirectResponse(f"/web/regions/{own}/watchlist", status_code=303)
    return RedirectResponse("/web/regions", status_code=303)
