"""One-Team pages: a partner's inbox of referred firms and its decision form, a centre's list
of its referrals, the referral form from a firm's page, and the firm page's referral chain.

The pages call the same service functions and rules as ``/v1/referrals…``
(``serving.domain.referrals``, ``policy.read_referral`` …): a partner sees the firm's id, name
and region and the centre's note, never a score; office and local-government keys get a 403.
Every read, write and refusal is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from core import clock
from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import SessionDep
from serving.access.sessions import SignedIn
from serving.deps import StateDep
from serving.domain import referrals
from serving.domain.state import Snapshot
from serving.errors import InvalidSubmission, UnknownFirm
from serving.schemas.referrals import DecisionIn, ReferralIn
from serving.store.tables import Referral
from serving.web.access import PageRoute, PageUser, check_csrf
from serving.web.render import page

router = APIRouter(prefix="/web", route_class=PageRoute)
STATUS_CHOICES = tuple(referrals.STATUSES)


def _errors(error: ValidationError | InvalidSubmission) -> dict[str, str]:
    """Form field -> message, for the form's own error lines."""
    if isinstance(error, InvalidSubmission):
        return {str(error.field[-1]): error.message}
    found: dict[str, str] = {}
    for item in error.errors():
        name = str(item["loc"][-1]) if item["loc"] else "form"
        found.setdefault(name, str(item["msg"]).removeprefix("Value error, "))
    return found


@router.get("/partners")
def inbox(
    request: Request, user: PageUser, db: SessionDep, state: StateDep, status: str = ""
) -> Response:
    """A partner's referred firms; a centre's referrals to partners; all for analysts and
    admins (``policy.referral_scope``)."""
    snapshot, champion = state.current()
    caller = referrals.acting(db, user.key)
    chosen = status if status in STATUS_CHOICES else None
    with attempt(db, user.key, "GET /web/partners", (), champion.version) as entry:
        entry.check(policy.read_referrals(caller))
        scope = policy.referral_scope(caller)
        found = referrals.listed(db, scope, status=chosen)  # type: ignore[arg-type]
        entry.firm_ids = [r.firm_id for r in found]
    context = {
        "items": referrals.described(db, snapshot, found),
        "caller": caller,
        "scope": scope,
        "status": chosen or "",
        "statuses": STATUS_CHOICES,
    }
    return page(request, "partners.html", context, user)


def _referral(
    db: SessionDep, snapshot: Snapshot, user: SignedIn, referral_id: str, endpoint: str
) -> tuple[policy.Acting, Referral]:
    """The referral behind a page, once the caller may read it (audited either way)."""
    caller = referrals.acting(db, user.key)
    referral = referrals.find_referral(db, referral_id[:36])
    firm_ids, region = ([referral.firm_id], referral.region) if referral else ([], None)
    with attempt(db, user.key, endpoint, firm_ids, None, region) as entry:
        if referral is None:
            raise UnknownFirm(f"no referral with referral_id {referral_id[:36]}")
        entry.check(policy.read_referral(caller, referral))
    return caller, referral


def _referral_page(
    request: Request,
    user: SignedIn,
    db: SessionDep,
    snapshot: Snapshot,
    caller: policy.Acting,
    referral: Referral,
    extra: dict[str, Any],
    status_code: int = 200,
) -> Response:
    context = {
        "item": referrals.described(db, snapshot, [referral])[0],
        "may_decide": policy.decide_referral(caller, referral) is None,
        "decisions": STATUS_CHOICES[1:],
        "today": clock.seoul_today().isoformat(),
        "errors": {},
        "form": {},
        "saved": False,
        **extra,
    }
    return page(request, "partner_referral.html", context, user, status_code=status_code)


@router.get("/partners/referrals/{referral_id}")
def referral_page(
    request: Request, referral_id: str, user: PageUser, db: SessionDep, state: StateDep
) -> Response:
    """One referral: the firm, the centre's note, and the partner's decision (form)."""
    snapshot, _ = state.current()
    endpoint = "GET /web/partners/referrals/{referral_id}"
    caller, referral = _referral(db, snapshot, user, referral_id, endpoint)
    saved = {"saved": request.query_params.get("saved") == "1"}
    return _referral_page(request, user, db, snapshot, caller, referral, saved)


