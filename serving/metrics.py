"""Prometheus metrics: requests and latency by route and status, the model being served, and
failures nobody would otherwise see (audit writes refused, readiness probes of the database).

Each app has its own registry (no process-global state), so several apps in one process, as in
tests, do not collide.
"""

from __future__ import annotations

import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.domain.state import ServiceState

BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """The service's collectors in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "ews_http_requests",
            "HTTP requests served",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "ews_http_request_duration_seconds",
            "Time to answer a request",
            ["method", "route", "status"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.model = Gauge(
            "ews_model_info",
            "The model being served (value 1)",
            ["name", "alias", "version"],
            registry=self.registry,
        )
        self.ready = Gauge("ews_ready", "1 when model and data are loaded", registry=self.registry)
        self.audit_write_failures = Counter(
            "ews_audit_write_failures",
            "Requests answered 503 because the database refused their audit record",
            registry=self.registry,
        )
        self.db_probe_failures = Counter(
            "ews_db_probe_failures",
            "Readiness write probes of the service database that failed or timed out",
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        labels = (method, route, str(status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)

    def render(self, state: ServiceState) -> tuple[bytes, str]:
        """The exposition text, with the model gauge brought up to date first."""
        self.ready.set(1 if state.ready else 0)
        self.model.clear()
        if state.champion is not None:
            self.model.labels(state.name, state.alias, state.champion.version).set(1)
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Pure ASGI middleware timing each HTTP request under its route template."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.observe(
                scope["method"], _route(scope), status, time.perf_counter() - started
            )


def _route(scope: Scope) -> str:
    """The matched path template (``/v1/scores/{score_id}``), never the raw path."""
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"
