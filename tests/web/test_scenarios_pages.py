"""The scenario page: a centre builds a scenario for its region, runs it, reads the tables with
names and finds it among past runs; a national run is refused to it; a bad size comes back with
the field; the result page reads in English too."""

from __future__ import annotations

from tests.serving.support import TestClient
from tests.web.client import audit_log, csrf_of, main_of, sign_in


def _run(client: TestClient, **form: str) -> tuple[int, str, str]:
    page = client.get("/web/scenarios")
    assert page.status_code == 200, page.text[:300]
    data = {"csrf": csrf_of(page.text), "type": "interest_rate", "size": "200", **form}
    answer = client.post("/web/scenarios/run", data=data)
    return answer.status_code, answer.headers.get("location", ""), answer.text


def test_a_centre_runs_its_region_and_reads_the_tables(client: TestClient) -> None:
    sign_in(client, "center", "26")
    html = main_of(client.get("/web/scenarios").text)
    assert "시나리오 만들기" in html and "금리 +200bp" in html  # the shipped files are offered
    assert 'value="">전국' not in html  # a centre is not offered a national run
    status, location, _ = _run(client, region="26")
    assert status == 303 and location.startswith("/web/scenarios/runs/"), location
    result = main_of(client.get(location).text)
    assert "금리 상승 (차입금 이자) +200bp" in result
    assert 'data-testid="scenario-by-region"' in result and "부산" in result
    assert 'data-testid="scenario-by-industry"' in result and "금속가공제품" in result
    assert 'data-testid="scenario-by-district"' in result and "예상 위기기업 증감" in result
    english = main_of(client.get(f"{location}?lang=en").text)
    assert "Busan" in english and "Δ expected crises" in english
    client.get("/web/scenarios?lang=ko")  # the language choice is a cookie: reset it
    listed = main_of(client.get("/web/scenarios").text)
    assert location in listed
    endpoints = [(a.endpoint, a.outcome) for a in audit_log(client)]
    assert ("POST /web/scenarios/run", "ok") in endpoints


def test_a_centre_cannot_run_nationally_or_for_another_region(client: TestClient) -> None:
    sign_in(client, "center", "26")
    for region in ("", "11"):
        status, _, _ = _run(client, region=region)
        assert status == 403, region
    refused = [a for a in audit_log(client) if a.endpoint == "POST /web/scenarios/run"]
    assert {a.subject_region for a in refused if a.outcome == "forbidden"} >= {None, "11"}


def test_a_saved_file_runs_and_a_bad_size_names_the_field(client: TestClient) -> None:
    sign_in(client, "analyst", None)
    status, location, _ = _run(client, file="energy_30pct.yaml")
    assert status == 303, location
    assert "에너지 비용 30% 상승" in main_of(client.get(location).text)
    status, _, html = _run(client, size="많이", region="26")
    assert status == 422 and 'id="size_error"' in html and "숫자" in html
    status, _, html = _run(client, size="9000", region="26")
    assert status == 422 and 'id="size_error"' in html
    status, _, html = _run(client, size="-10", type="revenue", division="5", region="26")
    assert status == 422 and 'id="division_error"' in html


def test_an_unknown_run_is_a_404_and_another_regions_run_a_403(client: TestClient) -> None:
    sign_in(client, "center", "11")
    _, location, _ = _run(client, region="11")
    sign_in(client, "center", "26")
    assert client.get(location).status_code == 403
    assert client.get("/web/scenarios/runs/00000000-dead").status_code == 404
