"""Keys: 401 without a live key; centre keys see one 시도 (refusals audited); admin reloads."""

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.access.keys import InvalidRegion, InvalidRole, create_key, revoke_key
from serving.store.tables import ApiKey, AuditEntry
from tests.serving.support import FIRM_11, FIRM_26, TestClient, auth


def _audit(service: TestClient) -> list[AuditEntry]:
    with Session(service.app.state.engine) as session:  # type: ignore[attr-defined]
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


@pytest.mark.parametrize(
    "headers", [{}, {"X-API-Key": "ews_nope"}, {"Authorization": "Bearer ews_nope"}]
)
def test_missing_or_unknown_key_is_401(service: TestClient, headers: dict[str, str]) -> None:
    response = service.post("/v1/scores", json={"firm_id": FIRM_26}, headers=headers)
    assert response.status_code == 401


def test_bearer_header_works(service: TestClient, keys: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {keys['analyst']}"}
    assert service.get("/v1/model", headers=headers).status_code == 200


def test_revoked_key_is_401(service: TestClient) -> None:
    engine = service.app.state.engine  # type: ignore[attr-defined]
    key = create_key(engine, "analyst")
    assert service.get("/v1/model", headers=auth(key)).status_code == 200
    assert revoke_key(engine, key)
    assert service.get("/v1/model", headers=auth(key)).status_code == 401


def test_keys_are_stored_hashed(service: TestClient, keys: dict[str, str]) -> None:
    with Session(service.app.state.engine) as session:  # type: ignore[attr-defined]
        stored = session.scalars(select(ApiKey)).all()
    text = " ".join(f"{k.key_hash} {k.prefix}" for k in stored)
    assert keys["admin"].startswith("ews_") and keys["admin"] not in text
    assert keys["admin"][:8] in text


def test_center_key_cannot_score_or_see_another_region(
    service: TestClient, keys: dict[str, str]
) -> None:
    before = len(_audit(service))
    response = service.post("/v1/scores", json={"firm_id": FIRM_11}, headers=auth(keys["center26"]))
    assert response.status_code == 403
    assert FIRM_11 not in response.text and "pd" not in response.json()
    refused = _audit(service)[before:]
    assert [(a.outcome, json.loads(a.firm_ids), a.region) for a in refused] == [
        ("forbidden", [FIRM_11], "26")
    ]


def test_center_key_cannot_submit_statements_for_another_region(
    service: TestClient, keys: dict[str, str]
) -> None:
    body = {"firm": {"region": "11"}, "statements": [{"fiscal_year": 2023, "revenue": 1000.0}]}
    response = service.post("/v1/scores", json=body, headers=auth(keys["center26"]))
    assert response.status_code == 403


def test_center_key_cannot_read_another_regions_stored_score(
    service: TestClient, keys: dict[str, str]
) -> None:
    scored = service.post("/v1/scores", json={"firm_id": FIRM_11}, headers=auth(keys["center11"]))
    score_id = scored.json()["score_id"]
    response = service.get(f"/v1/scores/{score_id}", headers=auth(keys["center26"]))
    assert response.status_code == 403 and FIRM_11 not in response.text
    assert _audit(service)[-1].outcome == "forbidden"
    history = service.get(f"/v1/firms/{FIRM_11}/scores", headers=auth(keys["center26"]))
    assert history.status_code == 403


def test_center_key_scores_its_own_region(service: TestClient, keys: dict[str, str]) -> None:
    response = service.post("/v1/scores", json={"firm_id": FIRM_26}, headers=auth(keys["center26"]))
    assert response.status_code == 200 and response.json()["region"] == "26"


def test_analyst_reads_all_regions(service: TestClient, keys: dict[str, str]) -> None:
    for firm_id in (FIRM_26, FIRM_11):
        response = service.post(
            "/v1/scores", json={"firm_id": firm_id}, headers=auth(keys["analyst"])
        )
        assert response.status_code == 200


@pytest.mark.parametrize("role", ["center26", "analyst"])
def test_only_admin_reloads(service: TestClient, keys: dict[str, str], role: str) -> None:
    assert service.post("/v1/admin/reload", headers=auth(keys[role])).status_code == 403


@pytest.mark.parametrize(
    ("role", "region", "error", "field"),
    [
        ("boss", None, InvalidRole, "role"),
        ("center", None, InvalidRegion, "region"),
        ("center", "99", InvalidRegion, "region"),
        ("analyst", "26", InvalidRegion, "region"),
    ],
)
def test_create_key_checks_role_and_region(
    service: TestClient, role: str, region: str | None, error: type[ValueError], field: str
) -> None:
    with pytest.raises(error, match=field):
        create_key(service.app.state.engine, role, region)  # type: ignore[attr-defined]
