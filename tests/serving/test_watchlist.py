"""Watch lists over HTTP: ranked, cut to capacity, filtered, with reasons, flags and status."""

from __future__ import annotations

import numpy as np
import pytest

from core.grades import GRADE_COLOURS, GRADES, GRADES_EN
from tests.serving.support import TestClient, auth


def get(service: TestClient, key: str, query: str, region: str = "26") -> dict:  # type: ignore[type-arg]
    response = service.get(f"/v1/regions/{region}/watchlist?{query}", headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_list_is_ranked_cut_to_capacity_and_adds_up(
    service: TestClient, keys: dict[str, str]
) -> None:
    body = get(service, keys["center26"], "capacity=7")
    items = body["items"]
    assert len(items) == 7 and [i["rank"] for i in items] == list(range(1, 8))
    assert [i["pd"] for i in items] == sorted((i["pd"] for i in items), reverse=True)
    assert all(int(i["firm_id"]) % 2 == 0 for i in items)  # the panel's 부산 firms
    assert body["expected_crises"] == pytest.approx(sum(i["pd"] for i in items))
    assert body["coverage"] == pytest.approx(
        body["expected_crises"] / body["region_expected_crises"]
    )
    assert 0 < body["coverage"] < 1 and body["n_candidates"] > 7
    sd = np.sqrt(sum(i["pd"] * (1 - i["pd"]) for i in items))
    assert body["expected_crises_sd"] == pytest.approx(sd)


def test_items_carry_three_korean_reasons_flags_and_status(
    service: TestClient, keys: dict[str, str]
) -> None:
    body = get(service, keys["analyst"], "capacity=5")
    assert body["previous_as_of"] < body["as_of"]
    for item in body["items"]:
        assert len(item["reasons"]) == 3
        assert all("부도·폐업 위험" in reason["sentence_ko"] for reason in item["reasons"])
        assert item["status"] in ("new", "kept") and item["grade"] in GRADES
        assert (item["grade_en"], item["grade_colour"]) == (
            GRADES_EN[item["grade"]],
            GRADE_COLOURS[item["grade"]],
        )
        assert isinstance(item["flags"], list)
        if item["status"] == "kept":
            assert item["previous_pd"] is not None
    assert "1.25" in body["rule"]["text_ko"]


def test_listed_pd_is_the_score_endpoints_pd(service: TestClient, keys: dict[str, str]) -> None:
    top = get(service, keys["analyst"], "capacity=1")["items"][0]
    scored = service.post(
        "/v1/scores?top=3", json={"firm_id": top["firm_id"]}, headers=auth(keys["analyst"])
    ).json()
    assert scored["pd"] == pytest.approx(top["pd"], abs=1e-12)
    assert [r["feature"] for r in scored["reasons"]] == [r["feature"] for r in top["reasons"]]


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ("min_grade=주의", lambda i: GRADES.index(i["grade"]) >= GRADES.index("주의")),
        ("min_grade=alert", lambda i: GRADES.index(i["grade"]) >= GRADES.index("경계")),
        ("ksic=56", lambda i: i["ksic"].startswith("56")),
        ("district=26110", lambda i: i["district"] == "26110"),
    ],
)
def test_filters(service: TestClient, keys: dict[str, str], query: str, check: object) -> None:
    body = get(service, keys["analyst"], f"capacity=1000&{query}")
    assert body["items"] and all(check(item) for item in body["items"])  # type: ignore[operator]
    assert body["n_candidates"] == len(body["items"]) and body["coverage"] == pytest.approx(1.0)


def test_a_filter_nothing_passes_gives_an_empty_list(
    service: TestClient, keys: dict[str, str]
) -> None:
    body = get(service, keys["analyst"], "cluster=nowhere")
    assert body["items"] == [] and body["expected_crises"] == 0 and body["coverage"] == 0


@pytest.mark.parametrize(
    "query",
    ["capacity=0", "capacity=1001", "capacity=many", "min_grade=위험", "ksic=5a", "district=261"],
)
def test_bad_parameters_are_422(service: TestClient, keys: dict[str, str], query: str) -> None:
    response = service.get(f"/v1/regions/26/watchlist?{query}", headers=auth(keys["analyst"]))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_unknown_region_is_404(service: TestClient, keys: dict[str, str]) -> None:
    response = service.get("/v1/regions/99/watchlist", headers=auth(keys["analyst"]))
    assert response.status_code == 404
