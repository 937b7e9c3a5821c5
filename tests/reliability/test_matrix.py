"""Every route × every kind of caller, against one policy table.

The routes come from ``app.routes``, so a new route without a row in ``POLICY`` fails. Each
keyed route is asked about a subject in one region (a firm, its region, a score of it) by seven
callers: no key, a wrong key, a revoked key, the subject's own centre, another region's centre,
an analyst and an admin. Pages are asked with a session cookie for the same keys. A leak is an
other-region centre that got the subject's data.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy.orm import Session

from core.bundle import LoadedModel
from features.tables import RawTables
from serving.access.keys import create_key, find_key, revoke_key
from serving.access.sessions import COOKIE, open_session, resolve
from tests.reliability.conftest import Service, scaled
from tests.serving.support import FIRM_11, FIRM_26
from tests.serving.test_monitoring import _write_report

# Every route x every caller on its own service world (~11 s): CI runs it; the fast loop
# keeps tests/serving/test_access.py and the policy table.
pytestmark = pytest.mark.slow

CALLERS: Final = ("none", "bad", "revoked", "own", "other", "analyst", "admin")
KEYED: Final = frozenset({"own", "other", "analyst", "admin"})
# Who may: "all" (anyone, no key), or the keyed callers allowed. Denied callers get 401, 403,
# 404 (a centre is told nothing about other regions), 429, or a page's sign-in redirect.
ALL, READ, ADMIN, WRITE = (
    "all",
    KEYED - {"other"},
    frozenset({"admin"}),
    frozenset({"own", "admin"}),
)
EVERY_KEY = KEYED  # allowed, but an other-region centre must see none of the subject's data
POLICY: Final[dict[str, str | frozenset[str]]] = {
    "GET /openapi.json": ALL,
    "GET /docs": ALL,
    "GET /docs/oauth2-redirect": ALL,
    "GET /redoc": ALL,
    "GET /healthz": ALL,
    "GET /readyz": ALL,
    "GET /metrics": ALL,
    "POST /v1/scores": READ,
    "POST /v1/scores/batch": EVERY_KEY,
    "GET /v1/scores/{score_id}": READ,
    "GET /v1/firms/{firm_id}/scores": READ,
    "GET /v1/firms/{firm_id}/history": READ,
    "GET /v1/firms/{firm_id}/visits": READ,
    "POST /v1/firms/{firm_id}/visits": WRITE,
    "GET /v1/model": EVERY_KEY,
    "POST /v1/admin/reload": ADMIN,
    "GET /v1/regions": EVERY_KEY,
    "GET /v1/regions/{region}/watchlist": READ,
    "GET /v1/regions/{region}/summary": READ,
    "GET /v1/regions/{region}/clusters": READ,
    "GET /v1/monitoring/drift": frozenset({"analyst", "admin"}),
    "GET /": ALL,
    "GET /web/sign-in": ALL,
    "POST /web/sign-in": ALL,
    "POST /web/sign-out": EVERY_KEY,
    "GET /web/": EVERY_KEY,
    "GET /web/regions": EVERY_KEY,
    "GET /web/regions/{region}": READ,
    "GET /web/regions/{region}/watchlist": READ,
    "GET /web/firms": EVERY_KEY,
    "GET /web/firms/{firm_id}": READ,
    "POST /web/firms/{firm_id}/visits": WRITE,
    "GET /web/scores/{score_id}/print": READ,
    "GET /web/static/{name}": ALL,
}
DENIED: Final = frozenset({401, 403, 404, 429})


@dataclass(frozen=True)
class Subject:
    firm_id: str
    region: str
    other: str  # another region, whose centre must learn nothing about this firm


def routes(service: Service) -> list[str]:
    """Every method and path the app answers (FastAPI includes routers lazily: ask it)."""
    contexts = iter_route_contexts(service.client.app.routes)  # type: ignore[attr-defined]
    return [
        f"{method} {c.path}"
        for c in contexts
        for method in sorted(c.methods or ())
        if method != "HEAD"
    ]


def subjects(service: Service) -> list[Subject]:
    """FIRM_26 and FIRM_11 in CI; EWS_RELIABILITY_MATRIX_FIRMS of each region at full size."""
    regions = service.client.app.state.service.current()[0].regions  # type: ignore[attr-defined]
    count = scaled("MATRIX_FIRMS", 1)
    picked = {"26": [FIRM_26], "11": [FIRM_11]}
    for firm_id, region in sorted(regions.items()):
        if region in picked and len(picked[region]) < count and firm_id not in picked[region]:
            picked[region].append(firm_id)
    return [Subject(f, r, "11" if r == "26" else "26") for r, ids in picked.items() for f in ids]


def test_every_route_has_a_policy(service: Service) -> None:
    assert sorted(set(routes(service)) - set(POLICY)) == []
    assert sorted(set(POLICY) - set(routes(service))) == []


@dataclass
class Callers:
    """The plain key behind each kind of caller for one subject (None: no key at all)."""

    service: Service
    revoked: str

    def key(self, caller: str, subject: Subject) -> str | None:
        fixed = {"none": None, "bad": "ews_" + "x" * 32, "revoked": self.revoked}
        if caller in fixed:
            return fixed[caller]
        if caller in ("own", "other"):
            region = subject.region if caller == "own" else subject.other
            return self.service.key("center", region)
        return self.service.key(caller)


def _session(service: Service, key: str | None) -> tuple[str, str]:
    """A page session (cookie token, CSRF token) for ``key``; a random token for a bad key."""
    with Session(service.engine) as db:
        row = find_key(service.engine, key) if key else None
        if row is None:
            return "not-a-session", ""
        token = open_session(db, row)
        signed_in = resolve(db, token)
    return token, signed_in.csrf if signed_in else ""


def ask(
    service: Service, route: str, key: str | None, subject: Subject, score_id: str
) -> httpx.Response:
    method, template = route.split(" ", 1)
    path = template.format(
        firm_id=subject.firm_id, region=subject.region, score_id=score_id, name="app.css"
    )
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if path.startswith("/web/") and route not in ("GET /web/sign-in", "POST /web/sign-in"):
        token, csrf = _session(service, key) if key else ("", "")
        headers["Cookie"] = f"{COOKIE}={token}" if token else ""
        today = dt.date.today().isoformat()
        forms = {
            "POST /web/sign-out": {"csrf": csrf},
            "POST /web/firms/{firm_id}/visits": {
                "visited_on": today,
                "finding": "no_crisis",
                "csrf": csrf,
            },
        }
        extra = {"data": forms[route]} if route in forms else {}
        if route == "GET /web/firms":
            extra = {"params": {"firm_id": subject.firm_id}}
    elif key:
        headers["X-API-Key"] = key
    bodies: dict[str, Any] = {
        "POST /v1/scores": {"json": {"firm_id": subject.firm_id}},
        "POST /v1/scores/batch": {"json": {"firm_ids": [subject.firm_id]}},
        "POST /v1/firms/{firm_id}/visits": {
            "json": {"visited_on": "2024-05-02", "finding": "supported"}
        },
        "POST /web/sign-in": {"data": {"api_key": key or ""}},
    }
    extra = bodies.get(route, extra)
    return service.client.request(method, path, headers=headers, follow_redirects=False, **extra)


def allowed(response: httpx.Response) -> bool:
    """An answer with data (or a page redirect other than to sign-in)."""
    if response.status_code in DENIED:
        return False
    # No session: sent to sign in and back (sign-out's own redirect says out=true instead).
    return not response.headers.get("location", "").startswith("/web/sign-in?next=")


def shows_subject(route: str, response: httpx.Response, subject: Subject) -> bool:
    """Whether an every-key answer carries the subject's data (a leak for another centre)."""
    if route == "POST /v1/scores/batch":
        return any(item["status"] == "ok" for item in response.json()["items"])
    if route == "GET /v1/regions":
        return any(row["region"] == subject.region for row in response.json()["regions"])
    return False


