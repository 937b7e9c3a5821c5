"""The scenario benchmark keeps working (a tiny world; the figures are docs/scenarios.md's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.cases import CASES
from bench.world import world

pytestmark = pytest.mark.slow


def test_scenario_benchmark_runs_at_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    (result,) = CASES["scenarios"](world(500), 200)
    assert result["ratio"] > 0 and 0 < result["hit"] <= result["firms"]
    assert result["delta_expected_crises"] > 0
    assert "plain_score_s=" in capsys.readouterr().out


def test_partitions_of_a_national_panel_read_as_one_set_of_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m bench.scenarios --raw DIR --partitions 2`: the first two partitions' firms,
    every one once, measured with the small world's model."""
    from bench.scenarios import main, partitions
    from features.demo.partitions import write_partitioned_demo

    write_partitioned_demo(tmp_path / "raw", 900, per_partition=400, progress=False)
    tables = partitions(tmp_path / "raw", 2)
    assert len(tables.firms) == 800 and tables.firms["firm_id"].is_unique
    assert set(tables.financials["firm_id"]) <= set(tables.firms["firm_id"])
    main(["--raw", str(tmp_path / "raw"), "--partitions", "2", "--model-firms", "500"])
    out = capsys.readouterr().out
    assert "800 firms from 2 partitions" in out and "scenario rate_200bp over" in out
