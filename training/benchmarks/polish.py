"""`ews benchmark polish`: the published protocol on the UCI Polish bankruptcy data.

Zięba et al. (2016) report the mean ROC AUC over 10 stratified cross-validation folds for each
data file. A file's name is the year of the forecasting period its ratios come from, **not** the
horizon (UCI description): ``1year.arff`` holds ratios from the first year with the bankruptcy
status five years later, … ``5year.arff`` ratios from the fifth year with the status one year
later (``HORIZON_YEARS``). Rows, metrics and the published figures are keyed by file. We fit
LightGBM on the 64 ratios as they are (``?`` = missing, left to LightGBM), and a second
LightGBM that also sees pairwise synthetic features (a/b, b/a and a·b of the most important
ratios), after Zięba et al.'s own idea. Everything a fold's model depends on — the parameters, fixed
in advance for every file, and the choice of the ratios to combine, made from a fit on the
fold's training part — is decided without its test part.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import lightgbm as lgb
import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.io import arff
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from training.benchmarks.published import POLISH_AUC, POLISH_SOURCE
from training.benchmarks.result import BenchmarkResult

# Years between the ratios and the bankruptcy status they are labelled with, per UCI file. UCI
# (dataset 365): "1stYear – financial rates from 1st year of the forecasting period and
# corresponding class label that indicates bankruptcy status after 5 years", … "5thYear" after
# 1 year. The file's number is the year the ratios come from, not the horizon.
HORIZON_YEARS: Final[dict[str, int]] = {
    "1year.arff": 5,
    "2year.arff": 4,
    "3year.arff": 3,
    "4year.arff": 2,
    "5year.arff": 1,
}
FILES: Final[tuple[str, ...]] = ("1year.arff", "5year.arff")  # the two the benchmark runs


def file_label(name: str) -> str:
    """``1year.arff (status 5 years later)``: the file with its real horizon."""
    years = HORIZON_YEARS[name]
    return f"{name} (status {years} year{'' if years == 1 else 's'} later)"


def metric_prefix(name: str) -> str:
    """``1year_arff_horizon5y``: an MLflow metric prefix that names the file and its horizon."""
    return f"{name.replace('.', '_')}_horizon{HORIZON_YEARS[name]}y"


@dataclass(frozen=True)
class PolishModel:
    """LightGBM settings, the same for every file and fold."""

    # Moderate trees, column and row subsampling: the usual for a small table of ratios.
    params: dict[str, Any] = field(
        default_factory=lambda: {
            "objective": "binary",
            "learning_rate": 0.05,
            "num_leaves": 31,
            "min_child_samples": 20,
            "feature_fraction": 0.5,
            "bagging_fraction": 0.8,
            "bagging_freq": 1,
            "lambda_l2": 1.0,
            "verbose": -1,
        }
    )
    rounds: int = 600
    combine_top: int = 30  # ratios (by gain in the first fit) whose pairs become features


def read_polish(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """The 64 ratios (``Attr1`` … ``Attr64``; ``?`` read as missing) and the 0/1 class."""
    records, _ = arff.loadarff(path)
    frame = pd.DataFrame(records)
    label = frame.pop("class").map(lambda v: int(v.decode() if isinstance(v, bytes) else v))
    return frame.astype("float64"), label.to_numpy(dtype="int64")


def pairwise_features(x: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """``x`` with a/b, b/a and a·b for every pair of ``columns`` (÷0 gives missing)."""
    made = []
    with np.errstate(all="ignore"):
        for i, j in itertools.combinations(columns, 2):
            a, b = x[:, i], x[:, j]
            made += [a / b, b / a, a * b]
    extra = np.column_stack(made) if made else np.empty((len(x), 0))
    extra[~np.isfinite(extra)] = np.nan
    return np.hstack([x, extra])


def fold_aucs(
    model: PolishModel, x: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray
) -> tuple[float, float]:
    """Test AUC of LightGBM on the ratios, and with the pairs of the training part's top ratios."""
    booster = lgb.train(model.params, lgb.Dataset(x[train], y[train]), model.rounds)
    plain = float(roc_auc_score(y[test], booster.predict(x[test])))
    top = np.argsort(-booster.feature_importance("gain"))[: model.combine_top]
    wide = pairwise_features(x, top)
    booster = lgb.train(model.params, lgb.Dataset(wide[train], y[train]), model.rounds)
    return plain, float(roc_auc_score(y[test], booster.predict(wide[test])))


