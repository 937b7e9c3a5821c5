"""Admin API: staff accounts, API keys and the audit log (admin keys and admin staff only).

Every call is audited, granted or refused: a refused key through ``keys.admin_key``; a granted
call's row names the account or key it acted on after the route (``… {username} kim.minjun``).
Passwords and keys are in the one response that creates them, never again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine

from serving.access import people
from serving.access.audit import AuditQuery, audit_rows, audited, csv_chunks
from serving.access.keys import (
    AdminKey,
    InvalidRegion,
    NotRotatable,
    SessionDep,
    create_key,
    list_keys,
    live_key,
    revoke_key_id,
    rotate_key,
)
from serving.openapi import KEYED, errors
from serving.schemas.admin import (
    AuditRowOut,
    CapacityIn,
    KeyCreated,
    KeyIn,
    KeyOut,
    PasswordIn,
    PasswordReset,
    UserCreated,
    UserIn,
    UserOut,
)
from serving.store.tables import ApiKey, User

router = APIRouter(
    prefix="/v1/admin", tags=["admin"], responses=errors(*KEYED, 403, 404, 409, 413, 422)
)
T = TypeVar("T")
AUDIT_LIMIT = 100_000


def _act(session: SessionDep, key: ApiKey, endpoint: str, action: Callable[[], T]) -> T:
    """Run an admin action and audit it: ``ok``, or the refusal as 404 (no such account or
    key) or 422 (naming the field), audited ``not_found`` or ``invalid``."""
    endpoint = endpoint[:128]
    try:
        result = action()
    except LookupError as error:  # no such account or key
        audited(session, key, endpoint, "not_found")
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except people.InvalidUser as error:
        audited(session, key, endpoint, "invalid")
        detail = [{"type": "value_error", "loc": ["body", error.field], "msg": str(error)}]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail) from error
    except (people.UserDisabled, NotRotatable, ValueError) as error:
        audited(session, key, endpoint, "invalid")
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    audited(session, key, endpoint, "ok")
    return result


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


@router.get("/users", response_model=list[UserOut], summary="Staff accounts")
def users(request: Request, key: AdminKey, session: SessionDep) -> list[UserOut]:
    found = _act(session, key, "GET /v1/admin/users", lambda: people.list_users(_engine(request)))
    return [UserOut.of(user) for user in found]


@router.post("/users", response_model=UserCreated, status_code=201, summary="Create an account")
def create_user(request: Request, body: UserIn, key: AdminKey, session: SessionDep) -> UserCreated:
    """Create a staff account; the password (given or generated) is in this response only."""
    user, password = _act(
        session,
        key,
        f"POST /v1/admin/users {body.username}",
        lambda: people.create_user(
            _engine(request),
            body.username,
            body.display_name,
            body.role,
            body.region,
            body.capacity,
            body.password,
            body.organisation,
        ),
    )
    return UserCreated(**UserOut.of(user).model_dump(), password=password)


@router.post("/users/{username}/disable", response_model=UserOut, summary="Disable an account")
def disable_user(request: Request, username: str, key: AdminKey, session: SessionDep) -> UserOut:
    """Their keys are revoked and their sessions ended at once."""
    endpoint = f"POST /v1/admin/users/{{username}}/disable {username}"

    def disable() -> User:
        people.check_not_own(key, user_id=people.get_user(_engine(request), username).id)
        return people.disable_user(_engine(request), username)

    return UserOut.of(_act(session, key, endpoint, disable))


@router.post("/users/{username}/enable", response_model=UserOut, summary="Enable an account")
def enable_user(request: Request, username: str, key: AdminKey, session: SessionDep) -> UserOut:
    endpoint = f"POST /v1/admin/users/{{username}}/enable {username}"
    return UserOut.of(
        _act(session, key, endpoint, lambda: people.enable_user(_engine(request), username))
    )


@router.post("/users/{username}/reset", response_model=PasswordReset, summary="Reset a password")
def reset_password(
    request: Request,
    username: str,
    key: AdminKey,
    session: SessionDep,
    body: PasswordIn | None = None,
) -> PasswordReset:
    """A new password (given, or generated and in this response only); open sessions end."""
    endpoint = f"POST /v1/admin/users/{{username}}/reset {username}"
    given = body.password if body else None
    password = _act(
        session, key, endpoint, lambda: people.reset_password(_engine(request), username, given)
    )
    return PasswordReset(username=username, password=password)


@router.put("/users/{username}/capacity", response_model=UserOut, summary="Set a capacity")
def set_capacity(
    request: Request, username: str, body: CapacityIn, key: AdminKey, session: SessionDep
) -> UserOut:
    endpoint = f"PUT /v1/admin/users/{{username}}/capacity {username}"
    return UserOut.of(
        _act(
            session,
            key,
            endpoint,
            lambda: people.set_capacity(_engine(request), username, body.capacity),
        )
    )


def key_out(row: ApiKey, usernames: dict[int, str]) -> KeyOut:
    return KeyOut(
        id=row.id,
        prefix=row.prefix,
        role=row.role,
        region=row.region,
        user_id=row.user_id,
        username=usernames.get(row.user_id) if row.user_id is not None else None,
        label=row.label,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def _usernames(request: Request) -> dict[int, str]:
    return {i: user.username for i, user in people.people_by_id(_engine(request)).items()}


@router.get("/keys", response_model=list[KeyOut], summary="API keys (never the keys themselves)")
def keys(
    request: Request,
    key: AdminKey,
    session: SessionDep,
    username: Annotated[str | None, Query(max_length=64)] = None,
) -> list[KeyOut]:
    """Every key, or one person's: id, prefix, role, region, person, label, created, revoked."""

    def read() -> list[ApiKey]:
        owner = people.get_user(_engine(request), username).id if username else None
        return list_keys(_engine(request), user_id=owner)

    found = _act(session, key, f"GET /v1/admin/keys {username or ''}".strip(), read)
    names = _usernames(request)
    return [key_out(row, names) for row in found]


