"""Cases: each watch-listed firm's stage, owner, next follow-up date and last contact, with every
change kept as a ``CaseEvent`` (docs/casework.md).

A firm nobody has worked on has no row: it reads as 미접촉. The row is made at the first change
(a status, an owner, a date, a note, or a recorded call or visit). Each kind of change is one
function here; each validates before it touches the row and returns nothing but the events it
adds to the ``CaseWork``.

How a change is written: the caller (an API route or a page, inside
``serving.access.audit.attempt``) appends ``written(session, work)`` to the attempt's rows: a new
case row and the events, which ``records.record`` inserts with the audit row. A stored case is
changed as a detached copy, and ``written`` has the request's session run its UPDATE at the
start of that same commit (a one-shot ``before_commit`` hook), so the case row, its events and
the audit row commit together or not at all. The UPDATE names the ``updated_at`` it read: a
case another request changed meanwhile is not overwritten (the commit fails, nothing is kept).
Every check (the assignee's look-up too) runs before the first change, and ``written`` is the
last call of a granted attempt.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from serving.errors import InvalidSubmission
from serving.schemas.cases import (
    CaseChangeIn,
    CaseEventOut,
    CaseOut,
    CasesOut,
    CaseStatus,
    StaffLoad,
)
from serving.schemas.watchlist import WatchlistOut
from serving.store.records import now
from serving.store.tables import ApiKey, Base, Case, CaseEvent, User

STATUSES: Final[dict[str, tuple[str, str]]] = {
    "uncontacted": ("미접촉", "not contacted"),
    "contacted": ("연락", "contacted"),
    "visited": ("방문", "visited"),
    "supported": ("지원연계", "support arranged"),
    "monitoring": ("모니터링", "monitoring"),
    "closed": ("종결", "closed"),
}
ORDER: Final = tuple(STATUSES)
# Work goes back as well as forward: a supported firm is monitored, a monitored or closed firm
# that slips again is contacted anew. Only these two stages may be returned to.
BACK_TO: Final = frozenset({"contacted", "monitoring"})
OPEN: Final = tuple(s for s in ORDER if s != "closed")
# The stage a recorded contact reaches (``VisitIn.contact_type``): a call or a video meeting
# is a contact, only an on-site visit is a visit.
CONTACT_STAGE: Final[dict[str, str]] = {
    "phone": "contacted",
    "video": "contacted",
    "visit": "visited",
}
DEFAULT_CAPACITY: Final = 20  # open cases a person carries when users.capacity is not set


@dataclass(frozen=True)
class Actor:
    """Who makes a change: the key used and the person behind it (None: a shared key)."""

    key_id: int | None
    user_id: int | None

    @classmethod
    def of(cls, key: ApiKey) -> Actor:
        return cls(key.id, key.user_id)


@dataclass
class CaseWork:
    """One request's changes to one case: the row (new or loaded) and the events added."""

    case: Case  # detached: changing it touches no session
    new: bool
    events: list[CaseEvent] = field(default_factory=list)
    read_at: dt.datetime | None = None  # the stored row's updated_at when it was read

    def log(self, actor: Actor, name: str, old: object, new: object, note: str | None) -> None:
        at = now()
        self.case.updated_at = at
        self.events.append(
            CaseEvent(
                case_id=self.case.case_id,
                at=at,
                key_id=actor.key_id,
                user_id=actor.user_id,
                field=name,
                old_value=_text(old),
                new_value=_text(new),
                note=note,
            )
        )


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


_CHANGED: Final = ("status", "assignee_id", "next_follow_up", "last_contact", "updated_at")


def find_case(session: Session, firm_id: str) -> Case | None:
    """The firm's stored case, detached from the session (None: nobody has worked on it)."""
    with session.begin():
        case = session.scalar(select(Case).where(Case.firm_id == firm_id))
        if case is not None:
            session.expunge(case)
        return case


def start(session: Session, firm_id: str, region: str) -> CaseWork:
    """The firm's case to change: the stored row, or a new 미접촉 one (inserted only if a change
    is made)."""
    stored = find_case(session, firm_id)
    if stored is not None:
        return CaseWork(stored, new=False, read_at=stored.updated_at)
    at = now()
    case = Case(
        case_id=str(uuid.uuid4()),
        firm_id=firm_id,
        region=region,
        status="uncontacted",
        assignee_id=None,
        next_follow_up=None,
        last_contact=None,
        opened_at=at,
        updated_at=at,
        closed_at=None,
    )
    return CaseWork(case, new=True)


