"""A firm's history over every stored as-of date, and visit outcomes: who may record, what is
checked, and that imported and recorded visits are listed together, newest first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from core import clock
from core.bundle import LoadedModel
from core.contract import VISIT_FINDINGS
from core.settings import Settings
from features.pipeline import as_of_dates, build_features
from features.tables import RawTables, normalise
from serving.access.keys import create_key
from serving.app import create_app
from serving.domain.state import load_snapshot, serve
from serving.schemas.firms import VisitIn
from tests.serving.support import FIRM_11, FIRM_26, TestClient, auth

VISIT = {"visited_on": "2024-06-10", "finding": "crisis_confirmed", "note": "매출 급감 확인"}


def _history(service: TestClient, key: str, firm_id: str = FIRM_26) -> dict:  # type: ignore[type-arg]
    response = service.get(f"/v1/firms/{firm_id}/history", headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_history_covers_every_as_of_date_oldest_first(
    service: TestClient, keys: dict[str, str], panel: RawTables
) -> None:
    body = _history(service, keys["center26"])
    dates = [point["as_of"] for point in body["points"]]
    assert dates == sorted(dates)
    assert dates == [str(d.date()) for d in as_of_dates(panel.financials)]
    assert len(body["changes"]) == len(dates) - 1


def test_history_pds_are_what_training_features_give(
    service: TestClient, keys: dict[str, str], panel: RawTables, loaded: LoadedModel
) -> None:
    """Each point is the champion on that date's training feature row (whole cross-section)."""
    body = _history(service, keys["analyst"])
    table = build_features(panel, dates=as_of_dates(panel.financials)[:3])
    rows = table[table["firm_id"] == FIRM_26].sort_values("as_of")
    expected = loaded.predict_pd(rows)
    assert [p["pd"] for p in body["points"][:3]] == pytest.approx(list(expected), abs=1e-12)


def test_latest_history_point_is_the_current_score(
    service: TestClient, keys: dict[str, str]
) -> None:
    latest = _history(service, keys["analyst"])["points"][-1]
    scored = service.post(
        "/v1/scores", json={"firm_id": FIRM_26}, headers=auth(keys["analyst"])
    ).json()
    assert latest["as_of"] == scored["as_of"]
    assert latest["pd"] == pytest.approx(scored["pd"], abs=1e-12)
    assert latest["grade"] == scored["grade"]


def test_changes_list_the_reasons_that_moved_most(
    service: TestClient, keys: dict[str, str]
) -> None:
    body = _history(service, keys["analyst"])
    for change, (before, after) in zip(
        body["changes"], zip(body["points"], body["points"][1:], strict=False), strict=True
    ):
        assert (change["from_as_of"], change["to_as_of"]) == (before["as_of"], after["as_of"])
        assert change["pd_change"] == pytest.approx(after["pd"] - before["pd"])
        sizes = [abs(reason["change"]) for reason in change["reasons"]]
        assert len(sizes) == 3 and sizes == sorted(sizes, reverse=True)
        for reason in change["reasons"]:
            assert reason["change"] == pytest.approx(
                reason["contribution_after"] - reason["contribution_before"]
            )
            assert reason["sentence_ko"].endswith("습니다.")


def test_history_of_an_unknown_firm_is_404(service: TestClient, keys: dict[str, str]) -> None:
    response = service.get("/v1/firms/9999999999/history", headers=auth(keys["analyst"]))
    assert response.status_code == 404
    assert (
        service.get("/v1/firms/12%2034/history", headers=auth(keys["analyst"])).status_code == 422
    )


def test_warm_up_computes_every_date_and_every_reason(
    panel: RawTables, loaded: LoadedModel
) -> None:
    """What the background warm-up of a large world does, run here in the foreground."""
    snapshot = load_snapshot(panel)
    champion = serve(snapshot, "sme-distress", "champion", "1", loaded)
    assert len(snapshot.timeline.computed()) == 2  # latest and previous, at start
    explanations = champion.latest.explanations
    first = explanations.points(np.array([0, 1]))
    snapshot.timeline.warm()
    explanations.warm()
    assert snapshot.timeline.computed() == list(snapshot.timeline.dates)
    assert explanations.explained == len(snapshot.features)
    assert np.array_equal(explanations.points(np.array([0, 1])), first)
    total = explanations.base_pd + explanations.points(np.arange(len(snapshot.features))).sum(1)
    assert total == pytest.approx(champion.latest.pd, abs=1e-9)


