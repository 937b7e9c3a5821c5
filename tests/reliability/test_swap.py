"""Scoring under load while an admin reloads the model twice: no request may fail."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.reliability.conftest import Service, scaled
from tests.serving.support import FIRM_11, FIRM_26

# Thousands of requests across two model swaps (~7 s): CI runs it; the fast loop does not.
pytestmark = pytest.mark.slow

WORKERS = 4
REQUESTS = scaled("SWAP_REQUESTS", 300)  # per worker


def _load(service: Service, key: str, started: threading.Barrier) -> Counter[str]:
    seen: Counter[str] = Counter()
    started.wait()
    for i in range(REQUESTS):
        firm_id = (FIRM_26, FIRM_11)[i % 2]
        response = service.client.post(
            "/v1/scores", json={"firm_id": firm_id}, headers={"X-API-Key": key}
        )
        seen["requests"] += 1
        seen["failed"] += response.status_code != 200
        if response.status_code == 200:
            seen[f"version {response.json()['model_version']}"] += 1
    return seen


def test_two_model_swaps_under_load_fail_no_request(
    service: Service, figures: dict[str, Any]
) -> None:
    analyst, admin = service.key("analyst"), service.key("admin")
    started = threading.Barrier(WORKERS + 1)
    with ThreadPoolExecutor(WORKERS) as pool:
        loads = [pool.submit(_load, service, analyst, started) for _ in range(WORKERS)]
        started.wait()
        swaps = [
            service.client.post("/v1/admin/reload", headers={"X-API-Key": admin}) for _ in range(2)
        ]
        tally = sum((load.result() for load in loads), Counter())
    assert [swap.status_code for swap in swaps] == [200, 200]
    assert [swap.json()["version"] for swap in swaps] == ["2", "3"]
    figures["swap"] = {
        "workers": WORKERS,
        "reloads": len(swaps),
        **tally,
        "failed": tally["failed"],
    }
    assert tally["failed"] == 0
    assert tally["requests"] == WORKERS * REQUESTS
    final = service.client.post(
        "/v1/scores", json={"firm_id": FIRM_26}, headers={"X-API-Key": analyst}
    )
    assert final.json()["model_version"] == "3"
