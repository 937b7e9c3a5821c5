"""Scores: the score request (a stored firm or a submitted one), batches, the score as served,
and a firm's stored scores."""

from __future__ import annotations

import datetime as dt
from typing import Final, Literal

from pydantic import (
    BaseModel,
    Field,
)

from serving.schemas import (
    STATUS_DESCRIPTION,
    FamilyOut,
    FirmId,
    FlagOut,
    Reason,
    ScoreStatus,
    Strict,
)


class BatchRequest(Strict):
    firm_ids: list[FirmId] = Field(min_length=1, max_length=1000, description="1 to 1000 firms")


BASE_PD_DESCRIPTION: Final = (
    "The model's base rate: the PD of an average firm of the training data (the starting "
    "point of the reasons, not this firm's risk); base_pd + Σ contributions = pd"
)


class ScoreOut(BaseModel):
    """A calibrated PD with its grade and reasons; ``base_pd + Σ reasons + Σ rest == pd``.

    When ``status`` is not ``ok`` there is no PD, grade or reason: ``message_ko``/``message_en``
    say why ("자료 오래됨 (최근 재무제표 2019-12-31)", "이미 한계기업")."""

    score_id: str = Field(description="Fetch this explanation again at /v1/scores/{score_id}")
    firm_id: str | None
    region: str = Field(description="시도 code; 00 = 지역 미상 (no region stored)")
    as_of: dt.date
    status: ScoreStatus = Field("ok", description=STATUS_DESCRIPTION)
    message_ko: str | None = Field(None, description="Why there is no PD (null when ok)")
    message_en: str | None = None
    event_ko: str = Field("부도·폐업 위험", description="What ``pd`` is the probability of")
    event_en: str = "risk of default or closure"
    pd: float | None = Field(
        description="Probability of the model's event (``event_en``) within its horizon; "
        "null unless status is ok"
    )
    horizon_months: int
    grade: str | None = Field(description="정상·관심·주의·경계·심각; null unless status is ok")
    grade_en: str | None
    grade_colour: str
    action_ko: str | None = Field(
        None, description="What the grade asks of the centre (docs/grades.md); null without a grade"
    )
    action_en: str | None = None
    kosme_stage: str | None = Field(
        None, description="KOSME's early-warning stage beside the grade (null: none for 정상, 관심)"
    )
    grade_table_version: str
    model_name: str
    model_version: str
    base_pd: float = Field(description=BASE_PD_DESCRIPTION)
    statement_period_end: dt.date | None = Field(
        None, description="Period end of the latest statement the score uses"
    )
    statement_age_months: float | None = Field(None, description="Its age at ``as_of`` in months")
    reasons: list[Reason]
    families: list[FamilyOut]
    flags: list[FlagOut]
    created_at: dt.datetime


Outcome = Literal["ok", "not_found", "not_scorable", "forbidden", "invalid"]


class BatchItem(BaseModel):
    firm_id: str
    status: Outcome
    error: str | None = None
    score: ScoreOut | None = None


class BatchOut(BaseModel):
    items: list[BatchItem]


class HistoryItem(BaseModel):
    """One past score of a firm (fetch its reasons at /v1/scores/{score_id})."""

    score_id: str
    as_of: dt.date
    status: ScoreStatus = Field("ok", description="As in the score; pd and grade null unless ok")
    pd: float | None
    grade: str | None
    grade_table_version: str
    model_version: str
    created_at: dt.datetime
