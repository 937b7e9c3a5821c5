"""Staff pages for the firms real panels bring: no region, vendor ids, stale statements,
firms already in the predicted state (issue 10)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from core.bundle import LoadedModel
from tests.serving import unrated_world as w
from tests.serving.support import TestClient
from tests.web.client import main_of, sign_in

NAN = re.compile(r"\bnan\b|\bNaN\b|&lt;NA&gt;|<NA>|\bNaT\b|\bNone\b")


@pytest.fixture(scope="module")
def world_panel() -> Any:
    return w.world()


@pytest.fixture(scope="module")
def pages(
    tmp_path_factory: pytest.TempPathFactory, world_panel: Any, loaded: LoadedModel
) -> Iterator[TestClient]:
    app = w.app(tmp_path_factory.mktemp("web-unrated"), world_panel, loaded)
    with TestClient(app, follow_redirects=False) as client:
        yield client


@pytest.fixture(scope="module")
def marginal_pages(
    tmp_path_factory: pytest.TempPathFactory, world_panel: Any, loaded: LoadedModel
) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("web-marginal")
    app = w.app(folder, world_panel, w.marginal_model(loaded))
    with TestClient(app, follow_redirects=False) as client:
        yield client


def _main(client: TestClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.text[:500]
    return main_of(response.text)


def test_a_firm_without_a_region_has_a_page_for_analysts_only(pages: TestClient) -> None:
    sign_in(pages, "analyst", None)
    html = _main(pages, f"/web/firms/{w.NO_REGION}")
    assert "지역 미상" in html and not NAN.search(html)
    assert "지역 미상" in _main(pages, "/web/regions")
    for path in ("/web/regions/00", "/web/regions/00/watchlist"):
        html = _main(pages, path)
        assert w.NO_REGION in html or "지역 미상" in html
        assert not NAN.search(html)
    sign_in(pages, "center", "26")
    _main(pages, f"/web/firms/{w.NO_REGION}", 403)
    _main(pages, "/web/regions/00/watchlist", 403)


def test_a_vendor_code_opens_its_page(pages: TestClient) -> None:
    sign_in(pages, "center", "26")
    html = _main(pages, f"/web/firms/{w.VENDOR}")
    assert w.VENDOR in html and not NAN.search(html)
    assert pages.get("/web/firms?firm_id=090414").headers["location"] == "/web/firms/090414"


def test_a_stale_firm_page_says_so_with_the_statement_date(pages: TestClient) -> None:
    sign_in(pages, "center", "26")
    html = _main(pages, f"/web/firms/{w.STALE}")
    assert "자료 오래됨 (최근 재무제표 2021-12-31)" in html
    assert 'data-testid="pd"' not in html and not NAN.search(html)
    watch = _main(pages, "/web/regions/26/watchlist?capacity=100")
    assert 'data-testid="unrated"' in watch and w.STALE in watch.split('data-testid="unrated"')[1]


def test_a_firm_with_missing_values_shows_no_nan(pages: TestClient) -> None:
    sign_in(pages, "center", "26")
    html = _main(pages, f"/web/firms/{w.GAPS}")
    assert not NAN.search(html)
    assert "기준 확률" in html  # base_pd is explained beside the base rate


def test_a_marginal_model_page_shows_the_state_and_names_its_event(
    marginal_pages: TestClient,
) -> None:
    sign_in(marginal_pages, "center", "26")
    html = _main(marginal_pages, f"/web/firms/{w.MARGINAL}")
    assert "이미 한계기업" in html and 'data-testid="pd"' not in html
    other = _main(marginal_pages, f"/web/firms/{w.VENDOR}")
    assert "한계기업 진입 위험" in other and "부도위험" not in other
