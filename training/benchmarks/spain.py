"""`ews benchmark spain`: the Spanish firm-years through the product's own path, out of time.

The CSV goes through ``ews ingest`` with ``mappings/spain.yaml`` (ratios become statements on
a unit asset base; BANKRUPTCY becomes the user label ``bankruptcy``), then through the same
feature pipeline as Korean data. We train on the statements of fiscal years 1998-2001 and test
on 2002-2003, against a logistic-regression scorecard and Altman's Z'' (without its
retained-earnings term, which the data lack). For reference only, LightGBM on the file's own
columns shows what the contract leaves out (judicial incidences, audit opinion, …).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Final

import lightgbm as lgb
import numpy as np
import pandas as pd

from features.catalog import FEATURE_NAMES
from features.ingestion import ingest, load_mapping
from features.pipeline import build_features
from features.ratios import ratio
from features.tables import read_tables
from training.baselines import fit_scorecard, scorecard_pd
from training.benchmarks.result import BenchmarkResult
from training.metrics import rank_metrics
from training.params import TrainParams

MAPPING: Final[Path] = Path(__file__).resolve().parents[2] / "mappings" / "spain.yaml"
SOURCE: Final[str] = "spain/bankruptcy_spain_1998_2003.csv"
LABEL_RULE: Final[str] = "column:bankruptcy"
TRAIN_YEARS: Final[range] = range(1998, 2002)
TEST_YEARS: Final[range] = range(2002, 2004)
# The product's parameters, smaller trees for 16 training bankruptcies; a fixed number of
# rounds because one validation year holds too few bankruptcies to stop early on.
PARAMS: Final[TrainParams] = TrainParams(
    learning_rate=0.03,
    num_leaves=7,
    max_depth=3,
    min_child_samples=20,
    max_rounds=300,
    num_threads=1,
)


def run_spain(
    data_dir: Path,
    workdir: Path | None = None,
    mapping: Path = MAPPING,
    seed: int = 7,
    params: TrainParams = PARAMS,
) -> BenchmarkResult:
    """Ingest, build features, train on 1998-2001, test on 2002-2003; AUC against baselines."""
    source = data_dir / SOURCE
    raw = Path(workdir or tempfile.mkdtemp(prefix="ews-spain-")) / "raw"
    reports = ingest(source, load_mapping(mapping), raw)
    tables = read_tables(raw)
    features = build_features(tables, label_rules=(LABEL_RULE,))
    labelled = features[features["label"].notna()]
    train = labelled[labelled["fiscal_year"].isin(TRAIN_YEARS)]
    test = labelled[labelled["fiscal_year"].isin(TEST_YEARS)]
    y = test["label"].to_numpy()
    scores = {
        "LightGBM (contract features)": _lightgbm(train, test, FEATURE_NAMES, params, seed),
        "logistic scorecard (baseline)": scorecard_pd(
            fit_scorecard(train, FEATURE_NAMES, seed), test, FEATURE_NAMES
        ),
        "Altman Z'' without retained earnings (baseline)": _altman_partial(test, tables.financials),
        "LightGBM on the source columns (reference)": _source_columns(source, test, params, seed),
    }
    rows, metrics = [], {}
    for (model, score), key in zip(
        scores.items(), ("lgbm", "logit", "altman", "source"), strict=True
    ):
        found = rank_metrics(y, score)
        metrics.update(
            {f"test_roc_auc_{key}": found["roc_auc"], f"test_pr_auc_{key}": found["pr_auc"]}
        )
        rows.append(
            {
                "model": model,
                "test ROC AUC": round(found["roc_auc"], 4),
                "test PR AUC": round(found["pr_auc"], 4),
            }
        )
    ingested = {r.table: f"{r.accepted}/{r.rows_in}" for r in reports}
    notes = [
        f"train: fiscal years {TRAIN_YEARS[0]}-{TRAIN_YEARS[-1]}, {len(train)} firm-years, "
        f"{int(train['label'].sum())} bankrupt; test: {TEST_YEARS[0]}-{TEST_YEARS[-1]}, "
        f"{len(test)} firm-years, {int(test['label'].sum())} bankrupt",
        f"ingested (accepted/in): {ingested}",
    ]
    metrics.update(rows_train=float(len(train)), rows_test=float(len(test)))
    return BenchmarkResult(
        "spain", rows, metrics, params.to_mlflow() | {"label_rule": LABEL_RULE}, notes
    )


def _lightgbm(
    train: pd.DataFrame, test: pd.DataFrame, names: tuple[str, ...], params: TrainParams, seed: int
) -> np.ndarray:
    config = params.lightgbm(names) | {"seed": seed}
    data = lgb.Dataset(train[list(names)].to_numpy("float64"), train["label"].to_numpy())
    booster = lgb.train(config, data, num_boost_round=params.max_rounds)
    return np.asarray(booster.predict(test[list(names)].to_numpy("float64")))


def _altman_partial(test: pd.DataFrame, financials: pd.DataFrame) -> np.ndarray:
    """Z'' = 6.56·WC/TA + 6.72·EBIT/TA + 1.05·BE/TL (lower is riskier), missing as the median."""
    statements = financials.set_index(["firm_id", "fiscal_year"])
    rows = statements.reindex(pd.MultiIndex.from_frame(test[["firm_id", "fiscal_year"]]))
    assets = rows["total_assets"]
    z = (
        6.56 * ratio(rows["current_assets"] - rows["current_liabilities"], assets)
        + 6.72 * ratio(rows["operating_income"], assets)
        + 1.05 * ratio(rows["equity"], rows["total_liabilities"], positive_only=True)
    )
    return -z.fillna(z.median()).to_numpy()


def _source_columns(source: Path, test: pd.DataFrame, params: TrainParams, seed: int) -> np.ndarray:
    """LightGBM on the file's own columns (same rows, same years): what the contract omits."""
    frame = pd.read_csv(source, sep=";")
    label = (frame.pop("BANKRUPTCY") == "YES").astype("float64")
    columns = pd.get_dummies(frame, dtype="float64")
    config = {**params.lightgbm(tuple(columns.columns)), "monotone_constraints": None, "seed": seed}
    train = frame["YEAR"].isin(TRAIN_YEARS).to_numpy()
    booster = lgb.train(
        config, lgb.Dataset(columns[train].to_numpy(), label[train].to_numpy()), params.max_rounds
    )
    # Test rows in the order of ``test``: firm_id is the row's position (see the mapping).
    position = test["firm_id"].astype("int64").to_numpy() - 9_000_000_000
    return np.asarray(booster.predict(columns.iloc[position].to_numpy()))
