"""Streaming batch scoring equals unchunked scoring; the Dask path equals the local one."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from cli import batch
from features.distributed import build_features_dask
from features.pipeline import build_features, features_as_of
from features.tables import read_tables
from tests.conftest import DemoRun
from training import registry

pytestmark = pytest.mark.slow


def _sorted(scores: pd.DataFrame) -> pd.DataFrame:
    scores = scores.assign(firm_id=scores["firm_id"].astype(str))
    return scores.sort_values("firm_id").reset_index(drop=True).astype(str)


@pytest.fixture(scope="module")
def unchunked(demo_run: DemoRun) -> pd.DataFrame:
    model = registry.load_alias(demo_run.settings, registry.CHAMPION)
    raw = demo_run.settings.raw_dir
    when = batch.latest_as_of(batch.plan_chunks(raw))
    return _sorted(batch.score_frame(features_as_of(read_tables(raw), when), model, top=3))


def _local_cluster(processes: bool) -> Iterator[object]:
    distributed = pytest.importorskip("dask.distributed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dask warns about ports and event loops in tests
        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=processes, dashboard_address=None
            ) as local,
            distributed.Client(local) as client,
        ):
            yield client


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    yield from _local_cluster(processes=False)


@pytest.fixture(scope="module")
def process_cluster() -> Iterator[object]:
    """LightGBM's network is one per process: two in-process workers wait on each other."""
    yield from _local_cluster(processes=True)


def test_streaming_in_chunks_equals_scoring_everything_at_once(
    demo_run: DemoRun, unchunked: pd.DataFrame, tmp_path: Path
) -> None:
    model = registry.load_alias(demo_run.settings, registry.CHAMPION)
    chunks = batch.plan_chunks(demo_run.settings.raw_dir, chunk_firms=700)
    assert len(chunks) > 2
    written = batch.score_chunks(chunks, model, tmp_path / "scores.parquet", top=3)
    streamed = _sorted(pd.read_parquet(tmp_path / "scores.parquet"))
    assert written == len(unchunked)
    pd.testing.assert_frame_equal(streamed, unchunked)


def test_dask_scoring_equals_the_local_path(
    demo_run: DemoRun, unchunked: pd.DataFrame, cluster: object, tmp_path: Path
) -> None:
    model = registry.load_alias(demo_run.settings, registry.CHAMPION)
    chunks = batch.plan_chunks(demo_run.settings.raw_dir, chunk_firms=900)
    out = tmp_path / "scores.parquet"
    batch.score_chunks(chunks, model, out, top=3, mapper=batch._dask_mapper(cluster))
    pd.testing.assert_frame_equal(_sorted(pd.read_parquet(out)), unchunked)


def test_dask_features_equal_the_local_build(demo_run: DemoRun, cluster: object) -> None:
    raw = demo_run.settings.raw_dir
    tables = read_tables(raw)
    dates = sorted(demo_run.features["as_of"].unique())[-3:]
    local = build_features(tables, dates=dates)
    remote = build_features_dask(raw, cluster, dates=dates)
    pd.testing.assert_frame_equal(remote, local)


def test_lightgbm_dask_training_gives_a_usable_booster(
    demo_run: DemoRun, process_cluster: object
) -> None:
    from dataclasses import replace

    from sklearn.metrics import roc_auc_score

    from features.catalog import FEATURE_NAMES
    from tests.conftest import small_params
    from training.distributed import fit_booster_dask
    from training.pipeline import split_years

    params = replace(small_params(), max_rounds=40)
    split = split_years(demo_run.features, params)
    booster = fit_booster_dask(split.train, split.valid, FEATURE_NAMES, params, process_cluster)
    assert 1 <= booster.num_trees() <= 40
    scores = booster.predict(split.test[list(FEATURE_NAMES)].to_numpy("float64"))
    assert roc_auc_score(split.test["label"], scores) > 0.7
