"""Named staff in a real browser (Debian's Chromium, headless): a 부산 staff member signs in with
a password and lands on the watch list with their name audited; an admin revokes a key on the
keys page and the next API request with it is refused; the audit page finds a person's rows."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, expect

from serving.access import people
from serving.access.keys import create_key
from tests.serving.support import FIRM_26

# A real Chromium per test module: CI runs them; the fast loop does not.
pytestmark = pytest.mark.slow

PASSWORD = "부산센터 browser 2026"


def _person(app: FastAPI, username: str, role: str = "center", region: str | None = "26") -> None:
    if people.find_user(app.state.engine, username) is None:
        people.create_user(app.state.engine, username, "최수빈", role, region, None, PASSWORD)


def _sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/web/sign-in")
    expect(page.locator("#username")).to_be_focused()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_load_state()


def test_a_staff_member_signs_in_with_a_password(
    page: Page, base_url: str, web_app: FastAPI
) -> None:
    _person(web_app, "choi.subin")
    page.goto(f"{base_url}/web/sign-in")
    page.get_by_label("아이디", exact=True).fill("choi.subin")
    page.get_by_label("비밀번호", exact=True).fill("not the password")
    page.get_by_role("button", name="로그인", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("아이디 또는 비밀번호가 맞지 않습니다")
    expect(page.locator("#username")).to_have_value("choi.subin")
    _sign_in(page, base_url, "choi.subin")
    expect(page).to_have_url(re.compile(r"/web/regions/26/watchlist"))


def test_an_admin_revokes_a_key_and_the_next_request_is_refused(
    page: Page, base_url: str, web_app: FastAPI
) -> None:
    key = create_key(web_app.state.engine, "center", "26")
    scored = httpx.post(
        f"{base_url}/v1/scores", json={"firm_id": FIRM_26}, headers={"X-API-Key": key}
    )
    assert scored.status_code == 200
    _person(web_app, "koo.bonseok", "admin", None)
    _sign_in(page, base_url, "koo.bonseok")
    page.get_by_role("link", name="관리", exact=True).click()
    page.get_by_role("link", name="API 키").click()
    row = page.locator("table[data-testid=keys] tr", has_text=key[:8])
    row.get_by_role("button", name=re.compile("즉시 폐기")).click()
    expect(page.get_by_role("status")).to_contain_text("다음 요청부터 거부됩니다")
    refused = httpx.post(
        f"{base_url}/v1/scores", json={"firm_id": FIRM_26}, headers={"X-API-Key": key}
    )
    assert refused.status_code == 401

    page.goto(f"{base_url}/web/admin/audit")
    page.get_by_label("사람", exact=True).select_option("koo.bonseok")
    page.get_by_role("button", name="기록 찾기").click()
    expect(page.get_by_test_id("audit")).to_contain_text("/web/admin/keys/{key_id}/revoke")
    expect(page.get_by_test_id("audit-csv")).to_have_attribute("href", re.compile("person=koo"))
