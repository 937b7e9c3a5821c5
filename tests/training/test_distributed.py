"""`ews train --scheduler`: boosting on a Dask cluster through the command line (docs/scale.md)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pytest
from typer.testing import CliRunner

from cli.main import app
from core.settings import get_settings
from tests.conftest import DemoRun

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture
def cluster() -> Iterator[object]:
    """One in-process worker thread: the scheduler address is what `--scheduler` takes."""
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as local:
        yield local


@pytest.mark.slow  # a Dask cluster and a whole training run through the CLI: ~6 s
def test_ews_train_with_a_scheduler_boosts_on_the_cluster_and_registers(
    tiny_run: DemoRun, cluster: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    shutil.copytree(tiny_run.settings.raw_dir, data / "raw")
    monkeypatch.setenv("EWS_DATA_DIR", str(data))
    monkeypatch.setenv("EWS_MODELS_DIR", str(tiny_run.settings.models_dir))
    monkeypatch.setenv("EWS_MODEL_NAME", "dask-trained")
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    get_settings.cache_clear()
    try:
        built = CliRunner().invoke(app, ["features"])
        trained = CliRunner().invoke(app, ["train", "--scheduler", address, "--bootstrap", "10"])
    finally:
        get_settings.cache_clear()
    assert built.exit_code == 0, built.output
    assert trained.exit_code == 0, trained.output
    assert "registered dask-trained v1 as challenger" in trained.output
    # The boosting ran as lightgbm.dask tasks on this cluster, and the run says where.
    prefixes = cluster.scheduler.task_prefixes  # type: ignore[attr-defined]
    assert any("train" in name for name in prefixes), sorted(prefixes)
    run_id = re.search(r"run (\w+): registered", trained.output).group(1)  # type: ignore[union-attr]
    run = mlflow.MlflowClient(tiny_run.settings.tracking_uri).get_run(run_id)
    assert run.data.tags["dask_scheduler"] == address
