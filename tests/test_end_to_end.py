"""End to end: small demo data -> features -> train -> registry -> `ews serve` -> HTTP score."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from tests.conftest import DemoRun

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(demo_run: DemoRun) -> dict[str, str]:
    return {
        **os.environ,
        "EWS_DATA_DIR": str(demo_run.settings.data_dir),
        "EWS_MODELS_DIR": str(demo_run.settings.models_dir),
        "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    }


def ews(demo_run: DemoRun, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=ROOT,
        env=_env(demo_run),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="module")
def server(demo_run: DemoRun) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(port)],
        cwd=ROOT,
        env=_env(demo_run),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                pytest.fail(f"server exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            time.sleep(0.5)
        else:
            pytest.fail("server did not become ready within 120 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stderr.close()  # type: ignore[union-attr]


def test_a_centre_asks_why_a_busan_firm_is_at_risk(demo_run: DemoRun, server: str) -> None:
    features = demo_run.features
    latest = features[features["as_of"] == features["as_of"].max()]
    busan = latest[latest["region"] == "26"]
    firm_id = str(busan.sort_values("debt_ratio", ascending=False)["firm_id"].iloc[0])
    key = (
        ews(demo_run, "keys", "create", "--role", "center", "--region", "26")
        .strip()
        .splitlines()[-1]
    )
    assert key.startswith("ews_")

    response = httpx.post(
        f"{server}/v1/scores", json={"firm_id": firm_id}, headers={"X-API-Key": key}, timeout=30
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["firm_id"] == firm_id and body["model_version"] == demo_run.result.version
    assert body["grade"] in ("정상", "관심", "주의", "경계", "심각")
    total = body["base_pd"] + sum(f["contribution"] for f in body["families"])
    assert total == pytest.approx(body["pd"], abs=1e-12)
    assert all(r["sentence_ko"] for r in body["reasons"])

    again = httpx.get(f"{server}/v1/scores/{body['score_id']}", headers={"X-API-Key": key})
    assert again.json() == body

    seoul = latest[latest["region"] == "11"]["firm_id"].iloc[0]
    refused = httpx.post(
        f"{server}/v1/scores", json={"firm_id": str(seoul)}, headers={"X-API-Key": key}
    )
    assert refused.status_code == 403 and str(seoul) not in refused.text


def test_batch_scoring_writes_every_firm(demo_run: DemoRun, tmp_path: Path) -> None:
    out = tmp_path / "scores.parquet"
    ews(demo_run, "score", "--out", str(out), "--top", "2")
    scores = pd.read_parquet(out)
    latest = demo_run.features[demo_run.features["as_of"] == demo_run.features["as_of"].max()]
    assert len(scores) == len(latest)
    assert {"pd", "grade", "reason_1", "reason_2_points", "model_version"} <= set(scores.columns)
