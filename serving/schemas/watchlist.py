"""A region's watch list: the firms to contact, those that left it and those without a PD."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from serving.schemas import FlagOut, Reason, ScoreStatus
from serving.schemas.cases import CaseOut

WatchStatus = Literal["new", "kept"]


LeftWhy = Literal["rank", "pd_drop", "filtered", "not_scored", "stale", "in_state"]


class WatchItem(BaseModel):
    """One firm on a watch list, highest PD first, with its three largest reasons."""

    rank: int = Field(description="Position on the list, 1 = highest PD")
    pd_rank: int = Field(
        description="Rank by PD among all the region's firms that pass the filters"
    )
    firm_id: str
    name: str | None
    district: str | None
    district_name: str | None = Field(
        default=None, description="시군구 name; null for an unknown code"
    )
    ksic: str | None
    cluster_id: str | None
    cluster_name: str | None = Field(
        default=None, description="Cluster name; null for an unknown id"
    )
    cluster_name_en: str | None = None
    pd: float
    grade: str
    grade_en: str
    grade_colour: str
    status: WatchStatus = Field(description="new: not on the previous period's list; kept: was")
    previous_pd: float | None = Field(description="PD at the previous as-of date (same model)")
    previous_grade: str | None
    reasons: list[Reason]
    flags: list[FlagOut]
    case: CaseOut | None = Field(
        default=None,
        description="The firm's case (stage, owner, next follow-up, overdue; no events); null "
        "only where the list was built without cases",
    )


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
    district_name: str | None = Field(
        default=None, description="시군구 name; null for an unknown code"
    )
    ksic: str | None
    cluster_id: str | None
    cluster_name: str | None = None
    cluster_name_en: str | None = None
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
