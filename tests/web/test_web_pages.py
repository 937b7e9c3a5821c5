"""What the pages show and accept: watch-list filters, the visit form and its rules, region and
print pages, the words of both languages and the charts (in-process, no browser needed)."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from core.bundle import LoadedModel
from core.settings import Settings
from features.tables import RawTables, normalise
from serving.app import create_app
from serving.web import charts, i18n
from serving.web.render import HERE
from tests.factories import firm
from tests.serving.support import FIRM_11, FIRM_26, TestClient
from tests.web.client import audit_log, csrf_of, main_of, sign_in


def _rows(html: str) -> list[str]:
    parts = html.split('<table class="table watchlist">', 1)
    table = parts[1].split("</table>", 1)[0] if len(parts) > 1 else ""
    return re.findall(r'<a href="/web/firms/(\d{10})">', table)


def test_the_watch_list_is_cut_to_the_capacity_and_audited(client: TestClient) -> None:
    sign_in(client)
    before = len(audit_log(client))
    response = client.get("/web/regions/26/watchlist?capacity=4")
    assert response.status_code == 200
    listed = _rows(response.text)
    assert len(listed) == 4
    audited = audit_log(client)[before:]
    assert [(a.endpoint, a.outcome, a.subject_region) for a in audited] == [
        ("GET /web/regions/{region}/watchlist", "ok", "26")
    ]
    # The audit names every firm the page shows: the list, then open cases off it (another
    # test may have opened one), each of which the page shows too.
    named = json.loads(audited[0].firm_ids)
    assert named[: len(listed)] == listed
    assert all(f"/web/firms/{firm_id}" in response.text for firm_id in named[len(listed) :])


def test_watch_list_filters_narrow_the_list(client: TestClient) -> None:
    sign_in(client)
    everyone = _rows(client.get("/web/regions/26/watchlist?capacity=1000").text)
    severe = _rows(client.get("/web/regions/26/watchlist?capacity=1000&min_grade=경계").text)
    assert set(severe) <= set(everyone) and len(severe) < len(everyone)
    page = client.get("/web/regions/26/watchlist").text
    industry = re.search(r'<option value="(\d{2})">\d{2} ', page.split('id="ksic"', 1)[1])
    assert industry is not None, "the industry filter offers the region's KSIC divisions"
    narrowed = client.get(f"/web/regions/26/watchlist?capacity=1000&ksic={industry[1]}")
    assert 0 < len(_rows(narrowed.text)) < len(everyone)


@pytest.mark.parametrize("query", ["capacity=0", "capacity=abc", "min_grade=bad", "ksic=x"])
def test_bad_filters_are_explained_on_the_page(client: TestClient, query: str) -> None:
    sign_in(client)
    response = client.get(f"/web/regions/26/watchlist?{query}")
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text or 'class="error"' in response.text
    assert _rows(response.text), "the list is still shown, without the bad filter"


def test_a_recorded_visit_is_listed_and_audited(client: TestClient) -> None:
    sign_in(client)
    page = client.get(f"/web/firms/{FIRM_26}")
    visited = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    before = len(audit_log(client))
    form = {
        "visited_on": visited,
        "finding": "referred",
        "note": "<b>신보</b> 연계",
        "csrf": csrf_of(page.text),
    }
    response = client.post(f"/web/firms/{FIRM_26}/visits", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == f"/web/firms/{FIRM_26}?saved=1#visits"
    written = audit_log(client)[before:]
    assert [(a.endpoint, a.outcome) for a in written] == [
        ("POST /web/firms/{firm_id}/visits", "ok")
    ]
    html = client.get(response.headers["location"]).text
    visits = html.split('data-testid="visits"', 1)[1].split("</table>", 1)[0]
    assert visited in visits and "타 기관 연계" in visits
    assert "&lt;b&gt;신보&lt;/b&gt; 연계" in visits  # staff text is escaped, never markup


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("visited_on", (dt.date.today() + dt.timedelta(days=3)).isoformat()),
        ("visited_on", ""),
        ("finding", "nothing"),
        ("note", "가" * 2001),
    ],
)
def test_a_refused_visit_comes_back_with_the_reason(
    client: TestClient, field: str, value: str
) -> None:
    sign_in(client)
    page = client.get(f"/web/firms/{FIRM_26}")
    form = {
        "visited_on": "2026-01-05",
        "finding": "no_crisis",
        "note": "",
        "csrf": csrf_of(page.text),
        field: value,
    }
    response = client.post(f"/web/firms/{FIRM_26}/visits", data=form)
    assert response.status_code == 422
    assert f'id="{field}_error"' in response.text
    if field == "note":
        assert value in response.text  # what was typed is kept


def test_analysts_read_visits_but_cannot_record_them(client: TestClient) -> None:
    sign_in(client, "analyst", None)
    page = client.get(f"/web/firms/{FIRM_26}")
    assert "visit-form" not in page.text
    before = len(audit_log(client))
    form = {"visited_on": "2026-01-05", "finding": "no_crisis", "csrf": csrf_of(page.text)}
    response = client.post(f"/web/firms/{FIRM_26}/visits", data=form)
    assert response.status_code == 403
    assert [a.outcome for a in audit_log(client)[before:]] == ["forbidden"]


def test_a_centre_cannot_record_a_visit_for_another_regions_firm(client: TestClient) -> None:
    sign_in(client, "center", "26")
    csrf = csrf_of(client.get(f"/web/firms/{FIRM_26}").text)
    before = len(audit_log(client))
    form = {"visited_on": "2026-01-05", "finding": "no_crisis", "csrf": csrf}
    response = client.post(f"/web/firms/{FIRM_11}/visits", data=form)
    assert response.status_code == 403 and FIRM_11 not in main_of(response.text)
    refused = audit_log(client)[before:]
    assert [(a.endpoint, a.outcome, a.subject_region) for a in refused] == [
        ("POST /web/firms/{firm_id}/visits", "forbidden", "11")
    ]


def test_the_region_page_shows_grades_trend_indicators_and_clusters(client: TestClient) -> None:
    sign_in(client)
    response = client.get("/web/regions/26")
    assert response.status_code == 200
    html = main_of(response.text)
    for part in ("chart-counts", "chart-line", "chart-reasons", "indicators-title"):
        assert part in html, part
    assert all(grade in html for grade in ("정상", "관심", "주의", "경계", "심각"))
    assert audit_log(client)[-1].endpoint == "GET /web/regions/{region}"


def test_an_unknown_region_is_404_and_audited(client: TestClient) -> None:
    sign_in(client, "analyst", None)
    assert client.get("/web/regions/99").status_code == 404
    assert audit_log(client)[-1].outcome == "not_found"


def test_analysts_see_all_regions_side_by_side(client: TestClient) -> None:
    sign_in(client, "analyst", None)
    html = main_of(client.get("/web/regions").text)
    assert len(re.findall(r'<a href="/web/regions/\d{2}">', html)) == 17


def test_the_print_report_shows_the_score_as_served(client: TestClient) -> None:
    sign_in(client)
    firm = client.get(f"/web/firms/{FIRM_26}").text
    link = re.search(r'href="(/web/scores/[0-9a-f-]{36}/print)"', firm)
    assert link is not None
    report = client.get(link[1])
    assert report.status_code == 200 and 'data-testid="pd"' in report.text
    pd_on_page = re.search(r'data-testid="pd">([^<]+)<', firm)
    assert pd_on_page is not None and pd_on_page[1] in report.text
    sign_in(client, "center", "11")
    assert client.get(link[1]).status_code == 403
    assert client.get("/web/scores/not-a-uuid/print").status_code == 404


def test_pages_forbid_framing_and_caching(client: TestClient) -> None:
    sign_in(client)
    headers = client.get(f"/web/firms/{FIRM_26}").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"


def test_every_word_a_template_uses_exists_in_both_languages() -> None:
    used: set[str] = set()
    for template in Path(HERE / "templates").glob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_]+)["']""", template.read_text()))
    roles = {f"role_{role}" for role in ("center", "analyst", "admin")}
    built = roles | {"status_new", "status_kept"}
    used = {name for name in used if not name.endswith("_")} | built  # t("role_" ~ role) …
    assert not used - set(i18n.TEXT)
    assert all(ko and en for ko, en in i18n.TEXT.values())


