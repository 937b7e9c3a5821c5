"""Staff passwords: kept only as an argon2id hash (argon2-cffi's ``PasswordHasher``, RFC 9106's
low-memory profile: 64 MiB, 3 passes), checked in constant time, re-hashed on the next good
sign-in when the parameters have been raised since (``check_needs_rehash``).

A password is 12 to 128 characters; generated ones are 16 URL-safe characters (96 bits). Each
hash or check holds 64 MiB for about 0.1 s, so at most ``AT_ONCE`` run at a time in a process: a
burst of sign-ins waits its turn instead of taking the machine's memory (40 threads × 64 MiB).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER: PasswordHasher = PasswordHasher()  # tests swap in a cheaper one
MIN_LENGTH: Final = 12
MAX_LENGTH: Final = 128  # argon2 takes any length; a cap keeps a megabyte "password" out
AT_ONCE: Final = 4
_TURNS = threading.BoundedSemaphore(AT_ONCE)


class WeakPassword(ValueError):
    """The password is shorter than ``MIN_LENGTH`` or longer than ``MAX_LENGTH``."""


@dataclass(frozen=True)
class Checked:
    """A password check: whether it matched, and the new hash to store when it should be
    re-hashed with today's parameters (None: keep the stored one)."""

    ok: bool
    rehashed: str | None = None


def check_strength(password: str) -> None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise WeakPassword(
            f"password must be {MIN_LENGTH} to {MAX_LENGTH} characters; got {len(password)}"
        )


def hash_password(password: str) -> str:
    check_strength(password)
    with _TURNS:
        return HASHER.hash(password)


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def verify(stored_hash: str, password: str) -> Checked:
    """Check ``password`` against ``stored_hash``; a hash that is not argon2's never matches,
    nor does a password longer than any that is stored."""
    if len(password) > MAX_LENGTH:
        return Checked(False)
    with _TURNS:
        try:
            HASHER.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return Checked(False)
        if HASHER.check_needs_rehash(stored_hash):
            return Checked(True, HASHER.hash(password))
    return Checked(True)


_DUMMY: list[str] = []


def verify_nobody(password: str) -> None:
    """Spend the time a real check takes, for an unknown username: the answer's timing then
    does not tell which usernames exist."""
    if not _DUMMY:
        with _TURNS:
            _DUMMY.append(HASHER.hash(secrets.token_urlsafe(12)))
    verify(_DUMMY[0], password)
