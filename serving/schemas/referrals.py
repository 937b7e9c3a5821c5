"""Referrals: a centre hands a firm's case to a One-Team partner, the partner says what it did.

A referral is made by the firm's own centre (``ReferralIn``) to a partner organisation, for a
programme, with the centre's note; the partner records its decision (``DecisionIn``). The
partner sees the firm's id, name, region and the note, never its scores or statements.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from core import clock
from serving.schemas import Strict

ReferralStatus = Literal["referred", "reviewing", "approved", "declined"]
Decision = Literal["reviewing", "approved", "declined"]
AMOUNT_MAX = 100_000_000  # 천원: 1,000억원, far above any one SME programme
PROGRAMME_PATTERN = r"^[a-z][a-z0-9_]{1,40}$"  # a catalogue id (config/programmes.yaml)


def _stripped(value: str | None) -> str | None:
    return (value.strip() or None) if value is not None else None


class ReferralIn(Strict):
    """A referral of a firm to a partner organisation, from its case."""

    partner: str = Field(
        min_length=1, max_length=64, description="The partner organisation (a partner account's)"
    )
    programme: str | None = Field(
        None, pattern=PROGRAMME_PATTERN, description="A programme id from the catalogue"
    )
    note: str | None = Field(
        None, max_length=2000, description="What the centre found and asks the partner to do"
    )

    @field_validator("partner")
    @classmethod
    def _partner(cls, partner: str) -> str:
        if not partner.strip():
            raise ValueError("partner must name an organisation")
        return partner.strip()

    @field_validator("note")
    @classmethod
    def _note(cls, note: str | None) -> str | None:
        return _stripped(note)


class DecisionIn(Strict):
    """What the partner did: reviewing, approved (with the amount) or declined, and when."""

    status: Decision = Field(description="reviewing, approved or declined")
    decided_on: dt.date = Field(description="Date of the decision; not in the future (Korea)")
    amount: float | None = Field(
        None,
        ge=0,
        le=AMOUNT_MAX,
        allow_inf_nan=False,
        description="Amount approved in 천원 (approved only)",
    )
    note: str | None = Field(None, max_length=2000, description="The partner's note")

    @field_validator("note")
    @classmethod
    def _note(cls, note: str | None) -> str | None:
        return _stripped(note)

    @field_validator("decided_on")
    @classmethod
    def _not_future(cls, decided_on: dt.date) -> dt.date:
        if decided_on > clock.seoul_today():
            raise ValueError("decided_on must not be in the future")
        if decided_on.year < 2000:
            raise ValueError("decided_on must be in 2000 or later")
        return decided_on

    @model_validator(mode="after")
    def _amount_only_when_approved(self) -> DecisionIn:
        if self.amount is not None and self.status != "approved":
            raise ValueError("amount is recorded only with status approved")
        return self


class ReferralOut(BaseModel):
    """A referral and where it stands: the centre's request and the partner's answer."""

    referral_id: str
    firm_id: str
    firm_name: str | None = Field(description="Null when the firm is no longer in the data")
    region: str = Field(description="The referring centre's 시도")
    region_ko: str
    case_id: str | None = Field(description="The firm's case when it had one")
    partner: str
    programme: str | None
    note: str | None = Field(description="The centre's note to the partner")
    status: ReferralStatus
    status_ko: str
    status_en: str
    amount: float | None = Field(description="천원, when approved")
    decided_on: dt.date | None
    partner_note: str | None
    created_at: dt.datetime
    created_by: str | None = Field(description="The staff member who referred, when known")
    updated_at: dt.datetime
    in_data: bool = Field(description="Whether the firm is still in the stored data")


class ReferralsOut(BaseModel):
    """Referrals the caller may see, newest first."""

    partner: str | None = Field(description="The partner organisation listed, for a partner")
    items: list[ReferralOut]
