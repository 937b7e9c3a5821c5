"""Who may open a page: the session cookie resolves to the same ``ApiKey`` row as an API call,
and the same region rules apply. Domain errors become pages here, not JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from serving.access.keys import SessionDep
from serving.access.sessions import COOKIE, SignedIn, resolve, same_csrf
from serving.errors import (
    NotReady,
    NotScorable,
    RegionForbidden,
    RoleForbidden,
    ServingError,
    UnknownFirm,
)
from serving.web.render import page


class SignInRequired(Exception):
    """No live session behind the request: the browser goes to the sign-in page."""


class CsrfMismatch(ValueError):
    """A form came without this session's CSRF token (another site, or a stale page)."""


class AdminOnly(PermissionError):
    """An admin page opened by someone who is not an admin (the refusal is audited)."""


def signed_in(request: Request, db: SessionDep) -> SignedIn:
    user = resolve(db, request.cookies.get(COOKIE))
    if user is None:
        raise SignInRequired
    return user


PageUser = Annotated[SignedIn, Depends(signed_in)]


def check_csrf(user: SignedIn, given: str | None) -> None:
    if not same_csrf(user.csrf, given):
        raise CsrfMismatch("the form is stale or came from another site; reload and try again")


_ERRORS: dict[type[Exception], tuple[int, str]] = {
    RegionForbidden: (403, "error_403"),
    UnknownFirm: (404, "error_404"),
    NotScorable: (404, "error_404"),
    NotReady: (503, "error_503"),
    RoleForbidden: (403, "error_403_write"),  # the one role rule a page meets: analysts write
    CsrfMismatch: (400, "error_csrf"),
    AdminOnly: (403, "people_admin_only"),
}


def error_page(request: Request, error: Exception) -> Response:
    status, title = _ERRORS.get(type(error), (400, "error_400"))
    body = f"{title}_body" if title != "error_400" else None
    detail = str(error)
    if isinstance(error, RequestValidationError):
        detail = "; ".join(
            f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in error.errors()
        )
    context = {"title_key": title, "body_key": body, "detail": None if body else detail}
    return page(request, "error.html", context, status_code=status)


def sign_in_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/web/sign-in?next={quote(target, safe='')}", status_code=303)


class PageRoute(APIRoute):
    """A page route: no session → the sign-in page; domain errors → a page with their status."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                return sign_in_redirect(request)
            except (ServingError, CsrfMismatch, AdminOnly, RequestValidationError) as error:
                return error_page(request, error)

        return guarded
