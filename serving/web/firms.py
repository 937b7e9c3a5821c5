"""The firm page and the visit form (the printable report is ``serving.web.report``; the case
form is ``serving.web.cases``).

A page view is a firm look-up and a score, exactly as ``POST /v1/scores``: the same region
check, the same scoring functions, the score stored and the audit row committed before the page
is sent. History and visits come from the same service functions as ``GET /v1/firms/{firm_id}/
history`` and ``…/visits``. A refused look-up is audited too and gets a 403 page that says
nothing about the firm.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from core import clock
from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import SessionDep
from serving.access.sessions import SignedIn
from serving.deps import StateDep
from serving.domain import scoring
from serving.domain.history import firm_history
from serving.domain.state import Champion, Snapshot
from serving.domain.visits import CONTACT_TYPES, FINDINGS, OUTCOMES, firm_visits
from serving.errors import NotScorable
from serving.schemas import FIRM_ID_PATTERN
from serving.schemas.scores import ScoreOut
from serving.store.tables import ApiKey
from serving.web import help_panel, partners, profile, records
from serving.web.access import PageRoute, PageUser, check_csrf
from serving.web.render import language, page

router = APIRouter(prefix="/web", route_class=PageRoute)
FIRM_ID: Final = re.compile(FIRM_ID_PATTERN)
ID_MAX: Final = 40  # longest firm id; longer input is cut before it reaches a log or a URL
FIRM_ENDPOINT: Final = "GET /web/firms/{firm_id}"


def look_up(
    db: SessionDep, snapshot: Snapshot, champion: Champion, key: ApiKey, firm_id: str
) -> ScoreOut | None:
    """Score a stored firm for its page; None when it exists but cannot be scored today."""
    region = snapshot.regions.get(firm_id)
    try:
        with attempt(db, key, FIRM_ENDPOINT, [firm_id[:ID_MAX]], champion.version, region) as entry:
            if not FIRM_ID.fullmatch(firm_id):  # no firm: a centre gets 403, as for any other
                policy.enforce(policy.read_firm(key, firm_id[:ID_MAX], None))
            row = scoring.locate(snapshot, key, firm_id)
            subjects = scoring.stored(snapshot, champion, [firm_id], [row])
            outs, rows = scoring.score(champion, subjects, None, key.id)
            entry.score_id, entry.rows = outs[0].score_id, [rows[0]]
    except NotScorable:  # audited as such; the page shows the firm without a score
        return None
    return outs[0]


@router.get("/firms")
def find_firm(user: PageUser, firm_id: str = "") -> RedirectResponse:
    """The look-up box in the header: straight to the firm page (which checks the region)."""
    target = quote(firm_id.strip()[:ID_MAX], safe="")
    return RedirectResponse(f"/web/firms/{target}", status_code=303)


@router.get("/firms/{firm_id}")
def firm_page(
    request: Request, firm_id: str, user: PageUser, db: SessionDep, state: StateDep
) -> Response:
    saved = request.query_params.get("saved") == "1"
    extra = {"saved": saved, "case_saved": request.query_params.get("case_saved") == "1"}
    return firm_page_response(request, firm_id, user, db, state.current(), extra)


def firm_page_response(
    request: Request,
    firm_id: str,
    user: SignedIn,
    db: SessionDep,
    current: tuple[Snapshot, Champion],
    extra: dict[str, Any],
    status_code: int = 200,
) -> Response:
    snapshot, champion = current
    score = look_up(db, snapshot, champion, user.key, firm_id)  # checks the region first
    lang = language(request)
    history = firm_history(snapshot, champion, firm_id)
    context: dict[str, Any] = {
        "firm": profile.firm_facts(snapshot, firm_id),
        "score": score,
        "reason_chart": profile.reason_chart(score, lang) if score and score.reasons else None,
        "peers": profile.peer_rows(score.reasons, lang) if score else [],
        "history": history,
        "history_chart": profile.history_chart(history, champion.model.bundle.grade_table, lang),
        "visits": firm_visits(db, snapshot, firm_id),
        "help": help_panel.for_firm(snapshot, champion, firm_id, score, lang),
        "case": records.case_panel(db, snapshot, user.key, firm_id),
        "findings": FINDINGS,
        "contact_types": CONTACT_TYPES,
        "outcomes": OUTCOMES,
        "today": clock.seoul_today().isoformat(),
        "may_record": policy.record_visit(user.key, firm_id, snapshot.regions.get(firm_id)) is None,
        "saved": False,
        "case_saved": False,
        "errors": {},
        "form": {},
        **partners.firm_referrals_context(request, db, snapshot, user, firm_id),
        **extra,
    }
    return page(request, "firm.html", context, user, status_code=status_code)


@router.post("/firms/{firm_id}/visits")
def record_visit(
    request: Request,
    firm_id: str,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    visited_on: Annotated[str, Form(max_length=20)] = "",
    finding: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    contact_type: Annotated[str, Form(max_length=20)] = "",
    programme: Annotated[str, Form(max_length=200)] = "",
    amount: Annotated[str, Form(max_length=40)] = "",
    outcome: Annotated[str, Form(max_length=40)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Record a visit as ``POST /v1/firms/{firm_id}/visits`` does, then show the firm page with
    it listed; a refused form comes back with what was typed and why (422)."""
    check_csrf(user, csrf)
    current = state.current()
    form = {
        "visited_on": visited_on,
        "finding": finding,
        "note": note,
        "contact_type": contact_type,
        "programme": programme,
        "amount": amount,
        "outcome": outcome,
    }
    errors = records.add_visit(db, *current, user.key, firm_id, form)
    if not errors:
        return RedirectResponse(f"/web/firms/{firm_id}?saved=1#visits", status_code=303)
    extra = {"errors": errors, "form": form}
    return firm_page_response(request, firm_id, user, db, current, extra, status_code=422)
