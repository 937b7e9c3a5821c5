"""The model bundle: what a registered model version holds and how it turns features into a PD.

Training writes it, serving and promotion read it; it is the only link between them. The
bundle is a LightGBM text model plus a JSON file, so no pickle is ever loaded, and the JSON
records the booster's SHA-256 so tampered or truncated files are refused.

The whole bundle also has one digest (``bundle_digest``: every byte of the booster and every
field of ``bundle.json``). Registration stores it as the model version tag ``DIGEST_TAG``, and
``fetch_registered`` refuses a download that does not match that tag, so editing the files in
the artifact store (calibration, grade cut points, feature list, booster) is detected even when
the checksum beside them is edited too. With ``EWS_MODEL_SIGNING_KEY`` set, promotion signs the
digest (``SIGNATURE_TAG``, HMAC-SHA256) and readers refuse an unsigned or wrongly signed version.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from core.grades import GradeTable
from core.settings import get_settings

BOOSTER_FILE = "booster.txt"
BUNDLE_FILE = "bundle.json"
DIGEST_SCHEME = "ews-bundle-v1"
DIGEST_TAG = "ews.bundle_digest"  # model version tag: bundle_digest() at registration
SIGNATURE_TAG = "ews.bundle_signature"  # model version tag: sign_digest() at promotion
log = logging.getLogger(__name__)


class ModelIntegrityError(ValueError):
    """A model's files are missing, unreadable, or do not match their checksum, the registry's
    digest or its signature."""


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
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelBundle:
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
    digest: str = ""  # bundle_digest() of the files it was read from

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


def canonical_digest(booster_text: bytes, bundle_data: Mapping[str, Any]) -> str:
    """SHA-256 over the booster's bytes and a canonical JSON of every ``bundle.json`` field.

    Canonical: keys sorted, no whitespace, UTF-8; so re-indenting the file changes nothing, and
    any change of a value (a slope, a cut point, a feature name, a split year) changes the digest.
    """
    document = {
        "scheme": DIGEST_SCHEME,
        "booster_sha256": sha256(booster_text),
        "bundle": dict(bundle_data),
    }
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return sha256(text.encode())


def bundle_digest(folder: Path) -> str:
    """The digest of the bundle in ``folder`` (what registration stores as ``DIGEST_TAG``)."""
    return _read(folder)[2]


def sign_digest(digest: str, key: str) -> str:
    """HMAC-SHA256 of a bundle digest under the promotion key (``EWS_MODEL_SIGNING_KEY``)."""
    message = f"{DIGEST_SCHEME}:{digest}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def save_bundle(folder: Path, booster: lgb.Booster, bundle_fields: dict[str, Any]) -> ModelBundle:
    """Write ``booster.txt`` and ``bundle.json`` (with the booster's checksum) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    text = booster.model_to_string().encode()
    (folder / BOOSTER_FILE).write_bytes(text)
    bundle = ModelBundle(booster_sha256=sha256(text), **bundle_fields)
    (folder / BUNDLE_FILE).write_text(bundle.to_json(), encoding="utf-8")
    return bundle


def _read(folder: Path) -> tuple[dict[str, Any], bytes, str]:
    try:
        data = json.loads((folder / BUNDLE_FILE).read_text(encoding="utf-8"))
        text = (folder / BOOSTER_FILE).read_bytes()
        return data, text, canonical_digest(text, data)
    except (OSError, TypeError, ValueError) as error:  # JSONDecodeError, UnicodeDecodeError
        raise ModelIntegrityError(f"model bundle at {folder} is unreadable: {error}") from error


def load_bundle(folder: Path, expected_digest: str | None = None) -> LoadedModel:
    """Read and verify a bundle; raises ModelIntegrityError rather than serve a bad model.

    ``expected_digest`` (the registry's ``DIGEST_TAG``) is checked first, before any field is
    trusted.
    """
    data, text, digest = _read(folder)
    if expected_digest is not None and not hmac.compare_digest(digest, expected_digest):
        raise ModelIntegrityError(
            f"model bundle at {folder} does not match the registry's digest ({DIGEST_TAG} "
            f"{expected_digest[:12]}…, files {digest[:12]}…): its files were changed after "
            "registration"
        )
    try:
        bundle = ModelBundle.from_dict(data)
    except (KeyError, TypeError, ValueError) as error:
        raise ModelIntegrityError(f"model bundle at {folder} is unreadable: {error}") from error
    if sha256(text) != bundle.booster_sha256:
        raise ModelIntegrityError(f"{folder / BOOSTER_FILE} does not match its recorded SHA-256")
    try:
        booster = lgb.Booster(model_str=text.decode())
    except (lgb.basic.LightGBMError, UnicodeDecodeError) as error:
        raise ModelIntegrityError(f"booster at {folder} does not load: {error}") from error
    if tuple(booster.feature_name()) != bundle.feature_names:
        raise ModelIntegrityError("booster features differ from the bundle's feature list")
    return LoadedModel(bundle, booster, digest)


def check_tags(
    where: str, tags: Mapping[str, str], signing_key: str, require_signature: bool = True
) -> str | None:
    """The registry's digest for a version (None for one registered before digests existed).

    With a signing key and ``require_signature``, the version must carry a valid signature of
    that digest; a version without a digest is then refused too, since nothing vouches for it.
    """
    digest = tags.get(DIGEST_TAG)
    must_sign = bool(signing_key) and require_signature
    if digest is None:
        if must_sign:
            raise ModelIntegrityError(
                f"{where} has no {DIGEST_TAG} tag and EWS_MODEL_SIGNING_KEY requires a signed "
                "model; promote it again to record and sign its digest"
            )
        log.warning("%s has no %s tag (registered before digests): unverified", where, DIGEST_TAG)
        return None
    if must_sign:
        signature = tags.get(SIGNATURE_TAG)
        if signature is None:
            raise ModelIntegrityError(
                f"{where} is not signed ({SIGNATURE_TAG} missing) and EWS_MODEL_SIGNING_KEY "
                "requires a signed model; only promotion signs"
            )
        if not hmac.compare_digest(signature, sign_digest(digest, signing_key)):
            raise ModelIntegrityError(
                f"{where}: {SIGNATURE_TAG} does not match its digest under EWS_MODEL_SIGNING_KEY"
            )
    return digest


def fetch_version(
    tracking_uri: str,
    model_name: str,
    version: str,
    tags: Mapping[str, str],
    signing_key: str,
    require_signature: bool = True,
) -> LoadedModel:
    """Download one registered version and verify it against its registry tags."""
    import mlflow  # heavy; only callers that reach the registry pay for the import

    where = f"model {model_name!r} version {version}"
    digest = check_tags(where, tags, signing_key, require_signature)
    mlflow.set_tracking_uri(tracking_uri)
    # The bundle is read into memory, so the download is removed again: each service start,
    # reload and promotion used to leave a copy of the model in the temp folder.
    with tempfile.TemporaryDirectory(prefix=f"ews-{model_name}-v{version}-") as folder:
        local = mlflow.artifacts.download_artifacts(
            artifact_uri=f"models:/{model_name}/{version}", dst_path=folder
        )
        return load_bundle(Path(local) / "artifacts" / "bundle", digest)


def fetch_registered(
    tracking_uri: str,
    model_name: str,
    alias: str,
    signing_key: str | None = None,
    *,
    require_signature: bool = True,
) -> tuple[str, LoadedModel]:
    """Resolve ``alias`` in the MLflow registry, download that version and verify it against
    the registry's digest (and signature, when a signing key is set).

    Returns (version, model). Training (promotion) and serving both read models this way.
    ``signing_key`` None means ``EWS_MODEL_SIGNING_KEY`` from the environment; "" means none.
    """
    from mlflow import MlflowClient

    if signing_key is None:
        signing_key = get_settings().model_signing_key.get_secret_value()
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    entry = client.get_model_version_by_alias(model_name, alias)
    version = str(entry.version)
    tags = entry.tags or {}
    return version, fetch_version(
        tracking_uri, model_name, version, tags, signing_key, require_signature
    )
