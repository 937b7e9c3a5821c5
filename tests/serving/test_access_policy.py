"""The one access policy (``serving.access.policy``): roles × regions × actions in a table, and
every check the routes and pages use today held against it, so each can be replaced by the
policy one at a time without a change anyone could see (status, message, audit outcome).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Final

import pytest
from fastapi import HTTPException
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.contract import REGIONS
from serving.access import policy
from serving.access.keys import (
    InvalidRegion,
    InvalidRole,
    check_firm,
    check_region,
    create_key,
    find_key,
)
from serving.access.keys import may_see as auth_may_see
from serving.access.policy import Refusal
from serving.api import firms as firm_routes
from serving.api import monitoring as monitoring_routes
from serving.api import regions as region_routes
from serving.api import scores as score_routes
from serving.api.deps import center_region
from serving.domain.scoring import locate
from serving.errors import InvalidSubmission, RegionForbidden, ServingError, UnknownFirm
from serving.schemas import VisitIn
from serving.store.db import ApiKey, AuditEntry, ScoreRecord, create_schema, make_engine, now
from serving.web import records as web_records
from serving.web import regions as web_regions
from serving.web.access import WriteForbidden


@dataclass(frozen=True)
class Key:
    role: str
    region: str | None


CALLERS: Final = {
    "centre 26": Key("center", "26"),
    "centre 11": Key("center", "11"),
    "analyst": Key("analyst", None),
    "admin": Key("admin", None),
}
FIRMS: Final = {"26": "1000000026", "11": "1000000011", "00": "1000000000"}  # region -> firm
UNKNOWN_FIRM: Final = "9999999999"
REGION_CASES: Final = (*REGIONS, "00", "99", None)

ACTIONS: Final[dict[str, Callable[[Key, str | None], Refusal | None]]] = {
    "read region": lambda key, target: policy.read_region(key, target or ""),
    "read firm": lambda key, target: policy.read_firm(key, _firm(target), target),
    "read score": lambda key, target: policy.read_score(key, "s", target),
    "record visit": lambda key, target: policy.record_visit(key, _firm(target), target),
    "submit statements": lambda key, target: policy.submit_statements(key, target, None),
    "use admin": lambda key, _: policy.use_admin(key),
    "read drift": lambda key, _: policy.read_drift(key),
}
# action, target (a region; None: no such firm or score, no region declared, or no target):
# the status each caller gets, for centre 26, centre 11, analyst, admin (None: allowed).
TABLE: Final = [
    ("read region", "26", (None, 403, None, None)),
    ("read region", "00", (403, 403, None, None)),
    ("read region", "99", (404, 404, 404, 404)),
    ("read firm", "26", (None, 403, None, None)),
    ("read firm", "00", (403, 403, None, None)),
    ("read firm", None, (403, 403, 404, 404)),  # a centre learns nothing of unknown ids
    ("read score", "26", (None, 403, None, None)),
    ("read score", "00", (403, 403, None, None)),
    ("read score", None, (404, 404, 404, 404)),  # score ids are random: nothing to learn
    ("record visit", "26", (None, 403, 403, None)),
    ("record visit", "00", (403, 403, 403, None)),
    ("record visit", None, (403, 403, 404, 404)),
    ("submit statements", "26", (None, 403, None, None)),
    ("submit statements", None, (403, 403, None, None)),  # declared as "00"
    ("use admin", None, (403, 403, 403, None)),
    ("read drift", None, (403, 403, None, None)),
]


def _firm(region: str | None) -> str:
    return FIRMS.get(region or "", UNKNOWN_FIRM)


@pytest.mark.parametrize(("action", "target", "statuses"), TABLE)
def test_the_policy_table(action: str, target: str | None, statuses: tuple[int | None]) -> None:
    for caller, expected in zip(CALLERS.values(), statuses, strict=True):
        refusal = ACTIONS[action](caller, target)
        assert (refusal.status if refusal else None) == expected, (action, target, caller)


def test_every_action_is_in_the_table() -> None:
    assert {action for action, _, _ in TABLE} == set(ACTIONS)


def test_a_stored_firm_of_another_region_is_refused_even_when_the_declared_one_is_own() -> None:
    refusal = policy.submit_statements(CALLERS["centre 26"], "26", "11")
    assert refusal == Refusal(403, "forbidden", "this key may only access firms of region 26", "11")
    assert policy.submit_statements(CALLERS["analyst"], "26", "11") is None  # then a 422


def test_refusals_name_what_was_asked_about() -> None:
    centre = CALLERS["centre 26"]
    assert policy.read_firm(centre, UNKNOWN_FIRM, None) == Refusal(
        403, "forbidden", "this key may only access firms of region 26", None
    )
    assert policy.read_region(centre, "11") == Refusal(
        403, "forbidden", "this key may only access firms of region 26", "11"
    )
    unknown = policy.read_firm(CALLERS["analyst"], UNKNOWN_FIRM, None)
    assert unknown == Refusal(404, "not_found", f"firm_id {UNKNOWN_FIRM} is not in the stored data")


def test_overviews_and_records_by_role() -> None:
    served = ["11", "26", "00"]
    assert policy.listed_regions(CALLERS["centre 26"], served) == ["26"]
    assert policy.listed_regions(CALLERS["analyst"], served) == served
    assert [policy.on_record(c) for c in CALLERS.values()] == [False, False, False, True]


# The checks in use today, each against the policy.


def _api_key(caller: Key) -> ApiKey:
    return ApiKey(role=caller.role, region=caller.region)


def _status(error: Exception) -> tuple[int, str]:
    """The status and message a check's exception becomes (serving.app, serving.web.access)."""
    if isinstance(error, HTTPException):
        return error.status_code, str(error.detail)
    statuses = {RegionForbidden: 403, WriteForbidden: 403, UnknownFirm: 404}
    return statuses[type(error)], str(error)