def cross_validated_auc(
    x: pd.DataFrame,
    y: np.ndarray,
    model: PolishModel | None = None,
    folds: int = 10,
    seed: int = 7,
    n_jobs: int = 1,
) -> np.ndarray:
    """Per fold (rows) the two AUCs of ``fold_aucs``; folds in parallel, one thread each."""
    model = model or PolishModel()
    fixed = {**model.params, "seed": seed, "num_threads": 1, "deterministic": True}
    model = PolishModel(fixed, model.rounds, model.combine_top)
    values = x.to_numpy("float64")
    splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(values, y)
    aucs = Parallel(n_jobs=n_jobs)(
        delayed(fold_aucs)(model, values, y, train, test) for train, test in splits
    )
    return np.asarray(aucs, dtype="float64")


def run_polish(
    data_dir: Path,
    files: tuple[str, ...] = FILES,
    folds: int = 10,
    seed: int = 7,
    model: PolishModel | None = None,
    sample: int | None = None,
    n_jobs: int = 1,
) -> BenchmarkResult:
    """Cross-validated AUC per file, labelled with its horizon, beside the file's published AUCs.

    ``sample`` keeps that many firms (stratified) for a quick run; the published comparison
    only holds for the full data.
    """
    model = model or PolishModel()
    rows, metrics = [], {}
    for name in files:
        x, y = read_polish(data_dir / "polish" / name)
        if sample is not None and sample < len(y):
            x, _, y, _ = train_test_split(x, y, train_size=sample, stratify=y, random_state=seed)
        aucs = cross_validated_auc(x, y, model, folds, seed, n_jobs)
        plain, combined = aucs.mean(axis=0)
        prefix = metric_prefix(name)
        metrics.update(
            {
                f"{prefix}_cv_auc": float(combined),
                f"{prefix}_cv_auc_std": float(aucs[:, 1].std()),
                f"{prefix}_cv_auc_ratios_only": float(plain),
            }
        )
        published = POLISH_AUC[name]  # measured on this file
        rows.append(
            {
                "file (bankruptcy status)": file_label(name),
                "horizon_years": HORIZON_YEARS[name],
                "firms": len(y),
                "bankrupt": int(y.sum()),
                "ours: LightGBM + pairs": round(float(combined), 4),
                "± sd": round(float(aucs[:, 1].std()), 4),
                "ours: LightGBM, ratios only": round(float(plain), 4),
                **{f"published {kind}": auc for kind, auc in published.items()},
                "≥ published LightGBM": bool(combined >= published["LightGBM"]),
            }
        )
    params = {**model.params, "rounds": model.rounds, "combine_top": model.combine_top}
    notes = [
        f"ours: mean ROC AUC over {folds} stratified folds (seed {seed}); parameters fixed in "
        f"advance; pairs of the top {model.combine_top} ratios chosen on each training part",
        f"published: {POLISH_SOURCE}, per file (the literature's 'year N' is the file Nyear.arff)",
        "horizon: Nyear.arff holds ratios from year N of the forecasting period and the "
        "bankruptcy status 6 − N years later (UCI): 1year.arff → 5 years, 5year.arff → 1 year",
    ]
    return BenchmarkResult(
        "polish",
        rows,
        metrics,
        {**params, "folds": folds, "seed": seed, "sample": sample, "files": ",".join(files)},
        notes,
    )
