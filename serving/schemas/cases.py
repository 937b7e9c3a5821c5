"""A firm's case (stage, owner, follow-up date), its change log, and a centre's open cases."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from core import clock
from serving.schemas import Strict

CaseStatus = Literal["uncontacted", "contacted", "visited", "supported", "monitoring", "closed"]
USER_ID_MAX = 2**31 - 1  # users.id is a 32-bit integer column; larger ids exist nowhere


class CaseEventOut(BaseModel):
    """One change of a case: which field went from what to what, who changed it and when."""

    at: dt.datetime
    field: str = Field(description="status, assignee, next_follow_up, last_contact or note")
    old_value: str | None
    new_value: str | None
    note: str | None
    key_id: int | None
    user_id: int | None
    user_name: str | None = Field(description="The staff member's display name, when known")


class CaseOut(BaseModel):
    """A firm's case. A firm no one has worked on yet has no stored case: it is shown as
    ``uncontacted`` with ``case_id`` null and no events."""

    case_id: str | None
    firm_id: str
    region: str
    status: CaseStatus
    status_ko: str
    status_en: str
    assignee_id: int | None
    assignee_name: str | None
    next_follow_up: dt.date | None
    overdue: bool = Field(description="next_follow_up is before today (Korea's date), case open")
    last_contact: dt.date | None
    opened_at: dt.datetime | None
    updated_at: dt.datetime | None
    closed_at: dt.datetime | None
    events: list[CaseEventOut] = Field(default_factory=list, description="Newest first")


class CaseChangeIn(Strict):
    """What to change; fields left out stay as they are. ``assignee_id`` null releases the case,
    ``next_follow_up`` null clears the date; a ``note`` alone is kept as a note event."""

    status: CaseStatus | None = None
    assignee_id: int | None = Field(
        None, ge=1, le=USER_ID_MAX, description="users.id of the centre's staff"
    )
    next_follow_up: dt.date | None = Field(None, description="Not in the past (Korea's date)")
    note: str | None = Field(None, max_length=2000)

    @field_validator("next_follow_up")
    @classmethod
    def _not_past(cls, when: dt.date | None) -> dt.date | None:
        if when is not None and when < clock.seoul_today():
            raise ValueError("next_follow_up must not be in the past (Korea's date)")
        if when is not None and when.year > 2100:
            raise ValueError("next_follow_up must be before 2100")
        return when

    @field_validator("note")
    @classmethod
    def _text(cls, note: str | None) -> str | None:
        return (note.strip() or None) if note is not None else None

    @model_validator(mode="after")
    def _something(self) -> CaseChangeIn:
        if not self.model_fields_set:
            raise ValueError("give at least one of status, assignee_id, next_follow_up, note")
        return self


class StaffLoad(BaseModel):
    """One staff member's open cases against what they can carry."""

    user_id: int
    name: str
    open_cases: int
    capacity: int = Field(description="users.capacity, else the centre's default")
    over: bool


class CasesOut(BaseModel):
    """A centre's open cases (not 종결), the soonest follow-up first, and each person's load."""

    region: str
    today: dt.date = Field(description="Korea's date the overdue flags are judged by")
    items: list[CaseOut]
    staff: list[StaffLoad]
