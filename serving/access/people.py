"""Staff accounts: a centre's staff (role ``center`` and its 시도) or headquarters' (``analyst``,
``admin``), signing in with a username and password.

Each person has one sign-in key (``keys.SIGN_IN_LABEL``) whose plain value is never kept: their
browser sessions stand for it, so the role-and-region rules, the audit rows and everything else
that reads ``key.role``, ``key.region`` and ``key.id`` work unchanged, and ``key.user_id`` names
the person. Optional per-person API keys carry the same ``user_id``.

Sign-in fails the same way for an unknown username and a wrong password. ``LOCK_AFTER``
failures in a row lock the account for ``LOCK_S`` (kept in the database, so every worker
agrees); a good password clears the count. Disabling a person revokes all their keys at once,
so their open sessions and API keys are refused from the next request on.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final, Literal

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from serving.access import passwords, policy
from serving.access.keys import SIGN_IN_LABEL, new_key
from serving.store.records import now
from serving.store.tables import ApiKey, User, WebSession

LOCK_AFTER: Final = 5
LOCK_S: Final = 15 * 60
MAX_CAPACITY: Final = 10_000
USERNAME: Final = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")


class UnknownUser(LookupError):
    """No account with that username."""


class InvalidUser(ValueError):
    """A field of an account to create or change is not acceptable; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class UserDisabled(ValueError):
    """The account is disabled: no keys are issued for it."""


class OwnAccess(ValueError):
    """An admin asked to revoke, rotate or disable the very key or account they act with,
    which would lock them out mid-action; another admin (or ``ews keys``) does it."""


def check_not_own(caller: ApiKey, key_id: int | None = None, user_id: int | None = None) -> None:
    """Raise ``OwnAccess`` when ``key_id`` is the caller's key or ``user_id`` their account."""
    if key_id is not None and key_id == caller.id:
        raise OwnAccess(f"key {key_id} is the key of this request; another admin revokes it")
    if user_id is not None and user_id == caller.user_id:
        raise OwnAccess("this is your own account; another admin disables it")


@dataclass(frozen=True)
class SignIn:
    """What a password sign-in came to: ``key`` (the person's sign-in key) when it succeeded;
    otherwise ``outcome`` says why and ``user_id`` who (None for an unknown username)."""

    outcome: Literal["ok", "unauthorised", "locked"]
    key: ApiKey | None = None
    user_id: int | None = None
    locked_now: bool = False  # this failure started a lock-out
    wait_s: float = 0.0


def _session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)


def check_user(
    username: str,
    display_name: str,
    role: str,
    region: str | None,
    capacity: int | None,
    organisation: str | None = None,
) -> None:
    """Raise ``InvalidUser`` naming the first field that is wrong."""
    if not USERNAME.fullmatch(username):
        raise InvalidUser(
            "username",
            "username must be 2 to 64 characters: lower-case letters, digits, '.', '_' or '-', "
            f"starting with a letter or digit; got {username!r}",
        )
    if not display_name.strip() or len(display_name) > 64:
        raise InvalidUser("display_name", "display name must be 1 to 64 characters")
    shape = policy.account_shape(role, region, organisation)  # a partner names its agency
    if shape is not None:
        raise InvalidUser(*shape)
    check_capacity(capacity)


def check_capacity(capacity: int | None) -> None:
    if capacity is not None and not 0 <= capacity <= MAX_CAPACITY:
        raise InvalidUser("capacity", f"capacity must be 0 to {MAX_CAPACITY}; got {capacity}")


def create_user(
    engine: Engine,
    username: str,
    display_name: str,
    role: str,
    region: str | None = None,
    capacity: int | None = None,
    password: str | None = None,
    organisation: str | None = None,
) -> tuple[User, str]:
    """Create an account with its sign-in key; returns it and its password (generated when
    none is given: the only time it exists in plain). A partner's ``organisation`` names the
    agency whose referrals it sees."""
    username = username.strip().lower()
    region = region or None
    organisation = organisation.strip() if organisation and organisation.strip() else None
    check_user(username, display_name, role, region, capacity, organisation)
    password = password if password is not None else passwords.generate_password()
    try:
        hashed = passwords.hash_password(password)
    except passwords.WeakPassword as error:
        raise InvalidUser("password", str(error)) from error
    at = now()
    user = User(
        username=username,
        display_name=display_name.strip(),
        role=role,
        region=region,
        organisation=organisation,
        password_hash=hashed,
        created_at=at,
        password_changed_at=at,
        failed_logins=0,
        capacity=capacity,
    )
    with _session(engine) as session, session.begin():
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise InvalidUser("username", f"username {username!r} is taken")
        session.add(user)
        session.flush()  # the user's id, for the sign-in key
        session.add(new_key(role, region, user.id, SIGN_IN_LABEL)[1])
    return user, password


def find_user(engine: Engine, username: str) -> User | None:
    with _session(engine) as session:
        return session.scalar(select(User).where(User.username == username.strip().lower()))


def get_user(engine: Engine, username: str) -> User:
    user = find_user(engine, username)
    if user is None:
        raise UnknownUser(f"no user named {username!r}")
    return user


def list_users(engine: Engine) -> list[User]:
    """Every account, by region (HQ first) and username."""
    with _session(engine) as session:
        query = select(User).order_by(User.region.is_not(None), User.region, User.username)
        return list(session.scalars(query))


def people_by_id(engine: Engine) -> dict[int, User]:
    """Every account by id: for pages and exports that name the person behind a key."""
    return {user.id: user for user in list_users(engine)}


