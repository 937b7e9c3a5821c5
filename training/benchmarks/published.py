"""Published results on the public benchmark data, to print beside ours.

Polish companies bankruptcy (UCI; Zięba, Tomczak & Tomczak 2016): hold-out test ROC AUC per
data file from Expert Systems 2024 (doi 10.1111/exsy.13599), as listed in
``../shared/data/README.md``. Zięba et al. themselves used 10-fold cross-validated mean AUC,
the protocol we reproduce.

The figures are keyed by the **file** they were measured on. The literature names the five
UCI files "1st year" … "5th year" after the file (``1year.arff`` … ``5year.arff``), and the
shared README's "year 1" / "year 5" follow it. That name is the year of the forecasting period
the ratios come from, not the horizon: ``1year.arff`` is scored against the status five years
later and ``5year.arff`` against the status one year later (see ``polish.HORIZON_YEARS``).
"""

from __future__ import annotations

from typing import Final

POLISH_SOURCE: Final[str] = "Expert Systems 2024, doi 10.1111/exsy.13599 (hold-out test AUC)"
POLISH_AUC: Final[dict[str, dict[str, float]]] = {
    "1year.arff": {"CatBoost": 0.958, "LightGBM": 0.960, "XGBoost": 0.956, "best ensemble": 0.964},
    "5year.arff": {"CatBoost": 0.961, "LightGBM": 0.958, "XGBoost": 0.961, "best ensemble": 0.963},
}
