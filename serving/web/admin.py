"""Admin pages: staff accounts (create, disable, enable, reset a password, capacity), API keys
(issue, revoke at once) and the audit log (filtered by person, firm, action, outcome and dates;
CSV download).

Only admins open them (``policy.use_admin``; a refusal is audited and gets a 403 page). Every
view and every action is audited as the admin API's are (``serving.api.admin``), and forms carry
the session's CSRF token. A new password or key is shown once, on the page the action returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Final, TypeVar

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import Engine

from core.contract import REGIONS
from serving.access import people, policy
from serving.access.audit import AuditQuery, audit_rows, audited, csv_chunks
from serving.access.keys import (
    InvalidRegion,
    SessionDep,
    create_key,
    list_keys,
    revoke_key_id,
)
from serving.access.sessions import SignedIn
from serving.web import i18n
from serving.web.access import AdminOnly, PageRoute, PageUser, check_csrf
from serving.web.render import page

router = APIRouter(prefix="/web", route_class=PageRoute)
T = TypeVar("T")
AUDIT_SHOWN: Final = 200
OUTCOMES: Final = (
    *("ok", "forbidden", "not_found", "not_scorable", "unauthorised", "locked", "invalid"),
    "refused",
)
Notice = tuple[str, dict[str, object]]  # a word and its fields


def _page(
    request: Request,
    template: str,
    context: dict[str, Any],
    user: SignedIn,
    status_code: int = 200,
) -> Response:
    """An admin page: the words (to name roles the page knows) and the 시도 come with it."""
    values = {"words": i18n.TEXT, "regions": list(REGIONS), **context}
    return page(request, template, values, user, status_code)


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _admin(db: SessionDep, user: SignedIn, endpoint: str) -> None:
    """Go on for an admin; otherwise audit the refusal and show the 403 page."""
    refusal = policy.use_admin(user.key)
    if refusal is not None:
        audited(db, user.key, endpoint, refusal.outcome)
        raise AdminOnly(refusal.message)


def _act(
    db: SessionDep, user: SignedIn, csrf: str, endpoint: str, action: Callable[[], T]
) -> tuple[T | None, str | None]:
    """Check the admin and the form's token, run ``action`` and audit it; returns its result,
    or None and the message of a refusal (no such account or key, a field that is wrong)."""
    _admin(db, user, " ".join(endpoint.split(" ")[:2]))  # the route, not its subject
    check_csrf(user, csrf)
    endpoint = endpoint[:128]
    try:
        result = action()
    except LookupError as error:
        audited(db, user.key, endpoint, "not_found")
        return None, str(error)
    except ValueError as error:
        audited(db, user.key, endpoint, "invalid")
        return None, str(error)
    audited(db, user.key, endpoint, "ok")
    return result, None


@router.get("/admin")
def admin_index(request: Request, db: SessionDep, user: PageUser) -> Response:
    _admin(db, user, "GET /web/admin")
    users = people.list_users(_engine(request))
    live = [key for key in list_keys(_engine(request)) if key.revoked_at is None]
    audited(db, user.key, "GET /web/admin", "ok")
    context = {
        "active": sum(1 for u in users if u.disabled_at is None),
        "total": len(users),
        "live": len(live),
    }
    return _page(request, "admin_index.html", context, user)


def _users_page(
    request: Request,
    user: SignedIn,
    notice: Notice | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    context = {
        "people": people.list_users(_engine(request)),
        "roles": policy.ROLES,
        "now": dt.datetime.now(dt.UTC),
        "notice": notice,
        "error": error,
        "form": form or {},
    }
    return _page(request, "admin_users.html", context, user, 422 if error else 200)


@router.get("/admin/users")
def users_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    _admin(db, user, "GET /web/admin/users")
    audited(db, user.key, "GET /web/admin/users", "ok")
    return _users_page(request, user)


@router.post("/admin/users")
def create_user(
    request: Request,
    db: SessionDep,
    user: PageUser,
    username: Annotated[str, Form(max_length=64)] = "",
    display_name: Annotated[str, Form(max_length=64)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
    region: Annotated[str, Form(max_length=2)] = "",
    capacity: Annotated[str, Form(max_length=6)] = "",
    password: Annotated[str, Form(max_length=128)] = "",
    organisation: Annotated[str, Form(max_length=64)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    def create() -> tuple[Any, str]:
        return people.create_user(
            _engine(request),
            username,
            display_name,
            role,
            region or None,
            _capacity(capacity),
            password or None,
            organisation or None,
        )

    endpoint = f"POST /web/admin/users {username}"
    created, error = _act(db, user, csrf, endpoint, create)
    if created is None:
        form = {
            "username": username,
            "display_name": display_name,
            "role": role,
            "organisation": organisation,
        }
        return _users_page(request, user, error=error, form={**form, "region": region})
    notice = ("people_created_notice", {"username": created[0].username, "password": created[1]})
    return _users_page(request, user, notice)


def _capacity(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise people.InvalidUser("capacity", f"capacity must be a whole number; got {text!r}")
    return int(text)


_USER_ACTIONS: Final[dict[str, str]] = {
    "disable": "people_disabled_notice",
    "enable": "people_enabled_notice",
    "reset": "people_reset_notice",
    "capacity": "people_capacity_notice",
}


@router.post("/admin/users/{username}/{action}")
def change_user(
    request: Request,
    db: SessionDep,
    user: PageUser,
    username: str,
    action: str,
    capacity: Annotated[str, Form(max_length=6)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Disable, enable, reset the password of (a new one, shown once) or set the capacity of
    one account."""
    engine = _engine(request)

    def disable() -> object:
        people.check_not_own(user.key, user_id=people.get_user(engine, username).id)
        return people.disable_user(engine, username)

    changes: dict[str, Callable[[], object]] = {
        "disable": disable,
        "enable": lambda: people.enable_user(engine, username),
        "reset": lambda: people.reset_password(engine, username),
        "capacity": lambda: people.set_capacity(engine, username, _capacity(capacity)),
    }
    if action not in changes:
        _admin(db, user, "POST /web/admin/users/{username}/{action}")
        check_csrf(user, csrf)
        return _users_page(request, user, error=f"unknown action {action!r}")
    endpoint = f"POST /web/admin/users/{{username}}/{action} {username}"
    done, error = _act(db, user, csrf, endpoint, changes[action])
    if error is not None:
        return _users_page(request, user, error=error)
    fields: dict[str, object] = {"username": username}
    if action == "reset":
        fields["password"] = done
    return _users_page(request, user, (_USER_ACTIONS[action], fields))


