"""Published results on the public benchmark data, to print beside ours.

Polish companies bankruptcy (UCI; Zięba, Tomczak & Tomczak 2016): hold-out test ROC AUC by
horizon from Expert Systems 2024 (doi 10.1111/exsy.13599), as listed in
``../shared/data/README.md``. Zięba et al. themselves used 10-fold cross-validated mean AUC,
the protocol we reproduce.
"""

from __future__ import annotations

from typing import Final

POLISH_SOURCE: Final[str] = "Expert Systems 2024, doi 10.1111/exsy.13599 (hold-out test AUC)"
POLISH_AUC: Final[dict[int, dict[str, float]]] = {
    1: {"CatBoost": 0.958, "LightGBM": 0.960, "XGBoost": 0.956, "best ensemble": 0.964},
    5: {"CatBoost": 0.961, "LightGBM": 0.958, "XGBoost": 0.961, "best ensemble": 0.963},
}