# --- visits ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def with_visits(
    tmp_path_factory: pytest.TempPathFactory, panel: RawTables, loaded: LoadedModel
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The panel with two imported visits of the 부산 firm, and keys of every role."""
    imported = normalise(
        "visits",
        pd.DataFrame(
            [
                {
                    "firm_id": FIRM_26,
                    "visited_on": "2023-11-02",
                    "finding": "no_crisis",
                    "note": "양호",
                },
                {
                    "firm_id": FIRM_26,
                    "visited_on": "2024-06-01",
                    "finding": "referred",
                    "note": None,
                },
            ]
        ),
    )
    folder = tmp_path_factory.mktemp("visits")
    settings = Settings(database_url=f"sqlite:///{folder / 'service.db'}", models_dir=folder)
    app = create_app(settings, model=("1", loaded), tables=replace(panel, visits=imported))
    with TestClient(app) as client:
        engine = app.state.engine
        yield (
            client,
            {
                "center26": create_key(engine, "center", "26"),
                "center11": create_key(engine, "center", "11"),
                "analyst": create_key(engine, "analyst"),
                "admin": create_key(engine, "admin"),
            },
        )


def test_own_centre_records_a_visit_and_sees_it_first(
    with_visits: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = with_visits
    response = client.post(
        f"/v1/firms/{FIRM_26}/visits", json=VISIT, headers=auth(keys["center26"])
    )
    assert response.status_code == 201
    stored = response.json()
    assert stored["source"] == "service" and stored["finding_ko"] == "위기 확인"
    assert stored["recorded_by"] == keys["center26"][:8]
    listed = client.get(f"/v1/firms/{FIRM_26}/visits", headers=auth(keys["analyst"])).json()
    assert listed[0]["visit_id"] == stored["visit_id"]
    dates = [visit["visited_on"] for visit in listed]
    assert dates == sorted(dates, reverse=True)
    assert {"2023-11-02", "2024-06-01"} <= set(dates)
    assert {v["source"] for v in listed} == {"service", "imported"}


@pytest.mark.parametrize(
    ("role", "status"), [("admin", 201), ("analyst", 403), ("center11", 403), ("center26", 201)]
)
def test_only_the_firms_centre_and_admins_record(
    with_visits: tuple[TestClient, dict[str, str]], role: str, status: int
) -> None:
    client, keys = with_visits
    response = client.post(f"/v1/firms/{FIRM_26}/visits", json=VISIT, headers=auth(keys[role]))
    assert response.status_code == status
    if status == 403:
        assert set(response.json()) == {"detail"} and FIRM_26 not in response.text


@pytest.mark.parametrize("role", ["analyst", "admin", "center26"])
def test_readers_of_visits(with_visits: tuple[TestClient, dict[str, str]], role: str) -> None:
    client, keys = with_visits
    response = client.get(f"/v1/firms/{FIRM_26}/visits", headers=auth(keys[role]))
    assert response.status_code == 200 and len(response.json()) >= 2


def test_imported_visits_of_another_region_stay_hidden(
    with_visits: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = with_visits
    response = client.get(f"/v1/firms/{FIRM_26}/visits", headers=auth(keys["center11"]))
    assert response.status_code == 403 and "양호" not in response.text


TOMORROW = "tomorrow in Korea"  # worked out when the test runs: collection may be before midnight


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**VISIT, "finding": "great"}, "finding"),
        ({**VISIT, "note": "가" * 2001}, "note"),
        ({**VISIT, "visited_on": TOMORROW}, "visited_on"),
        ({**VISIT, "visited_on": "2024-02-30"}, "visited_on"),
        ({"finding": "supported"}, "visited_on"),
        ({**VISIT, "by": "me"}, "by"),
        ({**VISIT, "contact_type": "letter"}, "contact_type"),
        ({**VISIT, "programme": "p" * 65}, "programme"),
        ({**VISIT, "amount": -1}, "amount"),
        ({**VISIT, "amount": "lots"}, "amount"),
        ({**VISIT, "outcome": "great"}, "outcome"),
    ],
)
def test_bad_visits_are_422_naming_the_field(
    with_visits: tuple[TestClient, dict[str, str]], body: dict[str, str], field: str
) -> None:
    client, keys = with_visits
    if body.get("visited_on") == TOMORROW:
        body = {**body, "visited_on": str(clock.seoul_today() + dt.timedelta(days=1))}
    response = client.post(f"/v1/firms/{FIRM_26}/visits", json=body, headers=auth(keys["admin"]))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field


@pytest.mark.parametrize(
    ("utc", "latest_day"),
    [
        ("2024-06-10T14:59:00", "2024-06-10"),  # 23:59 in Korea
        ("2024-06-10T15:00:00", "2024-06-11"),  # midnight in Korea, still the 10th in UTC
    ],
)
def test_a_visit_may_be_dated_today_in_korea(
    monkeypatch: pytest.MonkeyPatch, utc: str, latest_day: str
) -> None:
    """Staff date visits by Korea's calendar; the server's UTC date is a day behind until 09:00."""
    now = dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)
    monkeypatch.setattr(clock, "now_utc", lambda: now)
    latest = dt.date.fromisoformat(latest_day)
    assert VisitIn(visited_on=latest, finding="no_crisis").visited_on == latest
    with pytest.raises(ValidationError, match="future"):
        VisitIn(visited_on=latest + dt.timedelta(days=1), finding="no_crisis")


def test_every_finding_of_the_contract_is_accepted(
    with_visits: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = with_visits
    for finding in VISIT_FINDINGS:
        body = {"visited_on": "2024-01-15", "finding": finding}
        response = client.post(
            f"/v1/firms/{FIRM_26}/visits", json=body, headers=auth(keys["admin"])
        )
        assert response.status_code == 201 and response.json()["note"] is None


def test_visits_of_an_unknown_firm_are_404(with_visits: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = with_visits
    response = client.post("/v1/firms/9999999999/visits", json=VISIT, headers=auth(keys["admin"]))
    assert response.status_code == 404
    assert client.get(f"/v1/firms/{FIRM_11}/visits", headers=auth(keys["admin"])).json() == []