@router.post("/partners/referrals/{referral_id}/decision")
def decide(
    request: Request,
    referral_id: str,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    status: Annotated[str, Form(max_length=20)] = "",
    decided_on: Annotated[str, Form(max_length=20)] = "",
    amount: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Record the decision as ``POST /v1/referrals/{referral_id}/decision``; a refused form
    comes back with what was typed and why (422)."""
    check_csrf(user, csrf)
    snapshot, champion = state.current()
    caller = referrals.acting(db, user.key)
    referral = referrals.find_referral(db, referral_id[:36])
    firm_ids, region = ([referral.firm_id], referral.region) if referral else ([], None)
    form = {"status": status, "decided_on": decided_on, "amount": amount, "note": note}
    endpoint = "POST /web/partners/referrals/{referral_id}/decision"
    try:
        with attempt(db, user.key, endpoint, firm_ids, champion.version, region) as entry:
            if referral is None:
                raise UnknownFirm(f"no referral with referral_id {referral_id[:36]}")
            entry.check(policy.decide_referral(caller, referral))
            body = _decision(form)
            referrals.decide(db, referral, body)
    except (ValidationError, InvalidSubmission) as error:
        assert referral is not None
        extra = {"errors": _errors(error), "form": form}
        return _referral_page(request, user, db, snapshot, caller, referral, extra, 422)
    target = f"/web/partners/referrals/{referral.referral_id}?saved=1"
    return RedirectResponse(target, status_code=303)


def _decision(form: dict[str, str]) -> DecisionIn:
    fields: dict[str, Any] = {"status": form["status"], "decided_on": form["decided_on"]}
    if form["amount"].strip():
        fields["amount"] = form["amount"].replace(",", "").strip()
    if form["note"].strip():
        fields["note"] = form["note"]
    return DecisionIn.model_validate(fields)


@router.post("/firms/{firm_id}/referrals")
def refer(
    request: Request,
    firm_id: str,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    partner: Annotated[str, Form(max_length=200)] = "",
    programme: Annotated[str, Form(max_length=100)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Refer the firm as ``POST /v1/firms/{firm_id}/referrals``, then back to its page; a
    refused form comes back on a page of its own with what was typed and why (422)."""
    check_csrf(user, csrf)
    snapshot, champion = state.current()
    firm_id = firm_id.strip()[:40]
    region = snapshot.regions.get(firm_id)
    form = {"partner": partner, "programme": programme, "note": note}
    endpoint = "POST /web/firms/{firm_id}/referrals"
    try:
        with attempt(db, user.key, endpoint, [firm_id], champion.version, region) as entry:
            entry.check(policy.refer_firm(user.key, firm_id, region))
            assert region is not None  # refer_firm refuses an unknown firm
            fields = {name: value for name, value in form.items() if value.strip()}
            body = ReferralIn.model_validate(fields)
            entry.rows.append(referrals.new_referral(db, firm_id, region, body, user.key))
    except (ValidationError, InvalidSubmission) as error:
        context = {
            "firm_id": firm_id,
            "referral_errors": {f"referral_{k}": v for k, v in _errors(error).items()},
            "referral_form": form,
            "partners": referrals.partner_organisations(db),
        }
        return page(request, "partner_refer.html", context, user, status_code=422)
    return RedirectResponse(f"/web/firms/{firm_id}?referred=1#referrals", status_code=303)


def firm_referrals_context(
    request: Request, db: SessionDep, snapshot: Snapshot, user: SignedIn, firm_id: str
) -> dict[str, Any]:
    """What ``_firm_referrals.html`` shows on a firm page the caller may already read: the
    firm's referrals (its chain), whether the caller may refer it and to which partners, and
    the notice after a referral was sent (``?referred=1``)."""
    region = snapshot.regions.get(firm_id)
    may_refer = policy.refer_firm(user.key, firm_id, region) is None
    found = referrals.listed(db, policy.referral_scope(user.key), firm_id)
    return {
        "firm_id": firm_id,
        "referred": request.query_params.get("referred") == "1",
        "referrals": referrals.described(db, snapshot, found),
        "may_refer": may_refer,
        "partners": referrals.partner_organisations(db) if may_refer else [],
    }
