"""Layout in a real browser: a phone's 390 px, the A4 printable report, the saved notice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import Browser, Page, expect

from core.bundle import LoadedModel
from core.settings import Settings
from features.tables import RawTables
from serving.access.keys import create_key
from serving.app import create_app
from tests.serving.support import FIRM_26
from tests.web import live

pytestmark = pytest.mark.slow  # a real Chromium

PHONE = {"width": 390, "height": 844}
# A4 less the @page margins (12 mm a side) at 96 px per inch: the width the report prints at.
A4_PRINTABLE = {"width": round((210 - 24) / 25.4 * 96), "height": 1100}
# Cells whose text is squeezed narrower than this many characters print a letter a line.
NARROWEST_CELL_EM = 2.5


@pytest.fixture(scope="module")
def clustered_url(
    tmp_path_factory: pytest.TempPathFactory, panel: RawTables, loaded: LoadedModel
) -> Iterator[tuple[str, str]]:
    """The web world with its firms in named clusters (the longest names the demo has) and
    one code no table knows; served live, with a 부산 centre key."""
    firms = panel.firms.copy()
    number = firms["firm_id"].astype(int)
    codes = np.array(["41-C01", "26-C01", "26-C04", "26-PLANT-7"], dtype=object)
    firms["cluster_id"] = pd.array(codes[number % 4], dtype="string")
    firms.loc[firms["region"] == "26", "cluster_id"] = pd.array(
        codes[1:][number[firms["region"] == "26"] % 3], dtype="string"
    )
    folder = tmp_path_factory.mktemp("clustered-web")
    settings = Settings(database_url=f"sqlite:///{folder / 'service.db'}", models_dir=folder)
    app = create_app(settings, model=("1", loaded), tables=replace(panel, firms=firms))
    with live.serve(app) as base:
        yield base, create_key(app.state.engine, "center", "26")


def test_region_and_firm_pages_fit_a_phone(
    browser: Browser, clustered_url: tuple[str, str]
) -> None:
    base_url, key = clustered_url
    context = browser.new_context(viewport=PHONE, locale="ko-KR")
    page = context.new_page()
    live.sign_in(page, base_url, key, "/web/regions/26")
    for path in ("/web/regions/26", f"/web/firms/{FIRM_26}", "/web/regions/26?lang=en"):
        page.goto(f"{base_url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width} px wide at 390 px"
    page.goto(f"{base_url}/web/regions/26?lang=ko")  # the English visit is remembered
    expect(page.locator("main")).to_contain_text("부산 녹산국가산업단지")
    context.close()


def _squeezed_cells(page: Page) -> list[str]:
    return page.evaluate(
        """(narrowest) => [...document.querySelectorAll('main th, main td')]
          .filter(cell => cell.textContent.trim().length >= 3)
          .filter(cell => {
            const size = parseFloat(getComputedStyle(cell).fontSize);
            return cell.getBoundingClientRect().width < narrowest * size;
          })
          .map(cell => cell.textContent.trim())""",
        NARROWEST_CELL_EM,
    )


def test_the_printed_report_keeps_words_whole_on_a4(
    browser: Browser, base_url: str, web_keys: dict[str, str]
) -> None:
    context = browser.new_context(viewport=A4_PRINTABLE, locale="ko-KR")
    page = context.new_page()
    live.sign_in(page, base_url, web_keys["center26"], f"/web/firms/{FIRM_26}")
    page.goto(f"{base_url}/web/firms/{FIRM_26}")
    page.locator("a[href$='/print']").click()
    page.wait_for_url(re.compile(r"/print$"))
    page.emulate_media(media="print")
    assert _squeezed_cells(page) == []
    expect(page.locator("[data-testid=history]")).to_be_visible()
    expect(page.locator(".sign-off-fields")).to_be_visible()
    assert page.pdf(format="A4")[:4] == b"%PDF"
    context.close()


def test_the_saved_notice_is_in_view_and_focused(
    page: Page, base_url: str, web_keys: dict[str, str]
) -> None:
    """Where the visit form sends the browser after saving: the notice is seen, not above."""
    live.sign_in(page, base_url, web_keys["center26"], f"/web/firms/{FIRM_26}")
    page.goto(f"{base_url}/web/firms/{FIRM_26}?saved=1#visits")
    notice = page.locator("#saved-notice")
    expect(notice).to_be_focused()
    expect(notice).to_be_in_viewport()
