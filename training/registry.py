"""MLflow tracking and the model registry: log a run, register a version, move aliases."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow import MlflowClient
from mlflow.models import infer_signature

from core.bundle import LoadedModel, fetch_registered
from core.settings import Settings

EXPERIMENT = "sme-early-warning"
CHALLENGER = "challenger"
CHAMPION = "champion"
PYFUNC_CODE = Path(__file__).with_name("pyfunc_model.py")


class PromotionRefused(RuntimeError):
    """The challenger is worse than the champion on the same test data and no force was given."""


def connect(settings: Settings) -> MlflowClient:
    """Point MLflow at the configured store and make sure the experiment exists."""
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(settings.tracking_uri)
    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        mlflow.create_experiment(EXPERIMENT, artifact_location=settings.artifact_root)
    mlflow.set_experiment(EXPERIMENT)
    return MlflowClient()


def code_version() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


@contextmanager
def training_run(settings: Settings, name: str) -> Iterator[str]:
    connect(settings)
    with mlflow.start_run(run_name=name) as run:
        yield run.info.run_id


def log_model(
    bundle_dir: Path, example: pd.DataFrame, example_pd: pd.DataFrame, model_name: str
) -> str:
    """Log the bundle as a pyfunc model, register it and return the new version number."""
    info = mlflow.pyfunc.log_model(
        name="model",
        python_model=str(PYFUNC_CODE),
        artifacts={"bundle": str(bundle_dir)},
        signature=infer_signature(example, example_pd),
        input_example=example,
        registered_model_name=model_name,
        pip_requirements=["lightgbm", "pandas", "numpy", "mlflow"],
    )
    version = str(info.registered_model_version)
    MlflowClient().set_registered_model_alias(model_name, CHALLENGER, version)
    return version


def version_for(client: MlflowClient, model_name: str, alias: str) -> str | None:
    try:
        return str(client.get_model_version_by_alias(model_name, alias).version)
    except mlflow.exceptions.MlflowException:
        return None


def load_alias(settings: Settings, alias: str) -> LoadedModel:
    """The verified bundle that ``alias`` points at."""
    return fetch_registered(settings.tracking_uri, settings.model_name, alias)[1]


def set_champion(client: MlflowClient, model_name: str, version: str, note: dict[str, Any]) -> None:
    client.set_registered_model_alias(model_name, CHAMPION, version)
    for key, value in note.items():
        client.set_model_version_tag(model_name, version, key, str(value))
