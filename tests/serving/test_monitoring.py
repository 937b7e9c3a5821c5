"""GET /v1/monitoring/drift: the latest report `ews monitor` wrote, for analyst and admin keys."""

from __future__ import annotations

from pathlib import Path

from core.bundle import LoadedModel
from core.contract.drift import DriftReport, ModelRef
from features.pipeline import as_of_dates, build_features
from features.tables import RawTables
from serving.access.keys import create_key
from tests.serving.conftest import AppFactory
from tests.serving.support import TestClient, auth
from training.monitor import build_reference, drift_report, write_report

DRIFT = "/v1/monitoring/drift"


def _write_report(panel: RawTables, model: LoadedModel, folder: Path) -> DriftReport:
    """A real report: the panel's last as-of date against its earlier years."""
    features = build_features(panel, dates=as_of_dates(panel.financials)[-3:])
    earlier = features[features["as_of"] < features["as_of"].max()]
    reference = build_reference(earlier, model)
    report = drift_report(features, model, reference, about=ModelRef(version="1"))
    write_report(report, folder)
    return report


def test_analysts_and_admins_read_the_latest_report_centres_do_not(
    make_app: AppFactory, panel: RawTables, loaded: LoadedModel, tmp_path: Path
) -> None:
    with TestClient(make_app()) as client:
        engine = client.app.state.engine  # type: ignore[attr-defined]
        analyst, admin = create_key(engine, "analyst"), create_key(engine, "admin")
        centre = create_key(engine, "center", "26")
        assert client.get(DRIFT, headers=auth(analyst)).status_code == 404  # nothing yet
        written = _write_report(panel, loaded, tmp_path / "models" / "monitoring")
        for key in (analyst, admin):
            response = client.get(DRIFT, headers=auth(key))
            assert response.status_code == 200
            body = response.json()
            assert body["as_of"] == written.as_of.isoformat()
            assert body["status"] == written.status
            assert body["model"]["version"] == written.model.version == "1"
            assert {r["feature"] for r in body["features"]} >= {"debt_ratio"}
            assert body["score"]["grades"][0]["grade"] == "정상"
        assert client.get(DRIFT, headers=auth(centre)).status_code == 403
        assert client.get(DRIFT).status_code == 401


def test_an_unreadable_report_is_503_not_500(make_app: AppFactory, tmp_path: Path) -> None:
    folder = tmp_path / "models" / "monitoring"
    folder.mkdir(parents=True)
    (folder / "latest.json").write_text('{"as_of": "2026-06-30"', encoding="utf-8")
    with TestClient(make_app()) as client:
        analyst = create_key(client.app.state.engine, "analyst")  # type: ignore[attr-defined]
        response = client.get(DRIFT, headers=auth(analyst))
        assert response.status_code == 503 and "unreadable" in response.json()["detail"]
