"""Timing helpers: best of a few repeats (the machine is shared), and a printed result line."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def best_of(fn: Callable[[], Any], repeats: int = 3) -> float:
    """The fastest of ``repeats`` runs, in seconds: the least disturbed by other load."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def report(name: str, figures: dict[str, float], ratio: float, target: str) -> dict[str, Any]:
    shown = "  ".join(f"{k}={v:,.1f}" for k, v in figures.items())
    print(f"[{name}] {shown}  ratio={ratio:.2f} (target {target})", flush=True)
    return {"name": name, **figures, "ratio": ratio, "target": target}
