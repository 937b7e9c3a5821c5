"""The one table of who may call which route, and how the matrices ask and judge each call.

``POLICY`` names, for every method and path of the app, the callers allowed: ``own`` (the
subject's own centre), ``other`` (another region's centre), ``analyst``, ``admin``, ``partner``
(the agency the subject firm was referred to), ``orgless`` (a partner account naming no
organisation), ``office`` and ``local`` (the subject region's 지방중소벤처기업청 and 지자체).
tests/serving/test_role_matrix.py asks every route as each of them; tests/reliability/
test_matrix.py asks the first four, with no key, a bad key and a revoked key, at scale.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy.orm import Session

from core import clock
from serving.access.keys import find_key
from serving.access.sessions import COOKIE, open_session, resolve
from tests.serving.support import TestClient

UNGIVEN: Final = "1000000004"  # a 부산 firm with no referral: a One-Team key never reads it
UNGIVEN_NAME: Final = "테스트004"  # part of its name, "(주)테스트004" (tests/factories.py)
ECHOES: Final = frozenset({"POST /v1/scores/batch"})  # repeats the ids asked, scored or not
ROLES: Final = ("own", "other", "analyst", "admin", "partner", "orgless", "office", "local")
EVERY: Final = frozenset(ROLES)
FIRM_READ: Final = frozenset({"own", "analyst", "admin"})  # a firm, its region's lists
FIRM_WRITE: Final = frozenset({"own", "admin"})
HQ: Final = frozenset({"analyst", "admin"})
ADMIN: Final = frozenset({"admin"})
NOBODY: Final = frozenset[str]()  # ids that do not exist: a 404 for everyone
NOT_PARTNERS: Final = EVERY - {"partner", "orgless"}  # their own rows of the national view
REFERRAL_READ: Final = frozenset({"own", "analyst", "admin", "partner"})
REFERRAL_DECIDE: Final = frozenset({"partner", "admin"})
REFERRAL_LIST: Final = EVERY - {"office", "local"}
PUBLIC: Final = "public"  # no key needed

# Region aggregates (summary, clusters, the region page, the brief): ``policy.read_region_figures``
# lets the 지방중소벤처기업청 and 지자체 keys read their own 시도's as well.
FIGURES: Final = FIRM_READ | {"office", "local"}

# Who may.
POLICY: Final[dict[str, str | frozenset[str]]] = {
    "GET /openapi.json": PUBLIC,
    "GET /docs": PUBLIC,
    "GET /docs/oauth2-redirect": PUBLIC,
    "GET /redoc": PUBLIC,
    "GET /healthz": PUBLIC,
    "GET /readyz": PUBLIC,
    "GET /metrics": PUBLIC,
    "GET /": PUBLIC,
    "GET /web/sign-in": PUBLIC,
    "POST /web/sign-in": PUBLIC,
    "GET /web/static/{name}": PUBLIC,
    "POST /v1/scores": FIRM_READ,
    "POST /v1/scores/batch": EVERY,  # per firm: refused firms come back without a score
    "GET /v1/scores/{score_id}": FIRM_READ,
    "GET /v1/firms/{firm_id}/scores": FIRM_READ,
    "GET /v1/firms/{firm_id}/history": FIRM_READ,
    "GET /v1/firms/{firm_id}/visits": FIRM_READ,
    "POST /v1/firms/{firm_id}/visits": FIRM_WRITE,
    "GET /v1/firms/{firm_id}/case": FIRM_READ,
    "PATCH /v1/firms/{firm_id}/case": FIRM_WRITE,
    "GET /v1/firms/{firm_id}/help": FIRM_READ,
    "GET /v1/firms/{firm_id}/referrals": FIRM_READ,
    "POST /v1/firms/{firm_id}/referrals": FIRM_WRITE,
    "GET /v1/firms": FIRM_READ | {"other"},  # search: each centre within its own 시도
    "GET /v1/model": EVERY,
    "POST /v1/admin/reload": ADMIN,
    "GET /v1/regions": EVERY,  # a regional key its own 시도's row, a partner none
    "GET /v1/regions/{region}/watchlist": FIRM_READ,
    "GET /v1/regions/{region}/summary": FIGURES,
    "GET /v1/regions/{region}/clusters": FIGURES,
    "GET /v1/regions/{region}/cases": FIRM_READ,
    "GET /v1/regions/{region}/changes": FIRM_READ,
    "GET /v1/regions/{region}/brief": FIGURES,
    "GET /v1/regions/{region}/brief.xlsx": FIGURES,
    "GET /v1/regions/{region}/brief.pdf": FIGURES,
    "GET /v1/monitoring/drift": HQ,
    "POST /v1/scenarios/run": FIRM_READ,
    "GET /v1/scenarios": EVERY,  # files for all, runs only where the caller may run them
    "GET /v1/scenarios/runs/{run_id}": NOBODY,
    "GET /v1/referrals": REFERRAL_LIST,
    "GET /v1/referrals/{referral_id}": REFERRAL_READ,
    "POST /v1/referrals/{referral_id}/decision": REFERRAL_DECIDE,
    "GET /v1/national": NOT_PARTNERS,
    "GET /v1/admin/users": ADMIN,
    "POST /v1/admin/users": ADMIN,
    "POST /v1/admin/users/{username}/disable": ADMIN,
    "POST /v1/admin/users/{username}/enable": ADMIN,
    "POST /v1/admin/users/{username}/reset": ADMIN,
    "PUT /v1/admin/users/{username}/capacity": ADMIN,
    "GET /v1/admin/keys": ADMIN,
    "POST /v1/admin/keys": ADMIN,
    "POST /v1/admin/keys/{key_id}/revoke": ADMIN,
    "POST /v1/admin/keys/{key_id}/rotate": ADMIN,
    "GET /v1/admin/audit": ADMIN,
    "POST /web/sign-out": EVERY,
    "GET /web/": EVERY,
    "GET /web/regions": EVERY,
    "GET /web/regions/{region}": FIGURES,
    "GET /web/regions/{region}/watchlist": FIRM_READ,
    "GET /web/firms": EVERY,  # the look-up box: a redirect to the firm page, which checks
    "GET /web/firms/{firm_id}": FIRM_READ,
    "POST /web/firms/{firm_id}/visits": FIRM_WRITE,
    "POST /web/firms/{firm_id}/case": FIRM_WRITE,
    "POST /web/firms/{firm_id}/referrals": FIRM_WRITE,
    "GET /web/scores/{score_id}/print": FIRM_READ,
    "GET /web/briefs": EVERY,
    "GET /web/briefs/{region}": FIGURES,
    "GET /web/briefs/{region}/brief.xlsx": FIGURES,
    "GET /web/briefs/{region}/brief.pdf": FIGURES,
    "GET /web/search": FIRM_READ | {"other"},
    "GET /web/changes": EVERY,  # a centre goes to its own; the others choose a region
    "GET /web/changes/{region}": FIRM_READ,
    "GET /web/changes/{region}/digest": FIRM_READ,
    "GET /web/changes/{region}/digest.csv": FIRM_READ,
    "GET /web/scenarios": EVERY,
    "POST /web/scenarios/run": FIRM_READ,
    "GET /web/scenarios/runs/{run_id}": NOBODY,
    "GET /web/partners": REFERRAL_LIST,
    "GET /web/partners/referrals/{referral_id}": REFERRAL_READ,
    "POST /web/partners/referrals/{referral_id}/decision": REFERRAL_DECIDE,
    "GET /web/national": NOT_PARTNERS,
    "GET /web/admin": ADMIN,
    "GET /web/admin/users": ADMIN,
    "POST /web/admin/users": ADMIN,
    "POST /web/admin/users/{username}/{action}": ADMIN,
    "GET /web/admin/keys": ADMIN,
    "POST /web/admin/keys": ADMIN,
    "POST /web/admin/keys/{key_id}/revoke": ADMIN,
    "GET /web/admin/audit": ADMIN,
    "GET /web/admin/audit.csv": ADMIN,
}
TODAY: Final = clock.seoul_today().isoformat()
PARTNER: Final = "중진공"  # the organisation the subject firm is referred to
REFUSED: Final = frozenset({401, 403, 429})


@dataclass(frozen=True)
class Target:
    """What a call is about: a firm of ``region``, a score and a referral of it."""

    firm_id: str
    region: str
    score_id: str
    referral_id: str


def api_extra(route: str, target: Target) -> dict[str, Any] | None:
    """A valid request body or query for an API route this table knows (None: unknown)."""
    known: dict[str, dict[str, Any]] = {
        "POST /v1/scores": {"json": {"firm_id": target.firm_id}},
        "POST /v1/scores/batch": {"json": {"firm_ids": [target.firm_id, UNGIVEN]}},
        "POST /v1/firms/{firm_id}/visits": {
            "json": {"visited_on": "2024-05-02", "finding": "supported"}
        },
        "PATCH /v1/firms/{firm_id}/case": {"json": {"note": "matrix"}},
        "POST /v1/firms/{firm_id}/referrals": {"json": {"partner": PARTNER}},
        "POST /v1/referrals/{referral_id}/decision": {
            "json": {"status": "reviewing", "decided_on": TODAY}
        },
        "POST /v1/scenarios/run": {"json": {"scenario": "rate_100bp", "region": target.region}},
        "GET /v1/firms": {"params": {"q": UNGIVEN_NAME}},
    }
    return known.get(route)


def page_extra(route: str, target: Target) -> dict[str, str] | None:
    """A valid form or query for a page route this table knows (None: unknown)."""
    known = {
        "POST /web/firms/{firm_id}/visits": {"visited_on": TODAY, "finding": "no_crisis"},
        "POST /web/firms/{firm_id}/case": {"note": "matrix"},
        "POST /web/firms/{firm_id}/referrals": {"partner": PARTNER},
        "POST /web/partners/referrals/{referral_id}/decision": {
            "status": "reviewing",
            "decided_on": TODAY,
        },
        "POST /web/scenarios/run": {"file": "rate_100bp", "region": target.region},
        "GET /web/firms": {"firm_id": target.firm_id},
        "GET /web/search": {"q": UNGIVEN_NAME},
    }
    return known.get(route)


_EXAMPLE = Target("0", "26", "0", "0")
# Routes asked with a valid request: a caller the table refuses must get exactly a refusal.
EXACT: Final = frozenset(
    route
    for route, who in POLICY.items()
    if who not in (PUBLIC, NOBODY)
    and (
        api_extra(route, _EXAMPLE) is not None
        or page_extra(route, _EXAMPLE) is not None
        or (route.startswith("GET ") and "{" in route)
    )
)


def routes(app: FastAPI) -> list[str]:
    """Every method and path the app answers (FastAPI includes routers lazily: ask it)."""
    return [
        f"{method} {c.path}"
        for c in iter_route_contexts(app.routes)
        for method in sorted(c.methods or ())
        if method != "HEAD"
    ]


def _session(client: TestClient, key: str | None) -> tuple[str, str]:
    """A page session (cookie token, CSRF token) for ``key``; none for no key, a random token
    for an unknown one, a dead one for a revoked key."""
    if key is None:
        return "", ""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    row = find_key(engine, key)
    if row is None:
        return "not-a-session", ""
    with Session(engine) as db:
        token = open_session(db, row)
        signed = resolve(db, token)
    return token, signed.csrf if signed else ""


def ask(client: TestClient, route: str, key: str | None, target: Target) -> httpx.Response:
    """Call ``route`` about ``target`` as ``key`` (None: no key): API calls with the key in
    ``X-API-Key``, pages with a fresh session cookie for it."""
    method, template = route.split(" ", 1)
    path = template.format(
        firm_id=target.firm_id,
        region=target.region,
        score_id=target.score_id,
        referral_id=target.referral_id,
        run_id=uuid.uuid4(),
        username="nobody-here",
        key_id=999999,
        action="disable",
        name="app.css",
    )
    headers: dict[str, str] = {}
    if not path.startswith("/web/") or route in ("GET /web/sign-in", "POST /web/sign-in"):
        writes = method in ("POST", "PATCH", "PUT")
        extra = api_extra(route, target) or ({"json": {}} if writes else {})
        if route == "POST /web/sign-in":
            extra = {"data": {"api_key": key or ""}}
        if key is not None:
            headers["X-API-Key"] = key
        return client.request(method, path, headers=headers, follow_redirects=False, **extra)
    token, csrf = _session(client, key)
    if token:
        headers["Cookie"] = f"{COOKIE}={token}"
    fields = page_extra(route, target) or {}
    page: dict[str, Any] = {"params": fields}
    if method == "POST":
        page = {"data": {**fields, "csrf": csrf}}
    return client.request(method, path, headers=headers, follow_redirects=False, **page)


def refused(response: httpx.Response) -> bool:
    """A refusal: 401, 403, 429, or a page's redirect to sign in."""
    location = response.headers.get("location", "")
    return response.status_code in REFUSED or location.startswith("/web/sign-in?next=")


def verdict(route: str, allowed: bool, response: httpx.Response) -> str | None:
    """What is wrong with one answer (None: as the table says). An allowed caller must not be
    refused; a refused one must get nothing: exactly a refusal on ``EXACT`` routes, else a
    refusal, a 404 or a 422 (a request it could not have made better)."""
    status, who = response.status_code, POLICY[route]
    if status >= 500:
        return f"{status}"
    if who == PUBLIC:
        return None
    if allowed:
        return f"refused ({status})" if refused(response) else None
    if who == NOBODY or route not in EXACT:
        return None if refused(response) or status in (404, 422) else f"served ({status})"
    return None if refused(response) else f"not refused ({status})"
