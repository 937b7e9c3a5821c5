"""Sign-in abuse (issue 12, finding 7): a CSRF token on the form, and lock-out after repeated
failures from one address or for one key prefix."""

from __future__ import annotations

import secrets

from fastapi import FastAPI

from serving.access.keys import create_key
from serving.access.sessions import COOKIE, SIGN_IN_CSRF
from tests.serving.support import TestClient
from tests.web.client import csrf_of, engine_of, post_sign_in


def test_the_form_carries_a_token_matching_its_cookie(client: TestClient) -> None:
    client.cookies.clear()
    response = client.get("/web/sign-in")
    assert csrf_of(response.text) == response.cookies[SIGN_IN_CSRF]
    assert "HttpOnly" in response.headers["set-cookie"]


def test_sign_in_without_the_csrf_token_is_refused(client: TestClient) -> None:
    key = create_key(engine_of(client), "analyst")
    client.cookies.clear()
    client.get("/web/sign-in")
    bare = client.post("/web/sign-in", data={"api_key": key, "next": "/web/"})
    assert bare.status_code == 400 and COOKIE not in bare.cookies
    wrong = client.post("/web/sign-in", data={"api_key": key, "csrf": "forged"})
    assert wrong.status_code == 400 and COOKIE not in wrong.cookies
    client.cookies.clear()  # another site's form: a token but no cookie
    forged = client.post("/web/sign-in", data={"api_key": key, "csrf": "x" * 32})
    assert forged.status_code == 400 and COOKIE not in forged.cookies


def _bad_key() -> str:
    return "ews_" + secrets.token_urlsafe(24)


def test_repeated_bad_sign_ins_lock_the_address_out(
    client_app: FastAPI, client: TestClient
) -> None:
    attacker = TestClient(client_app, client=("203.0.113.50", 40000), follow_redirects=False)
    statuses = [post_sign_in(attacker, {"api_key": _bad_key()}).status_code for _ in range(10)]
    assert statuses == [401] * 10
    good = create_key(engine_of(client), "analyst")
    locked = post_sign_in(attacker, {"api_key": good})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
    assert COOKIE not in locked.cookies and 'role="alert"' in locked.text
    elsewhere = TestClient(client_app, client=("198.51.100.50", 40000), follow_redirects=False)
    assert post_sign_in(elsewhere, {"api_key": good}).status_code == 303


def test_repeated_bad_sign_ins_lock_one_key_prefix_out(
    client_app: FastAPI, client: TestClient
) -> None:
    good = create_key(engine_of(client), "analyst")
    for i in range(10):  # each from another address, all for this key's prefix
        guesser = TestClient(client_app, client=(f"203.0.113.{100 + i}", 40000))
        assert post_sign_in(guesser, {"api_key": good[:8] + "x" * 24}).status_code == 401
    owner = TestClient(client_app, client=("198.51.100.60", 40000), follow_redirects=False)
    assert post_sign_in(owner, {"api_key": good}).status_code == 429
    other = create_key(engine_of(client), "analyst")
    assert other[:8] != good[:8]
    assert post_sign_in(owner, {"api_key": other}).status_code == 303