def disable_user(engine: Engine, username: str) -> User:
    """Disable an account: every key of theirs revoked and every session ended, at once."""
    user = get_user(engine, username)
    with _session(engine) as session, session.begin():
        at = now()
        session.execute(
            update(User)
            .where(User.id == user.id, User.disabled_at.is_(None))
            .values(disabled_at=at)
        )
        _end_access(session, user.id, at)
    return get_user(engine, username)


def enable_user(engine: Engine, username: str) -> User:
    """Let a disabled person sign in again (with a new sign-in key; old API keys stay revoked)."""
    user = get_user(engine, username)
    with _session(engine) as session, session.begin():
        session.execute(
            update(User)
            .where(User.id == user.id)
            .values(disabled_at=None, failed_logins=0, locked_until=None)
        )
    return get_user(engine, username)


def reset_password(engine: Engine, username: str, password: str | None = None) -> str:
    """Set a new password (generated when none is given; returned, the only time it exists in
    plain), clear the lock-out and end the person's open sessions: a reset after a suspected
    leak must not leave the old sessions running. Their API keys stay."""
    user = get_user(engine, username)
    password = password if password is not None else passwords.generate_password()
    try:
        hashed = passwords.hash_password(password)
    except passwords.WeakPassword as error:
        raise InvalidUser("password", str(error)) from error
    with _session(engine) as session, session.begin():
        at = now()
        session.execute(
            update(User)
            .where(User.id == user.id)
            .values(
                password_hash=hashed, password_changed_at=at, failed_logins=0, locked_until=None
            )
        )
        _end_access(session, user.id, at, only=SIGN_IN_LABEL)
    return password


def set_capacity(engine: Engine, username: str, capacity: int | None) -> User:
    """How many open cases the person carries (None: the centre's default)."""
    check_capacity(capacity)
    user = get_user(engine, username)
    with _session(engine) as session, session.begin():
        session.execute(update(User).where(User.id == user.id).values(capacity=capacity))
    return get_user(engine, username)


def _end_access(session: Session, user_id: int, at: dt.datetime, only: str | None = None) -> None:
    """Revoke the person's live keys (only their sign-in key with ``only``) and end their
    sessions."""
    keys = select(ApiKey.id).where(ApiKey.user_id == user_id)
    if only is not None:
        keys = keys.where(ApiKey.label == only)
    ids = list(session.scalars(keys))
    session.execute(delete(WebSession).where(WebSession.key_id.in_(ids)))
    session.execute(
        update(ApiKey).where(ApiKey.id.in_(ids), ApiKey.revoked_at.is_(None)).values(revoked_at=at)
    )


def create_user_key(engine: Engine, username: str, label: str) -> tuple[str, ApiKey]:
    """An API key of the person's own (same role and region), shown once; ``label`` says what
    it is for."""
    label = label.strip()
    if not label or len(label) > 64 or label == SIGN_IN_LABEL:
        raise InvalidUser("label", f"label must be 1 to 64 characters, not {SIGN_IN_LABEL!r}")
    user = get_user(engine, username)
    if user.disabled_at is not None:
        raise UserDisabled(f"user {user.username!r} is disabled: no keys are issued for them")
    key, row = new_key(user.role, user.region, user.id, label)
    with _session(engine) as session, session.begin():
        session.add(row)
    return key, row


def sign_in(engine: Engine, username: str, password: str) -> SignIn:
    """Check a username and password; on success the person's live sign-in key (a new one
    when there is none: after they were enabled again or their password was reset)."""
    user = find_user(engine, username) if USERNAME.fullmatch(username.strip().lower()) else None
    if user is None or user.disabled_at is not None:
        passwords.verify_nobody(password)
        return SignIn("unauthorised", user_id=user.id if user else None)
    at = now()
    if user.locked_until is not None and user.locked_until > at:
        return SignIn("locked", user_id=user.id, wait_s=(user.locked_until - at).total_seconds())
    checked = passwords.verify(user.password_hash, password)
    with _session(engine) as session, session.begin():
        if not checked.ok:
            return _failed(session, user, at)
        values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
        if checked.rehashed is not None:
            values["password_hash"] = checked.rehashed
        session.execute(update(User).where(User.id == user.id).values(**values))
        return SignIn("ok", _sign_in_key(session, user), user.id)


def _failed(session: Session, user: User, at: dt.datetime) -> SignIn:
    """Count a failure (in the database: every worker sees it); the ``LOCK_AFTER``-th in a
    row locks the account for ``LOCK_S`` and starts the count again."""
    failures = (user.failed_logins or 0) + 1
    locked = failures >= LOCK_AFTER
    session.execute(
        update(User)
        .where(User.id == user.id)
        .values(
            failed_logins=0 if locked else failures,
            locked_until=at + dt.timedelta(seconds=LOCK_S) if locked else None,
        )
    )
    return SignIn("unauthorised", user_id=user.id, locked_now=locked)


def _sign_in_key(session: Session, user: User) -> ApiKey:
    query = select(ApiKey).where(
        ApiKey.user_id == user.id, ApiKey.label == SIGN_IN_LABEL, ApiKey.revoked_at.is_(None)
    )
    key = session.scalar(query.order_by(ApiKey.id.desc()))
    if key is None:
        key = new_key(user.role, user.region, user.id, SIGN_IN_LABEL)[1]
        session.add(key)
        session.flush()
    return key
