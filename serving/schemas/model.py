"""The champion model as described to callers, a reload's answer, and the health check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import (
    BaseModel,
    Field,
)

from serving.schemas.scores import BASE_PD_DESCRIPTION


class FeatureOut(BaseModel):
    name: str
    family: str
    label_ko: str
    label_en: str
    unit: str


class GradeOut(BaseModel):
    grade: str
    grade_en: str
    colour: str
    lower_pd: float = Field(description="Lowest PD that gets this grade")
    text_ko: str = Field(
        description="The grade with the event it grades, e.g. 한계기업 진입 위험 경계"
    )
    text_en: str


class ModelOut(BaseModel):
    name: str
    version: str
    alias: str
    horizon_months: int
    label_rules: list[str]
    event_ko: str = Field(description="What the model's PD is the probability of")
    event_en: str
    in_state_ko: str | None = Field(
        description="Firms already in this state get no PD (status in_state); null when none"
    )
    in_state_en: str | None
    stale_after_months: int = Field(description="Older statements get no PD (status stale)")
    base_pd: float | None = Field(description=BASE_PD_DESCRIPTION)
    features: list[FeatureOut]
    grade_table_version: str
    grades: list[GradeOut]
    split: dict[str, Any]
    metrics: dict[str, float]
    as_of: dt.date = Field(description="As-of date of the stored data the service scores")


class ReloadOut(BaseModel):
    previous_version: str
    version: str


class Health(BaseModel):
    status: str
    detail: str | None = None
