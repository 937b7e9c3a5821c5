"""The casework loop in a real browser (Debian's Chromium): a named 부산 staff member signs in
with a password, takes a case from the watch list, records a call and a visit with a programme,
sets the next follow-up date, and the watch list shows the stage, the owner and the date."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, expect

from core import clock
from serving.access.people import create_user

pytestmark = pytest.mark.slow  # a real Chromium: CI runs it, the fast loop does not


def _record(page: Page, contact: str, programme: str = "", amount: str = "") -> None:
    page.locator("#visited_on").fill(clock.seoul_today().isoformat())
    page.locator("#contact_type").select_option(contact)
    page.locator("#finding").select_option("crisis_confirmed")
    page.locator("#programme").fill(programme)
    page.locator("#amount").fill(amount)
    page.locator("form.visit-form[action$='/visits'] button[type=submit]").click()
    expect(page.get_by_role("status")).to_contain_text("방문 결과를 저장했습니다")


def test_a_named_person_takes_a_case_calls_visits_and_sets_the_next_date(
    page: Page, base_url: str, web_app: FastAPI
) -> None:
    create_user(web_app.state.engine, "busan-seo", "서지우", "center", "26", 12, "correct-horse-26")
    page.goto(f"{base_url}/web/sign-in")
    page.locator("#username").fill("busan-seo")
    page.locator("#password").fill("correct-horse-26")
    page.locator("#password").press("Enter")
    expect(page).to_have_url(re.compile(r"/web/regions/26/watchlist"))

    row = page.locator("table.watchlist tbody tr").first
    expect(row.get_by_test_id("case-cell")).to_contain_text("미접촉")
    row.locator("a[href^='/web/firms/']").click()
    firm_url = page.url

    page.get_by_test_id("case-take").click()
    expect(page.get_by_test_id("case-owner")).to_contain_text("서지우")
    _record(page, "phone")
    expect(page.get_by_test_id("case-status")).to_contain_text("연락")
    _record(page, "visit", "중진공 긴급경영안정자금", "50000")
    expect(page.get_by_test_id("case-status")).to_contain_text("방문")
    visits = page.get_by_test_id("visits")
    expect(visits).to_contain_text("중진공 긴급경영안정자금")
    expect(visits).to_contain_text("서지우")

    due = (clock.seoul_today() + dt.timedelta(days=5)).isoformat()
    page.locator("#case_next").fill(due)
    page.locator("#case_note").fill("서류 보완 후 재방문")
    page.get_by_test_id("case-save").click()
    expect(page.get_by_test_id("case-next")).to_contain_text(due)
    expect(page.get_by_test_id("case-events")).to_contain_text("서류 보완 후 재방문")

    page.goto(f"{base_url}/web/regions/26/watchlist?sort=due")
    first = page.locator("table.watchlist tbody tr").first
    expect(first.locator("a[href^='/web/firms/']")).to_have_attribute(
        "href", firm_url.removeprefix(base_url)
    )
    expect(first.get_by_test_id("case-cell")).to_contain_text("방문")
    expect(first.get_by_test_id("case-cell")).to_contain_text("서지우")
    expect(first.get_by_test_id("due-cell")).to_contain_text(due)
    expect(page.get_by_test_id("workload")).to_contain_text("서지우")
