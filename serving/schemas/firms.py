"""A firm's history over the stored as-of dates and its visits."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import (
    BaseModel,
    Field,
    field_validator,
)

from core import clock, contract
from serving.schemas import ScoreStatus, Strict

VisitFinding = Literal[contract.VISIT_FINDINGS]  # type: ignore[valid-type]
ContactType = Literal["phone", "visit", "video"]  # 전화, 방문, 화상
VisitOutcome = Literal[
    "support_needed", "applied", "approved", "declined_by_firm", "not_reached", "no_action"
]
AMOUNT_MAX = 100_000_000  # 천원: 1,000억원, far above any one SME programme


class HistoryPoint(BaseModel):
    as_of: dt.date
    fiscal_year: int | None = Field(description="Latest statement filed by the as-of date")
    status: ScoreStatus = Field("ok", description="pd and grade are null unless ok")
    message_ko: str | None = None
    message_en: str | None = None
    pd: float | None
    grade: str | None
    grade_en: str | None
    grade_colour: str
    flags: list[str]


class ReasonChange(BaseModel):
    feature: str
    family: str
    label_ko: str
    label_en: str
    value_before: float | None
    value_after: float | None
    display_before: str
    display_after: str
    contribution_before: float
    contribution_after: float
    change: float = Field(description="contribution_after − contribution_before (points)")
    sentence_ko: str
    sentence_en: str


class PeriodChange(BaseModel):
    """Between two consecutive dates on which the firm had a PD."""

    from_as_of: dt.date
    to_as_of: dt.date
    pd_change: float
    reasons: list[ReasonChange] = Field(description="Largest |change| of contribution first")


class FirmHistoryOut(BaseModel):
    """A firm's PD and grade at every stored as-of date, scored by the current model."""

    firm_id: str
    region: str = Field(description="시도 code; 00 = 지역 미상")
    model_name: str
    model_version: str
    grade_table_version: str
    horizon_months: int
    points: list[HistoryPoint] = Field(description="Oldest first")
    changes: list[PeriodChange] = Field(description="Between consecutive points")


class VisitIn(Strict):
    """A visit outcome (SPEC §3.5) recorded by the firm's own centre."""

    visited_on: dt.date = Field(description="Date of the visit; not in the future (Korea's date)")
    finding: VisitFinding = Field(description="crisis_confirmed, no_crisis, supported, referred")
    note: str | None = Field(None, max_length=2000, description="Free text, at most 2,000 chars")
    contact_type: ContactType = Field(
        "visit", description="phone (전화), visit (방문) or video (화상); default visit"
    )
    programme: str | None = Field(
        None, max_length=64, description="Programme referred: a catalogue id or free text"
    )
    amount: float | None = Field(
        None, ge=0, le=AMOUNT_MAX, allow_inf_nan=False, description="Amount in 천원, ≥ 0"
    )
    outcome: VisitOutcome | None = Field(
        None,
        description="support_needed, applied, approved, declined_by_firm, not_reached, no_action",
    )

    @field_validator("programme")
    @classmethod
    def _programme(cls, programme: str | None) -> str | None:
        return (programme.strip() or None) if programme is not None else None

    @field_validator("visited_on")
    @classmethod
    def _not_future(cls, visited_on: dt.date) -> dt.date:
        if visited_on > clock.seoul_today():  # staff date visits in Korea's time
            raise ValueError("visited_on must not be in the future")
        if visited_on.year < 2000:
            raise ValueError("visited_on must be in 2000 or later")
        return visited_on


class VisitOut(BaseModel):
    visit_id: str | None = Field(description="Null for visits imported with the raw data")
    firm_id: str
    visited_on: dt.date
    finding: str
    finding_ko: str
    finding_en: str
    note: str | None
    contact_type: str | None = Field(default=None, description="phone, visit or video")
    contact_type_ko: str | None = None
    contact_type_en: str | None = None
    programme: str | None = None
    amount: float | None = Field(default=None, description="천원")
    outcome: str | None = None
    outcome_ko: str | None = None
    outcome_en: str | None = None
    source: Literal["service", "imported"]
    recorded_at: dt.datetime | None
    recorded_by: str | None = Field(
        description="The staff member's name, else the prefix of the key that recorded it"
    )
