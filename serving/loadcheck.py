"""Measure end-to-end single-firm scoring latency against a running service.

    python -m serving.loadcheck http://127.0.0.1:8000 ews_… 1000000000 1000000002

One keep-alive connection, requests one after another (reasons included), so the figures are
the latency a centre's page sees, not throughput.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from itertools import cycle

import httpx
import numpy as np


def measure(base_url: str, api_key: str, firm_ids: Sequence[str], n: int = 500) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds over ``n`` POST /v1/scores calls after 20 warm-ups."""
    if not firm_ids:
        raise ValueError("firm_ids must name at least one stored firm")
    headers = {"X-API-Key": api_key}
    timings = []
    with httpx.Client(base_url=base_url, headers=headers, timeout=10.0) as client:
        for i, firm_id in enumerate(cycle(firm_ids)):
            if i >= n + 20:
                break
            started = time.perf_counter()
            response = client.post("/v1/scores", json={"firm_id": firm_id})
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            if i >= 20:
                timings.append(elapsed * 1000.0)
    p50, p95, p99 = np.percentile(timings, [50, 95, 99])
    return {
        "n": float(n),
        "p50_ms": float(p50),
        "p95_ms": float(p95),
        "p99_ms": float(p99),
        "max_ms": float(max(timings)),
    }


if __name__ == "__main__":
    url, key, *ids = sys.argv[1:]
    print(measure(url, key, ids))
