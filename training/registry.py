"""MLflow tracking and the model registry: log a run, register a version, move aliases.

Registration tags each version with its bundle digest (``DIGEST_TAG``); promotion re-verifies
the version against that digest and, with ``EWS_MODEL_SIGNING_KEY`` set, signs it
(``SIGNATURE_TAG``), so only a promoted version is servable where signing is required.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow import MlflowClient
from mlflow.models import infer_signature

import core
from core.bundle import (
    DIGEST_TAG,
    SIGNATURE_TAG,
    LoadedModel,
    ModelIntegrityError,
    bundle_digest,
    fetch_registered,
    fetch_version,
    sign_digest,
)
from core.settings import Settings

EXPERIMENT = "sme-early-warning"
CHALLENGER = "challenger"
CHAMPION = "champion"
PYFUNC_CODE = Path(__file__).with_name("pyfunc_model.py")
# What PYFUNC_CODE needs at load time, so a version loads outside this repository: the project
# packages it imports (transitively; copied into the model's code/ folder, which MLflow puts on
# sys.path) and the distributions they import, pinned to the versions that trained it.
MODEL_PACKAGES = (Path(core.__file__).parent,)
MODEL_DISTRIBUTIONS = ("mlflow", "lightgbm", "numpy", "pandas", "pydantic", "pydantic-settings")


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
    """Log the bundle as a pyfunc model, register it with its digest tag and return the new
    version number."""
    digest = bundle_digest(bundle_dir)
    info = mlflow.pyfunc.log_model(
        name="model",
        python_model=str(PYFUNC_CODE),
        artifacts={"bundle": str(bundle_dir)},
        signature=infer_signature(example, example_pd),
        input_example=example,
        code_paths=[str(package) for package in MODEL_PACKAGES],
        pip_requirements=pinned_requirements(),
    )
    # Tagged as it is created, so no version exists without its digest.
    registered = mlflow.register_model(info.model_uri, model_name, tags={DIGEST_TAG: digest})
    version = str(registered.version)
    MlflowClient().set_registered_model_alias(model_name, CHALLENGER, version)
    return version


def pinned_requirements() -> list[str]:
    return [f"{name}=={installed_version(name)}" for name in MODEL_DISTRIBUTIONS]


def version_for(client: MlflowClient, model_name: str, alias: str) -> str | None:
    try:
        return str(client.get_model_version_by_alias(model_name, alias).version)
    except mlflow.exceptions.MlflowException:
        return None


def load_alias(settings: Settings, alias: str) -> LoadedModel:
    """The bundle that ``alias`` points at, verified against its registry digest; for
    comparisons, so an unsigned challenger can be judged before promotion signs it."""
    key = settings.model_signing_key.get_secret_value()
    return fetch_registered(
        settings.tracking_uri, settings.model_name, alias, key, require_signature=False
    )[1]


def seal(settings: Settings, client: MlflowClient, version: str) -> str:
    """Verify ``version`` against its digest tag and sign it when a signing key is set.

    A version registered before digests has none: its current files are verified as a bundle
    and their digest recorded (trust on first promotion). Returns the digest.
    """
    name = settings.model_name
    tags = client.get_model_version(name, version).tags or {}
    key = settings.model_signing_key.get_secret_value()
    where = f"model {name!r} version {version}"
    try:
        model = fetch_version(settings.tracking_uri, name, version, tags, key, False)
    except ModelIntegrityError as error:
        raise PromotionRefused(f"{where} fails its integrity check: {error}") from error
    if DIGEST_TAG not in tags:
        client.set_model_version_tag(name, version, DIGEST_TAG, model.digest)
    if key:
        client.set_model_version_tag(name, version, SIGNATURE_TAG, sign_digest(model.digest, key))
    return model.digest


def set_champion(client: MlflowClient, model_name: str, version: str, note: dict[str, Any]) -> None:
    client.set_registered_model_alias(model_name, CHAMPION, version)
    for key, value in note.items():
        client.set_model_version_tag(model_name, version, key, str(value))
