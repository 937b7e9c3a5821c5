"""A model nobody can bend: the registry's digest and signature decide what is served.

One tiny bundle is registered in a local MLflow store; each test edits the stored files the way
an attacker with write access to the artifact store would (keeping the booster checksum in
``bundle.json`` consistent) and expects the download to be refused.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from shutil import copytree
from typing import Any

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from core.bundle import (
    BOOSTER_FILE,
    BUNDLE_FILE,
    DIGEST_TAG,
    SIGNATURE_TAG,
    LoadedModel,
    ModelIntegrityError,
    bundle_digest,
    fetch_registered,
    sha256,
)
from core.settings import Settings
from features.catalog import FEATURE_NAMES
from serving.access.keys import create_key
from tests.serving.conftest import AppFactory
from tests.serving.support import FIRM_26, TestClient, auth
from training import registry

KEY = "promotion-key-for-tests"


@dataclass(frozen=True)
class Registry:
    settings: Settings
    client: MlflowClient
    version: str
    files: list[Path]  # every stored copy of the bundle's files in the artifact store

    def fetch(self, key: str = "") -> LoadedModel:
        name = self.settings.model_name
        return fetch_registered(self.settings.tracking_uri, name, registry.CHAMPION, key)[1]

    def tags(self) -> dict[str, str]:
        entry = self.client.get_model_version(self.settings.model_name, self.version)
        return dict(entry.tags or {})


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory, bundle_dir: Path) -> Registry:
    """Version 1 of the bundle, registered with its digest and aliased champion (unsigned)."""
    root = tmp_path_factory.mktemp("registry")
    settings = Settings(models_dir=root / "models", data_dir=root / "data")
    folder = copytree(bundle_dir, root / "bundle")  # training's folder name, as serving reads it
    example = pd.DataFrame(np.zeros((2, len(FEATURE_NAMES))), columns=list(FEATURE_NAMES))
    with registry.training_run(settings, "integrity"):
        version = registry.log_model(folder, example, example[["debt_ratio"]], settings.model_name)
    client = MlflowClient(tracking_uri=settings.tracking_uri, registry_uri=settings.tracking_uri)
    registry.set_champion(client, settings.model_name, version, {})
    files = sorted(settings.models_dir.glob(f"artifacts/**/{BUNDLE_FILE}"))
    assert files, "the registered bundle is not in the artifact store"
    return Registry(settings, client, version, files)


class Tamper:
    """Changes every stored copy of the bundle the way an artifact-store writer could."""

    def __init__(self, bundles: list[Path]) -> None:
        self.bundles = bundles
        paths = [path for bundle in bundles for path in (bundle, bundle.with_name(BOOSTER_FILE))]
        self.originals = {path: path.read_bytes() for path in paths}

    def __call__(self, change: Callable[[dict[str, Any], Path], None]) -> None:
        for path in self.bundles:
            data = json.loads(path.read_text(encoding="utf-8"))
            change(data, path.with_name(BOOSTER_FILE))
            path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")

    def restore(self) -> None:
        for path, content in self.originals.items():
            path.write_bytes(content)


@pytest.fixture
def edit(stored: Registry) -> Iterator[Tamper]:
    tamper = Tamper(stored.files)
    yield tamper
    tamper.restore()


def _slope(data: dict[str, Any], booster: Path) -> None:
    data["calibration"]["slope"] *= 1.5


def _intercept(data: dict[str, Any], booster: Path) -> None:
    data["calibration"]["intercept"] -= 3.0


def _cut_point(data: dict[str, Any], booster: Path) -> None:
    data["grade_table"]["cut_points"][0] *= 2


def _feature_list(data: dict[str, Any], booster: Path) -> None:
    names = data["feature_names"]
    names[0], names[1] = names[1], names[0]


def _label_rules(data: dict[str, Any], booster: Path) -> None:
    data["label_rules"] = ["marginal_firm"]


def _split(data: dict[str, Any], booster: Path) -> None:
    data["split"]["test_years"] = [2024]


def _booster(data: dict[str, Any], booster: Path) -> None:
    """A changed leaf value, with the checksum in bundle.json changed to match."""
    text = booster.read_text()
    start = text.index("leaf_value=") + len("leaf_value=")
    end = text.index(" ", start)
    booster.write_text(text[:start] + "9.5" + text[end:])
    data["booster_sha256"] = sha256(booster.read_bytes())


TAMPERING = [_slope, _intercept, _cut_point, _feature_list, _label_rules, _split, _booster]


def _signer(settings: Settings) -> Settings:
    folders = {"models_dir": settings.models_dir, "data_dir": settings.data_dir}
    return Settings(**folders, model_signing_key=KEY)


def test_registration_tags_the_whole_bundle_digest(stored: Registry, bundle_dir: Path) -> None:
    model = stored.fetch()
    assert stored.tags()[DIGEST_TAG] == bundle_digest(bundle_dir) == model.digest


def test_reformatting_the_json_changes_nothing(stored: Registry, edit: Tamper) -> None:
    edit(lambda data, booster: None)  # re-written with other whitespace, same fields
    assert stored.fetch().digest == stored.tags()[DIGEST_TAG]


@pytest.mark.parametrize("change", TAMPERING, ids=lambda change: change.__name__.strip("_"))
def test_every_tampered_field_is_refused(
    stored: Registry, edit: Tamper, change: Callable[..., None]
) -> None:
    edit(change)
    with pytest.raises(ModelIntegrityError, match="does not match the registry's digest"):
        stored.fetch()


def test_a_version_without_digest_is_served_with_a_warning_unless_signing_is_on(
    stored: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    name, digest = stored.settings.model_name, stored.tags()[DIGEST_TAG]
    stored.client.delete_model_version_tag(name, stored.version, DIGEST_TAG)
    try:
        with caplog.at_level(logging.WARNING, logger="core.bundle"):
            assert stored.fetch().digest == digest
        assert f"has no {DIGEST_TAG} tag" in caplog.text
        with pytest.raises(ModelIntegrityError, match="requires a signed model"):
            stored.fetch(KEY)
    finally:
        stored.client.set_model_version_tag(name, stored.version, DIGEST_TAG, digest)


def test_signing_key_requires_the_promotion_signature(stored: Registry) -> None:
    name = stored.settings.model_name
    with pytest.raises(ModelIntegrityError, match="is not signed"):
        stored.fetch(KEY)
    signer = _signer(stored.settings)
    try:
        registry.seal(signer, stored.client, stored.version)  # what promotion does
        assert stored.fetch(KEY).digest == stored.tags()[DIGEST_TAG]
        with pytest.raises(ModelIntegrityError, match="does not match its digest"):
            stored.fetch("another-key")
        stored.fetch("")  # signing off: the digest alone is checked
    finally:
        stored.client.delete_model_version_tag(name, stored.version, SIGNATURE_TAG)


def test_promotion_refuses_to_seal_a_tampered_version(stored: Registry, edit: Tamper) -> None:
    edit(_intercept)
    signer = _signer(stored.settings)
    with pytest.raises(registry.PromotionRefused, match="fails its integrity check"):
        registry.seal(signer, stored.client, stored.version)
    assert SIGNATURE_TAG not in stored.tags()


def _registry_app(make_app: AppFactory, stored: Registry, **overrides: object) -> TestClient:
    return TestClient(make_app(loader=lambda: ("1", stored.fetch()), **overrides))


def test_tampered_calibration_and_grades_refused_on_reload_old_model_serves(
    make_app: AppFactory, stored: Registry, edit: Tamper
) -> None:
    with _registry_app(make_app, stored, model=None) as client:
        admin = create_key(client.app.state.engine, "admin")  # type: ignore[attr-defined]
        before = client.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(admin)).json()
        edit(_intercept)
        edit(_cut_point)
        refused = client.post("/v1/admin/reload", headers=auth(admin))
        assert refused.status_code == 409 and "registry's digest" in refused.json()["detail"]
        after = client.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(admin)).json()
        for field in ("pd", "grade", "model_version"):
            assert after[field] == before[field]


def test_reload_recovers_after_a_start_with_a_tampered_model(
    make_app: AppFactory, stored: Registry, edit: Tamper
) -> None:
    edit(_slope)
    with _registry_app(make_app, stored, model=None) as client:
        admin = create_key(client.app.state.engine, "admin")  # type: ignore[attr-defined]
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "registry's digest" in ready.json()["detail"]
        assert client.post("/v1/admin/reload", headers=auth(admin)).status_code == 409
        assert client.get("/readyz").status_code == 503
        edit.restore()  # the registry serves the registered files again
        reloaded = client.post("/v1/admin/reload", headers=auth(admin))
        assert reloaded.json() == {"previous_version": "none", "version": "1"}
        assert client.get("/readyz").status_code == 200
        score = client.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(admin))
        assert score.status_code == 200 and score.json()["model_version"] == "1"
