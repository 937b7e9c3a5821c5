"""Browser sessions for the staff pages: an opaque random token in a cookie, mapped to an API key.

The cookie holds only ``secrets.token_urlsafe(32)``; the database keeps its SHA-256, the key it
stands for (a person's sign-in key, or the API key typed into the form), the person, a CSRF
token for the forms and an expiry. The API key itself never leaves the sign-in form. A session
ends at sign-out, at expiry, as soon as its key is revoked, or as soon as its person is disabled.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Final

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from serving.store.tables import ApiKey, User, WebSession

COOKIE: Final = "ews_session"
SIGN_IN_CSRF: Final = "ews_sign_in_csrf"  # the sign-in form's double-submit token
LIFETIME_S: Final = 8 * 3600  # one working day; staff sign in again the next morning


@dataclass(frozen=True)
class SignedIn:
    """Who is behind a page request: the live API key row, the session's CSRF token and the
    person (None for a session opened with a shared key)."""

    key: ApiKey
    csrf: str
    person: User | None = None

    @property
    def name(self) -> str | None:
        """The person's display name, for the page header."""
        return self.person.display_name if self.person else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(db: Session, key: ApiKey, lifetime_s: int = LIFETIME_S) -> str:
    """Start a session for ``key`` and return the cookie token (the only time it exists)."""
    token = secrets.token_urlsafe(32)
    started = int(time.time())
    row = WebSession(
        token_hash=_token_hash(token),
        key_id=key.id,
        user_id=key.user_id,
        csrf=new_csrf(),
        created_at=started,
        expires_at=started + lifetime_s,
    )
    with db.begin():
        db.execute(delete(WebSession).where(WebSession.expires_at <= started))
        db.add(row)
    return token


def resolve(db: Session, token: str | None) -> SignedIn | None:
    """The live key, CSRF token and person behind a cookie; None when unknown, expired,
    revoked or its person disabled."""
    if not token:
        return None
    query = (
        select(WebSession, ApiKey, User)
        .join(ApiKey, ApiKey.id == WebSession.key_id)
        .join(User, User.id == ApiKey.user_id, isouter=True)
        .where(WebSession.token_hash == _token_hash(token))
    )
    with db.begin():
        found = db.execute(query).first()
    if found is None:
        return None
    session, key, person = found[0], found[1], found[2]
    if session.expires_at <= time.time() or key.revoked_at is not None:
        return None
    if person is not None and person.disabled_at is not None:
        return None
    return SignedIn(key=key, csrf=session.csrf, person=person)


def close_session(db: Session, token: str | None) -> None:
    """Forget a session (sign-out); unknown tokens are ignored."""
    if token:
        with db.begin():
            db.execute(delete(WebSession).where(WebSession.token_hash == _token_hash(token)))


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def same_csrf(expected: str, given: str | None) -> bool:
    return given is not None and secrets.compare_digest(expected.encode(), given.encode())
