"""Liveness, readiness and Prometheus metrics (no API key: probes and scrapers call these)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from serving.deps import StateDep
from serving.readiness import Check, DatabaseProbe
from serving.schemas.model import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness: the process answers")
def healthz() -> Health:
    return Health(status="ok")


class CheckOut(BaseModel):
    ok: bool
    detail: str | None = None


class Readiness(Health):
    """``status``, every failing check in ``detail``, then each check by name."""

    checks: dict[str, CheckOut]


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness: model and data loaded, service database writable",
    responses={503: {"model": Readiness}},
)
async def readyz(request: Request, state: StateDep) -> JSONResponse:
    probe: DatabaseProbe = request.app.state.db_probe
    checks = {"database": await probe.check(), "model": Check(state.ready, state.problem)}
    failed = [f"{name}: {check.detail}" for name, check in checks.items() if not check.ok]
    body = Readiness(
        status="not ready" if failed else "ready",
        detail="; ".join(failed) or None,
        checks={name: CheckOut(ok=check.ok, detail=check.detail) for name, check in checks.items()},
    )
    return JSONResponse(body.model_dump(), status_code=503 if failed else 200)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(request: Request, state: StateDep) -> Response:
    body, content_type = request.app.state.metrics.render(state)
    return Response(body, media_type=content_type)
