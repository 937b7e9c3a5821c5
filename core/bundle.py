"""The model bundle: what a registered model version holds and how it turns features into a PD.

Training writes it, serving and promotion read it; it is the only link between them. The
bundle is a LightGBM text model plus a JSON file, so no pickle is ever loaded, and the JSON
records the booster's SHA-256 so tampered or truncated files are refused.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from core.grades import GradeTable

BOOSTER_FILE = "booster.txt"
BUNDLE_FILE = "bundle.json"


class ModelIntegrityError(ValueError):
    """A model's files are missing, unreadable or do not match their recorded checksum."""


@dataclass(frozen=True)
class Calibration:
    """Platt scaling on the booster's raw log-odds: logit(PD) = slope · margin + intercept.

    Linear in the margin, so SHAP values in log-odds carry over exactly (times ``slope``).
    """

    slope: float = 1.0
    intercept: float = 0.0

    def log_odds(self, margin: np.ndarray) -> np.ndarray:
        return self.slope * margin + self.intercept

    def pd(self, margin: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.log_odds(margin)))


@dataclass(frozen=True)
class ModelBundle:
    feature_names: tuple[str, ...]
    calibration: Calibration
    grade_table: GradeTable
    label_rules: tuple[str, ...]
    horizon_months: int
    booster_sha256: str
    split: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        data["grade_table"] = self.grade_table.to_dict()
        return json.dumps(data, ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> ModelBundle:
        data = json.loads(text)
        return cls(
            feature_names=tuple(data["feature_names"]),
            calibration=Calibration(**data["calibration"]),
            grade_table=GradeTable.from_dict(data["grade_table"]),
            label_rules=tuple(data["label_rules"]),
            horizon_months=int(data["horizon_months"]),
            booster_sha256=data["booster_sha256"],
            split=data.get("split", {}),
            metrics=data.get("metrics", {}),
        )


@dataclass(frozen=True)
class LoadedModel:
    """A verified bundle with its booster, ready to score feature rows."""

    bundle: ModelBundle
    booster: lgb.Booster

    def matrix(self, features: pd.DataFrame) -> np.ndarray:
        missing = [name for name in self.bundle.feature_names if name not in features.columns]
        if missing:
            raise ValueError(f"feature table lacks model features: {', '.join(missing)}")
        return features[list(self.bundle.feature_names)].to_numpy(dtype="float64")

    def margin(self, features: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.booster.predict(self.matrix(features), raw_score=True))

    def predict_pd(self, features: pd.DataFrame) -> np.ndarray:
        return self.bundle.calibration.pd(self.margin(features))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_bundle(folder: Path, booster: lgb.Booster, bundle_fields: dict[str, Any]) -> ModelBundle:
    """Write ``booster.txt`` and ``bundle.json`` (with the booster's checksum) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    text = booster.model_to_string().encode()
    (folder / BOOSTER_FILE).write_bytes(text)
    bundle = ModelBundle(booster_sha256=sha256(text), **bundle_fields)
    (folder / BUNDLE_FILE).write_text(bundle.to_json(), encoding="utf-8")
    return bundle


def load_bundle(folder: Path) -> LoadedModel:
    """Read and verify a bundle; raises ModelIntegrityError rather than serve a bad model."""
    try:
        bundle = ModelBundle.from_json((folder / BUNDLE_FILE).read_text(encoding="utf-8"))
        text = (folder / BOOSTER_FILE).read_bytes()
    except (OSError, KeyError, TypeError, json.JSONDecodeError) as error:
        raise ModelIntegrityError(f"model bundle at {folder} is unreadable: {error}") from error
    if sha256(text) != bundle.booster_sha256:
        raise ModelIntegrityError(f"{folder / BOOSTER_FILE} does not match its recorded SHA-256")
    try:
        booster = lgb.Booster(model_str=text.decode())
    except lgb.basic.LightGBMError as error:
        raise ModelIntegrityError(f"booster at {folder} does not load: {error}") from error
    if tuple(booster.feature_name()) != bundle.feature_names:
        raise ModelIntegrityError("booster features differ from the bundle's feature list")
    return LoadedModel(bundle, booster)


def fetch_registered(tracking_uri: str, model_name: str, alias: str) -> tuple[str, LoadedModel]:
    """Resolve ``alias`` in the MLflow registry, download that version and verify it.

    Returns (version, model). Training (promotion) and serving both read models this way.
    """
    import mlflow  # heavy; only callers that reach the registry pay for the import
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    version = str(client.get_model_version_by_alias(model_name, alias).version)
    mlflow.set_tracking_uri(tracking_uri)
    # The bundle is read into memory, so the download is removed again: each service start,
    # reload and promotion used to leave a copy of the model in the temp folder.
    with tempfile.TemporaryDirectory(prefix=f"ews-{model_name}-v{version}-") as folder:
        local = mlflow.artifacts.download_artifacts(
            artifact_uri=f"models:/{model_name}/{version}", dst_path=folder
        )
        return version, load_bundle(Path(local) / "artifacts" / "bundle")
