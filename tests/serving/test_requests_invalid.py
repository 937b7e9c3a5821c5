"""Bad bodies get 422 with field-level messages in FastAPI's format, never a 500."""

import pytest

from tests.serving.support import FIRM_26, TestClient, auth

STATEMENT = {"fiscal_year": 2023, "revenue": 1000.0}


@pytest.mark.parametrize(
    ("body", "loc", "words"),
    [
        (
            {"firm_id": FIRM_26, "firm": {"region": "26"}, "statements": [STATEMENT]},
            ["body", "firm"],
            "exactly one of `firm_id` or `firm`",
        ),
        ({}, ["body", "firm"], "exactly one"),
        ({"firm_id": "12 345"}, ["body", "firm_id"], "pattern"),
        ({"firm_id": "-090414"}, ["body", "firm_id"], "pattern"),
        ({"firm_id": "A" * 41}, ["body", "firm_id"], "pattern"),
        (
            {"firm": {"region": "26"}, "statements": [{"fiscal_year": -2023}]},
            ["body", "statements", 0, "fiscal_year"],
            "greater than or equal to 1990",
        ),
        ({"firm_id": FIRM_26, "colour": "red"}, ["body", "colour"], "Extra inputs"),
        (
            {"firm": {"region": "26"}, "statements": [{**STATEMENT, "revenu": 5}]},
            ["body", "statements", 0, "revenu"],
            "Extra inputs",
        ),
        (
            {"firm": {"region": "99"}, "statements": [STATEMENT]},
            ["body", "firm", "region"],
            "시도 code",
        ),
        ({"firm": {"region": "26"}}, ["body", "statements"], "at least one statement"),
        (
            {"firm": {"region": "26"}, "statements": [{**STATEMENT, "revenue": "lots"}]},
            ["body", "statements", 0, "revenue"],
            "number",
        ),
    ],
)
def test_bad_score_bodies(
    service: TestClient, keys: dict[str, str], body: dict, loc: list, words: str
) -> None:
    response = service.post("/v1/scores", json=body, headers=auth(keys["analyst"]))
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert any(e["loc"] == loc and words in e["msg"] for e in errors), errors


def test_batch_over_1000_is_422(service: TestClient, keys: dict[str, str]) -> None:
    body = {"firm_ids": [FIRM_26] * 1001}
    response = service.post("/v1/scores/batch", json=body, headers=auth(keys["analyst"]))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "firm_ids"]


def test_empty_batch_and_bad_ids_are_422(service: TestClient, keys: dict[str, str]) -> None:
    for body in ({"firm_ids": []}, {"firm_ids": ["ab/c"]}, {"firm_ids": "1000000000"}):
        response = service.post("/v1/scores/batch", json=body, headers=auth(keys["analyst"]))
        assert response.status_code == 422


def test_not_json_and_bad_score_id(service: TestClient, keys: dict[str, str]) -> None:
    headers = {**auth(keys["analyst"]), "Content-Type": "application/json"}
    assert service.post("/v1/scores", content=b"{not json", headers=headers).status_code == 422
    assert service.get("/v1/scores/not-a-uuid", headers=headers).status_code == 422


def test_statements_filed_after_as_of_are_a_field_error(
    service: TestClient, keys: dict[str, str]
) -> None:
    body = {
        "firm": {"region": "26"},
        "as_of": "2019-01-01",
        "statements": [{**STATEMENT, "filed_on": "2024-03-31"}],
    }
    response = service.post("/v1/scores", json=body, headers=auth(keys["analyst"]))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "statements"]


def test_unknown_firm_is_404(service: TestClient, keys: dict[str, str]) -> None:
    response = service.post(
        "/v1/scores", json={"firm_id": "9999999999"}, headers=auth(keys["analyst"])
    )
    assert response.status_code == 404
