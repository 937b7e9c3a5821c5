"""Region risk: watch lists, region and cluster summaries, all 시도 side by side."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import (
    BaseModel,
    Field,
)

from serving.schemas import FlagOut, Reason, ScoreStatus

WatchStatus = Literal["new", "kept"]


LeftWhy = Literal["rank", "pd_drop", "filtered", "not_scored", "stale", "in_state"]


StageName = Literal["양호", "주의", "심각"]


class WatchItem(BaseModel):
    """One firm on a watch list, highest PD first, with its three largest reasons."""

    rank: int = Field(description="Position on the list, 1 = highest PD")
    pd_rank: int = Field(
        description="Rank by PD among all the region's firms that pass the filters"
    )
    firm_id: str
    name: str | None
    district: str | None
    ksic: str | None
    cluster_id: str | None
    pd: float
    grade: str
    grade_en: str
    grade_colour: str
    status: WatchStatus = Field(description="new: not on the previous period's list; kept: was")
    previous_pd: float | None = Field(description="PD at the previous as-of date (same model)")
    previous_grade: str | None
    reasons: list[Reason]
    flags: list[FlagOut]


class LeftItem(BaseModel):
    """A firm on the previous period's list that is not on this one, and why."""

    firm_id: str
    name: str | None
    previous_pd: float
    pd: float | None = Field(description="PD now; null when the firm is no longer scored")
    pd_rank: int | None
    why: LeftWhy
    why_ko: str
    why_en: str


class UnratedItem(BaseModel):
    """A firm of the region with no PD to rank it by: its statement is stale, or it is already in
    the state the model predicts. Listed beside the watch list, never ranked by PD."""

    firm_id: str
    name: str | None
    district: str | None
    ksic: str | None
    cluster_id: str | None
    status: ScoreStatus
    message_ko: str
    message_en: str
    statement_period_end: dt.date | None
    statement_age_months: float | None
    flags: list[FlagOut]


class WatchRule(BaseModel):
    """The anti-flapping rule the list applied (see docs/watchlist.md)."""

    rank_factor: float = Field(description="A listed firm stays while its PD rank ≤ this × K")
    max_pd_drop: float = Field(
        description="…and, outside the top K, its PD fell by less than this share"
    )
    text_ko: str
    text_en: str


class WatchlistOut(BaseModel):
    """A region's watch list cut to a centre's capacity, with the expected crises it covers."""

    region: str
    region_ko: str
    region_en: str
    as_of: dt.date
    previous_as_of: dt.date | None
    model_name: str
    model_version: str
    grade_table_version: str
    capacity: int
    filters: dict[str, str]
    n_candidates: int = Field(description="The region's scored firms that pass the filters")
    expected_crises: float = Field(description="Σ PD over the listed firms: expected true crises")
    expected_crises_sd: float = Field(description="√Σ PD(1−PD): its statistical spread")
    region_expected_crises: float = Field(description="Σ PD over all firms passing the filters")
    coverage: float = Field(description="expected_crises / region_expected_crises (0 when none)")
    displaced: int = Field(description="Top-K firms waiting because kept firms hold their places")
    rule: WatchRule
    items: list[WatchItem]
    left: list[LeftItem]
    n_in_state: int = Field(0, description="The region's firms already in the model's state")
    n_stale: int = Field(0, description="The region's firms whose latest statement is stale")
    unrated: list[UnratedItem] = Field(
        default_factory=list,
        description="Firms with no PD (already in the state first, then stale statements, "
        "newest statement first), at most ``capacity``; they pass the same filters except "
        "min_grade, and are not counted in the list or its expected crises",
    )


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
    """A proposed 양호·주의·심각 stage and the rule that set it (docs/watchlist.md)."""

    stage: StageName
    stage_en: str
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