def test_every_route_answers_every_caller_as_the_policy_says(
    service: Service, panel: RawTables, loaded: LoadedModel, tmp_path: Path, figures: dict[str, Any]
) -> None:
    _write_report(panel, loaded, tmp_path / "models" / "monitoring")
    revoked = create_key(service.engine, "center", "26")
    revoke_key(service.engine, revoked)
    callers = Callers(service, revoked)
    admin = service.key("admin")
    tally: Counter[str] = Counter()
    wrong: list[str] = []
    for subject in subjects(service):
        scored = service.client.post(
            "/v1/scores", json={"firm_id": subject.firm_id}, headers={"X-API-Key": admin}
        )
        assert "score_id" in scored.json(), scored.text[:300]
        score_id = scored.json()["score_id"]
        for route in routes(service):
            policy = POLICY[route]
            for caller in CALLERS:
                response = ask(service, route, callers.key(caller, subject), subject, score_id)
                tally["cells"] += 1
                tally["5xx"] += response.status_code >= 500
                if policy == ALL:
                    continue
                got = allowed(response)
                leak = (
                    caller == "other"
                    and got
                    and (caller not in policy or shows_subject(route, response, subject))
                )
                tally["leaks"] += leak
                if got != (caller in policy) or leak:
                    wrong.append(f"{route} as {caller} on {subject}: {response.status_code}")
    figures["matrix"] = {"routes": len(routes(service)), "callers": len(CALLERS), **tally}
    assert wrong == []
    assert tally["leaks"] == 0 and tally["5xx"] == 0
