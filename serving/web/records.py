"""A firm's visits and case for the pages, read and written through ``serving.domain.visits``
and ``serving.domain.cases`` as the API does.

The region rule, the analyst rule and the audit row are the ones of
``POST /v1/firms/{firm_id}/visits`` and ``PATCH /v1/firms/{firm_id}/case``; only the messages
are the page's (field by field, Korean first) instead of a JSON 422.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import ValidationError

from core import clock
from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import SessionDep
from serving.domain import cases
from serving.domain.state import Champion, Snapshot
from serving.domain.visits import new_visit
from serving.errors import InvalidSubmission
from serving.schemas.cases import CaseChangeIn, CaseOut
from serving.schemas.firms import VisitIn
from serving.store.tables import ApiKey

VISIT_ENDPOINT: Final = "POST /web/firms/{firm_id}/visits"
CASE_ENDPOINT: Final = "POST /web/firms/{firm_id}/case"
_FIELD_MESSAGES: Final = {
    "visited_on": "visit_date_invalid",
    "finding": "visit_finding_invalid",
    "note": "visit_note_invalid",
    "contact_type": "case_contact_type_invalid",
    "programme": "case_programme_invalid",
    "amount": "case_amount_invalid",
    "outcome": "case_outcome_invalid",
}
_CASE_MESSAGES: Final = {
    "status": "case_status_invalid",
    "assignee_id": "case_assignee_invalid",
    "next_follow_up": "case_next_invalid",
    "note": "case_note_invalid",
    "form": "case_nothing_changed",
}


class FormRefused(InvalidSubmission):
    """A page form that did not validate: audited as invalid, shown field by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(("form",), "; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _field_errors(error: ValidationError, messages: dict[str, str]) -> dict[str, str]:
    fields = {str(e["loc"][0]) if e["loc"] else "form": e["msg"] for e in error.errors()}
    return {name: messages.get(name, text) for name, text in fields.items()}


def add_visit(
    db: SessionDep,
    snapshot: Snapshot,
    champion: Champion,
    key: ApiKey,
    firm_id: str,
    form: dict[str, str],
) -> dict[str, str]:
    """Record a visit (and move the firm's case as the API does); returns field → message key
    for what was refused (empty when saved)."""
    region = snapshot.regions.get(firm_id)
    subject = firm_id[:40]
    try:
        with attempt(db, key, VISIT_ENDPOINT, [subject], champion.version, region) as entry:
            entry.check(policy.record_visit(key, subject, region))
            assert region is not None  # record_visit refuses an unknown firm
            body = _visit_body(form)
            visit = new_visit(firm_id, region, body, key)
            work = cases.start(db, firm_id, region)
            cases.record_contact(work, body.contact_type, body.visited_on, cases.Actor.of(key))
            entry.rows.extend([visit, *cases.written(db, work)])
    except FormRefused as refused:
        return refused.errors
    return {}


def _visit_body(form: dict[str, str]) -> VisitIn:
    amount = form.get("amount", "").replace(",", "").strip()
    try:
        return VisitIn.model_validate(
            {
                "visited_on": form["visited_on"] or None,
                "finding": form["finding"],
                "note": form["note"].strip() or None,
                "contact_type": form.get("contact_type") or "visit",
                "programme": form.get("programme", "").strip() or None,
                "amount": amount or None,
                "outcome": form.get("outcome") or None,
            }
        )
    except ValidationError as error:
        raise FormRefused(_field_errors(error, _FIELD_MESSAGES)) from error


@dataclass
class CasePanel:
    """What the firm page's case panel shows and offers."""

    case: CaseOut
    staff: list[tuple[int, str]]  # the centre's active staff, the possible owners
    statuses: list[str]  # the current stage and those it may move to
    may_change: bool
    me: int | None  # the signed-in person (None: a shared key, which cannot take a case)
    today: str
    errors: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def status_name(code: str, lang: str) -> str:
        ko, en = cases.STATUSES.get(code, (code, code))
        return en if lang == "en" else ko

    @staticmethod
    def when(at: dt.datetime) -> str:
        """An event's time as staff read it: Korea's clock, to the minute."""
        return at.astimezone(clock.KST).strftime("%Y-%m-%d %H:%M")

    def value(self, name: str, raw: str | None, lang: str) -> str:
        """An event's old or new value in words: a stage's name, an owner's name, a date."""
        if raw is None:
            return "–"
        if name == "status":
            return self.status_name(raw, lang)
        if name == "assignee":
            names = {str(user_id): person for user_id, person in self.staff}
            return names.get(raw, f"#{raw}")
        return raw


def case_panel(
    db: SessionDep,
    snapshot: Snapshot,
    key: ApiKey,
    firm_id: str,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> CasePanel | None:
    """The panel of a stored firm the key may read (None for an unknown firm)."""
    region = snapshot.regions.get(firm_id)
    if region is None:
        return None
    today = clock.seoul_today()
    case = cases.firm_case(db, firm_id, region, today)
    staff = [(p.user_id, p.name) for p in cases.staff_load(db, region)]
    statuses = [s for s in cases.ORDER if s == case.status or cases.may_move(case.status, s)]
    return CasePanel(
        case=case,
        staff=staff,
        statuses=statuses,
        may_change=policy.change_case(key, firm_id, region) is None,
        me=key.user_id,
        today=today.isoformat(),
        errors=errors or {},
        form=form or {},
    )


def change_case(
    db: SessionDep,
    snapshot: Snapshot,
    champion: Champion,
    key: ApiKey,
    firm_id: str,
    form: dict[str, str],
) -> dict[str, str]:
    """Apply the case form (``action`` take: assign to me; otherwise the fields sent that differ
    from the case); returns field → message key for what was refused (empty when saved)."""
    region = snapshot.regions.get(firm_id)
    subject = firm_id[:40]
    try:
        with attempt(db, key, CASE_ENDPOINT, [subject], champion.version, region) as entry:
            entry.check(policy.change_case(key, subject, region))
            assert region is not None  # change_case refuses an unknown firm
            work = cases.start(db, firm_id, region)
            body = _case_body(work, form, key)
            try:
                cases.change(db, work, body, cases.Actor.of(key), region)
            except InvalidSubmission as refused:
                name = str(refused.field[-1])
                raise FormRefused({name: _CASE_MESSAGES.get(name, refused.message)}) from refused
            entry.rows.extend(cases.written(db, work))
    except FormRefused as refused:
        return refused.errors
    return {}


def _shown(value: object) -> str:
    """A stored value as the form shows it (empty for none)."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _case_body(work: cases.CaseWork, form: dict[str, str], key: ApiKey) -> CaseChangeIn:
    """The change the form asks for, as ``PATCH /v1/firms/{firm_id}/case`` would take it."""
    case = work.case
    if form.get("action") == "take":
        if key.user_id is None:
            raise FormRefused({"assignee_id": "case_take_no_person"})
        return CaseChangeIn.model_validate({"assignee_id": key.user_id})
    asked: dict[str, Any] = {}
    if form.get("status") and form["status"] != case.status:
        asked["status"] = form["status"]
    owner = form.get("assignee_id")
    if owner is not None and owner.strip() != _shown(case.assignee_id):
        asked["assignee_id"] = owner.strip() or None
    due = form.get("next_follow_up")
    if due is not None and due.strip() != _shown(case.next_follow_up):
        asked["next_follow_up"] = due.strip() or None
    if form.get("note", "").strip():
        asked["note"] = form["note"]
    try:
        return CaseChangeIn.model_validate(asked)
    except ValidationError as error:
        raise FormRefused(_field_errors(error, _CASE_MESSAGES)) from error
