"""Constants and helpers shared by the serving tests."""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 and warns at import when it finds plain httpx instead.
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

FIRM_26 = "1000000000"  # random_panel alternates regions 26, 11, 26, …
FIRM_11 = "1000000001"

__all__ = ["FIRM_11", "FIRM_26", "TestClient", "auth"]


def auth(key: str) -> dict[str, str]:
    return {"X-API-Key": key}
