"""The monthly re-score at national layout (raw/part-* folders) and its benchmark at a tiny size."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from bench.cases import CASES
from bench.world import world
from cli import batch
from cli.monthly import rescore_month
from features.demo.partitions import write_partitioned_demo

pytestmark = pytest.mark.slow
FIRMS = 500


def test_rescore_over_partitions_counts_industries_across_folders(tmp_path: Path) -> None:
    """Three partition folders cut into chunks: every firm once, on the one as-of date."""
    write_partitioned_demo(tmp_path / "raw", 900, per_partition=400, progress=False)
    chunks = batch.plan_chunks(tmp_path / "raw", chunk_firms=250)
    assert len({c.folder for c in chunks}) == 3 and len(chunks) > 3
    out = tmp_path / "scores.parquet"
    as_of = pd.Timestamp(2026, 11, 30)
    result = rescore_month(chunks, world(FIRMS).model, out, as_of, None, reasons="none")
    scores = pd.read_parquet(out)
    assert result.rows == len(scores) > 0
    assert scores["firm_id"].is_unique and (scores["as_of"] == as_of).all()
    assert scores["chunk"].nunique() > 3  # one row group per chunk, across the folders


def test_monthly_benchmark_runs_at_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = CASES["monthly"](world(FIRMS), 0)
    assert len(results) == 3 and all(r["ratio"] > 0 and r["peak_gib"] > 0 for r in results)
    out = capsys.readouterr().out
    assert "extrapolation to 7,700,000 firms" in out


def test_national_benchmark_runs_on_a_small_partitioned_panel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m bench.monthly --raw DIR` on three partitions: every step runs, the month's
    rows are every scored firm, and the line names the 600 s target."""
    from bench.monthly import national

    write_partitioned_demo(tmp_path / "raw", 900, per_partition=400, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = national(tmp_path / "raw", FIRMS, workers=2, chunk_firms=250)
    assert result["rows"] > 0 and result["seconds"] > 0 and result["peak_gib"] > 0
    assert "600 s" in capsys.readouterr().out
