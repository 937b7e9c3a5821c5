"""Signing an in-process TestClient in, as a browser would, and reading what pages left behind."""

from __future__ import annotations

import re

from httpx import Response
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from serving.access.keys import create_key
from serving.store.tables import AuditEntry
from tests.serving.support import TestClient


def engine_of(client: TestClient) -> Engine:
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    return engine


def audit_log(client: TestClient) -> list[AuditEntry]:
    with Session(engine_of(client)) as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def sign_in(client: TestClient, role: str = "center", region: str | None = "26") -> str:
    """Sign a fresh key in through the form; returns the key. The client keeps the cookie."""
    key = create_key(engine_of(client), role, region)
    client.cookies.clear()
    response = post_sign_in(client, {"api_key": key, "next": "/web/"})
    assert response.status_code == 303, response.text
    return key


def post_sign_in(client: TestClient, form: dict[str, str]) -> Response:
    """Open the sign-in form (its CSRF cookie and field), then post ``form`` with the token."""
    token = csrf_of(client.get("/web/sign-in").text)
    return client.post("/web/sign-in", data={**form, "csrf": token})


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def main_of(html: str) -> str:
    """The page's <main> only (the header echoes the URL in the language switch)."""
    return html.split("<main", 1)[1].split("</main>", 1)[0]
