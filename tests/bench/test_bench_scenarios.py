"""The scenario benchmark keeps working (a tiny world; the figures are docs/scenarios.md's)."""

from __future__ import annotations

import pytest

from bench.cases import CASES
from bench.world import world

pytestmark = pytest.mark.slow


def test_scenario_benchmark_runs_at_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    (result,) = CASES["scenarios"](world(500), 200)
    assert result["ratio"] > 0 and 0 < result["hit"] <= result["firms"]
    assert result["delta_expected_crises"] > 0
    assert "plain_score_s=" in capsys.readouterr().out
