"""Browser sessions for the staff pages: an opaque random token in a cookie, mapped to an API key.

The cookie holds only ``secrets.token_urlsafe(32)``; the database keeps its SHA-256, the key it
stands for, a CSRF token for the forms and an expiry. The API key itself never leaves the
sign-in form. A session ends at sign-out, at expiry, or as soon as its key is revoked.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Final

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from serving.store.tables import ApiKey, WebSession

COOKIE: Final = "ews_session"
SIGN_IN_CSRF: Final = "ews_sign_in_csrf"  # the sign-in form's double-submit token
LIFETIME_S: Final = 8 * 3600  # one working day; staff sign in again the next morning


@dataclass(frozen=True)
class SignedIn:
    """Who is behind a page request: the live API key row and the session's CSRF token."""

    key: ApiKey
    csrf: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(db: Session, key: ApiKey, lifetime_s: int = LIFETIME_S) -> str:
    """Start a session for ``key`` and return the cookie token (the only time it exists)."""
    token = secrets.token_urlsafe(32)
    started = int(time.time())
    row = WebSession(
        token_hash=_token_hash(token),
        key_id=key.id,
        csrf=new_csrf(),
        created_at=started,
        expires_at=started + lifetime_s,
    )
    with db.begin():
        db.execute(delete(WebSession).where(WebSession.expires_at <= started))
        db.add(row)
    return token


def resolve(db: Session, token: str | None) -> SignedIn | None:
    """The live key and CSRF token behind a cookie; None when unknown, expired or revoked."""
    if not token:
        return None
    query = (
        select(WebSession, ApiKey)
        .join(ApiKey, ApiKey.id == WebSession.key_id)
        .where(WebSession.token_hash == _token_hash(token))
    )
    with db.begin():
        found = db.execute(query).first()
    if found is None:
        return None
    session, key = found[0], found[1]
    if session.expires_at <= time.time() or key.revoked_at is not None:
        return None
    return SignedIn(key=key, csrf=session.csrf)


def close_session(db: Session, token: str | None) -> None:
    """Forget a session (sign-out); unknown tokens are ignored."""
    if token:
        with db.begin():
            db.execute(delete(WebSession).where(WebSession.token_hash == _token_hash(token)))


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def same_csrf(expected: str, given: str | None) -> bool:
    return given is not None and secrets.compare_digest(expected.encode(), given.encode())
