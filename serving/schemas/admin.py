"""Bodies of the admin API (``/v1/admin/users``, ``/v1/admin/keys``, ``/v1/admin/audit``):
staff accounts, API keys and audit rows. Passwords and keys appear only in the one response
that creates them; every other body carries neither."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from serving.schemas import Strict


class UserIn(Strict):
    """A staff account to create: a centre's (role ``center`` and its 시도) or HQ's."""

    username: str = Field(min_length=2, max_length=64, examples=["kim.minjun"])
    display_name: str = Field(min_length=1, max_length=64, examples=["김민준"])
    role: str = Field(
        examples=["center"], description="center, analyst, admin, partner, office or local_gov"
    )
    region: str | None = Field(None, description="시도 code for a centre's staff; none for HQ")
    capacity: int | None = Field(None, ge=0, le=10_000, description="Open cases they can carry")
    organisation: str | None = Field(
        None, max_length=64, description="A partner's agency (e.g. 중진공): the referrals it sees"
    )
    password: str | None = Field(
        None, min_length=12, max_length=128, description="Omit to have one generated"
    )


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    region: str | None
    organisation: str | None = None
    capacity: int | None
    created_at: dt.datetime
    disabled_at: dt.datetime | None
    locked_until: dt.datetime | None

    @classmethod
    def of(cls, user: Any) -> UserOut:
        return cls.model_validate(user, from_attributes=True)


class UserCreated(UserOut):
    password: str = Field(description="Shown only in this response")


class PasswordReset(BaseModel):
    username: str
    password: str = Field(description="Shown only in this response; open sessions were ended")


class PasswordIn(Strict):
    password: str | None = Field(None, min_length=12, max_length=128)


class CapacityIn(Strict):
    capacity: int | None = Field(ge=0, le=10_000, description="null: the centre's default")


class KeyIn(Strict):
    """A key for a person (``username``: their role and region) or a shared one (role, region)."""

    username: str | None = Field(None, max_length=64)
    role: str | None = None
    region: str | None = None
    label: str | None = Field(None, max_length=64)


class KeyOut(BaseModel):
    id: int
    prefix: str
    role: str
    region: str | None
    user_id: int | None
    username: str | None = None
    label: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class KeyCreated(KeyOut):
    key: str = Field(description="Shown only in this response")


class AuditRowOut(BaseModel):
    """One audit row with the person behind it (username and name: null for a shared key)."""

    id: int
    at: dt.datetime
    key_id: int | None
    key_prefix: str | None
    user_id: int | None
    username: str | None
    display_name: str | None
    role: str | None
    region: str | None
    endpoint: str
    subject_region: str | None
    firm_ids: list[str]
    model_version: str | None
    score_id: str | None
    outcome: str
    prev_hash: str | None
    row_hash: str | None
