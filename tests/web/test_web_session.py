"""Sign-in, the session cookie, CSRF and region rules of the staff pages (no browser needed)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.access.keys import create_key, revoke_key
from serving.access.sessions import COOKIE
from serving.store.tables import WebSession
from tests.serving.support import FIRM_11, FIRM_26, TestClient
from tests.web.client import audit_log, csrf_of, engine_of, main_of, post_sign_in, sign_in


def test_pages_send_the_browser_to_sign_in_first(client: TestClient) -> None:
    client.cookies.clear()
    response = client.get(f"/web/firms/{FIRM_26}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/web/sign-in?next=%2Fweb%2Ffirms%2F{FIRM_26}"


def test_sign_in_sets_an_opaque_httponly_samesite_cookie(client: TestClient) -> None:
    key = create_key(engine_of(client), "center", "26")
    client.cookies.clear()
    response = post_sign_in(client, {"api_key": key, "next": f"/web/firms/{FIRM_26}"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/web/firms/{FIRM_26}"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie
    assert "SameSite=lax" in cookie and "Path=/web" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    assert key not in cookie and key[4:] not in cookie and len(token) >= 40
    with Session(engine_of(client)) as session:
        stored = " ".join(s.token_hash for s in session.scalars(select(WebSession)))
    assert token not in stored  # only its hash is kept
    assert client.get(f"/web/firms/{FIRM_26}").status_code == 200


def test_an_unknown_key_is_refused_and_audited(client: TestClient) -> None:
    client.cookies.clear()
    before = len(audit_log(client))
    response = post_sign_in(client, {"api_key": "ews_not-a-key", "next": "/web/"})
    assert response.status_code == 401 and COOKIE not in response.headers.get("set-cookie", "")
    assert 'role="alert"' in response.text
    assert [(a.endpoint, a.outcome) for a in audit_log(client)[before:]] == [
        ("POST /web/sign-in", "unauthorised")
    ]


def test_sign_in_never_redirects_to_another_site(client: TestClient) -> None:
    key = create_key(engine_of(client), "analyst")
    for target in ("https://evil.example/", "//evil.example/web/", "/v1/model"):
        client.cookies.clear()
        response = post_sign_in(client, {"api_key": key, "next": target})
        assert response.headers["location"] == "/web/"


def test_sign_out_ends_the_session_even_for_a_replayed_cookie(client: TestClient) -> None:
    sign_in(client)
    token = client.cookies[COOKIE]
    page = client.get(f"/web/firms/{FIRM_26}")
    response = client.post("/web/sign-out", data={"csrf": csrf_of(page.text)})
    assert response.status_code == 303 and response.headers["location"].startswith("/web/sign-in")
    assert f'{COOKIE}=""' in response.headers["set-cookie"]
    client.cookies.set(COOKIE, token, path="/web")
    assert client.get(f"/web/firms/{FIRM_26}").status_code == 303


def test_forms_without_the_session_csrf_token_are_refused(client: TestClient) -> None:
    sign_in(client)
    response = client.post("/web/sign-out", data={"csrf": "forged"})
    assert response.status_code == 400
    assert client.get(f"/web/firms/{FIRM_26}").status_code == 200  # still signed in


def test_a_revoked_key_ends_its_sessions(client: TestClient) -> None:
    key = sign_in(client)
    assert client.get(f"/web/firms/{FIRM_26}").status_code == 200
    assert revoke_key(engine_of(client), key)
    assert client.get(f"/web/firms/{FIRM_26}").status_code == 303


def test_a_centre_cannot_open_another_regions_firm_page(client: TestClient) -> None:
    sign_in(client, "center", "26")
    before = len(audit_log(client))
    response = client.get(f"/web/firms/{FIRM_11}")
    assert response.status_code == 403
    main = main_of(response.text)
    assert FIRM_11 not in main and "%" not in main and "grade-" not in response.text
    refused = audit_log(client)[before:]
    assert [(a.endpoint, a.outcome, json.loads(a.firm_ids), a.region) for a in refused] == [
        ("GET /web/firms/{firm_id}", "forbidden", [FIRM_11], "26")
    ]


@pytest.mark.parametrize("path", ["/web/regions/11", "/web/regions/11/watchlist"])
def test_a_centre_cannot_open_another_regions_pages(client: TestClient, path: str) -> None:
    sign_in(client, "center", "26")
    before = len(audit_log(client))
    response = client.get(path)
    assert response.status_code == 403
    assert [a.outcome for a in audit_log(client)[before:]] == ["forbidden"]


def test_an_analyst_opens_any_region_and_firm(client: TestClient) -> None:
    sign_in(client, "analyst", None)
    assert client.get("/web/").headers["location"] == "/web/regions"
    for path in (f"/web/firms/{FIRM_11}", f"/web/firms/{FIRM_26}", "/web/regions/11"):
        assert client.get(path).status_code == 200, path


def test_firm_page_view_is_a_scored_and_audited_look_up(client: TestClient) -> None:
    sign_in(client)
    before = len(audit_log(client))
    html = client.get(f"/web/firms/{FIRM_26}").text
    rows = audit_log(client)[before:]
    assert [(a.endpoint, a.outcome) for a in rows] == [("GET /web/firms/{firm_id}", "ok")]
    assert rows[0].score_id and f"/web/scores/{rows[0].score_id}/print" in html
    assert 'class="grade grade-' in html and "<svg" in html


def test_unknown_firms_get_a_404_page(client: TestClient) -> None:
    sign_in(client, "analyst", None)
    assert client.get("/web/firms/9999999999").status_code == 404
    assert client.get("/web/firms/not-a-firm").status_code == 404


def test_a_centre_gets_the_same_403_page_for_unknown_and_foreign_firms(client: TestClient) -> None:
    sign_in(client)  # centre 26
    pages = [client.get(f"/web/firms/{firm}") for firm in ("9999999999", FIRM_11, "not-a-firm")]
    assert {p.status_code for p in pages} == {403}
    assert len({main_of(p.text) for p in pages}) == 1


def test_the_english_switch_is_remembered(client: TestClient) -> None:
    sign_in(client)
    korean = client.get(f"/web/firms/{FIRM_26}")
    assert '<html lang="ko">' in korean.text
    english = client.get(f"/web/firms/{FIRM_26}?lang=en")
    assert '<html lang="en">' in english.text and "Sign out" in english.text
    assert "ews_lang=en" in english.headers["set-cookie"]
    assert '<html lang="en">' in client.get(f"/web/firms/{FIRM_26}").text
    client.get(f"/web/firms/{FIRM_26}?lang=ko")


def test_pages_load_nothing_from_other_sites(client: TestClient) -> None:
    sign_in(client)
    html = client.get(f"/web/firms/{FIRM_26}").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith(("/", "#", "http://testserver")) for s in sources)
    assert client.get("/web/static/app.css").headers["content-type"].startswith("text/css")
    assert client.get("/web/static/missing.css").status_code == 404
