"""The error answers every route may give, declared once so the OpenAPI lists them.

A route names the statuses it can answer (``errors(401, 403, 404)``); each comes with the
body the error handlers in ``serving.app`` write: ``{"detail": ...}``.
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    """An error body: a sentence, or for 422 the list of fields and the rule each broke."""

    detail: str | list[dict[str, Any]] = Field(description="What went wrong, in words")


_WHY: Final[dict[int, str]] = {
    401: "Missing, unknown or revoked API key",
    403: "The key's role or region may not do this",
    404: "No such firm, score, region or report (a centre key gets this for other regions too)",
    409: "Another reload is in progress",
    413: "Request body larger than EWS_MAX_BODY_BYTES (refused before the key is checked)",
    422: "The input broke a rule; each item names the field",
    429: "Too many requests from this key or address; retry after Retry-After seconds",
    503: "Not ready (no model or data), or the audit record could not be written",
}

# Every keyed call: no key, too many calls, the audit write failed or the service is not ready.
KEYED: Final = (401, 429, 503)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route or router: each status with its meaning and ``ErrorOut``."""
    return {status: {"model": ErrorOut, "description": _WHY[status]} for status in statuses}
