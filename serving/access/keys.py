"""API keys: issued for a role (``center`` keys for one 시도, ``analyst``, ``admin``), looked up
once per request, revoked; what each role may do is ``serving.access.policy``'s.

A key is ``ews_`` + 32 URL-safe characters, shown once when created; the database keeps only its
SHA-256 and its first 8 characters. A key may belong to a person (``user_id``, see
``serving.access.people``): every request and audit row made with it then names them. Each person
also has one sign-in key (label ``web sign-in``) that their browser sessions stand for; its plain
value is never kept or shown, and it is refused as an API key.

Requests carry a key in ``X-API-Key`` (or ``Authorization: Bearer``); a missing, unknown or
revoked key gets 401, audited at most once a minute per client address. Too many requests, or too
many bad keys from one address, get 429 (``serving.access.limits``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import AsyncIterator
from typing import Annotated, Final, cast

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import ColumnElement, Engine, Table, select
from sqlalchemy.orm import Session, sessionmaker

from serving.access import policy
from serving.access.limits import guard_of, retry_after
from serving.store.prepared import call, prepared_lookup
from serving.store.records import audit_row, now, write
from serving.store.tables import ApiKey

KEY_PREFIX: Final = "ews_"
SIGN_IN_LABEL: Final = "web sign-in"  # a person's sessions' key: never shown, never a bearer key


class InvalidRole(ValueError):
    """``role`` is not one of center, analyst, admin."""


class InvalidRegion(ValueError):
    """``region`` is missing for a center key, unknown, or given for a key that takes none."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _check(role: str, region: str | None) -> None:
    """Raise the typed error (InvalidRole, InvalidRegion) for a key the policy would not issue."""
    shape = policy.key_shape(role, region)
    if shape is not None:
        field, message = shape
        raise (InvalidRole if field == "role" else InvalidRegion)(message)


def create_key(
    engine: Engine,
    role: str,
    region: str | None = None,
    user_id: int | None = None,
    label: str | None = None,
) -> str:
    """Issue a key and return it; this is the only time the plain key exists."""
    key, row = new_key(role, region, user_id, label)
    with Session(engine) as session, session.begin():
        session.add(row)
    return key


def new_key(
    role: str, region: str | None, user_id: int | None = None, label: str | None = None
) -> tuple[str, ApiKey]:
    """A new key and its row (not yet stored), for a caller adding it in its own transaction."""
    _check(role, region)
    if label is not None and not label.strip():
        label = None
    key = KEY_PREFIX + secrets.token_urlsafe(24)
    row = ApiKey(
        key_hash=hash_key(key),
        prefix=key[:8],
        role=role,
        region=region,
        created_at=now(),
        user_id=user_id,
        label=label[:64] if label else None,
    )
    return key, row


def revoke_key(engine: Engine, key: str) -> bool:
    """Mark a key revoked; returns False when no such live key exists."""
    return _revoke(engine, ApiKey.key_hash == hash_key(key))


def revoke_key_id(engine: Engine, key_id: int) -> bool:
    """Mark the key with this id revoked (an operator knows the id, not the key)."""
    return _revoke(engine, ApiKey.id == key_id)


class NotRotatable(ValueError):
    """A person's sign-in key is never shown, so it is not rotated (reset the password)."""


