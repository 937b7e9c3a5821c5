"""Referrals to One-Team partners: a centre refers a firm from its case, the partner answers.

The firm's own centre (and admins) refer; the partner organisation it was made to (and admins)
records the decision; centres read their region's, analysts and admins every one; a partner
key lists only its organisation's (none when its user names no organisation). Office and
local-government keys read none. Every call is audited, refused ones too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BeforeValidator

from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import CurrentKey, SessionDep
from serving.deps import StateDep
from serving.domain import referrals
from serving.errors import UnknownFirm
from serving.openapi import KEYED, errors
from serving.schemas import FIRM_ID_DESCRIPTION, FIRM_ID_PATTERN, normalise_firm_id
from serving.schemas.referrals import (
    DecisionIn,
    ReferralIn,
    ReferralOut,
    ReferralsOut,
    ReferralStatus,
)

router = APIRouter(prefix="/v1", tags=["referrals"], responses=errors(*KEYED, 403, 404))
FirmPath = Annotated[
    str,
    BeforeValidator(normalise_firm_id),
    Path(pattern=FIRM_ID_PATTERN, description=FIRM_ID_DESCRIPTION),
]
ReferralPath = Annotated[str, Path(min_length=1, max_length=36, description="A referral's id")]


@router.post(
    "/firms/{firm_id}/referrals",
    response_model=ReferralOut,
    status_code=status.HTTP_201_CREATED,
    summary="Refer a firm to a partner organisation",
    responses=errors(413, 422),
)
def refer(
    firm_id: FirmPath, body: ReferralIn, key: CurrentKey, session: SessionDep, state: StateDep
) -> ReferralOut:
    """The firm's own centre (or an admin) hands the case to a partner with a note."""
    endpoint = "POST /v1/firms/{firm_id}/referrals"
    snapshot, champion = state.current()
    region = snapshot.regions.get(firm_id)
    with attempt(session, key, endpoint, [firm_id], champion.version, region) as entry:
        entry.check(policy.refer_firm(key, firm_id, region))
        assert region is not None  # refer_firm refuses an unknown firm
        referral = referrals.new_referral(session, firm_id, region, body, key)
        entry.rows.append(referral)
    return referrals.described(session, snapshot, [referral])[0]


@router.get(
    "/firms/{firm_id}/referrals",
    response_model=list[ReferralOut],
    summary="A firm's referrals and what the partners did, newest first",
)
def firm_referrals(
    firm_id: FirmPath, key: CurrentKey, session: SessionDep, state: StateDep
) -> list[ReferralOut]:
    """The chain from the firm's case: to whom, for what, and the answer."""
    endpoint = "GET /v1/firms/{firm_id}/referrals"
    snapshot, champion = state.current()
    region = snapshot.regions.get(firm_id)
    with attempt(session, key, endpoint, [firm_id], champion.version, region) as entry:
        entry.check(policy.read_firm(key, firm_id, region))
        found = referrals.listed(session, policy.referral_scope(key), firm_id)
        return referrals.described(session, snapshot, found)


@router.get(
    "/referrals",
    response_model=ReferralsOut,
    summary="Referrals the key may see: a partner's inbox, a centre's outbox",
)
def list_referrals(
    key: CurrentKey,
    session: SessionDep,
    state: StateDep,
    status_: Annotated[
        ReferralStatus | None,
        Query(alias="status", description="referred, reviewing, approved or declined"),
    ] = None,
) -> ReferralsOut:
    """A partner key gets the referrals made to its organisation, a centre key its region's,
    analysts and admins all; office and local-government keys are refused."""
    snapshot, champion = state.current()
    caller = referrals.acting(session, key)
    with attempt(session, key, "GET /v1/referrals", (), champion.version) as entry:
        entry.check(policy.read_referrals(caller))
        scope = policy.referral_scope(caller)
        found = referrals.listed(session, scope, status=status_)
        entry.firm_ids = [r.firm_id for r in found]
        partner = scope.partner if caller.role == "partner" else None
        return ReferralsOut(partner=partner, items=referrals.described(session, snapshot, found))


@router.get(
    "/referrals/{referral_id}",
    response_model=ReferralOut,
    summary="One referral",
)
def read_referral(
    referral_id: ReferralPath, key: CurrentKey, session: SessionDep, state: StateDep
) -> ReferralOut:
    snapshot, champion = state.current()
    caller = referrals.acting(session, key)
    referral = referrals.find_referral(session, referral_id)
    firm_ids, region = ([referral.firm_id], referral.region) if referral else ([], None)
    endpoint = "GET /v1/referrals/{referral_id}"
    with attempt(session, key, endpoint, firm_ids, champion.version, region) as entry:
        if referral is None:  # ids are random: an unknown one teaches nothing
            raise UnknownFirm(f"no referral with referral_id {referral_id}")
        entry.check(policy.read_referral(caller, referral))
        return referrals.described(session, snapshot, [referral])[0]


@router.post(
    "/referrals/{referral_id}/decision",
    response_model=ReferralOut,
    summary="Record what the partner did: reviewing, approved (amount) or declined",
    responses=errors(413, 422),
)
def decide(
    referral_id: ReferralPath,
    body: DecisionIn,
    key: CurrentKey,
    session: SessionDep,
    state: StateDep,
) -> ReferralOut:
    """Only the partner it was referred to (or an admin) answers; the centre reads it."""
    snapshot, champion = state.current()
    caller = referrals.acting(session, key)
    referral = referrals.find_referral(session, referral_id)
    firm_ids, region = ([referral.firm_id], referral.region) if referral else ([], None)
    endpoint = "POST /v1/referrals/{referral_id}/decision"
    with attempt(session, key, endpoint, firm_ids, champion.version, region) as entry:
        if referral is None:
            raise UnknownFirm(f"no referral with referral_id {referral_id}")
        entry.check(policy.decide_referral(caller, referral))
        referrals.decide(session, referral, body)
    return referrals.described(session, snapshot, [referral])[0]
