"""The case on the pages: a named staff member takes a watch-listed firm's case, records a call
and a visit with a programme, sets the next date, and the watch list shows it; overdue dates
are marked in words; the list sorts by PD, PD change and due date; analysts and other centres
are refused; a bad date comes back with what was typed."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from core import clock
from serving.access.keys import create_key
from serving.domain.region_codes import cluster_name, district_name
from serving.store.tables import Case
from tests.serving.support import TestClient, auth
from tests.serving.test_cases import add_user, key_for
from tests.web.client import audit_log, csrf_of, engine_of, main_of, post_sign_in

TODAY = clock.seoul_today()


@pytest.fixture(scope="module")
def staff(client: TestClient) -> dict[str, Any]:
    engine = engine_of(client)
    kim = add_user(engine, "pages-kim", "김하늘", "center", "26")
    choi = add_user(engine, "pages-choi", "최도윤", "center", "26")
    return {
        "kim": kim,
        "choi": choi,
        "kim_key": key_for(engine, "center", "26", kim),
        "admin_key": create_key(engine, "admin"),
    }


@pytest.fixture(scope="module")
def listed(client: TestClient, staff: dict[str, Any]) -> list[str]:
    """The 부산 watch list's firms, highest PD first."""
    response = client.get("/v1/regions/26/watchlist", headers=auth(staff["admin_key"]))
    firms = [item["firm_id"] for item in response.json()["items"]]
    assert len(firms) >= 6
    return firms


def _as(client: TestClient, key: str) -> None:
    client.cookies.clear()
    assert post_sign_in(client, {"api_key": key, "next": "/web/"}).status_code == 303


def _post_case(client: TestClient, firm_id: str, **form: str) -> Any:
    csrf = csrf_of(client.get(f"/web/firms/{firm_id}").text)
    return client.post(f"/web/firms/{firm_id}/case", data={"csrf": csrf, **form})


def _row(html: str, firm_id: str) -> str:
    """The watch list's table row of one firm."""
    rows = main_of(html).split("<tr>")
    found = [row for row in rows if f'/web/firms/{firm_id}"' in row]
    assert found, firm_id
    return found[0]


def test_take_call_visit_and_next_date_show_on_the_list(
    client: TestClient, staff: dict[str, Any], listed: list[str]
) -> None:
    firm = listed[0]
    _as(client, staff["kim_key"])
    page = client.get(f"/web/firms/{firm}").text
    assert 'data-testid="case"' in page and "미접촉" in page

    taken = _post_case(client, firm, action="take")
    assert taken.status_code == 303 and taken.headers["location"].endswith("case_saved=1#case")

    csrf = csrf_of(client.get(f"/web/firms/{firm}").text)
    for contact, programme in (("phone", ""), ("visit", "중진공 긴급경영안정자금")):
        visit = {
            "visited_on": TODAY.isoformat(),
            "finding": "crisis_confirmed",
            "note": "",
            "contact_type": contact,
            "programme": programme,
            "amount": "30,000" if programme else "",
            "outcome": "applied" if programme else "",
            "csrf": csrf,
        }
        assert client.post(f"/web/firms/{firm}/visits", data=visit).status_code == 303

    due = (TODAY + dt.timedelta(days=3)).isoformat()
    saved = _post_case(
        client, firm, next_follow_up=due, note="자금 신청 서류 확인", status="visited"
    )
    assert saved.status_code == 303
    page = client.get(saved.headers["location"]).text
    case = page.split('data-testid="case"', 1)[1].split("</section>", 1)[0]
    assert "방문" in case and "김하늘" in case
    assert "내 담당" in case
    assert due in case
    assert "미접촉 → 연락" in case and "연락 → 방문" in case
    visits = page.split('data-testid="visits"', 1)[1].split("</table>", 1)[0]
    assert "중진공 긴급경영안정자금" in visits and "30,000" in visits and "지원 신청" in visits
    assert "전화" in visits

    row = _row(client.get("/web/regions/26/watchlist").text, firm)
    assert "방문" in row and "김하늘" in row and due in row and "기한 지남" not in row
    workload = client.get("/web/regions/26/watchlist").text.split('data-testid="workload"')[1]
    assert re.search(r"김하늘</th><td class=\"num\">1", workload)


def test_overdue_follow_ups_are_marked_in_words(
    client: TestClient, staff: dict[str, Any], listed: list[str]
) -> None:
    firm = listed[1]
    _as(client, staff["kim_key"])
    assert _post_case(client, firm, next_follow_up=TODAY.isoformat()).status_code == 303
    with Session(engine_of(client)) as session, session.begin():
        yesterday = TODAY - dt.timedelta(days=1)
        session.execute(update(Case).where(Case.firm_id == firm).values(next_follow_up=yesterday))
    html = client.get("/web/regions/26/watchlist").text
    assert "기한 지남" in _row(html, firm)
    assert 'data-testid="overdue-count"' in html
    english = client.get("/web/regions/26/watchlist?lang=en").text
    assert "overdue" in _row(english, firm)
    firm_page = client.get(f"/web/firms/{firm}?lang=ko").text.split('data-testid="case"')[1]
    assert "기한 지남" in firm_page.split("</dl>")[0]