def written(session: Session, work: CaseWork) -> list[Base]:
    """The rows a granted change inserts (a new case row before its events, the events); for a
    stored case, its UPDATE is hooked to the session's next commit, the one of those rows."""
    if not work.events:
        return []
    if work.new:
        return [work.case, *work.events]
    case, read_at = work.case, work.read_at
    values = {name: getattr(case, name) for name in _CHANGED}
    values["closed_at"] = case.closed_at

    def update_case(commit: Session) -> None:
        done = commit.execute(
            update(Case)
            .where(Case.case_id == case.case_id, Case.updated_at == read_at)
            .values(**values)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleDataError(f"case of firm {case.firm_id} was changed meanwhile; retry")

    event.listen(session, "before_commit", update_case, once=True)
    return list(work.events)


def may_move(old: str, new: str) -> bool:
    """Forward to any later stage; back only to 연락 or 모니터링 (which also reopens 종결)."""
    if old == new or new == "uncontacted":
        return False
    return ORDER.index(new) > ORDER.index(old) or new in BACK_TO


def check_status(work: CaseWork, new: str) -> None:
    old = work.case.status
    if new != old and not may_move(old, new):
        allowed = ", ".join(s for s in ORDER if may_move(old, s))
        message = f"status cannot go from {old} to {new}; from {old} it may go to {allowed}"
        raise InvalidSubmission(("body", "status"), message)


def change_status(work: CaseWork, new: str, actor: Actor, note: str | None = None) -> None:
    """Move the case to ``new`` (``may_move``); 종결 closes it, leaving 종결 reopens it."""
    check_status(work, new)
    old = work.case.status
    if new == old:
        return
    work.case.status = new
    work.case.closed_at = now() if new == "closed" else None
    work.log(actor, "status", old, new, note)


def staff_member(session: Session, user_id: int, region: str) -> User:
    """An active staff member of the centre of ``region`` (a case's only possible owners)."""
    with session.begin():
        user = session.get(User, user_id)
    if user is None or user.disabled_at is not None:
        message = f"assignee_id {user_id} is not an active staff account"
        raise InvalidSubmission(("body", "assignee_id"), message)
    if user.role != "center" or user.region != region:
        message = f"assignee_id {user_id} is not on the staff of the centre of region {region}"
        raise InvalidSubmission(("body", "assignee_id"), message)
    return user


def assign(work: CaseWork, assignee: User | None, actor: Actor, note: str | None = None) -> None:
    """Give the case to ``assignee`` (checked by ``staff_member``), or release it (None)."""
    new = assignee.id if assignee is not None else None
    old = work.case.assignee_id
    if new != old:
        work.case.assignee_id = new
        work.log(actor, "assignee", old, new, note)


def set_follow_up(
    work: CaseWork, when: dt.date | None, actor: Actor, note: str | None = None
) -> None:
    """The next follow-up date (checked not to be in the past by ``CaseChangeIn``), or none."""
    old = work.case.next_follow_up
    if when != old:
        work.case.next_follow_up = when
        work.log(actor, "next_follow_up", old, when, note)


def add_note(work: CaseWork, note: str, actor: Actor) -> None:
    """A note with no other change, kept as an event of its own."""
    work.log(actor, "note", None, None, note)


def record_contact(work: CaseWork, contact_type: str, on: dt.date, actor: Actor) -> None:
    """A recorded call, video meeting or visit: the last contact moves forward to ``on`` (a
    late-entered older contact leaves it), and 미접촉 or 연락 advance to the contact's stage;
    later stages (지원연계, 모니터링, 종결) stay as they are."""
    case = work.case
    if case.last_contact is None or on > case.last_contact:
        old = case.last_contact
        case.last_contact = on
        work.log(actor, "last_contact", old, on, None)
    stage = CONTACT_STAGE.get(contact_type, "contacted")
    if case.status in ("uncontacted", "contacted") and ORDER.index(stage) > ORDER.index(
        case.status
    ):
        old_status = case.status
        case.status = stage
        work.log(actor, "status", old_status, stage, None)  # the visit list says which contact


def change(session: Session, work: CaseWork, body: CaseChangeIn, actor: Actor, region: str) -> None:
    """Apply a ``CaseChangeIn``: every check first (status move, assignee), then the changes,
    the note going with the first of them (or kept alone when nothing else changed)."""
    given = body.model_fields_set
    if "status" in given and body.status is not None:
        check_status(work, body.status)
    assignee = None
    if "assignee_id" in given and body.assignee_id is not None:
        assignee = staff_member(session, body.assignee_id, region)
    before = len(work.events)
    note = body.note
    if "status" in given and body.status is not None:
        change_status(work, body.status, actor, note)
    if "assignee_id" in given:
        assign(work, assignee, actor, note if len(work.events) == before else None)
    if "next_follow_up" in given:
        set_follow_up(
            work, body.next_follow_up, actor, note if len(work.events) == before else None
        )
    if note is not None and len(work.events) == before:
        add_note(work, note, actor)


def is_overdue(case: Case | None, today: dt.date) -> bool:
    return (
        case is not None
        and case.status != "closed"
        and case.next_follow_up is not None
        and case.next_follow_up < today
    )


def _names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {u for u in user_ids if u is not None}
    if not wanted:
        return {}
    with session.begin():
        rows = session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
        return {user_id: name for user_id, name in rows}


def case_out(
    case: Case | None,
    firm_id: str,
    region: str,
    today: dt.date,
    names: dict[int, str],
    events: list[CaseEventOut] | None = None,
) -> CaseOut:
    """A case as the API shows it (``case`` None: a firm nobody has worked on, 미접촉);
    ``names`` maps user ids to display names."""
    status: CaseStatus = case.status if case is not None else "uncontacted"  # type: ignore[assignment]
    ko, en = STATUSES.get(status, (status, status))
    assignee = case.assignee_id if case is not None else None
    return CaseOut(
        case_id=case.case_id if case else None,
        firm_id=firm_id,
        region=region,
        status=status,
        status_ko=ko,
        status_en=en,
        assignee_id=assignee,
        assignee_name=names.get(assignee) if assignee is not None else None,
        next_follow_up=case.next_follow_up if case else None,
        overdue=is_overdue(case, today),
        last_contact=case.last_contact if case else None,
        opened_at=case.opened_at if case else None,
        updated_at=case.updated_at if case else None,
        closed_at=case.closed_at if case else None,
        events=events or [],
    )


def firm_case(session: Session, firm_id: str, region: str, today: dt.date) -> CaseOut:
    """A firm's case with its events, newest first (미접촉 with none when it has no row)."""
    case = find_case(session, firm_id)
    if case is None:
        return case_out(None, firm_id, region, today, {})
    with session.begin():
        events = list(
            session.scalars(
                select(CaseEvent)
                .where(CaseEvent.case_id == case.case_id)
                .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())
            )
        )
    names = _names(session, [case.assignee_id, *(e.user_id for e in events)])
    return case_out(case, firm_id, region, today, names, [_event(e, names) for e in events])


