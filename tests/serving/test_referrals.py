"""Referrals over HTTP: a centre refers a firm, the partner it was made to answers, nobody else
reads it; a partner without an organisation sees nothing; the messy cases (a firm of no region,
a referral whose firm left the data) hold."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.bundle import LoadedModel
from features.tables import RawTables
from serving.access.keys import create_key
from serving.store.records import now
from serving.store.tables import AuditEntry, Referral, User
from tests.serving.partners_world import FIRM_00, one_team_app, staff_key
from tests.serving.support import FIRM_11, FIRM_26, TestClient, auth

NOTE = "매출 급감, 긴급경영안정자금 상담 요청"


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, panel: RawTables, loaded: LoadedModel
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = one_team_app(tmp_path_factory.mktemp("referrals"), panel, loaded)
    with TestClient(app) as client:
        engine = app.state.engine
        keys = {
            "center26": staff_key(engine, "center", "26", name="김부산"),
            "center11": staff_key(engine, "center", "11"),
            "analyst": staff_key(engine, "analyst"),
            "admin": staff_key(engine, "admin"),
            "kosme": staff_key(engine, "partner", organisation="중진공"),
            "kodit": staff_key(engine, "partner", organisation="신용보증기금"),
            "no_org": staff_key(engine, "partner"),
            "no_user": create_key(engine, "partner"),
            "office26": staff_key(engine, "office", "26"),
            "local26": staff_key(engine, "local_gov", "26"),
        }
        yield client, keys


def _refer(client: TestClient, key: str, firm_id: str = FIRM_26, **body: object) -> dict:
    response = client.post(
        f"/v1/firms/{firm_id}/referrals",
        json={"partner": "중진공", "programme": "kosme_emergency", "note": NOTE, **body},
        headers=auth(key),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_centre_refers_and_only_that_partner_answers(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    made = _refer(client, keys["center26"])
    assert made["status"] == "referred" and made["created_by"] == "김부산"
    assert made["region"] == "26" and made["in_data"] and made["note"] == NOTE

    inbox = client.get("/v1/referrals", headers=auth(keys["kosme"])).json()
    assert inbox["partner"] == "중진공"
    assert made["referral_id"] in [r["referral_id"] for r in inbox["items"]]
    assert {r["partner"] for r in inbox["items"]} == {"중진공"}
    assert client.get("/v1/referrals", headers=auth(keys["kodit"])).json()["items"] == []

    one = f"/v1/referrals/{made['referral_id']}"
    assert client.get(one, headers=auth(keys["kosme"])).status_code == 200
    for other in ("kodit", "center11", "office26", "local26", "no_org", "no_user"):
        assert client.get(one, headers=auth(keys[other])).status_code == 403, other

    today = clock.seoul_today().isoformat()
    decision = {"status": "approved", "decided_on": today, "amount": 300000, "note": "승인"}
    for refused in ("kodit", "center26", "analyst"):
        answer = client.post(f"{one}/decision", json=decision, headers=auth(keys[refused]))
        assert answer.status_code == 403, refused
    answer = client.post(f"{one}/decision", json=decision, headers=auth(keys["kosme"]))
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "approved" and answer.json()["amount"] == 300000

    chain = client.get(f"/v1/firms/{FIRM_26}/referrals", headers=auth(keys["center26"])).json()
    mine = next(r for r in chain if r["referral_id"] == made["referral_id"])
    assert (mine["status"], mine["amount"], mine["decided_on"]) == ("approved", 300000, today)
    assert mine["partner_note"] == "승인"
    foreign = client.get(f"/v1/firms/{FIRM_26}/referrals", headers=auth(keys["center11"]))
    assert foreign.status_code == 403


def test_a_partner_reads_no_firm_data_even_of_its_referred_firm(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    _refer(client, keys["center26"])
    for name in ("kosme", "office26", "local26"):
        key = auth(keys[name])
        assert client.post("/v1/scores", json={"firm_id": FIRM_26}, headers=key).status_code == 403
        for path in ("history", "visits", "referrals"):
            answer = client.get(f"/v1/firms/{FIRM_26}/{path}", headers=key)
            assert answer.status_code == 403, (name, path)
        watch = client.get("/v1/regions/26/watchlist", headers=key)
        assert watch.status_code == 403 and FIRM_26 not in watch.text
        listed = [row["region"] for row in client.get("/v1/regions", headers=key).json()["regions"]]
        assert listed == ([] if name == "kosme" else ["26"])  # aggregates: their own 시도 only


def test_office_and_local_government_list_no_referrals(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    for name in ("office26", "local26"):
        answer = client.get("/v1/referrals", headers=auth(keys[name]))
        assert answer.status_code == 403 and "GET /v1/national" in answer.json()["detail"]


@pytest.mark.parametrize("name", ["no_org", "no_user"])
def test_a_partner_without_an_organisation_sees_nothing(
    world: tuple[TestClient, dict[str, str]], name: str
) -> None:
    client, keys = world
    _refer(client, keys["center26"])
    inbox = client.get("/v1/referrals", headers=auth(keys[name]))
    assert inbox.status_code == 200
    assert inbox.json() == {"partner": None, "items": []}


def test_only_the_firms_own_centre_and_admins_refer(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    body = {"partner": "중진공"}
    for name, firm_id, status in [
        ("center11", FIRM_26, 403),
        ("analyst", FIRM_26, 403),
        ("kosme", FIRM_26, 403),
        ("office26", FIRM_26, 403),
        ("center26", "9999999999", 403),  # unknown: the same answer as a foreign firm
        ("admin", "9999999999", 404),
        ("center11", FIRM_11, 201),
    ]:
        answer = client.post(f"/v1/firms/{firm_id}/referrals", json=body, headers=auth(keys[name]))
        assert answer.status_code == status, (name, firm_id, answer.text)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"partner": "없는기관"}, "partner"),
        ({"partner": "  "}, "partner"),
        ({"partner": "중진공", "programme": "Not An Id"}, "programme"),
        ({"partner": "중진공", "note": "x" * 2001}, "note"),
        ({"partner": "중진공", "score": 1}, "score"),
    ],
)
def test_a_bad_referral_is_a_422_naming_the_field(
    world: tuple[TestClient, dict[str, str]], body: dict, field: str
) -> None:
    client, keys = world
    answer = client.post(
        f"/v1/firms/{FIRM_26}/referrals", json=body, headers=auth(keys["center26"])
    )
    assert answer.status_code == 422
    assert [item["loc"][-1] for item in answer.json()["detail"]] == [field]


@pytest.mark.parametrize(
    ("decision", "field"),
    [
        ({"status": "declined", "decided_on": "TODAY", "amount": 10}, None),  # model rule
        ({"status": "approved", "decided_on": "2999-01-01"}, "decided_on"),
        ({"status": "approved", "decided_on": "2001-01-01"}, "decided_on"),  # before referral
        ({"status": "approved", "decided_on": "TODAY", "amount": -1}, "amount"),
        ({"status": "referred", "decided_on": "TODAY"}, "status"),
    ],
)
def test_a_bad_decision_is_a_422_and_changes_nothing(
    world: tuple[TestClient, dict[str, str]], decision: dict, field: str | None
) -> None:
    client, keys = world
    made = _refer(client, keys["center26"])
    today = clock.seoul_today().isoformat()
    body = {k: (today if v == "TODAY" else v) for k, v in decision.items()}
    one = f"/v1/referrals/{made['referral_id']}"
    answer = client.post(f"{one}/decision", json=body, headers=auth(keys["kosme"]))
    assert answer.status_code == 422, answer.text
    if field is not None:
        assert answer.json()["detail"][0]["loc"][-1] == field
    assert client.get(one, headers=auth(keys["kosme"])).json()["status"] == "referred"


def test_unknown_referral_ids_are_404_for_everyone(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    for name in ("kosme", "center26", "admin"):
        assert (
            client.get(f"/v1/referrals/{uuid.uuid4()}", headers=auth(keys[name])).status_code == 404
        )


def test_a_firm_of_no_region_is_referred_by_an_admin_and_hidden_from_centres(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    made = _refer(client, keys["admin"], firm_id=FIRM_00)
    assert made["region"] == "00" and made["region_ko"] == "지역 미상"
    one = f"/v1/referrals/{made['referral_id']}"
    assert client.get(one, headers=auth(keys["center26"])).status_code == 403
    assert client.get(one, headers=auth(keys["analyst"])).status_code == 200
    assert client.get(one, headers=auth(keys["kosme"])).status_code == 200
    outbox = client.get("/v1/referrals", headers=auth(keys["center26"])).json()["items"]
    assert made["referral_id"] not in [r["referral_id"] for r in outbox]


def test_a_referral_outlives_its_firm_in_the_data(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    gone = Referral(
        referral_id=str(uuid.uuid4()),
        case_id=None,
        firm_id="0012345678",  # leading zeros: ids are text; no longer in the stored data
        region="26",
        partner="중진공",
        programme=None,
        note="폐업 전 연계",
        status="referred",
        created_at=now() - dt.timedelta(days=400),
        updated_at=now() - dt.timedelta(days=400),
    )
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with Session(engine, expire_on_commit=False) as session, session.begin():
        session.add(gone)
    inbox = client.get("/v1/referrals", headers=auth(keys["kosme"])).json()["items"]
    row = next(r for r in inbox if r["referral_id"] == gone.referral_id)
    assert row["firm_id"] == "0012345678" and not row["in_data"] and row["firm_name"] is None
    today = clock.seoul_today().isoformat()
    answer = client.post(
        f"/v1/referrals/{gone.referral_id}/decision",
        json={"status": "declined", "decided_on": today},
        headers=auth(keys["kosme"]),
    )
    assert answer.status_code == 200 and answer.json()["status"] == "declined"


def test_referrals_and_refusals_are_audited_with_the_firm(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    made = _refer(client, keys["center26"])
    client.get(f"/v1/referrals/{made['referral_id']}", headers=auth(keys["kodit"]))
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(2)).all()
    refused, made_row = rows
    assert (refused.endpoint, refused.outcome) == ("GET /v1/referrals/{referral_id}", "forbidden")
    assert json.loads(refused.firm_ids) == [FIRM_26] and refused.role == "partner"
    assert made_row.endpoint == "POST /v1/firms/{firm_id}/referrals"
    assert made_row.outcome == "ok" and json.loads(made_row.firm_ids) == [FIRM_26]


def test_the_api_reference_lists_the_referral_routes(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, _ = world
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/referrals", "/v1/referrals/{referral_id}/decision", "/v1/national"} <= set(paths)


def test_a_disabled_partner_account_sees_nothing(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    engine = client.app.state.engine  # type: ignore[attr-defined]
    key = staff_key(engine, "partner", organisation="중진공")
    _refer(client, keys["center26"])
    assert client.get("/v1/referrals", headers=auth(key)).json()["items"]
    with Session(engine) as session, session.begin():
        user = session.scalars(select(User).order_by(User.id.desc()).limit(1)).one()
        user.disabled_at = now()
    answer = client.get("/v1/referrals", headers=auth(key))
    assert answer.status_code == 401 or answer.json()["items"] == []
