"""The printable report of a score as it was served, for a visit (A4, print CSS)."""

from __future__ import annotations

import uuid
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from serving.access import policy
from serving.access.audit import attempt
from serving.access.keys import SessionDep
from serving.deps import StateDep
from serving.domain.history import firm_history
from serving.domain.visits import firm_visits
from serving.schemas.scores import ScoreOut
from serving.store.records import find_score
from serving.web import profile
from serving.web.access import PageRoute, PageUser
from serving.web.render import language, page

router = APIRouter(prefix="/web", route_class=PageRoute)
ID_MAX: Final = 40  # longest id echoed into an audit row


@router.get("/scores/{score_id}/print")
def print_report(
    request: Request, score_id: str, user: PageUser, db: SessionDep, state: StateDep
) -> Response:
    """A score as it was served, laid out for A4 (no navigation, print CSS), for a visit: with
    the firm's score history, its visits and blank sign-off fields (담당자, 확인자, 날짜)."""
    endpoint = "GET /web/scores/{score_id}/print"
    try:
        stored = find_score(db, str(uuid.UUID(score_id)))
    except ValueError:
        stored = None
    region = stored.region if stored else None
    firm_ids = [stored.firm_id if stored else None]
    with attempt(db, user.key, endpoint, firm_ids, subject_region=region) as entry:
        entry.score_id = stored.score_id if stored else None
        entry.check(policy.read_score(user.key, score_id[:ID_MAX], region))
        assert stored is not None  # read_score refuses an unknown score
        entry.model_version = stored.model_version
    score = ScoreOut.model_validate_json(stored.payload)
    lang = language(request)
    snapshot, champion = state.current()
    firm_id = stored.firm_id or ""
    context = {
        "firm": profile.firm_facts(snapshot, firm_id),
        "score": score,
        "reason_chart": profile.reason_chart(score, lang) if score.reasons else None,
        "peers": profile.peer_rows(score.reasons, lang),
        "history": firm_history(snapshot, champion, firm_id),
        "visits": firm_visits(db, snapshot, firm_id),
        "footer_note": f"score_id {score.score_id}",
    }
    return page(request, "print.html", context, user)