def test_the_list_sorts_by_pd_change_and_due_date(
    client: TestClient, staff: dict[str, Any], listed: list[str]
) -> None:
    _as(client, staff["kim_key"])
    soon, later = listed[4], listed[3]
    _post_case(client, later, next_follow_up=(TODAY + dt.timedelta(days=20)).isoformat())
    _post_case(client, soon, next_follow_up=(TODAY + dt.timedelta(days=10)).isoformat())

    def order(sort: str) -> list[str]:
        html = main_of(client.get(f"/web/regions/26/watchlist?sort={sort}").text)
        table = html.split('class="table watchlist"', 1)[1].split("</table>", 1)[0]
        return re.findall(r'<th scope="row"><a href="/web/firms/([^"]+)"', table)

    assert order("pd") == listed
    dated = [f for f in order("due") if f in (soon, later)]
    assert dated == [soon, later]
    assert order("due").index(later) < order("due").index(listed[2])  # undated firms last

    body = client.get("/v1/regions/26/watchlist", headers=auth(staff["admin_key"])).json()
    rises = {i["firm_id"]: i["pd"] - i["previous_pd"] for i in body["items"] if i["previous_pd"]}
    by_change = [f for f in order("pd_change") if f in rises]
    assert by_change == sorted(rises, key=lambda f: -rises[f])

    bad = client.get("/web/regions/26/watchlist?sort=name")
    assert bad.status_code == 422 and 'id="sort_error"' in bad.text


def test_a_bad_date_comes_back_with_what_was_typed(
    client: TestClient, staff: dict[str, Any], listed: list[str]
) -> None:
    _as(client, staff["kim_key"])
    before = len(audit_log(client))
    past = (TODAY - dt.timedelta(days=2)).isoformat()
    response = _post_case(client, listed[5], next_follow_up=past, note="다시 연락")
    assert response.status_code == 422
    assert 'id="case_next_error"' in response.text and past in response.text
    assert "다시 연락" in response.text
    written = audit_log(client)[before:]
    assert ("POST /web/firms/{firm_id}/case", "invalid") in [
        (a.endpoint, a.outcome) for a in written
    ]
    # 미접촉 is still the stage (nothing was kept): choosing it again asks no move, the note stays
    assert _post_case(client, listed[5], status="uncontacted", note="x").status_code == 303


def test_a_shared_key_cannot_take_a_case(client: TestClient, listed: list[str]) -> None:
    _as(client, create_key(engine_of(client), "center", "26"))
    page = client.get(f"/web/firms/{listed[5]}").text
    assert 'data-testid="case-take"' not in page and 'data-testid="case-save"' in page
    response = _post_case(client, listed[5], action="take")
    assert response.status_code == 422 and "공용 키" in response.text


@pytest.mark.parametrize(("role", "region"), [("analyst", None), ("center", "11")])
def test_analysts_and_other_centres_are_refused(
    client: TestClient, listed: list[str], role: str, region: str | None
) -> None:
    _as(client, create_key(engine_of(client), role, region))
    if role == "analyst":
        page = client.get(f"/web/firms/{listed[0]}").text
        assert 'data-testid="case-save"' not in page and "case_read_only" not in page
    csrf = csrf_of(client.get("/web/regions").text)
    response = client.post(f"/web/firms/{listed[0]}/case", data={"csrf": csrf, "note": "x"})
    assert response.status_code == 403
    assert audit_log(client)[-1].outcome == "forbidden"


def test_district_names_replace_codes(client: TestClient, staff: dict[str, Any]) -> None:
    body = client.get("/v1/regions/26/watchlist", headers=auth(staff["admin_key"])).json()
    named = [i for i in body["items"] if i["district_name"]]
    for item in body["items"]:
        assert item["district_name"] == district_name(item["district"])
        assert item["cluster_name"] == cluster_name(item["cluster_id"])
    _as(client, staff["kim_key"])
    html = client.get("/web/regions/26/watchlist").text
    for item in body["items"]:
        shown = item["district_name"] or item["district"]
        assert f'<span class="sub">{shown}' in _row(html, item["firm_id"])
    assert named or all(district_name(i["district"]) is None for i in body["items"])


@pytest.mark.parametrize("firm_id", ["9999999999", "A00999", "x" * 60, "%EC%95%84"])
def test_a_case_form_for_no_stored_firm_is_refused_not_an_error(
    client: TestClient, staff: dict[str, Any], firm_id: str
) -> None:
    _as(client, staff["admin_key"])
    csrf = csrf_of(client.get("/web/regions").text)
    response = client.post(f"/web/firms/{firm_id}/case", data={"csrf": csrf, "note": "x"})
    assert response.status_code == 404


def test_open_cases_off_the_list_stay_in_view(
    client: TestClient, staff: dict[str, Any], listed: list[str]
) -> None:
    _as(client, staff["kim_key"])
    firm = listed[-1]
    assert _post_case(client, firm, status="contacted", note="목록 밖 확인").status_code == 303
    html = client.get("/web/regions/26/watchlist?capacity=2").text
    table = main_of(html).split('class="table watchlist"', 1)[1].split("</table>", 1)[0]
    assert f'/web/firms/{firm}"' not in table
    off_list = html.split('data-testid="off-list"', 1)[1].split("</section>", 1)[0]
    assert f'/web/firms/{firm}"' in off_list and "연락" in off_list
    assert firm in audit_log(client)[-1].firm_ids  # shown, so audited as read
