"""Stress scenarios: a run asked for (a file's name or a spec of its own), its result tables,
the scenario files and stored runs (docs/scenarios.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scoring.stress.spec import Scenario

GroupName = Literal["region", "industry", "district", "cluster"]


class ScenarioRunIn(BaseModel):
    """One scenario to run: the name of a file in the scenario folder, or a spec written here."""

    model_config = ConfigDict(extra="forbid")

    scenario: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="File name in config/scenarios (with or without .yaml), e.g. rate_200bp",
    )
    spec: Scenario | None = Field(None, description="A scenario written in the request")
    region: str | None = Field(
        None,
        pattern=r"^\d{2}$",
        description="시도 code: shock and report only this region's firms; none: every region "
        "(analyst and admin keys)",
    )

    @model_validator(mode="after")
    def _one_scenario(self) -> ScenarioRunIn:
        if (self.scenario is None) == (self.spec is None):
            raise ValueError("give either scenario (a file name) or spec, not both or neither")
        return self


class GroupRow(BaseModel):
    """One group's sums (a region, KSIC division, 시군구 or cluster; ``key`` "" = not known)."""

    key: str
    name_ko: str | None = None
    name_en: str | None = None
    firms: int = Field(description="Rated firms in the group")
    hit: int = Field(description="Firms whose statement the scenario changed")
    expected_crises_before: float = Field(description="Σ PD as filed")
    expected_crises_after: float = Field(description="Σ PD after the shock")
    expected_crises_delta: float
    employees_at_risk_before: float = Field(description="Σ PD × employees as filed")
    employees_at_risk_after: float
    employees_at_risk_delta: float
    payroll_at_risk_before: float = Field(description="Σ PD × 급여총액 as filed, 천원")
    payroll_at_risk_after: float
    payroll_at_risk_delta: float
    worse: int = Field(description="Firms moving to a worse grade (or into the model's state)")
    better: int = Field(description="Firms moving to a better grade")
    entered_state: int = Field(description="Firms the shock puts into the predicted state")
    employees_unknown: int = Field(description="Firms without a headcount (add no employees)")


class Crossing(BaseModel):
    """How many firms moved from one grade to another (``to_grade`` 진입: into the state)."""

    from_grade: str
    to_grade: str
    firms: int


class ShockReach(BaseModel):
    """What one shock of the scenario changed."""

    type: str
    hit: int = Field(description="Firms whose statement this shock changed")
    unpriced: int = Field(
        description="Firms in scope without the figure the shock needs (e.g. no borrowings "
        "figure: an income statement only), left as filed"
    )


class ScenarioResultOut(BaseModel):
    """A scenario run: before and after, in total and by region, industry, district, cluster."""

    run_id: str
    name: str
    title_ko: str
    title_en: str
    region: str | None = Field(description="The region run over; None: every region")
    as_of: dt.date
    model_version: str
    created_at: dt.datetime
    spec: dict[str, Any] = Field(description="The scenario as it was run")
    totals: GroupRow
    by_region: list[GroupRow]
    by_industry: list[GroupRow]
    by_district: list[GroupRow]
    by_cluster: list[GroupRow]
    crossings: list[Crossing] = Field(description="Firms whose grade changed, by from and to")
    shocks: list[ShockReach]


class ScenarioFileOut(BaseModel):
    file: str
    name: str
    title_ko: str
    title_en: str
    description_ko: str
    description_en: str
    shock_types: list[str]


class ScenarioFileProblem(BaseModel):
    """A scenario file that cannot be read, with the field at fault."""

    file: str
    field: str | None
    message: str


class ScenarioRunListed(BaseModel):
    run_id: str
    name: str
    title_ko: str
    title_en: str
    region: str | None
    as_of: dt.date
    model_version: str
    created_at: dt.datetime
    firms: int
    expected_crises_delta: float
    employees_at_risk_delta: float


class ScenariosOut(BaseModel):
    """The scenario files, the stored runs this key may read (newest first) and bad files."""

    files: list[ScenarioFileOut]
    runs: list[ScenarioRunListed]
    problems: list[ScenarioFileProblem]
