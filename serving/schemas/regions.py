"""Region risk: region and cluster summaries, all 시도 side by side (watch lists are
``serving.schemas.watchlist``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import (
    BaseModel,
    Field,
)

# A region's stage: words of its own, never a firm grade's (정상·관심·주의·경계·심각).
StageName = Literal["안정", "유의", "위험"]


class GradeCount(BaseModel):
    grade: str
    grade_en: str
    colour: str
    count: int
    previous: int | None = Field(description="Count at the previous as-of date")
    change: int | None


class PeriodFigures(BaseModel):
    as_of: dt.date
    n_firms: int
    expected: float = Field(description="Expected distressed firms within 12 months (Σ PD)")
    expected_rate: float = Field(description="expected / n_firms")


class ChangeFigures(BaseModel):
    """Since the previous as-of date (same model on both dates)."""

    n_firms: int
    expected: float
    expected_rate: float = Field(description="Change of the expected distress rate, in points")
    rate_change: float | None = Field(description="Relative change of the rate (0.25 = +25%)")
    grade_up: int = Field(description="Firms scored on both dates whose grade rose")
    grade_down: int = Field(description="…whose grade fell")
    entered: int = Field(description="Firms scored now but not on the previous date")
    exited: int = Field(description="Firms scored then but not now (distress, closure, no filing)")


class RiskFigures(BaseModel):
    n_firms: int = Field(description="Firms with a PD (stale and in-state firms not counted)")
    expected: float = Field(description="Expected distressed firms within 12 months (Σ PD)")
    expected_rate: float
    grades: list[GradeCount]
    previous: PeriodFigures | None
    change: ChangeFigures | None
    n_stale: int = Field(0, description="Firms without a PD: latest statement stale")
    n_in_state: int = Field(0, description="Firms without a PD: already in the model's state")


class StageOut(BaseModel):
    """A proposed 안정·유의·위험 stage and the rule that set it (docs/watchlist.md)."""

    stage: StageName
    stage_en: str = Field(description="stable, watch or at risk")
    colour: str = Field(description="green, yellow or red, for a badge")
    ratio: float | None = Field(description="Expected distress rate ÷ the national rate")
    rate_change: float | None = Field(description="Relative change since the previous as-of")
    national_rate: float
    small_sample: bool = Field(description="Fewer firms than the rule trusts; read with care")
    reason_ko: str
    reason_en: str


class DriverFamily(BaseModel):
    family: str
    name_ko: str
    name_en: str
    mean_contribution: float = Field(description="Average probability points per firm")
    national_mean_contribution: float = Field(description="The same over all scored firms")
    expected: float = Field(description="Expected distressed firms it accounts for (Σ points)")
    share_raising: float = Field(description="Share of firms for which it raises the risk")


class DriverFeature(BaseModel):
    feature: str
    family: str
    label_ko: str
    label_en: str
    mean_contribution: float
    national_mean_contribution: float
    share_raising: float
    median: float | None = Field(description="Median value among the group's firms")
    national_median: float | None
    median_display: str
    national_median_display: str
    sentence_ko: str
    sentence_en: str


class DriversOut(BaseModel):
    """Reasons summed over a group's firms: base_pd + Σ family means = the group's mean PD."""

    base_pd: float
    mean_pd: float
    families: list[DriverFamily]
    features: list[DriverFeature]


class IndicatorOut(BaseModel):
    name: str
    label_ko: str
    label_en: str
    value: float
    previous: float | None = Field(description="Value of the period before")
    display: str


class IndicatorsOut(BaseModel):
    """The region's latest indicators published before the as-of date."""

    period: int
    published_on: dt.date
    values: list[IndicatorOut]


class RegionRow(BaseModel):
    region: str
    region_ko: str
    region_en: str
    figures: RiskFigures
    stage: StageOut
    indicators: IndicatorsOut | None


class RegionsOut(BaseModel):
    as_of: dt.date
    previous_as_of: dt.date | None
    model_name: str
    model_version: str
    grade_table_version: str
    national: RiskFigures
    regions: list[RegionRow]


class RegionSummaryOut(RegionRow):
    as_of: dt.date
    previous_as_of: dt.date | None
    model_name: str
    model_version: str
    grade_table_version: str
    drivers: DriversOut
    n_clusters: int


class ClusterOut(BaseModel):
    cluster_id: str
    cluster_name: str | None = Field(
        None, description="산업단지 name; null for an id the service does not know"
    )
    cluster_name_en: str | None = None
    figures: RiskFigures
    stage: StageOut
    drivers: DriversOut


class ClustersOut(BaseModel):
    region: str
    region_ko: str
    region_en: str
    as_of: dt.date
    previous_as_of: dt.date | None
    model_name: str
    model_version: str
    clusters: list[ClusterOut] = Field(description="Highest expected distress rate first")
    unclustered: RiskFigures | None = Field(description="The region's firms in no cluster")
