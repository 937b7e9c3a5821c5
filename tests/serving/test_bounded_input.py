"""Bounded, typed input (issue 12, findings 3, 4, 5 and 8): non-finite numbers, body size,
short error bodies, the ingestion contract for submitted statements, ids and regions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from core.settings import Settings
from tests.serving.conftest import AppFactory
from tests.serving.support import FIRM_11, FIRM_26, TestClient, auth

STATEMENT = {"fiscal_year": 2023, "revenue": 1000.0}
FULL_WIDTH_26 = "１０００００００００"  # FIRM_26 in full-width digits


def _strict_json(text: str) -> Any:
    """Parse as strict JSON: NaN and Infinity are not JSON."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} in a response")

    return json.loads(text, parse_constant=refuse)


def _post_raw(client: TestClient, url: str, body: str, key: str) -> Any:
    headers = {**auth(key), "Content-Type": "application/json"}
    return client.post(url, content=body.encode(), headers=headers)


# --- finding 3: NaN, Infinity and 1e999 are 422, never 500 ----------------------------------

_SUBMITTED = (
    '{{"firm": {{"region": "26"}}, "statements": [{{"fiscal_year": 2023, "revenue": {}}}]}}'
)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
@pytest.mark.parametrize(
    ("url", "template"),
    [
        ("/v1/scores", _SUBMITTED),
        ("/v1/scores", '{{"firm_id": {}}}'),
        ("/v1/scores", '{{"firm_id": "' + FIRM_26 + '", "colour": {}}}'),
        ("/v1/scores", '{{"firm": {{"region": "26"}}, "statements": [{{"fiscal_year": {}}}]}}'),
        ("/v1/scores/batch", '{{"firm_ids": [{}]}}'),
        (f"/v1/firms/{FIRM_26}/visits", '{{"visited_on": "2024-01-02", "finding": {}}}'),
    ],
)
def test_non_finite_numbers_are_422_with_strict_json(
    service: TestClient, keys: dict[str, str], url: str, template: str, number: str
) -> None:
    response = _post_raw(service, url, template.format(number), keys["admin"])
    assert response.status_code == 422, response.text
    _strict_json(response.text)


# --- finding 4: a body-size limit before authentication and parsing; short error bodies -----


def test_large_body_without_key_is_413_before_401(service: TestClient) -> None:
    body = b'{"firm_ids": ["' + b"1" * 2_000_000 + b'"]}'
    response = service.post(
        "/v1/scores/batch", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "EWS_MAX_BODY_BYTES" in response.json()["detail"]


@pytest.fixture
def small_limit(make_app: AppFactory, tmp_path: Any) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'small.db'}", models_dir=tmp_path, max_body_bytes=1000
    )
    with TestClient(make_app(settings=settings)) as client:
        yield client


