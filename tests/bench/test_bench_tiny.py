"""Benchmarks are not tests; CI runs them at a tiny size so that they keep working."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from bench.cases import CASES
from bench.world import world
from cli import batch
from features.demo.partitions import write_partitioned_demo

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", ["shap", "batch", "features", "stream"])
def test_benchmark_runs_at_a_tiny_size(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # shap's import-time deprecations
        results = CASES[name](world(1200), 600)
    assert results and all(r["ratio"] > 0 for r in results)
    assert "ratio=" in capsys.readouterr().out


def test_partitioned_demo_has_disjoint_ids_and_scores(tmp_path: pytest.TempPathFactory) -> None:
    folders = write_partitioned_demo(tmp_path / "raw", 900, per_partition=400, progress=False)
    assert [f.name for f in folders] == ["part-00000", "part-00001", "part-00002"]
    ids = [pd.read_parquet(f / "firms.parquet")["firm_id"] for f in folders]
    assert sum(map(len, ids)) == len(set(pd.concat(ids)))
    chunks = batch.plan_chunks(tmp_path / "raw")
    assert len(chunks) == 3
    model = world(1200).model
    written = batch.score_chunks(chunks, model, tmp_path / "scores.parquet", top=2)
    assert written == len(pd.read_parquet(tmp_path / "scores.parquet")) > 0
