"""Structured logs: one JSON line per request and per failure, each carrying the request's id.

The standard library's ``logging`` with a small JSON formatter, not a logging library: the
format is twenty lines, and a dependency would add nothing we use. This module adds no handler
on import; ``ews serve`` installs the formatter through uvicorn's ``log_config``
(``uvicorn_log_config``), so tests and notebooks log as their host configures.

A request line holds the request id (from an ``X-Request-ID`` the caller sent, if it is short
and plain, else a new one; always returned in the ``X-Request-ID`` header), method, route
template (never the raw path or query), status, latency and the API key's database id — never
the key, its hash or any body. The key id is noted when the request's ``ApiKey`` row is built
or loaded (an SQLAlchemy instance event), so the authentication code needs no logging hook.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import event
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.store.tables import ApiKey

REQUESTS: Final = logging.getLogger("serving.requests")
FAILURES: Final = logging.getLogger("serving.failures")
HEADER: Final = "X-Request-ID"
_CALLER_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


@dataclass(slots=True)
class RequestContext:
    """What the request line needs from deeper down: its id, and the key once it is known."""

    request_id: str
    key_id: int | None = None


_context: ContextVar[RequestContext | None] = ContextVar("ews_request", default=None)


def current() -> RequestContext | None:
    return _context.get()


def note_key(key_id: int | None) -> None:
    """Record the API key (its id) that the current request authenticated with."""
    context = _context.get()
    if context is not None and key_id is not None:
        context.key_id = key_id


@event.listens_for(ApiKey, "init")
def _key_built(_: ApiKey, __: Any, values: dict[str, Any]) -> None:
    # serving.access.keys.find_key builds the row from its prepared lookup
    note_key(values.get("id"))


@event.listens_for(ApiKey, "load")
def _key_loaded(key: ApiKey, _: Any) -> None:
    note_key(key.id)  # the staff pages read the key through the ORM


def log_failure(event_name: str, error: BaseException | None = None, **fields: Any) -> None:
    """One ERROR line for a failure, with the request id and key id when inside a request."""
    context = _context.get()
    if context is not None:
        fields = {"request_id": context.request_id, "key_id": context.key_id, **fields}
    if error is not None:
        fields["error"] = describe(error)
    FAILURES.error(event_name, extra={"fields": fields})


def describe(error: BaseException) -> str:
    """``Type: first line`` of the driver's error, without SQL or bound parameters."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}".rstrip(": ")


class RequestLogMiddleware:
    """Pure ASGI middleware: sets the request id, returns it in a header, logs the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500
        context = RequestContext(_request_id(scope))
        token = _context.set(context)

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(HEADER, context.request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _context.reset(token)
            if REQUESTS.isEnabledFor(logging.INFO):
                route = getattr(scope.get("route"), "path", None) or "unmatched"
                level = logging.ERROR if status >= 500 else logging.INFO
                fields = {
                    "request_id": context.request_id,
                    "key_id": context.key_id,
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                }
                # makeRecord + handle: ``log`` would walk the stack for a caller nobody reads
                record = REQUESTS.makeRecord(
                    REQUESTS.name, level, __file__, 0, "request", (), None, extra={"fields": fields}
                )
                REQUESTS.handle(record)


def _request_id(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when it is short and plain (no log injection), else new."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _CALLER_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message and the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        seconds = int(record.created)
        millis = int((record.created - seconds) * 1000)
        line: dict[str, Any] = {
            "time": f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{millis:03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["error"] = describe(record.exc_info[1]) if record.exc_info[1] else None
            line["traceback"] = self.formatException(record.exc_info)
        return _ENCODE(line)


# One encoder: ``json.dumps`` with options builds a new one for every line.
_ENCODE = json.JSONEncoder(ensure_ascii=False, default=str).encode


def uvicorn_log_config(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn: every line on stderr as JSON."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"json": handler},
        "loggers": {
            name: {"handlers": ["json"], "level": level, "propagate": False}
            for name in ("serving", "core", "uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