def rotate_key(engine: Engine, key_id: int) -> tuple[str, ApiKey] | None:
    """Revoke a live key and issue one for the same role, region, person and label, in one
    transaction; returns the new key (shown once) and its row, or None for no live key."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        row = session.scalar(select(ApiKey).where(ApiKey.id == key_id))
        if row is None or row.revoked_at is not None:
            return None
        if row.label == SIGN_IN_LABEL:
            raise NotRotatable(f"key {key_id} is a sign-in key; reset its person's password")
        row.revoked_at = now()
        key, issued = new_key(row.role, row.region, row.user_id, row.label)
        session.add(issued)
    return key, issued


def _revoke(engine: Engine, which: ColumnElement[bool]) -> bool:
    with Session(engine) as session, session.begin():
        row = session.scalar(select(ApiKey).where(which))
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = now()
    return True


def list_keys(
    engine: Engine, id_or_prefix: str | None = None, user_id: int | None = None
) -> list[ApiKey]:
    """Stored keys, oldest first: all, the one with this id, or those whose prefix starts so;
    only one person's with ``user_id``."""
    query = select(ApiKey).order_by(ApiKey.id)
    if user_id is not None:
        query = query.where(ApiKey.user_id == user_id)
    if id_or_prefix is not None and id_or_prefix.isdigit():
        query = query.where(ApiKey.id == int(id_or_prefix))
    elif id_or_prefix is not None:
        query = query.where(ApiKey.prefix.startswith(id_or_prefix[:8], autoescape=True))
    with Session(engine) as session:
        return list(session.scalars(query))


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session per request; writes commit inside ``store.records.record`` before responding.

    Made in the event loop: creating a session opens no connection, and a synchronous
    dependency would cost a hand-off to the thread pool on every request.
    """
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key (ews_…)")
_bearer = HTTPBearer(auto_error=False, description="The same API key as a bearer token")


def find_key(engine: Engine, key: str) -> ApiKey | None:
    """The stored key (live or revoked) for a plain key, read on every request.

    A prepared ``SELECT`` by the indexed hash (``serving.store.prepared``): a tenth of the ORM
    session's cost, and still read per request, so a revoked key is refused from the next
    request on, in every worker. The row comes back as a detached ``ApiKey``.
    """
    table = cast(Table, ApiKey.__table__)
    found = prepared_lookup(engine, table, "key_hash").first(hash_key(key))
    return ApiKey(**found) if found is not None else None


def live_key(engine: Engine, key: str) -> ApiKey | None:
    """The stored key for a plain key, unless it is unknown or revoked (API calls and sign-in).

    A person's sign-in key is refused too: it stands only for their browser sessions. A
    disabled person's keys are revoked when they are disabled, so this one read suffices.
    """
    row = find_key(engine, key)
    if row is None or row.revoked_at is not None or row.label == SIGN_IN_LABEL:
        return None
    return row


async def current_key(
    request: Request,
    header: Annotated[str | None, Depends(_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey:
    """The live key behind the request, or 401; 429 for a caller over its limits.

    The address's budget and lock-out are checked before the key is looked up, so a flood of
    bad keys costs no database reads; a good key's budget is its own, whatever its address.
    """
    guard = guard_of(request.app.state)
    address = client_address(request)
    wait = guard.bad_keys.locked_for(address) or guard.by_address.take(address)
    if wait:
        raise too_many(wait)
    key = header or (bearer.credentials if bearer else None)
    engine = request.app.state.engine
    row = await call(engine, live_key, engine, key) if key else None
    if row is None:
        guard.bad_keys.fail(address)
        await audit_refusal(request, address, "unauthorised", None)
        if not key:
            raise _unauthorised("missing API key: send it in the X-API-Key header")
        raise _unauthorised("unknown or revoked API key")
    wait = guard.by_key.take(str(row.id))
    if wait:
        raise too_many(wait)
    return row


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def too_many(wait_s: float) -> HTTPException:
    message = (
        "too many requests or failed attempts from this caller; retry after Retry-After seconds"
    )
    return HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, message, retry_after(wait_s))


async def audit_refusal(request: Request, caller: str, outcome: str, key: ApiKey | None) -> None:
    """An audit row for a refused call, at most one a minute per caller (through the usual
    chained write); its endpoint names the address and how many refusals the row stands for."""
    count = guard_of(request.app.state).refusals.due(f"{outcome}:{caller}")
    if not count:
        return
    route = getattr(request.scope.get("route"), "path", request.url.path[:64])
    endpoint = f"{request.method} {route} from {client_address(request)} ({count} since last)"
    await write(request.app.state.engine, [audit_row(endpoint[:128], [], outcome, key)])


def _unauthorised(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, message, {"WWW-Authenticate": "Bearer"})


CurrentKey = Annotated[ApiKey, Depends(current_key)]


async def admin_key(request: Request, key: CurrentKey) -> ApiKey:
    """The key when it is an admin's; otherwise 403, audited (at most once a minute per key)."""
    refusal = policy.use_admin(key)
    if refusal is not None:
        await audit_refusal(request, f"key {key.id}", refusal.outcome, key)
        raise refusal.error()
    return key


AdminKey = Annotated[ApiKey, Depends(admin_key)]
