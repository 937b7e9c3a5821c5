"""In Chromium: a 부산 centre opens '이번 달 변화' from the menu and sees the firm that got a new
4대보험 체납 this month, the failed firm marked in words, and the digest (slow: a real browser)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, expect

from features.tables import RawTables
from tests.serving.changes_world import MonthIds, month_ids, write_month
from tests.web import live

pytestmark = pytest.mark.slow


@pytest.fixture
def ids(web_app: FastAPI, panel: RawTables) -> Iterator[MonthIds]:
    found = month_ids(panel)
    path = write_month(web_app.state.settings.data_dir, found)
    yield found
    path.unlink()


def test_the_monthly_view_shows_a_firm_with_a_new_arrears_event(
    page: Page, base_url: str, web_keys: dict[str, str], ids: MonthIds
) -> None:
    live.sign_in(page, base_url, web_keys["center26"])
    page.get_by_role("navigation").get_by_role("link", name="이번 달 변화").click()
    expect(page).to_have_url(re.compile(r"/web/changes/26$"))
    triggers = page.get_by_test_id("changes-triggers")
    row = triggers.get_by_role("row").filter(has_text=ids.trigger)
    expect(row).to_contain_text("4대보험 체납")
    expect(row.get_by_role("link")).to_have_attribute("href", f"/web/firms/{ids.trigger}")
    failed = page.get_by_test_id("changes-failed").get_by_role("row").filter(has_text=ids.failed)
    expect(failed).to_contain_text("부도·폐업")
    expect(failed).to_contain_text("2026-11-12")
    page.get_by_role("link", name="이번 달 요약 (담당자별)").click()
    expect(page).to_have_url(re.compile(r"/web/changes/26/digest\?month=2026-11$"))
    expect(page.get_by_test_id("digest-centre")).to_contain_text(ids.failed)
