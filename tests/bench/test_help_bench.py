"""The help benchmark (``python -m bench.recourse``) keeps working, at a tiny size."""

from __future__ import annotations

import pytest

from bench.recourse import help_speed
from bench.world import world

pytestmark = pytest.mark.slow


def test_help_benchmark_runs_at_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    results = help_speed(world(500), per_region=2)
    assert [r["name"].split(" (")[0] for r in results] == [
        "help one firm",
        "help warm-up of the watch lists' heads",
    ]
    assert results[0]["kept_p50_ms"] < results[0]["p99_ms"] and results[1]["firms"] > 0
    assert "ratio=" in capsys.readouterr().out