def _event(event: CaseEvent, names: dict[int, str]) -> CaseEventOut:
    return CaseEventOut(
        at=event.at,
        field=event.field,
        old_value=event.old_value,
        new_value=event.new_value,
        note=event.note,
        key_id=event.key_id,
        user_id=event.user_id,
        user_name=names.get(event.user_id) if event.user_id is not None else None,
    )


def cases_of(session: Session, firm_ids: list[str]) -> dict[str, Case]:
    """The stored cases of these firms (firms without one are left out)."""
    if not firm_ids:
        return {}
    with session.begin():
        found = session.scalars(select(Case).where(Case.firm_id.in_(firm_ids)))
        return {case.firm_id: case for case in found}


def briefs(
    session: Session, firm_ids: list[str], region: str, today: dt.date
) -> dict[str, CaseOut]:
    """Each firm's case without its events (미접촉 for firms with no row), for a list."""
    stored = cases_of(session, firm_ids)
    names = _names(session, [c.assignee_id for c in stored.values()])
    return {f: case_out(stored.get(f), f, region, today, names) for f in firm_ids}


def with_cases(session: Session, watch: WatchlistOut, today: dt.date) -> WatchlistOut:
    """The watch list with each listed firm's case (status, owner, next date, overdue)."""
    found = briefs(session, [item.firm_id for item in watch.items], watch.region, today)
    items = [item.model_copy(update={"case": found[item.firm_id]}) for item in watch.items]
    return watch.model_copy(update={"items": items})


def open_cases(
    session: Session,
    region: str,
    today: dt.date,
    assignee_id: int | None = None,
    overdue_only: bool = False,
) -> CasesOut:
    """A centre's open cases, the soonest follow-up first (overdue ones lead, undated last)."""
    query = select(Case).where(Case.region == region, Case.status.in_(OPEN))
    if assignee_id is not None:
        query = query.where(Case.assignee_id == assignee_id)
    if overdue_only:
        query = query.where(Case.next_follow_up < today)
    with session.begin():
        found = list(session.scalars(query))
    names = _names(session, [c.assignee_id for c in found])
    found.sort(key=lambda c: (c.next_follow_up is None, c.next_follow_up or today, c.firm_id))
    items = [case_out(c, c.firm_id, region, today, names) for c in found]
    return CasesOut(region=region, today=today, items=items, staff=staff_load(session, region))


def staff_load(session: Session, region: str) -> list[StaffLoad]:
    """Each active staff member of the region's centre: open cases against capacity."""
    counts = (
        select(Case.assignee_id, func.count())
        .where(Case.region == region, Case.status.in_(OPEN), Case.assignee_id.is_not(None))
        .group_by(Case.assignee_id)
    )
    staff = (
        select(User)
        .where(User.role == "center", User.region == region, User.disabled_at.is_(None))
        .order_by(User.display_name, User.id)
    )
    with session.begin():
        carried = {u: int(n) for u, n in session.execute(counts) if u is not None}
        people = list(session.scalars(staff))
    out = []
    for person in people:
        capacity = person.capacity if person.capacity is not None else DEFAULT_CAPACITY
        n = carried.get(person.id, 0)
        out.append(
            StaffLoad(
                user_id=person.id,
                name=person.display_name,
                open_cases=n,
                capacity=capacity,
                over=n > capacity,
            )
        )
    return out
