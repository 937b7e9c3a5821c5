"""Readiness, model reload (a tampered model is refused, the old one serves on), metrics."""

from pathlib import Path
from shutil import copytree

from core.bundle import BOOSTER_FILE, load_bundle
from serving.access.keys import create_key
from tests.serving.conftest import AppFactory
from tests.serving.support import FIRM_26, TestClient, auth


def test_not_ready_before_start_ready_after(make_app: AppFactory) -> None:
    app = make_app()
    cold = TestClient(app)  # lifespan not entered: nothing loaded yet
    assert cold.get("/healthz").status_code == 200
    assert cold.get("/readyz").status_code == 503
    with TestClient(app) as client:
        assert client.get("/readyz").json()["status"] == "ready"


def test_failed_start_stays_alive_but_not_ready(make_app: AppFactory) -> None:
    def broken() -> tuple[str, object]:
        raise ConnectionError("registry unreachable")

    with TestClient(make_app(model=None, loader=broken)) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "registry unreachable" in ready.json()["detail"]
        key = create_key(client.app.state.engine, "analyst")  # type: ignore[attr-defined]
        response = client.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(key))
        assert response.status_code == 503


def test_tampered_model_is_refused_and_old_model_serves(
    make_app: AppFactory, bundle_dir: Path, tmp_path: Path
) -> None:
    tampered = copytree(bundle_dir, tmp_path / "tampered")
    booster = tampered / BOOSTER_FILE
    booster.write_text(booster.read_text().replace("learning_rate", "learning_rate ", 1))
    with TestClient(make_app(loader=lambda: ("2", load_bundle(tampered)))) as client:
        admin = create_key(client.app.state.engine, "admin")  # type: ignore[attr-defined]
        refused = client.post("/v1/admin/reload", headers=auth(admin))
        assert refused.status_code == 409 and "SHA-256" in refused.json()["detail"]
        score = client.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(admin))
        assert score.status_code == 200 and score.json()["model_version"] == "1"


def test_registry_failure_on_reload_is_503(make_app: AppFactory) -> None:
    def unreachable() -> tuple[str, object]:
        raise ConnectionError("registry unreachable")

    with TestClient(make_app(loader=unreachable)) as client:
        admin = create_key(client.app.state.engine, "admin")  # type: ignore[attr-defined]
        assert client.post("/v1/admin/reload", headers=auth(admin)).status_code == 503
        assert client.get("/readyz").status_code == 200


def test_reload_swaps_the_champion(make_app: AppFactory) -> None:
    with TestClient(make_app()) as client:
        admin = create_key(client.app.state.engine, "admin")  # type: ignore[attr-defined]
        reloaded = client.post("/v1/admin/reload", headers=auth(admin))
        assert reloaded.json() == {"previous_version": "1", "version": "2"}
        score = client.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(admin))
        assert score.json()["model_version"] == "2"
        assert 'ews_model_info{alias="champion",name="sme-distress",version="2"} 1.0' in (
            client.get("/metrics").text
        )


def test_metrics_count_requests_by_route(make_app: AppFactory) -> None:
    with TestClient(make_app()) as client:
        key = create_key(client.app.state.engine, "analyst")  # type: ignore[attr-defined]
        client.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(key))
        client.post("/v1/scores", json={"firm_id": "12 34"}, headers=auth(key))
        text = client.get("/metrics").text
    assert 'ews_http_requests_total{method="POST",route="/v1/scores",status="200"} 1.0' in text
    assert 'ews_http_requests_total{method="POST",route="/v1/scores",status="422"} 1.0' in text
    assert "ews_http_request_duration_seconds_bucket" in text and "ews_ready 1.0" in text