def _chunks(total: int) -> Iterator[bytes]:
    yield b'{"firm_ids": ["'
    for _ in range(total // 100):
        yield b"1" * 100
    yield b'"]}'


def test_chunked_body_without_length_is_counted(small_limit: TestClient) -> None:
    headers = {"Content-Type": "application/json"}
    response = small_limit.post("/v1/scores/batch", content=_chunks(5000), headers=headers)
    assert response.status_code == 413
    within = small_limit.post("/v1/scores/batch", content=_chunks(100), headers=headers)
    assert within.status_code == 401  # passed the limit, then met authentication


def test_body_at_the_limit_passes(small_limit: TestClient) -> None:
    body = b'{"firm_ids": ["1000000000"]}'.ljust(1000)
    response = small_limit.post(
        "/v1/scores", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401
    over = small_limit.post(
        "/v1/scores", content=body + b" ", headers={"Content-Type": "application/json"}
    )
    assert over.status_code == 413


def test_error_bodies_echo_only_an_excerpt(service: TestClient, keys: dict[str, str]) -> None:
    long_id = "1" * 500_000
    for body in ({"firm_id": long_id}, {"firm_ids": [long_id]}, {"colour": "x" * 500_000}):
        url = "/v1/scores/batch" if "firm_ids" in body else "/v1/scores"
        response = service.post(url, json=body, headers=auth(keys["analyst"]))
        assert response.status_code == 422
        assert len(response.content) < 2_000
        for error in response.json()["detail"]:
            assert len(json.dumps(error.get("input", ""), ensure_ascii=False)) <= 210


# --- finding 5: a centre submits only for its own region; submissions stay out of history ---


def _submit(client: TestClient, key: str, firm_id: str, region: str) -> Any:
    body = {"firm": {"firm_id": firm_id, "region": region}, "statements": [STATEMENT]}
    return client.post("/v1/scores", json=body, headers=auth(key))


def test_center_cannot_submit_for_another_regions_stored_firm(
    service: TestClient, keys: dict[str, str]
) -> None:
    response = _submit(service, keys["center26"], FIRM_11, "26")
    assert response.status_code == 403
    assert FIRM_11 not in response.text


def test_stored_firm_submitted_under_another_region_is_422(
    service: TestClient, keys: dict[str, str]
) -> None:
    response = _submit(service, keys["analyst"], FIRM_11, "26")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "firm", "region"]


def _history_ids(client: TestClient, key: str, firm_id: str) -> set[str]:
    response = client.get(f"/v1/firms/{firm_id}/scores", headers=auth(key))
    assert response.status_code == 200
    return {item["score_id"] for item in response.json()}


def test_submitted_scores_enter_history_only_from_an_admin(
    service: TestClient, keys: dict[str, str]
) -> None:
    by_centre = _submit(service, keys["center11"], FIRM_11, "11")
    by_analyst = _submit(service, keys["analyst"], FIRM_11, "11")
    by_admin = _submit(service, keys["admin"], FIRM_11, "11")
    assert {r.status_code for r in (by_centre, by_analyst, by_admin)} == {200}
    history = _history_ids(service, keys["center11"], FIRM_11)
    assert by_centre.json()["score_id"] not in history
    assert by_analyst.json()["score_id"] not in history
    assert by_admin.json()["score_id"] in history
    fetched = service.get(
        f"/v1/scores/{by_centre.json()['score_id']}", headers=auth(keys["center11"])
    )
    assert fetched.status_code == 200  # still served, audited and fetchable by its id


# --- finding 8: what ingestion refuses, the API refuses, in the same words -----------------


@pytest.mark.parametrize(
    ("statement", "field", "words"),
    [
        ({"total_assets": -5.0}, "total_assets", "is negative"),
        ({"revenue": -1.0}, "revenue", "is negative"),
        (
            {"period_end": "2023-12-31", "filed_on": "2023-06-30"},
            "filed_on",
            "is before period_end",
        ),
        ({"filed_on": "2023-03-31"}, "filed_on", "is before period_end"),
        ({"revenue": 1e308}, "revenue", "is beyond"),
        ({"net_income": -1e15}, "net_income", "is beyond"),
    ],
)
def test_statements_follow_the_ingestion_contract(
    service: TestClient, keys: dict[str, str], statement: dict, field: str, words: str
) -> None:
    body = {"firm": {"region": "26"}, "statements": [{**STATEMENT, **statement}]}
    response = service.post("/v1/scores", json=body, headers=auth(keys["analyst"]))
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert any(
        e["loc"] == ["body", "statements", 0, field] and e["msg"].startswith(words) for e in errors
    ), errors


def test_negative_event_amount_is_422(service: TestClient, keys: dict[str, str]) -> None:
    event = {"event_date": "2023-05-01", "event_type": "tax_arrears", "amount": -3.0}
    body = {"firm": {"region": "26"}, "statements": [STATEMENT], "events": [event]}
    response = service.post("/v1/scores", json=body, headers=auth(keys["analyst"]))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "events", 0, "amount"]


def test_signed_items_may_be_negative(service: TestClient, keys: dict[str, str]) -> None:
    statement = {**STATEMENT, "operating_income": -50.0, "equity": -10.0, "net_income": -60.0}
    body = {"firm": {"region": "26"}, "statements": [statement]}
    response = service.post("/v1/scores", json=body, headers=auth(keys["analyst"]))
    assert response.status_code == 200


def test_full_width_ids_are_normalised(service: TestClient, keys: dict[str, str]) -> None:
    headers = auth(keys["analyst"])
    one = service.post("/v1/scores", json={"firm_id": FULL_WIDTH_26}, headers=headers)
    assert one.status_code == 200 and one.json()["firm_id"] == FIRM_26
    batch = service.post("/v1/scores/batch", json={"firm_ids": [FULL_WIDTH_26]}, headers=headers)
    assert batch.json()["items"][0]["firm_id"] == FIRM_26
    for path in ("scores", "history"):
        response = service.get(f"/v1/firms/{FULL_WIDTH_26}/{path}", headers=headers)
        assert response.status_code == 200, response.text


def test_ids_that_stay_odd_after_normalising_are_422(
    service: TestClient, keys: dict[str, str]
) -> None:
    for firm_id in ("１０００ ０００", "一〇〇〇", "1000000000\u200b"):
        response = service.post(
            "/v1/scores", json={"firm_id": firm_id}, headers=auth(keys["analyst"])
        )
        assert response.status_code == 422, firm_id


def test_dates_outside_the_contract_years_are_422_not_500(
    service: TestClient, keys: dict[str, str]
) -> None:
    """Found by the fuzzer: an event in the year 497 overflowed pandas' timestamps (500)."""
    event = {"event_date": "0497-12-21", "event_type": "tax_arrears"}
    body = {"firm": {"region": "26"}, "statements": [STATEMENT], "events": [event]}
    response = service.post("/v1/scores", json=body, headers=auth(keys["analyst"]))
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "is not a date in 1900-2100"


def test_submitted_firms_take_ksic_at_any_depth(service: TestClient, keys: dict[str, str]) -> None:
    headers = auth(keys["analyst"])
    for code in ("C", "25", "C25111"):
        body = {"firm": {"region": "26", "ksic": code}, "statements": [STATEMENT]}
        assert service.post("/v1/scores", json=body, headers=headers).status_code == 200
    body = {"firm": {"region": "26", "ksic": "G25"}, "statements": [STATEMENT]}
    assert service.post("/v1/scores", json=body, headers=headers).status_code == 422
