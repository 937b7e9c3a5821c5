"""Drift monitoring for analysts: the latest report that ``ews monitor`` wrote.

The service reads ``<models_dir>/monitoring/latest.json`` on each request (the monitor swaps it
in with one atomic rename), so a new report shows without a restart and the service never
imports the training code. Center keys get 403: the report covers every region.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import ValidationError

from core.contract.drift import DriftReport
from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import CurrentKey, SessionDep
from serving.openapi import KEYED, errors

router = APIRouter(prefix="/v1", tags=["monitoring"], responses=errors(*KEYED, 403, 404))
LATEST = Path("monitoring") / "latest.json"
ENDPOINT = "GET /v1/monitoring/drift"


def _read(path: Path) -> DriftReport:
    if not path.exists():
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no drift report yet: run `ews monitor`")
    try:
        return DriftReport.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"the latest drift report is unreadable: {error}"
        ) from error


@router.get(
    "/monitoring/drift",
    response_model=DriftReport,
    summary="The latest drift report (analyst and admin keys)",
)
def latest_drift(key: CurrentKey, request: Request, session: SessionDep) -> DriftReport:
    """PSI of the PD and of every feature against the champion's training reference, by 시도,
    missing-value shifts and grade changes since the previous as-of date."""
    with attempt(session, key, ENDPOINT) as entry:
        entry.check(policy.read_drift(key))
        report = _read(request.app.state.settings.models_dir / LATEST)
        entry.model_version = report.model.version
    return report
