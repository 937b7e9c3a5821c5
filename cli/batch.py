"""Batch scoring: every firm at one as-of date -> PD, grade, flags and top reasons in Parquet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from core.bundle import fetch_registered
from core.settings import Settings
from features.catalog import BY_NAME, FLAGS
from features.pipeline import as_of_dates, features_as_of
from features.tables import read_tables
from serving.explain import attribute

CHUNK = 50_000


def _top_reasons(names: tuple[str, ...], points: np.ndarray, top: int) -> dict[str, list]:
    order = np.argsort(-np.abs(points), axis=1, kind="stable")[:, :top]
    columns: dict[str, list] = {}
    for k in range(top):
        picked = order[:, k]
        columns[f"reason_{k + 1}"] = [names[j] for j in picked]
        columns[f"reason_{k + 1}_ko"] = [BY_NAME[names[j]].ko for j in picked]
        columns[f"reason_{k + 1}_points"] = points[np.arange(len(points)), picked].tolist()
    return columns


def score_all(settings: Settings, as_of: pd.Timestamp | None, out: Path, top: int) -> int:
    """Score the champion on every eligible firm at ``as_of`` (default: the latest date)."""
    tables = read_tables(settings.raw_dir)
    when = as_of if as_of is not None else as_of_dates(tables.financials)[-1]
    version, model = fetch_registered(
        settings.tracking_uri, settings.model_name, settings.model_alias
    )
    features = features_as_of(tables, when)
    names = model.bundle.feature_names
    parts = []
    for start in tqdm(range(0, len(features), CHUNK), desc="scoring", unit="chunk"):
        rows = features.iloc[start : start + CHUNK]
        explained = attribute(model.booster, model.bundle.calibration, model.matrix(rows))
        part = rows[["firm_id", "as_of", "region", "district", "ksic", "size_class"]].copy()
        part["pd"] = explained.pd
        part["grade"] = [model.bundle.grade_table.grade(p) for p in explained.pd]
        part["base_pd"] = explained.base_pd
        raised = rows[list(FLAGS)].to_numpy(dtype=bool)
        part["flags"] = [",".join(f for f, on in zip(FLAGS, r, strict=True) if on) for r in raised]
        for column, values in _top_reasons(names, explained.points, top).items():
            part[column] = values
        parts.append(part)
    scores = pd.concat(parts, ignore_index=True)
    scores["model_name"], scores["model_version"] = settings.model_name, version
    scores["grade_table_version"] = model.bundle.grade_table.version
    out.parent.mkdir(parents=True, exist_ok=True)
    scores.to_parquet(out, index=False)
    return len(scores)
