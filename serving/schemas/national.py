"""The national view for headquarters: every 시도's risk and its centre's work, month by month."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from serving.schemas.regions import RiskFigures, StageOut


class MonthFigures(BaseModel):
    """One calendar month (Korea's dates) of a centre's casework and its partners' answers."""

    month: str = Field(description="YYYY-MM")
    cases_opened: int
    cases_closed: int
    visits: int = Field(description="Visits recorded in the service and imported with the data")
    referrals: int = Field(description="Referrals made to partners that month")
    approved: int = Field(description="Partner decisions that month: approved")
    declined: int = Field(description="Partner decisions that month: declined")
    amount_approved: float = Field(description="천원 approved by partners that month")


class NationalRow(BaseModel):
    """One 시도 (or 00 지역 미상): its stage, expected crises and the centre's months."""

    region: str
    region_ko: str
    region_en: str
    figures: RiskFigures
    stage: StageOut
    employees_at_risk: float = Field(description="Σ PD × employees over the rated firms")
    capacity: int = Field(description="The centre's watch-list capacity (config/regions.yaml)")
    list_coverage: float = Field(
        description="Share of the expected crises in the capacity's highest-PD firms (0 if none)"
    )
    open_cases: int = Field(description="Cases not closed today")
    months: list[MonthFigures] = Field(description="Oldest first")


class NationalOut(BaseModel):
    as_of: dt.date
    previous_as_of: dt.date | None
    model_name: str
    model_version: str
    settings_version: str = Field(description="The version of config/regions.yaml read")
    months: list[str] = Field(description="The months counted, oldest first (YYYY-MM)")
    national: RiskFigures
    national_employees_at_risk: float
    regions: list[NationalRow] = Field(description="The regions the key may read")