def test_probability_points_read_as_staff_expect() -> None:
    assert charts.points_text(0.0273) == "+2.7%p"
    assert charts.points_text(-0.004) == "−0.4%p"
    assert charts.points_text(-0.0001) == "0.0%p"


def test_reason_bars_draw_one_bar_per_reason_and_escape_labels() -> None:
    bars = [charts.Bar("부채<비율>", 0.02, "+2.0%p"), charts.Bar("업력", -0.01, "−1.0%p")]
    svg = str(charts.reason_bars(bars, "요인"))
    assert svg.count("<rect") == 2 and "부채&lt;비율&gt;" in svg
    assert 'role="img"' in svg and "<title>요인</title>" in svg


def test_a_firm_without_a_score_today_still_has_its_page(
    tmp_path: Path, panel: RawTables, loaded: LoadedModel
) -> None:
    newcomer = "2000000026"  # registered, no statement filed yet
    firms = pd.concat([panel.firms, normalise("firms", pd.DataFrame([firm(newcomer, "26")]))])
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'service.db'}", models_dir=tmp_path)
    app = create_app(settings, model=("1", loaded), tables=replace(panel, firms=firms))
    with TestClient(app, follow_redirects=False) as fresh:
        sign_in(fresh)
        response = fresh.get(f"/web/firms/{newcomer}")
        assert response.status_code == 200
        assert i18n.TEXT["not_scorable"][0] in response.text and "visit-form" in response.text
        assert audit_log(fresh)[-1].outcome == "not_scorable"
