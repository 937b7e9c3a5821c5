"""This month's changes in a region ("이번 달 변화"), read from the monthly re-score's file
(``ews monthly score``): grade rises, new arrears or delinquency, failed firms, stale data."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class ChangedFirm(BaseModel):
    """One firm's move between the previous month-end and this one."""

    firm_id: str
    name: str | None = Field(None, description="The stored firm name, when there is one")
    district: str | None = Field(None, description="시군구 code")
    district_name: str | None = None
    pd: float | None = Field(None, description="PD this month-end (None: failed or stale)")
    grade: str | None = None
    previous_pd: float | None = Field(None, description="PD at the previous month-end")
    previous_grade: str | None = None
    grade_change: int | None = Field(
        None, description="Steps up the grade ladder since last month (+ is worse)"
    )
    new_triggers: list[str] = Field(
        default_factory=list,
        description="Arrears and 30-day delinquency event types that happened this month",
    )
    failed_on: dt.date | None = Field(None, description="Date of the first default-type event")
    failure_event: str | None = None
    statement_period_end: dt.date | None = None
    statement_age_months: float | None = None
    reasons_ko: list[str] = Field(default_factory=list, description="Top reasons, in Korean")


class ChangesOut(BaseModel):
    """A region's changes on one month-end, each list most urgent first (highest PD, or the
    earliest failure)."""

    region: str
    region_name_ko: str
    region_name_en: str
    month: str = Field(description="YYYY-MM of the month-end")
    as_of: dt.date
    previous_as_of: dt.date | None
    months: list[str] = Field(description="Every month with monthly scores, newest first")
    firms_scored: int = Field(description="The region's rows in the month's file")
    counts: dict[str, int] = Field(
        description="How many firms each list holds in all (grade_rises, new_triggers, failed, "
        "became_stale); each list shows its first ``limit``"
    )
    limit: int
    grade_rises: list[ChangedFirm]
    new_triggers: list[ChangedFirm]
    failed: list[ChangedFirm]
    became_stale: list[ChangedFirm]
    source: str = Field(description="The monthly scores file read")
