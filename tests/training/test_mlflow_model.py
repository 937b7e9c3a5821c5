"""The registered model is self-contained: it loads and serves from a clean virtual environment
outside the repository, with only its own requirements.txt installed and its own code."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd
import pytest

from core.settings import Settings
from features.demo import generate_demo
from features.pipeline import build_features
from features.signals import first_default
from tests.conftest import small_params
from training.pipeline import promote, train

pytestmark = pytest.mark.slow
ROWS = 5
# The model's code and requirements, not this checkout or its .venv, must make it work.
LOAD_SCRIPT = """
import json, sys
import mlflow, pandas as pd
rows = pd.read_pickle(sys.argv[2])
model = mlflow.pyfunc.load_model(sys.argv[1])
print(json.dumps(model.predict(rows)["pd"].tolist()))
"""


@dataclass(frozen=True)
class Registered:
    settings: Settings
    uri: str
    rows: pd.DataFrame
    pds: list[float]  # the champion's PDs for ``rows``, loaded in this process


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> Registered:
    root = tmp_path_factory.mktemp("ews-model")
    settings = Settings(data_dir=root / "data", models_dir=root / "models")
    data = generate_demo(800, seed=5, first_year=2016, last_year=2025)
    features = build_features(data.tables)
    firm_ids = data.tables.firms["firm_id"]
    defaults = first_default(data.tables.events, firm_ids).set_axis(firm_ids.to_numpy())
    params = small_params(min_child_samples=20, max_rounds=40)
    train(features, params, settings, defaults, provenance={"source": "test"}, n_boot=10)
    promote(settings, features, n_boot=10)
    uri = f"models:/{settings.model_name}@champion"
    model = mlflow.pyfunc.load_model(uri)
    rows = features[model.metadata.get_input_schema().input_names()].tail(ROWS)
    pds = model.predict(rows)["pd"].tolist()
    return Registered(settings, uri, rows.reset_index(drop=True), pds)


@pytest.fixture(scope="module")
def clean_python(registered: Registered, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the model's requirements.txt and nothing of this project."""
    folder = tmp_path_factory.mktemp("clean")
    requirements = mlflow.pyfunc.get_model_dependencies(registered.uri)
    uv = Path(sysconfig.get_path("scripts")) / "uv"
    # This interpreter's base Python, without this .venv's packages.
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, folder / "venv"], check=True)
    python = folder / "venv" / "bin" / "python"
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", python, "-r", requirements], check=True
    )
    return python


def outside_env(settings: Settings, python: Path) -> dict[str, str]:
    """The environment of a shell with the clean venv activated (``mlflow models serve`` starts
    uvicorn from PATH) and the test's tracking store."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    path = os.pathsep.join([str(python.parent), env.get("PATH", "")])
    return {**env, "PATH": path, "MLFLOW_TRACKING_URI": settings.tracking_uri}


def test_the_clean_environment_cannot_import_the_project(
    clean_python: Path, tmp_path: Path
) -> None:
    for package in ("core", "training"):
        probe = subprocess.run(
            [clean_python, "-c", f"import {package}"], cwd=tmp_path, capture_output=True, text=True
        )
        assert probe.returncode != 0
        assert f"No module named '{package}'" in probe.stderr


def test_load_model_outside_the_repository(
    registered: Registered, clean_python: Path, tmp_path: Path
) -> None:
    rows = tmp_path / "rows.pkl"
    registered.rows.to_pickle(rows)
    loaded = subprocess.run(
        [clean_python, "-c", LOAD_SCRIPT, registered.uri, rows],
        cwd=tmp_path,
        env=outside_env(registered.settings, clean_python),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert json.loads(loaded.stdout.splitlines()[-1]) == pytest.approx(registered.pds, rel=1e-12)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(registered: Registered, clean_python: Path, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    serve: list[str | Path] = [clean_python.with_name("mlflow"), "models", "serve"]
    where = ["--host", "127.0.0.1", "-p", str(port)]
    server = subprocess.Popen(
        [*serve, "-m", registered.uri, "--env-manager", "local", *where],
        cwd=tmp_path,
        env=outside_env(registered.settings, clean_python),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its workers are stopped with it
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, server, tmp_path / "serve.log")
        yield base
    finally:
        with suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def wait_ready(base: str, server: subprocess.Popen[bytes], log: Path, limit_s: float = 90) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()[-3000:]
        try:
            with urllib.request.urlopen(f"{base}/ping", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    raise AssertionError(f"mlflow models serve not ready in {limit_s} s: {log.read_text()[-3000:]}")


def test_mlflow_models_serve_outside_the_repository(registered: Registered, served: str) -> None:
    body = {"dataframe_split": json.loads(registered.rows.to_json(orient="split"))}
    request = urllib.request.Request(
        f"{served}/invocations",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        predictions = json.load(response)["predictions"]
    pds = [row["pd"] for row in predictions]
    assert pds == pytest.approx(registered.pds, rel=1e-9)
