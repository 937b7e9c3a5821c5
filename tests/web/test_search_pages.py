"""The header's search box, the data dates on every page and the menu on error pages."""

from __future__ import annotations

import re

from tests.serving.support import TestClient
from tests.web.client import audit_log, main_of, sign_in


def _firms_of(client: TestClient, region: str) -> list[str]:
    firms = client.app.state.service.snapshot.tables.firms  # type: ignore[attr-defined]
    return firms.loc[firms["region"] == region, "firm_id"].astype(str).tolist()


def test_a_name_search_lists_only_the_centres_own_firms(client: TestClient) -> None:
    sign_in(client, "center", "26")
    response = client.get("/web/search", params={"q": "테스트"})
    assert response.status_code == 200
    main = main_of(response.text)
    listed = set(re.findall(r'href="/web/firms/([^"]+)"', main))
    assert listed, "the centre's firms are found by part of their name"
    assert listed <= set(_firms_of(client, "26"))
    assert not listed & set(_firms_of(client, "11"))
    assert audit_log(client)[-1].endpoint == "GET /web/search"


def test_a_number_goes_straight_to_the_firm_page(client: TestClient) -> None:
    sign_in(client, "center", "26")
    firm_id = _firms_of(client, "26")[0]
    response = client.get("/web/search", params={"q": f" {firm_id} "})
    assert response.status_code == 303
    assert response.headers["location"] == f"/web/firms/{firm_id}"


def test_a_one_letter_query_is_explained_not_searched(client: TestClient) -> None:
    sign_in(client, "center", "26")
    response = client.get("/web/search", params={"q": "(주)테"})
    assert response.status_code == 422
    assert 'data-testid="search-error"' in response.text


def test_every_page_says_how_old_its_data_are(client: TestClient) -> None:
    sign_in(client, "center", "26")
    snapshot = client.app.state.service.snapshot  # type: ignore[attr-defined]
    for path in ("/web/regions/26", "/web/regions/26/watchlist", "/web/search?q=테스트"):
        html = client.get(path).text
        assert 'data-testid="data-dates"' in html, path
        assert f'datetime="{snapshot.as_of.date()}"' in html, path
    assert 'data-testid="data-dates"' in client.get("/web/sign-in").text


def test_an_error_page_keeps_the_menu(client: TestClient) -> None:
    """A centre opening another region's firm gets a 403 page, still with its own menu."""
    sign_in(client, "center", "26")
    response = client.get(f"/web/firms/{_firms_of(client, '11')[0]}")
    assert response.status_code == 403
    assert 'class="nav"' in response.text
    assert 'href="/web/regions/26/watchlist"' in response.text
    assert 'action="/web/search"' in response.text
