"""Every route × every kind of caller, against the one policy table (tests/serving/route_table.py).

The routes come from ``app.routes``, so a new route without a row in ``POLICY`` fails. Each keyed
route is asked about a subject in one region (a firm, its region, a score and a referral of it)
by seven callers: no key, a wrong key, a revoked key, the subject's own centre, another region's
centre, an analyst and an admin (tests/serving/test_role_matrix.py adds the partner, office and
local-government keys). Pages are asked with a session cookie for the same keys. A leak is an
other-region centre that got the subject's data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from core.bundle import LoadedModel
from features.tables import RawTables
from serving.access.keys import create_key, revoke_key
from tests.reliability.conftest import Service, scaled
from tests.serving.partners_world import staff_key
from tests.serving.route_table import PARTNER, POLICY, Target, ask, routes, verdict
from tests.serving.support import FIRM_11, FIRM_26
from tests.serving.test_monitoring import _write_report

# Every route x every caller on its own service world (~1 min): CI runs it; the fast loop
# keeps tests/serving/test_access.py and the policy table.
pytestmark = pytest.mark.slow

CALLERS: Final = ("none", "bad", "revoked", "own", "other", "analyst", "admin")


@dataclass(frozen=True)
class Subject:
    firm_id: str
    region: str
    other: str  # another region, whose centre must learn nothing about this firm


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
    served = routes(service.client.app)  # type: ignore[arg-type]
    assert sorted(set(served) - set(POLICY)) == []
    assert sorted(set(POLICY) - set(served)) == []


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


def target(service: Service, subject: Subject) -> Target:
    """A score of the subject (by an admin) and a referral of it (by its own centre)."""
    admin = {"X-API-Key": service.key("admin")}
    own = {"X-API-Key": service.key("center", subject.region)}
    client = service.client
    scored = client.post("/v1/scores", json={"firm_id": subject.firm_id}, headers=admin)
    referred = client.post(
        f"/v1/firms/{subject.firm_id}/referrals", json={"partner": PARTNER}, headers=own
    )
    assert "score_id" in scored.json() and referred.status_code == 201, referred.text[:300]
    return Target(
        subject.firm_id, subject.region, scored.json()["score_id"], referred.json()["referral_id"]
    )


def shows_subject(route: str, response: httpx.Response, subject: Subject) -> bool:
    """Whether an every-key answer carries the subject's data (a leak for another centre)."""
    if route == "POST /v1/scores/batch":
        return any(
            item["status"] == "ok" and item["firm_id"] == subject.firm_id
            for item in response.json()["items"]
        )
    if route == "GET /v1/regions":
        return any(row["region"] == subject.region for row in response.json()["regions"])
    return False


def test_every_route_answers_every_caller_as_the_policy_says(
    service: Service, panel: RawTables, loaded: LoadedModel, tmp_path: Path, figures: dict[str, Any]
) -> None:
    _write_report(panel, loaded, tmp_path / "models" / "monitoring")
    staff_key(service.engine, "partner", organisation=PARTNER)  # someone to refer firms to
    revoked = create_key(service.engine, "center", "26")
    revoke_key(service.engine, revoked)
    callers = Callers(service, revoked)
    served = routes(service.client.app)  # type: ignore[arg-type]
    tally: Counter[str] = Counter()
    wrong: list[str] = []
    for subject in subjects(service):
        about = target(service, subject)
        for route in served:
            if route not in POLICY:  # test_every_route_has_a_policy names it
                continue
            for caller in CALLERS:
                response = ask(service.client, route, callers.key(caller, subject), about)
                tally["cells"] += 1
                tally["5xx"] += response.status_code >= 500
                problem = verdict(route, caller in POLICY[route], response)
                leak = (
                    caller == "other"
                    and problem is None
                    and shows_subject(route, response, subject)
                )
                tally["leaks"] += leak
                if problem is not None or leak:
                    wrong.append(f"{route} as {caller} on {subject}: {problem or 'leak'}")
    figures["matrix"] = {"routes": len(served), "callers": len(CALLERS), **tally}
    assert wrong == [], "\n".join(wrong)
    assert tally["leaks"] == 0 and tally["5xx"] == 0
