"""The one access policy (``serving.access.policy``): roles × regions × actions in a table.

The routes and pages all ask the policy; what they answer and audit is held by
tests/serving/test_access.py, test_audit.py and tests/reliability/test_matrix.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import pytest

from core.contract import REGIONS
from serving.access import policy
from serving.access.policy import Refusal
from serving.errors import RegionForbidden, RoleForbidden, UnknownFirm


@dataclass(frozen=True)
class Key:
    role: str
    region: str | None
    organisation: str | None = None


CALLERS: Final = {
    "centre 26": Key("center", "26"),
    "centre 11": Key("center", "11"),
    "analyst": Key("analyst", None),
    "admin": Key("admin", None),
    "partner": Key("partner", None, "중진공"),
    "office 26": Key("office", "26"),
    "local_gov 26": Key("local_gov", "26"),
}
FIRMS: Final = {"26": "1000000026", "11": "1000000011", "00": "1000000000"}  # region -> firm
UNKNOWN_FIRM: Final = "9999999999"

ACTIONS: Final[dict[str, Callable[[Key, str | None], Refusal | None]]] = {
    "read region": lambda key, target: policy.read_region(key, target or ""),
    "read region figures": lambda key, target: policy.read_region_figures(key, target or ""),
    "read firm": lambda key, target: policy.read_firm(key, _firm(target), target),
    "read score": lambda key, target: policy.read_score(key, "s", target),
    "record visit": lambda key, target: policy.record_visit(key, _firm(target), target),
    "submit statements": lambda key, target: policy.submit_statements(key, target, None),
    "use admin": lambda key, _: policy.use_admin(key),
    "read drift": lambda key, _: policy.read_drift(key),
    "change case": lambda key, target: policy.change_case(key, _firm(target), target),
    "run scenario": lambda key, target: policy.run_scenario(key, target),
    "refer firm": lambda key, target: policy.refer_firm(key, _firm(target), target),
    "read national": lambda key, _: policy.read_national(key),
    "read referrals": lambda key, _: policy.read_referrals(key),
}
# action, target (a region; None: no such firm or score, no region declared, or no target):
# the status each caller gets, for centre 26, centre 11, analyst, admin, a partner, the 26
# office and the 26 local government, as CALLERS lists them (None: allowed).
TABLE: Final = [
    ("read region", "26", (None, 403, None, None, 403, 403, 403)),
    ("read region", "00", (403, 403, None, None, 403, 403, 403)),
    ("read region", "99", (404, 404, 404, 404, 404, 404, 404)),
    ("read region figures", "26", (None, 403, None, None, 403, None, None)),
    ("read region figures", "11", (403, None, None, None, 403, 403, 403)),
    ("read region figures", "00", (403, 403, None, None, 403, 403, 403)),
    ("read region figures", "99", (404, 404, 404, 404, 404, 404, 404)),
    ("read firm", "26", (None, 403, None, None, 403, 403, 403)),
    ("read firm", "00", (403, 403, None, None, 403, 403, 403)),
    ("read firm", None, (403, 403, 404, 404, 403, 403, 403)),  # nothing learnt of unknown ids
    ("read score", "26", (None, 403, None, None, 403, 403, 403)),
    ("read score", "00", (403, 403, None, None, 403, 403, 403)),
    ("read score", None, (404, 404, 404, 404, 404, 404, 404)),  # random ids: nothing to learn
    ("record visit", "26", (None, 403, 403, None, 403, 403, 403)),
    ("record visit", "00", (403, 403, 403, None, 403, 403, 403)),
    ("record visit", None, (403, 403, 404, 404, 403, 403, 403)),
    ("change case", "26", (None, 403, 403, None, 403, 403, 403)),
    ("change case", None, (403, 403, 404, 404, 403, 403, 403)),
    ("refer firm", "26", (None, 403, 403, None, 403, 403, 403)),
    ("refer firm", "00", (403, 403, 403, None, 403, 403, 403)),
    ("refer firm", None, (403, 403, 404, 404, 403, 403, 403)),
    ("submit statements", "26", (None, 403, None, None, 403, 403, 403)),
    ("submit statements", None, (403, 403, None, None, 403, 403, 403)),  # declared as "00"
    ("run scenario", "26", (None, 403, None, None, 403, 403, 403)),
    ("run scenario", None, (403, 403, None, None, 403, 403, 403)),  # national
    ("use admin", None, (403, 403, 403, None, 403, 403, 403)),
    ("read drift", None, (403, 403, None, None, 403, 403, 403)),
    ("read national", None, (None, None, None, None, 403, None, None)),
    ("read referrals", None, (None, None, None, None, None, 403, 403)),
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
    assert policy.listed_regions(CALLERS["office 26"], served) == ["26"]
    assert policy.listed_regions(CALLERS["local_gov 26"], served) == ["26"]
    assert policy.listed_regions(CALLERS["partner"], served) == []
    assert [policy.on_record(c) for c in CALLERS.values()] == [False, False, False, True] + [
        False
    ] * 3


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
        *(("office", "26", None), ("office", None, "region"), ("office", "00", "region")),
        *(("local_gov", "11", None), ("local_gov", None, "region")),
        *(("partner", None, None), ("partner", "26", "region")),
    ],
)
def test_key_shapes(role: str, region: str | None, field: str | None) -> None:
    shape = policy.key_shape(role, region)
    assert (shape[0] if shape else None) == field


@dataclass(frozen=True)
class Made:
    """A referral as the rules read it."""

    region: str
    partner: str


REFERRALS: Final = {"26 to 중진공": Made("26", "중진공"), "11 to 신보": Made("11", "신용보증기금")}
# referral: read, decide, for every caller in CALLERS' order (None: allowed).
REFERRAL_TABLE: Final = [
    ("26 to 중진공", "read", (None, 403, None, None, None, 403, 403)),
    ("26 to 중진공", "decide", (403, 403, 403, None, None, 403, 403)),
    ("11 to 신보", "read", (403, None, None, None, 403, 403, 403)),
    ("11 to 신보", "decide", (403, 403, 403, None, 403, 403, 403)),
]


@pytest.mark.parametrize(("referral", "action", "statuses"), REFERRAL_TABLE)
def test_the_referral_table(referral: str, action: str, statuses: tuple[int | None]) -> None:
    rule = policy.read_referral if action == "read" else policy.decide_referral
    for caller, expected in zip(CALLERS.values(), statuses, strict=True):
        refusal = rule(caller, REFERRALS[referral])
        assert (refusal.status if refusal else None) == expected, (referral, action, caller)


@pytest.mark.parametrize("organisation", [None, "", "   "])
def test_a_partner_without_an_organisation_sees_nothing(organisation: str | None) -> None:
    partner = Key("partner", None, organisation)
    assert policy.referral_scope(partner) == policy.ReferralScope(nothing=True)
    for referral in REFERRALS.values():
        assert policy.read_referral(partner, referral) is not None
        assert policy.decide_referral(partner, referral) is not None
    # an ApiKey-like caller with no organisation attribute at all
    assert policy.organisation_of(policy.Acting("partner", None)) is None
    assert policy.referral_scope(policy.Acting("partner", None)).nothing


def test_referral_scopes_by_role() -> None:
    scopes = {name: policy.referral_scope(caller) for name, caller in CALLERS.items()}
    assert scopes["centre 26"] == policy.ReferralScope(region="26")
    assert scopes["analyst"] == scopes["admin"] == policy.ReferralScope()
    assert scopes["partner"] == policy.ReferralScope(partner="중진공")
    assert scopes["office 26"].nothing and scopes["local_gov 26"].nothing


def test_the_new_roles_never_reach_a_firm_whatever_the_region() -> None:
    for caller in (CALLERS["partner"], CALLERS["office 26"], CALLERS["local_gov 26"]):
        for region in (*REGIONS, "00", None):
            assert policy.read_firm(caller, "1000000026", region) is not None
            assert not policy.sees_region(caller, region)


@pytest.mark.parametrize(
    ("role", "region", "organisation", "field"),
    [
        ("partner", None, "중진공", None),
        ("partner", None, None, "organisation"),
        ("partner", None, "  ", "organisation"),
        ("office", "26", None, None),
        ("office", "26", "부산지방중소벤처기업청", None),
        ("center", "26", "가" * 65, "organisation"),
        ("partner", "26", "중진공", "region"),
    ],
)
def test_account_shapes(
    role: str, region: str | None, organisation: str | None, field: str | None
) -> None:
    shape = policy.account_shape(role, region, organisation)
    assert (shape[0] if shape else None) == field
