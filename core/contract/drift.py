"""The drift report: what ``ews monitor`` (training.monitor) writes as ``latest.json`` and the
service returns at ``GET /v1/monitoring/drift``. One model for both, below both layers.

Fields are declared in the order the JSON file has always had them; a field a report leaves
unset (a region without a reference has no noise floor, a first as-of date no previous grades)
is left out of the file, as before.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ModelRef(_Frozen):
    """The registered model the report is about."""

    name: str | None = None
    alias: str | None = None
    version: str | None = None
    run_id: str | None = None


class ReferenceSummary(_Frozen):
    """The training reference the current rows are compared with."""

    rows: int
    as_of_min: date
    as_of_max: date
    bins: int
    source: str = Field(description="artifact (logged with the run) or rebuilt from features")


class Thresholds(_Frozen):
    psi_moderate: float
    psi_major: float
    missing_h_moderate: float
    missing_h_major: float
    min_region_rows: int


class GradeShare(_Frozen):
    grade: str
    reference: float = Field(description="Share of training-reference firms in this grade")
    current: float = Field(description="Share of firms at the report's as-of date")


class ScoreDrift(_Frozen):
    psi: float = Field(description="Population stability index of the PD")
    level: str = Field(description="stable (< 0.10), moderate (0.10–0.25) or major (≥ 0.25)")
    mean_pd: float
    grades: list[GradeShare]


class FeatureDrift(_Frozen):
    feature: str
    family: str
    psi: float
    level: str
    missing_reference: float
    missing_current: float
    missing_h: float = Field(description="Cohen's h of the missing shares")
    missing_level: str = Field(description="stable (< 0.2), moderate (0.2–0.5) or major (≥ 0.5)")


class TopFeature(_Frozen):
    feature: str
    psi: float


class RegionDrift(_Frozen):
    region: str = Field(description="시도 code")
    name: str = Field(description="시도 name")
    rows: int
    reference_rows: int
    grade_changed_share: float | None
    score_psi: float | None
    level: str = Field(description="PSI level, or 'too few rows' to judge")
    psi_noise_floor: float | None = Field(None, description="PSI expected from sampling alone")
    top_features: list[TopFeature]


class GradeChanges(_Frozen):
    previous_as_of: date | None = None
    firms_compared: int
    changed_share: float | None = None
    worse_share: float | None = None
    better_share: float | None = None
    transitions: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="previous grade -> current grade -> firms"
    )


class DriftReport(_Frozen):
    created_at: datetime
    as_of: date
    rows: int = Field(description="Firms at the as-of date")
    model: ModelRef
    reference: ReferenceSummary
    thresholds: Thresholds
    status: str = Field(description="The PD's PSI level")
    score: ScoreDrift
    features: list[FeatureDrift]
    feature_levels: dict[str, int]
    environment_levels: dict[str, int] = Field(default_factory=dict)
    regions: list[RegionDrift]
    grade_changes: GradeChanges

    def document(self) -> dict[str, Any]:
        """The report as ``latest.json`` holds it: ISO dates, no NaN (null), unset fields out."""
        return _json_safe(self.model_dump(exclude_unset=True))


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value