@router.post("/keys", response_model=KeyCreated, status_code=201, summary="Issue a key")
def create(request: Request, body: KeyIn, key: AdminKey, session: SessionDep) -> KeyCreated:
    """A person's key (their role and region) or a shared one; the key is in this response
    only."""
    engine = _engine(request)

    def issue() -> tuple[str, ApiKey]:
        if body.username:
            if body.role is not None or body.region is not None:
                raise people.InvalidUser("role", "a person's key takes their role and region")
            return people.create_user_key(engine, body.username, body.label or "api")
        try:
            plain = create_key(engine, body.role or "", body.region, label=body.label)
        except ValueError as error:
            field = "region" if isinstance(error, InvalidRegion) else "role"
            raise people.InvalidUser(field, str(error)) from error
        found = live_key(engine, plain)
        assert found is not None  # just issued
        return plain, found

    subject = body.username or body.role or ""
    plain, row = _act(session, key, f"POST /v1/admin/keys {subject}", issue)
    return KeyCreated(**key_out(row, _usernames(request)).model_dump(), key=plain)


def _get_key(request: Request, key_id: int) -> ApiKey:
    found = list_keys(_engine(request), str(key_id))
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no key with id {key_id}")
    return found[0]


@router.post("/keys/{key_id}/revoke", response_model=KeyOut, summary="Revoke a key at once")
def revoke(request: Request, key_id: int, key: AdminKey, session: SessionDep) -> KeyOut:
    """The key's next request gets 401 (its sessions end with it)."""

    def act() -> bool:
        people.check_not_own(key, key_id=key_id)
        if not revoke_key_id(_engine(request), key_id):
            raise LookupError(f"no live key with id {key_id}")
        return True

    _act(session, key, f"POST /v1/admin/keys/{{key_id}}/revoke {key_id}", act)
    return key_out(_get_key(request, key_id), _usernames(request))


@router.post("/keys/{key_id}/rotate", response_model=KeyCreated, summary="Rotate a key")
def rotate(request: Request, key_id: int, key: AdminKey, session: SessionDep) -> KeyCreated:
    """Revoke the key and issue one for the same role, region, person and label."""

    def act() -> tuple[str, ApiKey]:
        people.check_not_own(key, key_id=key_id)
        rotated = rotate_key(_engine(request), key_id)
        if rotated is None:
            raise LookupError(f"no live key with id {key_id}")
        return rotated

    plain, row = _act(session, key, f"POST /v1/admin/keys/{{key_id}}/rotate {key_id}", act)
    return KeyCreated(**key_out(row, _usernames(request)).model_dump(), key=plain)


def audit_query(
    engine: Engine,
    username: str | None,
    firm_id: str | None,
    action: str | None,
    outcome: str | None,
    since: dt.date | None,
    until: dt.date | None,
) -> AuditQuery | None:
    """The filters as an ``AuditQuery`` (``until`` inclusive); None for an unknown person,
    whose rows are none."""
    user_id = None
    if username:
        user = people.find_user(engine, username)
        if user is None:
            return None
        user_id = user.id
    return AuditQuery(
        since=dt.datetime.combine(since, dt.time(), dt.UTC) if since else None,
        until=dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC)
        if until
        else None,
        user_id=user_id,
        firm_id=firm_id or None,
        action=action or None,
        outcome=outcome or None,
    )


@router.get(
    "/audit",
    response_model=list[AuditRowOut],
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    summary="The audit log, filtered (JSON, or CSV with ?format=csv or Accept: text/csv)",
)
def audit(
    request: Request,
    key: AdminKey,
    session: SessionDep,
    username: Annotated[str | None, Query(max_length=64, description="The person")] = None,
    firm_id: Annotated[str | None, Query(max_length=40)] = None,
    action: Annotated[str | None, Query(max_length=128, description="Part of the path")] = None,
    outcome: Annotated[str | None, Query(max_length=32)] = None,
    since: Annotated[dt.date | None, Query(description="First day (UTC)")] = None,
    until: Annotated[dt.date | None, Query(description="Last day, inclusive (UTC)")] = None,
    limit: Annotated[int, Query(ge=1, le=AUDIT_LIMIT)] = 1000,
    format: Annotated[Literal["json", "csv"] | None, Query()] = None,
) -> object:
    """Newest first in JSON (up to ``limit``); the CSV export has every matching row, oldest
    first."""
    engine = _engine(request)
    query = _act(
        session,
        key,
        "GET /v1/admin/audit",
        lambda: audit_query(engine, username, firm_id, action, outcome, since, until),
    )
    as_csv = format == "csv" or (format is None and "text/csv" in request.headers.get("accept", ""))
    if as_csv:
        rows = audit_rows(engine, where=query) if query else iter(())
        return StreamingResponse(
            csv_chunks(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
        )
    if query is None:
        return []
    return [
        AuditRowOut.model_validate(row)
        for row in audit_rows(engine, where=query, limit=limit, newest_first=True)
    ]
