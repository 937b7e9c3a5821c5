"""Region and cluster risk: counts by grade, expected distress and its change, drivers that add
up to the mean PD, indicators published before the as-of date, and the proposed stage."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import get_args

import numpy as np
import pytest

from core.bundle import LoadedModel
from core.contract import REGIONS
from core.grades import GRADES, Grade
from core.settings import Settings
from features.tables import RawTables
from serving.access.keys import create_key
from serving.app import create_app
from serving.domain.region_codes import cluster_name
from serving.domain.regions import STAGE_EN, StageRule
from serving.schemas.regions import StageName
from tests.serving.support import TestClient, auth


@pytest.fixture(scope="module")
def clustered(
    tmp_path_factory: pytest.TempPathFactory, panel: RawTables, loaded: LoadedModel
) -> Iterator[tuple[TestClient, str]]:
    """The test panel with two clusters per region and some firms in none; an analyst key."""
    firms = panel.firms.copy()
    number = firms["firm_id"].astype(int) - 1_000_000_000
    names = np.where(number % 3 == 2, None, firms["region"] + "-C0" + (number % 3 + 1).astype(str))
    firms["cluster_id"] = names
    firms["cluster_id"] = firms["cluster_id"].astype("string")
    folder = tmp_path_factory.mktemp("clustered")
    settings = Settings(database_url=f"sqlite:///{folder / 'service.db'}", models_dir=folder)
    app = create_app(settings, model=("1", loaded), tables=replace(panel, firms=firms))
    with TestClient(app) as client:
        yield client, create_key(app.state.engine, "analyst")


def _summary(service: TestClient, key: str, region: str = "26") -> dict:  # type: ignore[type-arg]
    response = service.get(f"/v1/regions/{region}/summary", headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_analysts_see_all_17_regions_and_the_nation(
    service: TestClient, keys: dict[str, str]
) -> None:
    body = service.get("/v1/regions", headers=auth(keys["analyst"])).json()
    rows = body["regions"]
    assert [row["region"] for row in rows] == list(REGIONS)
    firms = sum(row["figures"]["n_firms"] for row in rows)
    assert firms == body["national"]["n_firms"] > 0
    expected = sum(row["figures"]["expected"] for row in rows)
    assert expected == pytest.approx(body["national"]["expected"])
    empty = next(row for row in rows if row["region"] == "50")  # the panel has no 제주 firm
    assert empty["figures"]["n_firms"] == 0 and empty["stage"]["stage"] == "안정"


def test_summary_counts_grades_and_change_since_previous_date(
    service: TestClient, keys: dict[str, str]
) -> None:
    body = _summary(service, keys["center26"])
    figures = body["figures"]
    assert sum(g["count"] for g in figures["grades"]) == figures["n_firms"]
    assert sum(g["previous"] for g in figures["grades"]) == figures["previous"]["n_firms"]
    assert all(g["change"] == g["count"] - g["previous"] for g in figures["grades"])
    change = figures["change"]
    assert change["expected"] == pytest.approx(
        figures["expected"] - figures["previous"]["expected"]
    )
    assert figures["expected_rate"] == pytest.approx(figures["expected"] / figures["n_firms"])
    assert body["previous_as_of"] == figures["previous"]["as_of"] < body["as_of"]


def test_region_figures_match_the_watch_list(service: TestClient, keys: dict[str, str]) -> None:
    body = _summary(service, keys["analyst"])
    listed = service.get("/v1/regions/26/watchlist?capacity=1", headers=auth(keys["analyst"]))
    assert listed.json()["region_expected_crises"] == pytest.approx(body["figures"]["expected"])


def test_drivers_add_up_to_the_mean_pd(service: TestClient, keys: dict[str, str]) -> None:
    drivers = _summary(service, keys["analyst"])["drivers"]
    total = sum(f["mean_contribution"] for f in drivers["families"])
    assert drivers["base_pd"] + total == pytest.approx(drivers["mean_pd"], abs=1e-9)
    assert drivers["features"], "the tiny model's debt ratio should raise some risk"
    first = drivers["features"][0]
    assert first["mean_contribution"] > 0 and "부도·폐업 위험" in first["sentence_ko"]
    means = [f["mean_contribution"] for f in drivers["features"]]
    assert means == sorted(means, reverse=True)


def test_indicators_are_the_latest_published_before_as_of(
    service: TestClient, keys: dict[str, str]
) -> None:
    body = _summary(service, keys["analyst"])
    indicators = body["indicators"]
    assert indicators["published_on"] < body["as_of"]
    # the panel publishes each year's figures on 15 June of the next year
    assert indicators["period"] == int(body["as_of"][:4]) - 1
    names = {value["name"]: value for value in indicators["values"]}
    assert names["unemployment_rate"]["display"] == "3.5%"
    assert names["unemployment_rate"]["previous"] == 3.5


def test_stage_follows_the_documented_rule() -> None:
    rule = StageRule()
    assert rule.stage(1.0, None) == "안정"
    assert rule.stage(1.19, 0.24) == "안정"
    assert rule.stage(1.0, 0.25) == "유의"
    assert rule.stage(1.2, None) == "유의"
    assert rule.stage(1.2, 0.25) == "위험"
    assert rule.stage(1.5, -0.5) == "위험"
    assert rule.stage(0.9, 1.0) == "안정"


def test_stage_words_are_not_grade_words() -> None:
    """A region at 위험 must not read as a firm at 심각: the two ladders share no word."""
    stages = set(get_args(StageName))
    assert stages == {name for name, _, _ in StageRule().rules()}
    assert stages.isdisjoint(GRADES)
    assert set(STAGE_EN.values()).isdisjoint(Grade.named(g).en for g in GRADES)


def test_stage_reports_its_inputs(service: TestClient, keys: dict[str, str]) -> None:
    body = _summary(service, keys["analyst"])
    stage, figures = body["stage"], body["figures"]
    assert stage["ratio"] == pytest.approx(figures["expected_rate"] / stage["national_rate"])
    assert stage["rate_change"] == pytest.approx(figures["change"]["rate_change"])
    assert stage["stage"] == StageRule().stage(stage["ratio"], stage["rate_change"])
    assert stage["stage"] in stage["reason_ko"]
    assert stage["stage_en"] == STAGE_EN[stage["stage"]] and stage["colour"]
    assert StageRule().text_ko() in stage["reason_ko"]


def test_unknown_region_is_404(service: TestClient, keys: dict[str, str]) -> None:
    for path in ("/v1/regions/99/summary", "/v1/regions/seoul/clusters"):
        assert service.get(path, headers=auth(keys["analyst"])).status_code == 404


def test_clusters_partition_the_region(clustered: tuple[TestClient, str]) -> None:
    client, key = clustered
    body = client.get("/v1/regions/26/clusters", headers=auth(key)).json()
    assert sorted(c["cluster_id"] for c in body["clusters"]) == ["26-C01", "26-C02"]
    summary = client.get("/v1/regions/26/summary", headers=auth(key)).json()
    assert summary["n_clusters"] == 2
    counted = sum(c["figures"]["n_firms"] for c in body["clusters"])
    assert counted + body["unclustered"]["n_firms"] == summary["figures"]["n_firms"]
    rates = [c["figures"]["expected_rate"] for c in body["clusters"]]
    assert rates == sorted(rates, reverse=True)
    for cluster in body["clusters"]:
        assert cluster["stage"]["stage"] in ("안정", "유의", "위험")
        assert len(cluster["drivers"]["features"]) <= 3
        # Names, not only codes (issue 13 item 6): the demo's ids are named 산업단지.
        assert cluster["cluster_name"] == cluster_name(cluster["cluster_id"])
        assert cluster["cluster_name"] and "산업단지" in cluster["cluster_name"]
        assert cluster["cluster_name_en"] == cluster_name(cluster["cluster_id"], "en")


def test_cluster_filter_of_the_watch_list(clustered: tuple[TestClient, str]) -> None:
    client, key = clustered
    body = client.get(
        "/v1/regions/26/watchlist?capacity=1000&cluster=26-C02", headers=auth(key)
    ).json()
    assert body["items"] and all(i["cluster_id"] == "26-C02" for i in body["items"])


def test_a_region_without_clusters_lists_none(service: TestClient, keys: dict[str, str]) -> None:
    body = service.get("/v1/regions/26/clusters", headers=auth(keys["analyst"])).json()
    assert body["clusters"] == [] and body["unclustered"]["n_firms"] > 0


def test_openapi_documents_the_region_endpoints(service: TestClient) -> None:
    paths = service.get("/openapi.json").json()["paths"]
    for path in (
        "/v1/regions",
        "/v1/regions/{region}/watchlist",
        "/v1/regions/{region}/summary",
        "/v1/regions/{region}/clusters",
    ):
        assert "get" in paths[path]
