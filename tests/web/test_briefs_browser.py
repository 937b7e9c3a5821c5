"""In Chromium: a 부산 centre opens the brief from its region page's "지역 브리프" button and
downloads the workbook and the PDF from the brief page reached that way (slow: a real browser,
and Chromium printing the PDF)."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.web import live

pytestmark = pytest.mark.slow


def test_a_centre_downloads_the_workbook_and_the_pdf_from_its_region_page(
    page: Page, base_url: str, web_keys: dict[str, str]
) -> None:
    live.sign_in(page, base_url, web_keys["center26"], "/web/regions/26")
    expect(page).to_have_url(re.compile(r"/web/regions/26$"))
    # The region page's own button, not the menu's link of the same name.
    button = page.locator(".page-head .actions").get_by_role("link", name="지역 브리프")
    expect(button).to_have_attribute("href", "/web/briefs/26")
    with page.expect_navigation(timeout=120_000):  # the first brief scores 6 dates
        button.click()
    expect(page).to_have_url(re.compile(r"/web/briefs/26$"))
    expect(page.get_by_test_id("stage")).to_contain_text(re.compile("안정|유의|위험"))
    with page.expect_download() as workbook:
        page.locator("[data-download=xlsx]").click()
    assert workbook.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(workbook.value.path().read_bytes()))
    assert {"stage", "industry_district", "capacity"} <= set(book.sheetnames)
    with page.expect_download(timeout=120_000) as printed:
        page.locator("[data-download=pdf]").click()
    assert printed.value.suggested_filename.endswith(".pdf")
    assert printed.value.path().read_bytes()[:5] == b"%PDF-"