def _keys_page(
    request: Request, user: SignedIn, notice: Notice | None = None, error: str | None = None
) -> Response:
    engine = _engine(request)
    context = {
        "keys": list(reversed(list_keys(engine))),
        "people_by_id": people.people_by_id(engine),
        "people": [p for p in people.list_users(engine) if p.disabled_at is None],
        "roles": policy.ROLES,
        "notice": notice,
        "error": error,
    }
    return _page(request, "admin_keys.html", context, user, 422 if error else 200)


@router.get("/admin/keys")
def keys_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    _admin(db, user, "GET /web/admin/keys")
    audited(db, user.key, "GET /web/admin/keys", "ok")
    return _keys_page(request, user)


@router.post("/admin/keys")
def create(
    request: Request,
    db: SessionDep,
    user: PageUser,
    username: Annotated[str, Form(max_length=64)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
    region: Annotated[str, Form(max_length=2)] = "",
    label: Annotated[str, Form(max_length=64)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """A person's key (their role and region) or a shared one (the role and region given)."""
    engine = _engine(request)

    def issue() -> str:
        if username:
            return people.create_user_key(engine, username, label or "api")[0]
        try:
            return create_key(engine, role, region or None, label=label or None)
        except ValueError as error:
            field = "region" if isinstance(error, InvalidRegion) else "role"
            raise people.InvalidUser(field, str(error)) from error

    plain, error = _act(db, user, csrf, f"POST /web/admin/keys {username or role}", issue)
    if plain is None:
        return _keys_page(request, user, error=error)
    return _keys_page(request, user, ("people_key_created_notice", {"key": plain}))


@router.post("/admin/keys/{key_id}/revoke")
def revoke(
    request: Request,
    db: SessionDep,
    user: PageUser,
    key_id: int,
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Revoke a key at once: its next API request gets 401, its sessions end."""

    def act() -> bool:
        people.check_not_own(user.key, key_id=key_id)
        if not revoke_key_id(_engine(request), key_id):
            raise LookupError(f"key {key_id} is not live")
        return True

    endpoint = f"POST /web/admin/keys/{{key_id}}/revoke {key_id}"
    _, error = _act(db, user, csrf, endpoint, act)
    if error is not None:
        return _keys_page(request, user, error=error)
    return _keys_page(request, user, ("people_key_revoked_notice", {"key_id": key_id}))


class AuditFilters:
    """The audit page's filters, from the query string (the CSV link repeats them)."""

    def __init__(
        self,
        person: Annotated[str, Query(max_length=64)] = "",
        firm_id: Annotated[str, Query(max_length=40)] = "",
        action: Annotated[str, Query(max_length=128)] = "",
        outcome: Annotated[str, Query(max_length=32)] = "",
        since: Annotated[str, Query(max_length=10, description="YYYY-MM-DD")] = "",
        until: Annotated[str, Query(max_length=10, description="YYYY-MM-DD")] = "",
    ) -> None:
        self.person, self.firm_id, self.action = person.strip(), firm_id.strip(), action.strip()
        self.outcome = outcome.strip()
        self.since, self.until = _day("since", since), _day("until", until)

    def query(self, engine: Engine) -> AuditQuery | None:
        """The ``AuditQuery``; None for a person with no account (no rows)."""
        user_id = None
        if self.person:
            found = people.find_user(engine, self.person)
            if found is None:
                return None
            user_id = found.id
        return AuditQuery(
            since=_midnight(self.since),
            until=_midnight(self.until + dt.timedelta(days=1)) if self.until else None,
            user_id=user_id,
            firm_id=self.firm_id or None,
            action=self.action or None,
            outcome=self.outcome or None,
        )

    def subject(self) -> str:
        """What was searched, for the audit row of the search itself."""
        parts = [self.person, self.firm_id, self.action, self.outcome]
        dates = [str(d) for d in (self.since, self.until) if d]
        return " ".join(p for p in [*parts, *dates] if p)


def _day(field: str, text: str) -> dt.date | None:
    """A date field of the filter form; empty (the form sends every field) is no limit."""
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as error:
        message = f"must be a date YYYY-MM-DD; got {text!r}"
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", field), "msg": message}]
        ) from error


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), dt.UTC) if day else None


@router.get("/admin/audit")
def audit_page(
    request: Request,
    db: SessionDep,
    user: PageUser,
    filters: Annotated[AuditFilters, Depends()],
) -> Response:
    endpoint = "GET /web/admin/audit"
    _admin(db, user, endpoint)
    engine = _engine(request)
    query = filters.query(engine)
    rows = list(audit_rows(engine, where=query, limit=AUDIT_SHOWN, newest_first=True))
    audited(db, user.key, f"{endpoint} {filters.subject()}".strip()[:128], "ok")
    context = {
        "rows": rows if query else [],
        "filters": filters,
        "people": people.list_users(engine),
        "outcomes": OUTCOMES,
        "limit": AUDIT_SHOWN,
        "csv_url": "/web/admin/audit.csv" + (f"?{request.url.query}" if request.url.query else ""),
    }
    return _page(request, "admin_audit.html", context, user)


@router.get("/admin/audit.csv")
def audit_csv(
    request: Request,
    db: SessionDep,
    user: PageUser,
    filters: Annotated[AuditFilters, Depends()],
) -> Response:
    """Every matching row, oldest first, as the CSV of ``ews audit export``."""
    endpoint = "GET /web/admin/audit.csv"
    _admin(db, user, endpoint)
    engine = _engine(request)
    query = filters.query(engine)
    audited(db, user.key, f"{endpoint} {filters.subject()}".strip()[:128], "ok")
    rows: Any = audit_rows(engine, where=query) if query else iter(())
    return StreamingResponse(
        csv_chunks(rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="audit.csv"',
            "Cache-Control": "no-store",
        },
    )
