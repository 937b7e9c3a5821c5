"""The benchmarks: each prints its figures and the ratio to a reference measured in the same run."""

from __future__ import annotations

import tempfile
import time
import warnings
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.http import http_speed
from bench.monthly import monthly_speed
from bench.reliability import reliability
from bench.scenarios import scenario_speed
from bench.timing import best_of, report
from bench.world import World
from cli import batch
from features.environment import industry_distress_rate
from features.pipeline import build_context, build_features, features_as_of
from features.tables import read_tables
from scoring import explain, treeshap
from scoring.explain import tree_shap
from scoring.recourse import Planner
from scoring.standing import standing_of


def shap_speed(world: World, rows: int) -> list[dict[str, Any]]:
    """Fast exact TreeSHAP vs shap.TreeExplainer (= LightGBM pred_contrib) at 1 and 2 threads."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import shap

        explainer = shap.TreeExplainer(world.model.booster)
    booster, matrix = world.model.booster, world.matrix(rows)
    fast = treeshap.FastTreeShap(booster)
    fast.shap_values(matrix[:300])
    results = []
    for threads in (1, 2):
        ours = best_of(partial(fast.shap_values, matrix, threads=threads))
        theirs = best_of(
            partial(booster.predict, matrix, pred_contrib=True, num_threads=threads), 2
        )
        results.append(
            report(
                f"shap threads={threads}",
                {
                    "fast_rows_s": rows / ours,
                    "pred_contrib_rows_s": rows / theirs,
                },
                theirs / ours,
                ">= 3",
            )
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        oracle = np.asarray(explainer.shap_values(matrix[:2000]))
        shap_seconds = time.perf_counter() - start
    ours_seconds = best_of(lambda: fast.shap_values(matrix[:2000]))
    diff = float(np.abs(fast.shap_values(matrix[:2000])[0] - oracle).max())
    results.append(
        report(
            "shap vs shap.TreeExplainer (2000 rows, default threads)",
            {
                "fast_rows_s": 2000 / ours_seconds,
                "tree_explainer_rows_s": 2000 / shap_seconds,
                "max_abs_diff_e12": diff * 1e12,
            },
            shap_seconds / ours_seconds,
            ">= 3, diff <= 1e-9",
        )
    )
    one = matrix[:1]
    latencies = []
    for _ in range(300):
        start = time.perf_counter()
        tree_shap(booster, one)
        latencies.append(time.perf_counter() - start)
    results.append(
        report(
            "shap one row in-process",
            {
                "p50_us": 1e6 * float(np.percentile(latencies, 50)),
                "p99_us": 1e6 * float(np.percentile(latencies, 99)),
            },
            1.0,
            "info",
        )
    )
    return results


def batch_speed(world: World, rows: int) -> list[dict[str, Any]]:
    """Score stage (matrix -> PD -> grade -> Parquet) vs bare Booster.predict on the same rows."""
    latest = world.features[world.features["as_of"] == world.features["as_of"].max()]
    frame = latest.loc[np.resize(latest.index.to_numpy(), rows)].reset_index(drop=True)
    matrix = world.model.matrix(frame)
    booster = world.model.booster
    bare = best_of(lambda: booster.predict(matrix, raw_score=True))
    out = Path(tempfile.mkdtemp(prefix="ews-bench-")) / "scores.parquet"

    def score(reasons: bool) -> None:
        batch.score_frame(frame, world.model, top=3, reasons=reasons).to_parquet(out)

    plain = best_of(lambda: score(False))
    explained = best_of(lambda: score(True), 2)
    return [
        report(
            "batch score (no reasons)",
            {
                "rows_s": rows / plain,
                "bare_predict_rows_s": rows / bare,
            },
            bare / plain,
            ">= 0.8",
        ),
        report(
            "batch score with top-3 reasons",
            {
                "rows_s": rows / explained,
                "bare_predict_rows_s": rows / bare,
            },
            bare / explained,
            "info: reasons cost SHAP",
        ),
    ]


def features_speed(world: World, rows: int) -> list[dict[str, Any]]:
    """Building the feature table vs only reading the raw contract tables from Parquet.

    Both timed the same way, best of 3 in this process (the world's own first build also pays
    for first-use imports and caches).
    """
    read = best_of(lambda: read_tables(world.raw_dir))
    tables = read_tables(world.raw_dir)
    build = min(world.seconds["features"], best_of(lambda: build_features(tables), 2))
    n = len(world.features)
    return [
        report(
            "features",
            {
                "firm_years": n,
                "build_s": build,
                "read_raw_s": read,
                "firm_years_s": n / build,
            },
            build / read,
            "<= 5",
        )
    ]


def stream_memory(world: World, rows: int) -> list[dict[str, Any]]:
    """Streaming `ews score` over the raw folder: time and peak memory, vs one chunk."""
    import resource

    out = Path(tempfile.mkdtemp(prefix="ews-bench-")) / "scores.parquet"
    chunks = batch.plan_chunks(world.raw_dir, chunk_firms=max(500, len(world.features) // 40))
    start = time.perf_counter()
    written = batch.score_chunks(chunks, world.model, out, top=3)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    return [
        report(
            "stream ews score (features + reasons)",
            {
                "firms": written,
                "seconds": seconds,
                "firms_s": written / seconds,
                "peak_rss_mib": peak,
                "chunks": len(chunks),
            },
            1.0,
            "info",
        )
    ]


def dask_speed(world: World, rows: int) -> list[dict[str, Any]]:
    """Streaming scoring on a LocalCluster with 1 and 2 workers (threads, one each)."""
    from dask.distributed import Client, LocalCluster

    chunks = batch.plan_chunks(world.raw_dir, chunk_firms=max(500, len(world.features) // 40))
    seconds = {}
    for workers in (1, 2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None
            )
            with cluster, Client(cluster) as client:
                out = Path(tempfile.mkdtemp(prefix="ews-bench-")) / "scores.parquet"
                start = time.perf_counter()
                batch.score_chunks(chunks, world.model, out, 3, mapper=batch._dask_mapper(client))
                seconds[workers] = time.perf_counter() - start
    return [
        report(
            "dask scoring 1 -> 2 workers",
            {
                "one_worker_s": seconds[1],
                "two_workers_s": seconds[2],
            },
            seconds[1] / seconds[2],
            "info: speed-up",
        )
    ]


def recourse_speed(world: World, rows: int) -> list[dict[str, Any]]:
    """What lowers the grade (``scoring.recourse``): one firm at a time (p50/p99) and a region's
    watch list (its 200 highest PDs) in one batch, against one plain single-firm scoring call
    (``features_as_of`` with the stored context, PD and TreeSHAP reasons) in the same run."""
    tables = read_tables(world.raw_dir)
    as_of = world.features["as_of"].max()
    latest = world.features[world.features["as_of"] == as_of].reset_index(drop=True)
    context = build_context(latest, industry_distress_rate(tables.firms, tables.events, as_of))
    model = world.model
    planner = Planner(tables, as_of, context, model)
    rated = standing_of(latest, model.bundle.label_rules).rated
    region = latest.loc[rated, "region"].mode().iloc[0]
    pd_ = np.where(rated & (latest["region"] == region).to_numpy(), model.predict_pd(latest), -1)
    watch = [str(f) for f in latest["firm_id"].to_numpy()[np.argsort(-pd_)[:200]]]
    own = {firm_id: tables.for_firms([firm_id]) for firm_id in watch}

    def plain(firm_id: str) -> None:
        frame = features_as_of(own[firm_id], as_of, context)
        explain.attribute(model.booster, model.bundle.calibration, model.matrix(frame))

    for firm_id in watch[:5]:  # first use: imports, the TreeSHAP tables
        plain(firm_id)
        planner.firm(firm_id)
    single = _latencies(planner.firm, watch)
    reference = _latencies(plain, watch)
    start = time.perf_counter()
    answers = planner.firms(watch)
    batch_s = time.perf_counter() - start
    found = float(np.mean([any(t.steps == 1 and t.proposal for t in a.targets) for a in answers]))
    p50, p99 = float(np.percentile(single, 50)), float(np.percentile(single, 99))
    return [
        report(
            f"recourse one firm (region {region}, watch list of {len(watch)})",
            {
                "p50_ms": 1e3 * p50,
                "p99_ms": 1e3 * p99,
                "plain_score_p50_ms": 1e3 * np.percentile(reference, 50),
                "one_grade_found_pct": 100 * found,
            },
            p50 / np.percentile(reference, 50),
            "p99 <= 100 ms",
        ),
        report(
            "recourse watch list in one batch",
            {"firms_s": len(watch) / batch_s, "batch_s": batch_s, "single_firms_s": 1 / p50},
            (1 / p50) / (len(watch) / batch_s),
            "info",
        ),
    ]


def _latencies(call: Any, firm_ids: list[str]) -> np.ndarray:
    """Seconds of ``call(firm_id)`` for each firm, one call each."""
    seconds = []
    for firm_id in firm_ids:
        start = time.perf_counter()
        call(firm_id)
        seconds.append(time.perf_counter() - start)
    return np.array(seconds)


CASES = {
    "shap": shap_speed,
    "batch": batch_speed,
    "features": features_speed,
    "stream": stream_memory,
    "dask": dask_speed,
    "http": http_speed,
    "reliability": reliability,
    "recourse": recourse_speed,
    "monthly": monthly_speed,
    "scenarios": scenario_speed,
}
# http uses the registered EWS_* world; reliability builds its own in the tests
NEEDS_NO_WORLD = frozenset({"http", "reliability"})


def frame(results: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(results)
