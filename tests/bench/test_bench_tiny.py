"""Benchmarks are not tests; CI runs them at a tiny size so that they keep working."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from bench import http
from bench.cases import CASES
from bench.world import world
from cli import batch
from features.demo.partitions import write_partitioned_demo
from tests.conftest import DemoRun

pytestmark = pytest.mark.slow
# Small enough that every benchmark runs in seconds, large enough to train an early-stopped
# champion-shaped model; the SHAP case compares at most ROWS rows with shap.TreeExplainer.
FIRMS, ROWS = 500, 200


@pytest.mark.parametrize("name", ["shap", "batch", "features", "stream", "recourse"])
def test_benchmark_runs_at_a_tiny_size(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # shap's import-time deprecations
        results = CASES[name](world(FIRMS), ROWS)
    assert results and all(r["ratio"] > 0 for r in results)
    assert "ratio=" in capsys.readouterr().out


def test_partitioned_demo_has_disjoint_ids_and_scores(tmp_path: Path) -> None:
    folders = write_partitioned_demo(tmp_path / "raw", 900, per_partition=400, progress=False)
    assert [f.name for f in folders] == ["part-00000", "part-00001", "part-00002"]
    ids = [pd.read_parquet(f / "firms.parquet")["firm_id"] for f in folders]
    assert sum(map(len, ids)) == len(set(pd.concat(ids)))
    chunks = batch.plan_chunks(tmp_path / "raw")
    assert len(chunks) == 3
    model = world(FIRMS).model
    written = batch.score_chunks(chunks, model, tmp_path / "scores.parquet", top=2)
    assert written == len(pd.read_parquet(tmp_path / "scores.parquet")) > 0


def test_demo_data_cli_writes_the_partitions_asked_for(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    args = ["demo-data", "--firms", "300", "--per-partition", "100", "--out", str(tmp_path)]
    result = CliRunner().invoke(app, [*args, "--only", "1:3"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part-00001", "part-00002"]
    whole = write_partitioned_demo(tmp_path / "all", 300, per_partition=100, progress=False)
    assert pd.read_parquet(whole[1] / "firms.parquet").equals(
        pd.read_parquet(tmp_path / "part-00001" / "firms.parquet")
    )  # a partition is the same whichever subset is written
    refused = CliRunner().invoke(app, ["demo-data", "--firms", "300", "--only", "0:1"])
    assert refused.exit_code == 2 and "--per-partition" in refused.output


def test_http_benchmark_runs_at_a_tiny_size(
    demo_run: DemoRun, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ews serve` (1 worker), one client, a handful of requests; mlflow serve is left out."""
    rows = http.run(
        demo_run.settings,
        [http.ews_variant(1)],
        clients=(1,),
        requests=8,
        seconds=30.0,
        firms=5,
        warm=4,
    )
    print("mlflow models serve skipped at tiny size: its start-up costs more than the test")
    assert [(r["clients"], r["requests"], r["errors"]) for r in rows] == [(1, 8, 0)]
    assert rows[0]["p50_ms"] > 0 and rows[0]["rps"] > 0
    results = http.ratios(rows)
    assert [r["name"] for r in results] == ["http ews serve, uvicorn --workers 1, 1 client"]
    assert "| ews serve, uvicorn --workers 1 | 1 |" in http.table(rows)
    assert "no mlflow reference" in capsys.readouterr().out


def test_paired_rounds_drive_both_servers_in_turn(demo_run: DemoRun) -> None:
    """The alternating comparison, with `ews serve` standing in for both sides at tiny size."""
    ours = http.ews_variant(1)
    reference = http.ews_variant(1, access_log=False)
    bodies = http.prepare(demo_run.settings, 5)
    rows = http.paired(
        demo_run.settings,
        ours,
        reference,
        bodies,
        clients=2,
        rounds=2,
        requests=6,
        seconds=30.0,
        warm=4,
    )
    assert [(r["round"], r["clients"]) for r in rows] == [(1, 2), (2, 2)]
    assert all(r["rps"] > 0 and r["reference_rps"] > 0 for r in rows)
    result = http.paired_ratio(rows)
    ratios = [r["rps"] / r["reference_rps"] for r in rows]
    assert result["ratio"] == pytest.approx(sum(ratios) / 2)  # the median of two rounds
    assert (result["lowest_ratio"], result["highest_ratio"]) == (min(ratios), max(ratios))
    assert "| 2 | 2 |" in http.paired_table(rows)
