"""Drift monitoring for analysts: the latest report that ``ews monitor`` wrote.

The service reads ``<models_dir>/monitoring/latest.json`` on each request (the monitor swaps it
in with one atomic rename), so a new report shows without a restart and the service never
imports the training code. Center keys get 403: the report covers every region.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field, ValidationError

from serving.access import policy
from serving.access.audit import audited, refused
from serving.access.keys import CurrentKey, SessionDep
from serving.openapi import KEYED, errors

router = APIRouter(prefix="/v1", tags=["monitoring"], responses=errors(*KEYED, 403, 404))
LATEST = Path("monitoring") / "latest.json"
ENDPOINT = "GET /v1/monitoring/drift"


class GradeShareOut(BaseModel):
    grade: str
    reference: float = Field(description="Share of training-reference firms in this grade")
    current: float = Field(description="Share of firms at the report's as-of date")


class ScoreDriftOut(BaseModel):
    psi: float = Field(description="Population stability index of the PD")
    level: str = Field(description="stable (< 0.10), moderate (0.10–0.25) or major (≥ 0.25)")
    mean_pd: float
    grades: list[GradeShareOut]


class FeatureDriftOut(BaseModel):
    feature: str
    family: str
    psi: float
    level: str
    missing_reference: float
    missing_current: float
    missing_h: float = Field(description="Cohen's h of the missing shares")
    missing_level: str = Field(description="stable (< 0.2), moderate (0.2–0.5) or major (≥ 0.5)")


class TopFeatureOut(BaseModel):
    feature: str
    psi: float


class RegionDriftOut(BaseModel):
    region: str = Field(description="시도 code")
    name: str = Field(description="시도 name")
    rows: int
    reference_rows: int
    score_psi: float | None
    level: str = Field(description="PSI level, or 'too few rows' to judge")
    psi_noise_floor: float | None = Field(None, description="PSI expected from sampling alone")
    grade_changed_share: float | None
    top_features: list[TopFeatureOut]


class GradeChangesOut(BaseModel):
    previous_as_of: date | None = None
    firms_compared: int
    changed_share: float | None = None
    worse_share: float | None = None
    better_share: float | None = None
    transitions: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="previous grade -> current grade -> firms"
    )


class DriftReportOut(BaseModel):
    created_at: datetime
    as_of: date
    rows: int = Field(description="Firms at the as-of date")
    model: dict[str, str | None]
    reference: dict[str, Any]
    thresholds: dict[str, float]
    status: str = Field(description="The PD's PSI level")
    score: ScoreDriftOut
    features: list[FeatureDriftOut]
    feature_levels: dict[str, int]
    environment_levels: dict[str, int] = Field(default_factory=dict)
    regions: list[RegionDriftOut]
    grade_changes: GradeChangesOut


def _read(path: Path) -> DriftReportOut:
    if not path.exists():
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no drift report yet: run `ews monitor`")
    try:
        return DriftReportOut.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"the latest drift report is unreadable: {error}"
        ) from error


@router.get(
    "/monitoring/drift",
    response_model=DriftReportOut,
    summary="The latest drift report (analyst and admin keys)",
)
def latest_drift(key: CurrentKey, request: Request, session: SessionDep) -> DriftReportOut:
    """PSI of the PD and of every feature against the champion's training reference, by 시도,
    missing-value shifts and grade changes since the previous as-of date."""
    refused(session, key, ENDPOINT, policy.read_drift(key))
    report = _read(request.app.state.settings.models_dir / LATEST)
    audited(session, key, ENDPOINT, "ok", (), report.model.get("version"))
    return report
