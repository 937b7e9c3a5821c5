"""The one access policy (``serving.access.policy``): roles × regions × actions in a table.

The routes and pages all ask the policy; what they answer and audit is held by
tests/serving/test_access.py, test_audit.py and tests/reliability/test_matrix.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import pytest

from serving.access import policy
from serving.access.policy import Refusal
from serving.errors import RegionForbidden, RoleForbidden, UnknownFirm


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


def test_each_refusal_raises_the_error_its_status_and_page_need() -> None:
    analyst, centre = CALLERS["analyst"], CALLERS["centre 26"]
    refusals = {
        UnknownFirm: policy.read_firm(analyst, UNKNOWN_FIRM, None),
        RegionForbidden: policy.read_region(centre, "11"),
        RoleForbidden: policy.record_visit(analyst, FIRMS["26"], "26"),
    }
    for error_type, refusal in refusals.items():
        assert refusal is not None
        error = refusal.error()
        assert type(error) is error_type and str(error) == refusal.message
        with pytest.raises(error_type):
            policy.enforce(refusal)
    policy.enforce(None)


@pytest.mark.parametrize(
    ("role", "region", "field"),
    [
        *(("center", "26", None), ("center", None, "region"), ("center", "00", "region")),
        *(("analyst", None, None), ("analyst", "26", "region"), ("admin", None, None)),
        *(("admin", "11", "region"), ("boss", None, "role")),
    ],
)
def test_key_shapes(role: str, region: str | None, field: str | None) -> None:
    shape = policy.key_shape(role, region)
    assert (shape[0] if shape else None) == field