def _expected(refusal: Refusal | None) -> tuple[int, str] | None:
    return (refusal.status, refusal.message) if refusal else None


def _outcome(check: Callable[..., Any], *arguments: Any) -> tuple[int, str] | None:
    """The status and message ``check(*arguments)`` refuses with; None when it lets through."""
    try:
        check(*arguments)
    except (HTTPException, ServingError) as error:
        return _status(error)
    return None


@pytest.mark.parametrize("caller", CALLERS.values(), ids=CALLERS.keys())
def test_auth_region_checks_agree(caller: Key) -> None:
    key = _api_key(caller)
    assert center_region(key.role, key.region) == policy.confined_region(caller)
    for region in REGION_CASES:
        assert auth_may_see(key, region) == policy.sees_region(caller, region)
        refused = (
            None if policy.sees_region(caller, region) else policy.read_firm(caller, "x", region)
        )
        assert _outcome(check_region, key, region) == _expected(refused)
        firm = _firm(region)
        assert _outcome(check_firm, key, firm, region) == _expected(
            policy.read_firm(caller, firm, region)
        )


@pytest.mark.parametrize("caller", CALLERS.values(), ids=CALLERS.keys())
def test_locate_agrees(caller: Key) -> None:
    snapshot = SimpleNamespace(
        regions={firm: region for region, firm in FIRMS.items()},
        rows={firm: row for row, firm in enumerate(FIRMS.values())},
    )
    confined = center_region(caller.role, caller.region)
    for firm in (*FIRMS.values(), UNKNOWN_FIRM):
        region = snapshot.regions.get(firm)
        found = _outcome(locate, snapshot, firm, confined)
        assert found == _expected(policy.read_firm(caller, firm, region))


@pytest.mark.parametrize("caller", CALLERS.values(), ids=CALLERS.keys())
def test_submission_check_agrees(caller: Key) -> None:
    snapshot: Any = SimpleNamespace(regions={firm: region for region, firm in FIRMS.items()})
    for declared in (*REGIONS, None):
        for stored in ("26", "11", "00", None):
            firm: Any = SimpleNamespace(firm_id=FIRMS[stored] if stored else None, region=declared)
            refused = policy.submit_statements(caller, declared, stored)
            try:
                score_routes._check_submission(snapshot, firm, _api_key(caller))
            except InvalidSubmission:  # declared and stored differ: allowed, but a 422
                assert refused is None and stored != (declared or "00")
            except RegionForbidden as error:
                assert _status(error) == _expected(refused)
            else:
                assert refused is None


# Checks that audit their refusals: run on a database, the audit row compared too.


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def keys(engine: Engine) -> dict[str, ApiKey]:
    made = {name: create_key(engine, c.role, c.region) for name, c in CALLERS.items()}
    return {name: found for name, key in made.items() if (found := find_key(engine, key))}


def _last_audit(engine: Engine) -> tuple[str, str | None]:
    with Session(engine, expire_on_commit=False) as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    return entry.outcome, entry.subject_region


def _audited(refusal: Refusal | None, subject: str | None) -> tuple[str, str | None]:
    return (refusal.outcome, refusal.subject_region) if refusal else ("ok", subject)


@dataclass
class _State:
    snapshot: Any
    champion: Any

    def current(self) -> tuple[Any, Any]:
        return self.snapshot, self.champion


