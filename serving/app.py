"""The FastAPI application factory: ``create_app()`` builds nothing until it is called.

The lifespan loads the stored data and the champion once; requests only read them. Domain
errors become 4xx here (and a failed database write 503); bad input never gives a 500.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

import anyio
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from core.bundle import LoadedModel, fetch_registered
from core.settings import Settings, get_settings
from features.tables import RawTables, read_tables
from serving.api import (
    admin,
    briefs,
    cases,
    changes,
    firms,
    health,
    monitoring,
    national,
    referrals,
    regions,
    scenarios,
    scores,
    search,
)
from serving.api import help as help_routes
from serving.api import model as model_routes
from serving.body_limit import BodyLimitMiddleware
from serving.domain.state import ModelLoader, ServiceState
from serving.errors import (
    InvalidSubmission,
    NotReady,
    NotScorable,
    RegionForbidden,
    ReloadRefused,
    RoleForbidden,
    ServingError,
    UnknownFirm,
)
from serving.logs import RequestLogMiddleware, log_failure
from serving.metrics import Metrics, MetricsMiddleware
from serving.readiness import DatabaseProbe
from serving.store.engine import make_engine
from serving.store.schema import create_schema
from serving.web import pages

DESCRIPTION = """\
Early warning for regional SMEs (지역 중소기업 위기 조기경보): a calibrated probability of distress
within 12 months, an alert grade (정상·관심·주의·경계·심각), rule flags, and the reasons in
probability points that add up to the PD, each in one Korean and one English sentence.

Every call needs an API key in `X-API-Key` (or `Authorization: Bearer`). `center` keys see and
score only their own 시도; `analyst` keys read all regions; `admin` keys may also reload the model.
"""
VERSION = "1.0.0"


def registry_loader(settings: Settings) -> ModelLoader:
    """Fetch the champion (``settings.model_alias``) from the MLflow registry, verified."""
    key = settings.model_signing_key.get_secret_value() or None
    return lambda: fetch_registered(
        settings.tracking_uri, settings.model_name, settings.model_alias, key
    )


def create_app(
    settings: Settings | None = None,
    model: tuple[str, LoadedModel] | None = None,
    tables: RawTables | None = None,
    loader: ModelLoader | None = None,
) -> FastAPI:
    """The service. ``model`` (version, model) and ``tables`` replace the registry and raw
    files (tests, notebooks); ``loader`` replaces how ``/v1/admin/reload`` finds the champion."""
    settings = settings or get_settings()
    engine = make_engine(settings.db_url)
    state = ServiceState(
        settings.model_name,
        settings.model_alias,
        loader or registry_loader(settings),
        settings.stale_after_months,
    )

    def read() -> RawTables:
        return tables if tables is not None else read_tables(settings.raw_dir)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            create_schema(engine)
        except SQLAlchemyError as error:  # ``ews serve`` says why before it gets here
            log_failure("service database not writable at start", error)
            raise
        probe.forget()
        await anyio.to_thread.run_sync(state.start, read, model)
        yield
        engine.dispose()

    app = FastAPI(
        title="SME early-warning scoring service",
        description=DESCRIPTION,
        version=VERSION,
        lifespan=lifespan,
    )
    app.state.settings, app.state.engine, app.state.service = settings, engine, state
    app.state.sessions = sessionmaker(engine, expire_on_commit=False)
    app.state.metrics = metrics = Metrics()
    app.state.db_probe = probe = DatabaseProbe(engine, on_failure=metrics.db_probe_failures.inc)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RequestLogMiddleware)  # outermost: every answer has a request id
    add_error_handlers(app)
    routers = (
        health.router,
        scores.router,
        model_routes.router,
        regions.router,
        firms.router,
        monitoring.router,
        cases.router,
        help_routes.router,
        changes.router,
        scenarios.router,
        briefs.router,
        admin.router,
        search.router,
        referrals.router,
        national.router,
        pages.router,
    )
    for router in routers:
        app.include_router(router)
    return app


_STATUS: dict[type[ServingError], int] = {
    NotReady: 503,
    UnknownFirm: 404,
    NotScorable: 404,
    RegionForbidden: 403,
    RoleForbidden: 403,
}


async def _serving_error(_: Request, error: Exception) -> JSONResponse:
    if isinstance(error, InvalidSubmission):
        detail = [{"type": "value_error", "loc": list(error.field), "msg": error.message}]
        return JSONResponse({"detail": detail}, status_code=422)
    if isinstance(error, ReloadRefused):
        return JSONResponse({"detail": str(error)}, status_code=409 if error.conflict else 503)
    status = _STATUS.get(type(error), 400) if isinstance(error, ServingError) else 400
    return JSONResponse({"detail": str(error)}, status_code=status)


async def _database_error(request: Request, error: Exception) -> JSONResponse:
    request.app.state.metrics.audit_write_failures.inc()
    log_failure(
        "audit write failed", error, route=getattr(request.scope.get("route"), "path", None)
    )
    return JSONResponse(
        {"detail": "the audit record could not be written, so nothing is returned; retry"},
        status_code=503,
    )


EXCERPT_CHARS: Final = 200  # the most of a refused value an error body repeats


def _json_safe(value: Any) -> Any:
    """``value`` with non-finite floats spelt as text: strict JSON has no NaN or Infinity."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value).replace("inf", "Infinity").replace("nan", "NaN")
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


def _excerpt(value: Any) -> Any:
    """The refused input as given when short, else its first characters (as JSON text)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return value if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "…"


async def _invalid_request(_: Request, error: Exception) -> JSONResponse:
    """FastAPI's 422 body, but each echoed ``input`` is an excerpt and always valid JSON."""
    assert isinstance(error, RequestValidationError)
    detail = _json_safe(jsonable_encoder(error.errors()))
    for item in detail:
        if "input" in item:
            item["input"] = _excerpt(item["input"])
    return JSONResponse({"detail": detail}, status_code=422)


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(ServingError, _serving_error)
    app.add_exception_handler(SQLAlchemyError, _database_error)
