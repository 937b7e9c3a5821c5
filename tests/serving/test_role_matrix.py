"""Every route of the app × every role, against one table: least privilege for the One-Team keys.

The routes come from ``app.routes``, so a route without a row in ``POLICY`` fails. Each keyed
route is asked about one subject, firm ``FIRM_26`` of 부산 (26) and its region, which the 부산
centre referred to the partner 중진공, by eight callers: the subject's own centre, another
region's centre, an analyst, an admin, that partner, a partner account naming no organisation,
and the 부산 office (지방중소벤처기업청) and local government (지자체). Pages are asked with a
session cookie for the same keys.

A caller the table allows must not be refused (401, 403, a sign-in redirect); a caller it does
not allow must get nothing: a refusal, a 404, or a 422 for a request it could not have made
better (``EXACT`` routes, whose requests are valid, must answer 403 or 401 precisely). No
partner, office or local-government answer may ever carry ``UNGIVEN``, a 부산 firm nobody
referred (search, lists, every page).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy.orm import Session

from core import clock
from core.bundle import LoadedModel, load_bundle
from features.tables import RawTables
from serving.access.keys import find_key
from serving.access.sessions import COOKIE, open_session, resolve
from tests.serving.partners_world import one_team_app, staff_key
from tests.serving.support import FIRM_26, TestClient

# ~80 routes × 8 callers on their own world, briefs printed by Chromium (~1 min): CI runs it;
# the fast loop keeps tests/serving/test_access_policy.py and the referral tests.
pytestmark = pytest.mark.slow

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

# Who may. Region aggregates (summary, clusters, brief) still follow the firm-level region
# rule: they become FIRM_READ | {"office", "local"} once their routes ask
# ``policy.read_region_figures`` (docs/partners.md, "Wiring").
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
    "GET /v1/regions/{region}/summary": FIRM_READ,
    "GET /v1/regions/{region}/clusters": FIRM_READ,
    "GET /v1/regions/{region}/cases": FIRM_READ,
    "GET /v1/regions/{region}/brief": FIRM_READ,
    "GET /v1/regions/{region}/brief.xlsx": FIRM_READ,
    "GET /v1/regions/{region}/brief.pdf": FIRM_READ,
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
    "GET /web/regions/{region}": FIRM_READ,
    "GET /web/regions/{region}/watchlist": FIRM_READ,
    "GET /web/firms": EVERY,  # the look-up box: a redirect to the firm page, which checks
    "GET /web/firms/{firm_id}": FIRM_READ,
    "POST /web/firms/{firm_id}/visits": FIRM_WRITE,
    "POST /web/firms/{firm_id}/case": FIRM_WRITE,
    "POST /web/firms/{firm_id}/referrals": FIRM_WRITE,
    "GET /web/scores/{score_id}/print": FIRM_READ,
    "GET /web/briefs": EVERY,
    "GET /web/briefs/{region}": FIRM_READ,
    "GET /web/briefs/{region}/brief.xlsx": FIRM_READ,
    "GET /web/briefs/{region}/brief.pdf": FIRM_READ,
    "GET /web/search": FIRM_READ | {"other"},
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
# Requests this test knows to be valid: refused callers must get exactly 401 or 403 there.
API_BODIES: Final[dict[str, dict[str, Any]]] = {
    "POST /v1/scores": {"json": {"firm_id": FIRM_26}},
    "POST /v1/scores/batch": {"json": {"firm_ids": [FIRM_26, UNGIVEN]}},
    "POST /v1/firms/{firm_id}/visits": {
        "json": {"visited_on": "2024-05-02", "finding": "supported"}
    },
    "PATCH /v1/firms/{firm_id}/case": {"json": {"note": "matrix"}},
    "POST /v1/firms/{firm_id}/referrals": {"json": {"partner": "중진공"}},
    "POST /v1/referrals/{referral_id}/decision": {
        "json": {"status": "reviewing", "decided_on": TODAY}
    },
    "POST /v1/scenarios/run": {"json": {"scenario": "rate_100bp", "region": "26"}},
    "GET /v1/firms": {"params": {"q": UNGIVEN_NAME}},
}
PAGE_FORMS: Final[dict[str, dict[str, str]]] = {
    "POST /web/firms/{firm_id}/visits": {"visited_on": TODAY, "finding": "no_crisis"},
    "POST /web/firms/{firm_id}/case": {"note": "matrix"},
    "POST /web/firms/{firm_id}/referrals": {"partner": "중진공"},
    "POST /web/partners/referrals/{referral_id}/decision": {
        "status": "reviewing",
        "decided_on": TODAY,
    },
    "POST /web/scenarios/run": {"file": "rate_100bp", "region": "26"},
}
PAGE_PARAMS: Final[dict[str, dict[str, str]]] = {
    "GET /web/firms": {"firm_id": FIRM_26},
    "GET /web/search": {"q": UNGIVEN_NAME},
}
EXACT: Final = (
    frozenset(API_BODIES)
    | frozenset(PAGE_FORMS)
    | {r for r, who in POLICY.items() if r.startswith("GET ") and "{" in r and who != NOBODY}
)
REFUSED: Final = frozenset({401, 403})


def routes(app: FastAPI) -> list[str]:
    """Every method and path the app answers (FastAPI includes routers lazily: ask it)."""
    return [
        f"{method} {c.path}"
        for c in iter_route_contexts(app.routes)
        for method in sorted(c.methods or ())
        if method != "HEAD"
    ]


@dataclass
class World:
    client: TestClient
    keys: dict[str, str]
    score_id: str
    referral_id: str

    def ask(self, route: str, role: str) -> httpx.Response:
        method, template = route.split(" ", 1)
        path = template.format(
            firm_id=FIRM_26,
            region="26",
            score_id=self.score_id,
            referral_id=self.referral_id,
            run_id=uuid.uuid4(),
            username="nobody-here",
            key_id=999999,
            action="disable",
            name="app.css",
        )
        key = self.keys[role]
        if not path.startswith("/web/") or route in ("GET /web/sign-in", "POST /web/sign-in"):
            extra = API_BODIES.get(
                route, {"json": {}} if method in ("POST", "PATCH", "PUT") else {}
            )
            if route == "POST /web/sign-in":
                extra = {"data": {"api_key": key}}
            headers = {"X-API-Key": key}
            return self.client.request(
                method, path, headers=headers, follow_redirects=False, **extra
            )
        token, csrf = self._session(key)
        extra = {"params": PAGE_PARAMS.get(route, {})}
        if method == "POST":
            extra = {"data": {**PAGE_FORMS.get(route, {}), "csrf": csrf}}
        headers = {"Cookie": f"{COOKIE}={token}"}
        return self.client.request(method, path, headers=headers, follow_redirects=False, **extra)

    def _session(self, key: str) -> tuple[str, str]:
        engine = self.client.app.state.engine  # type: ignore[attr-defined]
        row = find_key(engine, key)
        assert row is not None
        with Session(engine) as db:
            token = open_session(db, row)
            signed = resolve(db, token)
        assert signed is not None
        return token, signed.csrf


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
    panel: RawTables,
    loaded: LoadedModel,
    bundle_dir: Path,
) -> Iterator[World]:
    versions = iter(range(2, 1_000_000))
    folder = tmp_path_factory.mktemp("role-matrix")
    config = Path(__file__).resolve().parents[2] / "config"
    app = one_team_app(
        folder,
        panel,
        loaded,
        loader=lambda: (str(next(versions)), load_bundle(bundle_dir)),
        config_dir=config,
    )
    # A failing route is a cell of the table (a 500), not the end of the run.
    with TestClient(app, raise_server_exceptions=False) as client:
        engine = app.state.engine
        keys = {
            "own": staff_key(engine, "center", "26"),
            "other": staff_key(engine, "center", "11"),
            "analyst": staff_key(engine, "analyst"),
            "admin": staff_key(engine, "admin"),
            "partner": staff_key(engine, "partner", organisation="중진공"),
            "orgless": staff_key(engine, "partner"),
            "office": staff_key(engine, "office", "26"),
            "local": staff_key(engine, "local_gov", "26"),
        }
        own = {"X-API-Key": keys["own"]}
        scored = client.post("/v1/scores", json={"firm_id": FIRM_26}, headers=own)
        referred = client.post(
            f"/v1/firms/{FIRM_26}/referrals", json={"partner": "중진공"}, headers=own
        )
        assert scored.status_code == 200 and referred.status_code == 201, referred.text
        yield World(client, keys, scored.json()["score_id"], referred.json()["referral_id"])


def test_every_route_has_a_row(world: World) -> None:
    served = routes(world.client.app)  # type: ignore[arg-type]
    assert sorted(set(served) - set(POLICY)) == []
    assert sorted(set(POLICY) - set(served)) == []


def _refused(response: httpx.Response) -> bool:
    location = response.headers.get("location", "")
    return response.status_code in REFUSED or location.startswith("/web/sign-in?next=")


def _verdict(route: str, role: str, response: httpx.Response) -> str | None:
    """What is wrong with one answer (None: as the table says)."""
    status, allowed = response.status_code, POLICY[route]
    if status >= 500:
        return f"{status}"
    if allowed == PUBLIC:
        return None
    assert isinstance(allowed, frozenset)
    if role in allowed:
        return f"refused ({status})" if _refused(response) else None
    if allowed == NOBODY:
        return None if status in (*REFUSED, 404) else f"served ({status})"
    if route in EXACT:
        return None if _refused(response) else f"not refused ({status})"
    return None if _refused(response) or status in (404, 422) else f"served ({status})"


def test_every_route_answers_every_role_as_the_table_says(world: World) -> None:
    wrong: list[str] = []
    tally: Counter[str] = Counter()
    for route in routes(world.client.app):  # type: ignore[arg-type]
        if route not in POLICY:  # test_every_route_has_a_row names it
            continue
        for role in ROLES:
            response = world.ask(route, role)
            tally["cells"] += 1
            problem = _verdict(route, role, response)
            one_team = role in ("partner", "orgless", "office", "local")
            echoed = route in ECHOES  # test_the_batch_scores_only_… checks what it holds
            if problem is None and one_team and not echoed and UNGIVEN in response.text:
                problem = "carries a firm it was not given"
            if problem is not None:
                wrong.append(f"{route} as {role}: {problem}")
    assert wrong == [], "\n".join(wrong)
    assert tally["cells"] >= (len(POLICY) - 3) * len(ROLES)


def test_the_batch_scores_only_the_firms_a_key_may_read(world: World) -> None:
    body = {"firm_ids": [FIRM_26, UNGIVEN]}
    for role in ROLES:
        answer = world.client.post(
            "/v1/scores/batch", json=body, headers={"X-API-Key": world.keys[role]}
        )
        scored = [item["firm_id"] for item in answer.json()["items"] if item["status"] == "ok"]
        assert scored == ([FIRM_26, UNGIVEN] if role in FIRM_READ else []), role


def test_overviews_show_a_regional_key_its_own_row_and_a_partner_none(world: World) -> None:
    for role, expected in (("office", ["26"]), ("local", ["26"]), ("partner", [])):
        headers = {"X-API-Key": world.keys[role]}
        rows = world.client.get("/v1/regions", headers=headers).json()["regions"]
        assert [row["region"] for row in rows] == expected, role


def test_the_searched_name_is_one_its_own_centre_finds(world: World) -> None:
    """So that the leak check above means something: the firm is there to be found."""
    found = world.client.get(
        "/v1/firms", params={"q": UNGIVEN_NAME}, headers={"X-API-Key": world.keys["own"]}
    )
    assert UNGIVEN in found.text