def _world() -> _State:
    regions = {firm: region for region, firm in FIRMS.items()}
    return _State(SimpleNamespace(regions=regions), SimpleNamespace(version="1"))


@pytest.mark.parametrize("name", CALLERS)
def test_region_page_and_route_checks_agree(
    name: str, engine: Engine, keys: dict[str, ApiKey]
) -> None:
    caller, key = CALLERS[name], keys[name]
    for region in ("26", "11", "00", "99"):
        refusal = policy.read_region(caller, region)
        with Session(engine, expire_on_commit=False) as session:  # as the app's
            api = _outcome(region_routes._allow, session, key, "e", region, "1")
            assert api == _expected(refusal)
            if refusal is None:  # the routes audit their "ok" after reading
                continue
            assert _last_audit(engine) == _audited(refusal, region)
            page = _outcome(web_regions.allow_region, session, key, region, "e", "1")
            assert page is not None and page[0] == refusal.status
            if refusal.status == 403:  # the page's 404 shows its own text, not the message
                assert page == _expected(refusal)
            assert _last_audit(engine) == _audited(refusal, region)


@pytest.mark.parametrize("name", CALLERS)
def test_visit_writes_agree(name: str, engine: Engine, keys: dict[str, ApiKey]) -> None:
    caller, key, world = CALLERS[name], keys[name], _world()
    body = VisitIn(visited_on=dt.date(2024, 6, 11), finding="supported", note=None)
    form = {"visited_on": "2024-06-11", "finding": "supported", "note": ""}
    for region in ("26", "11", "00", None):
        firm = _firm(region)
        refusal = policy.record_visit(caller, firm, region)
        with Session(engine, expire_on_commit=False) as session:  # as the app's
            api = _outcome(firm_routes.record_visit, firm, body, key, session, world)
            assert api == _expected(refusal)
            assert _last_audit(engine) == _audited(refusal, region)
            snapshot, champion = world.current()
            page = _outcome(web_records.add_visit, session, snapshot, champion, key, firm, form)
            assert page == _expected(refusal)
            assert _last_audit(engine) == _audited(refusal, region)
        if region is not None:
            assert web_records.may_record(key, region) == (refusal is None)


@pytest.mark.parametrize("name", CALLERS)
def test_stored_score_reads_agree(name: str, engine: Engine, keys: dict[str, ApiKey]) -> None:
    caller, key = CALLERS[name], keys[name]
    for region in ("26", "11", "00", None):
        score_id = uuid.uuid4()
        if region is not None:
            _store_score(engine, str(score_id), region, keys["admin"].id)
        refusal = policy.read_score(caller, str(score_id), region)
        with Session(engine, expire_on_commit=False) as session:  # as the app's
            found = _outcome(score_routes.get_score, score_id, key, session)
        assert found == _expected(refusal)


def _store_score(engine: Engine, score_id: str, region: str, key_id: int) -> None:
    row = ScoreRecord(
        score_id=score_id,
        firm_id=FIRMS[region],
        region=region,
        as_of=dt.date(2024, 6, 30),
        pd=0.1,
        grade="B",
        grade_table_version="g",
        model_name="m",
        model_version="1",
        key_id=key_id,
        created_at=now(),
        payload="{}",
    )
    with Session(engine) as session, session.begin():
        session.add(row)


@pytest.mark.parametrize("name", CALLERS)
def test_drift_check_agrees(
    name: str, engine: Engine, keys: dict[str, ApiKey], tmp_path: Path
) -> None:
    settings = SimpleNamespace(models_dir=tmp_path)  # no report: allowed callers get a 404
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(settings=settings)))
    refusal = policy.read_drift(CALLERS[name])
    with Session(engine, expire_on_commit=False) as session:  # as the app's
        found = _outcome(monitoring_routes.latest_drift, keys[name], request, session)
    if refusal is None:
        assert found is not None and found[0] == 404
    else:
        assert found == _expected(refusal)


@pytest.mark.parametrize(
    ("role", "region"),
    [
        *(("center", "26"), ("center", None), ("center", "00")),
        *(("analyst", None), ("analyst", "26"), ("admin", None), ("admin", "11"), ("boss", None)),
    ],
)
def test_key_shapes_agree(engine: Engine, role: str, region: str | None) -> None:
    shape = policy.key_shape(role, region)
    try:
        create_key(engine, role, region)
    except (InvalidRole, InvalidRegion) as error:
        assert shape is not None and shape[1] == str(error)
        assert shape[0] == ("role" if isinstance(error, InvalidRole) else "region")
    else:
        assert shape is None
