"""The staff pages in a real browser: Debian's Chromium, headless, driven by Playwright.

A 부산 centre signs in, works down its watch list, opens a firm, records a visit and sees it
listed; typing another region's firm URL gets a 403 page and an audit row; sign-out, the
English switch, keyboard-only use and the tablet width are checked too.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.store.tables import AuditEntry
from tests.serving.support import FIRM_11, FIRM_26
from tests.web import live

# A real Chromium per test module (~25 s): CI runs them; the fast loop does not.
pytestmark = pytest.mark.slow


def _audit(app: FastAPI) -> list[AuditEntry]:
    with Session(app.state.engine) as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_a_centre_works_down_its_watch_list_and_records_a_visit(
    page: Page, base_url: str, web_keys: dict[str, str]
) -> None:
    live.sign_in(page, base_url, web_keys["center26"])
    expect(page).to_have_url(re.compile(r"/web/regions/26/watchlist"))
    expect(page.locator("h1")).to_contain_text("관찰 대상 목록")
    page.locator("#capacity").fill("5")
    page.locator("form.filters button[type=submit]").click()
    rows = page.locator("table.watchlist tbody tr")
    expect(rows).to_have_count(5)

    rows.first.locator("a[href^='/web/firms/']").click()
    expect(page).to_have_url(re.compile(r"/web/firms/\d{10}$"))
    expect(page.get_by_test_id("grade")).to_contain_text(re.compile("정상|관심|주의|경계|심각"))
    expect(page.get_by_test_id("pd")).to_contain_text("%")
    expect(page.locator("svg.chart-reasons rect")).not_to_have_count(0)

    visited = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    page.get_by_label("방문일").fill(visited)
    page.get_by_label("확인 결과").select_option("supported")
    page.get_by_label("메모").fill("운전자금 애로, 정책자금 연계")
    page.get_by_role("button", name="저장").click()
    expect(page.get_by_role("status")).to_contain_text("방문 결과를 저장했습니다")
    visits = page.get_by_test_id("visits")
    expect(visits).to_contain_text(visited)
    expect(visits).to_contain_text("지원 연계")
    expect(visits).to_contain_text("운전자금 애로, 정책자금 연계")


def test_a_typed_url_of_another_regions_firm_is_refused_and_audited(
    page: Page, base_url: str, web_keys: dict[str, str], web_app: FastAPI
) -> None:
    live.sign_in(page, base_url, web_keys["center26"])
    before = len(_audit(web_app))
    response = page.goto(f"{base_url}/web/firms/{FIRM_11}")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("접근 권한이 없습니다")
    expect(page.locator("main")).not_to_contain_text(FIRM_11)
    refused = [
        (a.endpoint, a.outcome, json.loads(a.firm_ids), a.region) for a in _audit(web_app)[before:]
    ]
    assert refused == [("GET /web/firms/{firm_id}", "forbidden", [FIRM_11], "26")]

    response = page.goto(f"{base_url}/web/regions/11/watchlist")
    assert response is not None and response.status == 403


def test_sign_out_closes_the_pages(page: Page, base_url: str, web_keys: dict[str, str]) -> None:
    live.sign_in(page, base_url, web_keys["center26"], f"/web/firms/{FIRM_26}")
    expect(page.get_by_test_id("pd")).to_be_visible()
    page.get_by_role("button", name="로그아웃").click()
    expect(page.get_by_role("status")).to_contain_text("로그아웃했습니다")
    assert not [c for c in page.context.cookies() if c["name"] == "ews_session"]
    page.goto(f"{base_url}/web/firms/{FIRM_26}")
    expect(page).to_have_url(re.compile(r"/web/sign-in\?next="))


def test_the_english_switch_changes_and_remembers_the_language(
    page: Page, base_url: str, web_keys: dict[str, str]
) -> None:
    live.sign_in(page, base_url, web_keys["center26"], f"/web/firms/{FIRM_26}")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    page.get_by_role("link", name="Switch to English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("grade")).to_contain_text(
        re.compile("normal|attention|caution|alert|severe")
    )
    page.get_by_role("link", name="Watch list").click()
    expect(page.locator("h1")).to_contain_text("Watch list")
    page.get_by_role("link", name="한국어로 보기").click()
    expect(page.locator("html")).to_have_attribute("lang", "ko")


def test_keyboard_alone_reaches_the_main_controls(
    page: Page, base_url: str, web_keys: dict[str, str]
) -> None:
    page.goto(f"{base_url}/web/sign-in")
    expect(page.locator("#username")).to_be_focused()  # autofocus lands after the first frame
    for _ in range(3):  # past the password and its button, to the API key's form
        page.keyboard.press("Tab")
    expect(page.locator("#api_key")).to_be_focused()
    page.keyboard.type(web_keys["center26"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/web/regions/26/watchlist"))

    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("본문으로 건너뛰기")
    page.keyboard.press("Enter")
    reached = _tab_until(page, "#capacity")
    assert reached, "Tab never reached the capacity field"
    assert _has_focus_ring(page)
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    expect(page.locator("table.watchlist tbody tr")).to_have_count(3)

    assert _tab_until(page, "table.watchlist a[href^='/web/firms/']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/web/firms/\d{10}$"))  # and its load event: Tab acts now
    assert _tab_until(page, "#visited_on") and _has_focus_ring(page)
    assert _tab_until(page, "form.visit-form button[type=submit]")


def test_pages_fit_a_tablet_without_sideways_scrolling(
    browser: Browser, base_url: str, web_keys: dict[str, str]
) -> None:
    context = browser.new_context(viewport=live.TABLET, locale="ko-KR")
    page = context.new_page()
    live.sign_in(page, base_url, web_keys["center26"], f"/web/firms/{FIRM_26}")
    for path in (f"/web/firms/{FIRM_26}", "/web/regions/26/watchlist", "/web/regions/26"):
        page.goto(f"{base_url}{path}")
        fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert fits, f"{path} scrolls sideways at 768 px"
    context.close()


def _tab_until(page: Page, selector: str, limit: int = 80) -> bool:
    """Press Tab until ``selector`` has focus (False if it never does within ``limit``)."""
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return True
    return False


def _has_focus_ring(page: Page) -> bool:
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth]; }"
    )
    return style[0] != "none" and style[1] not in ("0px", "")
