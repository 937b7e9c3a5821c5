"""Liveness, readiness and Prometheus metrics (no API key: probes and scrapers call these)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from serving.routes.deps import StateDep
from serving.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness: the process answers")
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Health, summary="Readiness: model and data are loaded",
            responses={503: {"model": Health}})  # fmt: skip
def readyz(state: StateDep) -> JSONResponse:
    if state.ready:
        return JSONResponse(Health(status="ready").model_dump())
    return JSONResponse(Health(status="not ready", detail=state.problem).model_dump(),
                        status_code=503)  # fmt: skip


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(request: Request, state: StateDep) -> Response:
    body, content_type = request.app.state.metrics.render(state)
    return Response(body, media_type=content_type)
