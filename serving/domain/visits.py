"""Visit outcomes (SPEC §3.5): recorded by a firm's own centre, listed with the imported ones.

Visits recorded through the service live in the service database (``visits``); visits that came
with the raw data (the demo's ``visits`` table) are read from the snapshot, so staff see both.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.domain.state import Snapshot
from serving.schemas.firms import VisitIn, VisitOut
from serving.store.records import now
from serving.store.tables import ApiKey, User, Visit

FINDINGS: dict[str, tuple[str, str]] = {
    "crisis_confirmed": ("위기 확인", "crisis confirmed"),
    "no_crisis": ("위기 아님", "no crisis"),
    "supported": ("지원 연계", "support arranged"),
    "referred": ("타 기관 연계", "referred"),
}
CONTACT_TYPES: dict[str, tuple[str, str]] = {
    "phone": ("전화", "phone call"),
    "visit": ("방문", "visit"),
    "video": ("화상", "video meeting"),
}
OUTCOMES: dict[str, tuple[str, str]] = {
    "support_needed": ("지원 필요", "support needed"),
    "applied": ("지원 신청", "applied for support"),
    "approved": ("지원 확정", "support approved"),
    "declined_by_firm": ("기업이 거절", "declined by the firm"),
    "not_reached": ("연락 안 됨", "could not be reached"),
    "no_action": ("조치 불필요", "no action needed"),
}


def _named(names: dict[str, tuple[str, str]], code: str | None) -> tuple[str | None, str | None]:
    if code is None:
        return None, None
    return names.get(code, (code, code))


def new_visit(firm_id: str, region: str, body: VisitIn, key: ApiKey) -> Visit:
    """The row to store for a visit recorded by ``key`` (its id is a fresh UUID)."""
    return Visit(
        visit_id=str(uuid.uuid4()),
        firm_id=firm_id,
        region=region,
        visited_on=body.visited_on,
        finding=body.finding,
        note=body.note,
        key_id=key.id,
        recorded_at=now(),
        user_id=key.user_id,
        contact_type=body.contact_type,
        programme=body.programme,
        amount=body.amount,
        outcome=body.outcome,
    )


def recorder(session: Session, key: ApiKey) -> str:
    """How a visit names who recorded it: the person's name, else the key's prefix."""
    if key.user_id is None:
        return key.prefix
    with session.begin():
        name = session.scalar(select(User.display_name).where(User.id == key.user_id))
    return name or key.prefix


def recorded(visit: Visit, recorded_by: str | None) -> VisitOut:
    ko, en = FINDINGS.get(visit.finding, (visit.finding, visit.finding))
    contact_ko, contact_en = _named(CONTACT_TYPES, visit.contact_type)
    outcome_ko, outcome_en = _named(OUTCOMES, visit.outcome)
    return VisitOut(
        visit_id=visit.visit_id,
        firm_id=visit.firm_id,
        visited_on=visit.visited_on,
        finding=visit.finding,
        finding_ko=ko,
        finding_en=en,
        note=visit.note,
        contact_type=visit.contact_type,
        contact_type_ko=contact_ko,
        contact_type_en=contact_en,
        programme=visit.programme,
        amount=visit.amount,
        outcome=visit.outcome,
        outcome_ko=outcome_ko,
        outcome_en=outcome_en,
        source="service",
        recorded_at=visit.recorded_at,
        recorded_by=recorded_by,
    )


def imported(snapshot: Snapshot, firm_id: str) -> list[VisitOut]:
    """Visits of the raw data's ``visits`` table for one firm."""
    table = snapshot.tables.visits
    rows = table[(table["firm_id"].astype("string") == firm_id).fillna(False)]
    out = []
    for row in rows.itertuples(index=False):
        finding = str(row.finding)
        ko, en = FINDINGS.get(finding, (finding, finding))
        note = None if pd.isna(row.note) else str(row.note)
        out.append(
            VisitOut(
                visit_id=None,
                firm_id=firm_id,
                visited_on=pd.Timestamp(row.visited_on).date(),
                finding=finding,
                finding_ko=ko,
                finding_en=en,
                note=note,
                source="imported",
                recorded_at=None,
                recorded_by=None,
            )
        )
    return out


def firm_visits(session: Session, snapshot: Snapshot, firm_id: str) -> list[VisitOut]:
    """Every visit of a firm, newest first (recorded before imported on the same day)."""
    query = (
        select(Visit, ApiKey.prefix, User.display_name)
        .join(ApiKey, Visit.key_id == ApiKey.id, isouter=True)
        .join(User, Visit.user_id == User.id, isouter=True)
        .where(Visit.firm_id == firm_id)
    )
    with session.begin():
        stored = [recorded(visit, name or prefix) for visit, prefix, name in session.execute(query)]
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)

    def newest_first(visit: VisitOut) -> tuple[dt.date, bool, dt.datetime]:
        at = visit.recorded_at or oldest
        return visit.visited_on, visit.source == "service", at.replace(tzinfo=at.tzinfo or dt.UTC)

    return sorted([*stored, *imported(snapshot, firm_id)], key=newest_first, reverse=True)
