"""Every route of the app × every role, against one table: least privilege for the One-Team keys.

The routes come from ``app.routes``, so a route without a row in ``POLICY``
(tests/serving/route_table.py) fails. Each keyed
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

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.bundle import LoadedModel, load_bundle
from features.tables import RawTables
from tests.serving.partners_world import one_team_app, staff_key
from tests.serving.route_table import (
    ECHOES,
    FIRM_READ,
    PARTNER,
    POLICY,
    ROLES,
    UNGIVEN,
    UNGIVEN_NAME,
    Target,
    ask,
    routes,
    verdict,
)
from tests.serving.support import FIRM_26, TestClient

# ~85 routes × 8 callers on their own world, briefs printed by Chromium (~2 min on 2 cores):
# CI runs it; the fast loop keeps tests/serving/test_access_policy.py and the referral tests.
pytestmark = pytest.mark.slow


@dataclass
class World:
    client: TestClient
    keys: dict[str, str]
    target: Target


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
            f"/v1/firms/{FIRM_26}/referrals", json={"partner": PARTNER}, headers=own
        )
        assert scored.status_code == 200 and referred.status_code == 201, referred.text
        target = Target(FIRM_26, "26", scored.json()["score_id"], referred.json()["referral_id"])
        yield World(client, keys, target)


def test_every_route_has_a_row(world: World) -> None:
    served = routes(world.client.app)  # type: ignore[arg-type]
    assert sorted(set(served) - set(POLICY)) == []
    assert sorted(set(POLICY) - set(served)) == []


def test_every_route_answers_every_role_as_the_table_says(world: World) -> None:
    wrong: list[str] = []
    tally: Counter[str] = Counter()
    for route in routes(world.client.app):  # type: ignore[arg-type]
        if route not in POLICY:  # test_every_route_has_a_row names it
            continue
        for role in ROLES:
            response = ask(world.client, route, world.keys[role], world.target)
            tally["cells"] += 1
            problem = verdict(route, role in POLICY[route], response)
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
