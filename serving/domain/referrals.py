"""Referrals to One-Team partners: made from a firm's case, answered by the partner.

A centre refers one of its firms to a partner organisation (중진공, 신용보증기금, a 시도's own
agency …) for a programme, with a note; the referral records the referring region, the firm's
case when it has one, and who made it. The partner sees only referrals made to its
organisation (``serving.access.policy.referral_scope``) and records its answer: reviewing,
approved with an amount, or declined, with the date. A referral outlives the firm's place on
the watch list and even the firm's presence in the data: it is the centre's record of the
hand-over, shown with ``in_data`` false and no name once the firm has gone.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core import clock
from core.contract import REGIONS
from serving.access import policy
from serving.domain.region_codes import UNKNOWN_NAMES
from serving.domain.state import Snapshot
from serving.errors import InvalidSubmission
from serving.schemas.referrals import DecisionIn, ReferralIn, ReferralOut, ReferralStatus
from serving.store.records import now
from serving.store.tables import ApiKey, Case, Referral, User

STATUSES: dict[str, tuple[str, str]] = {
    "referred": ("연계 요청", "referred"),
    "reviewing": ("검토 중", "under review"),
    "approved": ("지원 확정", "approved"),
    "declined": ("지원 불가", "declined"),
}
LISTED_MAX = 500  # newest first; a partner's inbox or a centre's outbox over years stays short


def acting(session: Session, key: ApiKey) -> policy.Acting:
    """The key as the rules read it, with the organisation of its user (None without one)."""
    organisation = None
    if key.user_id is not None:
        with session.begin():
            user = session.get(User, key.user_id)
        if user is not None and user.disabled_at is None:
            organisation = user.organisation
    return policy.Acting.of(key, organisation)


def partner_organisations(session: Session) -> list[str]:
    """The organisations of active partner accounts: those a centre may refer firms to."""
    query = select(User.organisation).where(
        User.role == "partner", User.disabled_at.is_(None), User.organisation.is_not(None)
    )
    with session.begin():
        names = {name.strip() for name in session.scalars(query) if name and name.strip()}
    return sorted(names)


def new_referral(
    session: Session, firm_id: str, region: str, body: ReferralIn, key: ApiKey
) -> Referral:
    """The row for a referral of ``firm_id`` by ``key``; the partner must be a known one."""
    known = partner_organisations(session)
    if body.partner not in known:
        listed = ", ".join(known) if known else "none yet: create a partner account first"
        message = f"partner {body.partner!r} is no partner organisation; known: {listed}"
        raise InvalidSubmission(("body", "partner"), message)
    with session.begin():
        case_id = session.scalar(select(Case.case_id).where(Case.firm_id == firm_id))
    at = now()
    return Referral(
        referral_id=str(uuid.uuid4()),
        case_id=case_id,
        firm_id=firm_id,
        region=region,
        partner=body.partner,
        programme=body.programme,
        note=body.note,
        status="referred",
        amount=None,
        decided_on=None,
        partner_note=None,
        created_at=at,
        created_by=key.user_id,
        updated_at=at,
    )


def find_referral(session: Session, referral_id: str) -> Referral | None:
    """A stored referral, detached from the session (its changes are written by ``decide``)."""
    with session.begin():
        referral = session.get(Referral, referral_id)
        if referral is not None:
            session.expunge(referral)
        return referral


def decide(session: Session, referral: Referral, body: DecisionIn) -> None:
    """Record the partner's answer: every check first, so a refused answer changes nothing;
    then the row's UPDATE is hooked to the session's next commit, the request's audit row's,
    and refused there if someone answered meanwhile (``StaleDataError``: retry)."""
    made_on = referral.created_at.astimezone(clock.KST).date()
    if body.decided_on < made_on:
        message = f"decided_on {body.decided_on} is before the referral was made ({made_on})"
        raise InvalidSubmission(("body", "decided_on"), message)
    read_at = referral.updated_at
    values = {
        "status": body.status,
        "amount": body.amount if body.status == "approved" else None,
        "decided_on": body.decided_on,
        "partner_note": body.note,
        "updated_at": now(),
    }
    for name, value in values.items():
        setattr(referral, name, value)  # detached: what the response shows

    def update_referral(commit: Session) -> None:
        done = commit.execute(
            update(Referral)
            .where(Referral.referral_id == referral.referral_id, Referral.updated_at == read_at)
            .values(**values)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            message = f"referral {referral.referral_id} was answered meanwhile; reload and retry"
            raise StaleDataError(message)

    event.listen(session, "before_commit", update_referral, once=True)


def listed(
    session: Session,
    scope: policy.ReferralScope,
    firm_id: str | None = None,
    status: ReferralStatus | None = None,
) -> list[Referral]:
    """The referrals a scope allows, newest first (at most ``LISTED_MAX``)."""
    if scope.nothing:
        return []
    query = select(Referral).order_by(Referral.created_at.desc(), Referral.referral_id)
    if scope.region is not None:
        query = query.where(Referral.region == scope.region)
    if scope.partner is not None:
        query = query.where(Referral.partner == scope.partner)
    if firm_id is not None:
        query = query.where(Referral.firm_id == firm_id)
    if status is not None:
        query = query.where(Referral.status == status)
    with session.begin():
        return list(session.scalars(query.limit(LISTED_MAX)))


def described(
    session: Session, snapshot: Snapshot, referrals: Sequence[Referral]
) -> list[ReferralOut]:
    """The referrals as shown: firm names from the data, referrers' names from the accounts."""
    names = _firm_names(snapshot, {r.firm_id for r in referrals})
    staff = _staff_names(session, (r.created_by for r in referrals))
    present = {r.firm_id for r in referrals if r.firm_id in snapshot.regions}
    return [_out(r, names, staff, r.firm_id in present) for r in referrals]


def _firm_names(snapshot: Snapshot, firm_ids: set[str]) -> dict[str, str | None]:
    firms = snapshot.tables.firms
    if not firm_ids or "name" not in firms.columns:
        return {}
    found = firms[firms["firm_id"].astype("string").isin(firm_ids)]
    return {
        str(firm_id): (str(name) if isinstance(name, str) and name.strip() else None)
        for firm_id, name in zip(found["firm_id"], found["name"], strict=True)
    }


def _staff_names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {u for u in user_ids if u is not None}
    if not wanted:
        return {}
    with session.begin():
        rows = session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
        return {user_id: name for user_id, name in rows}


def _out(
    referral: Referral, names: dict[str, str | None], staff: dict[int, str], in_data: bool
) -> ReferralOut:
    ko, en = STATUSES.get(referral.status, (referral.status, referral.status))
    region_ko = REGIONS.get(referral.region) or UNKNOWN_NAMES[0]
    return ReferralOut(
        referral_id=referral.referral_id,
        firm_id=referral.firm_id,
        firm_name=names.get(referral.firm_id),
        region=referral.region,
        region_ko=region_ko,
        case_id=referral.case_id,
        partner=referral.partner,
        programme=referral.programme,
        note=referral.note,
        status=referral.status,  # type: ignore[arg-type]
        status_ko=ko,
        status_en=en,
        amount=referral.amount,
        decided_on=referral.decided_on,
        partner_note=referral.partner_note,
        created_at=referral.created_at,
        created_by=staff.get(referral.created_by) if referral.created_by is not None else None,
        updated_at=referral.updated_at,
        in_data=in_data,
    )


def made_on(referral: Referral) -> dt.date:
    """The Korean date a referral was made (the monthly counts of the national view)."""
    return referral.created_at.astimezone(clock.KST).date()
