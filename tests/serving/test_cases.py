"""Cases through the API: a centre takes a firm, records a call and a visit, sets the next date and
finds it in its open cases; every change kept (from → to, who); the stage rule, the owner rule and
the access rules; firms without a region and ids with leading zeros or letters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core import clock
from core.bundle import LoadedModel
from serving.access.keys import create_key, hash_key
from serving.domain import cases
from serving.domain.watchlist import sorted_items
from serving.schemas.watchlist import WatchItem
from serving.store import records
from serving.store.tables import ApiKey, AuditEntry, Case, User
from tests.serving import unrated_world as w
from tests.serving.support import FIRM_26, TestClient, auth

TODAY = clock.seoul_today()
STAFF = {  # username -> (display name, role, region)
    "kim": ("김민지", "center", "26"),
    "lee": ("이준호", "center", "26"),
    "park": ("박서연", "center", "11"),
}


def add_user(engine: Any, username: str, name: str, role: str, region: str | None) -> int:
    """A staff row as the accounts work would make it (the password hash is not read here)."""
    at = dt.datetime.now(dt.UTC)
    with Session(engine) as session, session.begin():
        user = User(
            username=username,
            display_name=name,
            role=role,
            region=region,
            password_hash="not-a-real-hash",
            created_at=at,
            password_changed_at=at,
            failed_logins=0,
        )
        session.add(user)
        session.flush()
        return user.id


def key_for(engine: Any, role: str, region: str | None, user_id: int | None) -> str:
    key = create_key(engine, role, region)
    if user_id is not None:
        with Session(engine) as session, session.begin():
            session.execute(
                update(ApiKey).where(ApiKey.key_hash == hash_key(key)).values(user_id=user_id)
            )
    return key


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, loaded: LoadedModel
) -> Iterator[tuple[TestClient, dict[str, str], dict[str, int]]]:
    with TestClient(w.app(tmp_path_factory.mktemp("cases"), w.world(), loaded)) as client:
        engine = client.app.state.engine  # type: ignore[attr-defined]
        users = {name: add_user(engine, name, *facts) for name, facts in STAFF.items()}
        keys = {name: key_for(engine, *STAFF[name][1:], users[name]) for name in STAFF}
        keys |= {
            "shared26": key_for(engine, "center", "26", None),
            "analyst": key_for(engine, "analyst", None, None),
            "admin": key_for(engine, "admin", None, None),
        }
        yield client, keys, users


def _case(client: TestClient, key: str, firm_id: str) -> Any:
    response = client.get(f"/v1/firms/{firm_id}/case", headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()


def _patch(client: TestClient, key: str, firm_id: str, body: dict[str, Any]) -> Any:
    return client.patch(f"/v1/firms/{firm_id}/case", json=body, headers=auth(key))


def _visit(client: TestClient, key: str, firm_id: str, **fields: Any) -> Any:
    body = {"visited_on": str(TODAY), "finding": "crisis_confirmed", **fields}
    response = client.post(f"/v1/firms/{firm_id}/visits", json=body, headers=auth(key))
    assert response.status_code == 201, response.text
    return response.json()


def test_a_case_through_take_call_visit_and_next_date(served: Any) -> None:
    client, keys, users = served
    before = _case(client, keys["kim"], FIRM_26)
    assert (before["status"], before["case_id"], before["events"]) == ("uncontacted", None, [])

    taken = _patch(client, keys["kim"], FIRM_26, {"assignee_id": users["kim"]})
    assert taken.status_code == 200, taken.text
    assert taken.json()["assignee_name"] == "김민지"

    call = _visit(client, keys["kim"], FIRM_26, contact_type="phone", outcome="support_needed")
    assert (call["contact_type_ko"], call["outcome_ko"], call["recorded_by"]) == (
        "전화",
        "지원 필요",
        "김민지",
    )
    assert _case(client, keys["kim"], FIRM_26)["status"] == "contacted"
    visit = _visit(
        client, keys["kim"], FIRM_26, contact_type="visit", programme="kosme-emergency", amount=5e4
    )
    assert (visit["programme"], visit["amount"]) == ("kosme-emergency", 50_000.0)

    due = TODAY + dt.timedelta(days=7)
    changed = _patch(client, keys["kim"], FIRM_26, {"next_follow_up": str(due), "note": "재방문"})
    body = changed.json()
    assert (body["status"], body["last_contact"], body["next_follow_up"]) == (
        "visited",
        str(TODAY),
        str(due),
    )
    moves = [(e["old_value"], e["new_value"]) for e in body["events"] if e["field"] == "status"]
    assert moves == [("contacted", "visited"), ("uncontacted", "contacted")]  # newest first
    latest = body["events"][0]
    assert (latest["field"], latest["note"], latest["user_name"]) == (
        "next_follow_up",
        "재방문",
        "김민지",
    )

    listed = client.get("/v1/regions/26/cases", headers=auth(keys["lee"])).json()
    mine = [item for item in listed["items"] if item["firm_id"] == FIRM_26]
    assert mine and mine[0]["next_follow_up"] == str(due) and mine[0]["assignee_id"] == users["kim"]
    load = {person["name"]: person["open_cases"] for person in listed["staff"]}
    assert load["김민지"] >= 1 and "박서연" not in load
    only_lee = client.get(
        f"/v1/regions/26/cases?assignee={users['lee']}", headers=auth(keys["kim"])
    ).json()
    assert FIRM_26 not in [item["firm_id"] for item in only_lee["items"]]


def test_stage_moves_forward_and_back_only_to_contact_or_monitoring(served: Any) -> None:
    client, keys, _ = served
    firm = "1000000002"
    for status, code in [
        ("supported", 200),
        ("visited", 422),  # back, but not to 연락 or 모니터링
        ("monitoring", 200),
        ("closed", 200),
        ("uncontacted", 422),  # a worked case never reads 미접촉 again
        ("contacted", 200),  # reopened
    ]:
        response = _patch(client, keys["lee"], firm, {"status": status})
        assert response.status_code == code, (status, response.text)
        if code == 422:
            assert response.json()["detail"][0]["loc"][-1] == "status"
    case = _case(client, keys["lee"], firm)
    assert case["status"] == "contacted" and case["closed_at"] is None
    closes = [e for e in case["events"] if e["new_value"] == "closed"]
    assert len(closes) == 1 and closes[0]["old_value"] == "monitoring"


def test_every_status_move_follows_the_written_rule() -> None:
    assert cases.may_move("uncontacted", "closed") and cases.may_move("closed", "monitoring")
    assert not cases.may_move("monitoring", "visited") and not cases.may_move("closed", "visited")
    assert all(not cases.may_move(s, "uncontacted") for s in cases.ORDER)
    assert all(not cases.may_move(s, s) for s in cases.ORDER)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "done"}, "status"),
        ({"next_follow_up": str(TODAY - dt.timedelta(days=1))}, "next_follow_up"),
        ({"next_follow_up": "2026-02-30"}, "next_follow_up"),
        ({"assignee_id": 0}, "assignee_id"),
        ({"assignee_id": 9999}, "assignee_id"),  # no such person
        ({"note": "가" * 2001}, "note"),
        ({"owner": 1}, "owner"),
    ],
)
def test_bad_changes_are_422_naming_the_field(
    served: Any, body: dict[str, Any], field: str
) -> None:
    client, keys, _ = served
    response = _patch(client, keys["kim"], "1000000004", body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][-1] == field
    assert _case(client, keys["kim"], "1000000004")["case_id"] is None  # nothing was stored


def test_an_empty_change_is_422(served: Any) -> None:
    client, keys, _ = served
    assert _patch(client, keys["kim"], "1000000004", {}).status_code == 422


def test_an_owner_from_another_centre_is_refused_and_nothing_changes(served: Any) -> None:
    client, keys, users = served
    firm = "1000000006"
    response = _patch(
        client, keys["kim"], firm, {"status": "contacted", "assignee_id": users["park"]}
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "assignee_id"
    assert _case(client, keys["kim"], firm)["status"] == "uncontacted"


@pytest.mark.parametrize(("role", "status"), [("analyst", 403), ("park", 403), ("admin", 200)])
def test_who_may_change_a_case(served: Any, role: str, status: int) -> None:
    client, keys, _ = served
    response = _patch(client, keys[role], "1000000008", {"note": f"by {role}"})
    assert response.status_code == status
    if status == 403:
        assert "1000000008" not in response.text


def test_analysts_read_cases_and_other_centres_do_not(served: Any) -> None:
    client, keys, _ = served
    assert client.get("/v1/firms/1000000008/case", headers=auth(keys["analyst"])).status_code == 200
    assert client.get("/v1/firms/1000000008/case", headers=auth(keys["park"])).status_code == 403
    assert client.get("/v1/regions/26/cases", headers=auth(keys["park"])).status_code == 403
    assert client.get("/v1/regions/99/cases", headers=auth(keys["admin"])).status_code == 404


def test_changes_are_audited_with_the_person(served: Any) -> None:
    client, keys, users = served
    _patch(client, keys["lee"], "1000000010", {"note": "첫 통화 예정"})
    _patch(client, keys["analyst"], "1000000010", {"note": "분석"})
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        rows = session.execute(
            select(AuditEntry.outcome, AuditEntry.user_id)
            .where(AuditEntry.endpoint == "PATCH /v1/firms/{firm_id}/case")
            .where(AuditEntry.firm_ids.contains("1000000010"))
            .order_by(AuditEntry.id)
        ).all()
    assert [tuple(row) for row in rows] == [("ok", users["lee"]), ("forbidden", None)]


def test_overdue_follow_ups_are_flagged_and_filtered(served: Any) -> None:
    client, keys, _ = served
    firm = "1000000012"
    assert _patch(client, keys["kim"], firm, {"next_follow_up": str(TODAY)}).status_code == 200
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as session, session.begin():  # the date has since passed
        yesterday = TODAY - dt.timedelta(days=1)
        session.execute(update(Case).where(Case.firm_id == firm).values(next_follow_up=yesterday))
    assert _case(client, keys["kim"], firm)["overdue"] is True
    overdue = client.get("/v1/regions/26/cases?overdue=true", headers=auth(keys["kim"])).json()
    assert [item["firm_id"] for item in overdue["items"]] == [firm]
    assert overdue["items"][0]["overdue"] is True


def test_firms_without_a_region_and_messy_ids(served: Any) -> None:
    client, keys, _ = served
    assert _patch(client, keys["shared26"], w.NO_REGION, {"note": "x"}).status_code == 403
    response = _patch(client, keys["admin"], w.NO_REGION, {"status": "contacted"})
    assert response.status_code == 200 and response.json()["region"] == "00"
    listed = client.get("/v1/regions/00/cases", headers=auth(keys["analyst"])).json()
    assert w.NO_REGION in [item["firm_id"] for item in listed["items"]]
    assert listed["staff"] == []  # no centre owns "00"

    _visit(client, keys["shared26"], w.VENDOR, contact_type="video")
    vendor = _case(client, keys["kim"], w.VENDOR)
    assert (vendor["firm_id"], vendor["status"]) == ("090414", "contacted")
    assert vendor["events"][0]["user_id"] is None  # a shared key names no person
    assert _case(client, keys["kim"], w.STALE)["status"] == "uncontacted"
    assert client.get("/v1/firms/9999999999/case", headers=auth(keys["admin"])).status_code == 404


def test_a_late_entered_old_visit_leaves_the_last_contact(served: Any) -> None:
    client, keys, _ = served
    firm = "1000000014"
    _visit(client, keys["kim"], firm)
    _visit(client, keys["kim"], firm, visited_on="2024-01-05", contact_type="phone")
    case = _case(client, keys["kim"], firm)
    assert (case["status"], case["last_contact"]) == ("visited", str(TODAY))


def test_a_case_changed_meanwhile_is_not_overwritten(served: Any) -> None:
    """Two people save the same case at once: the second save fails whole, events included."""
    client, keys, _ = served
    firm = "1000000016"
    assert _patch(client, keys["kim"], firm, {"note": "첫 메모"}).status_code == 200
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    first, second = sessions(), sessions()
    mine, theirs = cases.start(first, firm, "26"), cases.start(second, firm, "26")
    cases.change_status(mine, "contacted", cases.Actor(None, None))
    records.record(first, cases.written(first, mine))
    cases.change_status(theirs, "visited", cases.Actor(None, None))
    with pytest.raises(StaleDataError):
        records.record(second, cases.written(second, theirs))
    case = _case(client, keys["kim"], firm)
    assert case["status"] == "contacted"
    assert [e["new_value"] for e in case["events"] if e["field"] == "status"] == ["contacted"]


@pytest.mark.parametrize(
    "query", ["assignee=99999999999999999999", "assignee=0", "overdue=maybe", "assignee=x"]
)
def test_bad_list_filters_are_422(served: Any, query: str) -> None:
    client, keys, _ = served
    response = client.get(f"/v1/regions/26/cases?{query}", headers=auth(keys["kim"]))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == query.split("=")[0]


def test_an_owner_id_beyond_any_stored_id_is_422(served: Any) -> None:
    client, keys, _ = served
    response = _patch(client, keys["kim"], "1000000018", {"assignee_id": 2**63})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "assignee_id"


def test_sorting_by_pd_change_and_due_date_keeps_each_firms_rank(served: Any) -> None:
    client, keys, _ = served
    body = client.get("/v1/regions/26/watchlist", headers=auth(keys["admin"])).json()
    items = [WatchItem.model_validate(item) for item in body["items"]]
    assert len(items) >= 3
    dated = {items[2].firm_id: TODAY, items[0].firm_id: TODAY + dt.timedelta(days=9)}
    with_dates = [
        item.model_copy(
            update={
                "case": cases.case_out(None, item.firm_id, "26", TODAY, {}).model_copy(
                    update={"next_follow_up": dated.get(item.firm_id)}
                )
            }
        )
        for item in items
    ]
    due = sorted_items(with_dates, "due")
    assert [i.firm_id for i in due[:2]] == [items[2].firm_id, items[0].firm_id]
    assert [i.rank for i in due[2:]] == sorted(i.rank for i in due[2:])  # undated: list order
    change = sorted_items(items, "pd_change")
    rises = [i.pd - i.previous_pd for i in change if i.previous_pd is not None]
    assert rises == sorted(rises, reverse=True)
    assert all(i.previous_pd is None for i in change[len(rises) :])
    assert sorted_items(change, "pd") == items


def test_the_watch_list_api_carries_each_firms_case_and_sorts_by_due_date(served: Any) -> None:
    client, keys, users = served
    listed = client.get("/v1/regions/26/watchlist", headers=auth(keys["kim"])).json()["items"]
    assert all(item["case"] is not None for item in listed)  # 미접촉 where no case row exists
    last = listed[-1]["firm_id"]
    body = {"assignee_id": users["kim"], "next_follow_up": str(TODAY)}
    assert _patch(client, keys["kim"], last, body).status_code == 200
    by_due = client.get("/v1/regions/26/watchlist?sort=due", headers=auth(keys["kim"])).json()
    dates = [item["case"]["next_follow_up"] for item in by_due["items"]]
    dated = [d for d in dates if d is not None]
    assert dates[: len(dated)] == sorted(dated)  # soonest first, undated last
    mine = next(item for item in by_due["items"] if item["firm_id"] == last)
    assert mine["case"]["next_follow_up"] == str(TODAY)
    assert mine["case"]["assignee_id"] == users["kim"]
    assert dates.index(str(TODAY)) <= [i["firm_id"] for i in by_due["items"]].index(last)
    bad = client.get("/v1/regions/26/watchlist?sort=name", headers=auth(keys["kim"]))
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "sort"
